package outset

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrCollision is wrapped by Distinct's errors: an output path that is an input
// or another output of the same command.
var ErrCollision = errors.New("an output may not overwrite an input or another output of the same command")

// Path is a file a command reads or writes, with the role that names it in
// errors (a flag such as "--out", or "label file").
type Path struct {
	Role, Name string
}

// Distinct refuses, before any work, an output that is the same file as an input
// or as another output: the same path, a symbolic link to it, a hard link, or a
// path through a linked folder. Empty names are ignored. The error names both
// roles and wraps ErrCollision. An input is looked at (one stat) only when some
// output exists already: a file not there yet cannot be an input.
func Distinct(outputs, inputs []Path) error {
	var existing []int
	stats := make([]os.FileInfo, len(outputs))
	for i, o := range outputs {
		if o.Name == "" {
			continue
		}
		for _, p := range outputs[:i] {
			if p.Name != "" && sameFile(o.Name, p.Name) {
				return fmt.Errorf("%s %s is also %s %s: %w", o.Role, o.Name, p.Role, p.Name, ErrCollision)
			}
		}
		if st, err := os.Stat(o.Name); err == nil {
			stats[i] = st
			existing = append(existing, i)
		}
	}
	if len(existing) == 0 {
		return nil
	}
	for _, in := range inputs {
		if in.Name == "" {
			continue
		}
		st, err := os.Stat(in.Name)
		if err != nil {
			continue
		}
		for _, i := range existing {
			if os.SameFile(stats[i], st) {
				o := outputs[i]
				return fmt.Errorf("%s %s is also %s %s: %w", o.Role, o.Name, in.Role, in.Name, ErrCollision)
			}
		}
	}
	return nil
}

// sameFile reports whether a and b are one file: the same inode when both exist,
// else the same path once the folders' links are resolved.
func sameFile(a, b string) bool {
	sa, ea := os.Stat(a)
	sb, eb := os.Stat(b)
	if ea == nil && eb == nil {
		return os.SameFile(sa, sb)
	}
	return canonical(a) == canonical(b)
}

// canonical is p made absolute with its folder's symbolic links resolved.
func canonical(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	dir := filepath.Dir(abs)
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	return filepath.Join(dir, filepath.Base(abs))
}
