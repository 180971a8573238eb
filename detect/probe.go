package detect

import (
	"fmt"
	"slices"

	ort "github.com/yalue/onnxruntime_go"
)

// probeRun runs the model of s once on zero image tensors (max(1, Batch) of them, at s's size; auxiliary inputs
// filled as for any run) and returns the outputs. Inspect uses it to read output dimensions the graph leaves
// unknown and to tell layouts apart by their output values: the checks it applies (Decode's sanity checks) hold
// for any input, a zero one included.
func probeRun(s *Signature) ([]Output, error) {
	if !s.sized() {
		return nil, fmt.Errorf("detect: model %s: probe run needs an input size", s.Path)
	}
	b := max(1, s.Batch)
	ins, err := s.newInputs(b, s.Width, s.Height, true)
	if err != nil {
		return nil, fmt.Errorf("detect: model %s: probe input: %w", s.Path, err)
	}
	defer destroyAll(ins)
	names := make([]string, len(s.Outputs))
	for i, o := range s.Outputs {
		names[i] = o.Name
	}
	sess, err := ort.NewDynamicAdvancedSession(s.Path, s.inputNames(), names, nil)
	if err != nil {
		return nil, fmt.Errorf("detect: model %s: probe session: %w", s.Path, err)
	}
	defer sess.Destroy()
	vals := make([]ort.Value, len(s.Outputs))
	defer destroyAll(vals)
	if err := sess.Run(ins, vals); err != nil {
		return nil, fmt.Errorf("detect: model %s: probe run on a zero %v image (to learn output shapes or values): %w",
			s.Path, []int64(s.imageShape(b, s.Width, s.Height)), err)
	}
	outs, err := copyOutputs(s, vals)
	if err != nil {
		return nil, err
	}
	for i, o := range outs {
		if len(o.Shape) != len(s.Outputs[i].Shape) {
			return nil, fmt.Errorf("detect: model %s: output %q declared %v but a run gave %v", s.Path, o.Name,
				s.Outputs[i].Shape, o.Shape)
		}
	}
	return outs, nil
}

// copyOutputs copies the runtime's output values into Outputs (float32 as Float, int64/int32 as Int).
func copyOutputs(s *Signature, vals []ort.Value) ([]Output, error) {
	res := make([]Output, len(vals))
	for i, v := range vals {
		o := Output{Name: s.Outputs[i].Name, Shape: slices.Clone([]int64(v.GetShape()))}
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
			return nil, fmt.Errorf("detect: model %s: output %q has an element type detect does not read (%T)", s.Path,
				o.Name, v)
		}
		if o.Float == nil && o.Int == nil { // an empty output (e.g. FLAT with no detection)
			if s.Outputs[i].Type == "float32" {
				o.Float = []float32{}
			} else {
				o.Int = []int64{}
			}
		}
		res[i] = o
	}
	return res, nil
}
