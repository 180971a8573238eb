package detect

import (
	"fmt"
	"math"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// AuxInput is an input other than the image that detect fills itself for every run, so that a Runner takes image
// tensors only and the outputs come back in input-tensor pixels.
type AuxInput struct {
	// Name is the input's name in the graph.
	Name string `json:"name"`
	// Type is its element type ("int64", "float32").
	Type string `json:"type"`
	// Value says what detect feeds, per image: "w,h" (orig_target_sizes), "1,1" (scale_factor) or "h,w"
	// (im_shape), of the run's input tensor.
	Value string `json:"value"`
}

// auxInputs are the auxiliary inputs detect knows, by name: lyuwenyu/RT-DETR's and D-FINE's orig_target_sizes
// (rtdetrv2_pytorch/tools/export_onnx.py: the target size w, h the boxes are scaled to) and PaddleDetection's
// scale_factor (the resize ratio the boxes are divided by, [h, w]) and im_shape (the resized image's [h, w])
// (deploy/python/infer.py, Detector.preprocess).
var auxInputs = map[string]struct{ types, value string }{
	"orig_target_sizes": {"int64 int32", "w,h"},
	"scale_factor":      {"float32", "1,1"},
	"im_shape":          {"float32", "h,w"},
}

// checkInput finds the image input and the auxiliary inputs and fills InputName, InputType, InputLayout, Width,
// Height, DynamicSize, Batch and Aux.
func (s *Signature) checkInput() error {
	const want = "one image input [B,3,H,W] (NCHW) or [B,H,W,3] (NHWC), float32 or uint8, H and W fixed or " +
		"symbolic, B fixed or dynamic; other inputs only orig_target_sizes [B,2], scale_factor [B,2] or " +
		"im_shape [B,2], which detect fills itself"
	var img *TensorInfo
	s.Aux = nil
	for i, in := range s.Inputs {
		if a, ok := auxInputs[in.Name]; ok && len(s.Inputs) > 1 {
			if !strings.Contains(a.types, in.Type) || len(in.Shape) != 2 || in.Shape[1] != 2 {
				return fmt.Errorf("detect: model %s: %w: input %q is %s %v, want %s [B,2]; it has %s", s.Path,
					ErrLayout, in.Name, in.Type, in.Shape, strings.ReplaceAll(a.types, " ", " or "), s.seen())
			}
			s.Aux = append(s.Aux, AuxInput{Name: in.Name, Type: in.Type, Value: a.value})
			continue
		}
		if img != nil {
			return fmt.Errorf("detect: model %s: %w: want %s; it has %s", s.Path, ErrLayout, want, s.seen())
		}
		img = &s.Inputs[i]
	}
	if img == nil {
		return fmt.Errorf("detect: model %s: %w: no image input: want %s; it has %s", s.Path, ErrLayout, want, s.seen())
	}
	if img.Type != "float32" && img.Type != "uint8" {
		return fmt.Errorf("detect: model %s: %w: input %q is %s, want %s; it has %s", s.Path, ErrLayout, img.Name,
			img.Type, want, s.seen())
	}
	d := img.Shape
	ok := len(d) == 4 && (d[0] > 0 || d[0] == -1)
	c, hi, wi := 1, 2, 3
	if ok && d[1] != 3 && d[3] == 3 {
		c, hi, wi = 3, 1, 2
	}
	ok = ok && d[c] == 3
	for _, k := range []int{hi, wi} {
		ok = ok && (d[k] > 0 || d[k] == -1)
	}
	if !ok {
		return fmt.Errorf("detect: model %s: %w: input %q has shape %v, want %s (a dynamic dimension shows as -1); "+
			"it has %s", s.Path, ErrLayout, img.Name, d, want, s.seen())
	}
	for _, a := range s.Aux {
		for _, in := range s.Inputs {
			if in.Name == a.Name && in.Shape[0] != d[0] && in.Shape[0] != -1 && d[0] != -1 {
				return fmt.Errorf("detect: model %s: %w: input %q has batch %d, the image %d; it has %s", s.Path,
					ErrLayout, a.Name, in.Shape[0], d[0], s.seen())
			}
		}
	}
	s.InputName, s.InputType = img.Name, img.Type
	s.InputLayout = map[int]string{1: "nchw", 3: "nhwc"}[c]
	s.Height, s.Width = int(max(0, d[hi])), int(max(0, d[wi]))
	s.DynamicSize = d[hi] < 0 || d[wi] < 0
	if s.DynamicSize {
		s.Width, s.Height = 0, 0
	}
	if d[0] > 0 {
		s.Batch = int(d[0])
	}
	return nil
}

// imageShape is the image input's shape for b images at w x h.
func (s *Signature) imageShape(b, w, h int) ort.Shape {
	if s.InputLayout == "nhwc" {
		return ort.NewShape(int64(b), int64(h), int64(w), 3)
	}
	return ort.NewShape(int64(b), 3, int64(h), int64(w))
}

// inputNames are the names of the image input and the auxiliary inputs, in that order (the order of the values
// newInputs makes).
func (s *Signature) inputNames() []string {
	names := []string{s.InputName}
	for _, a := range s.Aux {
		names = append(names, a.Name)
	}
	return names
}

// inPlace reports whether a run of b images at a time takes the caller's tensor as it is, without a copy: one
// float32 image (a uint8 model needs its values converted, a batch needs them side by side).
func (s *Signature) inPlace(b int) bool { return b == 1 && s.InputType != "uint8" }

// newInputs allocates the image tensor (zeros) for b images at w x h, or leaves it nil without image (a run that
// feeds the caller's tensor in place: inPlace), and the auxiliary tensors, filled for that size. The caller
// destroys them.
func (s *Signature) newInputs(b, w, h int, image bool) ([]ort.Value, error) {
	var vals []ort.Value
	fail := func(err error) ([]ort.Value, error) {
		destroyAll(vals)
		return nil, err
	}
	var img ort.Value
	var err error
	switch {
	case !image: // none: Model.run wraps the caller's tensor for each run
	case s.InputType == "uint8":
		img, err = ort.NewEmptyTensor[uint8](s.imageShape(b, w, h))
	default:
		img, err = ort.NewEmptyTensor[float32](s.imageShape(b, w, h))
	}
	if err != nil {
		return fail(err)
	}
	vals = append(vals, img)
	for _, a := range s.Aux {
		pair := map[string][2]float64{"w,h": {float64(w), float64(h)}, "1,1": {1, 1},
			"h,w": {float64(h), float64(w)}}[a.Value]
		shape := ort.NewShape(int64(b), 2)
		var v ort.Value
		switch a.Type {
		case "int64":
			data := make([]int64, 2*b)
			for i := range b {
				data[2*i], data[2*i+1] = int64(pair[0]), int64(pair[1])
			}
			v, err = ort.NewTensor(shape, data)
		case "int32":
			data := make([]int32, 2*b)
			for i := range b {
				data[2*i], data[2*i+1] = int32(pair[0]), int32(pair[1])
			}
			v, err = ort.NewTensor(shape, data)
		default:
			data := make([]float32, 2*b)
			for i := range b {
				data[2*i], data[2*i+1] = float32(pair[0]), float32(pair[1])
			}
			v, err = ort.NewTensor(shape, data)
		}
		if err != nil {
			return fail(fmt.Errorf("auxiliary input %q: %w", a.Name, err))
		}
		vals = append(vals, v)
	}
	return vals, nil
}

// fillImage copies n tensors (each per = 3*w*h values in the model's input layout) into the image input value
// and zeroes the rest of a fixed batch. A uint8 input takes integers in 0..255 only.
func (s *Signature) fillImage(in ort.Value, tensors [][]float32, w, h int) error {
	per := 3 * w * h
	switch t := in.(type) {
	case *ort.Tensor[float32]:
		d := t.GetData()
		for i, src := range tensors {
			copy(d[i*per:], src)
		}
		clear(d[len(tensors)*per:])
	case *ort.Tensor[uint8]:
		d := t.GetData()
		for i, src := range tensors {
			for k, v := range src {
				if !(v >= 0 && v <= 255) || v != float32(math.Trunc(float64(v))) {
					c, y, x := s.pixelAt(k, w, h)
					return fmt.Errorf("detect: model %s: image %d: input value %v at channel %d, y %d, x %d is not "+
						"an integer in 0..255; this model takes uint8 (its graph casts and scales), so feed 0..255 "+
						"values (a preprocessing with scale 1, not /255)", s.Path, i, v, c, y, x)
				}
				d[i*per+k] = uint8(v)
			}
		}
		clear(d[len(tensors)*per:])
	}
	return nil
}

// pixelAt turns element k of one image tensor into channel, y, x.
func (s *Signature) pixelAt(k, w, h int) (c, y, x int) {
	if s.InputLayout == "nhwc" {
		return k % 3, k / 3 / w, (k / 3) % w
	}
	c, rem := k/(w*h), k%(w*h)
	return c, rem / w, rem % w
}
