package letterbox

import "github.com/detparity/detparity/frame"

// The fast path of Plan.Apply for the common case: the bilinear filter
// (kindLinear) into a float32 NCHW tensor. Each output pixel is computed once,
// start to end: both horizontal taps of both source rows, the vertical blend,
// the value table of each channel, and the three planes written in the same
// pass, so no intermediate row is stored and read back. The arithmetic is
// resize.go's (HResizeLinear, then VResizeLinear's two 16-bit "mul hi"
// products), operation for operation, so the bytes are OpenCV's.

// rowNCHW writes row y of a float32 NCHW tensor: padding, or the resized image
// row between its side pads. Plane k shows source channel pm[k].
func (p *Plan) rowNCHW(src frame.Image, f32 []float32, sc *scratch, y int, pm [3]int) {
	g := &p.geo
	W, plane := g.DstW, g.DstW*g.DstH
	dy := y - g.PadTop
	if dy < 0 || dy >= g.ResizedH {
		for k := range 3 {
			copy(f32[k*plane+y*W:k*plane+(y+1)*W], p.padRow[k])
		}
		return
	}
	l, r := g.PadLeft, g.PadLeft+g.ResizedW
	var out [3][]float32 // by source channel
	var lut [3]*[256]float32
	for k, c := range pm {
		o := f32[k*plane+y*W : k*plane+(y+1)*W]
		copy(o[:l], p.padRow[k])
		copy(o[r:], p.padRow[k])
		out[c], lut[c] = o[l:r], &p.lut[k]
	}
	rz := p.rz
	switch {
	// Where output rows share source rows, the cached horizontal rows of
	// resizer.rows save work in Go; with AVX2, computing both rows in the fused
	// loop again is still cheaper.
	case p.fused != nil && (!p.fused.shared || haveAVX2):
		stride := rz.sw * 3
		y0, y1 := int(rz.yr0[dy]), int(rz.yr1[dy])
		p.fused.fusedRow(src.Pix[y0*stride:(y0+1)*stride], src.Pix[y1*stride:(y1+1)*stride], rz.yb0[dy], rz.yb1[dy], out, lut)
	case p.fused != nil:
		h0, h1 := rz.rows(src, sc, int(rz.yr0[dy]), int(rz.yr1[dy]))
		fusedVertical(h0, h1, rz.yb0[dy], rz.yb1[dy], out, lut)
	default:
		row := rz.row(src, sc, dy)
		o0, o1, o2 := out[0], out[1][:len(out[0])], out[2][:len(out[0])]
		l0, l1, l2 := lut[0], lut[1], lut[2]
		for x := range o0 {
			px := (*[3]uint8)(row[x*3 : x*3+3])
			o0[x], o1[x], o2[x] = l0[px[0]], l1[px[1]], l2[px[2]]
		}
	}
}

// fusedVertical is the end of fusedRow for horizontal rows h0, h1 computed (and
// cached) by resizer.rows: VResizeLinear, the value tables, the planes.
func fusedVertical(h0, h1 []int32, b0, b1 int32, out [3][]float32, lut [3]*[256]float32) {
	o0, o1, o2 := out[0], out[1][:len(out[0])], out[2][:len(out[0])]
	l0, l1, l2 := lut[0], lut[1], lut[2]
	h0, h1 = h0[:len(o0)*3], h1[:len(o0)*3]
	for x := range o0 {
		p := (*[3]int32)(h0[x*3 : x*3+3])
		q := (*[3]int32)(h1[x*3 : x*3+3])
		o0[x] = l0[vblend(b0, b1, p[0], q[0])]
		o1[x] = l1[vblend(b0, b1, p[1], q[1])]
		o2[x] = l2[vblend(b0, b1, p[2], q[2])]
	}
}

// fusedTaps are the horizontal taps of a kindLinear resizer in the form the
// fused loop reads. Output columns [0, len(offs)) blend two neighbouring source
// pixels: the one at byte offs[i] of the row and the next, with weights
// a0 = wts[i] & 0xffff and a1 = wts[i] >> 16 (the left edge, where sx is
// clamped to 0 with fx = 0, is such a column with a0 = 2048, a1 = 0). The
// columns after them read one pixel, at byte tail[k], with weight 2048:
// OpenCV's right edge, where sx+1 is past the row.
type fusedTaps struct {
	offs []int32
	wts  []uint32
	tail []int32
	// nSIMD is how many columns fusedPairsAVX2 takes: a multiple of 8, all with
	// 8 readable bytes at their offset.
	nSIMD int
	// shared: two output rows read a common source row (an enlargement, or a
	// reduction by less than 2).
	shared bool
}

