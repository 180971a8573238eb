package explain_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"math"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/explain"
	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

// render is what a Go pipeline would hand to Compare: spec applied to the
// image decoded by the given decoder.
func render(t testing.TB, path, spec, decoder string) ([]float32, letterbox.Spec) {
	t.Helper()
	s, err := letterbox.Parse(spec)
	require.NoError(t, err)
	d, err := dataset.DecoderByName(decoder)
	require.NoError(t, err)
	im, err := d.Decode(path)
	require.NoError(t, err)
	p, err := s.Plan(im.W, im.H)
	require.NoError(t, err)
	out := make([]float32, p.TensorLen())
	require.NoError(t, p.Apply(im, out))
	return out, s
}

func mustSpec(t testing.TB, s string) letterbox.Spec {
	t.Helper()
	sp, err := letterbox.Parse(s)
	require.NoError(t, err)
	return sp
}

// TestStretchedFixture: the seed's failure (F1 0.9 -> 0.05 on the fixture
// model) is a 640x640 stretch of a 16:9 frame; explained against sg-coco it
// is named as a stretch and nothing else, and stretch reproduces it exactly.
// A portrait frame too.
func TestStretchedFixture(t *testing.T) {
	for _, img := range []string{"00003.jpg", "00001.jpg"} {
		path := filepath.Join("../fixtures/eval/images", img)
		tensor, _ := render(t, path, "stretch", "opencv")
		e, err := explain.Compare(context.Background(), path, tensor, []int{1, 3, 640, 640}, mustSpec(t, "sg-coco"), explain.DefaultTolerance)
		require.NoError(t, err)
		require.Len(t, e.Findings, 1, e.Words())
		assert.Equal(t, "mode", e.Findings[0].Key)
		assert.Equal(t, "stretch", e.Findings[0].Got)
		assert.Contains(t, e.Words()[0], "stretched to 640x640 without keeping the aspect ratio")
		assert.Equal(t, "sg-coco:mode=stretch", e.Best)
		assert.True(t, e.BestExact)
		assert.False(t, e.Identical)
		assert.Greater(t, e.VsAgainst.Differing, 0.9, "almost every value differs")
	}
}

// TestGoDecoder: a Go pipeline that decodes with image/jpeg instead of
// libjpeg (the "opencv" decoder) is told so, on a catalogue image at 64 and
// a fixture frame at 640; with the decoder fixed (decoder=go) the tensor is
// reproduced exactly.
func TestGoDecoder(t *testing.T) {
	for _, c := range []struct{ path, spec, against, best string }{
		{"../fixtures/explain/a.jpg", "sg-coco:size=64,inner=60,decoder=go", "sg-coco", "sg-coco:size=64,inner=60,decoder=go"},
		{"../fixtures/eval/images/00000.jpg", "sg-coco:decoder=go", "sg-coco", "sg-coco:decoder=go"},
	} {
		tensor, s := render(t, c.path, c.spec, "go")
		w, h := s.Dims()
		e, err := explain.Compare(context.Background(), c.path, tensor, []int{1, 3, h, w}, mustSpec(t, c.against), explain.DefaultTolerance)
		require.NoError(t, err)
		require.Len(t, e.Findings, 1, e.Words())
		assert.Equal(t, "decoder", e.Findings[0].Key)
		assert.Equal(t, "JPEG decoded with Go's image/jpeg instead of libjpeg via OpenCV (cv2.imread)", e.Findings[0].Text)
		assert.Equal(t, c.best, e.Best)
		assert.True(t, e.BestExact, e.Words())
	}
}

