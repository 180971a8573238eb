package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/detparity/detparity/internal/faults"
	"github.com/stretchr/testify/require"
)

// Tests that need a real process — killed, signalled, limited — re-run this test
// binary as the detparity command (TestMain below): mainWithSignals with the
// arguments in DETPARITY_TEST_ARGS and a fault at a named point of the data path
// (internal/faults) from DETPARITY_TEST_FAULT:
//
//	kill:POINT:N    SIGKILL itself the N-th time it passes POINT
//	signal:POINT:N  print "AT POINT" on stderr there and wait until a signal
//	                (sent by the test) cancelled the run, then go on
//	twice:POINT:N   the same, then wait for a second signal, which must end the
//	                process at once
//	selfint:        SIGINT itself when the command starts, under mainWithSignals
const (
	childArgsEnv  = "DETPARITY_TEST_ARGS"
	childFaultEnv = "DETPARITY_TEST_FAULT"
)

func TestMain(m *testing.M) {
	if args := os.Getenv(childArgsEnv); args != "" {
		os.Exit(childMain(args, os.Getenv(childFaultEnv)))
	}
	os.Exit(m.Run())
}

func childMain(argsJSON, fault string) int {
	var args []string
	if err := json.Unmarshal([]byte(argsJSON), &args); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 98
	}
	if strings.HasPrefix(fault, "selfint:") {
		// SIGINT to itself once the command starts, through the real main
		// (mainWithSignals decides whether the command catches it).
		faults.Hook = func(p string) {
			if p == "cmd.start" {
				syscall.Kill(os.Getpid(), syscall.SIGINT)
				time.Sleep(2 * time.Second) // a caught signal has cancelled the context by then
			}
		}
		return mainWithSignals(args, os.Stdout, os.Stderr)
	}
	ctx, stop := withSignals(context.Background(), os.Stderr)
	defer stop()
	if fault != "" {
		parts := strings.Split(fault, ":")
		kind, point := parts[0], parts[1]
		n, _ := strconv.Atoi(parts[2])
		var mu sync.Mutex
		seen := 0
		faults.Hook = func(p string) {
			if p != point {
				return
			}
			mu.Lock()
			seen++
			hit := seen == n
			mu.Unlock()
			if !hit {
				return
			}
			if kind == "kill" {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
			fmt.Fprintf(os.Stderr, "AT %s\n", point)
			select {
			case <-ctx.Done():
			case <-time.After(30 * time.Second):
				fmt.Fprintln(os.Stderr, "child: no signal came")
				os.Exit(99)
			}
			if kind == "twice" {
				fmt.Fprintln(os.Stderr, "GOT 1")
				time.Sleep(30 * time.Second)
				fmt.Fprintln(os.Stderr, "child: the second signal did not end the process")
				os.Exit(99)
			}
		}
	}
	// mainWithSignals, on the context the hook waits on.
	return realMain(ctx, args, os.Stdout, os.Stderr)
}

// child is a running detparity process.
type child struct {
	cmd    *exec.Cmd
	lines  chan string
	mu     sync.Mutex
	stderr strings.Builder
	done   chan struct{}
}

// startChild starts detparity with args and the fault (see TestMain).
func startChild(t *testing.T, fault string, args ...string) *child {
	t.Helper()
	a, err := json.Marshal(args)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(a), childFaultEnv+"="+fault)
	pipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	c := &child{cmd: cmd, lines: make(chan string, 100), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			c.mu.Lock()
			c.stderr.WriteString(sc.Text() + "\n")
			c.mu.Unlock()
			select {
			case c.lines <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return c
}

// waitLine waits for a stderr line equal to want.
func (c *child) waitLine(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case l := <-c.lines:
			if l == want {
				return
			}
		case <-c.done:
			t.Fatalf("the child ended before printing %q; stderr:\n%s", want, c.errText())
		case <-timeout:
			t.Fatalf("no %q from the child; stderr:\n%s", want, c.errText())
		}
	}
}

func (c *child) errText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// wait waits for the child to end and returns its exit code (-1 when a signal
// ended it) and stderr.
func (c *child) wait(t *testing.T) (int, string) {
	t.Helper()
	<-c.done
	err := c.cmd.Wait()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return c.cmd.ProcessState.ExitCode(), c.errText()
}

// runChild runs detparity with a fault to its end.
func runChild(t *testing.T, fault string, args ...string) (int, string) {
	t.Helper()
	return startChild(t, fault, args...).wait(t)
}

// smallDir is a clean dataset of the first n fixture images with their labels.
func smallDir(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "labels"), 0o755))
	copyFile(t, filepath.Join(fixtureData, "classes.txt"), filepath.Join(dir, "classes.txt"))
	for i := range n {
		name := fmt.Sprintf("%05d", i)
		copyFile(t, filepath.Join(fixtureData, "images", name+".jpg"), filepath.Join(dir, "images", name+".jpg"))
		copyFile(t, filepath.Join(fixtureData, "labels", name+".txt"), filepath.Join(dir, "labels", name+".txt"))
	}
	return dir
}

// hiddenFiles lists the hidden files of dirs: what an interrupted write leaves.
func hiddenFiles(t *testing.T, dirs ...string) []string {
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

// readAll returns the content of each path ("" when missing).
func readAll(t *testing.T, paths ...string) []string {
	t.Helper()
	out := make([]string, len(paths))
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		out[i] = string(b)
	}
	return out
}

// writeAll writes content into each path.
func writeAll(t *testing.T, content []string, paths ...string) {
	t.Helper()
	for i, p := range paths {
		require.NoError(t, os.WriteFile(p, []byte(content[i]), 0o644))
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// fileHash is the sha256 (hex) of a file.
func fileHash(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%x", sha256.Sum256(b)), nil
}