// newFusedTaps splits rz.xt into the two-pixel columns and the single-pixel
// tail. It returns nil when the taps do not have that shape (they always do
// for kindLinear: sx is non-decreasing and only the right edge is single).
func newFusedTaps(rz *resizer) *fusedTaps {
	ft := &fusedTaps{shared: rz.sharesRows()}
	i := 0
	for ; i < len(rz.xt) && rz.xt[i].o1 == rz.xt[i].o0+3; i++ {
		t := rz.xt[i]
		ft.offs = append(ft.offs, int32(t.o0))
		ft.wts = append(ft.wts, uint32(t.a0)|uint32(t.a1)<<16)
	}
	for ; i < len(rz.xt); i++ {
		t := rz.xt[i]
		if t.o1 != t.o0 || t.a0 != coefScale || t.a1 != 0 {
			return nil
		}
		ft.tail = append(ft.tail, int32(t.o0))
	}
	// fusedPairsAVX2 reads 8 bytes from each column's offset: leave the columns
	// whose 8 bytes would pass the end of the row to the loop in Go.
	safe := 0
	for safe < len(ft.offs) && int(ft.offs[safe])+8 <= rz.sw*3 {
		safe++
	}
	ft.nSIMD = safe / 8 * 8
	return ft
}

// vblend is VResizeLinear for one value: two 16-bit "mul hi" products of the
// horizontal sums (>> 4) with the vertical weights, then (sum + 2) >> 2.
func vblend(b0, b1, h0, h1 int32) uint8 {
	return uint8((((b0 * (h0 >> 4)) >> 16) + ((b1 * (h1 >> 4)) >> 16) + 2) >> 2)
}

// fusedRow writes one resized row straight into the tensor: for output column
// x, the pixel blended from source rows r0 and r1 (weights b0, b1), its source
// channel c through table lut[c] into plane out[c] (out[c] starts at the
// column PadLeft of the row; the caller orders out and lut by source channel,
// which is how the channel order is applied). With AVX2 the first nSIMD
// columns go through fusedPairsAVX2, the same arithmetic eight columns at a
// time.
func (ft *fusedTaps) fusedRow(r0, r1 []uint8, b0, b1 int32, out [3][]float32, lut [3]*[256]float32) {
	n := len(ft.offs)
	o0, o1, o2 := out[0][:n+len(ft.tail)], out[1][:n+len(ft.tail)], out[2][:n+len(ft.tail)]
	l0, l1, l2 := lut[0], lut[1], lut[2]
	x0 := 0
	if haveAVX2 && ft.nSIMD > 0 {
		x0 = ft.nSIMD
		fusedPairsAVX2(&r0[0], &r1[0], &ft.offs[0], &ft.wts[0], x0, b0, b1, &o0[0], &o1[0], &o2[0], &l0[0], &l1[0], &l2[0])
	}
	wts := ft.wts[:n]
	for x := x0; x < n; x++ {
		o := int(ft.offs[x])
		p := (*[6]uint8)(r0[o : o+6])
		q := (*[6]uint8)(r1[o : o+6])
		a0, a1 := int32(wts[x]&0xffff), int32(wts[x]>>16)
		o0[x] = l0[vblend(b0, b1, int32(p[0])*a0+int32(p[3])*a1, int32(q[0])*a0+int32(q[3])*a1)]
		o1[x] = l1[vblend(b0, b1, int32(p[1])*a0+int32(p[4])*a1, int32(q[1])*a0+int32(q[4])*a1)]
		o2[x] = l2[vblend(b0, b1, int32(p[2])*a0+int32(p[5])*a1, int32(q[2])*a0+int32(q[5])*a1)]
	}
	for k, o := range ft.tail {
		x := n + k
		p := (*[3]uint8)(r0[o : o+3])
		q := (*[3]uint8)(r1[o : o+3])
		o0[x] = l0[vblend(b0, b1, int32(p[0])*coefScale, int32(q[0])*coefScale)]
		o1[x] = l1[vblend(b0, b1, int32(p[1])*coefScale, int32(q[1])*coefScale)]
		o2[x] = l2[vblend(b0, b1, int32(p[2])*coefScale, int32(q[2])*coefScale)]
	}
}

// sharesRows reports whether two output rows of a kindLinear resizer read a
// common source row, which the cached horizontal rows of resizer.rows then
// compute once (an enlargement, or a reduction by less than 2).
func (rz *resizer) sharesRows() bool {
	for dy := 1; dy < len(rz.yr0); dy++ {
		if rz.yr0[dy] <= rz.yr1[dy-1] {
			return true
		}
	}
	return false
}
