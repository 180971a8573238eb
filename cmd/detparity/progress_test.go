package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/detparity/detparity/parity"
)

func TestProgressLine(t *testing.T) {
	p := parity.Progress{Phase: "evaluating 160 images × 2 pipelines", Done: 80, Total: 160, Unit: "images"}
	assert.Equal(t, "evaluating 160 images × 2 pipelines [############............]  80/160 images  40.0/s  ETA 2s",
		progressLine(p, 2*time.Second, 0))
	p.Done = 0
	assert.Equal(t, "evaluating 160 images × 2 pipelines [........................]   0/160 images  ETA --",
		progressLine(p, 0, 0), "no rate before the first image")
	p = parity.Progress{Done: 3, Total: 3, Unit: "images"}
	assert.Equal(t, "[########################] 3/3 images  0.25/s  ETA 0s", progressLine(p, 12*time.Second, 0))
	p = parity.Progress{Phase: "screening 32 images × 40 specs", Done: 320, Total: 1280, Unit: "image passes"}
	assert.Equal(t, "screening 32 images × 40 specs [######..................]  320/1280 image passes  4.00/s  ETA 4m00s",
		progressLine(p, 80*time.Second, 0))
	// Fitted to the terminal: the bar narrows first, then the phase is cut.
	line := progressLine(p, 80*time.Second, 80)
	assert.Equal(t,
		"screening 32 images × 40 specs [####.............]  320/1280  4.00/s  ETA 4m00s", line, "the unit goes first")
	assert.Less(t, len([]rune(line)), 80)
	line = progressLine(p, 80*time.Second, 60)
	assert.Less(t, len([]rune(line)), 60)
	assert.Contains(t, line, "[##........]  320/1280  4.00/s  ETA 4m00s", "then the phase is cut")
	assert.Equal(t, "2h07m", shortDuration(2*time.Hour+7*time.Minute+10*time.Second))
	assert.Equal(t, "1234", shortFloat(1234.4))
}

// TestProgressSilent: no bar when asked not to, and none on anything but a
// terminal: a buffer, a file, a pipe, /dev/null (a character device).
func TestProgressSilent(t *testing.T) {
	assert.Nil(t, progressBar(&bytes.Buffer{}, false))
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	defer f.Close()
	assert.Nil(t, progressBar(f, false), "a file is not a terminal")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.Nil(t, progressBar(w, false), "a pipe is not a terminal")
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer null.Close()
	assert.Nil(t, progressBar(null, false), "/dev/null is not a terminal")
	_, tty := openPTY(t)
	assert.Nil(t, progressBar(tty, true), "--quiet draws nothing")
	assert.NotNil(t, progressBar(tty, false))
	var nilBar *bar
	assert.Nil(t, nilBar.callback())
	nilBar.clear() // no-op

	// A run whose stderr is a file writes nothing there.
	code, _, stderr := runCLI(t, "run", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "sg-coco", "--limit", "4")
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
}

// openPTY opens a pseudo-terminal 100 columns wide and returns its master
// (what a terminal emulator reads) and its slave (what a program writes to).
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 100}))
	return m, s
}

// onTerminal runs the command with stderr on a pseudo-terminal and returns its
// exit code, stdout and what the terminal received on stderr.
func onTerminal(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	master, slave := openPTY(t)
	got := make(chan string)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, master) // ends with EIO when the slave is closed
		got <- b.String()
	}()
	var stdout bytes.Buffer
	code := realMain(context.Background(), args, &stdout, slave)
	slave.Close()
	return code, stdout.String(), <-got
}

var frameRE = regexp.MustCompile(`^(.*?) ?\[([#.]+)\] +(\d+)/(\d+) (images|image passes)(  [0-9.]+/s)?  ETA (--|\d+[smh][0-9ms]*)\x1b\[K$`)

type barFrame struct {
	phase       string
	full        bool
	done, total int
	rate        bool
}

