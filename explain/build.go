package explain

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

// Finding is one difference between the tensor and the pipeline it should
// equal.
type Finding struct {
	// Key names what differs: a spec key (mode, inner, round, anchor,
	// interp, pad, order, layout, dtype, decoder), or "values" (scale, mean
	// and std together), "offset" (a placement no anchor gives), "resize" (a
	// content size no stretch or letterbox gives), "exif" (orientation
	// ignored) or "size" (the tensor is not the model's input size).
	Key string `json:"key"`
	// Want is the setting of the pipeline compared against, Got what the
	// tensor shows.
	Want string `json:"want"`
	Got  string `json:"got"`
	// Text says it in a sentence.
	Text string `json:"text"`
}

// Explanation is what Explain found.
type Explanation struct {
	// Image is the image file.
	Image string `json:"image"`
	// Shape and DType are the tensor's, as given.
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
	// Against is the pipeline the tensor was compared with (the one of
	// Input.Against that needs the fewest changes), at the tensor's size.
	Against string `json:"against"`
	// Identical is true when no value differs from Against's by more than
	// Tolerance (and Against's decoder could be run).
	Identical bool `json:"identical"`
	// Best is the spec string of the pipeline that explains the tensor best,
	// written from Against's preset; BestNote says what a spec string cannot
	// (a placement no anchor gives, the EXIF orientation ignored).
	Best     string `json:"best"`
	BestNote string `json:"best_note,omitempty"`
	// BestSpec is Best parsed.
	BestSpec letterbox.Spec `json:"-"`
	// BestExact is true when the tensor equals Best's tensor (with
	// BestNote) within Tolerance: the findings account for all of it.
	BestExact bool `json:"best_exact"`
	// Findings are the differences from Against, in data-path order.
	Findings []Finding `json:"findings"`
	// Notes are hypotheses that could not be checked and other remarks.
	Notes []string `json:"notes"`
	// VsAgainst and VsBest compare the tensor with Against's and Best's.
	VsAgainst Metrics `json:"vs_against"`
	VsBest    Metrics `json:"vs_best"`
	// Tolerance is the per-value tolerance of Identical and BestExact.
	Tolerance float64 `json:"tolerance"`

	tensor, expected []float32
	expectedLayout   letterbox.Layout
	width, height    int
}

// MarshalJSON writes the explanation's fields (snake_case keys) and its
// Words under "words".
func (e *Explanation) MarshalJSON() ([]byte, error) {
	type plain Explanation // the fields without this method
	return json.Marshal(struct {
		*plain
		Words []string `json:"words"`
	}{(*plain)(e), e.Words()})
}

// built is the explanation relative to one spec.
type built struct {
	against, found letterbox.Spec
	note           string
	findings       []Finding
	notes          []string
	vsAgainst      Metrics
	vsFound        Metrics
	expAgainst     []float32
	exact          bool
	approx         bool
}

// explanation picks the spec needing the fewest changes and writes the
// Explanation against it.
func (r *result) explanation(in Input, opts Options, srcs []*source) (*Explanation, error) {
	var best *built
	var all []*built
	for _, a := range r.specs {
		b, err := r.build(a, srcs, opts.Tolerance)
		if err != nil {
			return nil, fmt.Errorf("explain: %s: %w", in.ImagePath, err)
		}
		all = append(all, b)
		if best == nil || len(b.findings) < len(best.findings) ||
			(len(b.findings) == len(best.findings) && b.vsAgainst.MeanAbs < best.vsAgainst.MeanAbs) {
			best = b
		}
	}
	if best == nil {
		return nil, fmt.Errorf("explain: %s: no pipeline to compare with", in.ImagePath)
	}
	var same []string
	for _, b := range all {
		if b != best && len(b.findings) == 0 && b.exact && b.vsAgainst.MaxAbs <= opts.Tolerance && !b.approx && len(best.findings) == 0 {
			same = append(same, b.against.Name)
		}
	}
	if len(same) > 0 {
		best.notes = append(best.notes, "equally identical to "+strings.Join(same, ", "))
	}
	mw, mh := in.Width, in.Height
	if (mw != 0 || mh != 0) && (mw != r.w || mh != r.h) {
		size := Finding{Key: "size", Want: fmt.Sprintf("%dx%d", mw, mh), Got: fmt.Sprintf("%dx%d", r.w, r.h),
			Text: fmt.Sprintf("the tensor is %dx%d but the model input is %dx%d (compared with %s at the tensor's size)", r.w, r.h, mw, mh, best.against.Name)}
		best.findings = append([]Finding{size}, best.findings...)
	}
	e := &Explanation{
		Image: in.ImagePath, Shape: append([]int(nil), r.t.Shape...), DType: r.t.dtype(), Against: best.against.Name,
		Identical: best.vsAgainst.MaxAbs <= opts.Tolerance && !best.approx && len(best.findings) == 0,
		Best:      best.found.Name, BestNote: best.note, BestSpec: best.found, BestExact: best.exact,
		Findings: best.findings, Notes: append(append([]string{}, r.notes...), best.notes...),
		VsAgainst: best.vsAgainst, VsBest: best.vsFound, Tolerance: opts.Tolerance,
		tensor: r.t.Values, expected: best.expAgainst, expectedLayout: best.against.Layout, width: r.w, height: r.h,
	}
	if e.Findings == nil {
		e.Findings = []Finding{}
	}
	return e, nil
}

