package explain

import (
	"fmt"
	"strings"

	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

// interpWords names an interpolation as the Python call that uses it.
var interpWords = map[letterbox.Interp]string{
	letterbox.Linear: "cv2.INTER_LINEAR", letterbox.Area: "cv2.INTER_AREA", letterbox.Cubic: "cv2.INTER_CUBIC",
	letterbox.Nearest: "cv2.INTER_NEAREST", letterbox.NearestExact: "cv2.INTER_NEAREST_EXACT",
	letterbox.PILLinear: "PIL Image.resize(BILINEAR)",
}

var roundWords = map[letterbox.Rounding]string{letterbox.RoundHalfEven: "round()", letterbox.Truncate: "int()", letterbox.Ceil: "math.ceil()"}

var anchorWords = map[letterbox.Anchor]string{
	letterbox.Center: "centred", letterbox.TopLeft: "top-left (padding right and bottom)",
	letterbox.BottomRight: "bottom-right (padding left and top)",
}

var layoutWords = map[letterbox.Layout]string{letterbox.NCHW: "NCHW (planar)", letterbox.NHWC: "NHWC (interleaved, channels last)"}

// geomWords describes where a geometry puts the image.
func geomWords(g geom, w, h int) string {
	if g.rw == w && g.rh == h && g.x0 == 0 && g.y0 == 0 {
		return fmt.Sprintf("%dx%d, no padding", w, h)
	}
	return fmt.Sprintf("%dx%d at x=%d, y=%d", g.rw, g.rh, g.x0, g.y0)
}

func paramOf(s letterbox.Spec) param { return param{s.Mode, s.Inner, s.Round, s.Anchor} }

// innerWords says what an inner side means.
func innerWords(in, w int) string {
	if in == 0 {
		return fmt.Sprintf("the whole %d px", w)
	}
	return fmt.Sprintf("%d px", in)
}

// findings lists how the found pipeline f differs from a, in data-path order.
func (r *result) findings(a, f letterbox.Spec, tr traits) []Finding {
	var out []Finding
	add := func(key, want, got, text string, args ...any) {
		out = append(out, Finding{Key: key, Want: want, Got: got, Text: fmt.Sprintf(text, args...)})
	}
	shape := npy.ShapeString(r.t.Shape)
	switch {
	case r.layout != r.declared:
		add("layout", r.declared.String(), r.layout.String(), "the values are laid out %s although the shape %s says %s: the array was reshaped instead of transposed",
			layoutWords[r.layout], shape, layoutWords[r.declared])
	case r.layout != a.Layout:
		add("layout", a.Layout.String(), r.layout.String(), "layout %s instead of %s", layoutWords[r.layout], layoutWords[a.Layout])
	}
	dt := r.t.dtype()
	switch {
	case dt == npy.Uint8 && a.DType == letterbox.Float32:
		add("dtype", "float32", "uint8", "uint8 bytes 0..255 instead of float32 values %s", valuesOf(a).describe())
	case dt != npy.Uint8 && a.DType == letterbox.Uint8:
		add("dtype", "uint8", dt, "%s values instead of the uint8 bytes the model takes", dt)
	case dt == npy.Float16:
		add("dtype", "float32", dt, "float16 values (11 significant bits: rounding moves them by up to %.2g here) instead of float32", float64(r.maxAbs())/2048)
	case dt == npy.Float64:
		add("dtype", "float32", dt, "float64 values (numpy's default: add .astype(np.float32)) instead of float32")
	}
	if f.Decoder != a.DecoderName() {
		add("decoder", a.DecoderName(), f.Decoder, "JPEG decoded with %s instead of %s", decoderWords(f.Decoder), decoderWords(a.DecoderName()))
	}
	pw, ph := r.primary.img.W, r.primary.img.H
	if r.src.exifIgnored {
		add("exif", "applied", "ignored", "EXIF orientation %d ignored: the image was used as stored (%dx%d), not turned to %dx%d as cv2.imread does",
			r.src.orientation, r.src.img.W, r.src.img.H, pw, ph)
	}
	out = append(out, r.geometryFindings(a, f, tr.offset, tr.free)...)
	if f.Interp != a.Interp {
		add("interp", a.Interp.String(), f.Interp.String(), "resized with %s instead of %s", interpWords[f.Interp], interpWords[a.Interp])
	}
	switch {
	case tr.padAfter:
		add("pad", padString(a.Pad), rawString(tr.padRaw), "the padding is %s in tensor units, which no byte gives under the value transform: it was added after normalising instead of as byte %s before",
			rawString(tr.padRaw), padString(a.Pad))
	case tr.hasPad && f.Pad != a.Pad && f.Mode == letterbox.Letterbox:
		add("pad", padString(a.Pad), padString(f.Pad), "padding value %s instead of %s", padString(f.Pad), padString(a.Pad))
	}
	if tr.mixed {
		add("order", a.Order.String(), fmt.Sprint(r.fit.src), "tensor channels 0, 1, 2 hold image channels %d, %d, %d (0 = red), not %s order",
			r.fit.src[0], r.fit.src[1], r.fit.src[2], strings.ToUpper(a.Order.String()))
	} else if f.Order != a.Order {
		add("order", a.Order.String(), f.Order.String(), "channels in %s order instead of %s%s", strings.ToUpper(f.Order.String()),
			strings.ToUpper(a.Order.String()), map[frame.Order]string{frame.BGR: " (cv2.imread's BGR not converted)", frame.RGB: " (converted to RGB)"}[f.Order])
	}
	if dt != npy.Uint8 && a.DType == letterbox.Float32 {
		fa, fb := valuesOf(f).affine()
		aa, ab := valuesOf(a).affine()
		if !sameAffine(fa, fb, aa, ab, r.snapTol()) {
			add("values", valuesOf(a).describe(), valuesOf(f).describe(), "values are %s instead of %s", valuesOf(f).describe(), valuesOf(a).describe())
		}
	}
	return out
}

// geometryFindings compares where f and a put the image.
func (r *result) geometryFindings(a, f letterbox.Spec, offset, free bool) []Finding {
	var out []Finding
	add := func(key, want, got, text string, args ...any) {
		out = append(out, Finding{Key: key, Want: want, Got: got, Text: fmt.Sprintf(text, args...)})
	}
	W, H := r.w, r.h
	g := r.cand.g
	sw, sh := r.src.img.W, r.src.img.H
	ag, aok := geometryOf(paramOf(a), r.primary.img.W, r.primary.img.H, W, H)
	aw := "(refuses this image)"
	if aok {
		aw = geomWords(ag, W, H)
	}
	if free {
		add("resize", aw, geomWords(g, W, H), "image resized to %s, which no stretch or letterbox of a %dx%d image gives; %s: %s", geomWords(g, W, H), sw, sh, a.Name, aw)
		return out
	}
	if f.Mode != a.Mode {
		if f.Mode == letterbox.Stretch {
			add("mode", "letterbox", "stretch", "stretched to %dx%d without keeping the aspect ratio (the %dx%d image fills the input, no padding); %s letterboxes it: %s",
				W, H, sw, sh, a.Name, aw)
		} else {
			add("mode", "stretch", "letterbox", "letterboxed (%s, aspect ratio kept) where %s stretches the image to %dx%d", geomWords(g, W, H), a.Name, W, H)
		}
		return out
	}
	if f.Mode != letterbox.Letterbox {
		return out
	}
	fg, _ := geometryOf(paramOf(f), sw, sh, W, H)
	if f.Inner != a.Inner {
		add("inner", innerWords(a.Inner, W), innerWords(f.Inner, W), "image fitted into %s (%dx%d) instead of %s (%s)",
			innerWords(f.Inner, W), fg.rw, fg.rh, innerWords(a.Inner, W), aw)
	}
	if f.Round != a.Round {
		add("round", roundWords[a.Round], roundWords[f.Round], "resized size rounded with %s (%dx%d) instead of %s (%dx%d)",
			roundWords[f.Round], fg.rw, fg.rh, roundWords[a.Round], ag.rw, ag.rh)
	}
	if f.Anchor != a.Anchor {
		add("anchor", a.Anchor.String(), f.Anchor.String(), "image placed %s instead of %s", anchorWords[f.Anchor], anchorWords[a.Anchor])
	}
	if offset {
		dx, dy := g.x0-fg.x0, g.y0-fg.y0
		why := ""
		if f.Anchor == letterbox.Center && g.x0 == (W-g.rw+1)/2 && g.y0 == (H-g.rh+1)/2 {
			side := map[[2]bool]string{{true, false}: "left instead of the right", {false, true}: "top instead of the bottom",
				{true, true}: "left and top instead of the right and bottom"}[[2]bool{dx != 0, dy != 0}]
			why = ": the odd padding pixel went to the " + side
		}
		add("offset", fmt.Sprintf("x=%d, y=%d", fg.x0, fg.y0), fmt.Sprintf("x=%d, y=%d", g.x0, g.y0),
			"image placed at x=%d, y=%d, %s from where %s placement puts it (x=%d, y=%d)%s",
			g.x0, g.y0, shiftWords(dx, dy), anchorWords[f.Anchor], fg.x0, fg.y0, why)
	}
	return out
}

// shiftWords says "1 px right and 1 px down" and the like.
func shiftWords(dx, dy int) string {
	var p []string
	dir := func(d int, pos, neg string) {
		switch {
		case d > 0:
			p = append(p, fmt.Sprintf("%d px %s", d, pos))
		case d < 0:
			p = append(p, fmt.Sprintf("%d px %s", -d, neg))
		}
	}
	dir(dx, "right", "left")
	dir(dy, "down", "up")
	return strings.Join(p, " and ")
}

// rawString prints a tensor-unit border value (one number when equal).
func rawString(p [3]float32) string {
	return triple([3]float64{float64(p[0]), float64(p[1]), float64(p[2])})
}

func padString(p [3]uint8) string {
	if p[0] == p[1] && p[1] == p[2] {
		return fmt.Sprint(p[0])
	}
	return fmt.Sprintf("%d/%d/%d", p[0], p[1], p[2])
}

// maxAbs is the largest |value| of the tensor (computed once).
func (r *result) maxAbs() float32 {
	if r.max < 0 {
		r.max = 0
		for _, v := range r.t.Values {
			if v > r.max {
				r.max = v
			} else if -v > r.max {
				r.max = -v
			}
		}
	}
	return r.max
}

// toleranceWords says what the tolerance allows.
func toleranceWords(tol float64) string {
	if tol == 0 {
		return "bit-exact"
	}
	return fmt.Sprintf("tolerance %g per value, for float32 rounding", tol)
}

// Words is the explanation in sentences: each finding, the notes, how far
// the tensor is from Against, and a verdict: "identical to SPEC (...)"
// when it is, else whether the findings account for the whole difference.
func (e *Explanation) Words() []string {
	var w []string
	for _, f := range e.Findings {
		w = append(w, f.Text)
	}
	w = append(w, e.Notes...)
	m := e.VsAgainst
	if e.Identical {
		return append(w, fmt.Sprintf("identical to %s (max |Δ| %.3g, %s)", e.Against, m.MaxAbs, toleranceWords(e.Tolerance)))
	}
	w = append(w, fmt.Sprintf("compared with %s: max |Δ| %.4g%s, mean |Δ| %.3g, %.1f%% of the values differ by more than %g, PSNR %s",
		e.Against, m.MaxAbs, levelWords(m), m.MeanAbs, 100*m.Differing, e.Tolerance, psnrWords(m.PSNR)))
	if e.Best == "" {
		return append(w, "not explained: no preprocessing of this image that explain tries comes close to the tensor")
	}
	best := e.Best
	if e.BestNote != "" {
		best += " (" + e.BestNote + ")"
	}
	if e.BestExact {
		how := toleranceWords(e.Tolerance)
		if e.DType == npy.Float16 {
			how = "rounded to float16, each value within one float16 step"
		}
		return append(w, fmt.Sprintf("this accounts for all of it: the tensor is %s exactly (max |Δ| %.3g, %s)", best, e.VsBest.MaxAbs, how))
	}
	b := e.VsBest
	return append(w, fmt.Sprintf("not fully explained: the closest pipeline found, %s, still differs by max |Δ| %.4g%s, mean |Δ| %.3g, on %.1f%% of the values",
		best, b.MaxAbs, levelWords(b), b.MeanAbs, 100*b.Differing))
}

// levelWords gives a difference in grey levels when that means something
// (up to 255 levels; beyond, the value scale itself differs).
func levelWords(m Metrics) string {
	if m.MaxLevels == 0 || m.MaxLevels > 255 {
		return ""
	}
	return fmt.Sprintf(" (%.3g grey levels)", m.MaxLevels)
}

func psnrWords(p float64) string {
	if p > 1e300 {
		return "infinite"
	}
	return fmt.Sprintf("%.1f dB", p)
}
