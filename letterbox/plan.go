package letterbox

import (
	"fmt"
	"math"
	"runtime"
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
	// DstW, DstH is the tensor size (the model input, or smaller with
	// Spec.Stride auto padding).
	DstW, DstH int
	// ScaleX, ScaleY is the ratio the pipeline keeps: for Letterbox both are
	// the nominal r = min(innerH/h, innerW/w) (capped at 1 with NoScaleUp;
	// not ResizedW/SrcW); for Stretch DstW/SrcW and DstH/SrcH.
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

// UltralyticsPad is the padding scale_boxes assumes, recomputed from the
// sizes alone: gain = min(DstH/SrcH, DstW/SrcW), pad = round((Dst -
// Src*gain)/2 - 0.1) per axis (Python round, half to even). It can differ by
// one pixel from the padding LetterBox applied (github.com/ultralytics/ultralytics
// pull request #23967: scale_boxes in ultralytics/utils/ops.py before it rounded
// the resized size), which shifts boxes by 1/gain; UnmapBox reproduces that.
func (g Geometry) UltralyticsPad() (gain float64, padX, padY int) {
	gain = math.Min(float64(g.DstH)/float64(g.SrcH), float64(g.DstW)/float64(g.SrcW))
	padX = int(math.RoundToEven((float64(g.DstW)-float64(g.SrcW)*gain)/2 - 0.1))
	padY = int(math.RoundToEven((float64(g.DstH)-float64(g.SrcH)*gain)/2 - 0.1))
	return gain, padX, padY
}

// UnmapBox maps a box predicted in tensor pixels back to source pixels the
// way the pipeline does (see Unmapping): SuperGradients (x - PadLeft) *
// float32(1/r) in float32, no clipping; PerAxis (x - PadLeft)/ScaleX in
// float64; Ultralytics scale_boxes in float32 with its recomputed pad and
// clipping to the image; YOLOX x/float32(r) in float32.
func (g Geometry) UnmapBox(b box.Box) box.Box {
	switch g.Unmap {
	case PerAxis:
		l, t := float64(g.PadLeft), float64(g.PadTop)
		return box.Box{X1: (b.X1 - l) / g.ScaleX, Y1: (b.Y1 - t) / g.ScaleY, X2: (b.X2 - l) / g.ScaleX, Y2: (b.Y2 - t) / g.ScaleY}
	case Ultralytics:
		gain, px, py := g.UltralyticsPad()
		gf := float32(gain)
		fx, fy := float32(px), float32(py)
		w, h := float32(g.SrcW), float32(g.SrcH)
		clip := func(v, hi float32) float64 { return float64(min(max(v, 0), hi)) }
		return box.Box{
			X1: clip((float32(b.X1)-fx)/gf, w), Y1: clip((float32(b.Y1)-fy)/gf, h),
			X2: clip((float32(b.X2)-fx)/gf, w), Y2: clip((float32(b.Y2)-fy)/gf, h),
		}
	case YOLOX:
		rx, ry := float32(g.ScaleX), float32(g.ScaleY)
		return box.Box{
			X1: float64(float32(b.X1) / rx), Y1: float64(float32(b.Y1) / ry),
			X2: float64(float32(b.X2) / rx), Y2: float64(float32(b.Y2) / ry),
		}
	default: // SuperGradients
		sx, sy := float32(1/g.ScaleX), float32(1/g.ScaleY)
		l, t := float32(g.PadLeft), float32(g.PadTop)
		return box.Box{
			X1: float64((float32(b.X1) - l) * sx), Y1: float64((float32(b.Y1) - t) * sy),
			X2: float64((float32(b.X2) - l) * sx), Y2: float64((float32(b.Y2) - t) * sy),
		}
	}
}

// PlanOption configures Spec.Plan.
type PlanOption func(*planOpts)

type planOpts struct{ workers int }

// Workers splits the rows of each Apply over n goroutines (n <= 1: the
// caller's goroutine only, the default). The goroutines come from a
// package-wide pool of GOMAXPROCS workers started on first use, so a
// parallel Apply does not allocate either. A Plan used by several callers at
// once runs the extra callers serially.
func Workers(n int) PlanOption { return func(o *planOpts) { o.workers = n } }

// Plan is a Spec fixed to one source size, with every table the per-image
// work needs. It is immutable after Spec.Plan and safe for concurrent use.
// The per-call scratch is owned by the Plan, with a sync.Pool for concurrent
// callers, so Apply does not allocate in steady state.
type Plan struct {
	// Spec is the pipeline this plan implements.
	Spec Spec

	geo     Geometry
	rz      *resizer
	fused   *fusedTaps      // kindLinear: the taps of the fused float32 NCHW rows
	lut     [3][256]float32 // value of byte v in output channel c
	padRow  [3][]float32    // a tensor row of padding, per output channel
	workers int
	mu      sync.Mutex     // guards own and wg; taken with TryLock, never waited on
	own     []*scratch     // one per worker, for the uncontended caller
	wg      sync.WaitGroup // the uncontended caller's parallel bands
	pool    sync.Pool      // *scratch for concurrent callers
}

// Plan fixes the Spec to a srcW x srcH source: computes the Geometry and the
// resize and value tables. It fails for non-positive sizes, an invalid Spec,
// or when a side would resize to 0 px (cv2.resize raises there, so every
// upstream pipeline fails on such an image).
func (s Spec) Plan(srcW, srcH int, opts ...PlanOption) (*Plan, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	if srcW <= 0 || srcH <= 0 {
		return nil, fmt.Errorf("letterbox: spec %q: source size %dx%d, expected positive width and height", s.Name, srcW, srcH)
	}
	var o planOpts
	for _, f := range opts {
		f(&o)
	}
	tw, th := s.Dims()
	g := Geometry{SrcW: srcW, SrcH: srcH, DstW: tw, DstH: th, Unmap: s.Unmap}
	switch s.Mode {
	case Stretch:
		g.ScaleX = float64(tw) / float64(srcW)
		g.ScaleY = float64(th) / float64(srcH)
		g.ResizedW, g.ResizedH = tw, th
	case Letterbox:
		iw, ih := s.inner()
		r := math.Min(float64(ih)/float64(srcH), float64(iw)/float64(srcW))
		if s.NoScaleUp {
			r = math.Min(r, 1)
		}
		g.ScaleX, g.ScaleY = r, r
		g.ResizedW = s.Round.apply(float64(srcW) * r)
		g.ResizedH = s.Round.apply(float64(srcH) * r)
		if g.ResizedW <= 0 || g.ResizedH <= 0 {
			return nil, fmt.Errorf("letterbox: spec %q: %dx%d source resizes to %dx%d (r=%g, %s), expected at least 1 px per side (cv2.resize raises here)",
				s.Name, srcW, srcH, g.ResizedW, g.ResizedH, r, s.Round)
		}
		if g.ResizedW > tw || g.ResizedH > th {
			return nil, fmt.Errorf("letterbox: spec %q: %dx%d source resizes to %dx%d, larger than the %dx%d input",
				s.Name, srcW, srcH, g.ResizedW, g.ResizedH, tw, th)
		}
		padW, padH := tw-g.ResizedW, th-g.ResizedH
		if s.Stride > 0 {
			padW, padH = padW%s.Stride, padH%s.Stride
			g.DstW, g.DstH = g.ResizedW+padW, g.ResizedH+padH
		}
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
	p := &Plan{Spec: s, geo: g, rz: newResizer(srcW, srcH, g.ResizedW, g.ResizedH, s.Interp), workers: max(o.workers, 1)}
	p.workers = min(p.workers, g.DstH)
	p.lut = ValueTable(s.Scale, s.Mean, s.Std)
	for k := range p.padRow {
		p.padRow[k] = make([]float32, g.DstW)
		for x := range p.padRow[k] {
			p.padRow[k][x] = p.lut[k][s.Pad[k]]
		}
	}
	rz := p.rz
	if rz.kind == kindLinear {
		p.fused = newFusedTaps(rz)
	}
	p.own = make([]*scratch, p.workers)
	for i := range p.own {
		p.own[i] = rz.newScratch()
	}
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

// TensorLen is the number of values Apply or ApplyUint8 writes: 3*DstW*DstH.
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

// Apply writes the float32 model input for src into dst: resize (OpenCV,
// bit-exact), pad, channel order Spec.Order whatever src.Order is, the value
// tables (Scale, Mean, Std), layout Spec.Layout (NCHW: dst[c*H*W + y*W + x];
// NHWC: dst[(y*W + x)*3 + c]). It fails if the Spec's DType is not Float32,
// src is not the plan's size or len(dst) != TensorLen(). No allocation per
// call in steady state; safe for concurrent use.
func (p *Plan) Apply(src frame.Image, dst []float32) error {
	if p.Spec.DType != Float32 {
		return fmt.Errorf("letterbox: spec %q: dtype is %s, use ApplyUint8 (Apply writes float32)", p.Spec.Name, p.Spec.DType)
	}
	if err := p.check(src); err != nil {
		return err
	}
	if len(dst) != p.TensorLen() {
		return fmt.Errorf("letterbox: spec %q: tensor buffer has %d float32, expected %d (3x%dx%d)",
			p.Spec.Name, len(dst), p.TensorLen(), p.geo.DstH, p.geo.DstW)
	}
	p.run(src, dst, nil)
	return nil
}

// ApplyUint8 writes the uint8 model input for src into dst: the resized,
// padded bytes in Spec.Order and Spec.Layout, with no value transform (for
// models exported with embedded preprocessing, which take uint8 NCHW). It
// fails if the Spec's DType is not Uint8, src is not the plan's size or
// len(dst) != TensorLen(). No allocation per call in steady state.
func (p *Plan) ApplyUint8(src frame.Image, dst []uint8) error {
	if p.Spec.DType != Uint8 {
		return fmt.Errorf("letterbox: spec %q: dtype is %s, use Apply (ApplyUint8 writes uint8)", p.Spec.Name, p.Spec.DType)
	}
	if err := p.check(src); err != nil {
		return err
	}
	if len(dst) != p.TensorLen() {
		return fmt.Errorf("letterbox: spec %q: tensor buffer has %d bytes, expected %d (3x%dx%d)",
			p.Spec.Name, len(dst), p.TensorLen(), p.geo.DstH, p.geo.DstW)
	}
	p.run(src, nil, dst)
	return nil
}

// band is one range of output rows for a pool worker.
type band struct {
	p      *Plan
	src    frame.Image
	f32    []float32
	u8     []uint8
	sc     *scratch
	y0, y1 int
}

var (
	poolOnce sync.Once
	poolJobs chan band
)

func startPool() {
	n := runtime.GOMAXPROCS(0)
	poolJobs = make(chan band, 4*n)
	for i := 0; i < n; i++ {
		go func() {
			for b := range poolJobs {
				b.p.rowsOut(b.src, b.f32, b.u8, b.sc, b.y0, b.y1, b.p.Spec.Layout == NHWC)
				b.p.wg.Done()
			}
		}()
	}
}

// run writes the whole tensor (one of f32 or u8), splitting rows over the
// pool when the plan has workers and no other call holds its scratch.
func (p *Plan) run(src frame.Image, f32 []float32, u8 []uint8) {
	nhwc := p.Spec.Layout == NHWC
	if !p.mu.TryLock() {
		sc := p.pool.Get().(*scratch)
		p.rowsOut(src, f32, u8, sc, 0, p.geo.DstH, nhwc)
		p.pool.Put(sc)
		return
	}
	defer p.mu.Unlock()
	n := p.workers
	if n == 1 {
		p.rowsOut(src, f32, u8, p.own[0], 0, p.geo.DstH, nhwc)
		return
	}
	poolOnce.Do(startPool)
	H := p.geo.DstH
	p.wg.Add(n - 1)
	for i := 1; i < n; i++ {
		poolJobs <- band{p: p, src: src, f32: f32, u8: u8, sc: p.own[i], y0: H * i / n, y1: H * (i + 1) / n}
	}
	p.rowsOut(src, f32, u8, p.own[0], 0, H/n, nhwc)
	p.wg.Wait()
}

// rowsOut writes output rows [y0, y1) of the tensor: pad rows, and image
// rows (resized row, side pads, channel permutation, value table, layout).
func (p *Plan) rowsOut(src frame.Image, f32 []float32, u8 []uint8, sc *scratch, y0, y1 int, nhwc bool) {
	sc.reset()
	g := &p.geo
	W, H := g.DstW, g.DstH
	plane := W * H
	pm := p.perm(src)
	s0, s1, s2 := pm[0], pm[1], pm[2]
	pad := p.Spec.Pad
	padv := [3]float32{p.padRow[0][0], p.padRow[1][0], p.padRow[2][0]}
	l0, l1, l2 := &p.lut[0], &p.lut[1], &p.lut[2]
	rw := g.ResizedW
	for y := y0; y < y1; y++ {
		dy := y - g.PadTop
		inside := dy >= 0 && dy < g.ResizedH
		if f32 != nil && !nhwc {
			p.rowNCHW(src, f32, sc, y, pm)
			continue
		}
		var row []uint8
		if inside {
			row = p.rz.row(src, sc, dy)[:rw*3]
		}
		switch {
		case f32 != nil: // NHWC
			o := f32[y*W*3 : (y+1)*W*3]
			for x := 0; x < W; x++ {
				q := o[x*3 : x*3+3 : x*3+3]
				if dx := x - g.PadLeft; inside && dx >= 0 && dx < rw {
					px := row[dx*3 : dx*3+3 : dx*3+3]
					q[0], q[1], q[2] = l0[px[s0]], l1[px[s1]], l2[px[s2]]
				} else {
					q[0], q[1], q[2] = padv[0], padv[1], padv[2]
				}
			}
		case !nhwc: // uint8 NCHW
			for k, s := range pm {
				o := u8[k*plane+y*W : k*plane+(y+1)*W]
				for x := range o {
					if dx := x - g.PadLeft; inside && dx >= 0 && dx < rw {
						o[x] = row[dx*3+s]
					} else {
						o[x] = pad[k]
					}
				}
			}
		default: // uint8 NHWC
			o := u8[y*W*3 : (y+1)*W*3]
			for x := 0; x < W; x++ {
				q := o[x*3 : x*3+3 : x*3+3]
				if dx := x - g.PadLeft; inside && dx >= 0 && dx < rw {
					px := row[dx*3 : dx*3+3 : dx*3+3]
					q[0], q[1], q[2] = px[s0], px[s1], px[s2]
				} else {
					q[0], q[1], q[2] = pad[0], pad[1], pad[2]
				}
			}
		}
	}
}

// Image returns the resized and padded 8-bit image (DstW x DstH) in the
// model's channel order Spec.Order, whatever the Spec's DType and Layout:
// what Apply normalises, for debugging and the CLI. It allocates the result.
// It fails if src is not the plan's size.
func (p *Plan) Image(src frame.Image) (frame.Image, error) {
	if err := p.check(src); err != nil {
		return frame.Image{}, err
	}
	g := &p.geo
	out := frame.New(g.DstW, g.DstH, p.Spec.Order)
	p.rowsOut(src, nil, out.Pix, p.rz.newScratch(), 0, g.DstH, true)
	return out, nil
}

// ValueTable is the value each byte v of each output channel c becomes in a
// float32 tensor, as Plan.Apply writes it: (v*scale - mean[c]) / std[c] in
// float64, rounded to float32 once, as numpy computes (img*scale - mean) / std
// before .astype(np.float32); when scale is exactly 1/N for an integer N, v/N
// (numpy's img / 255.0). It does not check its arguments (Spec.Plan does).
func ValueTable(scale float64, mean, std [3]float64) [3][256]float32 {
	var lut [3][256]float32
	den := 0.0
	if scale > 0 && scale < 1 {
		if n := math.Round(1 / scale); 1/n == scale {
			den = n
		}
	}
	for c := 0; c < 3; c++ {
		for v := range lut[c] {
			x := float64(v) * scale
			if den != 0 {
				x = float64(v) / den
			}
			lut[c][v] = float32((x - mean[c]) / std[c])
		}
	}
	return lut
}
