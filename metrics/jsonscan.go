package metrics

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unsafe"
)

// jsonScanner reads one JSON document from an io.Reader as a stream of tokens, for
// the COCO readers of cocoio.go: it holds a window of the input (64 KiB, grown only
// when one token is longer), never the whole file, and knows the line of the next
// unread byte for messages. It checks the JSON grammar of everything it reads or
// skips; errors are [*jsonSyntaxError] (with the line), io.EOF (the input ended where
// a value or delimiter could start), io.ErrUnexpectedEOF (inside a token) or the
// reader's own error. It replaces encoding/json, whose Decoder copies every value
// into its own buffer and scans it twice (reading the 5 000 x 100 results file of
// BENCHMARKS.md took 1.2 s that way).
type jsonScanner struct {
	r    io.Reader
	buf  []byte
	pos  int // next unread byte of buf
	end  int // buf[pos:end] is read and not consumed
	line int // line of buf[pos], 1-based
	eof  bool
	rerr error // the reader's error, other than io.EOF
	sbuf []byte
	num  jsonNumber // the last number read
}

const jsonWindow = 64 << 10

// jsonMaxDepth bounds the nesting of a skipped value, as encoding/json does.
const jsonMaxDepth = 10000

func newJSONScanner(r io.Reader) *jsonScanner {
	return &jsonScanner{r: r, buf: make([]byte, jsonWindow), line: 1}
}

// jsonSyntaxError is malformed JSON at a line; msg reads like encoding/json's.
type jsonSyntaxError struct {
	line int
	msg  string
}

func (e *jsonSyntaxError) Error() string { return e.msg }

func (s *jsonScanner) syntax(format string, args ...any) error {
	return &jsonSyntaxError{line: s.line, msg: fmt.Sprintf(format, args...)}
}

// quoteChar is encoding/json's rendering of an unexpected byte.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	q := strconv.Quote(string(rune(c)))
	return "'" + q[1:len(q)-1] + "'"
}

// refill moves buf[keep:end] (the token being read) to the front, reads more input
// after it, and returns keep, the distance everything moved back (callers holding
// indices into buf subtract it). It grows buf when the token fills it. It reports
// false when no byte was added (end of input or read error).
func (s *jsonScanner) refill(keep int) (int, bool) {
	if s.eof {
		return 0, false
	}
	if keep > 0 {
		n := copy(s.buf, s.buf[keep:s.end])
		s.pos -= keep
		s.end = n
	} else if s.end == len(s.buf) {
		s.buf = append(s.buf, make([]byte, len(s.buf))...)
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if !errors.Is(err, io.EOF) {
				s.rerr = err
			}
			return keep, n > 0
		}
		if n > 0 {
			return keep, true
		}
	}
}

// endErr is the error for input that ended: the reader's, or eofErr.
func (s *jsonScanner) endErr(eofErr error) error {
	if s.rerr != nil {
		return s.rerr
	}
	return eofErr
}

// peek skips white space and returns the next byte without consuming it; io.EOF (or
// the read error) at the end of input.
func (s *jsonScanner) peek() (byte, error) {
	for {
		for s.pos < s.end {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\r':
				s.pos++
			case '\n':
				s.pos++
				s.line++
			default:
				return c, nil
			}
		}
		if _, ok := s.refill(s.end); !ok {
			return 0, s.endErr(io.EOF)
		}
	}
}

// startValue peeks at the first byte of a value and says what it is: 'n' number,
// '"' string, 't' boolean, '0' null, '[' array or '{' object. Other bytes are malformed
// JSON.
func (s *jsonScanner) startValue() (byte, error) {
	c, err := s.peek()
	if err != nil {
		return 0, err
	}
	switch {
	case c == '-' || (c >= '0' && c <= '9'):
		return 'n', nil
	case c == '"', c == '[', c == '{':
		return c, nil
	case c == 't', c == 'f':
		return 't', nil
	case c == 'n':
		return '0', nil
	}
	return 0, s.syntax("invalid character %s looking for beginning of value", quoteChar(c))
}

