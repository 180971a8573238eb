package letterbox

import (
	"fmt"
	"math"
	"sync"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/frame"
)

// Geometry is where a source image lands in the model input: the resized
// size, the padding on each side and the scale the pipeline keeps for
// mapping boxes back. It travels with every image along the data path.
type Geometry struct {
	// SrcW, SrcH is the source image size.
	SrcW, SrcH int
	// DstW, DstH is the model input size (Size x Size).
	DstW, DstH int
	// ScaleX, ScaleY is the ratio the pipeline keeps: for Letterbox both are
	// the nominal r = min(Inner/h, Inner/w) (not ResizedW/SrcW); for Stretch
	// DstW/SrcW and DstH/SrcH.
	ScaleX, ScaleY float64
	// ResizedW, ResizedH is the size cv2.resize is asked for.
	ResizedW, ResizedH int
	// PadTop, PadLeft, PadBottom, PadRight are the border widths.
	PadTop, PadLeft, PadBottom, PadRight int
	// Unmap says how UnmapBox works.
	Unmap Unmapping
}

// MapBox maps a box from source pixels to tensor pixels in float64
// (x*ScaleX + PadLeft, y*ScaleY + PadTop): where an ideal detector would
// predict it. Useful for drawing ground truth on the tensor and for tests.
func (g Geometry) MapBox(b box.Box) box.Box {
	l, t := float64(g.PadLeft), float64(g.PadTop)
	return box.Box{
		X1: b.X1*g.ScaleX + l, Y1: b.Y1*g.ScaleY + t,
		X2: b.X2*g.ScaleX + l, Y2: b.Y2*g.ScaleY + t,
	}
}

// UnmapBox maps a box predicted in tensor pixels back to source pixels the
// way the pipeline does. SuperGradients: x' = (x - PadLeft) * float32(1/r)
// computed in float32, as numpy does on the model's float32 output; no
// clipping, so boxes may extend past the image. PerAxis: x/ScaleX, y/ScaleY in
// float64.
func (g Geometry) UnmapBox(b box.Box) box.Box {
	switch g.Unmap {
	case PerAxis:
		return box.Box{X1: b.X1 / g.ScaleX, Y1: b.Y1 / g.ScaleY, X2: b.X2 / g.ScaleX, Y2: b.Y2 / g.ScaleY}
	default: // SuperGradients
		sx, sy := float32(1/g.ScaleX), float32(1/g.ScaleY)
		l, t := float32(g.PadLeft), float32(g.PadTop)
		return box.Box{
			X1: float64((float32(b.X1) - l) * sx), Y1: float64((float32(b.Y1) - t) * sy),
			X2: float64((float32(b.X2) - l) * sx), Y2: float64((float32(b.Y2) - t) * sy),
		}
	}
}

// Plan is a Spec fixed to one source size, with every table the per-image
// work needs. It is immutable after Spec.Plan and safe for concurrent use.
// The per-call scratch (two int32 rows and one byte row of the resized width)
// is owned by the Plan, with a sync.Pool for concurrent callers, so Apply
// does not allocate in steady state.
type Plan struct {
	// Spec is the pipeline this plan implements.
	Spec Spec

	geo  Geometry
	rz   *resizer
	lut  [256]float32 // float32(float64(v)*Spec.Scale)
	mu   sync.Mutex   // guards own; taken with TryLock, never waited on
	own  *scratch     // the scratch of the uncontended caller
	pool sync.Pool    // *scratch for concurrent callers
}

// getScratch returns a scratch for one call: the Plan's own one when no other
// call holds it (so a single-threaded caller never allocates, even after a GC
// empties the pool), else one from the pool.
func (p *Plan) getScratch() *scratch {
	var sc *scratch
	if p.mu.TryLock() {
		sc = p.own
	} else {
		sc = p.pool.Get().(*scratch)
	}
	sc.reset()
	return sc
}

// putScratch gives back what getScratch returned.
func (p *Plan) putScratch(sc *scratch) {
	if sc == p.own {
		p.mu.Unlock()
		return
	}
	p.pool.Put(sc)
}

