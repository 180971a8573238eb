package letterbox

import (
	"fmt"
	"math"

	"github.com/detparity/detparity/frame"
)

// This file reproduces OpenCV 4.6 cv::resize(INTER_LINEAR) for CV_8UC3
// (modules/imgproc/src/resize.cpp: cv::resize, cv::hal::resize,
// resizeGeneric_ with HResizeLinear / VResizeLinear<uchar, ...>, and
// resizeAreaFast_ for the exact 2x downscale). Only the semantics are
// reproduced; see SPEC.md §2 for the facts this relies on.

// resizeKind is the code path cv::resize takes for a size pair.
type resizeKind int

const (
	// kindCopy: same size in and out, cv::resize copies.
	kindCopy resizeKind = iota
	// kindArea2: exact 2x downscale on both axes; INTER_LINEAR silently becomes
	// INTER_AREA, whose 8-bit fast path is (a+b+c+d+2)>>2 per channel.
	kindArea2
	// kindLinear: the separable fixed-point bilinear filter.
	kindLinear
)

const (
	coefBits  = 11            // INTER_RESIZE_COEF_BITS
	coefScale = 1 << coefBits // INTER_RESIZE_COEF_SCALE = 2048
	dblEps    = 2.220446049250313e-16
)

// xtap is one output column of the horizontal pass: byte offsets of the two
// source pixels in a row and their 11-bit weights.
type xtap struct {
	o0, o1 int
	a0, a1 int32
}

// resizer holds the per-size-pair tables of cv::resize, computed once.
type resizer struct {
	kind           resizeKind
	sw, sh, dw, dh int

	// kindLinear, horizontal: for output column dx, the byte offsets of the
	// left and right source pixels in a row and their 11-bit weights. Where
	// OpenCV takes the single-pixel path (src[sx]*2048, right of the last
	// pair) the right offset equals the left one with weight 0, which gives
	// the same int32.
	xt []xtap
	// kindLinear, vertical: for output row dy, the two clamped source rows
	// and their weights (not zeroed at the edges, unlike x).
	yr0, yr1 []int32
	yb0, yb1 []int32
}

// newResizer computes the tables for resizing sw x sh to dw x dh. Sizes must
// be positive.
func newResizer(sw, sh, dw, dh int) *resizer {
	rz := &resizer{sw: sw, sh: sh, dw: dw, dh: dh}
	if sw == dw && sh == dh {
		rz.kind = kindCopy
		return rz
	}
	// cv::resize: inv_scale = dsize/ssize; cv::hal::resize: scale = 1/inv_scale.
	invX := float64(dw) / float64(sw)
	invY := float64(dh) / float64(sh)
	scaleX, scaleY := 1/invX, 1/invY
	iscaleX := int(math.RoundToEven(scaleX)) // saturate_cast<int>(double) is cvRound
	iscaleY := int(math.RoundToEven(scaleY))
	areaFast := math.Abs(scaleX-float64(iscaleX)) < dblEps && math.Abs(scaleY-float64(iscaleY)) < dblEps
	if areaFast && iscaleX == 2 && iscaleY == 2 {
		rz.kind = kindArea2
		return rz
	}
	rz.kind = kindLinear

	rz.xt = make([]xtap, dw)
	for dx := 0; dx < dw; dx++ {
		fx, sx := srcCoord(dx, scaleX)
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
		fy, sy := srcCoord(dy, scaleY)
		b0, b1 := weights(fy)
		rz.yr0[dy] = int32(clampInt(sy, 0, sh-1))
		rz.yr1[dy] = int32(clampInt(sy+1, 0, sh-1))
		rz.yb0[dy], rz.yb1[dy] = b0, b1
	}
	return rz
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

// weights is cbuf = {1.f - f, f}; ialpha = saturate_cast<short>(cbuf*2048),
// each rounded on its own with cvRound (ties to even).
func weights(f float32) (int32, int32) {
	a0 := math.RoundToEven(float64((1 - f) * coefScale))
	a1 := math.RoundToEven(float64(f * coefScale))
	return int32(a0), int32(a1)
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

// scratch is the per-call working memory of a linear resize: two horizontal
// rows (int32, dw*3) with the source row each holds, and one 8-bit output row.
type scratch struct {
	h      [2][]int32
	hy     [2]int
	outRow []uint8
}

func (rz *resizer) newScratch() *scratch {
	sc := &scratch{outRow: make([]uint8, rz.dw*3)}
	if rz.kind == kindLinear {
		sc.h[0] = make([]int32, rz.dw*3)
		sc.h[1] = make([]int32, rz.dw*3)
	}
	return sc
}

// reset forgets the cached horizontal rows (they belong to another image).
func (sc *scratch) reset() { sc.hy = [2]int{-1, -1} }

// hrow is HResizeLinear for one 3-channel row: out[3dx+c] =
// src[xo0+c]*a0 + src[xo1+c]*a1 in int32.
func (rz *resizer) hrow(src []uint8, out []int32) {
	for dx := range rz.xt {
		t := &rz.xt[dx]
		a0, a1 := t.a0, t.a1
		p := src[t.o0:]
		q := src[t.o1:]
		o := out[dx*3:]
		_, _, _ = p[2], q[2], o[2]
		o[0] = int32(p[0])*a0 + int32(q[0])*a1
		o[1] = int32(p[1])*a0 + int32(q[1])*a1
		o[2] = int32(p[2])*a0 + int32(q[2])*a1
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

// row writes output row dy of the resized image (dw*3 bytes, source channel
// order) into sc.outRow and returns it. For kindCopy it returns the source row.
func (rz *resizer) row(src frame.Image, sc *scratch, dy int) []uint8 {
	stride := rz.sw * 3
	switch rz.kind {
	case kindCopy:
		return src.Pix[dy*stride : (dy+1)*stride]
	case kindArea2:
		r0 := src.Pix[2*dy*stride : (2*dy+1)*stride]
		r1 := src.Pix[(2*dy+1)*stride : (2*dy+2)*stride]
		out := sc.outRow[:rz.dw*3]
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
	default:
		h0, h1 := rz.rows(src, sc, int(rz.yr0[dy]), int(rz.yr1[dy]))
		b0, b1 := rz.yb0[dy], rz.yb1[dy]
		out := sc.outRow[:rz.dw*3]
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

// Resize resizes src to dw x dh exactly like OpenCV 4.6
// cv::resize(src, dst, Size(dw, dh), 0, 0, INTER_LINEAR) on an 8-bit 3-channel
// image: same size copies, an exact 2x downscale on both axes is INTER_AREA,
// anything else the 11-bit fixed-point bilinear filter. The result keeps
// src.Order. Cost: O(dw*dh) plus one horizontal pass per distinct source row
// used. Resize panics if src is invalid or dw or dh is not positive (use
// Spec.Plan for checked input); it allocates its tables on every call, so
// use a Plan for repeated sizes.
func Resize(src frame.Image, dw, dh int) frame.Image {
	if err := src.Validate(); err != nil {
		panic(fmt.Errorf("letterbox.Resize: %w", err))
	}
	if dw <= 0 || dh <= 0 {
		panic(fmt.Sprintf("letterbox.Resize: target size %dx%d, expected positive width and height", dw, dh))
	}
	rz := newResizer(src.W, src.H, dw, dh)
	sc := rz.newScratch()
	sc.reset()
	out := frame.New(dw, dh, src.Order)
	for dy := 0; dy < dh; dy++ {
		copy(out.Pix[dy*dw*3:(dy+1)*dw*3], rz.row(src, sc, dy))
	}
	return out
}