// kindName names a startValue kind for type errors.
func kindName(k byte) string {
	switch k {
	case 'n':
		return "number"
	case '"':
		return "string"
	case 't':
		return "boolean"
	case '0':
		return "null"
	case '[':
		return "array"
	}
	return "object"
}

// jsonNumber is a number token: its text (valid until the scanner reads on) and, when
// it has at most 19 significant digits, the digits as an integer m and the power of
// ten e with value m·10^e.
type jsonNumber struct {
	text   []byte
	m      uint64
	e      int
	neg    bool
	digits int // significant digits; > 19: m and e are not set
	intTok bool
}

// number reads a number token, checking the JSON grammar. The result is valid until
// the next number.
func (s *jsonScanner) number() (*jsonNumber, error) {
	if s.end-s.pos < 64 && !s.eof {
		s.refill(s.pos) // numbers are short: have the whole token in the window
	}
	for {
		n := &s.num
		i, bad := scanNumber(s.buf[s.pos:s.end], n)
		switch {
		case bad && s.pos+i < s.end:
			s.pos += i
			return nil, s.syntax("invalid character %s in numeric literal", quoteChar(s.buf[s.pos]))
		case bad && s.eof:
			return nil, s.endErr(io.ErrUnexpectedEOF)
		case !bad && (s.pos+i < s.end || s.eof):
			n.text = s.buf[s.pos : s.pos+i]
			s.pos += i
			return n, nil
		}
		// The token runs to the end of the window: read on and scan it again.
		if _, ok := s.refill(s.pos); !ok && s.rerr != nil {
			return nil, s.rerr
		}
	}
}

// scanNumber reads the JSON number at the start of b and returns it (but its text)
// and its length. bad is true when b[i] cannot continue the number or b ends where
// the grammar needs a digit; a number that reaches the end of b may go on after it.
func scanNumber(b []byte, n *jsonNumber) (i int, bad bool) {
	*n = jsonNumber{}
	if i < len(b) && b[i] == '-' {
		n.neg = true
		i++
	}
	// The integer part ("0" or a digit run without leading zero), then an optional
	// fraction: both are digit runs, read first and turned into m and e after.
	ip := i
	if i == len(b) || b[i]-'0' > 9 {
		return i, true
	}
	if b[i] == '0' {
		i++
	} else {
		i += digitRun(b[i:])
	}
	intPart := b[ip:i]
	var fracPart []byte
	n.intTok = true
	if i < len(b) && b[i] == '.' {
		n.intTok = false
		i++
		fp := i
		i += digitRun(b[i:])
		if i == fp {
			return i, true
		}
		fracPart = b[fp:i]
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		n.intTok = false
		i++
		neg := i < len(b) && b[i] == '-'
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			i++
		}
		ep := i
		exp := 0
		for ; i < len(b) && b[i]-'0' <= 9; i++ {
			if exp < 1e6 {
				exp = exp*10 + int(b[i]-'0')
			}
		}
		if i == ep {
			return i, true
		}
		if neg {
			exp = -exp
		}
		n.e = exp
	}
	// Significant digits: the integer part without its zero, then the fraction
	// without its leading zeros when the integer part is 0. The first 19 go into m.
	if intPart[0] == '0' {
		intPart = nil
		k := 0
		for k < len(fracPart) && fracPart[k] == '0' {
			k++
		}
		n.e -= k
		fracPart = fracPart[k:]
	}
	n.digits = len(intPart) + len(fracPart)
	take := min(len(intPart), 19)
	n.m = appendDigits(0, intPart[:take])
	n.e += len(intPart) - take
	take = min(len(fracPart), 19-take)
	n.m = appendDigits(n.m, fracPart[:take])
	n.e -= take
	return i, false
}

