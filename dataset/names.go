package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// NamesFiles are the class-name files Open looks for in DIR, in this order; the first
// that exists is used.
var NamesFiles = []string{"classes.txt", "names.txt", "data.yaml"}

// readNames reads the first existing names file of dir.
func readNames(dir string) ([]string, string, error) {
	for _, n := range NamesFiles {
		p := filepath.Join(dir, n)
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, p, fmt.Errorf("dataset: names file: %w", err)
		}
		var names []string
		if strings.HasSuffix(n, ".yaml") {
			names, err = ParseNamesYAML(p, string(b))
		} else {
			names, err = ParseNamesTxt(p, string(b))
		}
		return names, p, err
	}
	return nil, "", fmt.Errorf("dataset: %s: no class names file, expected one of %s (one name per line) or %s (names: list or map)",
		dir, NamesFiles[0]+", "+NamesFiles[1], NamesFiles[2])
}

// ParseNamesTxt parses a one-name-per-line file (classes.txt, names.txt, darknet
// obj.names). Surrounding whitespace and a UTF-8 byte-order mark are removed and
// trailing blank lines ignored; a blank line between names is an error, since it would
// shift every following class id. path is used in error messages.
func ParseNamesTxt(path, text string) ([]string, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("dataset: %s: no class names, expected one name per line", path)
	}
	names := make([]string, len(lines))
	for i, l := range lines {
		names[i] = strings.TrimSpace(l)
		if names[i] == "" {
			return nil, fmt.Errorf("dataset: %s:%d: empty class name (class %d), expected one name per line", path, i+1, i)
		}
	}
	return names, nil
}

// ParseNamesYAML reads the `names:` key of a YOLO data.yaml with a small hand-written
// parser for the forms Ultralytics and Roboflow write:
//
//	names: [person, 'traffic light']     inline list (may span lines)
//	names: {0: person, 1: car}           inline map
//	names:                               block list ("- " items, indented or not)
//	  - person
//	names:                               block map; ids must be 0..n-1, each once
//	  0: person
//
// Scalars may be plain, 'single' or "double" quoted; `#` starts a comment outside
// quotes. When a top-level `nc:` is present it must equal the number of names. Other
// keys are ignored. path is used in error messages.
func ParseNamesYAML(path, text string) ([]string, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	nc, ncLine := -1, 0
	var names []string
	found := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" || l[0] == ' ' || l[0] == '\t' || l[0] == '#' || l[0] == '-' {
			continue // not a top-level key
		}
		key, val, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		key = strings.TrimSpace(key)
		val = strings.TrimSpace(stripComment(val))
		switch key {
		case "nc":
			n, err := strconv.Atoi(unquote(val))
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("dataset: %s:%d: nc: %q, expected a positive integer", path, i+1, val)
			}
			nc, ncLine = n, i+1
		case "names":
			if found {
				return nil, fmt.Errorf("dataset: %s:%d: second names: key", path, i+1)
			}
			found = true
			var err error
			switch {
			case strings.HasPrefix(val, "[") || strings.HasPrefix(val, "{"):
				// Gather the flow collection until its closing bracket.
				open, closer := val[0], map[byte]byte{'[': ']', '{': '}'}[val[0]]
				start := i
				for !strings.HasSuffix(val, string(closer)) {
					i++
					if i >= len(lines) {
						return nil, fmt.Errorf("dataset: %s:%d: names: %c not closed by %c", path, start+1, open, closer)
					}
					val += " " + strings.TrimSpace(stripComment(lines[i]))
				}
				names, err = parseFlow(path, start+1, val)
			case val == "":
				keyLine := i + 1
				var block []string
				var blockLines []int
				for i+1 < len(lines) {
					nl := lines[i+1]
					t := strings.TrimSpace(stripComment(nl))
					if t != "" && nl[0] != ' ' && nl[0] != '\t' && nl[0] != '-' {
						break // next top-level key
					}
					i++
					if t != "" {
						block = append(block, t)
						blockLines = append(blockLines, i+1)
					}
				}
				names, err = parseBlock(path, keyLine, block, blockLines)
			default:
				return nil, fmt.Errorf("dataset: %s:%d: names: %q, expected a list ([a, b] or '- a' lines) or a map ('0: a' lines)", path, i+1, val)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("dataset: %s: no top-level names: key, expected a list or map of class names", path)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("dataset: %s: names: is empty, expected at least one class name", path)
	}
	if nc >= 0 && nc != len(names) {
		return nil, fmt.Errorf("dataset: %s:%d: nc: %d but names: has %d entries", path, ncLine, nc, len(names))
	}
	return names, nil
}

