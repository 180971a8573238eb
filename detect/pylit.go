package detect

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Python literals, as Ultralytics writes its ONNX metadata_props: every value is str(v) of a Python object
// (ultralytics/engine/exporter.py, export_onnx: `meta.key, meta.value = k, str(v)`), so a dict reads
// "{0: 'person', 1: 'bicycle'}", a bool "True" and a list "[640, 640]" — Python syntax, not JSON.
//
// parsePyLiteral reads the subset that str() of metadata produces, with the meaning ast.literal_eval gives it:
//
//	dict    {k: v, ...}     -> PyDict (insertion order kept; keys are any hashable literal read here)
//	list    [a, b]          -> []any
//	tuple   (a, b) / (a,)   -> PyTuple
//	str     'x' / "x"       -> string (escapes \\ \' \" \n \r \t \a \b \f \v \0-\777 \xhh \uhhhh \Uhhhhhhhh;
//	                           adjacent literals concatenate; r/b prefixes are refused)
//	int     -3, 0x1F, 1_000 -> int64 (out of range is an error)
//	float   1.5, -2e3, .5   -> float64
//	True / False / None     -> bool / nil
//
// Anything else (names, calls such as PosixPath('x'), set literals, inf/nan, which str() writes but
// literal_eval refuses) is an error naming the offset.

// PyDict is a Python dict literal: its items in the order they were written.
type PyDict []PyItem

// PyItem is one key: value pair of a PyDict.
type PyItem struct {
	// Key and Value are parsed literals (see parsePyLiteral for the Go types).
	Key, Value any
}

// PyTuple is a Python tuple literal.
type PyTuple []any

// Get returns the value of the first item whose key equals key (Python equality for the key types read here:
// 1 == 1.0 == True), and whether there is one.
func (d PyDict) Get(key any) (any, bool) {
	for _, it := range d {
		if pyEqual(it.Key, key) {
			return it.Value, true
		}
	}
	return nil, false
}

// parsePyLiteral parses one Python literal; surrounding white space is allowed, anything after it is an error.
func parsePyLiteral(s string) (any, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("python literal: not valid UTF-8")
	}
	p := &pyParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.errorf("unexpected %q after the value", p.rest())
	}
	return v, nil
}

type pyParser struct {
	s string
	i int
}

// maxPyDepth bounds nesting so that a hostile metadata value cannot exhaust the stack.
const maxPyDepth = 64

func (p *pyParser) errorf(format string, a ...any) error {
	return fmt.Errorf("python literal at offset %d: %s", p.i, fmt.Sprintf(format, a...))
}

func (p *pyParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

func (p *pyParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) value(depth int) (any, error) {
	if depth > maxPyDepth {
		return nil, p.errorf("nested deeper than %d", maxPyDepth)
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, p.errorf("unexpected end, want a value")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.dict(depth)
	case c == '[':
		p.i++
		items, _, err := p.items(']', depth)
		return items, err
	case c == '(':
		p.i++
		items, comma, err := p.items(')', depth)
		if err != nil {
			return nil, err
		}
		if len(items) == 1 && !comma {
			return items[0], nil // (x) is x, not a tuple
		}
		return PyTuple(items), nil
	case c == '\'' || c == '"':
		return p.strings()
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return p.name()
	}
}

// items reads comma-separated values up to the closing byte; it reports whether a comma followed the last item.
func (p *pyParser) items(end byte, depth int) ([]any, bool, error) {
	out := []any{}
	comma := false
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == end {
			p.i++
			return out, comma, nil
		}
		if len(out) > 0 && !comma {
			return nil, false, p.errorf("want ',' or %q, got %q", end, p.rest())
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, false, err
		}
		out = append(out, v)
		p.space()
		comma = p.i < len(p.s) && p.s[p.i] == ','
		if comma {
			p.i++
		}
	}
}

