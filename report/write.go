package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/detparity/detparity/internal/outset"
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

// WriteDir renders every file into memory first, then writes them into dir
// (created if missing) as one set (internal/outset): whatever happens — a
// rendering error, a full disk, SIGTERM or SIGKILL — the folder then holds the
// four new files or the previous ones, never a mixture (an interrupted write is
// completed or cleaned by the next WriteDir, or by the next detparity command
// writing there). Files are created 0644 less the umask. When ctx ends before
// the set is committed nothing is written.
func (r *Report) WriteDir(ctx context.Context, dir string) error {
	names := []string{FileJSON, FileMarkdown, FileJUnit, FileHTML}
	renders := []func(io.Writer) error{r.WriteJSON, r.WriteMarkdown, r.WriteJUnit, r.WriteHTML}
	files := make([]outset.File, len(names))
	for i, name := range names {
		var buf bytes.Buffer
		if err := renders[i](&buf); err != nil {
			return fmt.Errorf("report: rendering %s: %w", filepath.Join(dir, name), err)
		}
		files[i] = outset.File{Path: filepath.Join(dir, name), Write: func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: creating the output folder: %w", err)
	}
	if err := outset.Write(ctx, files); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// Paths are the files WriteDir writes into dir, in order.
func Paths(dir string) []string {
	return []string{filepath.Join(dir, FileJSON), filepath.Join(dir, FileMarkdown), filepath.Join(dir, FileJUnit), filepath.Join(dir, FileHTML)}
}
