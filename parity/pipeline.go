package parity

import (
	"fmt"
	"strings"
	"sync"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
)

// A pipeline is anything that turns one decoded image into the model's input
// tensor and says how boxes map back to the image: a letterbox spec, the user's
// own Go function (Preprocessor), or tensors another program wrote to files
// ("tensors:dir=DIR,..."). Every one of them goes through the same engine, so
// P/R/F1, AP, distributions, reference agreement, the report, diff and
// paritytest treat them alike.

// Input is one image as a pipeline receives it.
type Input struct {
	// Image is the decoded image, in its decoder's channel order (cv2.imread:
	// BGR; Go: RGB); the zero Image when the pipeline asked for no decoder.
	Image frame.Image
	// Path is the image file ("" for an in-memory Source) and Name its name in
	// the dataset (slash-separated, relative to the image folder).
	Path, Name string
	// W and H are the image's size (set also when Image is not decoded).
	W, H int
	// Target is the model input the tensor must fill.
	Target Target
}

// Target is the tensor a pipeline writes: the model's input.
type Target struct {
	// W and H are the input's width and height in pixels.
	W, H int
	// Layout is the model's memory layout (letterbox.NCHW or NHWC); the tensor
	// has 3*W*H values.
	Layout letterbox.Layout
	// Uint8 is true when the model takes uint8 input (its graph casts and
	// scales): every value must be an integer in 0..255.
	Uint8 bool
}

// Len is the number of values of the tensor: 3*W*H.
func (t Target) Len() int { return 3 * t.W * t.H }

// Unmapper maps a box predicted in tensor pixels back to source pixels.
// letterbox.Geometry is one.
type Unmapper interface {
	UnmapBox(b box.Box) box.Box
}

// UnmapFunc adapts a plain function to Unmapper.
type UnmapFunc func(b box.Box) box.Box

// UnmapBox calls f.
func (f UnmapFunc) UnmapBox(b box.Box) box.Box { return f(b) }

// Preprocessor is the user's own preprocessing written in Go — the function a
// service calls before it runs the model — measured exactly like a spec.
type Preprocessor struct {
	// Name identifies it in results (unique among a run's pipelines).
	Name string
	// Decoder names the registered image decoder (dataset.DecoderByName: "go",
	// or "opencv" with dataset/opencv imported) whose pixels Input.Image carries.
	// "" decodes nothing: Prepare reads Input.Path itself, as a service that
	// decodes its own bytes does.
	Decoder string
	// Prepare writes the model input for in into dst (len in.Target.Len(), in
	// in.Target.Layout, channel-major for NCHW) and returns how the boxes the
	// model predicts in tensor pixels map back to the image. It is called from
	// several goroutines at once. in.Image is valid only during the call (its
	// memory holds later images after): copy what must outlive it.
	Prepare func(in Input, dst []float32) (Unmapper, error)
}

// stage is a pipeline bound to one model's input: what the engine calls.
type stage interface {
	// decoder is the registered decoder whose pixels prepare needs, "" for none.
	decoder() string
	// target is the largest tensor prepare writes.
	target() Target
	// prepare writes image in's tensor into dst and returns its size and unmapping.
	prepare(in Input, dst []float32) (w, h int, u Unmapper, err error)
	// describe fills the spec, size and decoder fields of a PipelineResult.
	describe(pr *PipelineResult)
}

// modelTarget is the input a model's signature asks for (W and H 0 when its
// size is symbolic).
func modelTarget(sig *detect.Signature) Target {
	l := letterbox.NCHW
	if sig.InputLayout == "nhwc" {
		l = letterbox.NHWC
	}
	return Target{W: sig.Width, H: sig.Height, Layout: l, Uint8: sig.InputType == "uint8"}
}

// fixedTarget is the input of a pipeline that does not choose its own size (a
// Preprocessor, tensors from files): the model's, or for a symbolic-size model
// the size its metadata says it was exported at (Ultralytics' imgsz).
func fixedTarget(sig *detect.Signature) (Target, error) {
	t := modelTarget(sig)
	if !sig.DynamicSize {
		return t, nil
	}
	if md := sig.Metadata; md != nil && len(md.ImgSz) == 2 {
		t.H, t.W = md.ImgSz[0], md.ImgSz[1]
		if _, err := sig.At(t.W, t.H); err == nil {
			return t, nil
		}
	}
	return t, fmt.Errorf("the model's input size is symbolic and its metadata gives no export size (imgsz): run it with a spec, whose size=... says at which size")
}

// bindPipeline parses one pipeline string (a letterbox spec, or
// "tensors:dir=DIR,..."; see ParsePipeline) and binds it to a model input.
func bindPipeline(p string, sig *detect.Signature) (stage, error) {
	if strings.HasPrefix(p, tensorsPrefix) {
		return bindTensors(p, sig)
	}
	s, err := letterbox.Parse(p)
	if err != nil {
		return nil, err
	}
	return bindSpec(s, sig)
}

// ParsePipeline checks a pipeline string without a model: a letterbox spec
// (letterbox.Parse) or a tensors pipeline ("tensors:dir=DIR,unmap=SPEC"). The
// model-dependent checks come when a run binds it to the model's input.
func ParsePipeline(p string) error {
	if strings.HasPrefix(p, tensorsPrefix) {
		_, err := parseTensorsSpec(p)
		return err
	}
	_, err := letterbox.Parse(p)
	return err
}

