package detect

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The model rows of the bad-input catalogue (docs/bad-inputs.md), through the real ONNX Runtime. The models in
// testdata/bad are written by scripts/make_bad_models.py.

func badModel(name string) string { return filepath.Join("testdata", "bad", name+".onnx") }

// TestBadModelEmitsNaN: a YOLO-NAS model whose graph computes Sqrt of a negative number for anchors 2 and 5 opens
// (its signature is fine) and every inference fails, naming the model, the image of the batch, the first bad
// anchor and the class. NaN is refused even though the threshold would have dropped it: it means the model or its
// input is broken.
func TestBadModelEmitsNaN(t *testing.T) {
	p := badModel("nan_scores")
	m, err := Open(p, DefaultOptions())
	require.NoError(t, err)
	defer m.Close()
	assert.Equal(t, LayoutYOLONAS, m.Layout())
	outs, err := m.Run(make([]float32, 3*64*64))
	require.NoError(t, err, "the run itself succeeds: ONNX Runtime does not check values")
	assert.True(t, math.IsNaN(float64(outs[1].Float[2])) && math.IsNaN(float64(outs[1].Float[5])),
		"scores of anchors 2 and 5 are NaN: %v", outs[1].Float)
	_, err = m.Infer(make([]float32, 3*64*64))
	assert.EqualError(t, err, "detect: model "+p+" (yolo-nas): image 0 of the batch: detect: YOLO-NAS decode: "+
		"anchor 2: score of class 0 is NaN, want a finite number")
}

// TestBadModelEmitsInf: Exp overflowing to +Inf in anchor 3's x2.
func TestBadModelEmitsInf(t *testing.T) {
	p := badModel("inf_boxes")
	m, err := Open(p, DefaultOptions())
	require.NoError(t, err)
	defer m.Close()
	_, err = m.Infer(make([]float32, 3*64*64))
	assert.EqualError(t, err, "detect: model "+p+" (yolo-nas): image 0 of the batch: detect: YOLO-NAS decode: "+
		"anchor 3: box coordinate 2 is +Inf, want a finite number")
}

// TestBadModelUnexpectedOutputs: a classifier ([1,10] logits) is refused at Open with what the model has and what
// every layout wants.
func TestBadModelUnexpectedOutputs(t *testing.T) {
	p := badModel("unexpected_outputs")
	_, err := Open(p, DefaultOptions())
	require.ErrorIs(t, err, ErrLayout)
	assert.True(t, strings.HasPrefix(err.Error(), "detect: model "+p+`: outputs do not fit the layout: it has inputs: `+
		`"images" float32 [1 3 64 64]; outputs: "logits" float32 [1 10]; no known layout fits (yolo-nas: want two `+
		`float32 outputs [B,N,4] (boxes) and [B,N,C] (scores); yolo-nas-flat: want one float32 output [K,7]; `), err)
	for _, l := range Layouts() {
		assert.Contains(t, err.Error(), string(l)+": ", "every layout says why it does not fit")
	}
	assert.Contains(t, err.Error(), "rtdetr: want a second input orig_target_sizes [B,2]")
	assert.Contains(t, err.Error(), "fastestdet: want one float32 output of rank 4 [B,5+C,H',W']")
}

// TestNHWCInput: a channels-last model ([1,64,64,3]) opens with InputLayout "nhwc" and runs tensors in that
// order: the same image fed as HWC gives the outputs of ONNX Runtime on the HWC buffer (checked against a tensor
// that differs only in the channel of one pixel, which moves exactly that pixel's value).
func TestNHWCInput(t *testing.T) {
	m, err := Open(badModel("nhwc_input"), DefaultOptions())
	require.NoError(t, err)
	defer m.Close()
	s := m.Signature()
	assert.Equal(t, []any{"nhwc", 64, 64, LayoutYOLONAS, []string(nil)}, []any{s.InputLayout, s.Width, s.Height,
		s.Layout, s.DynamicAxes()})
	img := make([]float32, 64*64*3)
	_, err = m.Run(img)
	require.NoError(t, err)
	_, err = m.Run(make([]float32, 10))
	require.ErrorContains(t, err, "want 1x64x64x3 = 12288")
}

