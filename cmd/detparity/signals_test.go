package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSignals sends SIGINT and SIGTERM to a real detparity process stopped at
// each stage of a run — loading, inference, post-processing, after the last
// image was queued, while the totals are computed, while the outputs are staged
// — and checks that it stops there: "interrupted after N of M images", exit 130
// (143), and the previous --out and --predictions-out files exactly as they
// were, nothing staged left beside them. A signal after the outputs were
// committed lets the set complete (exit 130, every file new).
func TestSignals(t *testing.T) {
	data := smallDir(t, 6)
	for _, c := range []struct {
		point string
		nth   int
		sig   syscall.Signal
		want  string // regexp of stderr's last line
		whole bool   // the outputs were committed: every file holds the new run
	}{
		{"parity.load", 1, syscall.SIGINT, `interrupted after 0 of 6 images: signal SIGINT; nothing written`, false},
		{"parity.infer", 1, syscall.SIGTERM, `interrupted after 0 of 6 images: signal SIGTERM; nothing written`, false},
		{"parity.post", 3, syscall.SIGINT, `interrupted after 2 of 6 images: signal SIGINT; nothing written`, false},
		{"parity.fed", 1, syscall.SIGTERM, `interrupted after [0-6] of 6 images: signal SIGTERM; nothing written`, false},
		{"parity.finish", 1, syscall.SIGINT, `interrupted after 6 of 6 images: signal SIGINT; nothing written`, false},
		{"outset.staged", 2, syscall.SIGTERM, `interrupted while writing .*run.json: signal SIGTERM; nothing written`, false},
		{"outset.committed", 1, syscall.SIGINT, `signal SIGINT received while the outputs were written: they were committed and hold the complete new run`, true},
	} {
		t.Run(fmt.Sprintf("%s-%d-%v", c.point, c.nth, c.sig), func(t *testing.T) {
			dir := t.TempDir()
			out, pred := filepath.Join(dir, "run.json"), filepath.Join(dir, "p.json")
			files := []string{out, filepath.Join(dir, "p.sg-coco.json"), filepath.Join(dir, "p.stretch.json")}
			previous := []string{"previous run\n", "previous sg-coco\n", "previous stretch\n"}
			writeAll(t, previous, files...)
			ch := startChild(t, fmt.Sprintf("signal:%s:%d", c.point, c.nth), "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", data,
				"--pipeline", "sg-coco,stretch", "--out", out, "--predictions-out", pred, "--loaders", "2")
			ch.waitLine(t, "AT "+c.point)
			require.NoError(t, ch.cmd.Process.Signal(c.sig))
			code, stderr := ch.wait(t)
			assert.Equal(t, 128+int(c.sig), code, stderr)
			want := c.want
			if !c.whole {
				want += ` \(previous outputs left as they were\)`
			}
			assert.Regexp(t, regexp.MustCompile(`(?m)^detparity: .*`+want+`\n\z`), stderr)
			got := readAll(t, files...)
			if c.whole {
				for i := range got {
					assert.NotEqual(t, previous[i], got[i], files[i])
				}
				var rj runJSON
				require.NoError(t, jsonUnmarshal(got[0], &rj))
				assert.Equal(t, 6, rj.Evaluated)
			} else {
				assert.Equal(t, previous, got, "nothing written")
			}
			assert.Empty(t, hiddenFiles(t, dir), "nothing staged left")
		})
	}
}

// TestSecondSignal: a second Ctrl-C ends the process at once, even when the
// first one could not stop it yet (here a stage that does not return).
func TestSecondSignal(t *testing.T) {
	data := smallDir(t, 3)
	dir := t.TempDir()
	out := filepath.Join(dir, "run.json")
	require.NoError(t, os.WriteFile(out, []byte("previous\n"), 0o644))
	ch := startChild(t, "twice:parity.infer:1", "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", data, "--out", out)
	ch.waitLine(t, "AT parity.infer")
	require.NoError(t, ch.cmd.Process.Signal(syscall.SIGINT))
	ch.waitLine(t, "GOT 1")
	require.NoError(t, ch.cmd.Process.Signal(syscall.SIGINT))
	code, stderr := ch.wait(t)
	assert.Equal(t, 130, code, stderr)
	assert.Contains(t, stderr, "\ndetparity: second signal SIGINT: exiting at once\n")
	assert.Equal(t, []string{"previous\n"}, readAll(t, out))
	assert.Empty(t, hiddenFiles(t, dir))
}

// TestSignalsOnlyWhereHonoured: commands that honour a cancelled context (run,
// report, ...) catch Ctrl-C and stop cleanly; the others (eval, diff, inspect,
// ...) keep the default, so a Ctrl-C still ends them at once rather than being
// caught and ignored.
func TestSignalsOnlyWhereHonoured(t *testing.T) {
	code, stderr := runChild(t, "selfint:", "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", fixtureData, "--quiet")
	assert.Equal(t, 130, code, stderr)
	assert.Contains(t, stderr, "stopped after 0 entries: context canceled; nothing written (previous outputs left as they were)\n")
	ch := startChild(t, "selfint:", "eval", "--gt", fixtureData, "--dt", fixtureReference)
	code, stderr = ch.wait(t)
	assert.Equal(t, -1, code, stderr)
	assert.Equal(t, syscall.SIGINT, ch.cmd.ProcessState.Sys().(syscall.WaitStatus).Signal(), "ended by the signal")
}
