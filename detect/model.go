package detect

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/detparity/detparity/box"
)

// Model is an ONNX detector in any layout of Layouts with an ONNX Runtime session. Its input tensor (one per batch
// size used) is allocated once and reused by every run; outputs are allocated by ONNX Runtime, copied and released
// per run, since NMS-baked layouts have data-dependent output shapes. Its methods are safe for concurrent use; runs
// are serialised because they share the input tensor.
type Model struct {
	sig        *Signature
	opts       Options
	runBatch   int
	mu         sync.Mutex
	session    *ort.DynamicAdvancedSession
	sessionOpt *ort.SessionOptions
	inputs     map[int]ort.Value
	warnMu     sync.Mutex // guards warn apart from mu, so that Decode never waits for a Run
	warn       Warnings
}

// Open loads the detector at path, finds its layout (Options.Layout, or auto-detection: see DetectLayout) and
// creates its ONNX Runtime session with Options.Threads intra-op threads (calling Init first). It fails, naming the
// file, when the file is missing or not ONNX, when the input is not [B,3,H,W] float32/uint8 with fixed H and W,
// when the outputs fit no layout or several (an *AmbiguousError: set Options.Layout), or when Options.NumClasses
// is set and differs from the class count the outputs give.
func Open(path string, opts Options) (*Model, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("detect: open %s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("detect: open model: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("detect: open model %s: not a regular file", path)
	}
	if err := Init(); err != nil {
		return nil, fmt.Errorf("detect: open model %s: %w", path, err)
	}
	want, _ := ParseLayout(string(opts.Layout))
	sig, err := Inspect(path, want)
	if err != nil {
		return nil, err
	}
	if opts.NumClasses > 0 && sig.NumClasses > 0 && opts.NumClasses != sig.NumClasses {
		return nil, fmt.Errorf("detect: model %s (%s) scores %d classes but the label set has %d", path, sig.Layout,
			sig.NumClasses, opts.NumClasses)
	}
	m := &Model{sig: sig, opts: opts, runBatch: sig.Batch, inputs: map[int]ort.Value{}}
	if m.runBatch == 0 {
		m.runBatch = max(1, opts.Batch)
	}
	if err := m.newSession(); err != nil {
		m.Close()
		return nil, fmt.Errorf("detect: open model %s: %w", path, err)
	}
	return m, nil
}

// newSession creates the session options and the DynamicAdvancedSession.
func (m *Model) newSession() error {
	var err error
	if m.sessionOpt, err = ort.NewSessionOptions(); err != nil {
		return fmt.Errorf("session options: %w", err)
	}
	if m.opts.Threads > 0 {
		if err := m.sessionOpt.SetIntraOpNumThreads(m.opts.Threads); err != nil {
			return fmt.Errorf("intra-op threads %d: %w", m.opts.Threads, err)
		}
	}
	if m.opts.NoSpin {
		if err := m.sessionOpt.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
			return fmt.Errorf("turning intra-op spinning off: %w", err)
		}
	}
	outNames := make([]string, len(m.sig.Outputs))
	for i, o := range m.sig.Outputs {
		outNames[i] = o.Name
	}
	m.session, err = ort.NewDynamicAdvancedSession(m.sig.Path, []string{m.sig.Inputs[0].Name}, outNames, m.sessionOpt)
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}

// dtypeName is the numpy-style name of an ONNX element type ("float32", "uint8", "int64", ...).
func dtypeName(t ort.TensorElementDataType) string {
	switch t {
	case ort.TensorElementDataTypeFloat:
		return "float32"
	case ort.TensorElementDataTypeDouble:
		return "float64"
	}
	return strings.ToLower(strings.TrimPrefix(t.String(), "ONNX_TENSOR_ELEMENT_DATA_TYPE_"))
}

// Signature is what Open found: inputs, outputs, layout, input type and size, batch.
func (m *Model) Signature() *Signature { return m.sig }

// Layout is the model's output layout.
func (m *Model) Layout() Layout { return m.sig.Layout }

// InputSize is the model's input width and height in pixels.
func (m *Model) InputSize() (w, h int) { return m.sig.Width, m.sig.Height }

// InputType is "float32" (the tensor as the preprocessing made it) or "uint8" (the model casts and scales inside:
// feed 0..255 values, i.e. a preprocessing with Scale 1; Infer checks they are integers in 0..255).
func (m *Model) InputType() string { return m.sig.InputType }

// BatchSize is the model's fixed batch size, or 0 when its batch dimension is dynamic.
func (m *Model) BatchSize() int { return m.sig.Batch }

