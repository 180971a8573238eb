package outset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/detparity/detparity/internal/faults"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests re-run this test binary as a child process that writes a set and
// is then killed, signalled or limited (TestMain below): the faults are real.
const childEnv = "OUTSET_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode, strings.Split(os.Getenv("OUTSET_TEST_FILES"), ",")))
	}
	os.Exit(m.Run())
}

// newContent is what a child writes into file i: big enough to need several
// writes, different from oldContent.
func newContent(i int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("new %d\n", i)), 20000) // 120 kB
}

func oldContent(i int) []byte { return []byte(fmt.Sprintf("old %d\n", i)) }

func setFiles(paths []string) []File {
	files := make([]File, len(paths))
	for i, p := range paths {
		files[i] = File{Path: p, Write: func(w io.Writer) error { _, err := w.Write(newContent(i)); return err }}
	}
	return files
}

// child writes the set of paths under a fault:
//
//	kill:POINT:N   SIGKILL itself the N-th time it passes POINT
//	term:POINT:N   SIGTERM itself there (handled: it cancels the context), once
//	fsize:BYTES    RLIMIT_FSIZE of BYTES: a write past it fails (EFBIG)
//
// It prints the error and exits 3 when Write fails, 0 when it succeeds.
func child(mode string, paths []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	kind, arg, _ := strings.Cut(mode, ":")
	switch kind {
	case "kill", "term":
		point, nth, _ := strings.Cut(arg, ":")
		n, _ := strconv.Atoi(nth)
		seen := 0
		faults.Hook = func(p string) {
			if p != point {
				return
			}
			seen++
			if seen != n {
				return
			}
			if kind == "kill" {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
			syscall.Kill(os.Getpid(), syscall.SIGTERM)
			<-ctx.Done() // the signal has been handled
		}
	case "fsize":
		limit, _ := strconv.ParseUint(arg, 10, 64)
		signal.Ignore(syscall.SIGXFSZ) // a write past the limit then fails with EFBIG
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 4
		}
	}
	if err := Write(ctx, setFiles(paths)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	return 0
}

// runChild runs the child writing paths under mode and returns its exit code
// (-1 when a signal ended it) and stderr.
func runChild(t *testing.T, mode string, paths []string) (int, string, *os.ProcessState) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "OUTSET_TEST_FILES="+strings.Join(paths, ","))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String(), cmd.ProcessState
}

// oldSet makes a set of n targets in dirs (round robin), each holding oldContent,
// the last one missing when withMissing (a new output the set creates).
func oldSet(t *testing.T, dirs []string, n int, withMissing bool) []string {
	t.Helper()
	var paths []string
	for i := range n {
		p := filepath.Join(dirs[i%len(dirs)], fmt.Sprintf("out%d.json", i))
		paths = append(paths, p)
		if withMissing && i == n-1 {
			continue
		}
		require.NoError(t, os.WriteFile(p, oldContent(i), 0o644))
	}
	return paths
}

// state says whether every target holds its new content ("new"), its old one
// ("old"), or a mixture (listed).
func state(t *testing.T, paths []string, lastMissing bool) string {
	t.Helper()
	var news, olds, other []string
	for i, p := range paths {
		b, err := os.ReadFile(p)
		switch {
		case err == nil && bytes.Equal(b, newContent(i)):
			news = append(news, p)
		case err == nil && bytes.Equal(b, oldContent(i)):
			olds = append(olds, p)
		case errors.Is(err, os.ErrNotExist) && lastMissing && i == len(paths)-1:
			olds = append(olds, p)
		default:
			other = append(other, fmt.Sprintf("%s (%d bytes, %v)", p, len(b), err))
		}
	}
	switch {
	case len(other) > 0 || (len(news) > 0 && len(olds) > 0):
		return fmt.Sprintf("mixed: new %v, old %v, other %v", news, olds, other)
	case len(news) > 0:
		return "new"
	}
	return "old"
}

