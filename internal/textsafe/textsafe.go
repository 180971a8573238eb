// Package textsafe escapes control characters in text that comes from the data —
// file names, class names, errors quoting them — before it reaches a terminal, a
// Markdown file or an HTML page. It sits beside the data path, at its outputs: a
// file named "a\x1b[2Jb.jpg" or a class named "person\rcar" would otherwise clear
// the terminal, rewrite a line or hide text in a report.
//
// Escapes read as in Go: \x1b for a C0 or C1 control or DEL, \u202e for a Unicode
// format character that reorders or hides text (bidirectional overrides and
// isolates, zero-width characters), \xff for each byte that is not UTF-8.
package textsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Name escapes every control character of s, newlines and tabs included: for a
// name shown on one line or in a table cell.
func Name(s string) string { return escape(s, false) }

// Text escapes the control characters of s but newline and tab: for messages
// that span lines (errors, summaries).
func Text(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	if clean(s, keepLines) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// clean reports whether s needs no escape (the common case, without allocating).
func clean(s string, keepLines bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			for _, r := range s[i:] {
				if r == utf8.RuneError || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' ||
					(r < 0x20 && !(keepLines && (r == '\n' || r == '\t'))) || r == 0x7f {
					return false
				}
			}
			return true
		}
		if (c < 0x20 && !(keepLines && (c == '\n' || c == '\t'))) || c == 0x7f {
			return false
		}
	}
	return true
}