// digitRun returns the length of the run of ASCII digits at the start of b, eight
// bytes at a time while it can.
func digitRun(b []byte) int {
	i := 0
	for ; i+8 <= len(b) && eightDigits(binary.LittleEndian.Uint64(b[i:])); i += 8 {
	}
	for i < len(b) && b[i]-'0' <= 9 {
		i++
	}
	return i
}

// eightDigits reports whether the 8 bytes in v are all ASCII digits.
func eightDigits(v uint64) bool {
	return (v&0xF0F0F0F0F0F0F0F0)|((v+0x0606060606060606)&0xF0F0F0F0F0F0F0F0)>>4 == 0x3333333333333333
}

// appendDigits is m followed by the decimal digits d (m·10^len(d) + d must fit in a
// uint64), eight digits per step: each step combines neighbouring digits into pairs,
// pairs into fours and fours into eight with three multiplications.
func appendDigits(m uint64, d []byte) uint64 {
	for ; len(d) >= 8; d = d[8:] {
		v := binary.LittleEndian.Uint64(d) - 0x3030303030303030
		v = v*10 + v>>8 // pairs in bytes 0, 2, 4, 6
		v = ((v&0x000000FF000000FF)*(100+1000000<<32) + (v>>16&0x000000FF000000FF)*(1+10000<<32)) >> 32
		m = m*100000000 + v
	}
	for _, c := range d {
		m = m*10 + uint64(c-'0')
	}
	return m
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// pow10u are the powers of ten a uint64 holds.
var pow10u = [...]uint64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// float is the float64 nearest to the number (ties to even), as strconv.ParseFloat
// gives it. Up to 2⁵³ with a power of ten up to 22 it is one exact floating-point
// operation (Clinger's fast path); up to 19 digits with a power of ten up to 19 (every
// coordinate and score a detector writes, even with 17 significant digits) it is exact
// integer arithmetic: m·10^e as a 128-bit product, or m/10^-e as a 64-bit quotient of
// m·2^s with the remainder, rounded once to 53 bits. Other numbers go to
// strconv.ParseFloat. A number outside the float64 range is an error.
func (n *jsonNumber) float() (float64, error) {
	var f float64
	switch {
	case n.digits > 19:
		return n.parse()
	case n.m == 0:
		f = 0
	case n.m <= 1<<53 && n.e >= -22 && n.e <= 22:
		f = float64(n.m)
		if n.e < 0 {
			f /= pow10[-n.e]
		} else {
			f *= pow10[n.e]
		}
	case n.e >= 0 && n.e < len(pow10u):
		hi, lo := bits.Mul64(n.m, pow10u[n.e])
		sticky, exp := false, 0
		if hi != 0 { // keep the top 64 bits, the rest as the sticky bit
			t := uint(bits.Len64(hi))
			sticky = lo<<(64-t) != 0
			lo = hi<<(64-t) | lo>>t
			exp = int(t)
		}
		f = round53(lo, sticky, exp)
	case n.e < 0 && -n.e < len(pow10u):
		d := pow10u[-n.e]
		// s puts the quotient in [2⁶², 2⁶⁴): m < 2^bm and d >= 2^(bd-1).
		s := uint(63 - bits.Len64(n.m) + bits.Len64(d))
		var hi, lo uint64
		if s < 64 {
			hi, lo = n.m>>(64-s), n.m<<s
		} else {
			hi = n.m << (s - 64)
		}
		q, r := bits.Div64(hi, lo, d)
		f = round53(q, r != 0, -int(s))
	default:
		return n.parse()
	}
	if n.neg {
		f = -f
	}
	return f, nil
}

// round53 is (x + ε)·2^exp rounded to the nearest float64, ties to even, where ε in
// (0, 1) is present when sticky is set; x must have more than 53 bits when sticky is
// set, and the result must be a normal number.
func round53(x uint64, sticky bool, exp int) float64 {
	l := bits.Len64(x)
	if l <= 53 {
		return math.Ldexp(float64(x), exp)
	}
	shift := uint(l - 53)
	mant, rem, half := x>>shift, x&(1<<shift-1), uint64(1)<<(shift-1)
	if rem > half || (rem == half && (sticky || mant&1 == 1)) {
		mant++ // may reach 2⁵³: still exact in a float64
	}
	return math.Ldexp(float64(mant), exp+int(shift))
}

// parse converts the token with strconv.ParseFloat. The token is valid JSON, hence
// valid for ParseFloat, which does not keep its argument (its errors hold a copy): no
// need to copy the bytes into a string.
func (n *jsonNumber) parse() (float64, error) {
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(n.text), len(n.text)), 64)
	if err != nil {
		return 0, &jsonValueError{fmt.Sprintf("%s is outside the float64 range", n.text)}
	}
	return f, nil
}

