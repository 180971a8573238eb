package detect

import (
	"os"
	"path/filepath"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openTiny(t *testing.T, opts Options) *Model {
	t.Helper()
	mustInit(t)
	m, err := Open(filepath.Join("testdata", "tiny_yolonas.onnx"), opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m
}

// TestTinyModelRawOutputs: the tiny network through real ONNX Runtime gives PyTorch's raw outputs.
// Tolerances: both run float32 convolutions, but ORT (MLAS) and PyTorch sum the products in different orders and
// may use FMA, so results differ in the last bits: relative ~1e-7 of the values. Scores lie in (0,1), so an
// absolute 1e-5 is 100x that. Boxes are centre +- 96*softplus(...) pixels up to ~800 px, where one float32 ulp is
// 6.1e-5 px; 1e-3 px allows ~16 ulp there and is still far below anything that moves a detection.
func TestTinyModelRawOutputs(t *testing.T) {
	r := loadTiny(t)
	in := tinyInput(r.Input.Seed)
	require.Equal(t, r.Input.SHA256, sha256F32(in), "the Go generator must reproduce the Python input bytes")

	m := openTiny(t, DefaultOptions())
	w, h := m.InputSize()
	assert.Equal(t, []int{640, 640}, []int{w, h})
	assert.Equal(t, r.C, m.NumClasses())
	assert.Equal(t, r.N, m.NumAnchors())

	assert.Equal(t, LayoutYOLONAS, m.Layout())
	assert.Equal(t, "float32", m.InputType())
	assert.Equal(t, 1, m.BatchSize())
	outs, err := m.Run(in)
	require.NoError(t, err)
	require.Len(t, outs, 2)
	require.Equal(t, "boxes", outs[0].Name)
	require.Equal(t, []int64{1, int64(r.N), 4}, outs[0].Shape)
	boxes, scores := outs[0].Float, outs[1].Float
	require.Len(t, boxes, len(r.Boxes))
	require.Len(t, scores, len(r.Scores))
	var maxBox, maxScore float64
	for i := range boxes {
		maxBox = max(maxBox, abs(float64(boxes[i])-float64(r.Boxes[i])))
	}
	for i := range scores {
		maxScore = max(maxScore, abs(float64(scores[i])-float64(r.Scores[i])))
	}
	t.Logf("max |ORT - PyTorch|: boxes %.3g px, scores %.3g", maxBox, maxScore)
	assert.Less(t, maxBox, 1e-3)
	assert.Less(t, maxScore, 1e-5)

	// Run is repeatable: tensors are reused across calls, so a second call must give bit-identical outputs.
	outs2, err := m.Run(in)
	require.NoError(t, err)
	assert.Equal(t, outs, outs2)

	// One float32 image is read where the caller keeps it, at each call, and not written: a changed tensor gives
	// other outputs, and the original tensor, unchanged by the runs, the first outputs again.
	sum := sha256F32(in)
	other := make([]float32, len(in))
	for i := range other {
		other[i] = 1 - in[i]
	}
	outs3, err := m.Run(other)
	require.NoError(t, err)
	assert.NotEqual(t, outs[1].Float, outs3[1].Float)
	outs4, err := m.Run(in)
	require.NoError(t, err)
	assert.Equal(t, outs, outs4)
	assert.Equal(t, sum, sha256F32(in))
}

// TestTinyModelDetections: Infer (ORT + decode + NMS) reproduces the detections Python computed from PyTorch's
// outputs, for every reference configuration. Tolerances as in TestTinyModelRawOutputs; the reference data records
// that no score is within min_score_margin (>= 1e-4) of its threshold and no candidate pair's IoU within iou_margin
// (>= 1e-4) of an NMS threshold, both far above the ~1e-6 ORT/PyTorch differences, so the same candidates must survive.
func TestTinyModelDetections(t *testing.T) {
	r := loadTiny(t)
	require.Greater(t, r.IoUMargin, 1e-4)
	in := tinyInput(r.Input.Seed)
	for _, ref := range r.References {
		t.Run(ref.Name, func(t *testing.T) {
			require.Greater(t, ref.ScoreMargin, 1e-4)
			m := openTiny(t, ref.options())
			got, err := m.Infer(in)
			require.NoError(t, err)
			requireDetections(t, ref.Detections, got, 1e-3, 1e-5)
		})
	}
}

// TestInferRejectsWrongLength: a tensor of the wrong size is an error naming the model and the expected shape.
func TestInferRejectsWrongLength(t *testing.T) {
	m := openTiny(t, DefaultOptions())
	_, err := m.Infer(make([]float32, 10))
	require.ErrorContains(t, err, "tiny_yolonas.onnx")
	require.ErrorContains(t, err, "want 1x3x640x640 = 1228800")
}

// TestOpenErrors: a missing file and a file that is not ONNX are errors naming the file.
func TestOpenErrors(t *testing.T) {
	mustInit(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.onnx")
	_, err := Open(missing, DefaultOptions())
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), missing)

	junk := filepath.Join(dir, "junk.onnx")
	require.NoError(t, os.WriteFile(junk, []byte("this is not a protobuf\x00\x01\x02 model"), 0o644))
	_, err = Open(junk, DefaultOptions())
	require.Error(t, err)
	assert.Contains(t, err.Error(), junk)
	assert.Contains(t, err.Error(), "cannot read it as an ONNX model")

	_, err = Open(dir, DefaultOptions())
	require.ErrorContains(t, err, "not a regular file")

	bad := DefaultOptions()
	bad.Threads = -1
	_, err = Open(filepath.Join("testdata", "tiny_yolonas.onnx"), bad)
	require.ErrorContains(t, err, "Threads = -1")
}

func info(name string, dt ort.TensorElementDataType, dims ...int64) ort.InputOutputInfo {
	return ort.InputOutputInfo{Name: name, OrtValueType: ort.ONNXTypeTensor, DataType: dt, Dimensions: dims}
}

// TestDetectLayoutYOLONAS: the YOLO-NAS raw layout is accepted in either output order and with C == 4 told apart by
// names; inputs and outputs that fit no layout are rejected with a message that names the file, shows what the
// model has and what is expected.
func TestDetectLayoutYOLONAS(t *testing.T) {
	var f32, i64, u8 ort.TensorElementDataType = ort.TensorElementDataTypeFloat, ort.TensorElementDataTypeInt64,
		ort.TensorElementDataTypeUint8
	img := []ort.InputOutputInfo{info("images", f32, 1, 3, 640, 480)}
	detectInfo := func(ins, outs []ort.InputOutputInfo, l Layout) (*Signature, error) {
		return DetectLayout("m.onnx", tensorInfos(ins), tensorInfos(outs), l)
	}

	s, err := detectInfo(img, []ort.InputOutputInfo{info("s", f32, 1, 8400, 80), info("b", f32, 1, 8400, 4)}, LayoutAuto)
	require.NoError(t, err)
	assert.Equal(t, []any{LayoutYOLONAS, 1, 0, 8400, 80, 480, 640, "float32"},
		[]any{s.Layout, s.role["boxes"], s.role["scores"], s.Anchors, s.NumClasses, s.Width, s.Height, s.InputType})

	// C == 4: names decide.
	s, err = detectInfo(img, []ort.InputOutputInfo{info("pred_scores", f32, 1, 10, 4), info("pred_boxes", f32, 1, 10, 4)}, LayoutAuto)
	require.NoError(t, err)
	assert.Equal(t, 1, s.role["boxes"])

	// uint8 input with a dynamic batch: accepted, reported.
	s, err = detectInfo([]ort.InputOutputInfo{info("images", u8, -1, 3, 640, 640)},
		[]ort.InputOutputInfo{info("b", f32, -1, 10, 4), info("s", f32, -1, 10, 2)}, LayoutAuto)
	require.NoError(t, err)
	assert.Equal(t, []any{"uint8", 0, []string{"batch"}}, []any{s.InputType, s.Batch, s.DynamicAxes()})

	// Symbolic H and W: accepted as DynamicSize; the layout is checked per size (At).
	s, err = detectInfo([]ort.InputOutputInfo{info("images", f32, 1, 3, -1, -1)},
		[]ort.InputOutputInfo{info("b", f32, 1, -1, 4), info("s", f32, 1, -1, 2)}, LayoutYOLONAS)
	require.NoError(t, err)
	assert.Equal(t, []any{true, 0, 0, []string{"height", "width"}}, []any{s.DynamicSize, s.Width, s.Height,
		s.DynamicAxes()})
	at, err := s.At(320, 256)
	require.NoError(t, err)
	assert.Equal(t, []int{320, 256}, []int{at.Width, at.Height})

	// Channels last: accepted, recorded.
	s, err = detectInfo([]ort.InputOutputInfo{info("images", u8, 1, 640, 480, 3)},
		[]ort.InputOutputInfo{info("b", f32, 1, 10, 4), info("s", f32, 1, 10, 2)}, LayoutYOLONAS)
	require.NoError(t, err)
	assert.Equal(t, []any{"nhwc", 480, 640}, []any{s.InputLayout, s.Width, s.Height})

	bad := []struct {
		name      string
		ins, outs []ort.InputOutputInfo
		want      string
	}{
		{"four channels", []ort.InputOutputInfo{info("images", f32, 1, 4, 640, 640)},
			[]ort.InputOutputInfo{info("b", f32, 1, 10, 4), info("s", f32, 1, 10, 2)}, "has shape [1 4 640 640]"},
		{"int64 input", []ort.InputOutputInfo{info("images", i64, 1, 3, 640, 640)},
			[]ort.InputOutputInfo{info("b", f32, 1, 10, 4), info("s", f32, 1, 10, 2)}, `input "images" is int64`},
		{"two inputs", []ort.InputOutputInfo{info("images", f32, 1, 3, 640, 640), info("orig_size", i64, 1, 2)},
			[]ort.InputOutputInfo{info("b", f32, 1, 10, 4), info("s", f32, 1, 10, 2)}, `"orig_size" int64 [1 2]`},
		{"no box output", img, []ort.InputOutputInfo{info("a", f32, 1, 10, 3), info("b", f32, 1, 10, 2)}, "no output has last dimension 4"},
		{"C==4 unnamed", img, []ort.InputOutputInfo{info("o1", f32, 1, 10, 4), info("o2", f32, 1, 10, 4)}, `names containing "box" and "score"`},
		{"anchor mismatch", img, []ort.InputOutputInfo{info("b", f32, 1, 10, 4), info("s", f32, 1, 11, 2)}, "has 10 anchors but scores"},
		{"three outputs", img, []ort.InputOutputInfo{info("a", f32, 1, 10, 4), info("b", f32, 1, 10, 2), info("c", f32, 1, 10, 2)}, "no known layout fits"},
	}
	for _, c := range bad {
		_, err := DetectLayout("bad.onnx", tensorInfos(c.ins), tensorInfos(c.outs), LayoutAuto)
		require.Error(t, err, c.name)
		assert.ErrorIs(t, err, ErrLayout, c.name)
		assert.Contains(t, err.Error(), "bad.onnx", c.name)
		assert.Contains(t, err.Error(), c.want, c.name)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
