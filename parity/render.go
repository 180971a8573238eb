package parity

import (
	"fmt"
	"image"
	"math"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/letterbox"
)

// keepStages keeps what InputImage needs to prepare an image again: the
// loader and every run's bound pipeline (no model session).
func (r *Result) keepStages(e *engine) {
	r.render = &renderer{ld: e.ld, runs: e.runs, decoders: e.decoders}
}

// renderer prepares one image again through one run's pipeline.
type renderer struct {
	ld       loader
	runs     []engineRun
	decoders []dataset.Decoder
}

// InputImage prepares the named image (ImageRecord.Name) again through the
// named pipeline (PipelineResult.Name) and returns the tensor the model received as an 8-bit RGB image the size of the
// tensor, padding included: what the report shows beside each gallery image.
// Tensor channel 0 is shown as red, as detparity preprocess writes it, so a
// BGR tensor looks blue-tinted: the channel order the model got is visible. A
// spec's value transform is inverted exactly, (x*std + mean)/scale; other
// pipelines' tensors are shown as 0..1 or 0..255 values when they lie in that
// range, else stretched channel by channel from their minimum to their maximum. It fails for a
// result read back from JSON (nothing to prepare it with).
//
// Its signature is report.Options.Inputs'.
func (r *Result) InputImage(name, pipeline string) (image.Image, error) {
	if r.render == nil || len(r.Pipelines) == 0 {
		return nil, fmt.Errorf("parity: %s: no pipeline to prepare images with (a result read from JSON or merged)", r.Data)
	}
	ri := -1
	for i, p := range r.Pipelines {
		if p.Name == pipeline {
			ri = i
		}
	}
	pos := -1
	for _, im := range r.Pipelines[0].PerImage {
		if im.Image == name {
			pos = int(im.ID) - 1
		}
	}
	if ri < 0 || pos < 0 || pos >= r.render.ld.len() {
		return nil, fmt.Errorf("parity: no pipeline %q or evaluated image %q in this run", pipeline, name)
	}
	rn := r.render.runs[ri]
	ld, _, err := r.render.ld.load(pos, []dataset.Decoder{r.render.decoders[rn.dec]}, nil)
	if err != nil {
		return nil, err
	}
	dst := make([]float32, rn.stage.target().Len())
	in := Input{Image: ld.imgs[0], Path: ld.path, Name: ld.name, W: ld.w, H: ld.h, Target: rn.stage.target()}
	w, h, _, err := rn.stage.prepare(in, dst)
	if err != nil {
		return nil, err
	}
	return tensorImage(dst[:3*w*h], w, h, rn.stage), nil
}

// tensorImage turns an NCHW tensor back into 8-bit RGB for display.
func tensorImage(t []float32, w, h int, st stage) *image.RGBA {
	n := w * h
	toByte := displayTransform(t, st)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range n {
		for c := range 3 {
			out.Pix[4*i+c] = toByte(c, t[c*n+i])
		}
		out.Pix[4*i+3] = 255
	}
	return out
}

// displayTransform maps a tensor value of channel c back to a byte.
func displayTransform(t []float32, st stage) func(c int, x float32) uint8 {
	clamp := func(v float64) uint8 { return uint8(min(255, max(0, math.Round(v)))) }
	if s, ok := st.(*specStage); ok && s.tensor.Layout == letterbox.NCHW {
		sp := s.tensor
		return func(c int, x float32) uint8 {
			return clamp((float64(x)*sp.Std[c] + sp.Mean[c]) / sp.Scale)
		}
	}
	n := len(t) / 3
	var lo, hi [3]float64
	for c := range 3 {
		lo[c], hi[c] = math.Inf(1), math.Inf(-1)
		for _, x := range t[c*n : (c+1)*n] {
			lo[c], hi[c] = min(lo[c], float64(x)), max(hi[c], float64(x))
		}
	}
	all := func(ok func(lo, hi float64) bool) bool {
		return ok(lo[0], hi[0]) && ok(lo[1], hi[1]) && ok(lo[2], hi[2])
	}
	switch {
	case all(func(l, h float64) bool { return l >= 0 && h <= 1 }):
		return func(_ int, x float32) uint8 { return clamp(float64(x) * 255) }
	case all(func(l, h float64) bool { return l >= 0 && h <= 255 }):
		return func(_ int, x float32) uint8 { return clamp(float64(x)) }
	}
	return func(c int, x float32) uint8 {
		if hi[c] <= lo[c] {
			return 0
		}
		return clamp((float64(x) - lo[c]) / (hi[c] - lo[c]) * 255)
	}
}
