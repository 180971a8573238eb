package paritytest

import (
	"image"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/draw"

	_ "github.com/detparity/detparity/dataset/opencv"
	"github.com/detparity/detparity/explain"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/parity"
)

// specPreprocessor is a Preprocessor made from a letterbox spec: what a team
// gets when its service uses detparity's own letterbox.
func specPreprocessor(t *testing.T, name, spec, decoder string) parity.Preprocessor {
	s, err := letterbox.Parse(spec)
	require.NoError(t, err)
	return parity.Preprocessor{Name: name, Decoder: decoder, Prepare: func(in parity.Input, dst []float32) (parity.Unmapper, error) {
		pl, err := s.Plan(in.W, in.H)
		if err != nil {
			return nil, err
		}
		return pl.Geometry(), pl.Apply(in.Image, dst)
	}}
}

// xdraw is a letterbox written with golang.org/x/image/draw's bilinear scaler:
// right geometry, other interpolation weights.
var xdraw = parity.Preprocessor{Name: "xdraw", Decoder: "opencv", Prepare: func(in parity.Input, dst []float32) (parity.Unmapper, error) {
	src := in.Image.ToRGBA()
	r := math.Min(636/float64(in.W), 636/float64(in.H))
	w, h := int(math.RoundToEven(float64(in.W)*r)), int(math.RoundToEven(float64(in.H)*r))
	scaled := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(scaled, scaled.Bounds(), src, src.Bounds(), draw.Src, nil)
	left, top := (640-w)/2, (640-h)/2
	for i := range dst {
		dst[i] = float32(114 / 255.0)
	}
	for y := range h {
		for x := range w {
			p := scaled.Pix[y*scaled.Stride+4*x:]
			o := (top+y)*640 + left + x
			for c := range 3 {
				dst[c*640*640+o] = float32(float64(p[c]) / 255)
			}
		}
	}
	return parity.UnmapFunc(nil), nil
}}

// TestRequireTensorParity: the training preprocessing passes; an x/image/draw
// bilinear letterbox, a stretch and the right spec decoded by Go's JPEG decoder
// fail, each with the explanation of what differs.
func TestRequireTensorParity(t *testing.T) {
	imgs := []string{data + "/images/00000.jpg", data + "/images/00001.jpg"}
	rec := &recTB{}
	RequireTensorParity(rec, specPreprocessor(t, "ours", "sg-coco", "opencv"), "sg-coco", explain.DefaultTolerance, imgs...)
	assert.False(t, rec.failed, rec.errs)

	for _, c := range []struct {
		pre  parity.Preprocessor
		want string
	}{
		{xdraw, "instead of cv2.inter_linear"},
		{specPreprocessor(t, "stretched", "stretch", "opencv"), "stretched to 640x640"},
		{specPreprocessor(t, "go-jpeg", "sg-coco", "go"), "decoded with go's image/jpeg"},
	} {
		rec := &recTB{}
		RequireTensorParity(rec, c.pre, "sg-coco", explain.DefaultTolerance, imgs...)
		require.True(t, rec.failed, c.pre.Name)
		require.Len(t, rec.errs, 1)
		msg := rec.errs[0]
		t.Logf("%s:\n%s", c.pre.Name, msg)
		assert.Contains(t, msg, "RequireTensorParity("+c.pre.Name+", sg-coco)")
		assert.Contains(t, strings.ToLower(msg), c.want, c.pre.Name)
	}
	rec = &recTB{}
	RequireTensorParity(rec, xdraw, "sg-coco", 0)
	assert.Contains(t, rec.errs[0], "no image given")
}