// leftovers lists the hidden files of dirs.
func leftovers(t *testing.T, dirs ...string) []string {
	t.Helper()
	var out []string
	for _, d := range dirs {
		es, err := os.ReadDir(d)
		require.NoError(t, err)
		for _, e := range es {
			if strings.HasPrefix(e.Name(), ".") {
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestWriteReplacesEveryFile(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	paths := oldSet(t, dirs, 4, true)
	require.NoError(t, Write(context.Background(), setFiles(paths)))
	assert.Equal(t, "new", state(t, paths, true))
	assert.Empty(t, leftovers(t, dirs...))
}

// TestWriteMode: files are 0644 less the umask, whatever the old file's mode was.
func TestWriteMode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.json")
	require.NoError(t, os.WriteFile(p, []byte("x"), 0o600))
	for _, c := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}, {0o002, 0o644}, {0o026, 0o640}} {
		old := syscall.Umask(c.umask)
		err := Write(context.Background(), []File{{Path: p, Write: func(w io.Writer) error { _, err := io.WriteString(w, "y"); return err }},
			{Path: filepath.Join(dir, "b.json"), Write: func(w io.Writer) error { return nil }}})
		syscall.Umask(old)
		require.NoError(t, err)
		for _, n := range []string{"a.json", "b.json"} {
			st, err := os.Stat(filepath.Join(dir, n))
			require.NoError(t, err)
			assert.Equal(t, c.want, st.Mode().Perm(), "umask %o, %s", c.umask, n)
		}
	}
}

// TestWriteFailureKeepsOldSet: a file whose content fails to render (the third
// of four) leaves every target as it was and nothing staged.
func TestWriteFailureKeepsOldSet(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	paths := oldSet(t, dirs, 4, true)
	files := setFiles(paths)
	boom := errors.New("render failed")
	files[2].Write = func(w io.Writer) error { w.Write([]byte("partial")); return boom }
	err := Write(context.Background(), files)
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "writing "+paths[2]+": render failed; nothing written (previous outputs left as they were)", err.Error())
	assert.Equal(t, "old", state(t, paths, true))
	assert.Empty(t, leftovers(t, dirs...))
}

func TestWriteCancelled(t *testing.T) {
	dir := t.TempDir()
	paths := oldSet(t, []string{dir}, 3, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Write(ctx, setFiles(paths))
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "old", state(t, paths, false))
	assert.Empty(t, leftovers(t, dir))
}

// TestWriteFolderMissing: a target whose folder is gone fails before the commit.
func TestWriteFolderMissing(t *testing.T) {
	dir := t.TempDir()
	paths := oldSet(t, []string{dir}, 2, false)
	paths = append(paths, filepath.Join(dir, "gone", "x.json"))
	err := Write(context.Background(), setFiles(paths))
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Equal(t, "old", state(t, paths[:2], false))
	assert.Empty(t, leftovers(t, dir))
}

// TestDiskFull fills a real file system: a 192 kB tmpfs mounted for the test
// (the CI runs as root) holds the second target's folder, so the set fails
// with ENOSPC after one file was staged on another file system.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root; TestFileSizeLimit covers a failing write without it")
	}
	small := t.TempDir()
	require.NoError(t, syscall.Mount("tmpfs", small, "tmpfs", 0, "size=192k"))
	t.Cleanup(func() { syscall.Unmount(small, 0) })
	other := t.TempDir()
	// out0 (120 kB) on the big disk, out1 and out3 in the tmpfs: out1 fits (with
	// its old file), out3 cannot.
	paths := oldSet(t, []string{other, small}, 4, true)
	err := Write(context.Background(), setFiles(paths))
	require.ErrorIs(t, err, syscall.ENOSPC)
	assert.Contains(t, err.Error(), "writing "+paths[3]+": ")
	assert.Contains(t, err.Error(), "no space left on device; nothing written (previous outputs left as they were)")
	assert.Equal(t, "old", state(t, paths, true))
	assert.Empty(t, leftovers(t, other, small))
	// Nothing staged is left to take the space: the last two files fit.
	require.NoError(t, Write(context.Background(), setFiles(paths[2:])))
	assert.Equal(t, "new", state(t, paths[2:], true))
}

// TestFileSizeLimit: a child process whose files may not grow past 100 kB
// (RLIMIT_FSIZE) fails on the first 120 kB file; the old set is untouched.
func TestFileSizeLimit(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	paths := oldSet(t, dirs, 3, true)
	code, stderr, _ := runChild(t, "fsize:100000", paths)
	require.Equal(t, 3, code, stderr)
	assert.Contains(t, stderr, "writing "+paths[0]+": ")
	assert.Contains(t, stderr, "file too large; nothing written")
	assert.Equal(t, "old", state(t, paths, true))
	assert.Empty(t, leftovers(t, dirs...))
}