// TestAgainstChoice: with no spec given every preset is a candidate and the
// explanation is written against the one needing the fewest changes; with a
// list, against the best of the list.
func TestAgainstChoice(t *testing.T) {
	a, err := npy.ReadFile("../fixtures/explain/yolox_exact_c.npy")
	require.NoError(t, err)
	e, err := explain.Explain(context.Background(), explain.Input{ImagePath: "../fixtures/explain/c.jpg", Tensor: explain.FromNPY(a)}, explain.DefaultOptions())
	require.NoError(t, err)
	assert.True(t, e.Identical, e.Words())
	// sg-custom (round(), top-left, BGR, 0..255) and YOLOX (int()) agree on
	// this image: the first preset in name order is the verdict, the others
	// are named in a note.
	assert.Equal(t, "sg-custom:size=64", e.Against)
	assert.Equal(t, []string{"equally identical to sg-custom-train:size=64, yolox:size=64"}, e.Notes)

	a, err = npy.ReadFile("../fixtures/explain/stretch_a.npy")
	require.NoError(t, err)
	e, err = explain.Explain(context.Background(), explain.Input{ImagePath: "../fixtures/explain/a.jpg", Tensor: explain.FromNPY(a),
		Against: []letterbox.Spec{mustSpec(t, "sg-coco"), mustSpec(t, "stretch")}}, explain.DefaultOptions())
	require.NoError(t, err)
	assert.True(t, e.Identical, e.Words())
	assert.Equal(t, "stretch:size=64", e.Against)
	assert.Equal(t, "identical to stretch:size=64 (max |Δ| 0, tolerance 1e-05 per value, for float32 rounding)", e.Words()[0])
}

// TestTolerance: the ImageNet tensor numpy made (float32 /255, then float64
// mean and std) differs from letterbox's float64 arithmetic by 2.4e-7: equal
// within the default tolerance, not bit-exact.
func TestTolerance(t *testing.T) {
	a, err := npy.ReadFile("../fixtures/explain/imagenet_b.npy")
	require.NoError(t, err)
	spec := mustSpec(t, "sg-coco:size=64,inner=60,mean=0.485/0.456/0.406,std=0.229/0.224/0.225")
	path := "../fixtures/explain/b.jpg"
	e, err := explain.Compare(context.Background(), path, a.Float32(), a.Shape, spec, explain.DefaultTolerance)
	require.NoError(t, err)
	assert.True(t, e.Identical, e.Words())
	assert.InDelta(t, 2.4e-7, e.VsAgainst.MaxAbs, 0.1e-7)
	e, err = explain.Compare(context.Background(), path, a.Float32(), a.Shape, spec, 0)
	require.NoError(t, err)
	assert.False(t, e.Identical)
	assert.Empty(t, e.Findings, "nothing but rounding differs")
	assert.Contains(t, e.Words()[len(e.Words())-1], "not fully explained")
	_, err = explain.Compare(context.Background(), path, a.Float32(), a.Shape, spec, math.NaN())
	assert.EqualError(t, err, "explain: Tolerance NaN, expected a finite value >= 0")
}

// TestModelSize: a tensor that is not the model's input size is reported
// first, and the rest is explained at the tensor's size.
func TestModelSize(t *testing.T) {
	a, err := npy.ReadFile("../fixtures/explain/pad0_a.npy")
	require.NoError(t, err)
	e, err := explain.Explain(context.Background(), explain.Input{ImagePath: "../fixtures/explain/a.jpg", Tensor: explain.FromNPY(a),
		Against: []letterbox.Spec{mustSpec(t, "sg-coco")}, Width: 640, Height: 640}, explain.DefaultOptions())
	require.NoError(t, err)
	require.Len(t, e.Findings, 2)
	assert.Equal(t, explain.Finding{Key: "size", Want: "640x640", Got: "64x64",
		Text: "the tensor is 64x64 but the model input is 640x640 (compared with sg-coco:size=64,inner=60 at the tensor's size)"}, e.Findings[0])
	assert.Equal(t, "pad", e.Findings[1].Key)
}

