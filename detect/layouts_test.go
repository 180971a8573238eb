package detect

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// layoutsFile is testdata/layouts.json, written by scripts/make_layout_models.py.
type layoutsFile struct {
	Torchvision string        `json:"torchvision"`
	Models      []layoutModel `json:"models"`
}

type layoutModel struct {
	Name       string  `json:"name"`
	File       string  `json:"file"`
	Layout     Layout  `json:"layout"`
	InputShape []int   `json:"input_shape"`
	InputDType string  `json:"input_dtype"`
	ScoreMarg  float64 `json:"score_margin"`
	IoUMarg    float64 `json:"iou_margin"`
	Inputs     []struct {
		Seed   uint64 `json:"seed"`
		SHA256 string `json:"sha256"`
	} `json:"inputs"`
	References []layoutRef `json:"references"`
}

type layoutRef struct {
	refConfig
	Images []struct {
		Candidates int            `json:"candidates"`
		Detections []refDetection `json:"detections"`
	} `json:"images"`
}

func loadLayouts(t *testing.T) []layoutModel {
	t.Helper()
	var f layoutsFile
	readJSON(t, "layouts.json", &f)
	require.Len(t, f.Models, 9, "one model per layout, the ambiguous one and a 640 dynamic-batch one")
	return f.Models
}

// genImage regenerates image `seed` of scripts/make_layout_models.py (gen_input): for float32 the top 24 bits of
// splitmix64(seed+i) / 2^24, for uint8 the top 8 bits (returned as float32 integers, as Infer takes them). It also
// returns the SHA-256 of the bytes Python hashed (little-endian float32 or raw uint8).
func genImage(n int, seed uint64, dtype string) ([]float32, string) {
	out := make([]float32, n)
	raw := make([]byte, 0, 4*n)
	for i := range out {
		z := (uint64(i) + seed) * 0x9E3779B97F4A7C15
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		z ^= z >> 31
		if dtype == "uint8" {
			out[i] = float32(z >> 56)
			raw = append(raw, byte(z>>56))
			continue
		}
		out[i] = float32(z>>40) / (1 << 24)
		b := math.Float32bits(out[i])
		raw = append(raw, byte(b), byte(b>>8), byte(b>>16), byte(b>>24))
	}
	s := sha256.Sum256(raw)
	return out, hex.EncodeToString(s[:])
}

func (lm layoutModel) images(t *testing.T) [][]float32 {
	t.Helper()
	n := 1
	for _, d := range lm.InputShape {
		n *= d
	}
	var imgs [][]float32
	for _, in := range lm.Inputs {
		img, sum := genImage(n, in.Seed, lm.InputDType)
		require.Equal(t, in.SHA256, sum, "%s: the Go generator must reproduce the Python input bytes", lm.Name)
		imgs = append(imgs, img)
	}
	return imgs
}

func (lm layoutModel) path() string { return filepath.Join("testdata", filepath.FromSlash(lm.File)) }

// TestInspectNamesEveryLayout: auto-detection names the layout each committed model was built in; the model
// built as "ambiguous" ([1,400,7]: 400 rows are neither 3 anchors x 2100 grid cells, YOLOv5, nor 2100, YOLOX or
// YOLOv6) fits no layout once every dimension is checked, and is refused with what each layout wanted.
func TestInspectNamesEveryLayout(t *testing.T) {
	mustInit(t)
	seen := map[Layout]bool{}
	for _, lm := range loadLayouts(t) {
		s, err := Inspect(lm.path(), LayoutAuto)
		if lm.Name == "ambiguous" {
			require.ErrorIs(t, err, ErrLayout)
			assert.Contains(t, err.Error(), `"output0" float32 [1 400 7]`)
			assert.Contains(t, err.Error(), "yolov5: a 3-anchor YOLOv5 head on a 320x320 input has 3x2100 = 6300 "+
				"(strides 8/16/32) or 3x2125 = 6375 (strides 8/16/32/64) rows, the output has 400")
			assert.Contains(t, err.Error(), "rtdetr-ultralytics: on a zero input: value ")
			continue
		}
		require.NoError(t, err, lm.Name)
		assert.Equal(t, lm.Layout, s.Layout, lm.Name)
		assert.True(t, s.Probed, "auto-detection checks output values on a zero run")
		assert.Equal(t, lm.InputDType, s.InputType, lm.Name)
		assert.Equal(t, []int{lm.InputShape[3], lm.InputShape[2]}, []int{s.Width, s.Height}, lm.Name)
		seen[s.Layout] = true
	}
	// tiny_yolonas.onnx is the float32 YOLO-NAS raw model.
	s, err := Inspect(filepath.Join("testdata", "tiny_yolonas.onnx"), LayoutAuto)
	require.NoError(t, err)
	seen[s.Layout] = true
	for _, fm := range loadFamilies(t) {
		seen[fm.Layout] = true // TestFamiliesInspect checks these
	}
	for _, l := range Layouts() {
		assert.True(t, seen[l], "no committed model in layout %s", l)
	}
}

