package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/parity"
)

// TestRunJSONIdentity: every run JSON records its format, each model's sha256,
// the dataset's hash and every setting results depend on.
func TestRunJSONIdentity(t *testing.T) {
	data := smallDir(t, 2)
	out := filepath.Join(t.TempDir(), "run.json")
	code, _, stderr := runCLI(t, "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--model", "../../fixtures/model/detector_fp16.onnx", "--data", data,
		"--conf", "0.6", "--floor", "0.02", "--bins", "10", "--strict-labels", "--out", out)
	require.Equal(t, 0, code, stderr)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	for _, want := range []string{
		`"format": 2,`,
		`"model_sha256": ["c79fa34d098dc983ad75d5bfcc3aba25fa1672919f5d42dd0c4f2db07b4159de","`,
		`"data_sha256": "`,
		`"conf": 0.6,`, `"match_iou": 0.5,`, `"nms_iou": 0.7,`, `"score_floor": 0.02,`, `"bins": 10,`, `"layout": "auto",`, `"strict_labels": true,`,
	} {
		assert.Contains(t, string(b), want)
	}
}

// TestDiffKnowsWhatItCompares: two runs of different models, or of different
// datasets, are refused (exit 1, both named) unless --allow-different, which
// prints the difference; paths do not matter, content does. Settings the runs
// did not share are printed with each side's value.
func TestDiffKnowsWhatItCompares(t *testing.T) {
	data := smallDir(t, 4)
	tmp := t.TempDir()
	moved := filepath.Join(tmp, "moved")
	require.NoError(t, os.CopyFS(moved, os.DirFS(data)))
	modelCopy := filepath.Join(tmp, "copy.onnx")
	copyFile(t, fixtureModel, modelCopy)
	fp16 := "../../fixtures/model/detector_fp16.onnx"
	run := func(name string, args ...string) string {
		t.Helper()
		out := filepath.Join(tmp, name)
		code, _, stderr := runCLI(t, append([]string{"run", "--pipeline", "sg-coco", "--data", data, "--quiet", "--out", out}, args...)...)
		require.Equal(t, 0, code, stderr)
		return out
	}
	base := run("base.json", "--model", fixtureModel)
	same := filepath.Join(tmp, "same.json")
	code, _, stderr := runCLI(t, "run", "--pipeline", "sg-coco", "--model", modelCopy, "--data", moved, "--quiet", "--out", same)
	require.Equal(t, 0, code, stderr)
	half := run("fp16.json", "--model", fp16)
	conf := run("conf.json", "--model", fixtureModel, "--conf", "0.8", "--nms-iou", "0.6")
	floor := run("floor.json", "--model", fixtureModel, "--conf", "0.9", "--floor", "0.6")

	// Another path, the same bytes: compared, nothing differs.
	code, stdout, stderr := runCLI(t, "diff", base, same)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stdout, "DIFFERS")

	code, _, stderr = runCLI(t, "diff", base, half)
	assert.Equal(t, 1, code)
	assert.Equal(t, "detparity: parity: "+base+":sg-coco ran model "+fixtureModel+" (sha256 c79fa34d098d), "+half+":sg-coco model "+fp16+
		" (sha256 "+sha12(t, fp16)+"): the runs are of different models or data; compare them anyway with --allow-different (Thresholds.AllowDifferent)\n", stderr)
	code, stdout, stderr = runCLI(t, "diff", base, half, "--allow-different")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "DIFFERS "+base+":sg-coco ran model "+fixtureModel+" (sha256 c79fa34d098d), "+half+":sg-coco model "+fp16)
	assert.Contains(t, stdout, "(compared anyway: --allow-different)\n")

	// The same --data path, another content (a label changed).
	require.NoError(t, os.WriteFile(filepath.Join(data, "labels", "00000.txt"), []byte("0 0.5 0.5 0.2 0.2\n"), 0o644))
	changed := run("changed.json", "--model", fixtureModel)
	code, _, stderr = runCLI(t, "diff", base, changed)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "detparity: parity: "+base+":sg-coco evaluated dataset "+data+" (sha256 ")
	assert.Contains(t, stderr, "), "+changed+":sg-coco dataset "+data+" (sha256 ")

	code, stdout, stderr = runCLI(t, "diff", base, conf)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "DIFFERS conf: A used 0.5, B used 0.8; F1 and the bootstrap are at A's conf for both sides, the precision, recall and TP/FP/FN rows each at its own\n")
	assert.Contains(t, stdout, "DIFFERS NMS IoU: A used 0.7, B used 0.6; the sides kept different boxes after NMS\n")
	// B's floor above A's conf: F1 at A's conf cannot be computed for B.
	code, _, stderr = runCLI(t, "diff", base, floor)
	assert.Equal(t, 1, code)
	assert.Equal(t, "detparity: parity: "+floor+":sg-coco kept detections scoring above 0.6 only (its --floor), more than the conf of "+base+":sg-coco (0.5) at which both sides are compared: rerun it with --floor <= 0.5 or compare at a higher --conf\n", stderr)
	for _, c := range [][]string{{"--max-psi", "NaN"}, {"--max-f1-drop", "-0.1"}, {"--max-w1", "+Inf"}} {
		code, _, stderr = runCLI(t, append([]string{"diff", base, same}, c...)...)
		assert.Equal(t, 2, code, c)
		assert.Contains(t, stderr, "detparity: usage: parity: "+c[0]+" ", c)
		assert.Contains(t, stderr, ", expected a finite number >= 0 (0: not checked)\n", c)
	}
}

