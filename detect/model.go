package detect

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/detparity/detparity/box"
)

// Model is an ONNX detector in the YOLO-NAS raw layout with an ONNX Runtime session whose input and output tensors
// are allocated once and reused by every call. Its methods are safe for concurrent use; calls to Run and Infer are
// serialised because they share those tensors.
type Model struct {
	path       string
	opts       Options
	inName     string
	boxName    string
	scoreName  string
	w, h       int
	n, c       int
	mu         sync.Mutex
	session    *ort.AdvancedSession
	input      *ort.Tensor[float32]
	boxesOut   *ort.Tensor[float32]
	scoresOut  *ort.Tensor[float32]
	sessionOpt *ort.SessionOptions
}

// Open loads the detector at path and creates its ONNX Runtime session (calling Init first). The model must have
// exactly one float32 input [1,3,H,W] with fixed H, W > 0 and the YOLO-NAS raw outputs: two float32 tensors
// [1,N,4] (boxes, x1y1x2y2 in input pixels) and [1,N,C] (scores after sigmoid), told apart by the last dimension 4;
// if C is 4 too, by names containing "box" and "score". Any mismatch is an error naming the file, what it has
// (names, element types, shapes) and what is expected.
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
	ins, outs, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, fmt.Errorf("detect: open model %s: ONNX Runtime cannot read it as an ONNX model: %w", path, err)
	}
	m := &Model{path: path, opts: opts}
	if err := m.checkLayout(ins, outs); err != nil {
		return nil, err
	}
	if err := m.newSession(); err != nil {
		m.Close()
		return nil, fmt.Errorf("detect: open model %s: %w", path, err)
	}
	return m, nil
}

// describe lists inputs or outputs as `"name" float32 [1 3 640 640]`.
func describe(infos []ort.InputOutputInfo) string {
	if len(infos) == 0 {
		return "none"
	}
	parts := make([]string, len(infos))
	for i, in := range infos {
		if in.OrtValueType != ort.ONNXTypeTensor {
			parts[i] = fmt.Sprintf("%q %s", in.Name, in.OrtValueType)
			continue
		}
		parts[i] = fmt.Sprintf("%q %s %v", in.Name, dtypeName(in.DataType), []int64(in.Dimensions))
	}
	return strings.Join(parts, ", ")
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

// isF32 reports whether info is a float32 dense tensor of rank dims.
func isF32(info ort.InputOutputInfo, dims int) bool {
	return info.OrtValueType == ort.ONNXTypeTensor && info.DataType == ort.TensorElementDataTypeFloat &&
		len(info.Dimensions) == dims
}

// checkLayout validates the YOLO-NAS raw layout and fills names and sizes.
func (m *Model) checkLayout(ins, outs []ort.InputOutputInfo) error {
	const wantIn = `one float32 input [1,3,H,W] with fixed H, W > 0`
	const wantOut = `two float32 outputs [1,N,4] (boxes x1y1x2y2) and [1,N,C] (scores), the YOLO-NAS raw layout`
	seen := fmt.Sprintf("inputs: %s; outputs: %s", describe(ins), describe(outs))
	if len(ins) != 1 || !isF32(ins[0], 4) {
		return fmt.Errorf("detect: model %s: want %s; it has %s", m.path, wantIn, seen)
	}
	d := ins[0].Dimensions
	if d[0] != 1 || d[1] != 3 || d[2] <= 0 || d[3] <= 0 {
		return fmt.Errorf("detect: model %s: input %q has shape %v, want %s (batch 1, 3 channels; a dynamic "+
			"dimension shows as -1); it has %s", m.path, ins[0].Name, []int64(d), wantIn, seen)
	}
	m.inName, m.h, m.w = ins[0].Name, int(d[2]), int(d[3])

	if len(outs) != 2 || !isF32(outs[0], 3) || !isF32(outs[1], 3) {
		return fmt.Errorf("detect: model %s: want %s; it has %s", m.path, wantOut, seen)
	}
	for _, o := range outs {
		if o.Dimensions[0] != 1 || o.Dimensions[1] <= 0 || o.Dimensions[2] <= 0 {
			return fmt.Errorf("detect: model %s: output %q has shape %v, want fixed [1,N,4] / [1,N,C]; it has %s",
				m.path, o.Name, []int64(o.Dimensions), seen)
		}
	}
	bi := -1
	switch a, b := outs[0].Dimensions[2] == 4, outs[1].Dimensions[2] == 4; {
	case a && !b:
		bi = 0
	case b && !a:
		bi = 1
	case a && b:
		hasBox := func(o ort.InputOutputInfo) bool { return strings.Contains(strings.ToLower(o.Name), "box") }
		hasScore := func(o ort.InputOutputInfo) bool { return strings.Contains(strings.ToLower(o.Name), "score") }
		switch {
		case hasBox(outs[0]) && hasScore(outs[1]):
			bi = 0
		case hasBox(outs[1]) && hasScore(outs[0]):
			bi = 1
		default:
			return fmt.Errorf("detect: model %s: both outputs end in 4, so boxes and scores are told apart by "+
				"names containing \"box\" and \"score\", which these are not; it has %s", m.path, seen)
		}
	default:
		return fmt.Errorf("detect: model %s: no output has last dimension 4 (the boxes); want %s; it has %s",
			m.path, wantOut, seen)
	}
	bo, so := outs[bi], outs[1-bi]
	if bo.Dimensions[1] != so.Dimensions[1] {
		return fmt.Errorf("detect: model %s: boxes %q has %d anchors but scores %q has %d; want the same N; it has %s",
			m.path, bo.Name, bo.Dimensions[1], so.Name, so.Dimensions[1], seen)
	}
	m.boxName, m.scoreName = bo.Name, so.Name
	m.n, m.c = int(bo.Dimensions[1]), int(so.Dimensions[2])
	return nil
}

// newSession allocates the reused tensors and the AdvancedSession.
func (m *Model) newSession() error {
	var err error
	if m.input, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 3, int64(m.h), int64(m.w))); err != nil {
		return fmt.Errorf("input tensor: %w", err)
	}
	if m.boxesOut, err = ort.NewEmptyTensor[float32](ort.NewShape(1, int64(m.n), 4)); err != nil {
		return fmt.Errorf("boxes tensor: %w", err)
	}
	if m.scoresOut, err = ort.NewEmptyTensor[float32](ort.NewShape(1, int64(m.n), int64(m.c))); err != nil {
		return fmt.Errorf("scores tensor: %w", err)
	}
	if m.sessionOpt, err = ort.NewSessionOptions(); err != nil {
		return fmt.Errorf("session options: %w", err)
	}
	if m.opts.Threads > 0 {
		if err := m.sessionOpt.SetIntraOpNumThreads(m.opts.Threads); err != nil {
			return fmt.Errorf("intra-op threads %d: %w", m.opts.Threads, err)
		}
	}
	m.session, err = ort.NewAdvancedSession(m.path, []string{m.inName}, []string{m.boxName, m.scoreName},
		[]ort.Value{m.input}, []ort.Value{m.boxesOut, m.scoresOut}, m.sessionOpt)
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}