// snapTol is how far the spec written for the fit may be from the fitted
// values: the storage precision (a few float32 units in the last place;
// float16 keeps 11 bits), or a tenth of the fit's residual when the fit is
// not exact. It is not the caller's tolerance, which is for the verdict: a
// spec a rounding away from the fit (0.50196 for 128/255) must lose to the
// exact one.
func (r *result) snapTol() float64 {
	maxAbs := max(1, float64(r.maxAbs()))
	q := 0x1p-22 * maxAbs // 4 float32 units in the last place of the largest value
	if r.t.dtype() == npy.Float16 {
		q = maxAbs / 2048
	}
	a := (math.Abs(r.fit.a[0]) + math.Abs(r.fit.a[1]) + math.Abs(r.fit.a[2])) / 3
	res := 0.1 * math.Sqrt(r.fit.sse/(3*r.fit.nAll))
	if math.IsNaN(res) || a == 0 {
		res = 0
	}
	return math.Max(q, res)
}

// closest returns the setting among ps with the fewest geometry keys
// different from spec a's.
func closest(ps []param, a letterbox.Spec) param {
	best, bd := ps[0], math.MaxInt
	for _, p := range ps {
		d := 0
		if p.mode != a.Mode {
			d += 4
		}
		if p.mode == letterbox.Letterbox {
			for _, diff := range []bool{p.inner != a.Inner, p.round != a.Round, p.anchor != a.Anchor} {
				if diff {
					d++
				}
			}
		}
		if d < bd {
			best, bd = p, d
		}
	}
	return best
}

