package detect

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

func ti(name, typ string, shape ...int64) TensorInfo {
	return TensorInfo{Name: name, Type: typ, Shape: shape}
}

func sigFor(t testing.TB, l Layout, inShape []int64, outs ...TensorInfo) *Signature {
	t.Helper()
	s, err := DetectLayout("x.onnx", []TensorInfo{ti("images", "float32", inShape...)}, outs, l)
	require.NoError(t, err)
	return s
}

// TestDetectLayoutRules: the anchor-count evidence of DetectLayout on the COCO-sized shapes users meet.
func TestDetectLayoutRules(t *testing.T) {
	in := []TensorInfo{ti("images", "float32", 1, 3, 640, 640)}
	cases := []struct {
		out  []TensorInfo
		want Layout
	}{
		{[]TensorInfo{ti("output0", "float32", 1, 84, 8400)}, LayoutYOLOv8},
		{[]TensorInfo{ti("output0", "float32", 1, 25200, 85)}, LayoutYOLOv5},
		{[]TensorInfo{ti("output0", "float32", 1, 300, 6)}, LayoutEndToEnd},
		{[]TensorInfo{ti("output0", "float32", 1, 25200, 6)}, LayoutYOLOv5}, // one class: grid count beats end2end
		{[]TensorInfo{ti("output0", "float32", 1, 5, 8400)}, LayoutYOLOv8},
		{[]TensorInfo{ti("graph2_flat", "float32", -1, 7)}, LayoutYOLONASFlat},
		{[]TensorInfo{ti("num_predictions", "int64", 1, 1), ti("pred_boxes", "float32", 1, 1000, 4),
			ti("pred_scores", "float32", 1, 1000), ti("pred_classes", "int64", 1, 1000)}, LayoutYOLONASBatch},
	}
	for _, c := range cases {
		s, err := DetectLayout("x.onnx", in, c.out, LayoutAuto)
		require.NoError(t, err, "%v", c.out)
		assert.Equal(t, c.want, s.Layout, "%v: %s", c.out, s.Evidence)
	}
	s, err := DetectLayout("x.onnx", in, cases[1].out, LayoutAuto)
	require.NoError(t, err)
	assert.Equal(t, 80, s.NumClasses)
	assert.Contains(t, s.Evidence, "yolov5 wants A = 3x8400 = 25200, got 25200")

	// [B,A,5+C] with A one per cell: YOLOX (raw offsets) and YOLOv6 (decoded boxes, objectness 1) have the same
	// shape; only output values tell them apart (Inspect reads them), so the shapes alone are ambiguous, and both
	// candidates are layouts --layout accepts.
	_, err = DetectLayout("x.onnx", in, []TensorInfo{ti("output", "float32", 1, 8400, 85)}, LayoutAuto)
	var amb *AmbiguousError
	require.ErrorAs(t, err, &amb)
	assert.Equal(t, []Layout{LayoutYOLOX, LayoutYOLOv6}, amb.Candidates)
	for _, l := range amb.Candidates {
		_, err := DetectLayout("x.onnx", in, []TensorInfo{ti("output", "float32", 1, 8400, 85)}, l)
		require.NoError(t, err, l)
	}

	// 1000 rows are no grid count at 640x640: no layout fits, and the error says what each wanted.
	_, err = DetectLayout("x.onnx", in, []TensorInfo{ti("output", "float32", 1, 1000, 85)}, LayoutAuto)
	require.ErrorIs(t, err, ErrLayout)
	assert.Contains(t, err.Error(), "yolov5: a 3-anchor YOLOv5 head on a 640x640 input has 3x8400 = 25200 "+
		"(strides 8/16/32) or 3x8500 = 25500 (strides 8/16/32/64) rows, the output has 1000")
	assert.Contains(t, err.Error(), "yolox: a YOLOX head on a 640x640 input has 8400 (strides 8/16/32) rows")

	// Naming a layout checks every dimension: a RetinaFace-like [1,16800,16] is not an 11-class YOLOv5.
	_, err = DetectLayout("x.onnx", in, []TensorInfo{ti("output0", "float32", 1, 16800, 16)}, LayoutYOLOv5)
	require.ErrorIs(t, err, ErrLayout)
	assert.Contains(t, err.Error(), "the output has 16800")
	// Without output values (Inspect reads them) the concatenated RetinaFace form cannot be confirmed.
	_, err = DetectLayout("x.onnx", in, []TensorInfo{ti("output0", "float32", 1, 16800, 16)}, LayoutAuto)
	require.ErrorIs(t, err, ErrLayout)
	assert.Contains(t, err.Error(), "retinaface: told apart by output values")
}