// InputSize is the model's input width and height in pixels.
func (m *Model) InputSize() (w, h int) { return m.w, m.h }

// NumClasses is C, the last dimension of the scores output.
func (m *Model) NumClasses() int { return m.c }

// NumAnchors is N, the number of candidate boxes the model outputs.
func (m *Model) NumAnchors() int { return m.n }

// Path is the model file Open was given.
func (m *Model) Path() string { return m.path }

// Options returns the post-processing options the model was opened with.
func (m *Model) Options() Options { return m.opts }

// Run feeds tensor (NCHW float32, length 3*H*W) to the model and returns copies of its raw outputs: boxes [N*4]
// and scores [N*C], row-major.
func (m *Model) Run(tensor []float32) (boxes, scores []float32, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.run(tensor); err != nil {
		return nil, nil, err
	}
	return slices.Clone(m.boxesOut.GetData()), slices.Clone(m.scoresOut.GetData()), nil
}

// run copies tensor into the input and runs the session; m.mu must be held.
func (m *Model) run(tensor []float32) error {
	if m.session == nil {
		return fmt.Errorf("detect: model %s: used after Close", m.path)
	}
	want := 3 * m.w * m.h
	if len(tensor) != want {
		return fmt.Errorf("detect: model %s: input tensor has %d values, want 1x3x%dx%d = %d",
			m.path, len(tensor), m.h, m.w, want)
	}
	copy(m.input.GetData(), tensor)
	if err := m.session.Run(); err != nil {
		return fmt.Errorf("detect: model %s: ONNX Runtime run: %w", m.path, err)
	}
	return nil
}

// Infer runs the model on tensor (NCHW float32, 3*H*W values, as letterbox produced it), decodes the YOLO-NAS outputs
// and applies NMS with the model's Options (see DecodeYOLONAS). Boxes are in input-tensor pixels.
func (m *Model) Infer(tensor []float32) ([]box.Detection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.run(tensor); err != nil {
		return nil, err
	}
	dets, err := DecodeYOLONAS(m.boxesOut.GetData(), m.scoresOut.GetData(), m.n, m.c, m.opts)
	if err != nil {
		return nil, fmt.Errorf("detect: model %s: %w", m.path, err)
	}
	return dets, nil
}

// Close releases the session and its tensors. It is safe to call more than once.
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
	for _, t := range []**ort.Tensor[float32]{&m.input, &m.boxesOut, &m.scoresOut} {
		if *t != nil {
			errs = append(errs, (*t).Destroy())
			*t = nil
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("detect: close model %s: %w", m.path, err)
	}
	return nil
}
