package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/parity"
)

// brokenDir is a dataset in which no image can be evaluated: every JPEG is cut.
func brokenDir(t *testing.T, n int) string {
	t.Helper()
	dir := smallDir(t, n)
	for i := range n {
		p := filepath.Join(dir, "images", fmt.Sprintf("%05d.jpg", i))
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(p, b[:len(b)/4], 0o644))
	}
	return dir
}

// TestFailedShare: failures are reported and the run exits 0 by default;
// --max-failed SHARE exits 1 when more than that share of the images failed
// (the outputs are written first: they list the failures); a run with no
// evaluated image exits 1 whatever the flags, in run, report and merge.
func TestFailedShare(t *testing.T) {
	messy := messyDir(t, 2) // 5 images, 2 fail
	args := func(extra ...string) []string {
		return append([]string{"run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", messy, "--quiet"}, extra...)
	}
	code, _, stderr := runCLI(t, args()...)
	assert.Equal(t, 0, code, stderr)
	code, _, stderr = runCLI(t, args("--max-failed", "0.4")...)
	assert.Equal(t, 0, code, stderr, "2 of 5 is not more than 40 %")
	out := filepath.Join(t.TempDir(), "run.json")
	code, stdout, stderr := runCLI(t, args("--max-failed", "0.3", "--out", out)...)
	assert.Equal(t, 1, code)
	assert.Equal(t, "detparity: 2 of 5 images failed (40.0%), more than --max-failed 0.3\n", stderr)
	assert.Contains(t, stdout, "FAILED badclass.jpg")
	assert.FileExists(t, out, "the outputs are written first")

	broken := brokenDir(t, 2)
	out = filepath.Join(t.TempDir(), "run.json")
	code, _, stderr = runCLI(t, "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", broken, "--quiet", "--out", out)
	assert.Equal(t, 1, code)
	assert.Regexp(t, `^detparity: no image could be evaluated: 2 of 2 failed \(first: 00000\.jpg \(decode\): opencv: cannot decode .*00000\.jpg \(truncated JPEG\): .*\)\n$`, stderr)
	var rj runJSON
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rj))
	assert.Equal(t, 0, rj.Evaluated)

	rep := filepath.Join(t.TempDir(), "rep")
	code, _, stderr = runCLI(t, "report", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", broken, "--quiet", "--out", rep)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "detparity: no image could be evaluated: 2 of 2 failed")
	assert.FileExists(t, filepath.Join(rep, "index.html"))

	tmp := t.TempDir()
	for i := 1; i <= 2; i++ {
		code, _, stderr = runCLI(t, "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", broken, "--quiet", "--shard", fmt.Sprintf("%d/2", i), "--out", filepath.Join(tmp, fmt.Sprintf("s%d.json", i)))
		require.Equal(t, 1, code, stderr)
	}
	code, _, stderr = runCLI(t, "merge", parity.ShardPath(filepath.Join(tmp, "s1.json"), 1, 2), parity.ShardPath(filepath.Join(tmp, "s2.json"), 2, 2))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "detparity: no image could be evaluated: 2 of 2 failed")
}

