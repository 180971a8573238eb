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

	"github.com/detparity/detparity/detect"
)

const layoutsDir = "../../detect/testdata"

// cli runs the command line in-process and returns the exit status and both streams.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	code := realMain(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

// committedLayouts reads the expected layout of every committed model from detect/testdata/layouts.json and
// families.json ("ambiguous" for the models inspect must refuse).
func committedLayouts(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"tiny_yolonas.onnx": "yolo-nas"}
	for _, f := range []string{"layouts.json", "families.json"} {
		data, err := os.ReadFile(filepath.Join(layoutsDir, f))
		require.NoError(t, err)
		var list struct {
			Models []struct {
				Name, File, Layout string
			} `json:"models"`
		}
		require.NoError(t, json.Unmarshal(data, &list))
		for _, m := range list.Models {
			out[m.File] = m.Layout
			switch m.Name {
			case "ambiguous":
				out[m.File] = "none"
			case "nanodet", "nanodet_plus":
				out[m.File] = "ambiguous"
			}
		}
	}
	require.Len(t, out, 29)
	return out
}

// TestInspectEveryCommittedModel: inspect names the layout each committed model was built in (JSON and table);
// the NanoDet heads exit 1 listing both candidates and are accepted with --layout; the [1,400,7] model fits no
// layout and exits 1 with each layout's reason.
func TestInspectEveryCommittedModel(t *testing.T) {
	for file, want := range committedLayouts(t) {
		path := filepath.Join(layoutsDir, filepath.FromSlash(file))
		code, stdout, stderr := cli(t, "inspect", "--model", path, "--format", "json")
		if want == "none" {
			assert.Equal(t, 1, code, file)
			assert.Contains(t, stderr, "no known layout fits (")
			assert.Contains(t, stderr, "yolov5: a 3-anchor YOLOv5 head on a 320x320 input has 3x2100 = 6300")
			continue
		}
		var rep inspectReport
		require.NoError(t, json.Unmarshal([]byte(stdout), &rep), "%s: %s", file, stderr)
		assert.Equal(t, want, rep.Layout, file)
		assert.NotEmpty(t, rep.Outputs, file)
		if want == "ambiguous" {
			assert.Equal(t, 1, code, file)
			assert.Equal(t, []string{"nanodet-plus", "nanodet"}, rep.Candidates)
			assert.Contains(t, stderr, "candidate layouts: nanodet-plus, nanodet")
			code, stdout, _ = cli(t, "inspect", "--model", path, "--layout", "nanodet")
			assert.Equal(t, 0, code)
			assert.Contains(t, stdout, "nanodet (requested)")
			assert.Contains(t, stdout, "reg_max 7")
			continue
		}
		assert.Equal(t, 0, code, "%s: %s", file, stderr)
		code, stdout, _ = cli(t, "inspect", "--model", path)
		assert.Equal(t, 0, code)
		assert.Contains(t, stdout, "layout     "+want+" (detected)", file)
	}
}

// TestInspectShowsMetadataAndInputs: inspect prints the parsed Ultralytics metadata (producer, imgsz, flags, class
// names), the inputs detect feeds itself, a symbolic input size and a channels-last input; metadata keys no known
// exporter writes are shown as such.
func TestInspectShowsMetadataAndInputs(t *testing.T) {
	fam := func(n string) string { return filepath.Join(layoutsDir, "families", n+".onnx") }
	code, stdout, _ := cli(t, "inspect", "--model", fam("yolov8_meta"))
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "metadata   ultralytics 8.3.40: task detect, imgsz 320x320, stride 32, end2end false, "+
		"nms false, dynamic false\n           3 class names: [\"person\" \"o'clock tower\" \"café \\\"noir\\\" \\\\ n\"]")
	code, stdout, _ = cli(t, "inspect", "--model", fam("rtdetr"))
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "feeds      orig_target_sizes = w,h of the input tensor (int64), filled by detect")
	code, stdout, _ = cli(t, "inspect", "--model", fam("yolov8_dynhw"))
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "expects    float32 NCHW symbolic H and W (runs at the size the preprocessing "+
		"gives); exported at 320x320")
	code, stdout, _ = cli(t, "inspect", "--model", fam("yolov8_nhwc"), "--format", "json")
	require.Equal(t, 0, code)
	var rep inspectReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.Equal(t, []any{"nhwc", 320, 256}, []any{rep.InputLayout, rep.Width, rep.Height})

	// Unknown keys are listed, not used.
	lines := describeMetadata(&detect.Metadata{Props: map[string]string{"framework": "mmdet"},
		Unknown: []string{"framework"}})
	assert.Equal(t, []string{`framework = "mmdet" (no known exporter writes this key: shown, not used)`}, lines)
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
	assert.Contains(t, stderr, "a YOLOX head on a 320x320 input has 2100 (strides 8/16/32) rows, the output has 400")
}
