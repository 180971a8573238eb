// Package outset writes a command's output files as one set. It sits at the very
// end of the detparity data path, after the run and its renderings (parity.Result,
// report), where the results reach the disk:
//
//	parity.Run → Result / report.Report → outset.Write → the --out files
//
// A set (a report folder's four files; a run JSON with its predictions files)
// either holds the new run in every file or stays exactly as it was, whatever
// happens while it is written: an error, a full disk, SIGTERM, SIGKILL. Write
// stages every file beside its target as a hidden file, then commits with one
// atomic rename (a journal beside the first target) and renames each staged file
// over its target. A set interrupted before the commit is discarded by Recover; one
// interrupted after it is completed by Recover. Commands call Recover on their
// outputs when they start, so the leftovers of an interrupted write are cleaned
// at the next start.
//
// Files are created with mode 0644 less the umask. Distinct refuses an output path
// that is also an input or another output of the same command.
//
// On disk, beside a target DIR/NAME (ID is the writer's process id and a random
// number, so that leftovers of a live writer are never touched):
//
//	DIR/.NAME.detparity-ID.new      the staged content
//	DIR/.NAME.detparity-ID.set      the journal, beside the first target only: its
//	                                existence is the commit
//	DIR/.NAME.detparity-ID.ptr      beside the other targets: where the journal is
package outset

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/internal/faults"
)

// File is one output of a set: its path and what writes its content.
type File struct {
	Path  string
	Write func(io.Writer) error
}

// Fault points (internal/faults) passed while a set is written.
const (
	PointStaged    = "outset.staged"    // after each file is staged
	PointPointers  = "outset.pointers"  // after the pointers, before the commit
	PointCommitted = "outset.committed" // after the journal is in place
	PointSwapped   = "outset.swapped"   // after each rename over a target
	PointDone      = "outset.done"      // after the journal is removed
)

const tag = ".detparity-"

// journal is the content of a .set file.
type journal struct {
	ID       string      `json:"id"`
	Files    []stagedRef `json:"files"`
	Pointers []string    `json:"pointers"`
}

type stagedRef struct {
	Target string `json:"target"`
	Staged string `json:"staged"`
}

// writing holds the ids of the sets this process is writing now: Recover leaves
// them alone.
var (
	writingMu sync.Mutex
	writing   = map[string]bool{}
)

