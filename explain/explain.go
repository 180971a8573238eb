package explain

import (
	"context"
	"fmt"
	"math"
	"os"

	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

// Input is what Explain compares: an image file, the tensor a pipeline made
// of it, and the pipelines it should equal.
type Input struct {
	// ImagePath is the image file the tensor was made from (JPEG, PNG, BMP).
	ImagePath string
	// Tensor is the pipeline's output for that image.
	Tensor Tensor
	// Against are the pipelines the tensor should equal, e.g. the training
	// preprocessing; each is adapted to the tensor's size (ForInput). The
	// explanation is written against the one that needs the fewest changes.
	// Empty: every preset that can make a tensor of that size.
	Against []letterbox.Spec
	// Width and Height are the model's input size when known (0: take the
	// tensor's); a tensor of another size is reported.
	Width, Height int
}

// Options are the settings of Explain. Start from DefaultOptions.
type Options struct {
	// Tolerance is the largest |difference| per value for which two tensors
	// count as identical. 0 means bit-exact. A float16 tensor is compared
	// with the found pipeline's values rounded to float16 (the float16
	// itself is reported as a dtype difference).
	Tolerance float64
}

// DefaultTolerance is DefaultOptions' Tolerance: 1e-5. A float32 pipeline
// that orders its arithmetic differently from letterbox's (float64, rounded
// once) — x*(1/255) instead of x/255, mean and std applied in float32 —
// differs by a few units in the last place: at most about 1e-6 for values
// within ±3 (ImageNet-normalised values reach ±2.7). One grey level is
// 1/255 = 0.0039 after /255 and 0.017 after ImageNet's std, so 1e-5 stays
// more than 300 times below the smallest real difference.
const DefaultTolerance = 1e-5

// DefaultOptions returns Options{Tolerance: DefaultTolerance}.
func DefaultOptions() Options { return Options{Tolerance: DefaultTolerance} }

func (o Options) validate() error {
	if math.IsNaN(o.Tolerance) || math.IsInf(o.Tolerance, 0) || o.Tolerance < 0 {
		return fmt.Errorf("explain: Tolerance %v, expected a finite value >= 0", o.Tolerance)
	}
	return nil
}

// Compare is Explain for the common case of a Go test: the float32 tensor
// (values and shape) a preprocessing function made of the image at path,
// compared with one spec, identical when no value differs by more than
// tolerance (0: bit-exact; DefaultTolerance allows float32 rounding).
func Compare(ctx context.Context, path string, tensor []float32, shape []int, against letterbox.Spec, tolerance float64) (*Explanation, error) {
	return Explain(ctx, Input{ImagePath: path, Tensor: Tensor{Values: tensor, Shape: shape, DType: npy.Float32},
		Against: []letterbox.Spec{against}}, Options{Tolerance: tolerance})
}

// Explain finds the preprocessing that turns the image into the tensor and
// says how it differs from the pipelines of in.Against. The search is
// general, not a table of known mistakes:
//
//  1. layout: the values are read as planar (NCHW) and as interleaved
//     (NHWC) whatever the shape says, and the reading that fits better wins;
//  2. content box: the constant-colour border lines of the tensor give the
//     padding and where the image sits;
//  3. geometry: every stretch and letterbox (inner sizes from the specs and
//     the box, round/int/ceil sizes, centre/top-left/bottom-right anchors,
//     the box itself, centre with the odd pixel on the other side) is
//     rendered with letterbox.Resize and the tensor is fitted to it by least
//     squares, t = a*v + b per channel, with the channel order (same or
//     reversed) chosen by correlation; the residual ranks them;
//  4. interpolation: the three best geometries and the box's are fitted
//     again with each of OpenCV linear, area, cubic, nearest, nearest-exact
//     and Pillow's bilinear, and the best pair wins;
//  5. decoder: the other registered JPEG decoder (libjpeg via "opencv",
//     Go's image/jpeg) with each interpolation, and the image without its
//     EXIF orientation (a whole search of its own);
//  6. values: the fitted a, b become the spec's scale, mean and std with as
//     few digits as reproduce them (recognising x/255, ImageNet mean/std,
//     (x - 127.5)/128, ...); the padding value follows from the border.
//
// The result is then rendered with letterbox (Plan.Apply) and compared value
// by value with the tensor. A 640x640 tensor of a 1920x1080 JPEG takes about
// 0.3-0.4 s of CPU (BenchmarkExplain640), spread over GOMAXPROCS cores.
func Explain(ctx context.Context, in Input, opts Options) (*Explanation, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	path := in.ImagePath
	if err := checkRegular(path); err != nil {
		return nil, err
	}
	t := in.Tensor
	if err := checkFinite(t.Values); err != nil {
		return nil, fmt.Errorf("explain: tensor for %s: %w", path, err)
	}
	switch t.dtype() {
	case npy.Float32, npy.Float16, npy.Uint8, npy.Float64:
	default:
		return nil, fmt.Errorf("explain: tensor for %s: dtype %q, expected float32, float16, uint8 or float64", path, t.DType)
	}
	declared, w, h, err := layoutOf(t.Shape, len(t.Values))
	if err != nil {
		return nil, fmt.Errorf("explain: tensor for %s: %w", path, err)
	}
	specs, err := adaptAll(in.Against, w, h)
	if err != nil {
		return nil, err
	}
	srcs, notes, err := sources(path)
	if err != nil {
		return nil, err
	}
	r, err := search(ctx, t, declared, w, h, specs, srcs)
	if err != nil {
		return nil, err
	}
	r.notes = append(r.notes, notes...)
	r.imagePath = path
	if r.jpeg, err = isJPEG(path); err != nil {
		return nil, err
	}
	return r.explanation(in, opts, srcs)
}

// checkRegular refuses a path that is not a regular file (a FIFO would
// block the decoder).
func checkRegular(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("explain: %s is not a regular file (%s), expected an image file", path, st.Mode().Type())
	}
	return nil
}

