package detect

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// familiesFile is testdata/families.json, written by scripts/make_family_models.py: one small real model per
// layout added for third-party families, with the detections Python decoded from the PyTorch outputs the authors'
// way.
type familiesFile struct {
	Models []familyModel `json:"models"`
}

type familyModel struct {
	layoutModel
	// Metadata is the metadata_props the script wrote (Ultralytics' keys, str() values).
	Metadata map[string]string `json:"metadata"`
	// Sizes are a dynamic-size model's references at several input sizes.
	Sizes []struct {
		InputShape []int       `json:"input_shape"`
		Seed       uint64      `json:"seed"`
		SHA256     string      `json:"sha256"`
		References []layoutRef `json:"references"`
	} `json:"sizes"`
}

func loadFamilies(t *testing.T) []familyModel {
	t.Helper()
	var f familiesFile
	readJSON(t, "families.json", &f)
	require.Len(t, f.Models, 19)
	return f.Models
}

func familyByName(t *testing.T, name string) familyModel {
	t.Helper()
	for _, fm := range loadFamilies(t) {
		if fm.Name == name {
			return fm
		}
	}
	t.Fatalf("no family model %q", name)
	return familyModel{}
}

// ambiguousFamilies are the models whose layout nothing in the file tells: NanoDet's GFL head and NanoDet-Plus'
// have the same outputs, values included, and differ only in where the cell centre is.
var ambiguousFamilies = map[string]bool{"nanodet": true, "nanodet_plus": true}