// TestHeatmap: the difference image is black where the tensor equals the
// spec's and bright where it does not (the padding of a pad=0 tensor), all
// black for an identical tensor, and the same bytes every time.
func TestHeatmap(t *testing.T) {
	e := explainFile(t, "a.jpg", "pad0_a.npy", "sg-coco")
	var b1, b2 bytes.Buffer
	require.NoError(t, e.WriteHeatmap(&b1))
	require.NoError(t, e.WriteHeatmap(&b2))
	assert.Equal(t, b1.Bytes(), b2.Bytes())
	img, err := png.Decode(&b1)
	require.NoError(t, err)
	assert.Equal(t, 64, img.Bounds().Dx())
	bright := func(x, y int) bool { r, g, _, _ := img.At(x, y).RGBA(); return r > 0x8000 || g > 0x8000 }
	assert.True(t, bright(0, 0), "padding (114 levels off) is bright")
	assert.True(t, bright(63, 63))
	assert.False(t, bright(32, 32), "content is unchanged")
	r, g, bl, _ := img.At(32, 32).RGBA()
	assert.Zero(t, r+g+bl)

	e = explainFile(t, "a.jpg", "exact_a.npy", "sg-coco")
	b1.Reset()
	require.NoError(t, e.WriteHeatmap(&b1))
	img, err = png.Decode(&b1)
	require.NoError(t, err)
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			require.Zero(t, r+g+b, "pixel %d,%d", x, y)
		}
	}
}

// TestJSON: the explanation marshals with snake_case keys, the findings and
// an infinite PSNR as null.
func TestJSON(t *testing.T) {
	e := explainFile(t, "a.jpg", "exact_a.npy", "sg-coco")
	b, err := json.Marshal(e)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, true, m["identical"])
	assert.Equal(t, "sg-coco:size=64,inner=60", m["against"])
	assert.Equal(t, []any{}, m["findings"])
	assert.Nil(t, m["vs_against"].(map[string]any)["psnr_db"])
	assert.Equal(t, []any{1.0, 3.0, 64.0, 64.0}, m["shape"])
}