func (p *pyParser) dict(depth int) (any, error) {
	p.i++ // '{'
	d := PyDict{}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return d, nil
		}
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if !pyHashable(k) {
			return nil, p.errorf("unhashable dict key %T", k)
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.errorf("want ':' after a dict key, got %q", p.rest())
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		replaced := false
		for i := range d { // a repeated key keeps its first position and takes the last value, as in Python
			if pyEqual(d[i].Key, k) {
				d[i].Value, replaced = v, true
				break
			}
		}
		if !replaced {
			d = append(d, PyItem{k, v})
		}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			continue
		}
		return nil, p.errorf("want ',' or '}' in a dict, got %q", p.rest())
	}
}

// strings reads one or more adjacent string literals ('a' "b" is "ab").
func (p *pyParser) strings() (any, error) {
	var b strings.Builder
	for {
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
		p.space()
		if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
			return b.String(), nil
		}
	}
}

func (p *pyParser) str() (string, error) {
	q := p.s[p.i]
	if strings.HasPrefix(p.s[p.i:], strings.Repeat(string(q), 3)) {
		return "", p.errorf("triple-quoted strings are not read")
	}
	p.i++
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", p.errorf("unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\n':
			return "", p.errorf("newline in a string")
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		p.i++ // backslash
		if p.i >= len(p.s) {
			return "", p.errorf("unterminated escape")
		}
		e := p.s[p.i]
		p.i++
		if r, ok := map[byte]string{'\\': "\\", '\'': "'", '"': "\"", 'n': "\n", 'r': "\r", 't': "\t",
			'a': "\a", 'b': "\b", 'f': "\f", 'v': "\v", '\n': ""}[e]; ok {
			b.WriteString(r)
			continue
		}
		if e >= '0' && e <= '7' {
			n := int(e - '0')
			for k := 0; k < 2 && p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '7'; k++ {
				n = n*8 + int(p.s[p.i]-'0')
				p.i++
			}
			b.WriteRune(rune(n))
			continue
		}
		digits := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
		if digits == 0 {
			// Python keeps an unknown escape as written (with a warning).
			b.WriteByte('\\')
			b.WriteByte(e)
			continue
		}
		if p.i+digits > len(p.s) {
			return "", p.errorf("truncated \\%c escape", e)
		}
		n, err := strconv.ParseUint(p.s[p.i:p.i+digits], 16, 32)
		if err != nil || n > utf8.MaxRune || (n >= 0xD800 && n <= 0xDFFF && e != 'x') {
			return "", p.errorf("bad \\%c escape %q", e, p.s[p.i:p.i+digits])
		}
		p.i += digits
		b.WriteRune(rune(n))
	}
}

func (p *pyParser) number() (any, error) {
	start := p.i
	neg := false
	for p.i < len(p.s) && (p.s[p.i] == '-' || p.s[p.i] == '+') { // Python allows -+-1
		neg = neg != (p.s[p.i] == '-')
		p.i++
		p.space()
	}
	j := p.i
	for j < len(p.s) && (isPyNumByte(p.s[j]) || ((p.s[j] == '+' || p.s[j] == '-') && j > p.i &&
		(p.s[j-1] == 'e' || p.s[j-1] == 'E'))) {
		j++
	}
	lit := p.s[p.i:j]
	if lit == "" {
		p.i = start
		return nil, p.errorf("want a number, got %q", p.rest())
	}
	p.i = j
	if strings.Contains(lit, "__") || strings.HasPrefix(lit, "_") || strings.HasSuffix(lit, "_") {
		return nil, p.errorf("bad number %q", lit)
	}
	clean := strings.ReplaceAll(lit, "_", "")
	low := strings.ToLower(clean)
	isInt := !strings.ContainsAny(low, ".e") || strings.HasPrefix(low, "0x")
	if isInt {
		if len(low) > 1 && low[0] == '0' && !strings.ContainsAny(low[1:2], "xob") && strings.Trim(low, "0") != "" {
			return nil, p.errorf("leading zeros in integer %q", lit)
		}
		base := 10
		digits := low
		if len(low) > 2 && low[0] == '0' && strings.ContainsAny(low[1:2], "xob") {
			base, digits = map[byte]int{'x': 16, 'o': 8, 'b': 2}[low[1]], low[2:]
		}
		u, err := strconv.ParseUint(digits, base, 64)
		if err != nil || u > 1<<63 || (u == 1<<63 && !neg) {
			return nil, p.errorf("integer %q out of range or malformed", lit)
		}
		if neg {
			return -int64(u), nil
		}
		return int64(u), nil
	}
	if strings.HasPrefix(low, "0x") || strings.ContainsAny(low, "xob") {
		return nil, p.errorf("bad number %q", lit)
	}
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil && !(math.IsInf(f, 0) && strings.Contains(err.Error(), "range")) {
		return nil, p.errorf("bad number %q", lit)
	}
	if neg {
		f = -f
	}
	return f, nil
}