// frames splits what the terminal got into the bar's frames; the last write
// must erase the line.
func frames(t *testing.T, tty string) []barFrame {
	t.Helper()
	require.True(t, strings.HasSuffix(tty, "\r\x1b[K"), "the bar is erased at the end: %q", tail(tty))
	var out []barFrame
	for _, s := range strings.Split(strings.TrimSuffix(tty, "\r\x1b[K"), "\r") {
		if s == "" {
			continue
		}
		m := frameRE.FindStringSubmatch(s)
		require.NotNil(t, m, "frame %q", s)
		done, _ := strconv.Atoi(m[3])
		total, _ := strconv.Atoi(m[4])
		out = append(out, barFrame{phase: m[1], full: !strings.Contains(m[2], "."), done: done, total: total, rate: m[6] != ""})
		assert.Less(t, len([]rune(s))-3, 100, "fits the 100 columns: %q", s) // minus the erase sequence
	}
	return out
}

func tail(s string) string { return s[max(0, len(s)-200):] }

// TestProgressOnTerminal: on a terminal, run draws its phase, the count, the
// rate and the ETA, redraws in place and erases the bar before the table.
func TestProgressOnTerminal(t *testing.T) {
	old := barThrottle
	barThrottle = 0 // every frame
	t.Cleanup(func() { barThrottle = old })
	code, stdout, tty := onTerminal(t, "run", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "stretch,sg-coco", "--limit", "6")
	require.Equal(t, 0, code, tty)
	assert.Contains(t, stdout, "6 images, 6 evaluated")
	fs := frames(t, tty)
	require.Len(t, fs, 7, "one frame at the start and one per image")
	for i, f := range fs {
		assert.Equal(t, "evaluating 6 images × 2 pipelines", f.phase)
		assert.Equal(t, i, f.done)
		assert.Equal(t, 6, f.total)
		assert.Equal(t, i > 0, f.rate, "a rate once an image is done")
		assert.Equal(t, i == 6, f.full)
	}
}

// TestDiagnoseProgressPhases: diagnose shows its screening, then its full
// set, each counting image passes from 0 up to its total once: the bar fills
// once per phase, not once per batch of specs.
func TestDiagnoseProgressPhases(t *testing.T) {
	old := barThrottle
	barThrottle = 0
	t.Cleanup(func() { barThrottle = old })
	code, stdout, tty := onTerminal(t, "diagnose", "--model", fixtureModel, "--data", fixtureData, "--conf", "0.8",
		"--pipeline", "stretch", "--limit", "6", "--screen", "2")
	require.Equal(t, 0, code, tty)
	assert.Contains(t, stdout, "6 images (screened on 2)")
	fs := frames(t, tty)
	screenRE := regexp.MustCompile(`^screening 2 images × (\d+) specs$`)
	fullRE := regexp.MustCompile(`^full set: 6 images × (\d+) specs$`)
	var phases []string
	fulls := 0
	for i, f := range fs {
		kind := ""
		switch {
		case screenRE.MatchString(f.phase):
			kind = "screening"
			k, _ := strconv.Atoi(screenRE.FindStringSubmatch(f.phase)[1])
			assert.Equal(t, 2*k, f.total, "screening total: images × specs")
		case fullRE.MatchString(f.phase):
			kind = "full set"
			k, _ := strconv.Atoi(fullRE.FindStringSubmatch(f.phase)[1])
			assert.Equal(t, 6*k, f.total, "full-set total: images × specs")
		default:
			t.Fatalf("frame %d: unexpected phase %q", i, f.phase)
		}
		if len(phases) == 0 || phases[len(phases)-1] != kind {
			phases = append(phases, kind)
			assert.Equal(t, 0, f.done, "a phase starts at 0")
		} else {
			assert.GreaterOrEqual(t, f.done, fs[i-1].done, "frame %d: the count never goes back within a phase", i)
		}
		if f.full {
			fulls++
		}
	}
	t.Logf("%d frames, %d full; first %+v, last %+v", len(fs), fulls, fs[0], fs[len(fs)-1])
	for i := 1; i < len(fs); i++ {
		if fs[i].phase != fs[i-1].phase {
			t.Logf("phase %q at %d/%d", fs[i].phase, fs[i].done, fs[i].total)
		}
	}
	assert.Equal(t, []string{"screening", "full set"}, phases)
	assert.LessOrEqual(t, fulls, 2, "a full bar at the end of each phase, not per batch")
	last := fs[len(fs)-1]
	assert.True(t, last.full, "the full set ends full")
}
