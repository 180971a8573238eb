package explain

import (
	"github.com/detparity/detparity/frame"
)

// geom is where the resized image sits in the W x H tensor: resized to
// rw x rh, its top-left pixel at (x0, y0), the rest padding.
type geom struct{ rw, rh, x0, y0 int }

// sums are the moments a least-squares fit needs, over one set of tensor
// pixels: tensor values t (shifted by the channel's reference) and source
// bytes v (shifted by 128), for tensor channel k and source channel j.
type sums struct {
	n       float64
	st, stt [3]float64
	sv, svv [3]float64
	stv     [3][3]float64
}

// fitted is one hypothesis fitted to the tensor: per tensor channel k the
// source channel src[k] and the affine map t = a[k]*v + b[k] that best
// explains the content, and the padding's mean value; sse is the residual
// sum of squares over the whole sampled canvas (content and padding), the
// score hypotheses are ranked by.
type fitted struct {
	a, b    [3]float64
	src     [3]int
	r2      [3]float64
	sse     float64
	padMean [3]float64
	nPad    float64
	nAll    float64
}

// canvas is the tensor being explained, as three planes, with the sampling
// step of the search and the moments of the whole sampled canvas.
type canvas struct {
	p     [3][]float32
	w, h  int
	step  int
	tref  [3]float64
	total sums // only n, st, stt are filled
}

func newCanvas(p [3][]float32, w, h, step int) *canvas {
	c := &canvas{p: p, w: w, h: h, step: step}
	for k := 0; k < 3; k++ {
		var s float64
		for _, v := range p[k] {
			s += float64(v)
		}
		c.tref[k] = s / float64(len(p[k]))
	}
	for y := 0; y < h; y += step {
		for x := 0; x < w; x += step {
			i := y*w + x
			c.total.n++
			for k := 0; k < 3; k++ {
				t := float64(p[k][i]) - c.tref[k]
				c.total.st[k] += t
				c.total.stt[k] += t * t
			}
		}
	}
	return c
}

// moments accumulates the sums over the sampled pixels of the content
// rectangle of g, reading the resized source r (rw x rh, any order).
func (c *canvas) moments(g geom, r frame.Image) sums {
	var s sums
	x0, x1 := max(g.x0, 0), min(g.x0+g.rw, c.w)
	y0, y1 := max(g.y0, 0), min(g.y0+g.rh, c.h)
	// Start on the sampling grid (multiples of step), as the totals do.
	x0 = (x0 + c.step - 1) / c.step * c.step
	y0 = (y0 + c.step - 1) / c.step * c.step
	p0, p1, p2 := c.p[0], c.p[1], c.p[2]
	r0, r1, r2 := c.tref[0], c.tref[1], c.tref[2]
	for y := y0; y < y1; y += c.step {
		row := r.Pix[(y-g.y0)*g.rw*3 : (y-g.y0+1)*g.rw*3]
		for x := x0; x < x1; x += c.step {
			i := y*c.w + x
			t0, t1, t2 := float64(p0[i])-r0, float64(p1[i])-r1, float64(p2[i])-r2
			q := row[(x-g.x0)*3 : (x-g.x0)*3+3 : (x-g.x0)*3+3]
			v0, v1, v2 := float64(q[0])-128, float64(q[1])-128, float64(q[2])-128
			s.n++
			s.st[0] += t0
			s.st[1] += t1
			s.st[2] += t2
			s.stt[0] += t0 * t0
			s.stt[1] += t1 * t1
			s.stt[2] += t2 * t2
			s.sv[0] += v0
			s.sv[1] += v1
			s.sv[2] += v2
			s.svv[0] += v0 * v0
			s.svv[1] += v1 * v1
			s.svv[2] += v2 * v2
			s.stv[0][0] += t0 * v0
			s.stv[0][1] += t0 * v1
			s.stv[0][2] += t0 * v2
			s.stv[1][0] += t1 * v0
			s.stv[1][1] += t1 * v1
			s.stv[1][2] += t1 * v2
			s.stv[2][0] += t2 * v0
			s.stv[2][1] += t2 * v1
			s.stv[2][2] += t2 * v2
		}
	}
	return s
}

// pair is the least-squares fit of tensor channel k on source channel j
// over the content: slope, intercept (shifted units), residual and r².
func (s *sums) pair(k, j int) (a, b, sse, r2 float64) {
	if s.n == 0 {
		return 0, 0, 0, 0
	}
	mt, mv := s.st[k]/s.n, s.sv[j]/s.n
	stt := s.stt[k] - s.n*mt*mt
	svv := s.svv[j] - s.n*mv*mv
	stv := s.stv[k][j] - s.n*mt*mv
	if svv <= 0 {
		return 0, mt, max(stt, 0), 0
	}
	a = stv / svv
	sse = max(stt-a*stv, 0)
	if stt > 0 {
		r2 = stv * stv / (stt * svv)
	} else {
		r2 = 1
	}
	return a, mt - a*mv, sse, r2
}

// fit fits g with the resized source r. The source channel of each tensor
// channel is chosen by correlation: the same order, or reversed when that
// correlates better (the first among equals, as for a grey image).
func (c *canvas) fit(g geom, r frame.Image) fitted {
	s := c.moments(g, r)
	var f fitted
	f.src = [3]int{0, 1, 2}
	var same, rev float64
	for k := 0; k < 3; k++ {
		_, _, _, r2s := s.pair(k, k)
		_, _, _, r2r := s.pair(k, 2-k)
		same += r2s
		rev += r2r
	}
	if rev > same+1e-12 {
		f.src = [3]int{2, 1, 0}
	}
	f.nAll = c.total.n
	f.nPad = c.total.n - s.n
	for k := 0; k < 3; k++ {
		a, b, sse, r2 := s.pair(k, f.src[k])
		f.a[k], f.r2[k] = a, r2
		// Undo the shifts: t - tref = a*(v - 128) + b.
		f.b[k] = b + c.tref[k] - 128*a
		f.sse += sse
		if f.nPad > 0 {
			pt := c.total.st[k] - s.st[k]
			ptt := c.total.stt[k] - s.stt[k]
			f.sse += max(ptt-pt*pt/f.nPad, 0)
			f.padMean[k] = pt/f.nPad + c.tref[k]
		}
	}
	return f
}

// better reports whether score x beats y by more than rounding noise.
func better(x, y float64) bool { return x < y*(1-1e-9)-1e-12 }
