package cvdnn

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/detect"
)

// testImage is a deterministic smooth-plus-noise image in [0, 1], like a letterboxed photo's tensor.
func testImage(w, h int, seed uint32) []float32 {
	out := make([]float32, 3*w*h)
	x := seed*2654435761 + 1
	for i := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		p := i % (w * h)
		smooth := 0.5 + 0.4*math.Sin(float64(p%w)/17+float64(i/(w*h)))*math.Cos(float64(p/w)/23)
		out[i] = float32(smooth*0.8 + 0.2*float64(x%1000)/1000)
	}
	return out
}

func maxAbsDiff(a, b detect.Output) float64 {
	m := 0.0
	for i := range a.Len() {
		m = max(m, math.Abs(a.At(i)-b.At(i)))
	}
	return m
}

// TestSameOutputsAsORT: OpenCV DNN and ONNX Runtime run the same model on the same tensors and agree value by
// value, and the decoded detections agree. Both compute in float32 with different kernels (summation order,
// im2col vs direct), so raw values differ by a few ulp: observed <= 6.2e-5 px on boxes of a few hundred px (1 ulp
// at 512 is 6.1e-5) and <= 2e-6 on scores; the bounds 1e-3 px and 1e-5 leave room for other CPUs' SIMD paths.
// Covers YOLO-NAS raw (640x640, two outputs), YOLOX (non-square) and the dynamic-batch YOLOv8 run as one blob
// of three images.
func TestSameOutputsAsORT(t *testing.T) {
	require.NoError(t, detect.Init())
	cases := []struct {
		file   string
		images int
	}{
		{"../testdata/tiny_yolonas.onnx", 1},
		{"../testdata/layouts/yolox.onnx", 1},
		{"../testdata/layouts/yolov8_dyn.onnx", 3},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			opts := detect.DefaultOptions()
			opts.Conf, opts.Batch = 0.3, c.images
			m, err := detect.Open(c.file, opts)
			require.NoError(t, err)
			defer func() { require.NoError(t, m.Close()) }()
			sig := m.Signature()
			n, err := Open(sig)
			require.NoError(t, err)
			defer func() { require.NoError(t, n.Close()) }()
			var imgs [][]float32
			for i := range c.images {
				imgs = append(imgs, testImage(sig.Width, sig.Height, uint32(i+1)))
			}
			a, err := m.RunBatch(sig.Width, sig.Height, imgs)
			require.NoError(t, err)
			b, err := n.RunBatch(sig.Width, sig.Height, imgs)
			require.NoError(t, err)
			require.Len(t, b, len(a))
			for i := range a {
				require.Equal(t, a[i].Name, b[i].Name)
				require.Equal(t, a[i].Shape, b[i].Shape, a[i].Name)
				d := maxAbsDiff(a[i], b[i])
				t.Logf("%s: max |ORT - OpenCV| = %.3g", a[i].Name, d)
				assert.Less(t, d, 1e-3, a[i].Name)
			}
			da, err := m.Decode(a, len(imgs))
			require.NoError(t, err)
			db, err := m.Decode(b, len(imgs))
			require.NoError(t, err)
			total := 0
			for i := range da {
				require.Len(t, db[i], len(da[i]), "image %d", i)
				for k := range da[i] {
					assert.Equal(t, da[i][k].Class, db[i][k].Class)
					assert.InDelta(t, da[i][k].Score, db[i][k].Score, 1e-5)
					assert.InDelta(t, da[i][k].X1, db[i][k].X1, 1e-3)
					assert.InDelta(t, da[i][k].Y2, db[i][k].Y2, 1e-3)
				}
				total += len(da[i])
			}
			assert.Positive(t, total, "the comparison must cover detections")
			if sig.Batch > 0 { // more images than a fixed batch holds
				tooMany := make([][]float32, sig.Batch+1)
				for i := range tooMany {
					tooMany[i] = imgs[0]
				}
				_, err = n.RunBatch(sig.Width, sig.Height, tooMany)
				require.ErrorContains(t, err, "run of 2 images, want 1..1")
			}
		})
	}
}

// TestUnsupportedGraphs: graphs OpenCV 4.6 cannot import or run (ONNX NonMaxSuppression / NonZero, TopK, a YOLOv5
// head's 5-D reshapes) are errors carrying OpenCV's message, not a crash of the calling process; uint8-input
// models are refused up front.
func TestUnsupportedGraphs(t *testing.T) {
	require.NoError(t, detect.Init())
	for _, f := range []string{"yolonas_flat.onnx", "end2end.onnx", "yolov5.onnx"} {
		sig, err := detect.Inspect(filepath.Join("..", "testdata", "layouts", f), detect.LayoutAuto)
		require.NoError(t, err)
		_, err = Open(sig)
		require.Error(t, err, f)
		assert.Contains(t, err.Error(), "OpenCV DNN cannot import or run it", f)
		assert.Contains(t, err.Error(), "OpenCV(4.6", f)
		assert.Contains(t, err.Error(), f)
	}
	sig, err := detect.Inspect(filepath.Join("..", "testdata", "layouts", "yolonas_u8.onnx"), detect.LayoutAuto)
	require.NoError(t, err)
	_, err = Open(sig)
	require.ErrorContains(t, err, "input is uint8")
	for f, want := range map[string]string{"yolov8_dynhw.onnx": "the input size is symbolic",
		"yolov8_nhwc.onnx": "input layout nhwc", "rtdetr.onnx": "inputs besides the image (orig_target_sizes"} {
		sig, err := detect.Inspect(filepath.Join("..", "testdata", "families", f), detect.LayoutAuto)
		require.NoError(t, err)
		_, err = Open(sig)
		require.ErrorContains(t, err, want, f)
	}
}

func TestRegisteredBackend(t *testing.T) {
	var _ detect.Runner = (*Net)(nil)
	b, err := detect.BackendByName(BackendName)
	require.NoError(t, err, "importing the package registers the backend")
	assert.NotNil(t, b)
}