// TestFamiliesInspect: Inspect names each family model's layout from its shapes, names, auxiliary inputs,
// metadata and the values of a zero run; the two NanoDet heads are refused as ambiguous, listing exactly the two
// candidates, each of which --layout then accepts.
func TestFamiliesInspect(t *testing.T) {
	mustInit(t)
	for _, fm := range loadFamilies(t) {
		t.Run(fm.Name, func(t *testing.T) {
			s, err := Inspect(fm.path(), LayoutAuto)
			if ambiguousFamilies[fm.Name] {
				var amb *AmbiguousError
				require.ErrorAs(t, err, &amb)
				assert.Equal(t, []Layout{LayoutNanoDetPlus, LayoutNanoDet}, amb.Candidates)
				for _, l := range amb.Candidates {
					s, err := Inspect(fm.path(), l)
					require.NoError(t, err, l)
					assert.Equal(t, 7, s.RegMax)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, fm.Layout, s.Layout, s.Evidence)
			assert.True(t, s.Probed)
		})
	}
}

// familyOptions opens a family model: auto-detected, or with its layout for the ambiguous ones.
func familyOptions(fm familyModel, ref layoutRef) Options {
	opts := ref.options()
	if ambiguousFamilies[fm.Name] {
		opts.Layout = fm.Layout
	}
	return opts
}

// TestFamiliesMatchPython: every family model through real ONNX Runtime, decoded and post-processed in Go,
// reproduces the detections Python decoded the authors' way, in order, for every image and configuration
// (tolerances and margins as TestLayoutsMatchPython). Multi-input models get their auxiliary inputs from detect;
// the NHWC model takes HWC tensors; the dynamic-size model runs at each reference size through RunBatch and
// Signature.At.
func TestFamiliesMatchPython(t *testing.T) {
	mustInit(t)
	for _, fm := range loadFamilies(t) {
		t.Run(fm.Name, func(t *testing.T) {
			require.Greater(t, fm.ScoreMarg, 2e-5)
			require.Greater(t, fm.IoUMarg, 2e-5)
			if len(fm.Sizes) > 0 {
				matchSizes(t, fm)
				return
			}
			imgs := fm.images(t)
			for _, ref := range fm.References {
				opts := familyOptions(fm, ref)
				opts.Batch = 2
				m, err := Open(fm.path(), opts)
				require.NoError(t, err)
				got, err := m.InferBatch(imgs)
				require.NoError(t, err)
				require.Len(t, got, len(ref.Images))
				for i, want := range ref.Images {
					require.NotEmpty(t, want.Detections)
					requireDetections(t, want.Detections, got[i], 1e-3, 1e-5)
				}
				require.NoError(t, m.Close())
			}
		})
	}
}

// matchSizes runs a dynamic-size model at each of its reference sizes.
func matchSizes(t *testing.T, fm familyModel) {
	m, err := Open(fm.path(), DefaultOptions())
	require.NoError(t, err)
	defer m.Close()
	sig := m.Signature()
	require.True(t, sig.DynamicSize)
	for _, sz := range fm.Sizes {
		h, w := sz.InputShape[2], sz.InputShape[3]
		img, sum := genImage(3*h*w, sz.Seed, "float32")
		require.Equal(t, sz.SHA256, sum)
		outs, err := m.RunBatch(w, h, [][]float32{img})
		require.NoError(t, err)
		at, err := sig.At(w, h)
		require.NoError(t, err)
		for _, ref := range sz.References {
			got, _, err := at.Decode(outs, 1, ref.options())
			require.NoError(t, err)
			requireDetections(t, ref.Images[0].Detections, got[0], 1e-3, 1e-5)
		}
	}
}

// TestUltralyticsMetadata: the model written with Ultralytics' exact metadata keys and str() value formats is read
// back key for key; the parsed description gives the producer, class names (quotes, backslashes and non-ASCII
// included), imgsz, stride, task and the export flags, and the layout is the one the metadata implies.
func TestUltralyticsMetadata(t *testing.T) {
	mustInit(t)
	fm := familyByName(t, "yolov8_meta")
	s, err := Inspect(fm.path(), LayoutAuto)
	require.NoError(t, err)
	m := s.Metadata
	require.NotNil(t, m)
	assert.Equal(t, fm.Metadata, m.Props)
	assert.Equal(t, "pytorch", m.ProducerName)
	assert.Equal(t, "ultralytics 8.3.40", m.Producer())
	assert.Equal(t, []string{"person", "o'clock tower", `café "noir" \ n`}, m.Names)
	assert.Equal(t, []int{320, 320}, m.ImgSz)
	assert.Equal(t, []any{32, "detect", 1, 3}, []any{m.Stride, m.Task, m.Batch, m.Channels})
	for name, b := range map[string]*bool{"end2end": m.EndToEnd, "nms": m.NMS, "dynamic": m.Dynamic} {
		require.NotNil(t, b, name)
		assert.False(t, *b, name)
	}
	assert.Equal(t, map[string]any{"batch": int64(1), "dynamic": false, "half": false, "int8": false, "nms": false,
		"opset": nil, "simplify": true}, m.Args)
	assert.Empty(t, m.Unknown)
	assert.Equal(t, LayoutYOLOv8, s.Layout)
	assert.Equal(t, len(m.Names), s.NumClasses)

	// A model without metadata has an empty description, never a guessed one.
	s, err = Inspect(filepath.Join("testdata", "layouts", "yolov5.onnx"), LayoutAuto)
	require.NoError(t, err)
	assert.Equal(t, "", s.Metadata.Producer())
	assert.Nil(t, s.Metadata.Names)
}

// TestMetadataTellsEndToEndFromNMS: two [1,30,6] models, one an end-to-end head (end2end True), one an nms=True
// export: the metadata names each one's layout, and naming the other layout is refused by the metadata. Without
// metadata (layouts/end2end.onnx) the rows are read as end2end, never as an NMS export.
func TestMetadataTellsEndToEndFromNMS(t *testing.T) {
	mustInit(t)
	e2e, nms := familyByName(t, "end2end_meta").path(), familyByName(t, "ultralytics_nms").path()
	s, err := Inspect(e2e, LayoutAuto)
	require.NoError(t, err)
	assert.Equal(t, LayoutEndToEnd, s.Layout)
	assert.Contains(t, s.Evidence, "metadata says end2end True")
	s, err = Inspect(nms, LayoutAuto)
	require.NoError(t, err)
	assert.Equal(t, LayoutUltralyticsNMS, s.Layout)
	assert.Contains(t, s.Evidence, "metadata says args nms True")

	_, err = Inspect(nms, LayoutEndToEnd)
	require.ErrorIs(t, err, ErrLayout)
	assert.Contains(t, err.Error(), "the Ultralytics metadata says args nms True, i.e. layout ultralytics-nms")
	_, err = Inspect(e2e, LayoutUltralyticsNMS)
	require.ErrorContains(t, err, "the Ultralytics metadata says end2end True, i.e. layout end2end")

	s, err = Inspect(filepath.Join("testdata", "layouts", "end2end.onnx"), LayoutAuto)
	require.NoError(t, err)
	assert.Equal(t, LayoutEndToEnd, s.Layout)
}

// TestValueChecksRefuse: a layout named for outputs that fit its shapes but not its meaning is refused at the first
// decode, saying what looked wrong, naming the decoder used and the layouts whose checks the outputs pass — never
// decoded into nonsense (the SSD face detector read as YOLO-NAS gave boxes 0.1 px wide).
func TestValueChecksRefuse(t *testing.T) {
	mustInit(t)
	cases := []struct {
		model string
		as    Layout
		want  []string
	}{
		{"ssd", LayoutYOLONAS, []string{"(yolo-nas): image 0: output values do not fit layout yolo-nas: every box " +
			"coordinate lies within", "look normalised to 0..1, not input pixels", "try --layout ssd)"}},
		{"ssd_priors", LayoutSSD, []string{"(ssd): image 0: output values do not fit layout ssd: row ",
			"has x2 < x1 or y2 < y1", "try --layout ssd-priors)"}},
		{"ssd", LayoutSSDPriors, []string{"every row has x1 <= x2 and y1 <= y2 like decoded boxes",
			"try --layout ssd)"}},
		{"yolov6", LayoutYOLOX, []string{"(yolox): image 0: output values do not fit layout yolox: the objectness " +
			"(column 4) is 1 in every row", "try --layout yolov6)"}},
		{"retinaface_concat", LayoutRTDETRUltralytics, []string{"(rtdetr-ultralytics)", "is outside [0, 1]",
			"try --layout retinaface)"}},
	}
	for _, c := range cases {
		fm := familyByName(t, c.model)
		o := DefaultOptions()
		o.Layout = c.as
		m, err := Open(fm.path(), o)
		require.NoError(t, err, "%s as %s: the shapes fit", c.model, c.as)
		_, err = m.InferBatch(fm.images(t)[:1])
		require.ErrorIs(t, err, ErrLayout)
		for _, w := range c.want {
			assert.Contains(t, err.Error(), w, "%s as %s", c.model, c.as)
		}
		require.NoError(t, m.Close())
	}
}

// TestAuxInputs: the multi-input exports record the inputs detect feeds and what it feeds them.
func TestAuxInputs(t *testing.T) {
	mustInit(t)
	s, err := Inspect(familyByName(t, "rtdetr").path(), LayoutAuto)
	require.NoError(t, err)
	assert.Equal(t, []AuxInput{{Name: "orig_target_sizes", Type: "int64", Value: "w,h"}}, s.Aux)
	assert.Equal(t, "images", s.InputName)
	s, err = Inspect(familyByName(t, "paddle_nms").path(), LayoutAuto)
	require.NoError(t, err)
	assert.Equal(t, []AuxInput{{Name: "scale_factor", Type: "float32", Value: "1,1"},
		{Name: "im_shape", Type: "float32", Value: "h,w"}}, s.Aux)
	_, err = Inspect(familyByName(t, "rtdetr").path(), LayoutYOLOv8)
	require.ErrorContains(t, err, "the model has inputs besides the image (orig_target_sizes), which only layouts "+
		"rtdetr and paddle-nms take")
}

// TestDynamicSize: a model with symbolic batch, height and width opens, says so, and is refused where no size is
// given (Infer, Decode without At); a size whose grids do not match the outputs is refused with both counts.
func TestDynamicSize(t *testing.T) {
	mustInit(t)
	fm := familyByName(t, "yolov8_dynhw")
	m, err := Open(fm.path(), DefaultOptions())
	require.NoError(t, err)
	defer m.Close()
	s := m.Signature()
	assert.Equal(t, []any{true, 0, 0, []string{"batch", "height", "width"}, LayoutYOLOv8},
		[]any{s.DynamicSize, s.Width, s.Height, s.DynamicAxes(), s.Layout})
	require.NotNil(t, s.Metadata.Dynamic)
	assert.True(t, *s.Metadata.Dynamic)
	_, err = m.Infer(make([]float32, 3*320*320))
	require.ErrorContains(t, err, "the input size is symbolic")
	outs, err := m.RunBatch(100, 100, [][]float32{make([]float32, 3*100*100)})
	require.NoError(t, err, "ONNX Runtime runs it at any size")
	_, _, err = s.Decode(outs, 1, DefaultOptions())
	require.ErrorContains(t, err, "decode with the signature At(w, h) gives")
	at, err := s.At(100, 100)
	require.NoError(t, err)
	_, _, err = at.Decode(outs, 1, DefaultOptions())
	require.ErrorIs(t, err, ErrLayout)
	assert.Contains(t, err.Error(), "a YOLOv8 head on a 100x100 input has 189 (strides 8/16/32) or 190 "+
		"(strides 8/16/32/64) rows, the output has 234")
	_, err = s.At(0, 5)
	require.Error(t, err)
}

// TestPriorCounts: the generators give the prior counts of the released models (UltraFace RFB-320: 4420 at
// 320x240, RFB-640: 17640 at 640x480; RetinaFace at 640x640: 16800), and UltraFace's map-based centres differ from
// RetinaFace's stride-based ones where the size is not a multiple of the stride (240 / 32).
func TestPriorCounts(t *testing.T) {
	assert.Equal(t, 4420, UltraFacePriors.Count(320, 240))
	assert.Equal(t, 17640, UltraFacePriors.Count(640, 480))
	assert.Equal(t, 16800, RetinaFacePriors.Count(640, 640))
	u := UltraFacePriors.Generate(320, 240)
	require.Len(t, u, 4*4420)
	// First stride-32 prior: level 3 starts after 40*30*3 + 20*15*2 = 4200 priors; centre y = 0.5/8.
	assert.InDelta(t, 0.5/8, u[4*4200+1], 1e-7)
	r := PriorBoxes{Strides: []int{32}, MinSizes: [][]float64{{16}}}
	assert.InDelta(t, 0.5*32/240, r.Generate(320, 240)[1], 1e-7)
}

// TestGFLSplit: the class count of a concatenated GFL output is where the [0, 1] columns end; a row whose leading
// [0, 1] columns leave no 4*(R+1) rest (a YOLOX row with its x, y offsets in [0, 1]) is refused.
func TestGFLSplit(t *testing.T) {
	s := &Signature{Path: "g.onnx", Layout: LayoutNanoDetPlus}
	mk := func(d int, unit int) []Output {
		v := make([]float32, 10*d)
		for i := range 10 {
			for k := range d {
				v[i*d+k] = 0.5
				if k >= unit {
					v[i*d+k] = float32(k) - 40
				}
			}
		}
		return []Output{{Name: "o", Shape: []int64{1, 10, int64(d)}, Float: v}}
	}
	require.NoError(t, gflSplit(s, mk(112, 80)))
	assert.Equal(t, []int{80, 7}, []int{s.NumClasses, s.RegMax})
	err := gflSplit(s, mk(85, 2))
	require.ErrorIs(t, err, ErrLayout)
	assert.Contains(t, err.Error(), "the first 2 of the 85 columns lie in [0, 1]")
}
