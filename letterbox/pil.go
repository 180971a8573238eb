package letterbox

import (
	"math"

	"github.com/detparity/detparity/frame"
)

// This file reproduces Pillow's Image.resize(size, Image.BILINEAR) on 8-bit
// RGB images, bit-exact with Pillow 9.4.0 (Debian bookworm's python3-pil),
// python-pillow/Pillow@9.4.0 (a5bbab1c) src/libImaging/Resample.c:
// precompute_coeffs, normalize_coeffs_8bpc, ImagingResampleHorizontal_8bpc,
// ImagingResampleVertical_8bpc and ImagingResampleInner; the entry point is
// _resize in src/_imaging.c. Only the semantics are reproduced:
//
//   - same size: a copy (_resize crops the whole box);
//   - otherwise two separable passes, horizontal first; a pass is skipped
//     when its axis keeps its size;
//   - per axis, scale = in/out; the filter is widened by max(scale, 1)
//     (antialiasing when shrinking, unlike cv2.INTER_LINEAR): support =
//     scale' = max(scale, 1); output i is centred at (i+0.5)*scale and takes
//     source pixels xmin = int(centre - support + 0.5) (clamped to 0) up to
//     int(centre + support + 0.5) (clamped to the size), weighted by the
//     triangle 1-|x| at ((j - centre + 0.5)/scale'), normalised to sum 1, all
//     in float64;
//   - weights become 22-bit fixed point, (int)(0.5 + w*2^22) (truncation
//     toward zero, away from zero for negative weights);
//   - each pass sums pixel*weight in int32 from 2^21 and keeps bits 22..29
//     clipped to 0..255 (clip8): the horizontal pass writes 8-bit rows, which
//     the vertical pass reads.

// pilAxis holds the taps of one axis: output i reads n[i] source indices
// from lo[i] with the weights k[i*ksize : i*ksize+n[i]].
type pilAxis struct {
	lo, n []int32
	k     []int32
	ksize int
}

const pilBits = 32 - 8 - 2 // PRECISION_BITS

// newPILAxis is precompute_coeffs followed by normalize_coeffs_8bpc for the
// bilinear filter (support 1) on an axis of in source pixels and out output
// pixels (box 0..in).
func newPILAxis(in, out int) pilAxis {
	scale := float64(float32(in)) / float64(out)
	filterscale := max(scale, 1)
	support := 1 * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	a := pilAxis{lo: make([]int32, out), n: make([]int32, out), k: make([]int32, out*ksize), ksize: ksize}
	w := make([]float64, ksize)
	for i := 0; i < out; i++ {
		center := float64(float64(i)+0.5) * scale
		ss := 1.0 / filterscale
		xmin := int(center - support + 0.5)
		xmin = max(xmin, 0)
		xmax := min(int(center+support+0.5), in) - xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			t := float64(float64(x+xmin)-center+0.5) * ss
			w[x] = bilinearFilter(t)
			ww += w[x]
		}
		for x := 0; x < xmax; x++ {
			if ww != 0 {
				w[x] /= ww
			}
			v := float64(w[x] * (1 << pilBits))
			if w[x] < 0 {
				a.k[i*ksize+x] = int32(-0.5 + v)
			} else {
				a.k[i*ksize+x] = int32(0.5 + v)
			}
		}
		a.lo[i], a.n[i] = int32(xmin), int32(xmax)
	}
	return a
}

// bilinearFilter is Pillow's bilinear_filter: the triangle 1-|x| on (-1, 1).
func bilinearFilter(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

// clip8 keeps bits 22..29 of a fixed-point sum, clamped to 0..255.
func clip8(ss int32) uint8 {
	v := ss >> pilBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// pilTables is the Pillow bilinear resize of one size pair.
type pilTables struct {
	x, y         pilAxis
	needH, needV bool
}

func newPILTables(sw, sh, dw, dh int) *pilTables {
	return &pilTables{x: newPILAxis(sw, dw), y: newPILAxis(sh, dh), needH: sw != dw, needV: sh != dh}
}

// pilScratch caches horizontally resampled rows in a ring indexed by source
// row (the rows an output row needs only move forward within one band).
type pilScratch struct {
	rows [][]uint8
	tag  []int
}

func (t *pilTables) newScratch(dw int) *pilScratch {
	n := t.y.ksize
	s := &pilScratch{rows: make([][]uint8, n), tag: make([]int, n)}
	for i := range s.rows {
		s.rows[i] = make([]uint8, dw*3)
	}
	s.reset()
	return s
}

func (s *pilScratch) reset() {
	for i := range s.tag {
		s.tag[i] = -1
	}
}

// hrow returns source row y resampled horizontally (dw*3 bytes): the source
// row itself when the width does not change.
func (rz *resizer) pilHRow(src frame.Image, s *pilScratch, y int) []uint8 {
	stride := rz.sw * 3
	in := src.Pix[y*stride : (y+1)*stride]
	t := rz.pil
	if !t.needH {
		return in
	}
	slot := y % len(s.rows)
	out := s.rows[slot]
	if s.tag[slot] == y {
		return out
	}
	ax := &t.x
	for dx := 0; dx < rz.dw; dx++ {
		lo, n := int(ax.lo[dx]), int(ax.n[dx])
		k := ax.k[dx*ax.ksize : dx*ax.ksize+n]
		p := in[lo*3 : (lo+n)*3]
		s0, s1, s2 := int32(1<<(pilBits-1)), int32(1<<(pilBits-1)), int32(1<<(pilBits-1))
		for j, w := range k {
			q := p[j*3 : j*3+3 : j*3+3]
			s0 += int32(q[0]) * w
			s1 += int32(q[1]) * w
			s2 += int32(q[2]) * w
		}
		o := out[dx*3 : dx*3+3 : dx*3+3]
		o[0], o[1], o[2] = clip8(s0), clip8(s1), clip8(s2)
	}
	s.tag[slot] = y
	return out
}

// pilRow writes output row dy of the Pillow bilinear resize into sc.outRow.
func (rz *resizer) pilRow(src frame.Image, sc *scratch, dy int) []uint8 {
	t := rz.pil
	out := sc.outRow[:rz.dw*3]
	if !t.needV {
		copy(out, rz.pilHRow(src, sc.pil, dy))
		return out
	}
	ay := &t.y
	lo, n := int(ay.lo[dy]), int(ay.n[dy])
	k := ay.k[dy*ay.ksize : dy*ay.ksize+n]
	var rows [16][]uint8
	rs := rows[:0]
	if n > len(rows) {
		rs = make([][]uint8, 0, n)
	}
	for j := 0; j < n; j++ {
		rs = append(rs, rz.pilHRow(src, sc.pil, lo+j)[:len(out)])
	}
	for i := range out {
		ss := int32(1 << (pilBits - 1))
		for j, w := range k {
			ss += int32(rs[j][i]) * w
		}
		out[i] = clip8(ss)
	}
	return out
}
