package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Files written by [Report.WriteDir], in the order they are written.
const (
	FileJSON     = "report.json"
	FileMarkdown = "report.md"
	FileJUnit    = "junit.xml"
	FileHTML     = "index.html"
)

// WriteJSON writes exactly what [parity.Result.WriteJSON] writes: the run, byte for
// byte deterministic.
func (r *Report) WriteJSON(w io.Writer) error { return r.Result.WriteJSON(w) }

// WriteDir renders every file into memory first, then writes each into dir (created
// if missing) through a temporary file renamed into place. A rendering error leaves
// dir untouched; a reader never sees a half-written file.
func (r *Report) WriteDir(dir string) error {
	files := []struct {
		name   string
		render func(io.Writer) error
	}{{FileJSON, r.WriteJSON}, {FileMarkdown, r.WriteMarkdown}, {FileJUnit, r.WriteJUnit}, {FileHTML, r.WriteHTML}}
	bufs := make([]bytes.Buffer, len(files))
	for i, f := range files {
		if err := f.render(&bufs[i]); err != nil {
			return fmt.Errorf("report: rendering %s: %w", filepath.Join(dir, f.name), err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: creating the output folder: %w", err)
	}
	for i, f := range files {
		if err := writeFileAtomic(filepath.Join(dir, f.name), bufs[i].Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("report: cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	return nil
}
