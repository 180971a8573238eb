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
	// ignored), "size" (the tensor is not the model's input size) or
	// "image" (no preprocessing of the image comes close: the wrong image?).
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
	// BestSpec is Best parsed (the zero Spec when Best is "").
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
		// float16 moves each value by up to maxAbs/2048, by the same amount
		// for every pixel of one byte value: least squares averages over at
		// most 256 distinct errors per channel, so allow 4/sqrt(256) of it.
		q = max(q, maxAbs/2048/4)
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

// traits are what a spec string cannot say about the found pipeline.
type traits struct {
	offset bool     // a placement no anchor gives, for a size a spec gives
	free   bool     // a content size no spec gives
	mixed  bool     // channels neither in the image's order nor reversed
	hasPad bool     // the geometry leaves a border
	pad    [3]uint8 // its byte value per tensor channel
	// padAfter: the border's value is no byte under the value transform
	// (padding added after normalising); padRaw is it in tensor units.
	padAfter bool
	padRaw   [3]float32
}

func (t traits) composed() bool { return t.offset || t.free || t.mixed || t.padAfter }

// build writes the found pipeline relative to spec a, renders both and
// lists the differences.
func (r *result) build(a letterbox.Spec, srcs []*source, tol float64) (*built, error) {
	b := &built{against: a}
	f, tr := r.foundSpec(a)
	if err := r.measureFound(b, f, tr, tol); err != nil {
		return nil, err
	}
	srcA := r.primary
	for _, s := range srcs {
		if s.decoder == a.DecoderName() && !s.exifIgnored {
			srcA = s
		}
	}
	if srcA.decoder != a.DecoderName() && r.jpeg {
		b.approx = true
		b.notes = append(b.notes, fmt.Sprintf("%s decodes with %s, which is not available here: it was rendered with %s, so it may differ by a few levels",
			a.Name, decoderWords(a.DecoderName()), decoderWords(srcA.decoder)))
	}
	var err error
	b.expAgainst, _, err = applySpec(a, srcA.img)
	if err != nil {
		return nil, err
	}
	b.vsAgainst = measure(r.t.Values, b.expAgainst, tol, peakOf(a), false)
	if b.vsAgainst.MaxAbs <= tol && !b.approx && storedAs(r.t.dtype(), a.DType) {
		// The tensor is a's: settings found to differ cannot be told apart
		// on this image (a grey image's channel order, say).
		b.found, b.vsFound, b.exact = a, b.vsAgainst, true
		return b, nil
	}
	if r2 := (r.fit.r2[0] + r.fit.r2[1] + r.fit.r2[2]) / 3; r2 < minR2 {
		b.found, b.vsFound, b.exact = letterbox.Spec{}, Metrics{}, false
		b.findings = []Finding{{Key: "image", Want: "the image the tensor was made from", Got: fmt.Sprintf("r² %.2f", r2),
			Text: fmt.Sprintf("the tensor does not look like a preprocessing of %s: the best fit found explains only %.0f%% of its variance (r² %.2f); is it the right image?",
				r.imagePath, 100*r2, r2)}}
		return b, nil
	}
	b.note = r.noteFor(tr)
	b.findings = r.findings(a, b.found, tr)
	return b, nil
}

// minR2 is the least share of the tensor's variance (in the content) the
// best fit must explain for the search's findings to mean anything: the
// right geometry explains more than 99 % even with the wrong decoder or
// interpolation, another image a few percent.
const minR2 = 0.5

// foundSpec is the search's result written as spec a with the keys that
// differ changed: layout, dtype, decoder, interpolation, channel order, the
// geometry setting closest to a's among those that give the found geometry,
// the padding value and the value transform (kept as a's when equal).
func (r *result) foundSpec(a letterbox.Spec) (letterbox.Spec, traits) {
	f := a
	var tr traits
	f.Layout = r.layout
	f.DType = letterbox.Float32
	if r.t.dtype() == npy.Uint8 {
		f.DType = letterbox.Uint8
	}
	if r.jpeg { // PNG and BMP decode alike everywhere: keep a's decoder
		f.Decoder = r.src.decoder
	}
	f.Interp = r.interp
	switch r.fit.src {
	case [3]int{0, 1, 2}:
		f.Order = frame.RGB
	case [3]int{2, 1, 0}:
		f.Order = frame.BGR
	default:
		tr.mixed = true
	}
	ps := r.cand.params
	if len(ps) == 0 {
		ps, tr.offset, tr.free = r.cand.sized, len(r.cand.sized) > 0, len(r.cand.sized) == 0
	}
	if len(ps) > 0 {
		p := closest(ps, a)
		f.Mode = p.mode
		if p.mode == letterbox.Letterbox {
			f.Inner, f.Round, f.Anchor = p.inner, p.round, p.anchor
		}
	}
	if f.DType == letterbox.Float32 {
		v := snapValues(r.fit.a, r.fit.b, a.Scale, r.snapTol())
		fa, fb := v.affine()
		aa, ab := valuesOf(a).affine()
		if !sameAffine(fa, fb, aa, ab, r.snapTol()) {
			f.Scale, f.Mean, f.Std = v.scale, v.mean, v.std
		}
	}
	r.padOf(f, &tr)
	if tr.hasPad && !tr.padAfter {
		f.Pad = tr.pad
	}
	return named(f, a.Name), tr
}