// parseFlow parses "[a, b]" or "{0: a, 1: b}".
func parseFlow(path string, line int, val string) ([]string, error) {
	inner := val[1 : len(val)-1]
	parts := splitComma(inner)
	if len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1] // trailing comma
	}
	if val[0] == '[' {
		out := make([]string, len(parts))
		for k, p := range parts {
			out[k] = unquote(p)
			if out[k] == "" {
				return nil, fmt.Errorf("dataset: %s:%d: names: entry %d is empty", path, line, k)
			}
		}
		return out, nil
	}
	keys := make([]string, len(parts))
	vals := make([]string, len(parts))
	lines := make([]int, len(parts))
	for k, p := range parts {
		kk, vv, ok := strings.Cut(p, ":")
		if !ok {
			return nil, fmt.Errorf("dataset: %s:%d: names: entry %q, expected id: name", path, line, p)
		}
		keys[k], vals[k], lines[k] = strings.TrimSpace(kk), unquote(vv), line
	}
	return fromMap(path, keys, vals, lines)
}

// parseBlock parses "- a" lines or "0: a" lines.
func parseBlock(path string, line int, block []string, lines []int) ([]string, error) {
	if len(block) == 0 {
		return nil, fmt.Errorf("dataset: %s:%d: names: has no entries below it", path, line)
	}
	if strings.HasPrefix(block[0], "-") {
		out := make([]string, len(block))
		for k, b := range block {
			if !strings.HasPrefix(b, "-") {
				return nil, fmt.Errorf("dataset: %s:%d: %q, expected a '- name' list item", path, lines[k], b)
			}
			out[k] = unquote(strings.TrimPrefix(b, "-"))
			if out[k] == "" {
				return nil, fmt.Errorf("dataset: %s:%d: empty class name", path, lines[k])
			}
		}
		return out, nil
	}
	keys := make([]string, len(block))
	vals := make([]string, len(block))
	for k, b := range block {
		kk, vv, ok := strings.Cut(b, ":")
		if !ok {
			return nil, fmt.Errorf("dataset: %s:%d: %q, expected 'id: name'", path, lines[k], b)
		}
		keys[k], vals[k] = strings.TrimSpace(kk), unquote(vv)
	}
	return fromMap(path, keys, vals, lines)
}

// fromMap turns id -> name pairs into a slice, requiring ids 0..n-1 each exactly once.
func fromMap(path string, keys, vals []string, lines []int) ([]string, error) {
	out := make([]string, len(keys))
	seen := make([]bool, len(keys))
	for k := range keys {
		id, err := strconv.Atoi(unquote(keys[k]))
		if err != nil || id < 0 || id >= len(keys) {
			return nil, fmt.Errorf("dataset: %s:%d: names: id %q, expected an integer in [0,%d) (ids 0..n-1)", path, lines[k], keys[k], len(keys))
		}
		if seen[id] {
			return nil, fmt.Errorf("dataset: %s:%d: names: id %d given twice", path, lines[k], id)
		}
		if vals[k] == "" {
			return nil, fmt.Errorf("dataset: %s:%d: names: id %d has an empty name", path, lines[k], id)
		}
		seen[id] = true
		out[id] = vals[k]
	}
	return out, nil
}

// stripComment removes a '#' comment that is outside quotes and starts the value or
// follows whitespace (YAML: "a#b" is a plain scalar, "a #b" has a comment).
func stripComment(s string) string {
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return s[:i]
		}
	}
	return s
}

// splitComma splits on commas outside quotes and trims each part.
func splitComma(s string) []string {
	var out []string
	var q byte
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == ',':
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" || len(out) > 0 {
		out = append(out, t)
	}
	return out
}

// unquote trims s and removes YAML single quotes (a doubled single quote stands for one) or double quotes
// (Go escapes, a superset of the common YAML ones).
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
		return s[1 : len(s)-1]
	}
	return s
}
