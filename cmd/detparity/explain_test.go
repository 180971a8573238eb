package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const explainDir = "../../fixtures/explain"

// TestExplainCommand runs `detparity explain` on committed catalogue tensors
// (scripts/make_explain_catalogue.py): text, JSON, the heat map, the model's
// input size from --model, and --require-identical.
func TestExplainCommand(t *testing.T) {
	img, bad := filepath.Join(explainDir, "b.jpg"), filepath.Join(explainDir, "stretch_bgr_b.npy")
	code, out, stderr := runCLI(t, "explain", "--image", img, "--tensor", bad, "--size", "64x64", "--against", "sg-coco")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, bad+" (float32 (1, 3, 64, 64)) made from "+img+", compared with sg-coco:size=64,inner=60:\n")
	assert.Contains(t, out, "  - stretched to 64x64 without keeping the aspect ratio")
	assert.Contains(t, out, "  - channels in BGR order instead of RGB")
	assert.Contains(t, out, "best matching spec: sg-coco:mode=stretch,size=64,inner=60,order=bgr\n")

	heat := filepath.Join(t.TempDir(), "heat.png")
	code, out, stderr = runCLI(t, "explain", "--image", img, "--tensor", bad, "--size", "64", "--against", "sg-coco",
		"--format", "json", "--heatmap", heat)
	require.Equal(t, 0, code, stderr)
	var m struct {
		Identical bool
		Best      string
		Findings  []struct{ Key string }
		Words     []string
	}
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	assert.False(t, m.Identical)
	assert.Equal(t, "sg-coco:mode=stretch,size=64,inner=60,order=bgr", m.Best)
	require.Len(t, m.Findings, 2)
	assert.Equal(t, "mode", m.Findings[0].Key)
	assert.Equal(t, "order", m.Findings[1].Key)
	f, err := os.Open(heat)
	require.NoError(t, err)
	hm, err := png.Decode(f)
	f.Close()
	require.NoError(t, err)
	assert.Equal(t, 64, hm.Bounds().Dx())

	code, _, stderr = runCLI(t, "explain", "--image", img, "--tensor", bad, "--size", "64x64", "--against", "sg-coco", "--require-identical")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "the tensor is not identical to the spec (--require-identical)")
	exact := filepath.Join(explainDir, "exact_a.npy")
	code, out, stderr = runCLI(t, "explain", "--image", filepath.Join(explainDir, "a.jpg"), "--tensor", exact, "--size", "64x64",
		"--against", "sg-coco", "--require-identical")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "  - identical to sg-coco:size=64,inner=60 (max |Δ| 0, tolerance 1e-05 per value, for float32 rounding)\n")

	// --model: the fixture detector takes 640x640, the tensor is 64x64.
	code, out, stderr = runCLI(t, "explain", "--image", filepath.Join(explainDir, "a.jpg"), "--tensor", exact, "--model", fixtureModel, "--against", "sg-coco")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "  - the tensor is 64x64 but the model input is 640x640")
}

func TestExplainCommandErrors(t *testing.T) {
	img, tensor := filepath.Join(explainDir, "a.jpg"), filepath.Join(explainDir, "exact_a.npy")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--tensor", tensor, "--size", "64"}, 2, "explain needs --image, --tensor and one of --model or --size"},
		{[]string{"--image", img, "--tensor", tensor}, 2, "explain needs --image, --tensor and one of --model or --size"},
		{[]string{"--image", img, "--tensor", tensor, "--size", "64", "--model", fixtureModel}, 2, "one of --model or --size"},
		{[]string{"--image", img, "--tensor", tensor, "--size", "64x0"}, 2, `--size: "64x0", expected WxH or N with positive sizes`},
		{[]string{"--image", img, "--tensor", tensor, "--size", "64", "--format", "xml"}, 2, `--format "xml", expected text or json`},
		{[]string{"--image", img, "--tensor", tensor, "--size", "64", "--against", "squash"}, 2, `unknown preset "squash"`},
		{[]string{"--image", img, "--tensor", tensor, "--size", "64", "--tolerance", "-1"}, 2, "--tolerance -1, expected a finite value >= 0"},
		{[]string{"--image", img, "--tensor", tensor, "--size", "64", "--tolerance", "NaN"}, 2, "--tolerance NaN, expected a finite value >= 0"},
		{[]string{"--image", img, "--tensor", tensor, "--size", "64", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"--image", img, "--tensor", filepath.Join(explainDir, "missing.npy"), "--size", "64"}, 1, "missing.npy: no such file or directory"},
		{[]string{"--image", img, "--tensor", filepath.Join(explainDir, "manifest.json"), "--size", "64"}, 1, "expected the .npy magic"},
		{[]string{"--image", img, "--tensor", tensor, "--size", "64", "--heatmap", filepath.Join(t.TempDir(), "no", "h.png")}, 1, "cannot write"},
		{[]string{"--image", img, "--tensor", tensor, "--model", filepath.Join(explainDir, "a.jpg")}, 1, "ONNX Runtime cannot read it as an ONNX model"},
	} {
		code, _, stderr := runCLI(t, append([]string{"explain"}, c.args...)...)
		assert.Equal(t, c.code, code, "%v: %s", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%v", c.args)
	}
	code, _, stderr := runCLI(t, "explain", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "Usage: detparity explain --image IMG --tensor T.npy (--model M.onnx | --size WxH)")
}
