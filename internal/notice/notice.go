// Package notice keeps THIRD_PARTY.md true. It sits beside the data path, not on it:
// the files the data path is tested with (every testdata and fixtures folder) must each
// say where they came from — a third-party source with its licence, or the script of
// this repository that made them — and the notice must name no file that is gone.
//
// THIRD_PARTY.md holds, under the heading "## Files", one Markdown table with four
// columns:
//
//	| Files | Made by | Third-party source | Licence |
//
// Files is one or more backquoted patterns relative to the repository root, where
// "*" matches within one path element (path.Match syntax) and a "**" element matches
// any number of elements. Made by names the script or command that produced the
// files ("written here" for hand-written ones); scripts it names in backquotes
// (scripts/…, ./…, *.py, *.sh) must exist. Third-party source is repo@commit:path or
// package@version, or "—". Check enforces all of it; the repository's own test runs
// Check on the checkout.
package notice

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// File is the notice's file name at the repository root.
const File = "THIRD_PARTY.md"

// heading introduces the table Check reads.
const heading = "## Files"

// columns is the table's header, in order.
var columns = []string{"Files", "Made by", "Third-party source", "Licence"}

// Row is one row of the Files table.
type Row struct {
	Line     int      // 1-based line in THIRD_PARTY.md
	Patterns []string // the backquoted patterns of the Files column
	MadeBy   string   // the Made by column, as written
	Source   string   // the Third-party source column ("—" when none)
	Licence  string   // the Licence column
}

var backquoted = regexp.MustCompile("`([^`]+)`")

// ParseRows reads the Files table from r (name is used in errors). A row whose cell
// count differs from the header's, or with an empty cell or no pattern, is an error
// naming name:line.
func ParseRows(name string, r io.Reader) ([]Row, error) {
	sc := bufio.NewScanner(r)
	var rows []Row
	in, header, line := false, false, 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "## ") {
			in = text == heading
			continue
		}
		if !in || !strings.HasPrefix(text, "|") {
			continue
		}
		cells := splitRow(text)
		if !header {
			if strings.Join(cells, "|") != strings.Join(columns, "|") {
				return nil, fmt.Errorf("%s:%d: table header %q, expected | %s |", name, line, text, strings.Join(columns, " | "))
			}
			header = true
			continue
		}
		if isSeparator(cells) {
			continue
		}
		if len(cells) != len(columns) {
			return nil, fmt.Errorf("%s:%d: %d cells, expected %d (%s)", name, line, len(cells), len(columns), strings.Join(columns, ", "))
		}
		for i, c := range cells {
			if c == "" {
				return nil, fmt.Errorf("%s:%d: empty %s cell (write — when there is nothing to say)", name, line, columns[i])
			}
		}
		row := Row{Line: line, MadeBy: cells[1], Source: cells[2], Licence: cells[3]}
		for _, m := range backquoted.FindAllStringSubmatch(cells[0], -1) {
			row.Patterns = append(row.Patterns, m[1])
		}
		if len(row.Patterns) == 0 {
			return nil, fmt.Errorf("%s:%d: no `pattern` in the Files cell %q", name, line, cells[0])
		}
		for _, p := range row.Patterns {
			if _, err := path.Match(strings.ReplaceAll(p, "**", "x"), ""); err != nil || strings.HasPrefix(p, "/") {
				return nil, fmt.Errorf("%s:%d: bad pattern %q: expected a slash-separated path relative to the root (*, ?, [..], ** elements)", name, line, p)
			}
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !header {
		return nil, fmt.Errorf("%s: no %q section with a | %s | table", name, heading, strings.Join(columns, " | "))
	}
	return rows, nil
}

func splitRow(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "|"), "|")
	cells := strings.Split(s, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

func isSeparator(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return true
}

// Match reports whether the slash-separated path name matches pattern: elements are
// compared with path.Match, and a "**" element matches zero or more elements.
func Match(pattern, name string) bool {
	return matchElems(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchElems(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchElems(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// Tracked reports whether a slash-separated path lies under a folder named testdata
// or fixtures: the files the notice must account for.
func Tracked(name string) bool {
	elems := strings.Split(name, "/")
	for _, e := range elems[:len(elems)-1] {
		if e == "testdata" || e == "fixtures" {
			return true
		}
	}
	return false
}

// scriptRefs finds the scripts a Made by cell names: backquoted words that start with
// scripts/ or ./, or end in .py or .sh.
func scriptRefs(madeBy string) []string {
	var refs []string
	for _, m := range backquoted.FindAllStringSubmatch(madeBy, -1) {
		for _, w := range strings.Fields(m[1]) {
			if strings.HasPrefix(w, "scripts/") || strings.HasPrefix(w, "./") ||
				strings.HasSuffix(w, ".py") || strings.HasSuffix(w, ".sh") {
				refs = append(refs, w)
			}
		}
	}
	return refs
}

// Files lists the regular files under root as slash-separated relative paths, in
// lexical order, skipping folders whose names start with "." or "_" (as the go
// command does: .git, .deps). Symbolic links are listed, not followed.
func Files(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	return files, err
}

// Check reads root/THIRD_PARTY.md and compares it with the files under root. It
// returns nil, or an error joining one line per problem: a file under a testdata or
// fixtures folder that no row covers, a row pattern that matches no file (a stale
// entry), or a script a row names that does not exist.
func Check(root string) error {
	f, err := os.Open(filepath.Join(root, File))
	if err != nil {
		return fmt.Errorf("notice: %w", err)
	}
	defer f.Close()
	rows, err := ParseRows(File, f)
	if err != nil {
		return fmt.Errorf("notice: %w", err)
	}
	files, err := Files(root)
	if err != nil {
		return fmt.Errorf("notice: listing %s: %w", root, err)
	}
	var problems []error
	used := make(map[string]bool)
	for _, name := range files {
		covered := false
		for _, r := range rows {
			for _, p := range r.Patterns {
				if Match(p, name) {
					covered = true
					used[p] = true
				}
			}
		}
		if !covered && Tracked(name) {
			problems = append(problems, fmt.Errorf("%s is under a testdata or fixtures folder but %s does not list it: "+
				"add it to %s's Files table (its third-party source and licence, or the script that generates it)", name, File, File))
		}
	}
	for _, r := range rows {
		for _, p := range r.Patterns {
			if !used[p] {
				problems = append(problems, fmt.Errorf("%s:%d: `%s` matches no file: remove the stale entry from %s or fix the pattern", File, r.Line, p, File))
			}
		}
		for _, s := range scriptRefs(r.MadeBy) {
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(s, "./")))); err != nil {
				problems = append(problems, fmt.Errorf("%s:%d: Made by names %s, which does not exist: %w", File, r.Line, s, err))
			}
		}
	}
	return errors.Join(problems...)
}