// RunBatchSize is how many images one run takes: the fixed batch size, or Options.Batch (at least 1) for a
// dynamic batch.
func (m *Model) RunBatchSize() int { return m.runBatch }

// NumClasses is C from the output shapes (scores [B,N,C], [B,4+C,A], [B,A,5+C]); for layouts whose shapes do not
// tell it (NMS-baked, end-to-end) it is Options.NumClasses, 0 when that is unset.
func (m *Model) NumClasses() int {
	if m.sig.NumClasses > 0 {
		return m.sig.NumClasses
	}
	return m.opts.NumClasses
}

// NumAnchors is the number of candidate rows per image (N, A or K; 0 when dynamic, as in the FLAT layout).
func (m *Model) NumAnchors() int { return m.sig.Anchors }

// Path is the model file Open was given.
func (m *Model) Path() string { return m.sig.Path }

// Options returns the options the model was opened with.
func (m *Model) Options() Options { return m.opts }

// Warnings returns the warnings counted by every Decode / Infer so far.
func (m *Model) Warnings() Warnings {
	m.warnMu.Lock()
	defer m.warnMu.Unlock()
	return m.warn
}

// CheckClasses fails when the label set's size differs from the class count the model's outputs give; a model
// whose outputs do not tell (NMS-baked, end-to-end) passes, and its class ids are checked per detection when
// Options.NumClasses is set.
func (m *Model) CheckClasses(names []string) error {
	if m.sig.NumClasses > 0 && m.sig.NumClasses != len(names) {
		return fmt.Errorf("detect: model %s (%s) scores %d classes but the label set names %d (%v)", m.Path(),
			m.sig.Layout, m.sig.NumClasses, len(names), names)
	}
	return nil
}

// Run feeds one tensor of the model's input size (NCHW, 3*H*W values) and returns the raw outputs; see RunBatch.
func (m *Model) Run(tensor []float32) ([]Output, error) {
	return m.RunBatch(m.sig.Width, m.sig.Height, [][]float32{tensor})
}

// RunBatch feeds the tensors (each NCHW, 3*h*w values, as letterbox produced them) as one batch and returns copies
// of the raw outputs in the order of Signature().Outputs; w x h must be the model's input size. A fixed-batch model
// takes at most its batch size; missing images are zero tensors (their outputs are padding that Decode ignores). A
// dynamic-batch model runs exactly len(tensors) images. For a uint8 model every value must be an integer in 0..255.
// It implements Runner.
func (m *Model) RunBatch(w, h int, tensors [][]float32) ([]Output, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w != m.sig.Width || h != m.sig.Height {
		return nil, fmt.Errorf("detect: model %s: run of %dx%d tensors, the model takes %dx%d", m.sig.Path, w, h,
			m.sig.Width, m.sig.Height)
	}
	return m.run(tensors)
}

func (m *Model) run(tensors [][]float32) ([]Output, error) {
	path := m.sig.Path
	if m.session == nil {
		return nil, fmt.Errorf("detect: model %s: used after Close", path)
	}
	n := len(tensors)
	feed := n
	if m.sig.Batch > 0 {
		feed = m.sig.Batch
	}
	if n < 1 || n > feed {
		return nil, fmt.Errorf("detect: model %s: run of %d images, want 1..%d (the model's fixed batch)", path, n, feed)
	}
	per := 3 * m.sig.Width * m.sig.Height
	for i, t := range tensors {
		if len(t) != per {
			return nil, fmt.Errorf("detect: model %s: image %d: input tensor has %d values, want 1x3x%dx%d = %d",
				path, i, len(t), m.sig.Height, m.sig.Width, per)
		}
	}
	in, err := m.input(feed)
	if err != nil {
		return nil, fmt.Errorf("detect: model %s: input tensor: %w", path, err)
	}
	switch t := in.(type) {
	case *ort.Tensor[float32]:
		d := t.GetData()
		for i, src := range tensors {
			copy(d[i*per:], src)
		}
		clear(d[n*per:])
	case *ort.Tensor[uint8]:
		d := t.GetData()
		for i, src := range tensors {
			for k, v := range src {
				if !(v >= 0 && v <= 255) || v != float32(math.Trunc(float64(v))) {
					c, rem := k/(per/3), k%(per/3)
					return nil, fmt.Errorf("detect: model %s: image %d: input value %v at channel %d, y %d, x %d is not "+
						"an integer in 0..255; this model takes uint8 (its graph casts and scales), so feed 0..255 "+
						"values (a preprocessing with scale 1, not /255)", path, i, v, c, rem/m.sig.Width, rem%m.sig.Width)
				}
				d[i*per+k] = uint8(v)
			}
		}
		clear(d[n*per:])
	}
	outs := make([]ort.Value, len(m.sig.Outputs))
	if err := m.session.Run([]ort.Value{in}, outs); err != nil {
		destroyAll(outs)
		return nil, fmt.Errorf("detect: model %s: ONNX Runtime run: %w", path, err)
	}
	defer destroyAll(outs)
	res := make([]Output, len(outs))
	for i, v := range outs {
		o := Output{Name: m.sig.Outputs[i].Name, Shape: slices.Clone([]int64(v.GetShape()))}
		switch t := v.(type) {
		case *ort.Tensor[float32]:
			o.Float = slices.Clone(t.GetData())
		case *ort.Tensor[int64]:
			o.Int = slices.Clone(t.GetData())
		case *ort.Tensor[int32]:
			o.Int = make([]int64, len(t.GetData()))
			for k, x := range t.GetData() {
				o.Int[k] = int64(x)
			}
		default:
			return nil, fmt.Errorf("detect: model %s: output %q has an element type detect does not read (%T)", path,
				o.Name, v)
		}
		if o.Float == nil && o.Int == nil { // an empty output (e.g. FLAT with no detection)
			if m.sig.Outputs[i].Type == "float32" {
				o.Float = []float32{}
			} else {
				o.Int = []int64{}
			}
		}
		res[i] = o
	}
	return res, nil
}