// TestLayoutsMatchPython: every committed model through real ONNX Runtime, decoded and post-processed in Go,
// reproduces the detections Python computed from the PyTorch outputs, in the same order, for every image and
// configuration. Boxes within 1e-3 px and scores within 1e-5: ORT and PyTorch differ by float32 summation order
// (~1e-6 relative, ~1e-5 px on these <= 1000 px coordinates). The script asserts, and this test re-checks, that no
// score lies within 2e-5 of a threshold or cut and no same-class candidate pair's IoU within 2e-5 of an NMS
// threshold (20x those differences), so the same candidates survive on both sides.
func TestLayoutsMatchPython(t *testing.T) {
	mustInit(t)
	for _, lm := range loadLayouts(t) {
		if lm.Name == "ambiguous" {
			continue // fits no layout now that every dimension is checked (TestExplicitLayout)
		}
		t.Run(lm.Name, func(t *testing.T) {
			require.Greater(t, lm.ScoreMarg, 2e-5)
			require.Greater(t, lm.IoUMarg, 2e-5)
			imgs := lm.images(t)
			for _, ref := range lm.References {
				opts := ref.options()
				opts.Batch = 2 // the dynamic-batch model runs 2 + 1 images; fixed-batch models ignore it
				m, err := Open(lm.path(), opts)
				require.NoError(t, err)
				got, err := m.InferBatch(imgs)
				require.NoError(t, err)
				require.Len(t, got, len(ref.Images))
				for i, want := range ref.Images {
					require.NotEmpty(t, want.Detections)
					requireDetections(t, want.Detections, got[i], 1e-3, 1e-5)
				}
				assert.Equal(t, Warnings{}, m.Warnings(), "no inverted boxes in these outputs")
				require.NoError(t, m.Close())
			}
		})
	}
}

// TestBatching: the dynamic-batch model gives the same detections whether its three images run one by one, two
// then one, or all three at once (runs of different batch sizes reuse their own input tensor); the fixed batch-2
// FLAT model run on one image (the second slot zero-padded) gives that image's detections.
func TestBatching(t *testing.T) {
	mustInit(t)
	models := loadLayouts(t)
	byName := map[string]layoutModel{}
	for _, lm := range models {
		byName[lm.Name] = lm
	}

	dyn := byName["yolov8_dyn"]
	imgs := dyn.images(t)
	var results [][]int
	for _, batch := range []int{0, 2, 3} {
		opts := dyn.References[0].options()
		opts.Batch = batch
		m, err := Open(dyn.path(), opts)
		require.NoError(t, err)
		assert.Equal(t, 0, m.BatchSize(), "dynamic batch")
		assert.Equal(t, max(1, batch), m.RunBatchSize())
		got, err := m.InferBatch(imgs)
		require.NoError(t, err)
		counts := []int{}
		for i, want := range dyn.References[0].Images {
			requireDetections(t, want.Detections, got[i], 1e-3, 1e-5)
			counts = append(counts, len(got[i]))
		}
		results = append(results, counts)
		// A second pass over the same session and tensors gives bit-identical detections.
		again, err := m.InferBatch(imgs)
		require.NoError(t, err)
		assert.Equal(t, got, again)
		require.NoError(t, m.Close())
	}
	assert.Equal(t, results[0], results[1])
	assert.Equal(t, results[0], results[2])

	flat := byName["yolonas_flat"]
	fimgs := flat.images(t)
	opts := flat.References[0].options()
	m, err := Open(flat.path(), opts)
	require.NoError(t, err)
	defer m.Close()
	assert.Equal(t, 2, m.BatchSize())
	for i := range fimgs {
		got, err := m.Infer(fimgs[i])
		require.NoError(t, err)
		requireDetections(t, flat.References[0].Images[i].Detections, got, 1e-3, 1e-5)
	}
	_, err = m.RunBatch(320, 320, [][]float32{fimgs[0], fimgs[1], fimgs[0]})
	require.ErrorContains(t, err, "run of 3 images, want 1..2 (the model's fixed batch)")
}