// Write writes files as one set (see the package comment). Every path must be
// distinct; each file's folder must exist. When ctx ends before the commit, the
// staged files are removed and the error wraps context.Cause(ctx); after the
// commit the set is completed whatever ctx says. On any error before the commit
// every target is left as it was and no staged file remains.
func Write(ctx context.Context, files []File) error {
	if len(files) == 0 {
		return nil
	}
	paths := make([]string, len(files))
	for i, f := range files {
		abs, err := filepath.Abs(f.Path)
		if err != nil {
			return fmt.Errorf("cannot write %s: %w", f.Path, err)
		}
		paths[i] = abs
	}
	for i, p := range paths {
		if err := CheckTarget(p); err != nil {
			return fmt.Errorf("cannot write %s: %w", files[i].Path, err)
		}
		if k := slices.Index(paths[:i], p); k >= 0 {
			return fmt.Errorf("cannot write %s: it is also output %d of the set (%s): %w", files[i].Path, k+1, files[k].Path, ErrCollision)
		}
	}
	if err := Recover(paths...); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	writingMu.Lock()
	writing[id] = true
	writingMu.Unlock()
	defer func() {
		writingMu.Lock()
		delete(writing, id)
		writingMu.Unlock()
	}()
	j := journal{ID: id}
	var created []string // every file made so far, removed when the set is abandoned
	abandon := func(err error) error {
		for _, p := range created {
			os.Remove(p)
		}
		return err
	}
	for i, f := range files {
		staged := sidePath(paths[i], id, ".new")
		created = append(created, staged)
		if err := writeFile(staged, f.Write); err != nil {
			return abandon(fmt.Errorf("writing %s: %w; nothing written (previous outputs left as they were)", f.Path, err))
		}
		j.Files = append(j.Files, stagedRef{Target: paths[i], Staged: staged})
		faults.At(PointStaged)
	}
	if err := ctx.Err(); err != nil {
		return abandon(fmt.Errorf("interrupted while writing %s: %w; nothing written (previous outputs left as they were)", files[0].Path, context.Cause(ctx)))
	}
	// From the commit to the last rename the targets' folders are locked, so
	// that two writers of the same files (two CI jobs) swap one set after the
	// other, never interleaved.
	unlock, err := lockDirs(paths)
	if err != nil {
		return abandon(fmt.Errorf("writing %s: %w; nothing written (previous outputs left as they were)", files[0].Path, err))
	}
	defer unlock()
	if len(files) == 1 {
		// One file: the rename is the commit.
		if err := os.Rename(j.Files[0].Staged, paths[0]); err != nil {
			return abandon(fmt.Errorf("writing %s: %w; nothing written (previous outputs left as they were)", files[0].Path, err))
		}
		faults.At(PointSwapped)
		syncDir(filepath.Dir(paths[0]))
		faults.At(PointDone)
		return nil
	}
	set := sidePath(paths[0], id, ".set")
	for _, p := range paths[1:] {
		ptr := sidePath(p, id, ".ptr")
		created = append(created, ptr)
		if err := writeFile(ptr, func(w io.Writer) error { _, err := io.WriteString(w, set); return err }); err != nil {
			return abandon(fmt.Errorf("writing %s: %w; nothing written (previous outputs left as they were)", p, err))
		}
		j.Pointers = append(j.Pointers, ptr)
	}
	faults.At(PointPointers)
	data, err := json.Marshal(j)
	if err != nil {
		return abandon(err)
	}
	tmp := set + ".tmp"
	created = append(created, tmp, set)
	if err := writeFile(tmp, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return abandon(fmt.Errorf("writing %s: %w; nothing written (previous outputs left as they were)", files[0].Path, err))
	}
	if err := os.Rename(tmp, set); err != nil {
		return abandon(fmt.Errorf("writing %s: %w; nothing written (previous outputs left as they were)", files[0].Path, err))
	}
	syncDir(filepath.Dir(set))
	faults.At(PointCommitted)
	return complete(j, set)
}

// complete renames every staged file of a committed set over its target, then
// removes the pointers and the journal.
func complete(j journal, set string) error {
	var errs []error
	dirs := map[string]bool{}
	for _, f := range j.Files {
		err := os.Rename(f.Staged, f.Target)
		switch {
		case err == nil:
			faults.At(PointSwapped)
		case errors.Is(err, os.ErrNotExist):
			// Renamed before the interruption.
		default:
			errs = append(errs, fmt.Errorf("writing %s: %w (the set is committed: the next detparity command writing it completes it)", f.Target, err))
		}
		dirs[filepath.Dir(f.Target)] = true
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for d := range dirs {
		syncDir(d)
	}
	for _, p := range j.Pointers {
		os.Remove(p)
	}
	os.Remove(set)
	syncDir(filepath.Dir(set))
	faults.At(PointDone)
	return nil
}

// Recover cleans what an interrupted Write left beside any of paths (by a
// process that is gone): a set committed but not finished is completed (every
// file of it gets its new content, wherever it is), anything else staged is
// removed. It fails only when a committed set cannot be completed, naming the file.
func Recover(paths ...string) error {
	var errs []error
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		dir, base := filepath.Dir(abs), filepath.Base(abs)
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // no folder: nothing left there
		}
		prefix := sidePrefix(base)
		for _, e := range entries {
			name := e.Name()
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			rest := strings.TrimPrefix(name, prefix)
			id, kind, ok := strings.Cut(rest, ".")
			if !ok || live(id) {
				continue
			}
			full := filepath.Join(dir, name)
			switch kind {
			case "set":
				errs = append(errs, rollForward(full))
			case "ptr":
				b, err := os.ReadFile(full)
				if err == nil && strings.HasSuffix(string(b), ".set") {
					if _, err := os.Stat(string(b)); err == nil {
						errs = append(errs, rollForward(string(b)))
						continue
					}
				}
				// The journal never came: the set was not committed.
				os.Remove(filepath.Join(dir, prefix+id+".new"))
				os.Remove(full)
			case "new", "set.tmp":
				// Staged but not committed here: a committed set's staged files
				// have a journal or a pointer beside them, handled above. Look
				// again in case one of those was just completed.
				if kind == "new" && hasCommit(dir, base, id) {
					continue
				}
				os.Remove(full)
			}
		}
	}
	return errors.Join(errs...)
}