// TestKilledWhileWriting kills a child writing a 3-file set over two folders at
// every point of the write. Before the commit the targets are the old set and
// the next start (Recover) removes what was staged; from the commit on, the
// next start completes the set. Never a mixture after Recover, never a leftover.
func TestKilledWhileWriting(t *testing.T) {
	for _, c := range []struct {
		point string
		nth   int
		want  string
	}{
		{PointStaged, 1, "old"},
		{PointStaged, 3, "old"},
		{PointPointers, 1, "old"},
		{PointCommitted, 1, "new"},
		{PointSwapped, 1, "new"},
		{PointSwapped, 2, "new"},
		{PointSwapped, 3, "new"},
		{PointDone, 1, "new"},
	} {
		t.Run(fmt.Sprintf("%s-%d", c.point, c.nth), func(t *testing.T) {
			dirs := []string{t.TempDir(), t.TempDir()}
			paths := oldSet(t, dirs, 3, true)
			code, stderr, ps := runChild(t, fmt.Sprintf("kill:%s:%d", c.point, c.nth), paths)
			require.Equal(t, -1, code, stderr)
			require.Equal(t, syscall.SIGKILL, ps.Sys().(syscall.WaitStatus).Signal())
			if c.want == "old" {
				assert.Equal(t, "old", state(t, paths, true), "untouched before the commit, even before Recover")
			}
			// The next start.
			require.NoError(t, Recover(paths[1]))
			assert.Equal(t, c.want, state(t, paths, true))
			require.NoError(t, Recover(paths...))
			assert.Empty(t, leftovers(t, dirs...))
		})
	}
}

// TestKilledSingleFile: one file needs no journal; killed before its rename the
// old file stays and the next start removes the staged one.
func TestKilledSingleFile(t *testing.T) {
	dir := t.TempDir()
	paths := oldSet(t, []string{dir}, 1, false)
	code, _, _ := runChild(t, "kill:"+PointStaged+":1", paths)
	require.Equal(t, -1, code)
	assert.Equal(t, "old", state(t, paths, false))
	assert.Len(t, leftovers(t, dir), 1)
	require.NoError(t, Recover(paths...))
	assert.Empty(t, leftovers(t, dir))
	assert.Equal(t, "old", state(t, paths, false))
}

// TestTerminatedWhileWriting: SIGTERM (handled: it cancels the context) while
// files are staged abandons the set; after the commit the set is completed.
func TestTerminatedWhileWriting(t *testing.T) {
	for _, c := range []struct {
		point string
		nth   int
		code  int
		want  string
	}{{PointStaged, 1, 3, "old"}, {PointStaged, 3, 3, "old"}, {PointCommitted, 1, 0, "new"}, {PointSwapped, 2, 0, "new"}} {
		t.Run(fmt.Sprintf("%s-%d", c.point, c.nth), func(t *testing.T) {
			dirs := []string{t.TempDir(), t.TempDir()}
			paths := oldSet(t, dirs, 3, true)
			code, stderr, _ := runChild(t, fmt.Sprintf("term:%s:%d", c.point, c.nth), paths)
			require.Equal(t, c.code, code, stderr)
			if c.code != 0 {
				assert.Contains(t, stderr, "interrupted while writing "+paths[0]+": terminated signal received; nothing written")
			}
			assert.Equal(t, c.want, state(t, paths, true))
			assert.Empty(t, leftovers(t, dirs...), "nothing to clean at the next start")
		})
	}
}

// TestRecoverLeavesLiveWriters: files of a set whose writer still runs (here
// process 1) are not touched; those of a finished process are.
func TestRecoverLeavesLiveWriters(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "run.json")
	live := sidePath(target, "1-aa", ".new")
	require.NoError(t, os.WriteFile(live, []byte("x"), 0o644))
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	dead := sidePath(target, strconv.Itoa(cmd.Process.Pid)+"-bb", ".new")
	require.NoError(t, os.WriteFile(dead, []byte("x"), 0o644))
	other := filepath.Join(dir, ".unrelated")
	require.NoError(t, os.WriteFile(other, []byte("x"), 0o644))
	require.NoError(t, Recover(target))
	assert.Equal(t, []string{live, other}, leftovers(t, dir))
}