// integerErr stores the number in *v when it is an integer written 7, 7.0 or 7e0
// within ±2⁵³ (or any int64 written without point or exponent).
func (n *jsonNumber) integerErr(v *int64) error {
	if n.intTok && n.digits <= 18 { // e is 0
		*v = int64(n.m)
		if n.neg {
			*v = -*v
		}
		return nil
	}
	if n.intTok {
		if x, err := strconv.ParseInt(string(n.text), 10, 64); err == nil {
			*v = x
			return nil
		}
	}
	f, err := n.float()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return fmt.Errorf("%s, want an integer", n.text)
	}
	*v = int64(f)
	return nil
}

// str reads a string token and returns its content with escapes decoded (valid until
// the scanner reads on).
func (s *jsonScanner) str() ([]byte, error) {
	s.pos++ // the opening quote
	st, i := s.pos, s.pos
	esc := false
	for {
		if i == s.end {
			shift, ok := s.refill(st)
			st -= shift
			i -= shift
			if !ok {
				return nil, s.endErr(io.ErrUnexpectedEOF)
			}
		}
		c := s.buf[i]
		switch {
		case c == '"':
			s.pos = i + 1
			if !esc {
				return s.buf[st:i], nil
			}
			return s.unescape(s.buf[st:i])
		case c == '\\':
			esc = true
			if i+1 == s.end {
				shift, ok := s.refill(st)
				st -= shift
				i -= shift
				if !ok {
					return nil, s.endErr(io.ErrUnexpectedEOF)
				}
			}
			i += 2 // the escaped byte: validated by unescape; \" does not end the string
		case c < 0x20:
			return nil, s.syntax("invalid character %s in string literal", quoteChar(c))
		default:
			i++
		}
	}
}

// unescape decodes the escapes of a string token's content into s.sbuf.
func (s *jsonScanner) unescape(b []byte) ([]byte, error) {
	out := s.sbuf[:0]
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch b[i] {
		case '"', '\\', '/':
			out = append(out, b[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b[i+1:])
			if !ok {
				return nil, s.syntax("invalid character in \\u hexadecimal character escape")
			}
			i += 4
			if r >= 0xD800 && r < 0xDC00 { // a surrogate pair, if the low half follows
				if i+6 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
					if lo, ok := hex4(b[i+3:]); ok && lo >= 0xDC00 && lo < 0xE000 {
						r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
						i += 6
					}
				}
			}
			out = appendRune(out, r)
		default:
			return nil, s.syntax("invalid character %s in string escape code", quoteChar(b[i]))
		}
	}
	s.sbuf = out
	return out, nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// appendRune appends r as UTF-8 (an unpaired surrogate as U+FFFD, as encoding/json).
func appendRune(b []byte, r rune) []byte {
	if r >= 0xD800 && r < 0xE000 {
		r = 0xFFFD
	}
	return append(b, string(r)...)
}