// TestBadInputs: every bad input is an error naming the file and what was
// expected.
func TestBadInputs(t *testing.T) {
	ctx := context.Background()
	img := "../fixtures/explain/a.jpg"
	sg := mustSpec(t, "sg-coco")
	v := make([]float32, 3*64*64)
	for name, c := range map[string]struct {
		path  string
		vals  []float32
		shape []int
		want  string
	}{
		"shape":     {img, v, []int{1, 3, 64, 63}, "explain: tensor for " + img + ": shape (1, 3, 64, 63) holds 12096 values, but the tensor has 12288"},
		"batch":     {img, append(v, v...), []int{2, 3, 64, 64}, "shape (2, 3, 64, 64) is a batch of 2 images, expected one image: (1, 3, H, W)"},
		"rank":      {img, v, []int{192, 64}, "shape (192, 64) has 2 axes, expected one image: (1, 3, H, W), (3, H, W), (1, H, W, 3) or (H, W, 3)"},
		"channels":  {img, v, []int{1, 4, 48, 64}, "shape (1, 4, 48, 64) has no axis of 3 channels first or last"},
		"nan":       {img, append([]float32{float32(math.NaN())}, v[1:]...), []int{1, 3, 64, 64}, "value 0 is NaN, expected finite values"},
		"missing":   {"../fixtures/explain/missing.jpg", v, []int{1, 3, 64, 64}, "explain: stat ../fixtures/explain/missing.jpg: no such file or directory"},
		"folder":    {"../fixtures/explain", v, []int{1, 3, 64, 64}, "explain: ../fixtures/explain is not a regular file (d---------), expected an image file"},
		"not image": {"../fixtures/explain/manifest.json", v, []int{1, 3, 64, 64}, "dataset: decode ../fixtures/explain/manifest.json: not a JPEG, PNG or BMP file"},
		"inner":     {img, v[:3*64*48], []int{1, 3, 48, 64}, `explain: the tensor is 64x48, which spec "sg-coco" cannot make`},
	} {
		_, err := explain.Compare(ctx, c.path, c.vals, c.shape, sg, explain.DefaultTolerance)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
	fifo := filepath.Join(t.TempDir(), "img.jpg")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	_, err := explain.Compare(ctx, fifo, v, []int{1, 3, 64, 64}, sg, 0)
	assert.EqualError(t, err, "explain: "+fifo+" is not a regular file (p---------), expected an image file")
	_, err = explain.Explain(ctx, explain.Input{ImagePath: img, Tensor: explain.Tensor{Values: v, Shape: []int{1, 3, 64, 64}, DType: "int8"}}, explain.DefaultOptions())
	assert.EqualError(t, err, `explain: tensor for `+img+`: dtype "int8", expected float32, float16, uint8 or float64`)
}

// TestPNGDecoder: for a PNG (lossless: every decoder returns the same
// pixels) no decoder difference is reported, whichever decoder the spec names.
func TestPNGDecoder(t *testing.T) {
	im := frame.New(50, 40, frame.RGB)
	for i := range im.Pix {
		im.Pix[i] = uint8(i * 13 % 256)
	}
	path := filepath.Join(t.TempDir(), "x.png")
	writePNG(t, path, im)
	tensor, _ := render(t, path, "sg-coco:size=32,inner=28,pad=0", "go")
	e, err := explain.Compare(context.Background(), path, tensor, []int{1, 3, 32, 32}, mustSpec(t, "sg-coco:decoder=go"), 0)
	require.NoError(t, err)
	require.Len(t, e.Findings, 1, e.Words())
	assert.Equal(t, "pad", e.Findings[0].Key)
	assert.Equal(t, "sg-coco:size=32,inner=28,pad=0,decoder=go", e.Best)
}

// TestGreyImage: on a grey image the channel order cannot be seen; an
// sg-coco tensor of it is identical to sg-coco and to a BGR variant alike,
// with no spurious finding.
func TestGreyImage(t *testing.T) {
	im := frame.New(50, 40, frame.RGB)
	for i := range im.Pix {
		im.Pix[i] = uint8((i / 3) % 251)
	}
	path := filepath.Join(t.TempDir(), "grey.png")
	writePNG(t, path, im)
	for _, s := range []string{"sg-coco:size=32,inner=28", "sg-coco:size=32,inner=28,order=bgr"} {
		spec := mustSpec(t, s)
		tensor, _ := render(t, path, "sg-coco:size=32,inner=28", "go")
		e, err := explain.Compare(context.Background(), path, tensor, []int{3, 32, 32}, spec, 0)
		require.NoError(t, err)
		assert.True(t, e.Identical, "%s: %s", s, strings.Join(e.Words(), "\n"))
	}
}

// TestJSONWords: the JSON carries the words too.
func TestJSONWords(t *testing.T) {
	e := explainFile(t, "a.jpg", "pad0_a.npy", "sg-coco")
	b, err := json.Marshal(e)
	require.NoError(t, err)
	var m struct {
		Words    []string          `json:"words"`
		Findings []explain.Finding `json:"findings"`
		Best     string            `json:"best"`
	}
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, e.Words(), m.Words)
	assert.Equal(t, e.Findings, m.Findings)
	assert.Equal(t, "sg-coco:size=64,inner=60,pad=0", m.Best)
}

// TestWrongImage: a tensor of another image is not dressed up as a list of
// preprocessing faults.
func TestWrongImage(t *testing.T) {
	e := explainFile(t, "c.jpg", "exact_a.npy", "sg-coco")
	require.Len(t, e.Findings, 1, e.Words())
	assert.Equal(t, "image", e.Findings[0].Key)
	assert.Contains(t, e.Findings[0].Text, "the tensor does not look like a preprocessing of ../fixtures/explain/c.jpg")
	assert.Empty(t, e.Best)
	assert.False(t, e.BestExact)
	assert.Equal(t, "not explained: no preprocessing of this image that explain tries comes close to the tensor", e.Words()[len(e.Words())-1])
}

// TestCancelled: a cancelled context ends the search with its error.
func TestCancelled(t *testing.T) {
	a, err := npy.ReadFile("../fixtures/explain/stretch_a.npy")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = explain.Compare(ctx, "../fixtures/explain/a.jpg", a.Float32(), a.Shape, mustSpec(t, "sg-coco"), 0)
	assert.ErrorIs(t, err, context.Canceled)
}
