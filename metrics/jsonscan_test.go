package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scanNumbers reads a JSON array of numbers through the scanner.
func scanNumbers(t *testing.T, r io.Reader) []float64 {
	t.Helper()
	s := newJSONScanner(r)
	k, err := s.startValue()
	require.NoError(t, err)
	require.Equal(t, byte('['), k)
	var out []float64
	require.NoError(t, s.array(func(int) error {
		n, err := s.numberOrNull()
		if err != nil {
			return err
		}
		v, err := n.float()
		out = append(out, v)
		return err
	}))
	return out
}

// TestJSONNumbersEqualStrconv: the scanner's float64 for a number token (its own exact
// path for up to 2⁵³ with a power of ten up to 22, strconv otherwise) is the one
// strconv.ParseFloat gives, bit for bit, for numbers written every way a JSON writer
// does: shortest, fixed and exponent notation, many digits, leading and trailing zeros,
// huge and tiny exponents, read whole and one byte at a time.
func TestJSONNumbersEqualStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var texts []string
	for range 20000 {
		v := math.Float64frombits(rng.Uint64())
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		switch rng.IntN(6) {
		case 0:
			v = rng.Float64()
		case 1:
			v = rng.Float64() * 640
		case 2:
			v = float64(rng.IntN(100000)) / 1000
		}
		prec := rng.IntN(25) - 1
		texts = append(texts,
			strconv.FormatFloat(v, 'g', -1, 64),
			strconv.FormatFloat(v, 'e', prec, 64),
			strconv.FormatFloat(v, 'f', min(prec, 30), 64))
	}
	for range 20000 { // every path of float: up to 19 digits, powers of ten up to ±25
		digits := strconv.FormatUint(rng.Uint64()>>rng.IntN(64), 10)
		e := rng.IntN(51) - 25
		texts = append(texts, digits+"e"+strconv.Itoa(e), "-0."+digits+"e"+strconv.Itoa(e+len(digits)))
	}
	texts = append(texts, "0", "-0", "0.0", "1e22", "1e23", "9007199254740993", "9007199254740992.0",
		"12345678901234567890123", "0.000000000000000000000000001", "1E+2", "1e-2", "-1.5E-300",
		"4.9e-324", "2.2250738585072011e-308", "1.7976931348623157e308", "123456789012345678e-18",
		"0.1000000000000000055511151231257827021181583404541015625", "100000000000000000000000e-30",
		"7.000000000000000000000000000000000000001", "000", "1"+strings.Repeat("0", 400)+"e-400")
	texts = slices.DeleteFunc(texts, func(s string) bool { return !json.Valid([]byte(s)) })
	data := "[" + strings.Join(texts, ",\n") + "]"
	for name, r := range map[string]io.Reader{
		"whole":    strings.NewReader(data),
		"one byte": iotest.OneByteReader(strings.NewReader(data)),
	} {
		got := scanNumbers(t, r)
		require.Len(t, got, len(texts), name)
		for i, s := range texts {
			want, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err, s)
			require.Equal(t, math.Float64bits(want), math.Float64bits(got[i]), "%s: %s", name, s)
		}
	}
}

// FuzzJSONNumberEqualsStrconv: any number token the scanner accepts converts to the
// float64 strconv.ParseFloat gives (or both say it is out of range). Run with
// `go test ./metrics -run '^$' -fuzz '^FuzzJSONNumberEqualsStrconv$' -fuzztime 60s`.
func FuzzJSONNumberEqualsStrconv(f *testing.F) {
	for _, s := range []string{"0.022322111021323865", "107.11246013244684", "1e19", "-9999999999999999999e-19", "5e-324", "1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s := newJSONScanner(strings.NewReader(text))
		n, err := s.number()
		if err != nil || string(n.text) != text {
			return // not one number token
		}
		got, err := n.float()
		want, werr := strconv.ParseFloat(text, 64)
		if (err != nil) != (werr != nil) || (err == nil && math.Float64bits(got) != math.Float64bits(want)) {
			t.Fatalf("%s: got %v (%v), strconv %v (%v)", text, got, err, want, werr)
		}
	})
}

// TestJSONIntegers: ids as pycocotools reads them: 7, 7.0, 7e0, -7; int64 extremes;
// not 1.5 nor beyond 2⁵³ in float notation.
func TestJSONIntegers(t *testing.T) {
	for text, want := range map[string]int64{
		"7": 7, "7.0": 7, "7e0": 7, "70e-1": 7, "-7": -7, "0": 0, "-0": 0,
		"9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64,
		"123456789012345678": 123456789012345678, "9007199254740992.0": 1 << 53,
	} {
		s := newJSONScanner(strings.NewReader(text))
		n, err := s.number()
		require.NoError(t, err, text)
		var v int64
		require.NoError(t, n.integerErr(&v), text)
		assert.Equal(t, want, v, text)
	}
	for _, text := range []string{"1.5", "9223372036854775808", "1e300", "9007199254740994.0", "1e999"} {
		s := newJSONScanner(strings.NewReader(text))
		n, err := s.number()
		require.NoError(t, err, text)
		var v int64
		assert.EqualError(t, n.integerErr(&v), text+", want an integer")
	}
}

