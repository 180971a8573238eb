package explain

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

// Metrics compare a tensor with an expected one, value by value in memory
// order (what the model reads).
type Metrics struct {
	// MaxAbs and MeanAbs are the largest and the mean |difference|.
	MaxAbs, MeanAbs float64
	// MaxLevels is MaxAbs in grey levels of the expected pipeline's value
	// scale (MaxAbs / (Peak/255)).
	MaxLevels float64
	// Differing is the share of values (0..1) that differ by more than the
	// tolerance.
	Differing float64
	// PSNR is 10*log10(Peak²/MSE) in dB, +Inf when the tensors are equal.
	PSNR float64
	// Peak is what byte 255 minus byte 0 spans in the expected pipeline's
	// values (1 after /255, 255 for raw bytes).
	Peak float64
}

// MarshalJSON writes the metrics with snake_case keys and an infinite PSNR
// as null.
func (m Metrics) MarshalJSON() ([]byte, error) {
	var psnr *float64
	if !math.IsInf(m.PSNR, 0) && !math.IsNaN(m.PSNR) {
		psnr = &m.PSNR
	}
	return json.Marshal(struct {
		MaxAbs    float64  `json:"max_abs"`
		MeanAbs   float64  `json:"mean_abs"`
		MaxLevels float64  `json:"max_levels"`
		Differing float64  `json:"differing"`
		PSNR      *float64 `json:"psnr_db"`
		Peak      float64  `json:"peak"`
	}{m.MaxAbs, m.MeanAbs, m.MaxLevels, m.Differing, psnr, m.Peak})
}

// measure compares t with e (same length). A value differs when it is more
// than tol away, or with half (a float16 tensor against float16-rounded
// values) more than tol and one float16 step: a pipeline that computes in
// float32 before casting to float16 can round to the neighbouring half.
func measure(t, e []float32, tol, peak float64, half bool) Metrics {
	var m Metrics
	var sum, sq float64
	n := 0
	for i, v := range t {
		d := math.Abs(float64(v) - float64(e[i]))
		sum += d
		sq += d * d
		if d > m.MaxAbs {
			m.MaxAbs = d
		}
		if d > tol && (!half || d > halfStep(e[i])) {
			n++
		}
	}
	m.Peak = peak
	if len(t) > 0 {
		m.MeanAbs = sum / float64(len(t))
		m.Differing = float64(n) / float64(len(t))
	}
	m.PSNR = math.Inf(1)
	if sq > 0 {
		m.PSNR = 10 * math.Log10(peak*peak/(sq/float64(len(t))))
	}
	if peak > 0 {
		m.MaxLevels = m.MaxAbs / (peak / 255)
	}
	return m
}

// halfStep is the distance from x to the next float16 value away from zero
// (2^-24 for subnormals and zero).
func halfStep(x float32) float64 {
	_, exp := math.Frexp(math.Abs(float64(x)))
	return math.Ldexp(1, max(exp-11, -24))
}

// peakOf is the value span of bytes 0..255 under spec s (mean over channels).
func peakOf(s letterbox.Spec) float64 {
	if s.DType == letterbox.Uint8 {
		return 255
	}
	a, _ := valuesOf(s).affine()
	return 255 * (math.Abs(a[0]) + math.Abs(a[1]) + math.Abs(a[2])) / 3
}

// asStored rounds expected values to the tensor's storage type: float16
// tensors are compared with float16-rounded values.
func asStored(e []float32, dtype string) []float32 {
	if dtype != npy.Float16 {
		return e
	}
	out := make([]float32, len(e))
	for i, v := range e {
		out[i] = npy.HalfOf(v).Float32()
	}
	return out
}