// Plan fixes the Spec to a srcW x srcH source: computes the Geometry and the
// resize and value tables. It fails for non-positive sizes, an invalid Spec,
// or when a side would resize to 0 px (cv2.resize raises there, so every
// upstream pipeline fails on such an image).
func (s Spec) Plan(srcW, srcH int) (*Plan, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	if srcW <= 0 || srcH <= 0 {
		return nil, fmt.Errorf("letterbox: spec %q: source size %dx%d, expected positive width and height", s.Name, srcW, srcH)
	}
	g := Geometry{SrcW: srcW, SrcH: srcH, DstW: s.Size, DstH: s.Size, Unmap: s.Unmap}
	switch s.Mode {
	case Stretch:
		g.ScaleX = float64(s.Size) / float64(srcW)
		g.ScaleY = float64(s.Size) / float64(srcH)
		g.ResizedW, g.ResizedH = s.Size, s.Size
	case Letterbox:
		in := float64(s.inner())
		r := math.Min(in/float64(srcH), in/float64(srcW))
		g.ScaleX, g.ScaleY = r, r
		g.ResizedW = s.Round.apply(float64(srcW) * r)
		g.ResizedH = s.Round.apply(float64(srcH) * r)
		if g.ResizedW <= 0 || g.ResizedH <= 0 {
			return nil, fmt.Errorf("letterbox: spec %q: %dx%d source resizes to %dx%d (r=%g, %s), expected at least 1 px per side (cv2.resize raises here)",
				s.Name, srcW, srcH, g.ResizedW, g.ResizedH, r, s.Round)
		}
		if g.ResizedW > s.Size || g.ResizedH > s.Size {
			return nil, fmt.Errorf("letterbox: spec %q: %dx%d source resizes to %dx%d, larger than the %dx%d input",
				s.Name, srcW, srcH, g.ResizedW, g.ResizedH, s.Size, s.Size)
		}
		padW, padH := s.Size-g.ResizedW, s.Size-g.ResizedH
		switch s.Anchor {
		case Center:
			g.PadLeft, g.PadTop = padW/2, padH/2
		case TopLeft:
			g.PadLeft, g.PadTop = 0, 0
		case BottomRight:
			g.PadLeft, g.PadTop = padW, padH
		}
		g.PadRight, g.PadBottom = padW-g.PadLeft, padH-g.PadTop
	}
	p := &Plan{Spec: s, geo: g, rz: newResizer(srcW, srcH, g.ResizedW, g.ResizedH)}
	for v := range p.lut {
		p.lut[v] = float32(float64(v) * s.Scale)
	}
	rz := p.rz
	p.own = rz.newScratch()
	p.pool.New = func() any { return rz.newScratch() }
	return p, nil
}

// apply turns a real size into pixels.
func (r Rounding) apply(v float64) int {
	switch r {
	case Truncate:
		return int(math.Trunc(v))
	case Ceil:
		return int(math.Ceil(v))
	default:
		return int(math.RoundToEven(v))
	}
}

// Geometry returns where the source lands in the model input.
func (p *Plan) Geometry() Geometry { return p.geo }

// TensorLen is the number of float32 values Apply writes: 3*DstW*DstH.
func (p *Plan) TensorLen() int { return 3 * p.geo.DstW * p.geo.DstH }

// check validates src against the plan.
func (p *Plan) check(src frame.Image) error {
	if err := src.Validate(); err != nil {
		return fmt.Errorf("letterbox: spec %q: %w", p.Spec.Name, err)
	}
	if src.W != p.geo.SrcW || src.H != p.geo.SrcH {
		return fmt.Errorf("letterbox: spec %q: image is %dx%d, expected %dx%d (the size the plan was made for)",
			p.Spec.Name, src.W, src.H, p.geo.SrcW, p.geo.SrcH)
	}
	if src.Order != frame.BGR && src.Order != frame.RGB {
		return fmt.Errorf("letterbox: spec %q: image has unknown channel order %d", p.Spec.Name, int(src.Order))
	}
	return nil
}

