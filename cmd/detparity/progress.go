package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressBar returns a parity Progress callback that draws a bar on w when w is a
// terminal and quiet is false, and nil otherwise (so logs and pipes stay clean).
// The line is erased when the last item is done.
func progressBar(w io.Writer, quiet bool, what string) func(done, total int) {
	if quiet || !isTerminal(w) {
		return nil
	}
	start := time.Now()
	return func(done, total int) {
		fmt.Fprint(w, "\r"+progressLine(done, total, what, time.Since(start)))
		if done >= total {
			fmt.Fprint(w, "\r\033[K")
		}
	}
}

// progressLine is one frame of the bar, e.g. "[#######.............]  35/100 images  2.1s".
func progressLine(done, total int, what string, elapsed time.Duration) string {
	const width = 24
	filled := 0
	if total > 0 {
		filled = min(width, done*width/total)
	}
	return fmt.Sprintf("[%s%s] %*d/%d %s  %.1fs", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		len(fmt.Sprint(total)), done, total, what, elapsed.Seconds())
}

// stringList is a repeatable string flag (--model A --model B).
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
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
