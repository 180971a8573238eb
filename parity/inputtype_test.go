package parity

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// twoClassData copies a few fixture scenes into a dataset whose label set names two
// classes, to fit detect's random-weight two-class test models.
func twoClassData(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "labels"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "classes.txt"), []byte("person\nother\n"), 0o644))
	entries, err := os.ReadDir(filepath.Join(fixtureData, "images"))
	require.NoError(t, err)
	for _, e := range entries[:n] {
		stem := e.Name()[:len(e.Name())-len(filepath.Ext(e.Name()))]
		for _, f := range []string{"images/" + e.Name(), "labels/" + stem + ".txt"} {
			b, err := os.ReadFile(filepath.Join(fixtureData, f))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
		}
	}
	return dir
}

// TestUint8InputModel: a model exported with its preprocessing inside (uint8
// NCHW input) runs when the pipeline says dtype=uint8, and the pipelines that
// would feed it wrongly are refused with the fix in the message.
func TestUint8InputModel(t *testing.T) {
	data := twoClassData(t, 3)
	const model = "../detect/testdata/layouts/yolonas_u8.onnx"
	res, err := Run(context.Background(), testConfig(model, data, "sg-coco:dtype=uint8"))
	require.NoError(t, err)
	require.Empty(t, res.Failed)
	assert.Equal(t, 3, res.Evaluated)
	p := res.Pipelines[0]
	assert.Equal(t, "320x320", p.Size, "the preset follows the model's 320x320 input")
	assert.Contains(t, p.Spec, "dtype=uint8")

	_, err = Run(context.Background(), testConfig(model, data, "sg-coco"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the model takes uint8 input (its graph does the cast and scaling): add dtype=uint8 to the pipeline")
	assert.Contains(t, err.Error(), `"sg-coco:`)

	_, err = Run(context.Background(), testConfig(fixtureModel, fixtureData, "sg-coco:dtype=uint8"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the pipeline makes uint8 tensors but the model takes float32 input")
}

// TestClassCountMismatch: a model scoring two classes against a one-class label
// set is refused before any image runs, naming both sides.
func TestClassCountMismatch(t *testing.T) {
	_, err := Run(context.Background(), testConfig("../detect/testdata/layouts/yolonas_u8.onnx", fixtureData, "sg-coco:dtype=uint8"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scores 2 classes but the label set has 1")
	assert.Contains(t, err.Error(), fixtureData)
}
