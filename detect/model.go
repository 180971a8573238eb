package detect

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/detparity/detparity/box"
)

// Model is an ONNX detector in any layout of Layouts with an ONNX Runtime session. Its input tensors (the image
// and the auxiliary inputs detect fills itself, one set per batch size and input size used) are allocated once and
// reused by every run; outputs are allocated by ONNX Runtime, copied and released per run, since NMS-baked layouts
// have data-dependent output shapes. Its methods are safe for concurrent use; runs are serialised because they
// share the input tensors.
type Model struct {
	sig        *Signature
	opts       Options
	runBatch   int
	mu         sync.Mutex
	session    *ort.DynamicAdvancedSession
	sessionOpt *ort.SessionOptions
	inputs     map[inputKey][]ort.Value
	warnMu     sync.Mutex // guards warn apart from mu, so that Decode never waits for a Run
	warn       Warnings
}

// inputKey identifies one set of reused input tensors: batch size and input size.
type inputKey struct{ b, w, h int }

// Open loads the detector at path, finds its layout (Options.Layout, or auto-detection: see Inspect and
// DetectLayout) and creates its ONNX Runtime session with Options.Threads intra-op threads (calling Init first).
// It fails, naming the file, when the file is missing or not ONNX, when the inputs are not one image input
// (NCHW or NHWC, float32 or uint8) plus inputs detect feeds itself, when the outputs fit no layout or several (an
// *AmbiguousError: set Options.Layout), or when Options.NumClasses is set and differs from the class count the
// outputs give.
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
	m := &Model{sig: sig, opts: opts, runBatch: sig.Batch, inputs: map[inputKey][]ort.Value{}}
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
	m.session, err = ort.NewDynamicAdvancedSession(m.sig.Path, m.sig.inputNames(), outNames, m.sessionOpt)
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

// InputSize is the model's input width and height in pixels; 0 for a symbolic dimension (Signature().DynamicSize:
// the model runs at the size each RunBatch call gives).
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

// Run feeds one tensor of the model's input size (3*H*W values in the model's input layout) and returns the raw
// outputs; see RunBatch. A model with a symbolic input size is run with RunBatch.
func (m *Model) Run(tensor []float32) ([]Output, error) {
	if m.sig.DynamicSize {
		return nil, m.dynamicError("Run")
	}
	return m.RunBatch(m.sig.Width, m.sig.Height, [][]float32{tensor})
}

func (m *Model) dynamicError(what string) error {
	return fmt.Errorf("detect: model %s: the input size is symbolic, so %s has no size to run at: use RunBatch(w, h, "+
		"tensors) and decode with Signature().At(w, h)", m.sig.Path, what)
}

// RunBatch feeds the tensors (each 3*h*w values in the model's input layout, NCHW or NHWC as
// Signature().InputLayout says, as the preprocessing produced them) as one batch and returns copies of the raw
// outputs in the order of Signature().Outputs. w x h must be the model's input size; a model with a symbolic
// input size runs at any w x h its fixed dimensions allow. A fixed-batch model takes at most its batch size;
// missing images are zero tensors (their outputs are padding that Decode ignores). A dynamic-batch model runs
// exactly len(tensors) images. For a uint8 model every value must be an integer in 0..255. Auxiliary inputs
// (Signature().Aux) are filled for w x h. It implements Runner.
func (m *Model) RunBatch(w, h int, tensors [][]float32) ([]Output, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.sig.At(w, h); err != nil {
		return nil, err
	}
	return m.run(tensors, w, h)
}

func (m *Model) run(tensors [][]float32, w, h int) ([]Output, error) {
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
	per := 3 * w * h
	for i, t := range tensors {
		if len(t) != per {
			return nil, fmt.Errorf("detect: model %s: image %d: input tensor has %d values, want %s = %d", path, i,
				len(t), joinShape(m.sig.imageShape(1, w, h)), per)
		}
	}
	ins, err := m.input(feed, w, h)
	if err != nil {
		return nil, fmt.Errorf("detect: model %s: input tensor: %w", path, err)
	}
	if m.sig.inPlace(feed) {
		// One float32 image: ONNX Runtime reads the caller's tensor where it is (CreateTensorWithDataAsOrtValue
		// does not copy) instead of a copy in the reused input (4.9 MB per 640x640 run).
		img, err := ort.NewTensor(m.sig.imageShape(1, w, h), tensors[0])
		if err != nil {
			return nil, fmt.Errorf("detect: model %s: input tensor: %w", path, err)
		}
		defer img.Destroy()
		ins = append([]ort.Value{img}, ins[1:]...)
	} else if err := m.sig.fillImage(ins[0], tensors, w, h); err != nil {
		return nil, err
	}
	outs := make([]ort.Value, len(m.sig.Outputs))
	if err := m.session.Run(ins, outs); err != nil {
		destroyAll(outs)
		return nil, fmt.Errorf("detect: model %s: ONNX Runtime run: %w", path, err)
	}
	defer destroyAll(outs)
	return copyOutputs(m.sig, outs)
}

// input returns the reused input tensors for a batch of b images at w x h, creating them on first use.
func (m *Model) input(b, w, h int) ([]ort.Value, error) {
	k := inputKey{b, w, h}
	if v, ok := m.inputs[k]; ok {
		return v, nil
	}
	v, err := m.sig.newInputs(b, w, h, !m.sig.inPlace(b))
	if err != nil {
		return nil, err
	}
	m.inputs[k] = v
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
// warnings to the model's count. It also decodes outputs that another runtime produced for the same model. A
// model with a symbolic input size is decoded with Signature().At(w, h).Decode.
func (m *Model) Decode(outs []Output, n int) ([][]box.Detection, error) {
	if m.sig.DynamicSize {
		return nil, m.dynamicError("Decode")
	}
	dets, w, err := m.sig.Decode(outs, n, m.opts)
	if err != nil {
		return nil, err
	}
	m.warnMu.Lock()
	m.warn.Add(w)
	m.warnMu.Unlock()
	return dets, nil
}

// Infer runs the model on one tensor (3*H*W values in the model's input layout, as the preprocessing produced
// it), decodes the outputs and applies the post-processing of the model's Options (see Signature.Decode). Boxes
// are in input-tensor pixels. A model with a symbolic input size is run with RunBatch.
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
	if m.sig.DynamicSize {
		return nil, m.dynamicError("InferBatch")
	}
	out := make([][]box.Detection, 0, len(tensors))
	for start := 0; start < len(tensors); start += m.runBatch {
		chunk := tensors[start:min(len(tensors), start+m.runBatch)]
		m.mu.Lock()
		outs, err := m.run(chunk, m.sig.Width, m.sig.Height)
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
	for k, vs := range m.inputs {
		for _, v := range vs {
			if v != nil { // no image tensor for runs fed in place
				errs = append(errs, v.Destroy())
			}
		}
		delete(m.inputs, k)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("detect: close model %s: %w", m.sig.Path, err)
	}
	return nil
}