// TestFloatFlagsRefused: every float flag refuses NaN, ±Inf and values out of
// its range before any work, naming the flag (exit 2).
func TestFloatFlagsRefused(t *testing.T) {
	run := []string{"run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", fixtureData}
	rep := []string{"report", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", fixtureData, "--out", t.TempDir()}
	for _, c := range []struct {
		args []string
		want string
	}{
		{append(rep, "--min-f1", "NaN"), "--min-f1 NaN, expected 0 <= F1 <= 1"},
		{append(rep, "--min-f1", "1.5"), "--min-f1 1.5, expected 0 <= F1 <= 1"},
		{append(rep, "--f1-tolerance", "+Inf"), "--f1-tolerance +Inf, expected 0 <= tolerance <= 1"},
		{append(rep, "--f1-tolerance", "-0.01"), "--f1-tolerance -0.01, expected 0 <= tolerance <= 1"},
		{append(rep, "--max-failed", "NaN"), "--max-failed NaN, expected 0 <= share <= 1"},
		{append(run, "--max-failed", "2"), "--max-failed 2, expected 0 <= share <= 1"},
		{append(run, "--max-failed", "-Inf"), "--max-failed -Inf, expected 0 <= share <= 1"},
		{append(run, "--conf", "NaN"), "--conf NaN, expected 0 <= conf < 1"},
		{append(run, "--reference-floor", "NaN"), "--reference-floor NaN, expected 0 <= reference-floor < 1"},
		{append(run, "--iou", "Inf"), "--iou +Inf, expected 0 < iou <= 1"},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		assert.Equal(t, 2, code, "%v: %s", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%v", c.args)
		assert.Empty(t, stdout)
	}
}

// TestNotMeasuredIsNA: statistics without data print n/a, not a number that
// reads as measured: recall and AP without ground truth, precision without a
// detection, distances between empty samples, an agreement with nothing
// compared.
func TestNotMeasuredIsNA(t *testing.T) {
	dir := smallDir(t, 3)
	for i := range 3 {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "labels", fmt.Sprintf("%05d.txt", i)), nil, 0o644))
	}
	ref := filepath.Join(t.TempDir(), "ref.json")
	require.NoError(t, os.WriteFile(ref, []byte("[]\n"), 0o644))
	code, stdout, stderr := runCLI(t, "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", dir, "--pipeline", "sg-coco,stretch", "--quiet",
		"--conf", "0.99", "--reference", ref, "--reference-floor", "0.999")
	require.Equal(t, 0, code, stderr)
	// No ground truth: recall and AP n/a; stretch has no detection above 0.99
	// either: precision and F1 n/a too. sg-coco has one false positive: P 0.
	assert.Regexp(t, `(?m)^sg-coco +3 +0 +0 +0 +1 +0 +0\.000 +n/a +0\.000 +n/a +n/a$`, stdout)
	assert.Regexp(t, `(?m)^stretch +3 +0 +0 +0 +0 +0 +n/a +n/a +n/a +n/a +n/a$`, stdout)
	assert.Contains(t, stdout, "  gt_best    stretch  n/a: an empty sample (n=0, 0)\n")
	assert.Contains(t, stdout, "  sg-coco  n/a: no detection above the floor on either side (0 borderline), nothing compared\n")
	assert.NotContains(t, stdout, "100.00% agree")
	assert.NotContains(t, stdout, "-1.000")

	// The report says n/a too (and no -1).
	repDir := filepath.Join(t.TempDir(), "rep")
	code, _, stderr = runCLI(t, "report", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", dir, "--pipeline", "sg-coco,stretch", "--quiet", "--conf", "0.99", "--out", repDir)
	require.Equal(t, 0, code, stderr)
	md, err := os.ReadFile(filepath.Join(repDir, "report.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "| stretch | 3 | 0 | 0 | 0 | 0 | n/a | n/a | **n/a** | n/a | n/a |")
	assert.Contains(t, string(md), "The pipelines agree: F1 sg-coco 0.000, stretch n/a,")
	assert.NotContains(t, string(md), "-1.000")
}

// TestControlCharactersEscaped: a file name and a class name holding control
// characters (an escape sequence that would clear the terminal, a bell, a
// right-to-left override) are escaped in the terminal, in report.md and in
// index.html; the JSON keeps them (JSON escapes them itself).
func TestControlCharactersEscaped(t *testing.T) {
	dir := smallDir(t, 2)
	bad := "x\x1b[2J\u202egpj.jpg"
	require.NoError(t, os.Rename(filepath.Join(dir, "images", "00001.jpg"), filepath.Join(dir, "images", bad)))
	require.NoError(t, os.Rename(filepath.Join(dir, "labels", "00001.txt"), filepath.Join(dir, "labels", strings.TrimSuffix(bad, ".jpg")+".txt")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "classes.txt"), []byte("per\x07son\n"), 0o644))
	// A third image, cut, so that the name appears in a FAILED line as well.
	b, err := os.ReadFile(filepath.Join(fixtureData, "images", "00002.jpg"))
	require.NoError(t, err)
	cut := "y\x1b]0;owned\x07.jpg"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "images", cut), b[:len(b)/3], 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "labels", strings.TrimSuffix(cut, ".jpg")+".txt"), nil, 0o644))

	code, stdout, stderr := runCLI(t, "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", dir, "--quiet")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, `classes per\x07son`)
	assert.Contains(t, stdout, `FAILED y\x1b]0;owned\x07.jpg (decode): `)
	noControl(t, "run table", stdout)

	rep := filepath.Join(t.TempDir(), "rep")
	code, stdout, stderr = runCLI(t, "report", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", dir, "--quiet", "--out", rep, "--gallery", "3")
	require.Equal(t, 0, code, stderr)
	noControl(t, "report stdout", stdout)
	for _, n := range []string{"report.md", "index.html"} {
		b, err := os.ReadFile(filepath.Join(rep, n))
		require.NoError(t, err)
		noControl(t, n, string(b))
		assert.Contains(t, string(b), `per\x07son`, n)
		assert.Contains(t, string(b), `y\x1b]0;owned\x07.jpg`, n)
	}
	j, err := os.ReadFile(filepath.Join(rep, "report.json"))
	require.NoError(t, err)
	assert.Contains(t, string(j), `"per\u0007son"`, "JSON keeps the name, escaped its own way")

	// An error naming such a file is escaped too.
	code, _, stderr = runCLI(t, "run", "--pipeline", "sg-coco", "--model", filepath.Join(dir, "m\x1b[31m.onnx"), "--data", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `m\x1b[31m.onnx`)
	noControl(t, "stderr", stderr)
}

