package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// NamesFiles are the class-name files looked for, in this order, in each folder Open
// searches (see Open); the first that exists is used. The .txt files hold one name per
// line (ParseNamesTxt); the .yaml files an Ultralytics-style names: list or map, or
// nc: alone (ParseNamesYAML).
var NamesFiles = []string{"classes.txt", "names.txt", "data.yaml", "config.yaml"}

// findNames returns the first of NamesFiles that exists in the first folder of dirs
// holding one, "" when none does.
func findNames(dirs []string) string {
	for _, d := range dirs {
		for _, n := range NamesFiles {
			p := filepath.Join(d, n)
			if _, err := os.Lstat(p); err == nil {
				return p
			}
		}
	}
	return ""
}

// readNames reads the names file found in dirs (see findNames), refusing a file that
// is not regular or is larger than o.MaxNamesBytes.
func readNames(dirs []string, o Options) ([]string, string, error) {
	p := findNames(dirs)
	if p == "" && len(o.Names) > 0 {
		return append([]string(nil), o.Names...), o.NamesSource, nil
	}
	if p == "" {
		where := ""
		if len(dirs) > 1 {
			where = " (looked in " + strings.Join(dirs, ", ") + ")"
		}
		return nil, "", fmt.Errorf("dataset: %s: no class names file%s, expected one of %s (one name per line) or %s (names: list or map)",
			dirs[0], where, NamesFiles[0]+", "+NamesFiles[1], NamesFiles[2]+", "+NamesFiles[3])
	}
	b, err := readRegular(p, o.MaxNamesBytes, "Options.MaxNamesBytes")
	if err != nil {
		return nil, p, fmt.Errorf("dataset: names file: %w", err)
	}
	var names []string
	if strings.HasSuffix(p, ".yaml") {
		names, err = ParseNamesYAML(p, string(b))
	} else {
		names, err = ParseNamesTxt(p, string(b))
	}
	return names, p, err
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

// ParseNamesYAML reads the class names of an Ultralytics data YAML (data.yaml,
// config.yaml) with a YAML library (go.yaml.in/yaml/v3), giving each name the text
// Ultralytics gives it: Ultralytics loads the file with PyYAML (YAML 1.1) and turns
// each value into a string (check_class_names in ultralytics/nn/autobackend.py), so an
// unquoted yes/no/on/off becomes "True"/"False", 010 becomes "8", 1.50 becomes "1.5";
// quoted names are kept as written. Accepted forms:
//
//	names: [person, 'traffic light']     a list (flow or block style)
//	names: {0: person, 1: car}           a map; ids must be 0..n-1, each once
//	nc: 3                                alone: names class_0, class_1, class_2
//
// When names: and nc: are both present, nc must equal the number of names. Other keys
// are ignored here. Refused, with the line: malformed YAML, a document that is not a
// mapping, no names: and no nc:, a repeated key, an empty list, an empty, null, nested
// or explicitly tagged name (PyYAML would write "None" or a Python list), a map id that
// is not an integer (as Python's int() reads it) in 0..n-1 or is given twice, and an
// nc that is not a positive integer. path is used in error messages.
func ParseNamesYAML(path, text string) ([]string, error) {
	d, err := parseDataYAML(path, []byte(text))
	if err != nil {
		return nil, err
	}
	return d.names()
}

// isNotExist reports whether err says a path (or one of its folders) does not exist.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}
