package detect

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParsePyLiteral: the literals str() writes for Ultralytics' metadata, and the values Python's
// ast.literal_eval gives for them (checked by hand against CPython 3.11).
func TestParsePyLiteral(t *testing.T) {
	cases := []struct {
		in   string
		want any
	}{
		{"32", int64(32)},
		{"-7", int64(-7)},
		{"- 7", int64(-7)},
		{"-+-1", int64(1)},
		{"0x1F", int64(31)},
		{"0o17", int64(15)},
		{"0b101", int64(5)},
		{"1_000", int64(1000)},
		{"00", int64(0)},
		{"-9223372036854775808", int64(math.MinInt64)},
		{"1.5", 1.5},
		{".5", 0.5},
		{"2e3", 2000.0},
		{"1E-2", 0.01},
		{"1e999", math.Inf(1)},
		{"True", true},
		{"False", false},
		{"None", nil},
		{"'abc'", "abc"},
		{`"o'clock"`, "o'clock"},
		{`'caf\xe9'`, "café"},
		{`'\u00e9\U0001F600\n\t\\\'\"'`, "é😀\n\t\\'\""},
		{`'\101\0'`, "A\x00"},
		{`'a' "b"`, "ab"},
		{`'\d'`, `\d`},
		{"[640, 640]", []any{int64(640), int64(640)}},
		{"[]", []any{}},
		{"[1, 2,]", []any{int64(1), int64(2)}},
		{"(1,)", PyTuple{int64(1)}},
		{"()", PyTuple{}},
		{"(1)", int64(1)},
		{"(1, 'a')", PyTuple{int64(1), "a"}},
		{"{}", PyDict{}},
		{"{0: 'person', 1: 'bicycle'}", PyDict{{int64(0), "person"}, {int64(1), "bicycle"}}},
		{"{1: 'a', 1.0: 'b', True: 'c'}", PyDict{{int64(1), "c"}}},
		{"{'batch': 1, 'dynamic': False, 'opset': None, 'imgsz': [640, 640]}", PyDict{{"batch", int64(1)},
			{"dynamic", false}, {"opset", nil}, {"imgsz", []any{int64(640), int64(640)}}}},
		{" { (1, 2): [ {'x': -1.5e-3} ] } ", PyDict{{PyTuple{int64(1), int64(2)}, []any{PyDict{{"x", -1.5e-3}}}}}},
	}
	for _, c := range cases {
		got, err := parsePyLiteral(c.in)
		require.NoError(t, err, c.in)
		assert.True(t, pyEqual(c.want, got) && pyEqual(got, c.want), "%s: got %#v, want %#v", c.in, got, c.want)
		// Type-exact too: 1 and 1.0 compare equal in Python but are distinct here.
		assert.Equal(t, formatPyLiteral(c.want), formatPyLiteral(got), c.in)
	}
	bad := []struct{ in, want string }{
		{"", "unexpected end"},
		{"inf", `"inf" is not a literal`},
		{"nan", `"nan" is not a literal`},
		{"PosixPath('/x')", `"PosixPath" is not a literal`},
		{"{1, 2}", "want ':' after a dict key"},
		{"[1 2]", "want ',' or ']'"},
		{"{[1]: 2}", "unhashable dict key"},
		{"'abc", "unterminated string"},
		{"'''x'''", "triple-quoted"},
		{"'\\x4'", `bad \x escape`},
		{"'\\x4", `truncated \x escape`},
		{"'\\ud800'", `bad \u escape`},
		{"007", "leading zeros"},
		{"1__0", "bad number"},
		{"99999999999999999999", "out of range"},
		{"1 2", "after the value"},
		{"[" + repeat("[", 100) + "]", "nested deeper than 64"},
		{"'\xff'", "not valid UTF-8"},
	}
	for _, c := range bad {
		_, err := parsePyLiteral(c.in)
		require.Error(t, err, c.in)
		assert.Contains(t, err.Error(), c.want, c.in)
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

// TestParseMetadata: metadata of the two exporters detect knows is parsed; malformed values of known keys are
// errors naming the key and the value; keys nobody explains are listed as Unknown and otherwise ignored.
func TestParseMetadata(t *testing.T) {
	m, err := parseMetadata("pytorch", map[string]string{"stride": "32", "names": "['person', 'car']"})
	require.NoError(t, err)
	assert.Equal(t, []any{"yolov5", "yolov5", 32, []string{"person", "car"}}, []any{m.Family, m.Producer(), m.Stride,
		m.Names})

	m, err = parseMetadata("", map[string]string{"names": "{0: 'a'}", "framework": "mmdet", "classes": "('a',)"})
	require.NoError(t, err)
	assert.Equal(t, "", m.Family, "keys of no known exporter")
	assert.Nil(t, m.Names, "never guessed from unknown metadata")
	assert.Equal(t, []string{"classes", "framework", "names"}, m.Unknown)

	base := map[string]string{"author": "Ultralytics", "version": "8.3.40", "task": "detect"}
	with := func(k, v string) map[string]string {
		p := map[string]string{k: v}
		for a, b := range base {
			p[a] = b
		}
		return p
	}
	m, err = parseMetadata("", with("imgsz", "640"))
	require.NoError(t, err)
	assert.Equal(t, []int{640, 640}, m.ImgSz, "a single int is a square")
	m, err = parseMetadata("", with("custom", "x"))
	require.NoError(t, err)
	assert.Equal(t, []string{"custom"}, m.Unknown)
	for _, c := range []struct{ key, value, want string }{
		{"names", "{0: 'a', 2: 'b'}", `metadata "names" = "{0: 'a', 2: 'b'}": want keys 0..1, each once`},
		{"names", "[1, 2]", "a list of strings"},
		{"imgsz", "[640]", `metadata "imgsz" = "[640]": want [height, width]`},
		{"imgsz", "[640, 0]", "integers in 1..65536"},
		{"stride", "32.0", `metadata "stride" = "32.0": want an integer in [0, 2^31]`},
		{"end2end", "1", "True or False"},
		{"args", "{'nms': 'yes'}", "nms True or False"},
		{"args", "{1: 2}", "string keys"},
		{"batch", "one", `metadata "batch" = "one": want an integer`},
	} {
		_, err := parseMetadata("", with(c.key, c.value))
		require.Error(t, err, c.key)
		assert.Contains(t, err.Error(), c.want, c.key)
	}
}

// FuzzPyLiteral: any input either fails with an error naming an offset (or UTF-8), or parses to a value that
// formatPyLiteral writes back and parsePyLiteral reads to an equal value (type for type). No panic, bounded depth.
// Seeds: the f.Add calls. Run with `go test ./detect -run '^$' -fuzz '^FuzzPyLiteral$' -fuzztime 60s`.
func FuzzPyLiteral(f *testing.F) {
	for _, s := range []string{"{0: 'person', 1: \"o'clock\"}", "{'batch': 1, 'nms': False, 'opset': None}",
		"[640, 640]", "(1,)", "-1.5e-3", "'\\u00e9\\x41\\n'", "0x1F", "{(1, 2): [{}]}", "True", "'a' 'b'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parsePyLiteral(s)
		if err != nil {
			return
		}
		text := formatPyLiteral(v)
		w, err := parsePyLiteral(text)
		if err != nil {
			t.Fatalf("%q parsed to %#v, written as %q, which does not parse: %v", s, v, text, err)
		}
		if !pyEqual(v, w) || formatPyLiteral(w) != text {
			t.Fatalf("%q: %#v written as %q reads back as %#v", s, v, text, w)
		}
	})
}
