package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/detparity/detparity/parity"
)

// bar draws parity's progress on a terminal: the phase, a bar, the count, the
// rate and the time left, on one line redrawn in place.
type bar struct {
	mu       sync.Mutex
	w        *os.File
	phase    string
	start    time.Time // of the phase
	last     time.Time // last frame drawn
	drawn    bool
	width    int // terminal columns (0: unknown)
	throttle time.Duration
}

// barThrottle is the shortest time between two frames of a phase (its first
// and last frames are always drawn).
var barThrottle = 100 * time.Millisecond

// progressBar returns a bar on w when w is a terminal and quiet is false, and
// nil otherwise, so that logs and pipes stay clean. Its update method is the
// Progress callback of a parity config; clear erases the line (call it before
// printing results, also on errors). Both are no-ops on a nil bar.
func progressBar(w io.Writer, quiet bool) *bar {
	f, ok := w.(*os.File)
	if quiet || !ok || !isTerminal(f) {
		return nil
	}
	b := &bar{w: f, throttle: barThrottle}
	if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
		b.width = int(ws.Col)
	}
	return b
}

// callback is the bar's update method, or nil for a nil bar (so that the
// library does not even count).
func (b *bar) callback() func(parity.Progress) {
	if b == nil {
		return nil
	}
	return b.update
}

// update draws p: at once when its phase is new or done, otherwise at most
// every throttle interval.
func (b *bar) update(p parity.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if p.Phase != b.phase || !b.drawn {
		b.phase, b.start = p.Phase, now
	} else if p.Done < p.Total && now.Sub(b.last) < b.throttle {
		return
	}
	b.last, b.drawn = now, true
	fmt.Fprint(b.w, "\r"+progressLine(p, now.Sub(b.start), b.width)+"\033[K")
}

// clear erases the bar's line.
func (b *bar) clear() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
		b.drawn = false
	}
}

// progressLine is one frame, e.g.
//
//	screening 32 images × 40 specs [#####...............]  320/1280 image passes  41.3/s  ETA 23s
//
// elapsed is the time since the phase started: the rate is the phase's mean
// and the ETA what is left at that rate ("ETA --" before the first item). With
// width > 0 the line is fitted to width-1 columns: the bar narrows to 10 cells,
// then the unit goes, then the phase is cut.
func progressLine(p parity.Progress, elapsed time.Duration, width int) string {
	rate, eta := "", "ETA --"
	if s := elapsed.Seconds(); p.Done > 0 && s > 0 {
		r := float64(p.Done) / s
		rate = fmt.Sprintf("  %s/s", shortFloat(r))
		eta = "ETA " + shortDuration(time.Duration(float64(max(0, p.Total-p.Done))/r*float64(time.Second)))
	}
	count := fmt.Sprintf("%*d/%d", len(fmt.Sprint(p.Total)), p.Done, p.Total)
	tail := " " + count + " " + p.Unit + rate + "  " + eta
	phase := p.Phase
	cells := 24
	if width > 0 {
		room := width - 1 - len(tail) - 2 // 2 brackets
		if phase != "" {
			room -= len([]rune(phase)) + 1
		}
		if room < 10 { // the unit goes first
			room += len(p.Unit) + 1
			tail = " " + count + rate + "  " + eta
		}
		if room < cells {
			cells = max(10, room)
		}
		if room < 10 && phase != "" {
			keep := max(0, len([]rune(phase))-(10-room))
			phase = string([]rune(phase)[:keep])
		}
	}
	filled := 0
	if p.Total > 0 {
		filled = min(cells, p.Done*cells/p.Total)
	}
	line := "[" + strings.Repeat("#", filled) + strings.Repeat(".", cells-filled) + "]" + tail
	if phase != "" {
		line = phase + " " + line
	}
	return line
}

// shortFloat prints a rate with 3 significant digits at most: 0.42, 8.31, 41.3, 1234.
func shortFloat(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// shortDuration prints 7s, 3m05s or 2h07m.
func shortDuration(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
}

// stringList is a repeatable string flag (--model A --model B).
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// isTerminal is true when f is a terminal (its termios can be read): a file,
// a pipe or /dev/null is not.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// parseInterspersed parses flags that may come after positional arguments (as in
// "diff run.json --a x"), returning the positional arguments in order. "--" ends
// flag parsing.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