// FuzzJSONScannerGrammar: the scanner accepts exactly what encoding/json calls valid
// JSON (one value, white space around it), reading it whole or one byte at a time.
// Run with `go test ./metrics -run '^$' -fuzz '^FuzzJSONScannerGrammar$' -fuzztime 60s`.
func FuzzJSONScannerGrammar(f *testing.F) {
	for _, s := range []string{
		`{"a": [1, 2.5e-3, -0, true, false, null, "x\u00e9\ud83d\ude00\n"]}`, `[]`, `{}`, ` 7 `, `"\/"`,
		`[1,]`, `{"a" 1}`, `01`, `1.`, `-`, `1e`, `1e+`, `"\x"`, `"a`, `[`, `tru`, `nul`, "\"\t\"", `{"a":1,}`,
		`[1 2]`, `[1] 2`, `"\u12"`, `1.5E+10`, `{"a":{"b":[[[]]]}}`, "\ufeff1", `"\ud800"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want := json.Valid(data)
		for _, r := range []io.Reader{bytes.NewReader(data), iotest.OneByteReader(bytes.NewReader(data))} {
			s := newJSONScanner(r)
			err := s.skip()
			if err == nil {
				if _, err = s.peek(); errors.Is(err, io.EOF) {
					err = nil
				} else if err == nil {
					err = errors.New("data after the value")
				}
			}
			if (err == nil) != want {
				t.Fatalf("%q: scanner error %v, encoding/json valid %v", data, err, want)
			}
		}
	})
}

// TestJSONScannerStrings: keys and names with escapes are decoded (and matched) as
// encoding/json decodes them, including across the scanner's window.
func TestJSONScannerStrings(t *testing.T) {
	long := strings.Repeat("ab\\\"", 30000) // longer than the window, escapes throughout
	for _, text := range []string{
		`"plain"`, `"caf\u00e9"`, `"\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t"`, `"\ud800 lone"`, `""`, `"` + long + `"`,
	} {
		var want string
		require.NoError(t, json.Unmarshal([]byte(text), &want), text)
		for _, r := range []io.Reader{strings.NewReader(text), iotest.OneByteReader(strings.NewReader(text))} {
			s := newJSONScanner(r)
			got, err := s.stringOrNull()
			require.NoError(t, err)
			assert.Equal(t, want, got)
		}
	}
	gt, err := ParseCOCOGroundTruth("gt.json", []byte(`{"images":[{"id":1}],"categories":[{"id":3,"name":"caf\u00e9"}]}`))
	require.NoError(t, err)
	assert.Equal(t, "café", gt.Categories[0].Name)
	dts, err := ParseCOCOResults("dt.json", []byte(`[{"image\u005fid":1,"category_id":3,"bbox":[0,0,1,1],"score":1}]`), gt)
	require.NoError(t, err, "an escaped key is the same key")
	assert.Equal(t, int64(1), dts[0].ImageID)
}

// TestCOCOReadersStream: the COCO readers give the same result whatever the reader
// hands out per Read (one byte, half of what is asked), with a skipped field longer than
// the scanner's window, and pass a read error on, naming the file.
func TestCOCOReadersStream(t *testing.T) {
	gtJSON := `{"info": {"description": "` + strings.Repeat("x", 100000) + `"}, "images":[{"id":1,"width":640,"height":480,"file_name":"a.jpg"},{"id":2}],
"categories":[{"id":3,"name":"cat"}],"annotations":[{"id":1,"image_id":1,"category_id":3,"bbox":[0,0,10,10],"area":100,
"segmentation":[[` + strings.Repeat("1.5,", 50000) + `2]]}]}`
	dtJSON := "[\r\n" + strings.Repeat(`{"image_id":1,"category_id":3,"bbox":[0.25,1e1,10,10.5],"score":0.125,"extra":{"a":[1,"}"]}},`+"\r\n", 3000) +
		`{"image_id":2,"category_id":3,"bbox":[1,2,3,4],"score":1e-3}]`
	want, err := ParseCOCOGroundTruth("gt.json", []byte(gtJSON))
	require.NoError(t, err)
	wantDT, err := ParseCOCOResults("dt.json", []byte(dtJSON), want)
	require.NoError(t, err)
	require.Len(t, wantDT, 3001)
	assert.Equal(t, COCODetection{ImageID: 1, CategoryID: 3, BBox: [4]float64{0.25, 10, 10, 10.5}, Score: 0.125}, wantDT[0])
	assert.Equal(t, COCOImage{ID: 1, FileName: "a.jpg", Width: 640, Height: 480}, want.Images[0])
	for name, wrap := range map[string]func(io.Reader) io.Reader{"one byte": iotest.OneByteReader, "half": iotest.HalfReader} {
		gt, err := DecodeCOCOGroundTruth("gt.json", wrap(strings.NewReader(gtJSON)))
		require.NoError(t, err, name)
		assert.Equal(t, want, gt, name)
		dts, err := DecodeCOCOResults("dt.json", wrap(strings.NewReader(dtJSON)), gt)
		require.NoError(t, err, name)
		assert.Equal(t, wantDT, dts, name)
	}
	boom := errors.New("disk on fire")
	_, err = DecodeCOCOResults("dt.json", io.MultiReader(strings.NewReader(dtJSON[:5000]), iotest.ErrReader(boom)), want)
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "metrics: dt.json: disk on fire", err.Error())
	_, err = DecodeCOCOGroundTruth("gt.json", io.MultiReader(strings.NewReader(gtJSON[:5000]), iotest.ErrReader(boom)))
	require.ErrorIs(t, err, boom)
}

// TestCOCOReaderMessages: malformed JSON and bad values name the file, the line (with
// \r\n line ends too) and what was expected.
func TestCOCOReaderMessages(t *testing.T) {
	gt, err := ParseCOCOGroundTruth("gt.json", []byte(`{"images":[{"id":1}],"categories":[{"id":3}]}`))
	require.NoError(t, err)
	const wantDT = ", want a COCO results array [{image_id, category_id, bbox, score}, ...]"
	for _, c := range []struct{ data, want string }{
		{"[\r\n{\"image_id\":1,\r\n\"category_id\":3,\r\n\"bbox\":[0,0,1,1],\"score\":0.5},\r\n{\"image_id\":1 \"x\"}]",
			"metrics: dt.json:5: malformed JSON (invalid character '\"' after object key:value pair)" + wantDT},
		{"[\n{\"image_id\":1,\"category_id\":3,\"bbox\":[0,0,1,1],\"score\":01}]",
			"metrics: dt.json:2: malformed JSON (invalid character '1' after object key:value pair)" + wantDT},
		{"[\n\n{\"image_id\":1,\"category_id\":3,\"bbox\":[0,0,1,1],\"score\":\"0.5\"}]",
			"metrics: dt.json:3: result 0: score: a JSON string, want a number"},
		{"[{\"image_id\":1,\"category_id\":3,\"bbox\":[0,\"0\",1,1],\"score\":0.5}]",
			"metrics: dt.json:1: result 0: bbox: a JSON string in the list, want x, y, w, h"},
		{"[{\"image_id\":1,\"category_id\":3,\"bbox\":{},\"score\":0.5}]",
			"metrics: dt.json:1: result 0: bbox: a JSON object, want x, y, w, h"},
		{"[{\"image_id\":1,\"category_id\":3,\"bbox\":null,\"score\":0.5}]",
			"metrics: dt.json:1: result 0: bbox: 0 numbers, want x, y, w, h"},
		{"[{\"image_id\":1.5,\"category_id\":3,\"bbox\":[0,0,1,1],\"score\":0.5}]",
			"metrics: dt.json:1: result 0: image_id: 1.5, want an integer"},
		{"[{\"image_id\":1,\"category_id\":null,\"bbox\":[0,0,1,1],\"score\":0.5}]",
			"metrics: dt.json:1: result 0: category_id: missing, want an integer"},
		{"[{\"image_id\":1,\"category_id\":3,\"bbox\":[0,0,1,1],\"score\":1e400}]",
			"metrics: dt.json:1: result 0: score: 1e400 is outside the float64 range"},
		{"[1]", "metrics: dt.json:1: result 0: a JSON number, want an object"},
		{"\n{}", "metrics: dt.json:2: the file is a JSON object" + wantDT},
		{"[{\"image_id\":1,\"category_id\":3,\"bbox\":[0,0,1,1],\"score\":0.5,\"x\":\"a\u0001\"}]",
			"metrics: dt.json:1: malformed JSON (invalid character '\\x01' in string literal)" + wantDT},
		{"[{\"image_id\":1,\"category_id\":3,\"bbox\":[0,0,1,1],\"score\":0.5,\"x\":tru}]",
			"metrics: dt.json:1: malformed JSON (invalid character '}' in literal true (expecting 'e'))" + wantDT},
		{"[{\"image_id\":1,\"category_id\":3,\"bbox\":[0,0,1,1],\"score\":-}]",
			"metrics: dt.json:1: malformed JSON (invalid character '}' in numeric literal)" + wantDT},
		{"[{\"image_id\":1,\"category_id\":3,\"bbox\":[0,0,1,1],\"score\":0.", "metrics: dt.json: empty or truncated JSON" + wantDT + ": unexpected EOF"},
	} {
		_, err := ParseCOCOResults("dt.json", []byte(c.data), gt)
		assert.EqualError(t, err, c.want, "%q", c.data)
	}
	const wantGT = ", want a COCO instances object {images, annotations, categories}"
	for _, c := range []struct{ data, want string }{
		{"{\"images\":[{\"id\":1}],\n\"categories\":[{\"id\":3}],\n\"annotations\":[\n{\"id\":1,\"image_id\":1,\"category_id\":3,\"bbox\":[0,0,1,1],\"area\":\"big\"}]}",
			"metrics: gt.json:4: annotations[0]: area: a JSON string, want a number"},
		{"{\"images\":{},\"categories\":[]}", "metrics: gt.json:1: images: a JSON object, want a list"},
		{"{\"images\":[7],\"categories\":[]}", "metrics: gt.json:1: images[0]: a JSON number, want an object"},
		{"{\"images\":[{\"id\":1,\"file_name\":7}],\"categories\":[]}", "metrics: gt.json:1: images[0]: file_name: a JSON number, want a string"},
		{"{\"images\":[],\"categories\":[{\"name\":\"x\"}]}", "metrics: gt.json:1: categories[0]: id: missing, want an integer"},
		{"{\"images\":[],\"categories\":[],\"annotations\":[{\"id\":1,\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"area\":1,\"iscrowd\":\"no\"}]}",
			"metrics: gt.json:1: annotations[0]: iscrowd: a JSON string, want 0, 1, false or true"},
		{"{\"images\":[],\"categories\":[]} {}", "metrics: gt.json:1: data after the instances object, want one object"},
		{"{\"images\":[]\n\"categories\":[]}", "metrics: gt.json:2: malformed JSON (invalid character '\"' after object key:value pair)" + wantGT},
	} {
		_, err := ParseCOCOGroundTruth("gt.json", []byte(c.data))
		assert.EqualError(t, err, c.want, "%q", c.data)
	}
}

// TestCOCOGroundTruthLikePython: a field given twice keeps its last value and null is
// an absent field, as Python's json and pycocotools read them; keys are matched exactly
// (encoding/json would also take "ID" for "id").
func TestCOCOGroundTruthLikePython(t *testing.T) {
	gt, err := ParseCOCOGroundTruth("gt.json", []byte(`{"images":[{"id":1,"id":2,"width":null}],"categories":[{"id":3,"ID":4}],
"annotations":[{"id":1,"image_id":2,"category_id":3,"bbox":[0,0,1,1],"area":1,"iscrowd":null},
{"id":2,"image_id":2,"category_id":3,"bbox":[0,0,1,1],"area":1,"iscrowd":2.0}],"images":[{"id":5}]}`))
	require.NoError(t, err)
	assert.Equal(t, []COCOImage{{ID: 5}}, gt.Images, "the second images list replaces the first")
	assert.Equal(t, []COCOCategory{{ID: 3}}, gt.Categories)
	assert.False(t, gt.Annotations[0].IsCrowd)
	assert.True(t, gt.Annotations[1].IsCrowd, "non-zero iscrowd")
}

// TestSortByScoreDesc: the radix sort orders like a stable comparison sort by
// descending score (-0 equal to +0), for lengths on both sides of its insertion-sort
// cut-off and for scores sharing most of their bits.
func TestSortByScoreDesc(t *testing.T) {
	type item struct {
		score float64
		i     int
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 31, 32, 33, 100, 5000} {
		for _, gen := range []func() float64{
			rng.Float64,
			func() float64 { return float64(rng.IntN(7)) / 7 },
			func() float64 { return []float64{0, math.Copysign(0, -1), -1, 1, -2.5, 1e-300}[rng.IntN(6)] },
			func() float64 { return 0.5 + float64(rng.IntN(1000))*0x1p-52 },
			func() float64 { return (rng.Float64() - 0.5) * 1e6 },
		} {
			items := make([]item, n)
			for i := range items {
				items[i] = item{gen(), i}
			}
			want := slices.Clone(items)
			slices.SortStableFunc(want, func(a, b item) int {
				switch {
				case a.score > b.score:
					return -1
				case a.score < b.score:
					return 1
				}
				return 0
			})
			sortByScoreDesc(items, nil, func(x *item) float64 { return x.score })
			require.Equal(t, want, items, fmt.Sprintf("n=%d", n))
		}
	}
}
