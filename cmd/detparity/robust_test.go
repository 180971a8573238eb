package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// messyDir is a small dataset with every per-image problem the run level must
// answer: a truncated JPEG (decode), a label line with an unknown class (labels), a
// label file without an image, and an image without a label file (a background image,
// evaluated, as Ultralytics counts it; a failure only with strict labels).
func messyDir(t *testing.T, good int) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "labels"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "classes.txt"), []byte("person\n"), 0o644))
	for i := range good {
		n := fmt.Sprintf("%05d", i)
		copyFile(t, filepath.Join(fixtureData, "images", n+".jpg"), filepath.Join(dir, "images", n+".jpg"))
		copyFile(t, filepath.Join(fixtureData, "labels", n+".txt"), filepath.Join(dir, "labels", n+".txt"))
	}
	full, err := os.ReadFile(filepath.Join(fixtureData, "images", "00100.jpg"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "images", "broken.jpg"), full[:len(full)/3], 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "labels", "broken.txt"), nil, 0o644))
	copyFile(t, filepath.Join(fixtureData, "images", "00101.jpg"), filepath.Join(dir, "images", "nolabel.jpg"))
	copyFile(t, filepath.Join(fixtureData, "images", "00102.jpg"), filepath.Join(dir, "images", "badclass.jpg"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "labels", "badclass.txt"), []byte("3 0.5 0.5 0.1 0.2\n"), 0o644))
	copyFile(t, filepath.Join(fixtureData, "labels", "00103.txt"), filepath.Join(dir, "labels", "lost.txt"))
	return dir
}

type runJSON struct {
	Images    int      `json:"images"`
	Evaluated int      `json:"evaluated"`
	Orphans   []string `json:"orphan_labels"`
	Failed    []struct {
		Image, Stage, Error string
		ID                  int64
	} `json:"failed"`
	Pipelines []struct {
		Name           string
		Images, Failed int
	} `json:"pipelines"`
}

// TestRunPerImageFailures: every failed image is counted in the table (data line
// and each pipeline's failed column) and listed in the run JSON and report.json
// with its stage and an error naming the file; orphan label files are reported;
// --fail-on-error turns any failure into exit status 1.
func TestRunPerImageFailures(t *testing.T) {
	dir := messyDir(t, 2)
	out := filepath.Join(t.TempDir(), "run.json")
	code, stdout, stderr := runCLI(t, "run", "--model", fixtureModel, "--data", dir, "--pipeline", "sg-coco,stretch", "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "5 images, 3 evaluated, 2 failed")
	assert.Regexp(t, `(?m)^sg-coco +3 +2 `, stdout, "failed column of each pipeline")
	assert.Regexp(t, `(?m)^stretch +3 +2 `, stdout)
	img := func(n string) string { return filepath.Join(dir, "images", n) }
	assert.Contains(t, stdout, "FAILED badclass.jpg (labels): dataset: "+filepath.Join(dir, "labels", "badclass.txt")+":1: class 3 out of range [0,1) (1 class names)")
	assert.Contains(t, stdout, "FAILED broken.jpg (decode): ")
	assert.Contains(t, stdout, img("broken.jpg"))
	assert.NotContains(t, stdout, "FAILED nolabel.jpg", "no label file: a background image")
	assert.Contains(t, stdout, "WARNING 1 label file has no image; not evaluated: labels/lost.txt\n")

	var got runJSON
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, 5, got.Images)
	assert.Equal(t, 3, got.Evaluated)
	assert.Equal(t, []string{"lost.txt"}, got.Orphans)
	require.Len(t, got.Failed, 2)
	// Sorted names: 00000 00001 badclass broken nolabel → ids 3, 4.
	for k, want := range []struct {
		image, stage string
		id           int64
	}{{"badclass.jpg", "labels", 3}, {"broken.jpg", "decode", 4}} {
		assert.Equal(t, want.image, got.Failed[k].Image)
		assert.Equal(t, want.stage, got.Failed[k].Stage)
		assert.Equal(t, want.id, got.Failed[k].ID)
		assert.Contains(t, got.Failed[k].Error, want.image[:len(want.image)-4], "the error names the file")
	}
	for _, p := range got.Pipelines {
		assert.Equal(t, 3, p.Images, p.Name)
		assert.Equal(t, 2, p.Failed, p.Name)
	}

	code, _, stderr = runCLI(t, "run", "--model", fixtureModel, "--data", dir, "--pipeline", "sg-coco", "--fail-on-error")
	assert.Equal(t, 1, code)
	assert.Equal(t, "detparity: 2 of 5 images failed (--fail-on-error)\n", stderr)

	// The report lists them too (report.json is the run JSON).
	rep := filepath.Join(t.TempDir(), "rep")
	code, _, stderr = runCLI(t, "report", "--model", fixtureModel, "--data", dir, "--pipeline", "sg-coco", "--out", rep, "--gallery", "0")
	require.Equal(t, 0, code, stderr)
	b, err = os.ReadFile(filepath.Join(rep, "report.json"))
	require.NoError(t, err)
	var rj runJSON
	require.NoError(t, json.Unmarshal(b, &rj))
	assert.Len(t, rj.Failed, 2)
	assert.Equal(t, []string{"lost.txt"}, rj.Orphans)
}

