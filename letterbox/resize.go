package letterbox

import (
	"fmt"
	"math"

	"github.com/detparity/detparity/frame"
)

// This file reproduces OpenCV 4.6 cv::resize for CV_8UC3 images on x86-64
// (modules/imgproc/src/resize.cpp: cv::resize, cv::hal::resize, resizeNN,
// resizeNN_bitexact, resizeGeneric_ with HResizeLinear/VResizeLinear and
// HResizeCubic/VResizeCubic, resizeAreaFast_, resizeArea_ with
// computeResizeAreaTab; github.com/opencv/opencv at tag 4.6.0). Only the
// semantics are reproduced, no code. The code paths cv::resize takes:
//
//   - same size in and out: copy, whatever the interpolation;
//   - INTER_NEAREST: sx = min(floor(dx*(1/(dw/sw))), sw-1), same for y;
//   - INTER_NEAREST_EXACT: 16.16 fixed point sampling of pixel centres;
//   - INTER_LINEAR with an exact 2x downscale on both axes: INTER_AREA;
//   - INTER_AREA when both axes shrink (scale >= 1): integer ratios average
//     whole blocks (resizeAreaFast_), other ratios weight the covered source
//     pixels in float32 (resizeArea_);
//   - INTER_AREA when an axis grows: the bilinear filter with "area"
//     coordinates (fx = (dx+1) - (sx+1)/scale, wrapped to [0, 1));
//   - INTER_LINEAR: 11-bit fixed-point bilinear, vertical pass in 16-bit
//     "mul hi" arithmetic;
//   - INTER_CUBIC: 4x4 taps, a = -0.75, 11-bit weights; the vertical pass is
//     float32 for the first multiple-of-8 bytes of each row (the SSE2 vector
//     loop VResizeCubicVec_32s8u) and exact integer for the rest.

// Interp is the cv::resize interpolation flag a pipeline passes.
type Interp int

const (
	// Linear is cv2.INTER_LINEAR, what every preset's pipeline calls (see the
	// sources cited in spec.go).
	Linear Interp = iota
	// Nearest is cv2.INTER_NEAREST: floor(dx*scale), no half-pixel centring.
	Nearest
	// NearestExact is cv2.INTER_NEAREST_EXACT: the pixel whose centre is
	// nearest (as Pillow and scikit-image sample), in 16.16 fixed point.
	NearestExact
	// Area is cv2.INTER_AREA: block averaging when shrinking (YOLOv5-era
	// inference), a bilinear variant when enlarging.
	Area
	// Cubic is cv2.INTER_CUBIC: bicubic with a = -0.75.
	Cubic
	// PILLinear is Pillow's Image.resize(size, Image.BILINEAR) (not a
	// cv::resize flag): a triangle filter widened by the shrink ratio, so
	// downscales are antialiased (see pil.go).
	PILLinear
)

var interpNames = [...]string{Linear: "linear", Nearest: "nearest", NearestExact: "nearest-exact", Area: "area", Cubic: "cubic",
	PILLinear: "pil-linear"}

// String returns the spec-string spelling: "linear", "nearest",
// "nearest-exact", "area", "cubic" or "pil-linear".
func (i Interp) String() string {
	if i >= 0 && int(i) < len(interpNames) {
		return interpNames[i]
	}
	return fmt.Sprintf("Interp(%d)", int(i))
}

// resizeKind is the code path cv::resize takes for a size pair.
type resizeKind int

const (
	// kindCopy: same size in and out, cv::resize copies.
	kindCopy resizeKind = iota
	// kindArea2: exact 2x downscale on both axes with INTER_LINEAR or
	// INTER_AREA: (a+b+c+d+2)>>2 per channel.
	kindArea2
	// kindAreaFast: other integer downscale ratios of INTER_AREA: block sum
	// times float32(1/area), rounded half to even.
	kindAreaFast
	// kindArea: non-integer INTER_AREA downscale (float32 coverage weights).
	kindArea
	// kindLinear: the separable fixed-point bilinear filter (INTER_LINEAR,
	// and INTER_AREA when an axis is enlarged).
	kindLinear
	// kindCubic: the separable fixed-point bicubic filter.
	kindCubic
	// kindNearest: INTER_NEAREST and INTER_NEAREST_EXACT (tables differ).
	kindNearest
	// kindPIL: Pillow's bilinear resize (pil.go).
	kindPIL
)