// input returns the reused input tensor for a batch of b images, creating it on first use.
func (m *Model) input(b int) (ort.Value, error) {
	if v, ok := m.inputs[b]; ok {
		return v, nil
	}
	shape := ort.NewShape(int64(b), 3, int64(m.sig.Height), int64(m.sig.Width))
	var v ort.Value
	var err error
	if m.sig.InputType == "uint8" {
		v, err = ort.NewEmptyTensor[uint8](shape)
	} else {
		v, err = ort.NewEmptyTensor[float32](shape)
	}
	if err != nil {
		return nil, err
	}
	m.inputs[b] = v
	return v, nil
}

func destroyAll(vs []ort.Value) {
	for _, v := range vs {
		if v != nil {
			v.Destroy()
		}
	}
}

// Decode decodes the raw outputs of a run of n images with the model's Options (Signature.Decode) and adds the
// warnings to the model's count. It also decodes outputs that another runtime produced for the same model.
func (m *Model) Decode(outs []Output, n int) ([][]box.Detection, error) {
	dets, w, err := m.sig.Decode(outs, n, m.opts)
	if err != nil {
		return nil, err
	}
	m.warnMu.Lock()
	m.warn.Add(w)
	m.warnMu.Unlock()
	return dets, nil
}

// Infer runs the model on one tensor (NCHW, 3*H*W values, as letterbox produced it), decodes the outputs and
// applies the post-processing of the model's Options (see Signature.Decode). Boxes are in input-tensor pixels.
func (m *Model) Infer(tensor []float32) ([]box.Detection, error) {
	r, err := m.InferBatch([][]float32{tensor})
	if err != nil {
		return nil, err
	}
	return r[0], nil
}

// InferBatch is Infer for many tensors: runs of RunBatchSize images (the last one shorter, or zero-padded for a
// fixed batch), one result per tensor in order.
func (m *Model) InferBatch(tensors [][]float32) ([][]box.Detection, error) {
	out := make([][]box.Detection, 0, len(tensors))
	for start := 0; start < len(tensors); start += m.runBatch {
		chunk := tensors[start:min(len(tensors), start+m.runBatch)]
		m.mu.Lock()
		outs, err := m.run(chunk)
		if err != nil {
			m.mu.Unlock()
			return nil, err
		}
		m.mu.Unlock()
		dets, w, err := m.sig.Decode(outs, len(chunk), m.opts)
		if err != nil {
			return nil, err
		}
		m.warnMu.Lock()
		m.warn.Add(w)
		m.warnMu.Unlock()
		out = append(out, dets...)
	}
	return out, nil
}

// Close releases the session, its options and the input tensors. It is safe to call more than once.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	if m.session != nil {
		errs = append(errs, m.session.Destroy())
		m.session = nil
	}
	if m.sessionOpt != nil {
		errs = append(errs, m.sessionOpt.Destroy())
		m.sessionOpt = nil
	}
	for b, v := range m.inputs {
		errs = append(errs, v.Destroy())
		delete(m.inputs, b)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("detect: close model %s: %w", m.sig.Path, err)
	}
	return nil
}