// build writes the found pipeline relative to spec a, renders both and
// lists the differences.
func (r *result) build(a letterbox.Spec, srcs []*source, tol float64) (*built, error) {
	b := &built{against: a}
	f := a
	f.Layout = r.layout
	f.DType = letterbox.Float32
	if r.t.dtype() == npy.Uint8 {
		f.DType = letterbox.Uint8
	}
	f.Decoder = r.src.decoder
	f.Interp = r.interp
	mixed := false
	switch r.fit.src {
	case [3]int{0, 1, 2}:
		f.Order = frame.RGB
	case [3]int{2, 1, 0}:
		f.Order = frame.BGR
	default:
		mixed = true
	}
	ps, offset, free := r.cand.params, false, false
	if len(ps) == 0 {
		ps, offset, free = r.cand.sized, len(r.cand.sized) > 0, len(r.cand.sized) == 0
	}
	if len(ps) > 0 {
		p := closest(ps, a)
		f.Mode = p.mode
		if p.mode == letterbox.Letterbox {
			f.Inner, f.Round, f.Anchor = p.inner, p.round, p.anchor
		}
	}
	pad, hasPad := r.padBytes()
	if hasPad {
		f.Pad = pad
	}
	if f.DType == letterbox.Float32 {
		v := snapValues(r.fit.a, r.fit.b, a.Scale, r.snapTol())
		fa, fb := v.affine()
		aa, ab := valuesOf(a).affine()
		if !sameAffine(fa, fb, aa, ab, r.snapTol()) {
			f.Scale, f.Mean, f.Std = v.scale, v.mean, v.std
		}
	}
	f.Name = a.Name
	f.Name = f.String()
	b.found = f

	var exp []float32
	var err error
	if offset || free || mixed {
		exp, err = compose(f, r.cand.g, r.src.img, r.w, r.h, r.fit.src, pad)
	} else {
		exp, _, err = applySpec(f, r.src.img)
	}
	if err != nil {
		return nil, err
	}
	b.vsFound = measure(r.t.Values, asStored(exp, r.t.dtype()), tol, peakOf(f))
	b.exact = b.vsFound.MaxAbs <= tol
	if !b.exact && valuesOf(f) != valuesOf(a) && !offset && !free && !mixed {
		// An inexact fit biases a and b: keep a's values unless the fitted
		// ones are clearly closer.
		g := f
		g.Scale, g.Mean, g.Std = a.Scale, a.Mean, a.Std
		g.Name = a.Name
		g.Name = g.String()
		if e2, _, err := applySpec(g, r.src.img); err == nil {
			if m := measure(r.t.Values, asStored(e2, r.t.dtype()), tol, peakOf(g)); m.MeanAbs <= 1.05*b.vsFound.MeanAbs {
				f, b.found, b.vsFound = g, g, m
			}
		}
	}

	srcA := r.primary
	for _, s := range srcs {
		if s.decoder == a.DecoderName() && !s.exifIgnored {
			srcA = s
		}
	}
	if srcA.decoder != a.DecoderName() && len(srcs) == 1 && r.jpeg {
		b.approx = true
		b.notes = append(b.notes, fmt.Sprintf("%s decodes with %s, which is not available here: it was rendered with %s, so it may differ by a few levels", a.Name, decoderWords(a.DecoderName()), decoderWords(srcA.decoder)))
	}
	b.expAgainst, _, err = applySpec(a, srcA.img)
	if err != nil {
		return nil, err
	}
	b.vsAgainst = measure(r.t.Values, b.expAgainst, tol, peakOf(a))
	if b.vsAgainst.MaxAbs <= tol && !b.approx && storedAs(r.t.dtype(), a.DType) {
		// The tensor is a's: settings found to differ cannot be told apart
		// on this image (a grey image's channel order, say).
		b.found, b.vsFound, b.exact = a, b.vsAgainst, true
		return b, nil
	}
	b.note = r.noteFor(f, offset, free, mixed)
	b.findings = r.findings(a, f, offset, free, mixed, hasPad, tol)
	return b, nil
}

// padBytes is the padding value per tensor channel, from the border's mean
// through the fitted map (false when there is no border or it is not a
// byte value).
func (r *result) padBytes() ([3]uint8, bool) {
	var p [3]uint8
	if r.fit.nPad == 0 {
		return p, false
	}
	for k := 0; k < 3; k++ {
		if r.fit.a[k] == 0 {
			return p, false
		}
		v := (r.fit.padMean[k] - r.fit.b[k]) / r.fit.a[k]
		if math.Abs(v-math.Round(v)) > 0.05 || v < -0.5 || v > 255.5 {
			return p, false
		}
		p[k] = uint8(math.Round(v))
	}
	return p, true
}

// noteFor says what the spec string of f cannot.
func (r *result) noteFor(f letterbox.Spec, offset, free, mixed bool) string {
	var n []string
	g := r.cand.g
	if offset || free {
		n = append(n, fmt.Sprintf("image resized to %dx%d and placed at x=%d, y=%d", g.rw, g.rh, g.x0, g.y0))
	}
	if r.src.exifIgnored {
		n = append(n, fmt.Sprintf("EXIF orientation %d ignored", r.src.orientation))
	}
	if mixed {
		n = append(n, fmt.Sprintf("tensor channels from image channels %v (0 = red)", r.fit.src))
	}
	return strings.Join(n, "; ")
}

// storedAs reports whether a tensor stored as dtype is what a spec of type d
// writes (float32 for Float32, uint8 for Uint8).
func storedAs(dtype string, d letterbox.DType) bool {
	return (dtype == npy.Float32 && d == letterbox.Float32) || (dtype == npy.Uint8 && d == letterbox.Uint8)
}