// TestBadModelNotONNX: a truncated real model and an empty file are refused at Open, naming the file; the text
// after "cannot read it as an ONNX model" is ONNX Runtime's own.
func TestBadModelNotONNX(t *testing.T) {
	mustInit(t)
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join("testdata", "tiny_yolonas.onnx"))
	require.NoError(t, err)
	trunc := filepath.Join(dir, "trunc.onnx")
	require.NoError(t, os.WriteFile(trunc, good[:len(good)/2], 0o644))
	_, err = Open(trunc, DefaultOptions())
	assert.EqualError(t, err, "detect: model "+trunc+": ONNX Runtime cannot read it as an ONNX model: Error loading "+
		"temporary session: Load model from "+trunc+" failed:Protobuf parsing failed.")

	empty := filepath.Join(dir, "empty.onnx")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	_, err = Open(empty, DefaultOptions())
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "detect: model "+empty+": ONNX Runtime cannot read it as an ONNX "+
		"model: "), err.Error())
	assert.Contains(t, err.Error(), "ModelProto does not have a graph")
}

// TestRegressionClassIDOverflow: FuzzDecode found that an end-to-end row whose class is a huge integral float
// (2.598e20, the bit pattern 0x61616161) passed the class check when NumClasses was unset and became a negative int.
func TestRegressionClassIDOverflow(t *testing.T) {
	s := sigFor(t, LayoutAuto, []int64{1, 3, 64, 64}, ti("output0", "float32", 1, 1, 6))
	o := DefaultOptions()
	huge := math.Float32frombits(0x61616161)
	_, _, err := s.Decode([]Output{{Name: "output0", Shape: []int64{1, 1, 6}, Float: []float32{0, 0, 4, 4, 0.9, huge}}}, 1, o)
	assert.EqualError(t, err, "detect: model x.onnx (end2end): image 0, row 0: class id 2.598458941424418e+20, want an "+
		"integer >= 0 and below 2^31")
}

// fakeOldORT is a shared library that exports OrtGetApiBase like ONNX Runtime, but whose GetApi returns NULL for
// every API version, exactly what a real ONNX Runtime older than 1.24 answers for C API 24.
const fakeOldORT = `
typedef struct { const void *(*GetApi)(unsigned v); const char *(*GetVersionString)(void); } OrtApiBase;
static const void *get_api(unsigned v) { (void)v; return 0; }
static const char *version(void) { return "1.16.3"; }
static const OrtApiBase base = { get_api, version };
const OrtApiBase *OrtGetApiBase(void) { return &base; }
`

// TestInitWrongVersion: a library that is ONNX Runtime-shaped but too old (built here with gcc, which cgo needs
// anyway) gives an Init error naming the path and the version needed. Like TestInitBadLibrary it runs in a fresh
// copy of the test binary, since ONNX Runtime's environment is process-global.
func TestInitWrongVersion(t *testing.T) {
	if os.Getenv(childEnv) == "old" {
		err := Init()
		assert.EqualError(t, err, "detect: loading ONNX Runtime from "+os.Getenv(EnvLibrary)+" (need ONNX Runtime "+
			">= 1.24, C API 24, for onnxruntime_go v1.27.0; \"Error setting ORT API base: 2\" means the library is "+
			"older): Platform-specific initialization failed: Error setting ORT API base: 2")
		return
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "fake.c")
	lib := filepath.Join(dir, "libonnxruntime.so.1")
	require.NoError(t, os.WriteFile(src, []byte(fakeOldORT), 0o644))
	out, err := exec.Command("gcc", "-shared", "-fPIC", "-o", lib, src).CombinedOutput()
	require.NoError(t, err, "gcc (needed by cgo too): %s", out)
	cmd := exec.Command(os.Args[0], "-test.run=^TestInitWrongVersion$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=old", EnvLibrary+"="+lib)
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "child test failed:\n%s", out)
	assert.Contains(t, string(out), "--- PASS: TestInitWrongVersion")
}
