package report

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	_ "github.com/detparity/detparity/dataset/opencv" // registers the "opencv" decoder
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/parity"
)

// specInputs is an Options.Inputs for pipelines that are letterbox specs, made the
// way a run makes the tensor: the image decoded by the spec's decoder, the spec as
// run (PipelineResult.Spec) planned for its size, the bytes written by ApplyUint8 in
// the spec's layout, then turned back into an 8-bit image, tensor channel 0 as red.
func specInputs(res *parity.Result, dataDir string) func(string, string) (image.Image, error) {
	return func(name, pipeline string) (image.Image, error) {
		p := res.Pipeline(pipeline)
		if p == nil {
			return nil, fmt.Errorf("no pipeline %q in the run", pipeline)
		}
		spec, err := letterbox.Parse(p.Spec)
		if err != nil {
			return nil, err
		}
		dec, err := dataset.DecoderByName(spec.DecoderName())
		if err != nil {
			return nil, err
		}
		src, err := dec.Decode(filepath.Join(dataDir, "images", filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		spec.DType = letterbox.Uint8
		plan, err := spec.Plan(src.W, src.H)
		if err != nil {
			return nil, err
		}
		tensor := make([]uint8, plan.TensorLen())
		if err := plan.ApplyUint8(src, tensor); err != nil {
			return nil, err
		}
		g := plan.Geometry()
		return tensorImage(tensor, g.DstW, g.DstH, spec.Layout), nil
	}
}

// tensorImage turns a 3-channel uint8 tensor (NCHW or NHWC) into an RGBA image,
// tensor channel c as colour c.
func tensorImage(t []uint8, w, h int, layout letterbox.Layout) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			o := img.PixOffset(x, y)
			for c := range 3 {
				if layout == letterbox.NHWC {
					img.Pix[o+c] = t[(y*w+x)*3+c]
				} else {
					img.Pix[o+c] = t[c*w*h+y*w+x]
				}
			}
			img.Pix[o+3] = 0xff
		}
	}
	return img
}

// TestGalleryModelInputs: each gallery panel shows the tensor its pipeline fed the
// model. On a landscape fixture image sg-coco's tensor has grey (114) bands above and
// below the picture and 2-px ones at the sides; stretch's has none.
func TestGalleryModelInputs(t *testing.T) {
	res := fixtureResult(t)
	opt := DefaultOptions()
	opt.Inputs = specInputs(res, fixtureData)
	r, err := Build(res, opt)
	require.NoError(t, err)
	require.NotEmpty(t, r.Gallery)
	landscape := 0
	for _, g := range r.Gallery {
		for _, p := range g.Panels {
			require.NotEmpty(t, p.Input, "%s %s: %s", g.Name, p.Pipeline, p.InputNote)
			assert.Empty(t, p.InputNote)
			assert.Equal(t, "640×640", p.InputSize)
			assert.Equal(t, [2]int{240, 240}, [2]int{p.InputW, p.InputH}, "half the panel size")
			img, err := jpeg.Decode(bytes.NewReader(p.Input))
			require.NoError(t, err)
			require.Equal(t, image.Rect(0, 0, p.InputW, p.InputH), img.Bounds())
			if g.W <= g.H {
				continue
			}
			landscape++
			// Row 4 of 240 is tensor row ~11, inside sg-coco's top pad for any landscape
			// image wider than 16:9.9; stretch has picture there.
			grey := isPad(img, p.InputW/2, 4) && isPad(img, p.InputW/2, p.InputH-5)
			if p.Pipeline == "sg-coco" {
				assert.True(t, grey, "%s: sg-coco's tensor is padded with 114 above and below", g.Name)
			} else {
				assert.False(t, grey, "%s: stretch's tensor has no padding", g.Name)
			}
		}
	}
	assert.Positive(t, landscape, "the gallery has landscape images")

	var html bytes.Buffer
	require.NoError(t, r.WriteHTML(&html))
	assert.Equal(t, len(r.Plots)+2*2*len(r.Gallery), strings.Count(html.String(), "<img "), "plots, then per panel the drawing and the model input")
	assert.True(t, strings.Contains(html.String(), `<div class="input">model input, 640×640`), "the input's size is shown")
	assert.True(t, strings.Contains(html.String(), "the tensor that pipeline fed the model, padding included, as an 8-bit image with tensor channel 0 shown as red"))
}

// isPad reports whether the pixel is the pad value 114 in every channel (within JPEG error).
func isPad(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	near := func(v uint32) bool { return v>>8 >= 108 && v>>8 <= 120 }
	return near(r) && near(g) && near(b)
}

// TestGalleryWithoutInputs: without the hook, or when it fails for one pipeline, the
// panel says so and no image is drawn for it.
func TestGalleryWithoutInputs(t *testing.T) {
	res := fixtureResult(t)
	opt := DefaultOptions()
	opt.Gallery = 2
	r, err := Build(res, opt)
	require.NoError(t, err)
	for _, g := range r.Gallery {
		for _, p := range g.Panels {
			assert.Nil(t, p.Input)
			assert.Contains(t, p.InputNote, "model input not shown")
		}
	}
	var html bytes.Buffer
	require.NoError(t, r.WriteHTML(&html))
	assert.Equal(t, len(r.Plots)+2*len(r.Gallery), strings.Count(html.String(), "<img "))
	assert.True(t, strings.Contains(html.String(), `<div class="input noinput">model input not shown`))

	inputs := specInputs(res, fixtureData)
	opt.Inputs = func(name, pipeline string) (image.Image, error) {
		if pipeline == "stretch" {
			return nil, errors.New("tensor folder has no file for " + name)
		}
		return inputs(name, pipeline)
	}
	r, err = Build(res, opt)
	require.NoError(t, err)
	for _, g := range r.Gallery {
		assert.Equal(t, "model input not shown: tensor folder has no file for "+g.Name, g.Panels[0].InputNote)
		assert.Nil(t, g.Panels[0].Input)
		assert.NotEmpty(t, g.Panels[1].Input)
	}
}

// assertHas checks that page holds want without printing the whole page when not.
func assertHas(t *testing.T, page, want string) {
	t.Helper()
	assert.True(t, strings.Contains(page, want), "the page lacks %q", want)
}

// assertHasNot checks that page does not hold s.
func assertHasNot(t *testing.T, page, s string) {
	t.Helper()
	assert.False(t, strings.Contains(page, s), "the page holds %q", s)
}