func (k resizeKind) String() string {
	return [...]string{"copy", "area2x", "area-fast", "area", "linear", "cubic", "nearest", "pil"}[k]
}

const (
	coefBits  = 11            // INTER_RESIZE_COEF_BITS
	coefScale = 1 << coefBits // INTER_RESIZE_COEF_SCALE = 2048
	dblEps    = 2.220446049250313e-16
)

// xtap is one output column of the bilinear horizontal pass: byte offsets of
// the two source pixels in a row and their 11-bit weights.
type xtap struct {
	o0, o1 int
	a0, a1 int32
}

// ctap is one output column (or row) of the bicubic filter: four clamped
// source offsets (bytes for columns, row indices for rows) and 11-bit weights.
type ctap struct {
	o [4]int32
	a [4]int32
}

// areaTap is one entry of computeResizeAreaTab: output index di gets source
// index si with weight alpha.
type areaTap struct {
	di, si int32
	alpha  float32
}

// resizer holds the per-size-pair tables of cv::resize, computed once.
type resizer struct {
	kind           resizeKind
	interp         Interp
	sw, sh, dw, dh int

	// kindLinear: horizontal taps; vertical rows (clamped) and weights (not
	// zeroed at the edges, unlike x).
	xt       []xtap
	yr0, yr1 []int32
	yb0, yb1 []int32

	// kindCubic: horizontal and vertical taps.
	cx, cy []ctap

	// kindNearest: source byte offset of each output column, source row of
	// each output row.
	nx, ny []int32

	// kindAreaFast: integer ratios and float32(1/(ax*ay)).
	ax, ay int
	ascale float32

	// kindArea: horizontal and vertical coverage tables (channel 0 offsets in
	// bytes for x), and for each output row the range of ytab entries.
	xtab, ytab []areaTap
	yofs       []int32

	// kindPIL: Pillow's tables.
	pil *pilTables
}

