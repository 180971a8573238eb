package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const layoutsDir = "../../detect/testdata"

// cli runs the command line in-process and returns the exit status and both streams.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	code := realMain(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

// committedLayouts reads the expected layout of every committed model from detect/testdata/layouts.json.
func committedLayouts(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(layoutsDir, "layouts.json"))
	require.NoError(t, err)
	var f struct {
		Models []struct {
			Name, File, Layout string
		} `json:"models"`
	}
	require.NoError(t, json.Unmarshal(data, &f))
	out := map[string]string{"tiny_yolonas.onnx": "yolo-nas"}
	for _, m := range f.Models {
		out[m.File] = m.Layout
		if m.Name == "ambiguous" {
			out[m.File] = "ambiguous"
		}
	}
	require.Len(t, out, 10)
	return out
}

// TestInspectEveryCommittedModel: inspect names the layout each committed model was built in (JSON and table);
// the ambiguous model exits 1 listing both candidates, and with --layout it is accepted.
func TestInspectEveryCommittedModel(t *testing.T) {
	for file, want := range committedLayouts(t) {
		path := filepath.Join(layoutsDir, filepath.FromSlash(file))
		code, stdout, stderr := cli(t, "inspect", "--model", path, "--format", "json")
		var rep inspectReport
		require.NoError(t, json.Unmarshal([]byte(stdout), &rep), "%s: %s", file, stderr)
		assert.Equal(t, want, rep.Layout, file)
		assert.NotEmpty(t, rep.Outputs, file)
		if want == "ambiguous" {
			assert.Equal(t, 1, code, file)
			assert.Equal(t, []string{"yolov5", "yolox"}, rep.Candidates)
			assert.Contains(t, stderr, "candidate layouts: yolov5, yolox")
			code, stdout, _ = cli(t, "inspect", "--model", path, "--layout", "yolov5")
			assert.Equal(t, 0, code)
			assert.Contains(t, stdout, "yolov5 (requested)")
			continue
		}
		assert.Equal(t, 0, code, "%s: %s", file, stderr)
		code, stdout, _ = cli(t, "inspect", "--model", path)
		assert.Equal(t, 0, code)
		assert.Contains(t, stdout, "layout     "+want+" (detected)", file)
	}
}

// TestInspectReportsInput: the expected input (type, size, batch, dynamic axes) is reported, and the JSON is
// byte-identical between runs.
func TestInspectReportsInput(t *testing.T) {
	code, stdout, _ := cli(t, "inspect", "--model", filepath.Join(layoutsDir, "layouts", "yolonas_u8.onnx"))
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "expects    uint8 NCHW 3x320x320, batch 1; dynamic axes: none; values 0..255")

	dyn := filepath.Join(layoutsDir, "layouts", "yolov8_dyn.onnx")
	code, a, _ := cli(t, "inspect", "--model", dyn, "--format", "json")
	require.Equal(t, 0, code)
	var rep inspectReport
	require.NoError(t, json.Unmarshal([]byte(a), &rep))
	assert.Equal(t, []string{"batch"}, rep.DynamicAxes)
	assert.Equal(t, 0, rep.Batch)
	assert.Equal(t, 3, rep.NumClasses)
	assert.Equal(t, 2100, rep.Anchors)
	assert.Equal(t, []int64{-1, 7, 2100}, rep.Outputs[0].Shape, "unknown output dims filled by a probe run")
	_, b, _ := cli(t, "inspect", "--model", dyn, "--format", "json")
	assert.Equal(t, a, b)
}

// TestInspectErrors: usage errors exit 2, unreadable models exit 1 naming the file, and a requested layout the
// outputs do not fit is refused with the reason.
func TestInspectErrors(t *testing.T) {
	code, _, stderr := cli(t, "inspect")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "inspect needs --model")
	code, _, stderr = cli(t, "inspect", "--model", "x.onnx", "--layout", "yolov9")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown layout "yolov9"`)
	missing := filepath.Join(t.TempDir(), "nope.onnx")
	code, _, stderr = cli(t, "inspect", "--model", missing)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, missing)
	code, _, stderr = cli(t, "inspect", "--model", filepath.Join(layoutsDir, "layouts", "ambiguous.onnx"), "--layout", "yolox")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "a YOLOX grid on a 320x320 input has 2100 cells")
}