// named gives s the canonical name of its keys written from base's preset.
func named(s letterbox.Spec, base string) letterbox.Spec {
	s.Name = base
	s.Name = s.String()
	return s
}

// measureFound renders the found pipeline (a letterbox Plan, or composed
// when no spec can say it) and compares it with the tensor. When it does
// not reproduce the tensor and its values differ from a's, a's values are
// kept unless the fitted ones are clearly closer: an inexact fit biases the
// fitted map.
func (r *result) measureFound(b *built, f letterbox.Spec, tr traits, tol float64) error {
	render := func(s letterbox.Spec) (Metrics, error) {
		var exp []float32
		var err error
		if tr.composed() {
			exp, err = compose(s, r.cand.g, r.src.img, r.w, r.h, r.fit.src, tr)
		} else {
			exp, _, err = applySpec(s, r.src.img)
		}
		if err != nil {
			return Metrics{}, err
		}
		return measure(r.t.Values, asStored(exp, r.t.dtype()), tol, peakOf(s), r.t.dtype() == npy.Float16), nil
	}
	m, err := render(f)
	if err != nil {
		return err
	}
	b.found, b.vsFound, b.exact = f, m, m.Differing == 0
	a := b.against
	if b.exact || valuesOf(f) == valuesOf(a) || tr.composed() {
		return nil
	}
	g := f
	g.Scale, g.Mean, g.Std = a.Scale, a.Mean, a.Std
	g = named(g, a.Name)
	if m2, err := render(g); err == nil && m2.MeanAbs <= 1.05*m.MeanAbs {
		b.found, b.vsFound, b.exact = g, m2, m2.Differing == 0
	}
	return nil
}

// padOf finds the border's value: the byte per tensor channel that f's
// value transform maps to the border's mean within a quarter of a grey
// level, or, when there is none (the border was added after normalising,
// with 0 say), the value in tensor units.
func (r *result) padOf(f letterbox.Spec, tr *traits) {
	if r.fit.nPad == 0 {
		return
	}
	tr.hasPad = true
	a, b := valuesOf(f).affine()
	if f.DType == letterbox.Uint8 {
		a, b = [3]float64{1, 1, 1}, [3]float64{}
	}
	for k := 0; k < 3; k++ {
		t := r.fit.padMean[k]
		tr.padRaw[k] = float32(t)
		v := (t - b[k]) / a[k]
		p := math.Round(v)
		if a[k] == 0 || math.Abs(v-p) > 0.25 || p < 0 || p > 255 {
			tr.padAfter = true
			continue
		}
		tr.pad[k] = uint8(p)
	}
}

// noteFor says what the found pipeline's spec string cannot.
func (r *result) noteFor(tr traits) string {
	var n []string
	g := r.cand.g
	if tr.offset || tr.free {
		n = append(n, fmt.Sprintf("image resized to %dx%d and placed at x=%d, y=%d", g.rw, g.rh, g.x0, g.y0))
	}
	if r.src.exifIgnored {
		n = append(n, fmt.Sprintf("EXIF orientation %d ignored", r.src.orientation))
	}
	if tr.mixed {
		n = append(n, fmt.Sprintf("tensor channels from image channels %v (0 = red)", r.fit.src))
	}
	if tr.padAfter {
		n = append(n, "border "+rawString(tr.padRaw)+" added after the value transform")
	}
	return strings.Join(n, "; ")
}

// storedAs reports whether a tensor stored as dtype is what a spec of type d
// writes (float32 for Float32, uint8 for Uint8).
func storedAs(dtype string, d letterbox.DType) bool {
	return (dtype == npy.Float32 && d == letterbox.Float32) || (dtype == npy.Uint8 && d == letterbox.Uint8)
}