// literal reads true, false or null (kind 't' or '0' of startValue) and returns its
// boolean value.
func (s *jsonScanner) literal() (bool, error) {
	word := "null"
	switch s.buf[s.pos] {
	case 't':
		word = "true"
	case 'f':
		word = "false"
	}
	for k := 0; k < len(word); k++ {
		if s.pos == s.end {
			if _, ok := s.refill(s.pos); !ok {
				return false, s.endErr(io.ErrUnexpectedEOF)
			}
		}
		if c := s.buf[s.pos]; c != word[k] {
			return false, s.syntax("invalid character %s in literal %s (expecting %s)", quoteChar(c), word, quoteChar(word[k]))
		}
		s.pos++
	}
	return word == "true", nil
}

// skip reads and discards one value of any kind, checking its grammar.
func (s *jsonScanner) skip() error { return s.skipDepth(0) }

func (s *jsonScanner) skipDepth(depth int) error {
	k, err := s.startValue()
	if err != nil {
		return err
	}
	switch k {
	case 'n':
		_, err = s.number()
	case '"':
		_, err = s.str()
	case 't', '0':
		_, err = s.literal()
	case '[':
		if depth >= jsonMaxDepth {
			return s.syntax("exceeded max depth")
		}
		err = s.array(func(int) error { return s.skipDepth(depth + 1) })
	default:
		if depth >= jsonMaxDepth {
			return s.syntax("exceeded max depth")
		}
		err = s.object(nil, func(int) error { return s.skipDepth(depth + 1) })
	}
	return err
}

// inner turns the end of input inside a value into io.ErrUnexpectedEOF.
func inner(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// array reads an array (the next byte is '['), calling elem for each element with
// its index; elem reads the element.
func (s *jsonScanner) array(elem func(i int) error) error {
	s.pos++
	c, err := s.peek()
	if err != nil {
		return inner(err)
	}
	if c == ']' {
		s.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return inner(err)
		}
		c, err := s.peek()
		if err != nil {
			return inner(err)
		}
		s.pos++
		switch c {
		case ',':
		case ']':
			return nil
		default:
			s.pos--
			return s.syntax("invalid character %s after array element", quoteChar(c))
		}
	}
}

// object reads an object (the next byte is '{'), calling field for each member with
// the index of its key in keys, or -1 for another key; field reads the value. A key
// given twice is read twice (the last value wins, as in Python).
func (s *jsonScanner) object(keys []string, field func(k int) error) error {
	s.pos++
	c, err := s.peek()
	if err != nil {
		return inner(err)
	}
	if c == '}' {
		s.pos++
		return nil
	}
	for {
		if c != '"' {
			return s.syntax("invalid character %s looking for beginning of object key string", quoteChar(c))
		}
		key, err := s.str()
		if err != nil {
			return inner(err)
		}
		k := -1
		for j, name := range keys {
			if string(key) == name {
				k = j
				break
			}
		}
		if c, err = s.peek(); err != nil {
			return inner(err)
		}
		if c != ':' {
			return s.syntax("invalid character %s after object key", quoteChar(c))
		}
		s.pos++
		if err := field(k); err != nil {
			return inner(err)
		}
		if c, err = s.peek(); err != nil {
			return inner(err)
		}
		s.pos++
		switch c {
		case ',':
		case '}':
			return nil
		default:
			s.pos--
			return s.syntax("invalid character %s after object key:value pair", quoteChar(c))
		}
		if c, err = s.peek(); err != nil {
			return inner(err)
		}
	}
}

// jsonValueError is a well-formed value that does not fit: a JSON string where a
// number was wanted, a number outside the float64 range.
type jsonValueError struct{ msg string }

func (e *jsonValueError) Error() string { return e.msg }

// kindError is a *jsonValueError for a value of kind k (see startValue).
func kindError(k byte, suffix string) error { return &jsonValueError{"a JSON " + kindName(k) + suffix} }