// TestDecodeSanity: broken NMS-baked and end-to-end outputs are errors that name the model, image and row;
// inverted boxes are kept and counted.
func TestDecodeSanity(t *testing.T) {
	img := []int64{1, 3, 64, 64}
	flat := sigFor(t, LayoutAuto, img, ti("out", "float32", -1, 7))
	o := DefaultOptions()
	o.Conf = 0
	row := func(vals ...float32) []float32 { return vals }
	dec := func(s *Signature, opts Options, outs ...Output) ([][]box.Detection, Warnings, error) {
		return s.Decode(outs, 1, opts)
	}
	flatOut := func(rows ...[]float32) Output {
		var v []float32
		for _, r := range rows {
			v = append(v, r...)
		}
		return Output{Name: "out", Shape: []int64{int64(len(rows)), 7}, Float: v}
	}

	got, w, err := dec(flat, o, flatOut(row(0, 1, 1, 5, 5, 0.5, 0), row(0, 9, 9, 3, 12, 0.75, 1)))
	require.NoError(t, err)
	require.Len(t, got[0], 2)
	assert.Equal(t, 0.75, got[0][0].Score, "sorted by score")
	assert.Equal(t, Warnings{InvertedBoxes: 1}, w, "x2 < x1 counted")

	_, _, err = dec(flat, o, flatOut(row(0, 1, 1, 5, float32(math.NaN()), 0.5, 0)))
	require.ErrorContains(t, err, "x.onnx (yolo-nas-flat): row 0 (image 0): box coordinate 3 is NaN")
	_, _, err = dec(flat, o, flatOut(row(0, 1, 1, 5, 5, float32(math.Inf(1)), 0)))
	require.ErrorContains(t, err, "score is +Inf")
	_, _, err = dec(flat, o, flatOut(row(1, 1, 1, 5, 5, 0.5, 0)))
	require.ErrorContains(t, err, "row 0: image index 1, want an integer in [0, 1)")
	_, _, err = dec(flat, o, flatOut(row(0, 1, 1, 5, 5, 0.5, 1.5)))
	require.ErrorContains(t, err, "class id 1.5, want an integer >= 0")
	two := o
	two.NumClasses = 2
	_, _, err = dec(flat, two, flatOut(row(0, 1, 1, 5, 5, 0.5, 2)))
	require.ErrorContains(t, err, "class id 2, want an integer in [0, 2) (the label set has 2 classes)")
	got, _, err = dec(flat, o, Output{Name: "out", Shape: []int64{0, 7}, Float: []float32{}})
	require.NoError(t, err)
	assert.Empty(t, got[0], "no detections")

	batch := sigFor(t, LayoutAuto, img, ti("num_predictions", "int64", 1, 1), ti("pred_boxes", "float32", 1, 2, 4),
		ti("pred_scores", "float32", 1, 2), ti("pred_classes", "int64", 1, 2))
	outs := []Output{{Name: "num_predictions", Shape: []int64{1, 1}, Int: []int64{3}},
		{Name: "pred_boxes", Shape: []int64{1, 2, 4}, Float: make([]float32, 8)},
		{Name: "pred_scores", Shape: []int64{1, 2}, Float: []float32{0.5, -1}},
		{Name: "pred_classes", Shape: []int64{1, 2}, Int: []int64{0, -1}}}
	_, _, err = dec(batch, o, outs...)
	require.ErrorContains(t, err, "image 0: num_predictions = 3, want an integer in [0, 2]")
	outs[0].Int[0] = 1
	got, _, err = dec(batch, o, outs...)
	require.NoError(t, err)
	assert.Len(t, got[0], 1, "padding rows past num_predictions are not read")

	e2e := sigFor(t, LayoutAuto, img, ti("output0", "float32", 1, 2, 6))
	_, _, err = dec(e2e, o, Output{Name: "output0", Shape: []int64{1, 2, 6},
		Float: []float32{0, 0, 4, 4, 0.9, 0, 0, 0, 4, 4, 0.2, -1}})
	require.ErrorContains(t, err, "image 0, row 1: class id -1")

	// Raw layouts: NaN anywhere is an error naming the image and anchor, even below the threshold.
	v5 := sigFor(t, LayoutYOLOv5, img, ti("output0", "float32", 1, 252, 7))
	vals := make([]float32, 252*7)
	vals[3*7+6] = float32(math.NaN())
	_, _, err = dec(v5, o, Output{Name: "output0", Shape: []int64{1, 252, 7}, Float: vals})
	require.ErrorContains(t, err, "x.onnx (yolov5): image 0 of the batch")
	require.ErrorContains(t, err, "anchor 3: score of class 1 is NaN")

	// Outputs that are not the signature's.
	_, _, err = dec(v5, o, Output{Name: "output0", Shape: []int64{1, 11, 7}, Float: make([]float32, 77)})
	require.ErrorContains(t, err, `output "output0" has shape [1 11 7], want [1 252 7]`)
}

// TestDecodeYOLOXGrid: a YOLOX row is placed on its cell: the grids are row-major per stride, strides 8, 16, 32 in
// that order, on a non-square input (W 64, H 32: 8x4 + 4x2 + 2x1 cells).
func TestDecodeYOLOXGrid(t *testing.T) {
	s := sigFor(t, LayoutYOLOX, []int64{1, 3, 32, 64}, ti("output", "float32", 1, 42, 6))
	require.Equal(t, 42, GridAnchors(64, 32))
	vals := make([]float32, 42*6)
	// Row 33 is the second cell of the stride-16 grid (4 wide): x 1, y 0. Offsets 0.5, log wh 0 -> a 16x16 box.
	copy(vals[33*6:], []float32{0.5, 0.5, 0, 0, 1, 0.9})
	// Row 41 is the last cell of the stride-32 grid (2x1): x 1, y 0.
	copy(vals[41*6:], []float32{0, 0, float32(math.Log(2)), 0, 0.5, 0.8})
	o := DefaultOptions()
	got, _, err := s.Decode([]Output{{Name: "output", Shape: []int64{1, 42, 6}, Float: vals}}, 1, o)
	require.NoError(t, err)
	require.Len(t, got[0], 2)
	assert.Equal(t, box.Box{X1: 16, Y1: 0, X2: 32, Y2: 16}, got[0][0].Box) // centre (1.5*16, 0.5*16) = (24, 8)
	assert.InDelta(t, 0.9, got[0][0].Score, 1e-7)
	assert.InDelta(t, 0.4, got[0][1].Score, 1e-7) // obj 0.5 * cls 0.8
	b := got[0][1].Box
	// centre (32, 0), w = exp(ln 2)*32 = 64 within float32 rounding of exp, h = 32.
	for k, want := range []float64{0, -16, 64, 16} {
		assert.InDelta(t, want, []float64{b.X1, b.Y1, b.X2, b.Y2}[k], 1e-5, "coordinate %d", k)
	}
}