// specStage is a letterbox spec adapted to a model: one Plan per source size.
type specStage struct {
	spec   letterbox.Spec // as adapted to the model's input; reported
	tensor letterbox.Spec // what makes the float32 tensor (tensorSpec)
	tgt    Target
	mu     sync.Mutex
	plans  map[[2]int]*letterbox.Plan
}

// bindSpec adapts s to the model's input (letterbox.Spec.ForInput) and checks
// that it can feed it: size, layout and element type.
func bindSpec(s letterbox.Spec, sig *detect.Signature) (*specStage, error) {
	tgt := modelTarget(sig)
	sp := s
	if sig.DynamicSize {
		// A symbolic-size model runs at the spec's own size (with stride=N,
		// at most that: the tensor is the image's, padded to a multiple of N).
		tgt.W, tgt.H = s.Dims()
		if _, err := sig.At(tgt.W, tgt.H); err != nil {
			return nil, err
		}
	} else {
		var err error
		if sp, err = s.ForInput(tgt.W, tgt.H); err != nil {
			return nil, err
		}
		if sp.Stride > 0 {
			return nil, fmt.Errorf("stride=%d pads each image only to a multiple of %d, but the model has a fixed %dx%d input; use stride=0 (e.g. the ultralytics preset)",
				sp.Stride, sp.Stride, tgt.W, tgt.H)
		}
	}
	if sp.Layout != tgt.Layout {
		return nil, fmt.Errorf("the spec writes %s tensors but the model takes %s input: add layout=%s", sp.Layout, tgt.Layout, tgt.Layout)
	}
	tensor, err := tensorSpec(sp, sig.InputType)
	if err != nil {
		return nil, err
	}
	return &specStage{spec: sp, tensor: tensor, tgt: tgt, plans: map[[2]int]*letterbox.Plan{}}, nil
}

func (s *specStage) decoder() string { return s.spec.DecoderName() }
func (s *specStage) target() Target  { return s.tgt }

func (s *specStage) describe(pr *PipelineResult) {
	pr.Spec, pr.Size, pr.Decoder = s.spec.String(), sizeString(s.spec), s.spec.DecoderName()
}

// plan returns the Plan for a w x h source: frames of a dataset come in a
// handful of sizes, so tables are computed a handful of times.
func (s *specStage) plan(w, h int) (*letterbox.Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pl, ok := s.plans[[2]int{w, h}]; ok {
		return pl, nil
	}
	pl, err := s.tensor.Plan(w, h)
	if err != nil {
		return nil, err
	}
	s.plans[[2]int{w, h}] = pl
	return pl, nil
}

func (s *specStage) prepare(in Input, dst []float32) (int, int, Unmapper, error) {
	pl, err := s.plan(in.Image.W, in.Image.H)
	if err != nil {
		return 0, 0, nil, err
	}
	g := pl.Geometry()
	if pl.TensorLen() > len(dst) {
		return 0, 0, nil, fmt.Errorf("makes a %dx%d tensor for a %dx%d image, larger than the model's %dx%d input",
			g.DstW, g.DstH, g.SrcW, g.SrcH, s.tgt.W, s.tgt.H)
	}
	if err := pl.Apply(in.Image, dst[:pl.TensorLen()]); err != nil {
		return 0, 0, nil, err
	}
	return g.DstW, g.DstH, g, nil
}

// tensorSpec checks a pipeline against the model's input element type and
// returns the spec that makes its float32 tensor. A uint8-input model
// (preprocessing embedded in the graph: cast, optional channel swap and /255
// inside) takes the resized, padded bytes unchanged: the pipeline must say
// dtype=uint8. Its bytes travel to detect as exact float32 integers (detect
// casts them back and refuses anything else), so the tensor is made by the same
// spec with scale 1 and no mean/std. A float32 model refuses a uint8 pipeline.
func tensorSpec(s letterbox.Spec, inputType string) (letterbox.Spec, error) {
	switch {
	case inputType == "uint8" && s.DType == letterbox.Uint8:
		s.DType, s.Scale, s.Mean, s.Std = letterbox.Float32, 1, [3]float64{}, [3]float64{1, 1, 1}
		return s, nil
	case inputType == "uint8":
		u := s
		u.DType = letterbox.Uint8
		return s, fmt.Errorf("the model takes uint8 input (its graph does the cast and scaling): add dtype=uint8 to the pipeline, e.g. %q", u.String())
	case s.DType == letterbox.Uint8:
		return s, fmt.Errorf("the pipeline makes uint8 tensors but the model takes %s input", inputType)
	}
	return s, nil
}

// funcStage is a user's Preprocessor bound to a model input.
type funcStage struct {
	p   Preprocessor
	tgt Target
}

func (f *funcStage) decoder() string { return f.p.Decoder }
func (f *funcStage) target() Target  { return f.tgt }

func (f *funcStage) describe(pr *PipelineResult) {
	pr.Spec, pr.Size, pr.Decoder = "go:"+f.p.Name, fmt.Sprintf("%dx%d", f.tgt.W, f.tgt.H), decoderLabel(f.p.Decoder)
}

func (f *funcStage) prepare(in Input, dst []float32) (int, int, Unmapper, error) {
	u, err := f.p.Prepare(in, dst)
	if err != nil {
		return 0, 0, nil, err
	}
	if u == nil {
		return 0, 0, nil, fmt.Errorf("preprocessor %s returned no Unmapper (return a letterbox.Geometry or a parity.UnmapFunc)", f.p.Name)
	}
	return f.tgt.W, f.tgt.H, u, nil
}

// decoderLabel is how results name a pipeline's decoder: "none" when it reads
// the file itself.
func decoderLabel(d string) string {
	if d == "" {
		return "none"
	}
	return d
}