// fieldError puts a field's value error into context (where(field): "metrics:
// path:line: entry: field"; want: what the field should hold); syntax and end-of-input
// errors pass unchanged.
func (s *jsonScanner) fieldError(err error, where func(string) string, field, want string) error {
	if err == nil {
		return nil
	}
	if ve := (*jsonValueError)(nil); errors.As(err, &ve) {
		return fmt.Errorf("%s: %w, want %s", where(field), err, want)
	}
	return err
}

// numberOrNull reads a number, or null (nil); other kinds are a *jsonValueError.
func (s *jsonScanner) numberOrNull() (*jsonNumber, error) {
	k, err := s.startValue()
	if err != nil {
		return nil, err
	}
	switch k {
	case 'n':
		return s.number()
	case '0':
		_, err := s.literal()
		return nil, err
	}
	return nil, kindError(k, "")
}

// numbers reads an array of numbers (or null: none) into b and returns how many there
// were (only the first len(b) are kept); other kinds are a *jsonValueError.
func (s *jsonScanner) numbers(b []float64) (int, error) {
	k, err := s.startValue()
	if err != nil {
		return 0, err
	}
	switch k {
	case '0':
		_, err := s.literal()
		return 0, err
	case '[':
	default:
		return 0, kindError(k, "")
	}
	n := 0
	err = s.array(func(i int) error {
		k, err := s.startValue()
		if err != nil {
			return err
		}
		if k != 'n' {
			return kindError(k, " in the list")
		}
		v, err := s.number()
		if err != nil {
			return err
		}
		if i < len(b) {
			if b[i], err = v.float(); err != nil {
				return err
			}
		}
		n++
		return nil
	})
	return n, err
}

// fail turns a scanner error into one naming path, the line of malformed JSON and
// what was wanted; errors already in context pass unchanged.
func (s *jsonScanner) fail(path, want string, err error) error {
	var se *jsonSyntaxError
	switch {
	case s.rerr != nil && errors.Is(err, s.rerr):
		return fmt.Errorf("metrics: %s: %w", path, err)
	case errors.As(err, &se):
		return fmt.Errorf("metrics: %s:%d: malformed JSON (%w), want %s", path, se.line, se, want)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("metrics: %s: empty or truncated JSON, want %s: %w", path, want, err)
	}
	return err
}

// stringOrNull reads a string, or null (""); other kinds are a *jsonValueError.
func (s *jsonScanner) stringOrNull() (string, error) {
	k, err := s.startValue()
	switch {
	case err != nil:
		return "", err
	case k == '0':
		_, err := s.literal()
		return "", err
	case k != '"':
		return "", kindError(k, "")
	}
	b, err := s.str()
	return strings.ToValidUTF8(string(b), "\uFFFD"), err
}

// flag reads a COCO flag: a number (non-zero is true), a boolean, or null (false);
// other kinds are a *jsonValueError.
func (s *jsonScanner) flag() (bool, error) {
	k, err := s.startValue()
	switch {
	case err != nil:
		return false, err
	case k == 't' || k == '0':
		return s.literal()
	case k != 'n':
		return false, kindError(k, "")
	}
	n, err := s.number()
	if err != nil {
		return false, err
	}
	f, err := n.float()
	return f != 0, err
}

// startObject peeks at entry i of a list named what, which must be an object, and
// returns the line it starts on.
func (s *jsonScanner) startObject(path, what string, i int) (int, error) {
	k, err := s.startValue()
	if err != nil {
		return 0, err
	}
	if k != '{' {
		if what != "result" {
			what = fmt.Sprintf("%s[%d]", what, i)
		} else {
			what = fmt.Sprintf("result %d", i)
		}
		return s.line, fmt.Errorf("metrics: %s:%d: %s: a JSON %s, want an object", path, s.line, what, kindName(k))
	}
	return s.line, nil
}

// wrap puts a value error (an out-of-range number, a non-integer id) into context.
func (s *jsonScanner) wrap(err error, where func(string) string, field string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", where(field), err)
	}
	return nil
}