// noControl fails when s holds a control character other than newline and tab,
// or a Unicode format character.
func noControl(t *testing.T, what, s string) {
	t.Helper()
	for i, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' {
			t.Errorf("%s: control character %U at byte %d: %q", what, r, i, s[max(0, i-20):min(len(s), i+20)])
			return
		}
	}
}

// TestNotRegularInputs: a model (run, inspect, diagnose), a reference or a
// --in image that is a named pipe or a device is refused before reading: no
// hang (inspect used to block in ONNX Runtime on a named pipe).
func TestNotRegularInputs(t *testing.T) {
	tmp := t.TempDir()
	fifo := filepath.Join(tmp, "pipe.onnx")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	zero := filepath.Join(tmp, "zero.onnx")
	require.NoError(t, os.Symlink("/dev/zero", zero))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--pipeline", "sg-coco", "--model", fifo, "--data", fixtureData}, "detparity: parity: model " + fifo + " is a named pipe (FIFO), not a regular file: refused before reading\n"},
		{[]string{"run", "--pipeline", "sg-coco", "--model", zero, "--data", fixtureData}, "detparity: parity: model " + zero + " is a character device, not a regular file: refused before reading\n"},
		{[]string{"run", "--pipeline", "sg-coco", "--model", fixtureModel, "--reference", fifo, "--data", fixtureData}, "detparity: parity: reference " + fifo + " is a named pipe (FIFO), not a regular file: refused before reading\n"},
		{[]string{"inspect", "--model", fifo}, "detparity: detect: inspect model " + fifo + ": not a regular file (a named pipe or a device would block or never end), refused before reading\n"},
		{[]string{"diagnose", "--model", zero, "--data", fixtureData, "--quiet"}, "detparity: parity: model " + zero + " is a character device, not a regular file: refused before reading\n"},
		{[]string{"preprocess", "--in", fifo, "--out", filepath.Join(tmp, "o.png")}, "detparity: opencv: decode: " + fifo + " is a named pipe (FIFO), not a regular file: refused before reading\n"},
		{[]string{"preprocess", "--in", zero, "--pipeline", "sg-coco:decoder=go", "--out", filepath.Join(tmp, "o.png")}, "detparity: dataset: decode: " + zero + " is a character device, not a regular file: refused before reading\n"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		assert.Equal(t, 1, code, "%v", c.args)
		assert.Equal(t, c.want, stderr, "%v", c.args)
	}
}

// TestPredictionNamesCollide: two runs whose names clean to the same
// predictions file are refused before the run (once, only after it).
func TestPredictionNamesCollide(t *testing.T) {
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "m+1.onnx"), filepath.Join(tmp, "m=1.onnx")
	copyFile(t, fixtureModel, a)
	copyFile(t, fixtureModel, b)
	code, stdout, stderr := runCLI(t, "run", "--pipeline", "sg-coco", "--model", a, "--model", b, "--data", fixtureData, "--predictions-out", filepath.Join(tmp, "p.json"))
	assert.Equal(t, 2, code)
	assert.Equal(t, "detparity: usage: --predictions-out: pipelines \"m+1.onnx/sg-coco\" and \"m=1.onnx/sg-coco\" would both write "+filepath.Join(tmp, "p.m_1.onnx_sg-coco.json")+"; rename one\n", stderr)
	assert.Empty(t, stdout)
}

// TestRunJSONFormats: a run JSON without a format (an older detparity) or of
// another format is refused by every reader, naming the file.
func TestRunJSONFormats(t *testing.T) {
	run := filepath.Join(seedRunFiles(t), "run.json")
	b, err := os.ReadFile(run)
	require.NoError(t, err)
	tmp := t.TempDir()
	old, future := filepath.Join(tmp, "old.json"), filepath.Join(tmp, "future.json")
	require.NoError(t, os.WriteFile(old, []byte(strings.Replace(string(b), `"format": 2,`, "", 1)), 0o644))
	require.NoError(t, os.WriteFile(future, []byte(strings.Replace(string(b), `"format": 2,`, `"format": 3,`, 1)), 0o644))
	code, _, stderr := runCLI(t, "diff", old, "--a", "sg-coco", "--b", "stretch")
	assert.Equal(t, 1, code)
	assert.Equal(t, "detparity: parity: "+old+": no format version: written by a detparity older than format 2, which does not record what it compared (the models' and the dataset's hashes); run it again\n", stderr)
	code, _, stderr = runCLI(t, "merge", future)
	assert.Equal(t, 1, code)
	assert.Equal(t, "detparity: parity: "+future+": format 3, this detparity reads format 2; run it again with this version\n", stderr)
}

