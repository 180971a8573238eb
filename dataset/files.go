package dataset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrNotRegular is wrapped by every error refusing a file that is not a regular file
// (a named pipe, a device such as /dev/zero, a socket, a folder): reading one could
// block forever or never end, so it is refused before any byte is read.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by every error refusing a file larger than its size cap
// (Options.MaxLabelBytes, MaxNamesBytes, MaxIndexBytes).
var ErrTooLarge = errors.New("file too large")

// openRegular opens path for reading without blocking (O_NONBLOCK: opening a named pipe
// with no writer would otherwise wait forever) and refuses it, before reading, when it
// is not a regular file (after following symbolic links; wraps ErrNotRegular) or is
// larger than limit bytes (limit < 0: no cap; wraps ErrTooLarge, naming capName). Errors
// name path; callers prefix the file's role ("label file: ...").
func openRegular(path string, limit int64, capName string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s is %s, %w: refused before reading", path, describeMode(st.Mode()), ErrNotRegular)
	}
	if limit >= 0 && st.Size() > limit {
		f.Close()
		return nil, 0, fmt.Errorf("%s is %d bytes, more than the cap of %d (%s): %w", path, st.Size(), limit, capName, ErrTooLarge)
	}
	return f, st.Size(), nil
}

// readRegular reads the whole file at path after openRegular's checks. The file may
// not grow past limit while it is read either.
func readRegular(path string, limit int64, capName string) ([]byte, error) {
	f, size, err := openRegular(path, limit, capName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	// ReadFrom reads until EOF into at least bytes.MinRead free bytes: with less
	// room left after the file it would reallocate to twice the size to read EOF.
	buf.Grow(int(size) + bytes.MinRead)
	r := io.Reader(f)
	if limit >= 0 {
		r = io.LimitReader(f, limit+1)
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if limit >= 0 && int64(buf.Len()) > limit {
		return nil, fmt.Errorf("%s grew past the cap of %d bytes (%s) while read: %w", path, limit, capName, ErrTooLarge)
	}
	return buf.Bytes(), nil
}

// ReadImageFile reads the image file at path for a decoder that needs all its bytes
// (dataset/opencv): it refuses, before reading, a path that is not a regular file (a
// named pipe or a device named x.jpg would block or never end); the error wraps
// ErrNotRegular, or is the os error (fs.ErrNotExist, ...).
func ReadImageFile(path string) ([]byte, error) {
	return readRegular(path, -1, "")
}

// describeMode names the kind of a file that is not regular.
func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file (mode " + m.String() + ")"
}

// walker lists the files under folders as Python's glob("**/*.*", recursive=True) does
// for Ultralytics: recursively, following symbolic links to folders and files, skipping
// hidden names (starting with "."). Unlike glob it refuses link loops and a folder
// reached twice (its images would count twice), reports links leading outside the
// dataset root and broken links as warnings, and honours ctx.
type walker struct {
	ctx     context.Context
	root    string // the dataset root, symbolic links resolved ("" = no outside check)
	ws      *warnings
	visited map[fileID]string // folders walked, by identity -> the path first seen
	scanned int
}

// newWalker returns a walker counting its warnings in ws.
func newWalker(ctx context.Context, ws *warnings) *walker {
	return &walker{ctx: ctx, ws: ws, visited: map[fileID]string{}}
}

// walk calls visit for every non-folder entry under dir (dir itself may be a link),
// with its path (dir joined with the names met, links not resolved) and the entry's
// information after following links. Entries are visited in name order per folder.
// Links whose target lies outside root are counted (WarnOutsideLink). A folder seen by
// an earlier walk of the same walker is an error (its files would count twice).
func (w *walker) walk(dir, root string, visit func(path string, info fs.FileInfo) error) error {
	w.root = ""
	if r, err := filepath.EvalSymlinks(root); err == nil {
		w.root = absClean(r)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("dataset: scan %s: %w", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("dataset: scan %s: %s, expected a folder", dir, describeMode(st.Mode()))
	}
	if lst, err := os.Lstat(dir); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
		w.checkOutside(dir)
	}
	return w.walkDir(dir, st, map[fileID]bool{}, visit)
}

// walkDir walks the folder dir (st: its information, links followed); ancestors are
// the identities of the folders holding it, for loop detection.
func (w *walker) walkDir(dir string, st fs.FileInfo, ancestors map[fileID]bool, visit func(string, fs.FileInfo) error) error {
	if err := w.ctx.Err(); err != nil {
		return fmt.Errorf("dataset: scan %s: stopped after %d entries: %w", dir, w.scanned, err)
	}
	id, ok := idOf(st)
	if ok {
		if ancestors[id] {
			return fmt.Errorf("dataset: %s: symbolic link loop: it leads back to %s, which contains it; remove the link", dir, w.visited[id])
		}
		if first, seen := w.visited[id]; seen {
			return fmt.Errorf("dataset: %s and %s are the same folder, so its images would count twice; remove the symbolic link or the split entry that leads to it again", first, dir)
		}
		w.visited[id] = dir
		ancestors[id] = true
		defer delete(ancestors, id)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("dataset: scan %s: %w", dir, err)
	}
	for _, e := range entries {
		if w.scanned++; w.scanned%256 == 0 {
			if err := w.ctx.Err(); err != nil {
				return fmt.Errorf("dataset: scan %s: stopped after %d entries: %w", dir, w.scanned, err)
			}
		}
		p := filepath.Join(dir, e.Name())
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("dataset: scan %s: %w", p, err)
		}
		link := info.Mode()&fs.ModeSymlink != 0
		if link {
			if info, err = os.Stat(p); err != nil {
				w.ws.add(WarnBrokenLink, p, 1)
				continue
			}
		}
		if hidden(e.Name()) {
			if info.IsDir() || isImageExt(p) || isSkippedImageExt(p) {
				w.ws.add(WarnHidden, p, 1)
			}
			continue
		}
		if link {
			w.checkOutside(p)
		}
		if info.IsDir() {
			if err := w.walkDir(p, info, ancestors, visit); err != nil {
				return err
			}
			continue
		}
		if err := visit(p, info); err != nil {
			return err
		}
	}
	return nil
}

// checkOutside counts the link p when its target lies outside the dataset root.
func (w *walker) checkOutside(p string) {
	if w.root == "" {
		return
	}
	t, err := filepath.EvalSymlinks(p)
	if err != nil {
		return
	}
	if !within(absClean(t), w.root) {
		w.ws.add(WarnOutsideLink, p, 1)
	}
}

// within reports whether the absolute path p is root or lies under it.
func within(p, root string) bool {
	return p == root || strings.HasPrefix(p, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator))
}

// hidden reports whether a file or folder name is hidden (Python glob's rule).
func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// skippedImageExts are the image formats Ultralytics reads (IMG_FORMATS in
// ultralytics/data/utils.py, v8.3) that detparity's decoders do not.
var skippedImageExts = []string{".dng", ".mpo", ".tif", ".tiff", ".webp", ".pfm", ".heic"}

// isSkippedImageExt reports whether p has one of skippedImageExts (any case).
func isSkippedImageExt(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	for _, e := range skippedImageExts {
		if ext == e {
			return true
		}
	}
	return false
}