// TestExplicitLayout: a requested layout is checked in every dimension: the [1,400,7] model built with a
// one-anchor stride-16 YOLOv5 head is refused as yolov5 (the anchor count), yolox and yolov8, with what each
// wanted; a requested layout that fits overrides detection.
func TestExplicitLayout(t *testing.T) {
	mustInit(t)
	amb := filepath.Join("testdata", "layouts", "ambiguous.onnx")
	_, err := Inspect(amb, LayoutYOLOv5)
	require.ErrorIs(t, err, ErrLayout)
	assert.Contains(t, err.Error(), "outputs do not fit the layout yolov5: a 3-anchor YOLOv5 head on a 320x320 "+
		"input has 3x2100 = 6300 (strides 8/16/32) or 3x2125 = 6375 (strides 8/16/32/64) rows, the output has 400")

	_, err = Inspect(amb, LayoutYOLOX)
	require.ErrorIs(t, err, ErrLayout)
	assert.Contains(t, err.Error(), "a YOLOX head on a 320x320 input has 2100 (strides 8/16/32) rows, the output has 400")

	_, err = Inspect(amb, LayoutYOLOv8)
	require.ErrorContains(t, err, "want [B,4+C,A] with A > 4+C >= 5, got [1 400 7]")

	_, err = Open(amb, Options{IoU: 0.5})
	require.ErrorIs(t, err, ErrLayout, "Open refuses it too")

	s, err := Inspect(filepath.Join("testdata", "layouts", "yolov5.onnx"), LayoutYOLOv5)
	require.NoError(t, err)
	assert.True(t, s.Explicit)
	assert.Equal(t, 2, s.NumClasses)

	_, err = ParseLayout("yolov9")
	require.ErrorContains(t, err, "unknown layout \"yolov9\", expected auto or one of: yolo-nas, yolo-nas-flat")
	l, err := ParseLayout("YOLO11")
	require.NoError(t, err)
	assert.Equal(t, LayoutYOLOv8, l)
}

// TestUint8Input: the uint8 model takes 0..255 integers; a /255-scaled tensor is refused with a message saying so.
func TestUint8Input(t *testing.T) {
	mustInit(t)
	m, err := Open(filepath.Join("testdata", "layouts", "yolonas_u8.onnx"), DefaultOptions())
	require.NoError(t, err)
	defer m.Close()
	assert.Equal(t, "uint8", m.InputType())
	in := make([]float32, 3*320*320)
	in[320*320+5*320+7] = 0.5
	_, err = m.Infer(in)
	require.ErrorContains(t, err, "input value 0.5 at channel 1, y 5, x 7 is not an integer in 0..255")
	in[320*320+5*320+7] = 256
	_, err = m.Infer(in)
	require.ErrorContains(t, err, "input value 256")
}

// TestClassCount: a label set of another size than the scores' C is refused at Open and by CheckClasses.
func TestClassCount(t *testing.T) {
	mustInit(t)
	p := filepath.Join("testdata", "layouts", "yolov5.onnx")
	o := DefaultOptions()
	o.NumClasses = 3
	_, err := Open(p, o)
	require.ErrorContains(t, err, "scores 2 classes but the label set has 3")
	m, err := Open(p, DefaultOptions())
	require.NoError(t, err)
	defer m.Close()
	require.NoError(t, m.CheckClasses([]string{"a", "b"}))
	require.ErrorContains(t, m.CheckClasses([]string{"person"}), "scores 2 classes but the label set names 1 ([person])")
}

// TestCloseIsClean: Close releases everything once, a second Close is a no-op, and a closed model refuses to run.
func TestCloseIsClean(t *testing.T) {
	mustInit(t)
	o := DefaultOptions()
	o.Batch = 2
	m, err := Open(filepath.Join("testdata", "layouts", "yolov8_dyn.onnx"), o)
	require.NoError(t, err)
	img := make([]float32, 3*320*320)
	_, err = m.InferBatch([][]float32{img, img, img}) // input tensors of batch 2 and 1 are created
	require.NoError(t, err)
	require.Len(t, m.inputs, 2)
	require.NoError(t, m.Close())
	assert.Empty(t, m.inputs)
	require.NoError(t, m.Close())
	_, err = m.Infer(img)
	require.ErrorContains(t, err, "used after Close")
}