// TestSmallReportNoFalseDrift is the case: a two-pipeline report on 4
// images read "DRIFT sg-coco F1 1.000 vs sg-coco 1.000": PSI on a handful of
// scores called a major shift, and the headline named one pipeline twice. PSI
// and W1 now need 200 scores per sample and say so; the headline names both.
func TestSmallReportNoFalseDrift(t *testing.T) {
	data := smallDir(t, 4)
	rep := filepath.Join(t.TempDir(), "rep")
	code, stdout, stderr := runCLI(t, "report", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", data, "--pipeline", "sg-coco,sg-coco:decoder=go", "--quiet", "--out", rep, "--fail-on-drift")
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "The pipelines agree: F1 1.000 in each"), stdout)
	md, err := os.ReadFile(filepath.Join(rep, "report.md"))
	require.NoError(t, err)
	assert.Regexp(t, `PSI and W1 not graded: \d+ and \d+ scores, fewer than 200`, string(md))
}

// TestCountsBounded: counts that would exhaust memory or threads are refused,
// naming the flag (a histogram of 10^9 bins, 10^5 ONNX Runtime threads).
func TestCountsBounded(t *testing.T) {
	for _, c := range []struct{ flag, value, want string }{
		{"--bins", "1000000000", "--bins 1000000000, expected 1..100000"},
		{"--threads", "100000", "--threads 100000, expected 1..1024 or -1 (auto)"},
		{"--workers", "5000", "--workers 5000, expected 1..1024"},
		{"--bins", "0", "--bins 0, expected 1..100000"},
	} {
		code, _, stderr := runCLI(t, "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", fixtureData, c.flag, c.value)
		assert.Equal(t, 2, code, c.flag)
		assert.Equal(t, "detparity: usage: parity: "+c.want+"\n", stderr)
	}
}

// TestOutputNotAFile: an output that exists and is not a regular file —
// /dev/null, a link to it, a report file that is a folder — is refused before
// any work: renaming over it would replace the device.
func TestOutputNotAFile(t *testing.T) {
	tmp := t.TempDir()
	null := filepath.Join(tmp, "null.json")
	require.NoError(t, os.Symlink("/dev/null", null))
	rep := filepath.Join(tmp, "rep")
	require.NoError(t, os.MkdirAll(filepath.Join(rep, "index.html"), 0o755))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--out", "/dev/null"}, "detparity: cannot write /dev/null: it is a character device, which writing would replace; expected a regular file path\n"},
		{[]string{"run", "--out", null}, "detparity: cannot write " + null + ": it is a character device, which writing would replace; expected a regular file path\n"},
		{[]string{"report", "--out", rep}, "detparity: cannot write " + filepath.Join(rep, "index.html") + ": it is a folder, expected a file path\n"},
	} {
		code, stdout, stderr := runCLI(t, append(c.args, "--model", fixtureModel, "--data", fixtureData, "--quiet")...)
		assert.Equal(t, 1, code, "%v", c.args)
		assert.Equal(t, c.want, stderr, "%v", c.args)
		assert.Empty(t, stdout)
	}
	st, err := os.Stat("/dev/null")
	require.NoError(t, err)
	assert.NotZero(t, st.Mode()&os.ModeCharDevice, "/dev/null is still a device")
}

// TestRunJSONImpossibleSettings: a run JSON holding settings no run could have
// used (hand-edited: conf 2) is refused by its readers, naming the file.
func TestRunJSONImpossibleSettings(t *testing.T) {
	run := filepath.Join(seedRunFiles(t), "run.json")
	b, err := os.ReadFile(run)
	require.NoError(t, err)
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(string(b), `"conf": 0.8,`, `"conf": 2,`, 1)), 0o644))
	code, _, stderr := runCLI(t, "diff", bad, "--a", "sg-coco", "--b", "stretch")
	assert.Equal(t, 1, code)
	assert.Equal(t, "detparity: parity: "+bad+": settings no run could have used: parity: --conf 2, expected 0 <= conf < 1\n", stderr)
}