func isPyNumByte(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == '_' ||
		c == 'x' || c == 'X' || c == 'o' || c == 'O'
}

func (p *pyParser) name() (any, error) {
	j := p.i
	for j < len(p.s) && (p.s[j] == '_' || (p.s[j]|0x20 >= 'a' && p.s[j]|0x20 <= 'z') || (p.s[j] >= '0' && p.s[j] <= '9')) {
		j++
	}
	switch w := p.s[p.i:j]; w {
	case "True", "False":
		p.i = j
		return w == "True", nil
	case "None":
		p.i = j
		return nil, nil
	case "":
		return nil, p.errorf("unexpected %q", p.rest())
	default:
		return nil, p.errorf("%q is not a literal (only dict, list, tuple, str, int, float, True, False, None)", w)
	}
}

func pyHashable(v any) bool {
	switch t := v.(type) {
	case nil, bool, int64, float64, string:
		return true
	case PyTuple:
		for _, x := range t {
			if !pyHashable(x) {
				return false
			}
		}
		return true
	}
	return false
}

// pyEqual is Python's == on the literal types read here (True == 1 == 1.0; NaN never occurs).
func pyEqual(a, b any) bool {
	num := func(v any) (float64, bool) {
		switch t := v.(type) {
		case bool:
			if t {
				return 1, true
			}
			return 0, true
		case int64:
			return float64(t), true
		case float64:
			return t, true
		}
		return 0, false
	}
	if x, ok := num(a); ok {
		y, ok := num(b)
		if ai, aok := a.(int64); aok {
			if bi, bok := b.(int64); bok {
				return ai == bi
			}
		}
		return ok && x == y
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case PyTuple:
		y, ok := b.(PyTuple)
		return ok && slices.EqualFunc(x, y, pyEqual)
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, pyEqual)
	case PyDict:
		y, ok := b.(PyDict)
		if !ok || len(x) != len(y) {
			return false
		}
		for _, it := range x {
			v, ok := y.Get(it.Key)
			if !ok || !pyEqual(it.Value, v) {
				return false
			}
		}
		return true
	}
	return false
}

// formatPyLiteral writes v back as Python source (repr style) so that parsePyLiteral reads the same value: the
// fuzz target's round trip, and how inspect shows a parsed value.
func formatPyLiteral(v any) string {
	var b strings.Builder
	writePy(&b, v)
	return b.String()
}

func writePy(b *strings.Builder, v any) {
	switch t := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		b.WriteString(map[bool]string{true: "True", false: "False"}[t])
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case float64:
		s := strconv.FormatFloat(t, 'g', -1, 64)
		if math.IsInf(t, 0) {
			s = map[bool]string{true: "1e999", false: "-1e999"}[t > 0]
		} else if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		b.WriteString(s)
	case string:
		b.WriteByte('\'')
		for _, r := range t {
			switch {
			case r == '\'' || r == '\\':
				b.WriteByte('\\')
				b.WriteRune(r)
			case r < 0x20 || r == 0x7f || r == utf8.RuneError:
				fmt.Fprintf(b, "\\U%08x", r)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('\'')
	case []any:
		writePySeq(b, "[", "]", t, false)
	case PyTuple:
		writePySeq(b, "(", ")", t, len(t) == 1)
	case PyDict:
		b.WriteByte('{')
		for i, it := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			writePy(b, it.Key)
			b.WriteString(": ")
			writePy(b, it.Value)
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "<%T>", v)
	}
}

func writePySeq(b *strings.Builder, open, close string, items []any, trailingComma bool) {
	b.WriteString(open)
	for i, x := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		writePy(b, x)
	}
	if trailingComma {
		b.WriteByte(',')
	}
	b.WriteString(close)
}