// newResizer computes the tables for resizing sw x sh to dw x dh with the
// given interpolation. Sizes must be positive.
func newResizer(sw, sh, dw, dh int, in Interp) *resizer {
	rz := &resizer{sw: sw, sh: sh, dw: dw, dh: dh, interp: in}
	if sw == dw && sh == dh {
		rz.kind = kindCopy
		return rz
	}
	// cv::resize: inv_scale = dsize/ssize; cv::hal::resize: scale = 1/inv_scale.
	invX := float64(dw) / float64(sw)
	invY := float64(dh) / float64(sh)
	scaleX, scaleY := 1/invX, 1/invY
	switch in {
	case PILLinear:
		rz.kind = kindPIL
		rz.pil = newPILTables(sw, sh, dw, dh)
		return rz
	case Nearest:
		rz.kind = kindNearest
		rz.nx = make([]int32, dw)
		for dx := range rz.nx {
			sx := int(math.Floor(float64(dx) * scaleX))
			rz.nx[dx] = int32(min(sx, sw-1) * 3)
		}
		rz.ny = make([]int32, dh)
		for dy := range rz.ny {
			rz.ny[dy] = int32(min(int(math.Floor(float64(dy)*scaleY)), sh-1))
		}
		return rz
	case NearestExact:
		rz.kind = kindNearest
		rz.nx = nearestExactTable(sw, dw, 3)
		rz.ny = nearestExactTable(sh, dh, 1)
		return rz
	}
	iscaleX := int(math.RoundToEven(scaleX)) // saturate_cast<int>(double) is cvRound
	iscaleY := int(math.RoundToEven(scaleY))
	areaFast := math.Abs(scaleX-float64(iscaleX)) < dblEps && math.Abs(scaleY-float64(iscaleY)) < dblEps
	if in == Linear && areaFast && iscaleX == 2 && iscaleY == 2 {
		in = Area
	}
	if in == Area && scaleX >= 1 && scaleY >= 1 {
		switch {
		case areaFast && iscaleX == 2 && iscaleY == 2:
			rz.kind = kindArea2
		case areaFast:
			rz.kind = kindAreaFast
			rz.ax, rz.ay = iscaleX, iscaleY
			rz.ascale = 1 / float32(iscaleX*iscaleY)
		default:
			rz.kind = kindArea
			rz.xtab = areaTable(sw, dw, 3, scaleX)
			rz.ytab = areaTable(sh, dh, 1, scaleY)
			rz.yofs = make([]int32, dh+1)
			dy := 0
			for k := range rz.ytab {
				if k == 0 || rz.ytab[k].di != rz.ytab[k-1].di {
					rz.yofs[dy] = int32(k)
					dy++
				}
			}
			rz.yofs[dy] = int32(len(rz.ytab))
		}
		return rz
	}
	if in == Cubic {
		rz.kind = kindCubic
		rz.cx = make([]ctap, dw)
		for dx := range rz.cx {
			f, s := srcCoord(dx, scaleX)
			w := cubicWeights(f)
			for k := 0; k < 4; k++ {
				rz.cx[dx].o[k] = int32(clampInt(s-1+k, 0, sw-1) * 3)
				rz.cx[dx].a[k] = w[k]
			}
		}
		rz.cy = make([]ctap, dh)
		for dy := range rz.cy {
			f, s := srcCoord(dy, scaleY)
			w := cubicWeights(f)
			for k := 0; k < 4; k++ {
				rz.cy[dy].o[k] = int32(clampInt(s-1+k, 0, sh-1))
				rz.cy[dy].a[k] = w[k]
			}
		}
		return rz
	}
	// Linear, or Area with an enlarged axis ("area_mode" coordinates).
	areaMode := in == Area
	rz.kind = kindLinear
	rz.xt = make([]xtap, dw)
	for dx := 0; dx < dw; dx++ {
		var fx float32
		var sx int
		if areaMode {
			fx, sx = areaCoord(dx, scaleX, invX)
		} else {
			fx, sx = srcCoord(dx, scaleX)
		}
		if sx < 0 {
			sx, fx = 0, 0
		}
		// OpenCV's "xmax" region: sx+1 is past the right edge.
		single := sx >= sw-1
		if single {
			sx, fx = sw-1, 0
		}
		a0, a1 := weights(fx)
		if single {
			rz.xt[dx] = xtap{o0: sx * 3, o1: sx * 3, a0: coefScale, a1: 0}
		} else {
			rz.xt[dx] = xtap{o0: sx * 3, o1: (sx + 1) * 3, a0: a0, a1: a1}
		}
	}
	rz.yr0 = make([]int32, dh)
	rz.yr1 = make([]int32, dh)
	rz.yb0 = make([]int32, dh)
	rz.yb1 = make([]int32, dh)
	for dy := 0; dy < dh; dy++ {
		var fy float32
		var sy int
		if areaMode {
			fy, sy = areaCoord(dy, scaleY, invY)
		} else {
			fy, sy = srcCoord(dy, scaleY)
		}
		b0, b1 := weights(fy)
		rz.yr0[dy] = int32(clampInt(sy, 0, sh-1))
		rz.yr1[dy] = int32(clampInt(sy+1, 0, sh-1))
		rz.yb0[dy], rz.yb1[dy] = b0, b1
	}
	return rz
}

// nearestExactTable is resizeNN_bitexact's offset table: step
// ifx = ((s<<16) + d/2) / d, start ifx0 = ifx/2 - 1, index
// (ifx*x + ifx0) >> 16 clamped to s-1, times mul. That start is OpenCV
// 4.6's; later versions use ifx/2 - s%2 (checked against 4.6 by the tests).
// OpenCV does not clamp below 0; that only matters for upscales of more
// than 21845x, clamped here.
func nearestExactTable(s, d, mul int) []int32 {
	ifx := ((s << 16) + d/2) / d
	ifx0 := ifx/2 - 1
	t := make([]int32, d)
	for x := range t {
		sx := (ifx*x + ifx0) >> 16
		t[x] = int32(clampInt(sx, 0, s-1) * mul)
	}
	return t
}

