package textsafe

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, name, text string }{
		{"person", "person", "person"},
		{"café 猫.jpg", "café 猫.jpg", "café 猫.jpg"},
		{"a\x1b[2Jb.jpg", `a\x1b[2Jb.jpg`, `a\x1b[2Jb.jpg`},
		{"car\rbus", `car\x0dbus`, `car\x0dbus`},
		{"two\nlines\tx", `two\x0alines\x09x`, "two\nlines\tx"},
		{"bell\a del\x7f", `bell\x07 del\x7f`, `bell\x07 del\x7f`},
		{"c1 \u009b31m", `c1 \x9b31m`, `c1 \x9b31m`},
		{"evil\u202egpj.exe", `evil\u202egpj.exe`, `evil\u202egpj.exe`},
		{"zero\u200bwidth", `zero\u200bwidth`, `zero\u200bwidth`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`, `bad \xff\xfe utf8`},
		{"", "", ""},
	} {
		assert.Equal(t, c.name, Name(c.in), "%q", c.in)
		assert.Equal(t, c.text, Text(c.in), "%q", c.in)
	}
}

// FuzzEscape: the output never holds a control character (but newline and tab
// in Text) and is valid UTF-8; clean text is returned as it is.
func FuzzEscape(f *testing.F) {
	f.Add("a\x1b[31mb")
	f.Add("\u202e\xff\n")
	f.Fuzz(func(t *testing.T, s string) {
		for _, keep := range []bool{false, true} {
			out := escape(s, keep)
			if clean(s, keep) && out != s {
				t.Fatalf("clean %q changed to %q", s, out)
			}
			if !clean(out, keep) {
				t.Fatalf("%q escaped to %q, which still needs escaping", s, out)
			}
		}
	})
}