// applySpec renders spec s for img with a letterbox Plan (the engine's own
// code path) and returns the tensor as float32 in s's layout.
func applySpec(s letterbox.Spec, img frame.Image) ([]float32, letterbox.Geometry, error) {
	p, err := s.Plan(img.W, img.H)
	if err != nil {
		return nil, letterbox.Geometry{}, err
	}
	out := make([]float32, p.TensorLen())
	if s.DType == letterbox.Uint8 {
		u := make([]uint8, p.TensorLen())
		if err := p.ApplyUint8(img, u); err != nil {
			return nil, letterbox.Geometry{}, err
		}
		for i, v := range u {
			out[i] = float32(v)
		}
	} else if err := p.Apply(img, out); err != nil {
		return nil, letterbox.Geometry{}, err
	}
	return out, p.Geometry(), nil
}

// lutOf returns spec s's value of each byte per output channel, as a Plan
// writes it (letterbox.ValueTable; a fitted hypothesis may have a negative
// std, which no Spec takes but the table computes alike).
func lutOf(s letterbox.Spec) ([3][256]float32, error) {
	var lut [3][256]float32
	if s.DType == letterbox.Uint8 {
		for c := range lut {
			for v := range lut[c] {
				lut[c][v] = float32(v)
			}
		}
		return lut, nil
	}
	std := s.Std
	for c := range std {
		if std[c] == 0 {
			std[c] = 1 // no division (a values struct's zero)
		}
	}
	return letterbox.ValueTable(s.Scale, s.Mean, std), nil
}

// compose renders a hypothesis no spec can express (a placement no anchor
// gives, channels mixed, a border added after the value transform): img
// (RGB) resized to g's size with s.Interp, placed at (g.x0, g.y0) in a w x h
// canvas of tr's border, tensor channel k taken from image channel src[k],
// values from s's tables, in s's layout.
func compose(s letterbox.Spec, g geom, img frame.Image, w, h int, src [3]int, tr traits) ([]float32, error) {
	lut, err := lutOf(s)
	if err != nil {
		return nil, err
	}
	r := letterbox.Resize(img, g.rw, g.rh, s.Interp)
	out := make([]float32, 3*w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var v [3]uint8
			dx, dy := x-g.x0, y-g.y0
			inside := dx >= 0 && dy >= 0 && dx < g.rw && dy < g.rh
			if inside {
				q := r.Pix[(dy*g.rw+dx)*3:]
				v = [3]uint8{q[src[0]], q[src[1]], q[src[2]]}
			} else {
				v = tr.pad
			}
			for k := 0; k < 3; k++ {
				i := k*w*h + y*w + x
				if s.Layout == letterbox.NHWC {
					i = (y*w+x)*3 + k
				}
				out[i] = lut[k][v[k]]
				if !inside && tr.padAfter {
					out[i] = tr.padRaw[k]
				}
			}
		}
	}
	return out, nil
}

// WriteHeatmap writes a PNG of the difference between the tensor and the
// pipeline it was compared with (Against), one pixel per tensor pixel: the
// largest |difference| of its three values in grey levels, black for none,
// then dark red, red, yellow and white for 64 levels or more (log scale).
func (e *Explanation) WriteHeatmap(w io.Writer) error {
	if e.tensor == nil || len(e.tensor) != len(e.expected) {
		return fmt.Errorf("explain: no comparison to draw for %s", e.Image)
	}
	W, H := e.width, e.height
	lv := make([]float64, W*H)
	step := e.VsAgainst.Peak / 255
	if step == 0 {
		step = 1
	}
	for i, v := range e.tensor {
		p := i % (W * H)
		if e.expectedLayout == letterbox.NHWC {
			p = i / 3
		}
		d := math.Abs(float64(v)-float64(e.expected[i])) / step
		lv[p] = max(lv[p], d)
	}
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for p, d := range lv {
		u := 0.0
		if d > 0 {
			u = math.Min(math.Log2(1+d)/math.Log2(65), 1)
		}
		c := func(x float64) uint8 { return uint8(math.Round(255 * math.Min(math.Max(x, 0), 1))) }
		img.SetRGBA(p%W, p/W, color.RGBA{c(3 * u), c(3*u - 1), c(3*u - 2), 255})
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("explain: heat map: %w", err)
	}
	return nil
}