// srcCoord is OpenCV's fx = (float)((dx+0.5)*scale - 0.5); sx = cvFloor(fx);
// fx -= sx. The product is rounded to float64 before the subtraction so the
// compiler cannot fuse it into an FMA (OpenCV's x86-64 build does not fuse).
func srcCoord(d int, scale float64) (float32, int) {
	p := float64((float64(d) + 0.5) * scale)
	f := float32(p - 0.5)
	s := int(math.Floor(float64(f)))
	return f - float32(s), s
}

// areaCoord is the INTER_AREA enlarging coordinate: sx = cvFloor(dx*scale);
// fx = (float)((dx+1) - (sx+1)*inv_scale); fx = fx <= 0 ? 0 : fx - floor(fx).
func areaCoord(d int, scale, inv float64) (float32, int) {
	s := int(math.Floor(float64(d) * scale))
	p := float64(float64(s+1) * inv)
	f := float32(float64(d+1) - p)
	if f <= 0 {
		return 0, s
	}
	return f - float32(math.Floor(float64(f))), s
}

// weights is cbuf = {1.f - f, f}; ialpha = saturate_cast<short>(cbuf*2048),
// each rounded on its own with cvRound (ties to even).
func weights(f float32) (int32, int32) {
	a0 := math.RoundToEven(float64((1 - f) * coefScale))
	a1 := math.RoundToEven(float64(f * coefScale))
	return int32(a0), int32(a1)
}

// cubicWeights is interpolateCubic (a = -0.75) evaluated in float32 in
// OpenCV's order of operations, then saturate_cast<short>(c*2048) each.
// Every product is converted explicitly so that no FMA can be formed.
func cubicWeights(x float32) [4]int32 {
	const A = float32(-0.75)
	x1 := x + 1
	c0 := float32(float32(float32(float32(float32(A*x1)-5*A)*x1)+8*A)*x1) - 4*A
	c1 := float32(float32(float32(float32((A+2)*x)-(A+3))*x)*x) + 1
	y := 1 - x
	c2 := float32(float32(float32(float32((A+2)*y)-(A+3))*y)*y) + 1
	c3 := 1 - c0 - c1 - c2
	var w [4]int32
	for k, c := range [4]float32{c0, c1, c2, c3} {
		w[k] = int32(math.RoundToEven(float64(c * coefScale)))
	}
	return w
}