// perm returns, for each output channel k, the source channel it reads.
func (p *Plan) perm(src frame.Image) [3]int {
	if src.Order == p.Spec.Order {
		return [3]int{0, 1, 2}
	}
	return [3]int{2, 1, 0}
}

// Apply writes the model input for src into dst: resize (OpenCV INTER_LINEAR,
// bit-exact), pad, channel order Spec.Order whatever src.Order is, value
// float32(float64(v)*Spec.Scale), NCHW layout (dst[c*H*W + y*W + x]). It fails
// if src is not the plan's size or len(dst) != TensorLen(). No allocation
// per call in steady state; safe for concurrent use.
func (p *Plan) Apply(src frame.Image, dst []float32) error {
	if err := p.check(src); err != nil {
		return err
	}
	if len(dst) != p.TensorLen() {
		return fmt.Errorf("letterbox: spec %q: tensor buffer has %d float32, expected %d (3x%dx%d)",
			p.Spec.Name, len(dst), p.TensorLen(), p.geo.DstH, p.geo.DstW)
	}
	g := &p.geo
	W, H := g.DstW, g.DstH
	plane := W * H
	pm := p.perm(src)
	lut := &p.lut
	var planes [3][]float32
	var padv [3]float32
	for k := 0; k < 3; k++ {
		planes[k] = dst[k*plane : (k+1)*plane : (k+1)*plane]
		padv[k] = lut[p.Spec.Pad[k]]
	}
	// Top and bottom borders: whole rows.
	for k := 0; k < 3; k++ {
		fill(planes[k][:g.PadTop*W], padv[k])
		fill(planes[k][(g.PadTop+g.ResizedH)*W:], padv[k])
	}
	sc := p.getScratch()
	rw := g.ResizedW
	s0, s1, s2 := pm[0], pm[1], pm[2]
	for dy := 0; dy < g.ResizedH; dy++ {
		row := p.rz.row(src, sc, dy)
		row = row[:rw*3]
		y := g.PadTop + dy
		base := y * W
		for k := 0; k < 3; k++ {
			pl := planes[k][base : base+W]
			fill(pl[:g.PadLeft], padv[k])
			fill(pl[g.PadLeft+rw:], padv[k])
		}
		o0 := planes[0][base+g.PadLeft : base+g.PadLeft+rw]
		o1 := planes[1][base+g.PadLeft : base+g.PadLeft+rw]
		o2 := planes[2][base+g.PadLeft : base+g.PadLeft+rw]
		o1 = o1[:len(o0)]
		o2 = o2[:len(o0)]
		for x := range o0 {
			px := row[x*3 : x*3+3 : x*3+3]
			o0[x] = lut[px[s0]]
			o1[x] = lut[px[s1]]
			o2[x] = lut[px[s2]]
		}
	}
	p.putScratch(sc)
	return nil
}

func fill(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}

// Image returns the resized and padded 8-bit image (DstW x DstH) in the
// model's channel order Spec.Order: what Apply normalises, for debugging and
// the CLI. It allocates the result. It fails if src is not the plan's size.
func (p *Plan) Image(src frame.Image) (frame.Image, error) {
	if err := p.check(src); err != nil {
		return frame.Image{}, err
	}
	g := &p.geo
	out := frame.New(g.DstW, g.DstH, p.Spec.Order)
	pad := p.Spec.Pad
	for i := 0; i < len(out.Pix); i += 3 {
		out.Pix[i], out.Pix[i+1], out.Pix[i+2] = pad[0], pad[1], pad[2]
	}
	pm := p.perm(src)
	sc := p.getScratch()
	for dy := 0; dy < g.ResizedH; dy++ {
		row := p.rz.row(src, sc, dy)
		o := out.Pix[((g.PadTop+dy)*g.DstW+g.PadLeft)*3:]
		for x := 0; x < g.ResizedW; x++ {
			o[x*3+0] = row[x*3+pm[0]]
			o[x*3+1] = row[x*3+pm[1]]
			o[x*3+2] = row[x*3+pm[2]]
		}
	}
	p.putScratch(sc)
	return out, nil
}