// openRegular opens a regular file.
func openRegular(path string) (*os.File, error) {
	if err := checkRegular(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	return f, nil
}

// adaptAll returns the specs at the tensor's size, or every preset that can
// make a tensor of that size when specs is empty.
func adaptAll(specs []letterbox.Spec, w, h int) ([]letterbox.Spec, error) {
	var out []letterbox.Spec
	if len(specs) == 0 {
		for _, name := range letterbox.Presets() {
			p, err := letterbox.Preset(name)
			if err != nil {
				return nil, err
			}
			if a, err := p.ForInput(w, h); err == nil {
				out = append(out, a)
			}
		}
		return out, nil
	}
	for _, s := range specs {
		a, err := s.ForInput(w, h)
		if err != nil {
			return nil, fmt.Errorf("explain: the tensor is %dx%d, which spec %q cannot make: %w", w, h, s.Name, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// result is what the search found: the layout, source, geometry,
// interpolation and fitted values that explain the tensor best.
type result struct {
	t         Tensor
	declared  letterbox.Layout
	layout    letterbox.Layout
	w, h      int
	specs     []letterbox.Spec
	src       *source
	primary   *source
	cand      cand
	interp    letterbox.Interp
	fit       fitted // at full resolution
	notes     []string
	jpeg      bool
	max       float32 // maxAbs's cache, < 0 until computed
	imagePath string
}

func otherLayout(l letterbox.Layout) letterbox.Layout {
	if l == letterbox.NCHW {
		return letterbox.NHWC
	}
	return letterbox.NCHW
}

// search runs steps 1-5 of Explain.
func search(ctx context.Context, t Tensor, declared letterbox.Layout, w, h int, specs []letterbox.Spec, srcs []*source) (*result, error) {
	// The search samples every step-th row and column (about 100 000 pixels
	// at most: every other one at 640x640); the verdict uses every value.
	step := max(1, int(math.Sqrt(float64(w*h)/1e5)))
	pre := letterbox.Linear
	if len(specs) > 0 {
		pre = specs[0].Interp
	}
	primary := srcs[0]
	var s *searcher
	var cands []cand
	var scores []float64
	var f fitted
	var layout letterbox.Layout
	resized := map[rkey]frame.Image{} // shared: both readings fit the same renders
	for _, l := range []letterbox.Layout{declared, otherLayout(declared)} {
		p := planes(t.Values, l, w, h)
		ls := &searcher{ctx: ctx, c: newCanvas(p, w, h, step), box: findBox(p, w, h), specs: specs, resized: resized}
		lc := ls.candidates(primary.img.W, primary.img.H)
		sc, _, lf := ls.score(primary, lc, pre)
		if s == nil || better(lf.sse, f.sse) {
			s, cands, scores, f, layout = ls, lc, sc, lf, l
		}
	}
	src := primary
	short := s.shortlist(cands, scores)
	i, in, f := s.joint(src, cands, short, pre)
	// The other decoders and the image without its EXIF orientation: every
	// interpolation at the found geometry with another decoder (a wrong
	// decoder can favour another interpolation), then the whole shortlist
	// when that fits better; a whole search for another size.
	for _, o := range srcs[1:] {
		var oc []cand
		var oi int
		var oin letterbox.Interp
		var of fitted
		if o.img.W == src.img.W && o.img.H == src.img.H {
			oc = cands
			oi, oin, of = s.joint(o, oc, []int{i}, pre)
			if better(of.sse, f.sse) {
				oi, oin, of = s.joint(o, oc, short, pre)
			}
		} else {
			oc = s.candidates(o.img.W, o.img.H)
			oi, oin, of = s.search(o, oc, pre)
		}
		if better(of.sse, f.sse) {
			src, cands, i, in, f = o, oc, oi, oin, of
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g := cands[i].g
	full := s.c
	if step != 1 {
		full = newCanvas(s.c.p, w, h, 1)
	}
	ff := full.fit(g, s.render(src, g.rw, g.rh, in))
	return &result{t: t, declared: declared, layout: layout, w: w, h: h, specs: specs, src: src, primary: primary,
		cand: cands[i], interp: in, fit: ff, max: -1}, nil
}
