package detect

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// valueError says that a run's output values are implausible for the layout (a box 0.1 px wide from normalised
// coordinates read as pixels, scores outside [0, 1], rows that are softmax with a background column, a constant
// objectness column, ...). It wraps ErrLayout and names the layouts whose checks the same outputs pass.
type valueError struct {
	path   string
	layout Layout
	image  int
	what   string
	others []Layout
}

func (e *valueError) Error() string {
	hint := "; no other layout's checks pass on these outputs either"
	if len(e.others) > 0 {
		hint = fmt.Sprintf("; the outputs pass the checks of: %s (try --layout %s)", layoutList(e.others),
			e.others[0])
	}
	return fmt.Sprintf("detect: model %s (%s): image %d: output values do not fit layout %s: %s%s", e.path,
		e.layout, e.image, e.layout, e.what, hint)
}

func (e *valueError) Unwrap() error { return ErrLayout }

// implausible makes the valueError of s's layout for image b (others are filled by Decode).
func (s *Signature) implausible(b int, format string, a ...any) error {
	return &valueError{path: s.Path, layout: s.Layout, image: b, what: fmt.Sprintf(format, a...)}
}

// withAlternatives fills a valueError's list of the layouts whose fit and checks the same outputs pass.
func (s *Signature) withAlternatives(err error, outs []Output, b int) error {
	var ve *valueError
	if !errors.As(err, &ve) {
		return err
	}
	for _, f := range families {
		if f.layout == s.Layout {
			continue
		}
		t := s.fresh()
		t.Layout = f.layout
		if f.check(t) != nil || t.metaAgrees() != nil || t.checkShapes(outs, b+1) != nil {
			continue
		}
		if f.values != nil && f.values(t, outs) != nil {
			continue
		}
		if f.sanity(t, outs, b) == nil {
			ve.others = append(ve.others, f.layout)
		}
	}
	return ve
}

// The checks below skip NaN and infinite values: those are reported by the decoders with the anchor they sit at.

func finite(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// unitTol is how far outside [0, 1] (and from an exact constant) a probability may be: a quantized (QDQ) export
// rounds sigmoid and softmax outputs to its scale's steps.
const unitTol = 1e-3

// outsideUnit returns the first finite value outside [0, 1] (within unitTol) of vals[i*stride+off] for i in
// [0, n).
func outsideUnit(vals []float32, n, stride, off int) (float32, int, bool) {
	for i := range n {
		v := vals[i*stride+off]
		if finite(v) && (v < -unitTol || v > 1+unitTol) {
			return v, i, true
		}
	}
	return 0, 0, false
}

// unitCheck reports, as an error text, the first value outside [0, 1] among columns [from, to) of rows [n, w].
func unitCheck(what string, vals []float32, n, w, from, to int) string {
	for k := from; k < to; k++ {
		if v, i, bad := outsideUnit(vals, n, w, k); bad {
			return fmt.Sprintf("%s %v at row %d, column %d is outside [0, 1]", what, v, i, k)
		}
	}
	return ""
}

// rowsSumToOne reports whether every row's columns [from, to) sum to 1 within 1e-3 (and there are rows with at
// least two such columns): the signature of a softmax.
func rowsSumToOne(vals []float32, n, w, from, to int) bool {
	if n == 0 || to-from < 2 {
		return false
	}
	for i := range n {
		sum := 0.0
		for k := from; k < to; k++ {
			v := vals[i*w+k]
			if !finite(v) || v < -unitTol {
				return false
			}
			sum += float64(v)
		}
		if math.Abs(sum-1) > 1e-3 {
			return false
		}
	}
	return true
}

// maxAbs is the largest finite |v| over vals[i*stride+off+k], i in [0, n), k in [0, cols).
func maxAbs(vals []float32, n, stride, off, cols int) float64 {
	m := 0.0
	for i := range n {
		for k := range cols {
			if v := vals[i*stride+off+k]; finite(v) {
				m = max(m, math.Abs(float64(v)))
			}
		}
	}
	return m
}

// pixelBoxesCheck refuses box coordinates that all lie within [-2, 2] on an input of at least 16 px (normalised
// coordinates read as pixels would make boxes a pixel wide), unless they are all zero (nothing to tell).
func (s *Signature) pixelBoxesCheck(m float64) string {
	if s.Width >= 16 && s.Height >= 16 && m > 0 && m <= 2 {
		return fmt.Sprintf("every box coordinate lies within [-%.3g, %.3g] on a %dx%d input: they look normalised "+
			"to 0..1, not input pixels", m, m, s.Width, s.Height)
	}
	return ""
}

// rowsPixelCheck is pixelBoxesCheck for the final rows of a baked layout (boxes [n*4] x1y1x2y2, padding rows
// excluded by the caller): checked from 3 rows on, since a single detection can legitimately sit in a corner.
func (s *Signature) rowsPixelCheck(b int, boxes []float32) error {
	if len(boxes) < 12 {
		return nil
	}
	if p := s.pixelBoxesCheck(maxAbs(boxes, len(boxes)/4, 4, 0, 4)); p != "" {
		return s.implausible(b, "%s", p)
	}
	return nil
}

// unitBoxesCheck refuses normalised coordinates larger than 8 (pixels read as normalised).
func unitBoxesCheck(m float64) string {
	if m > 8 {
		return fmt.Sprintf("box values reach %.4g: they look like input pixels, not coordinates normalised to 0..1", m)
	}
	return ""
}

// orderedBoxes reports the first row of [n, stride] whose x2 < x1 or y2 < y1 (columns off..off+3 x1y1x2y2).
func orderedBoxes(vals []float32, n, stride, off int) (int, bool) {
	for i := range n {
		r := vals[i*stride+off:]
		if finite(r[0]) && finite(r[2]) && r[2] < r[0] || finite(r[1]) && finite(r[3]) && r[3] < r[1] {
			return i, false
		}
	}
	return 0, true
}

// constantColumn reports whether column k of every row equals v (within unitTol).
func constantColumn(vals []float32, n, stride, k int, v float32) bool {
	if n == 0 {
		return false
	}
	for i := range n {
		if d := vals[i*stride+k] - v; !(d >= -unitTol && d <= unitTol) {
			return false
		}
	}
	return true
}

// firstProblem returns the first non-empty text.
func firstProblem(texts ...string) string {
	for _, t := range texts {
		if t != "" {
			return t
		}
	}
	return ""
}

// imageOf returns image b's slice of a [B, ...] output.
func imageOf(o Output, b int) []float32 {
	per := len(o.Float) / max(1, int(o.Shape[0]))
	return o.Float[b*per : (b+1)*per]
}

// joinShape formats dims as 1x3x640x640.
func joinShape(d []int64) string {
	p := make([]string, len(d))
	for i, x := range d {
		p[i] = fmt.Sprint(x)
	}
	return strings.Join(p, "x")
}