// hasCommit reports whether a journal or pointer of set id is beside target base.
func hasCommit(dir, base, id string) bool {
	for _, k := range []string{".set", ".ptr"} {
		if _, err := os.Stat(filepath.Join(dir, sidePrefix(base)+id+k)); err == nil {
			return true
		}
	}
	return false
}

// rollForward completes the committed set whose journal is at set.
func rollForward(set string) error {
	b, err := os.ReadFile(set)
	if errors.Is(err, os.ErrNotExist) {
		return nil // completed meanwhile (the journal of another target's pointer)
	}
	var j journal
	if err == nil {
		err = json.Unmarshal(b, &j)
	}
	if err != nil {
		return fmt.Errorf("completing an interrupted write: journal %s: %w", set, err)
	}
	targets := make([]string, len(j.Files))
	for i, f := range j.Files {
		targets[i] = f.Target
	}
	unlock, err := lockDirs(targets)
	if err != nil {
		return fmt.Errorf("completing an interrupted write: %w", err)
	}
	defer unlock()
	return complete(j, set)
}

// lockDirs takes an exclusive lock (flock) on each folder holding one of
// paths, in sorted order (no deadlock between two writers), and returns what
// releases them. The lock is advisory: it orders detparity writers only.
func lockDirs(paths []string) (func(), error) {
	dirs := map[string]bool{}
	for _, p := range paths {
		dirs[filepath.Dir(p)] = true
	}
	sorted := slices.Sorted(maps.Keys(dirs))
	var held []*os.File
	unlock := func() {
		for _, f := range held {
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
		}
	}
	for _, d := range sorted {
		f, err := os.Open(d)
		if err != nil {
			unlock()
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			unlock()
			return nil, fmt.Errorf("locking %s: %w", d, err)
		}
		held = append(held, f)
	}
	return unlock, nil
}

// CheckTarget refuses an output path that exists and is not a regular file: a
// folder, or a device, a named pipe or a socket (/dev/null, /dev/stdout), which
// renaming a file over would replace. A path that does not exist yet is fine.
func CheckTarget(path string) error {
	st, err := os.Lstat(path)
	if err != nil {
		return nil
	}
	if st.Mode()&os.ModeSymlink != 0 {
		if st, err = os.Stat(path); err != nil {
			return nil // a link to nothing: replaced by the file
		}
	}
	switch {
	case st.IsDir():
		return errors.New("it is a folder, expected a file path")
	case !st.Mode().IsRegular():
		return fmt.Errorf("it is %s, which writing would replace; expected a regular file path", dataset.DescribeMode(st.Mode()))
	}
	return nil
}

// live reports whether the set id ("PID-RANDOM") belongs to a running writer:
// this process's own sets being written, or another process that exists.
func live(id string) bool {
	pidText, _, _ := strings.Cut(id, "-")
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		writingMu.Lock()
		defer writingMu.Unlock()
		return writing[id]
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func newID() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("outset: %w", err)
	}
	return strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:]), nil
}

// sidePath is the hidden file of kind (".new", ".set", ".ptr") of set id beside target.
func sidePath(target, id, kind string) string {
	return filepath.Join(filepath.Dir(target), sidePrefix(filepath.Base(target))+id+kind)
}

// sidePrefix is the start of the names of the hidden files beside a target
// named base: ".BASE.detparity-", with a long base shortened to its first 100
// bytes and a hash of it, so that the names stay within the 255 bytes a file
// name may have.
func sidePrefix(base string) string {
	if len(base) > 180 {
		sum := sha256.Sum256([]byte(base))
		base = base[:100] + "~" + hex.EncodeToString(sum[:8])
	}
	return "." + base + tag
}

// writeFile creates path (which must not exist) with mode 0644 less the umask,
// writes it through write and flushes it to the disk.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// syncDir flushes a folder's entries (renames) to the disk; errors are ignored:
// not every file system can sync a folder, and the data is already written.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