// areaTable is computeResizeAreaTab: for each output index the source
// indices it covers and their coverage weights (float32 of float64 ratios).
func areaTable(ssize, dsize, cn int, scale float64) []areaTap {
	var tab []areaTap
	for dx := 0; dx < dsize; dx++ {
		fsx1 := float64(dx) * scale
		fsx2 := fsx1 + scale
		cell := math.Min(scale, float64(ssize)-fsx1)
		sx1, sx2 := int(math.Ceil(fsx1)), int(math.Floor(fsx2))
		sx2 = min(sx2, ssize-1)
		sx1 = min(sx1, sx2)
		if float64(sx1)-fsx1 > 1e-3 {
			tab = append(tab, areaTap{di: int32(dx * cn), si: int32((sx1 - 1) * cn), alpha: float32((float64(sx1) - fsx1) / cell)})
		}
		for sx := sx1; sx < sx2; sx++ {
			tab = append(tab, areaTap{di: int32(dx * cn), si: int32(sx * cn), alpha: float32(1.0 / cell)})
		}
		if fsx2-float64(sx2) > 1e-3 {
			tab = append(tab, areaTap{di: int32(dx * cn), si: int32(sx2 * cn),
				alpha: float32(math.Min(math.Min(fsx2-float64(sx2), 1), cell) / cell)})
		}
	}
	return tab
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// scratch is the per-call working memory of a resize: up to four horizontal
// rows (int32, dw*3) with the source row each holds, one 8-bit output row,
// and the two float32 rows of INTER_AREA.
type scratch struct {
	h      [4][]int32
	hy     [4]int
	pil    *pilScratch
	outRow []uint8
	abuf   []float32
	asum   []float32
}

func (rz *resizer) newScratch() *scratch {
	sc := &scratch{outRow: make([]uint8, rz.dw*3)}
	n := 0
	switch rz.kind {
	case kindLinear:
		n = 2
	case kindCubic:
		n = 4
	case kindArea:
		sc.abuf = make([]float32, rz.dw*3)
		sc.asum = make([]float32, rz.dw*3)
	case kindPIL:
		sc.pil = rz.pil.newScratch(rz.dw)
	}
	for i := 0; i < n; i++ {
		sc.h[i] = make([]int32, rz.dw*3)
	}
	return sc
}

// reset forgets the cached horizontal rows (they belong to another image).
func (sc *scratch) reset() {
	sc.hy = [4]int{-1, -1, -1, -1}
	if sc.pil != nil {
		sc.pil.reset()
	}
}

// hrow is HResizeLinear for one 3-channel row: out[3dx+c] =
// src[xo0+c]*a0 + src[xo1+c]*a1 in int32.
func (rz *resizer) hrow(src []uint8, out []int32) {
	xt := rz.xt
	out = out[:len(xt)*3]
	for dx := range xt {
		t := xt[dx]
		p := src[t.o0 : t.o0+3 : t.o0+3]
		q := src[t.o1 : t.o1+3 : t.o1+3]
		o := out[dx*3 : dx*3+3 : dx*3+3]
		o[0] = int32(p[0])*t.a0 + int32(q[0])*t.a1
		o[1] = int32(p[1])*t.a0 + int32(q[1])*t.a1
		o[2] = int32(p[2])*t.a0 + int32(q[2])*t.a1
	}
}

// hrowCubic is HResizeCubic for one 3-channel row (taps already clamped).
func (rz *resizer) hrowCubic(src []uint8, out []int32) {
	for dx := range rz.cx {
		t := &rz.cx[dx]
		p0, p1, p2, p3 := src[t.o[0]:t.o[0]+3], src[t.o[1]:t.o[1]+3], src[t.o[2]:t.o[2]+3], src[t.o[3]:t.o[3]+3]
		a0, a1, a2, a3 := t.a[0], t.a[1], t.a[2], t.a[3]
		o := out[dx*3 : dx*3+3]
		for c := 0; c < 3; c++ {
			o[c] = int32(p0[c])*a0 + int32(p1[c])*a1 + int32(p2[c])*a2 + int32(p3[c])*a3
		}
	}
}

// rows returns the horizontal rows for source rows y0 and y1, computing only
// those not already cached in sc (OpenCV reuses rows the same way).
func (rz *resizer) rows(src frame.Image, sc *scratch, y0, y1 int) ([]int32, []int32) {
	stride := rz.sw * 3
	get := func(y int, avoid int) int {
		for i := 0; i < 2; i++ {
			if sc.hy[i] == y {
				return i
			}
		}
		i := 0
		if avoid == 0 {
			i = 1
		}
		rz.hrow(src.Pix[y*stride:(y+1)*stride], sc.h[i])
		sc.hy[i] = y
		return i
	}
	i0 := get(y0, -1)
	i1 := get(y1, i0)
	return sc.h[i0], sc.h[i1]
}

// rows4 returns the four horizontal cubic rows of output row dy, reusing
// cached ones.
func (rz *resizer) rows4(src frame.Image, sc *scratch, t *ctap) [4][]int32 {
	stride := rz.sw * 3
	var out [4][]int32
	var used [4]bool
	var missing [4]bool
	for k := 0; k < 4; k++ {
		y := int(t.o[k])
		missing[k] = true
		for i := 0; i < 4; i++ {
			if sc.hy[i] == y {
				out[k] = sc.h[i]
				used[i] = true
				missing[k] = false
				break
			}
		}
	}
	for k := 0; k < 4; k++ {
		if !missing[k] {
			continue
		}
		y := int(t.o[k])
		// A row repeated within this tap set (edge clamping) may have been
		// computed by an earlier k.
		done := false
		for j := 0; j < k; j++ {
			if int(t.o[j]) == y && out[j] != nil {
				out[k] = out[j]
				done = true
				break
			}
		}
		if done {
			continue
		}
		for i := 0; i < 4; i++ {
			if !used[i] {
				used[i] = true
				rz.hrowCubic(src.Pix[y*stride:(y+1)*stride], sc.h[i])
				sc.hy[i] = y
				out[k] = sc.h[i]
				break
			}
		}
	}
	return out
}

// row writes output row dy of the resized image (dw*3 bytes, source channel
// order) into sc.outRow and returns it. For kindCopy it returns the source row.
func (rz *resizer) row(src frame.Image, sc *scratch, dy int) []uint8 {
	stride := rz.sw * 3
	out := sc.outRow[:rz.dw*3]
	switch rz.kind {
	case kindCopy:
		return src.Pix[dy*stride : (dy+1)*stride]
	case kindPIL:
		return rz.pilRow(src, sc, dy)
	case kindNearest:
		s := src.Pix[int(rz.ny[dy])*stride : (int(rz.ny[dy])+1)*stride]
		for dx, o := range rz.nx {
			p := s[o : o+3 : o+3]
			q := out[dx*3 : dx*3+3 : dx*3+3]
			q[0], q[1], q[2] = p[0], p[1], p[2]
		}
		return out
	case kindArea2:
		r0 := src.Pix[2*dy*stride : (2*dy+1)*stride]
		r1 := src.Pix[(2*dy+1)*stride : (2*dy+2)*stride]
		r0 = r0[:len(out)*2]
		r1 = r1[:len(out)*2]
		for dx := 0; dx < rz.dw; dx++ {
			p := r0[dx*6 : dx*6+6 : dx*6+6]
			q := r1[dx*6 : dx*6+6 : dx*6+6]
			o := out[dx*3 : dx*3+3 : dx*3+3]
			o[0] = uint8((int(p[0]) + int(p[3]) + int(q[0]) + int(q[3]) + 2) >> 2)
			o[1] = uint8((int(p[1]) + int(p[4]) + int(q[1]) + int(q[4]) + 2) >> 2)
			o[2] = uint8((int(p[2]) + int(p[5]) + int(q[2]) + int(q[5]) + 2) >> 2)
		}
		return out
	case kindAreaFast:
		// sw == ax*dw and sh == ay*dh exactly (an integer ratio within
		// DBL_EPSILON implies it), so OpenCV's partial-block branch never runs.
		sy0 := dy * rz.ay
		for i := range out {
			base := rz.ax*(i-i%3) + i%3
			sum := 0
			for sy := 0; sy < rz.ay; sy++ {
				r := src.Pix[(sy0+sy)*stride+base:]
				for sx := 0; sx < rz.ax; sx++ {
					sum += int(r[sx*3])
				}
			}
			out[i] = satRound(float32(sum) * rz.ascale)
		}
		return out
	case kindArea:
		sum := sc.asum[:len(out)]
		buf := sc.abuf[:len(out)]
		for j := rz.yofs[dy]; j < rz.yofs[dy+1]; j++ {
			yt := rz.ytab[j]
			s := src.Pix[int(yt.si)*stride : (int(yt.si)+1)*stride]
			clear(buf)
			for _, t := range rz.xtab {
				p := s[t.si : t.si+3 : t.si+3]
				b := buf[t.di : t.di+3 : t.di+3]
				b[0] += float32(float32(p[0]) * t.alpha)
				b[1] += float32(float32(p[1]) * t.alpha)
				b[2] += float32(float32(p[2]) * t.alpha)
			}
			if j == rz.yofs[dy] {
				for i, v := range buf {
					sum[i] = float32(yt.alpha * v)
				}
			} else {
				for i, v := range buf {
					sum[i] += float32(yt.alpha * v)
				}
			}
		}
		for i, v := range sum {
			out[i] = satRound(v)
		}
		return out
	case kindCubic:
		t := &rz.cy[dy]
		h := rz.rows4(src, sc, t)
		h0, h1, h2, h3 := h[0][:len(out)], h[1][:len(out)], h[2][:len(out)], h[3][:len(out)]
		b0, b1, b2, b3 := t.a[0], t.a[1], t.a[2], t.a[3]
		// VResizeCubicVec_32s8u (SSE2, 8 bytes per step): float32
		// S0*b0 + (S1*b1 + (S2*b2 + S3*b3)) with b = beta/2^22, rounded half
		// to even; the remaining bytes go through the integer tail.
		const sc22 = float32(1.0 / (coefScale * coefScale))
		f0, f1, f2, f3 := float32(b0)*sc22, float32(b1)*sc22, float32(b2)*sc22, float32(b3)*sc22
		nv := len(out) / 8 * 8
		for i := 0; i < nv; i++ {
			v := float32(float32(h0[i])*f0) + (float32(float32(h1[i])*f1) + (float32(float32(h2[i])*f2) + float32(float32(h3[i])*f3)))
			out[i] = satRound(v)
		}
		for i := nv; i < len(out); i++ {
			v := (h0[i]*b0 + h1[i]*b1 + h2[i]*b2 + h3[i]*b3 + 1<<21) >> 22
			out[i] = uint8(clampInt(int(v), 0, 255))
		}
		return out
	default:
		h0, h1 := rz.rows(src, sc, int(rz.yr0[dy]), int(rz.yr1[dy]))
		b0, b1 := rz.yb0[dy], rz.yb1[dy]
		h0 = h0[:len(out)]
		h1 = h1[:len(out)]
		// VResizeLinear<uchar, int, short, FixedPtCast<int,uchar,22>, VResizeLinearVec_32s8u>:
		// two 16-bit "mul hi" products, then (sum+2)>>2. Not (S0*b0+S1*b1+2^21)>>22.
		for i := range out {
			v := ((b0 * (h0[i] >> 4)) >> 16) + ((b1 * (h1[i] >> 4)) >> 16) + 2
			out[i] = uint8(v >> 2)
		}
		return out
	}
}

// satRound is saturate_cast<uchar>(float): cvRound (half to even) then clamp.
func satRound(v float32) uint8 {
	r := math.RoundToEven(float64(v))
	if r <= 0 {
		return 0
	}
	if r >= 255 {
		return 255
	}
	return uint8(r)
}

// Resize resizes src to dw x dh exactly like OpenCV 4.6
// cv::resize(src, dst, Size(dw, dh), 0, 0, in) on an 8-bit 3-channel image
// (see the code paths at the top of resize.go). The result keeps src.Order.
// Cost: O(dw*dh) per output pixel and tap plus one horizontal pass per
// distinct source row used (INTER_AREA downscales touch every source pixel).
// Resize panics if src is invalid, dw or dh is not positive or in unknown
// (use Spec.Plan for checked input); it builds its tables on every call, so
// use a Plan for repeated sizes.
func Resize(src frame.Image, dw, dh int, in Interp) frame.Image {
	if err := src.Validate(); err != nil {
		panic(fmt.Errorf("letterbox.Resize: %w", err))
	}
	if dw <= 0 || dh <= 0 {
		panic(fmt.Sprintf("letterbox.Resize: target size %dx%d, expected positive width and height", dw, dh))
	}
	if in < Linear || in > PILLinear {
		panic(fmt.Sprintf("letterbox.Resize: unknown interpolation %d", int(in)))
	}
	rz := newResizer(src.W, src.H, dw, dh, in)
	sc := rz.newScratch()
	sc.reset()
	out := frame.New(dw, dh, src.Order)
	for dy := 0; dy < dh; dy++ {
		copy(out.Pix[dy*dw*3:(dy+1)*dw*3], rz.row(src, sc, dy))
	}
	return out
}