// TestOutputNotWritable: an output that cannot be written is reported before any
// work, naming the path, and a previous file is left as it was.
func TestOutputNotWritable(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "plain")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	missing := filepath.Join(tmp, "no", "such")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--out", filepath.Join(file, "run.json")}, "detparity: cannot write " + filepath.Join(file, "run.json") + ": " + file + " is a file, expected a folder\n"},
		{[]string{"run", "--out", filepath.Join(missing, "run.json")}, "detparity: cannot write " + filepath.Join(missing, "run.json") + ": stat " + missing + ": no such file or directory\n"},
		{[]string{"run", "--out", tmp}, "detparity: cannot write " + tmp + ": it is a folder, expected a file path\n"},
		{[]string{"run", "--predictions-out", filepath.Join(file, "p.json")}, "detparity: cannot write " + filepath.Join(file, "p.sg-coco.json") + ": " + file + " is a file, expected a folder\n"},
		{[]string{"report", "--out", filepath.Join(file, "rep")}, "detparity: cannot write " + filepath.Join(file, "rep") + ": mkdir " + file + ": not a directory\n"},
		{[]string{"merge", "a.json", "--out", filepath.Join(file, "m.json")}, "detparity: cannot write " + filepath.Join(file, "m.json") + ": " + file + " is a file, expected a folder\n"},
	} {
		args := c.args
		if args[0] != "merge" {
			args = append(args, "--model", fixtureModel, "--data", fixtureData, "--pipeline", "sg-coco")
		}
		code, stdout, stderr := runCLI(t, args...)
		assert.Equal(t, 1, code, "%v", c.args)
		assert.Equal(t, c.want, stderr, "%v", c.args)
		assert.Empty(t, stdout, "nothing was run: %v", c.args)
	}
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "x", string(b))
}

// TestRunInterrupted: a cancelled run (Ctrl-C cancels the context) says how far
// it got, exits 130 and writes nothing: the previous --out file stays intact.
// TestSignals sends real signals to a real process at every stage.
func TestRunInterrupted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.json")
	require.NoError(t, os.WriteFile(out, []byte("previous\n"), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var o, e bytes.Buffer
	code := realMain(ctx, []string{"run", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "sg-coco", "--out", out}, &o, &e)
	assert.Equal(t, 130, code)
	// dataset.Open honours the cancelled context: the run stops while the dataset is scanned.
	assert.Equal(t, "detparity: dataset: scan "+filepath.Join(fixtureData, "images")+": stopped after 0 entries: context canceled; nothing written (previous outputs left as they were)\n", e.String())
	assert.Empty(t, o.String())
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "previous\n", string(b))
	left, err := filepath.Glob(filepath.Join(filepath.Dir(out), ".*"))
	require.NoError(t, err)
	assert.Empty(t, left, "no temporary file left behind")
}

// TestShardMergeCLI: run --shard 1/2 and 2/2 then merge gives the same bytes as
// one run (with the failures and the orphan of a messy dataset), and one run with
// 2 workers gives the same bytes as with 1.
func TestShardMergeCLI(t *testing.T) {
	dir := messyDir(t, 17) // 20 images
	tmp := t.TempDir()
	path := func(n string) string { return filepath.Join(tmp, n) }
	common := []string{"--model", fixtureModel, "--data", dir, "--pipeline", "sg-coco", "--conf", "0.8"}
	run := func(extra ...string) string {
		t.Helper()
		code, _, stderr := runCLI(t, append(append([]string{"run"}, common...), extra...)...)
		require.Equal(t, 0, code, stderr)
		return stderr
	}
	timing := run("--out", path("whole.json"), "--timing")
	assert.Regexp(t, `^timing: 20 images, 1 worker\(s\) \+ 2 loader\(s\), [0-9.]+s: workers: ORT run [0-9.]+%, waiting [0-9.]+%; post-processing: post [0-9.]+%, collect [0-9.]+%; loaders: load [0-9.]+%, preprocess [0-9.]+%; outside ONNX Runtime run [0-9.]+%; finish [0-9.]+s\n$`, timing)
	run("--out", path("whole2.json"), "--workers", "2")
	run("--out", path("s.json"), "--shard", "1/2")
	run("--out", path("s.json"), "--shard", "2/2", "--workers", "2")
	a, b := path("s-shard-00001-of-00002.json"), path("s-shard-00002-of-00002.json")
	code, stdout, stderr := runCLI(t, "merge", b, a, "--out", path("merged.json"))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "20 images, 18 evaluated, 2 failed")
	whole, err := os.ReadFile(path("whole.json"))
	require.NoError(t, err)
	for _, n := range []string{"whole2.json", "merged.json"} {
		b, err := os.ReadFile(path(n))
		require.NoError(t, err)
		assert.Equal(t, string(whole), string(b), n)
	}
	ab, err := os.ReadFile(a)
	require.NoError(t, err)
	assert.Contains(t, string(ab), `"shard": "1/2"`)

	code, _, stderr = runCLI(t, "merge", a)
	assert.Equal(t, 1, code)
	assert.Equal(t, "detparity: parity: merge: 1 results for 2 shards, expected all of 1/2..2/2\n", stderr)
	code, _, stderr = runCLI(t, "run", "--model", fixtureModel, "--data", dir, "--shard", "3/2")
	assert.Equal(t, 2, code)
	assert.Equal(t, "detparity: usage: --shard: parity: shard \"3/2\", expected i/n with 1 <= i <= n (e.g. 1/4)\n", stderr)
	code, _, stderr = runCLI(t, "merge")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "merge needs the shard results")
}
