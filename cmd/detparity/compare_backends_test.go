package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/parity"
)

// smallDataset copies the first n images of fixtures/eval into a temporary dataset with the given class names.
func smallDataset(t *testing.T, n int, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images"), 0o755))
	ents, err := os.ReadDir(filepath.Join("../../fixtures/eval", "images"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(ents), n)
	for _, e := range ents[:n] {
		b, err := os.ReadFile(filepath.Join("../../fixtures/eval", "images", e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "images", e.Name()), b, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "classes.txt"), []byte(strings.Join(names, "\n")+"\n"), 0o644))
	return dir
}

func compareJSON(t *testing.T, args ...string) parity.BackendComparison {
	t.Helper()
	code, stdout, stderr := cli(t, append([]string{"compare-backends", "--format", "json"}, args...)...)
	require.Equal(t, 0, code, stderr)
	var r parity.BackendComparison
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	return r
}

// TestCompareBackendsTiny: ONNX Runtime and OpenCV DNN on the same sg-coco tensors of three fixture images agree to
// float32 kernel noise (bounds as in detect/cvdnn's TestSameOutputsAsORT: 1e-3 px on boxes, 1e-5 on scores) and
// give the same detections; the histogram accounts for every value.
func TestCompareBackendsTiny(t *testing.T) {
	data := smallDataset(t, 3, "a", "b")
	r := compareJSON(t, "--model", filepath.Join(layoutsDir, "tiny_yolonas.onnx"), "--data", data, "--conf", "0.3")
	assert.Equal(t, 3, r.Images)
	assert.Empty(t, r.Failed)
	assert.Equal(t, "yolo-nas", r.Layout)
	require.Len(t, r.Outputs, 2)
	for _, o := range r.Outputs {
		assert.Equal(t, 3*o.Shape[1]*o.Shape[2], int64(o.Values), o.Name)
		sum := 0
		for _, b := range o.Histogram {
			sum += b.Count
		}
		assert.Equal(t, o.Values, sum, "%s: every value is in one bin", o.Name)
		assert.Positive(t, o.MaxAbs, "%s: two runtimes never agree bit for bit on every value", o.Name)
		assert.LessOrEqual(t, o.MeanAbs, o.MaxAbs)
	}
	assert.Less(t, r.Outputs[0].MaxAbs, 1e-3, "boxes")
	assert.Less(t, r.Outputs[1].MaxAbs, 1e-5, "scores")
	d := r.Detections
	assert.Positive(t, d.Reference)
	assert.Equal(t, d.Reference, d.Other)
	assert.Equal(t, d.Reference, d.Matched)
	assert.Equal(t, 3, d.IdenticalImages)
	assert.Less(t, d.MaxBoxDiff, 1e-3)

	// Table form: header, Polygraphy-style histogram, detection summary.
	code, stdout, _ := cli(t, "compare-backends", "--model", filepath.Join(layoutsDir, "tiny_yolonas.onnx"), "--data",
		data, "--conf", "0.3", "--limit", "1")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "1 images, pipeline sg-coco")
	assert.Contains(t, stdout, "---- Histogram of |ORT - OpenCV|, boxes ----")
	assert.Contains(t, stdout, "images with identical detections (same order, boxes within 0.001 px, scores within 1e-05): 1 / 1")
}

// TestCompareBackendsBatch: the one-class dynamic-batch model on fixtures/eval (names: person) runs in ORT batches
// of two (2 + 1 images) and gives the same numbers as one image per run; a broken image is reported, not dropped.
func TestCompareBackendsBatch(t *testing.T) {
	data := smallDataset(t, 3, "person")
	require.NoError(t, os.WriteFile(filepath.Join(data, "images", "zz_broken.jpg"), []byte("not a jpeg"), 0o644))
	model := filepath.Join(layoutsDir, "layouts", "yolonas_dyn640.onnx")
	one := compareJSON(t, "--model", model, "--data", data, "--conf", "0.3")
	two := compareJSON(t, "--model", model, "--data", data, "--conf", "0.3", "--batch", "2")
	assert.Equal(t, 1, one.Batch)
	assert.Equal(t, 2, two.Batch)
	assert.Equal(t, 3, two.Images)
	require.Len(t, two.Failed, 1)
	assert.Equal(t, "zz_broken.jpg", two.Failed[0].Image)
	assert.Equal(t, one.Detections.Reference, two.Detections.Reference)
	assert.Equal(t, one.Detections.Matched, two.Detections.Matched)
	assert.Equal(t, 3, two.Detections.IdenticalImages)
	for i := range one.Outputs {
		assert.Equal(t, one.Outputs[i].Values, two.Outputs[i].Values)
		// ORT's batched kernels may sum in another order than its batch-1 ones; within the same float32 noise.
		assert.InDelta(t, one.Outputs[i].MaxAbs, two.Outputs[i].MaxAbs, 1e-3)
	}
}

// TestCompareBackendsErrors: usage errors exit 2; a class count that does not match the dataset's names and a
// model whose input does not match the pipeline's size exit 1 with the reason.
func TestCompareBackendsErrors(t *testing.T) {
	code, _, stderr := cli(t, "compare-backends", "--model", "m.onnx")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "compare-backends needs --model and --data")
	code, _, stderr = cli(t, "compare-backends", "--model", "m.onnx", "--data", "d", "--batch", "0")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--batch 0, expected >= 1")

	code, _, stderr = cli(t, "compare-backends", "--model", filepath.Join(layoutsDir, "tiny_yolonas.onnx"), "--data",
		"../../fixtures/eval")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "scores 2 classes but the label set has 1")

	data := smallDataset(t, 1, "a", "b")
	code, _, stderr = cli(t, "compare-backends", "--model", filepath.Join(layoutsDir, "layouts", "yolox.onnx"), "--data", data)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `pipeline sg-coco for`)
}