// TestMergeKnowsWhatItMerges: shards of one dataset at two paths merge (the
// bytes of one run); shards whose dataset content differs under the same --data
// path, or whose reference changed, are refused.
func TestMergeKnowsWhatItMerges(t *testing.T) {
	data := smallDir(t, 4)
	tmp := t.TempDir()
	moved := filepath.Join(tmp, "moved")
	require.NoError(t, os.CopyFS(moved, os.DirFS(data)))
	shard := func(name, dir, s string, extra ...string) string {
		t.Helper()
		out := filepath.Join(tmp, name)
		code, _, stderr := runCLI(t, append([]string{"run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", dir, "--quiet", "--shard", s, "--out", out}, extra...)...)
		require.Equal(t, 0, code, stderr)
		i, n, err := parity.ParseShard(s)
		require.NoError(t, err)
		return parity.ShardPath(out, i, n) // a shard writes NAME-shard-0000i-of-0000n.json
	}
	a, b := shard("a.json", data, "1/2"), shard("b.json", moved, "2/2")
	code, stdout, stderr := runCLI(t, "merge", a, b)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "4 images, 4 evaluated, 0 failed")

	require.NoError(t, os.WriteFile(filepath.Join(data, "labels", "00001.txt"), []byte("0 0.5 0.5 0.2 0.2\n"), 0o644))
	b2 := shard("b2.json", data, "2/2")
	code, _, stderr = runCLI(t, "merge", a, b2)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "detparity: parity: merge: shard 1/2 and shard 2/2: shard 1/2 evaluated dataset "+data+" (sha256 ")
	assert.Contains(t, stderr, "the runs are of different models or data\n")

	ref := filepath.Join(tmp, "ref.json")
	writeReference(t, ref, 4)
	ra, rb := shard("ra.json", moved, "1/2", "--reference", ref), shard("rb.json", moved, "2/2", "--reference", ref)
	code, _, stderr = runCLI(t, "merge", ra, rb)
	require.Equal(t, 0, code, stderr)
	require.NoError(t, os.WriteFile(ref, []byte("[]\n"), 0o644))
	code, _, stderr = runCLI(t, "merge", ra, rb)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "detparity: parity: merge: the reference "+ref+" changed since the shards ran (sha256 ")
}

func sha12(t *testing.T, path string) string {
	t.Helper()
	h, err := fileHash(path)
	require.NoError(t, err)
	return h[:12]
}

// writeReference writes the fixture reference's predictions of images 1..n.
func writeReference(t *testing.T, path string, n int) {
	t.Helper()
	b, err := os.ReadFile(fixtureReference)
	require.NoError(t, err)
	var all []map[string]any
	require.NoError(t, json.Unmarshal(b, &all))
	var keep []map[string]any
	for _, d := range all {
		if d["image_id"].(float64) <= float64(n) {
			keep = append(keep, d)
		}
	}
	out, err := json.Marshal(keep)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, out, 0o644))
}