// TestRecoverBadJournal: a committed journal that cannot be read is reported,
// naming it.
func TestRecoverBadJournal(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "run.json")
	set := sidePath(target, "999999999-cc", ".set")
	require.NoError(t, os.WriteFile(set, []byte("{"), 0o644))
	err := Recover(target)
	require.Error(t, err)
	assert.Equal(t, "completing an interrupted write: journal "+set+": unexpected end of JSON input", err.Error())
}

// TestWriteRefusesNonRegularTargets: renaming a file over /dev/null, a named
// pipe or a folder would replace it: refused before anything is staged.
func TestWriteRefusesNonRegularTargets(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.json")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	null := filepath.Join(dir, "null.json")
	require.NoError(t, os.Symlink("/dev/null", null))
	for _, c := range []struct{ path, want string }{
		{"/dev/null", "cannot write /dev/null: it is a character device, which writing would replace; expected a regular file path"},
		{null, "cannot write " + null + ": it is a character device, which writing would replace; expected a regular file path"},
		{fifo, "cannot write " + fifo + ": it is a named pipe (FIFO), which writing would replace; expected a regular file path"},
		{sub, "cannot write " + sub + ": it is a folder, expected a file path"},
	} {
		err := Write(context.Background(), []File{{Path: filepath.Join(dir, "ok.json"), Write: func(io.Writer) error { return nil }},
			{Path: c.path, Write: func(io.Writer) error { return nil }}})
		require.Error(t, err, c.path)
		assert.Equal(t, c.want, err.Error())
	}
	st, err := os.Stat("/dev/null")
	require.NoError(t, err)
	assert.NotZero(t, st.Mode()&os.ModeCharDevice, "/dev/null is still a device")
	assert.NoFileExists(t, filepath.Join(dir, "ok.json"), "nothing written")
	assert.Empty(t, leftovers(t, dir))
}

// TestLongNames: a target whose name is close to the 255-byte limit gets
// hidden files with shortened names, written and recovered like any other.
func TestLongNames(t *testing.T) {
	dirs := []string{t.TempDir()}
	long := filepath.Join(dirs[0], strings.Repeat("r", 250)+".json")
	paths := []string{long, filepath.Join(dirs[0], "b.json")}
	require.NoError(t, Write(context.Background(), setFiles(paths)))
	assert.Equal(t, "new", state(t, paths, false))
	code, _, _ := runChild(t, "kill:"+PointSwapped+":1", paths)
	require.Equal(t, -1, code)
	require.NotEmpty(t, leftovers(t, dirs...))
	require.NoError(t, Recover(paths[0]))
	assert.Empty(t, leftovers(t, dirs...))
}

// TestLockedWhileSwapping: from the commit to the last rename the targets'
// folders are locked, so a second writer of the same files waits: at the
// commit point another lock on a target folder would block.
func TestLockedWhileSwapping(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	paths := oldSet(t, dirs, 3, false)
	var tried []error
	faults.Hook = func(p string) {
		if p != PointCommitted {
			return
		}
		for _, d := range dirs {
			f, err := os.Open(d)
			require.NoError(t, err)
			tried = append(tried, syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
			f.Close()
		}
	}
	defer func() { faults.Hook = nil }()
	require.NoError(t, Write(context.Background(), setFiles(paths)))
	require.Len(t, tried, 2)
	for _, err := range tried {
		assert.ErrorIs(t, err, syscall.EWOULDBLOCK)
	}
	// Released afterwards.
	f, err := os.Open(dirs[0])
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
}

// TestWriteDuplicatePaths: one path twice in a set is refused before anything
// is written.
func TestWriteDuplicatePaths(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.json")
	err := Write(context.Background(), setFiles([]string{p, filepath.Join(dir, ".", "a.json")}))
	require.ErrorIs(t, err, ErrCollision)
	assert.Equal(t, "cannot write "+p+": it is also output 1 of the set ("+p+"): "+ErrCollision.Error(), err.Error())
	assert.NoFileExists(t, p)
	assert.Empty(t, leftovers(t, dir))
}
