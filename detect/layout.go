package detect

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// Layout names how an exported detector lays out its outputs (../shared/SPEC.md §3).
type Layout string

// The layouts Decode understands. The strings are what --layout accepts and what inspect prints.
const (
	// LayoutAuto asks Inspect / Open to detect the layout from the outputs.
	LayoutAuto Layout = ""
	// LayoutYOLONAS is the YOLO-NAS traced export: boxes [B,N,4] x1y1x2y2 in input pixels and scores [B,N,C]
	// after sigmoid, no objectness (super-gradients dfl_heads.py).
	LayoutYOLONAS Layout = "yolo-nas"
	// LayoutYOLONASFlat is YOLO-NAS export(postprocessing=True) in the FLAT format: one [K,7] float32 output with
	// rows image_index, x1, y1, x2, y2, confidence, class_index (super-gradients conversion/onnx/nms.py).
	LayoutYOLONASFlat Layout = "yolo-nas-flat"
	// LayoutYOLONASBatch is the BATCH format: num_predictions [B,1] int64, pred_boxes [B,K,4], pred_scores [B,K],
	// pred_classes [B,K] int64; rows past num_predictions are padding.
	LayoutYOLONASBatch Layout = "yolo-nas-batch"
	// LayoutYOLOv8 is Ultralytics YOLOv8 / YOLO11: [B,4+C,A], cx, cy, w, h in input pixels then C sigmoid class
	// scores, no objectness (ultralytics head.py).
	LayoutYOLOv8 Layout = "yolov8"
	// LayoutYOLOv5 is ultralytics/yolov5: [B,A,5+C], cx, cy, w, h, objectness, class probabilities; score = obj*cls.
	LayoutYOLOv5 Layout = "yolov5"
	// LayoutYOLOX is the YOLOX default export: [B,A,5+C] raw per grid cell over strides 8, 16, 32 (row-major grids in
	// that order): xy offsets and log-wh, then sigmoid objectness and class scores. Decoded as xy = (xy+grid)*stride,
	// wh = exp(wh)*stride; score = obj*cls (YOLOX demo_utils.py demo_postprocess).
	LayoutYOLOX Layout = "yolox"
	// LayoutEndToEnd is an NMS-free head (YOLOv10, YOLO26): [B,K,6] x1, y1, x2, y2, score, class.
	LayoutEndToEnd Layout = "end2end"
)

// Layouts returns every concrete layout, in the order of SPEC.md §3.
func Layouts() []Layout {
	return []Layout{LayoutYOLONAS, LayoutYOLONASFlat, LayoutYOLONASBatch, LayoutYOLOv8, LayoutYOLOv5, LayoutYOLOX,
		LayoutEndToEnd}
}

// layoutAliases are other spellings users type for a layout.
var layoutAliases = map[string]Layout{
	"auto": LayoutAuto, "yolonas": LayoutYOLONAS, "yolo-nas-raw": LayoutYOLONAS, "flat": LayoutYOLONASFlat,
	"batch": LayoutYOLONASBatch, "yolo11": LayoutYOLOv8, "yolov11": LayoutYOLOv8, "e2e": LayoutEndToEnd,
	"yolov10": LayoutEndToEnd, "yolo26": LayoutEndToEnd,
}

// ParseLayout turns a --layout value into a Layout: a name from Layouts, "" or "auto", or an alias (yolonas,
// yolo11, e2e, yolov10, flat, batch). An unknown name is an error listing the known ones.
func ParseLayout(s string) (Layout, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return LayoutAuto, nil
	}
	if l, ok := layoutAliases[s]; ok {
		return l, nil
	}
	if slices.Contains(Layouts(), Layout(s)) {
		return Layout(s), nil
	}
	return "", fmt.Errorf("detect: unknown layout %q, expected auto or one of: %s", s, layoutList(Layouts()))
}

func layoutList(ls []Layout) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}

// describeLayout is a one-line human description of a layout's outputs.
func describeLayout(l Layout) string {
	switch l {
	case LayoutYOLONAS:
		return "boxes [B,N,4] x1y1x2y2 + scores [B,N,C] (YOLO-NAS raw)"
	case LayoutYOLONASFlat:
		return "[K,7] image, x1, y1, x2, y2, score, class (YOLO-NAS with NMS, FLAT)"
	case LayoutYOLONASBatch:
		return "num_predictions [B,1], boxes [B,K,4], scores [B,K], classes [B,K] (YOLO-NAS with NMS, BATCH)"
	case LayoutYOLOv8:
		return "[B,4+C,A] cx, cy, w, h, class scores (YOLOv8/YOLO11)"
	case LayoutYOLOv5:
		return "[B,A,5+C] cx, cy, w, h, objectness, class probabilities (YOLOv5)"
	case LayoutYOLOX:
		return "[B,A,5+C] raw grid over strides 8/16/32: xy offset, log wh, objectness, class scores (YOLOX)"
	case LayoutEndToEnd:
		return "[B,K,6] x1, y1, x2, y2, score, class (end-to-end, NMS-free)"
	}
	return string(l)
}

// Baked reports whether the layout's outputs are final detections (NMS in the graph or an NMS-free head), so
// Decode only reads rows instead of running NMS.
func (l Layout) Baked() bool {
	return l == LayoutYOLONASFlat || l == LayoutYOLONASBatch || l == LayoutEndToEnd
}

// TensorInfo is one input or output of an ONNX model as ONNX Runtime reports it.
type TensorInfo struct {
	// Name is the tensor name in the graph.
	Name string `json:"name"`
	// Type is the numpy-style element type: "float32", "uint8", "int64", ...
	Type string `json:"type"`
	// Shape is the static shape; -1 marks a dynamic dimension.
	Shape []int64 `json:"shape"`
}

// String formats the tensor as `"name" float32 [1 3 640 640]`.
func (t TensorInfo) String() string { return fmt.Sprintf("%q %s %v", t.Name, t.Type, t.Shape) }

func tensorInfos(infos []ort.InputOutputInfo) []TensorInfo {
	out := make([]TensorInfo, len(infos))
	for i, in := range infos {
		out[i] = TensorInfo{Name: in.Name, Type: in.OrtValueType.String(), Shape: slices.Clone([]int64(in.Dimensions))}
		if in.OrtValueType == ort.ONNXTypeTensor {
			out[i].Type = dtypeName(in.DataType)
		}
	}
	return out
}

// Signature is what an ONNX detector takes and gives, as found by Inspect or DetectLayout: its image input, its
// outputs, the layout they are in and the roles of the outputs.
type Signature struct {
	// Path is the model file ("" when built from tensor infos alone).
	Path string
	// Inputs and Outputs are every input and output of the graph, in graph order.
	Inputs, Outputs []TensorInfo
	// Layout is the detected or requested layout.
	Layout Layout
	// Explicit is true when the layout was requested rather than detected.
	Explicit bool
	// Evidence says why the layout was chosen (shapes, names, anchor counts).
	Evidence string
	// InputType is "float32" (values as the preprocessing made them) or "uint8" (0..255, the graph casts and
	// scales: super-gradients export(preprocessing=True)).
	InputType string
	// Width and Height are the input's W and H in pixels.
	Width, Height int
	// Batch is the input's fixed batch size, or 0 when the batch dimension is dynamic.
	Batch int
	// NumClasses is C as the output shapes tell it, 0 for layouts whose shapes do not (NMS-baked, end-to-end).
	NumClasses int
	// Anchors is the number of candidate rows per image: N or A for raw layouts, K for baked ones (0 when dynamic).
	Anchors int
	// Probed is true when some output dimensions were unknown in the graph and were read from a run on a zero
	// image (Inspect does this; the first dimension, batch or detection count, is never filled in).
	Probed bool
	// role maps an output role to its index in Outputs.
	role map[string]int
}

// DynamicAxes lists the input's dynamic dimensions by name ("batch", "height", ...), empty when all are fixed.
func (s *Signature) DynamicAxes() []string {
	names := []string{"batch", "channels", "height", "width"}
	var out []string
	for i, d := range s.Inputs[0].Shape {
		if d < 0 && i < len(names) {
			out = append(out, names[i])
		}
	}
	return out
}

// Describe is the layout's one-line description.
func (s *Signature) Describe() string { return describeLayout(s.Layout) }

// AmbiguousError is returned when the outputs fit several layouts and nothing (anchor counts, names) tells them
// apart: the caller must say which one with Options.Layout / --layout.
type AmbiguousError struct {
	// Path is the model file.
	Path string
	// Seen describes the model's inputs and outputs.
	Seen string
	// Inputs and Outputs are the model's inputs and outputs.
	Inputs, Outputs []TensorInfo
	// Candidates are the layouts the outputs fit.
	Candidates []Layout
	// Why says what was checked and why it did not decide.
	Why string
}

// Error lists what was seen and the candidate layouts.
func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("detect: model %s: ambiguous output layout: it has %s; candidate layouts: %s (%s); "+
		"pass the layout explicitly (--layout NAME / Options.Layout)", e.Path, e.Seen, layoutList(e.Candidates), e.Why)
}

// ErrLayout is wrapped by every error that says a model's inputs or outputs do not fit a (requested) layout.
var ErrLayout = errors.New("outputs do not fit the layout")

// fitError says why outputs do not fit one layout; it wraps ErrLayout.
type fitError struct {
	path   string
	layout Layout
	reason string
	seen   string
}

func (e *fitError) Error() string {
	return fmt.Sprintf("detect: model %s: %v %s: %s; it has %s", e.path, ErrLayout, e.layout, e.reason, e.seen)
}

func (e *fitError) Unwrap() error { return ErrLayout }

// GridAnchors is the number of cells of the stride 8, 16 and 32 grids of a w x h input (integer division, as
// YOLOX and Ultralytics build them): 8400 at 640x640. YOLOv8 and YOLOX output one row per cell, a 3-anchor YOLOv5
// three.
func GridAnchors(w, h int) int {
	n := 0
	for _, s := range yoloxStrides {
		n += (h / s) * (w / s)
	}
	return n
}

var yoloxStrides = [...]int{8, 16, 32}

// Inspect reads the model's inputs and outputs with ONNX Runtime (calling Init) and detects its layout, or checks
// that it fits want when want is not LayoutAuto. Errors name the file; an ambiguous model gives an *AmbiguousError.
func Inspect(path string, want Layout) (*Signature, error) {
	// ONNX Runtime would block forever on a named pipe, or read a device
	// without end: only regular files are read (as Open does).
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("detect: inspect model: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("detect: inspect model %s: not a regular file (a named pipe or a device would block or never end), refused before reading", path)
	}
	if err := Init(); err != nil {
		return nil, fmt.Errorf("detect: inspect %s: %w", path, err)
	}
	ins, outs, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, fmt.Errorf("detect: model %s: ONNX Runtime cannot read it as an ONNX model: %w", path, err)
	}
	outInfos := tensorInfos(outs)
	probed, err := probeShapes(path, tensorInfos(ins), outInfos)
	if err != nil {
		return nil, err
	}
	s, err := DetectLayout(path, tensorInfos(ins), outInfos, want)
	if s != nil && probed {
		s.Probed = true
		s.Evidence += "; output dimensions the graph leaves unknown were read from a run on a zero image"
	}
	return s, err
}

// probeShapes fills output dimensions (other than the first, which may be the batch or a detection count) that
// the graph leaves unknown, as torch.onnx does for some dynamic-batch exports, from one run on a zero image. It
// reports whether it ran. The input must pass checkInput first; otherwise nothing is probed.
func probeShapes(path string, ins, outs []TensorInfo) (bool, error) {
	need := false
	for _, o := range outs {
		for _, d := range o.Shape[min(1, len(o.Shape)):] {
			need = need || d < 0
		}
	}
	probe := &Signature{Path: path, Inputs: ins, Outputs: outs}
	if !need || probe.checkInput() != nil {
		return false, nil
	}
	b := max(1, probe.Batch)
	shape := ort.NewShape(int64(b), 3, int64(probe.Height), int64(probe.Width))
	var in ort.Value
	var err error
	if probe.InputType == "uint8" {
		in, err = ort.NewEmptyTensor[uint8](shape)
	} else {
		in, err = ort.NewEmptyTensor[float32](shape)
	}
	if err != nil {
		return false, fmt.Errorf("detect: model %s: probe input: %w", path, err)
	}
	defer in.Destroy()
	names := make([]string, len(outs))
	for i, o := range outs {
		names[i] = o.Name
	}
	sess, err := ort.NewDynamicAdvancedSession(path, []string{ins[0].Name}, names, nil)
	if err != nil {
		return false, fmt.Errorf("detect: model %s: probe session: %w", path, err)
	}
	defer sess.Destroy()
	vals := make([]ort.Value, len(outs))
	defer destroyAll(vals)
	if err := sess.Run([]ort.Value{in}, vals); err != nil {
		return false, fmt.Errorf("detect: model %s: probe run on a zero %v image (to learn output shapes the graph "+
			"leaves unknown): %w", path, []int64(shape), err)
	}
	for i, v := range vals {
		got := v.GetShape()
		if len(got) != len(outs[i].Shape) {
			return false, fmt.Errorf("detect: model %s: output %q declared %v but a run gave %v", path, outs[i].Name,
				outs[i].Shape, []int64(got))
		}
		for k := 1; k < len(got); k++ {
			if outs[i].Shape[k] < 0 {
				outs[i].Shape[k] = got[k]
			}
		}
	}
	return true, nil
}

// DetectLayout checks the image input and finds the output layout from output count, element types, shapes and
// names; with want != LayoutAuto it only checks that the outputs fit want. The image input must be the only input,
// NCHW with 3 channels, fixed H and W, float32 or uint8; the batch may be dynamic.
//
// Auto-detection rules, for a w x h input with G = GridAnchors(w, h):
//   - two float outputs [B,N,4] and [B,N,C] -> yolo-nas (if C is 4 too, names containing "box"/"score" decide);
//   - one float output [K,7] -> yolo-nas-flat;
//   - four outputs: an integer [B,1], a float [B,K,4] and two [B,K] -> yolo-nas-batch;
//   - one float output [B,X,Y]: yolov8 fits when Y > X >= 5, yolov5 and yolox when X > Y >= 6, end2end when Y = 6.
//     Among those that fit, the anchor count is evidence: Y = G for yolov8, X = 3G for yolov5 (3 anchors per cell
//     on P3-P5), X = G for yolox, X not G or 3G for end2end. Exactly one with evidence, or exactly one that fits,
//     wins; otherwise the result is an *AmbiguousError listing the candidates. So a default YOLOv5 (3 anchors per
//     cell) and a default YOLOX, which have the same [B,A,5+C] form, are told apart by A, and a [B,A,5+C] whose A is
//     neither 3G nor G is refused rather than guessed.
func DetectLayout(path string, ins, outs []TensorInfo, want Layout) (*Signature, error) {
	s := &Signature{Path: path, Inputs: ins, Outputs: outs, role: map[string]int{}}
	if err := s.checkInput(); err != nil {
		return nil, err
	}
	if want != LayoutAuto {
		if _, err := ParseLayout(string(want)); err != nil {
			return nil, err
		}
		s.Layout, s.Explicit, s.Evidence = want, true, "requested"
		if err := s.fit(want); err != nil {
			return nil, err
		}
		return s, nil
	}
	var fits []Layout
	var errs []string
	for _, l := range Layouts() {
		t := &Signature{Path: path, Inputs: ins, Outputs: outs, role: map[string]int{}, Width: s.Width, Height: s.Height,
			Batch: s.Batch, InputType: s.InputType}
		if err := t.fit(l); err != nil {
			var fe *fitError
			if errors.As(err, &fe) {
				errs = append(errs, fmt.Sprintf("%s: %s", l, fe.reason))
			}
			continue
		}
		fits = append(fits, l)
	}
	if len(fits) == 0 {
		return nil, fmt.Errorf("detect: model %s: %w: it has %s; no known layout fits (%s)", path, ErrLayout,
			s.seen(), strings.Join(errs, "; "))
	}
	chosen, why := s.decide(fits)
	if chosen == LayoutAuto {
		return nil, &AmbiguousError{Path: path, Seen: s.seen(), Inputs: ins, Outputs: outs, Candidates: fits, Why: why}
	}
	s.role = map[string]int{}
	if err := s.fit(chosen); err != nil {
		return nil, err
	}
	s.Layout, s.Evidence = chosen, why
	return s, nil
}

// decide picks one of the fitting layouts from anchor-count evidence; LayoutAuto when it cannot.
func (s *Signature) decide(fits []Layout) (Layout, string) {
	if len(fits) == 1 {
		return fits[0], "the only layout the outputs fit"
	}
	g := GridAnchors(s.Width, s.Height)
	o := s.Outputs[0].Shape
	var strong []Layout
	var notes []string
	for _, l := range fits {
		x, y := o[len(o)-2], o[len(o)-1]
		ev := false
		switch l {
		case LayoutYOLOv8:
			ev = y == int64(g)
			notes = append(notes, fmt.Sprintf("yolov8 wants A = %d grid cells, got %d", g, y))
		case LayoutYOLOv5:
			ev = x == int64(3*g)
			notes = append(notes, fmt.Sprintf("yolov5 wants A = 3x%d = %d, got %d", g, 3*g, x))
		case LayoutYOLOX:
			ev = x == int64(g)
			notes = append(notes, fmt.Sprintf("yolox wants A = %d, got %d", g, x))
		case LayoutEndToEnd:
			ev = x != int64(g) && x != int64(3*g)
			notes = append(notes, fmt.Sprintf("end2end wants K not a grid count (%d or %d), got %d", g, 3*g, x))
		}
		if ev {
			strong = append(strong, l)
		}
	}
	why := fmt.Sprintf("input %dx%d has %d cells on the stride 8/16/32 grids: %s", s.Width, s.Height, g,
		strings.Join(notes, "; "))
	if len(strong) == 1 {
		return strong[0], why
	}
	return LayoutAuto, why
}

func (s *Signature) seen() string {
	d := func(ts []TensorInfo) string {
		if len(ts) == 0 {
			return "none"
		}
		p := make([]string, len(ts))
		for i, t := range ts {
			p[i] = t.String()
		}
		return strings.Join(p, ", ")
	}
	return fmt.Sprintf("inputs: %s; outputs: %s", d(s.Inputs), d(s.Outputs))
}

// checkInput validates the image input and fills InputType, Width, Height, Batch.
func (s *Signature) checkInput() error {
	const want = "one input [B,3,H,W] (NCHW), float32 or uint8, fixed H and W > 0, B fixed or dynamic"
	if len(s.Inputs) != 1 {
		return fmt.Errorf("detect: model %s: %w: want %s; it has %s", s.Path, ErrLayout, want, s.seen())
	}
	in := s.Inputs[0]
	if in.Type != "float32" && in.Type != "uint8" {
		return fmt.Errorf("detect: model %s: %w: input %q is %s, want %s; it has %s", s.Path, ErrLayout, in.Name,
			in.Type, want, s.seen())
	}
	d := in.Shape
	if len(d) != 4 || d[1] != 3 || d[2] <= 0 || d[3] <= 0 || d[0] == 0 || d[0] < -1 {
		hint := ""
		if len(d) == 4 && d[3] == 3 && d[1] != 3 {
			hint = " (this looks like NHWC; export with NCHW input)"
		}
		return fmt.Errorf("detect: model %s: %w: input %q has shape %v, want %s (a dynamic dimension shows as -1)%s; "+
			"it has %s", s.Path, ErrLayout, in.Name, d, want, hint, s.seen())
	}
	s.InputType, s.Height, s.Width = in.Type, int(d[2]), int(d[3])
	if d[0] > 0 {
		s.Batch = int(d[0])
	}
	return nil
}

// fit checks that the outputs fit layout l and fills roles, NumClasses and Anchors. Errors wrap ErrLayout.
func (s *Signature) fit(l Layout) error {
	bad := func(format string, a ...any) error {
		return &fitError{path: s.Path, layout: l, reason: fmt.Sprintf(format, a...), seen: s.seen()}
	}
	outs := s.Outputs
	isF := func(t TensorInfo) bool { return t.Type == "float32" }
	isI := func(t TensorInfo) bool { return t.Type == "int64" || t.Type == "int32" }
	batchOK := func(t TensorInfo) bool {
		return t.Shape[0] == -1 || s.Batch == 0 || t.Shape[0] == int64(s.Batch)
	}
	switch l {
	case LayoutYOLONAS:
		if len(outs) != 2 || !isF(outs[0]) || !isF(outs[1]) || len(outs[0].Shape) != 3 || len(outs[1].Shape) != 3 {
			return bad("want two float32 outputs [B,N,4] (boxes) and [B,N,C] (scores)")
		}
		bi := -1
		switch a, b := outs[0].Shape[2] == 4, outs[1].Shape[2] == 4; {
		case a && !b:
			bi = 0
		case b && !a:
			bi = 1
		case a && b:
			has := func(t TensorInfo, w string) bool { return strings.Contains(strings.ToLower(t.Name), w) }
			switch {
			case has(outs[0], "box") && has(outs[1], "score"):
				bi = 0
			case has(outs[1], "box") && has(outs[0], "score"):
				bi = 1
			default:
				return bad(`both outputs end in 4, so boxes and scores are told apart by names containing "box" and ` +
					`"score", which these are not`)
			}
		default:
			return bad("no output has last dimension 4 (the boxes)")
		}
		bo, so := outs[bi], outs[1-bi]
		if bo.Shape[1] <= 0 || so.Shape[2] <= 0 || bo.Shape[1] != so.Shape[1] {
			return bad("boxes %q has %d anchors but scores %q has %d; want the same fixed N > 0", bo.Name, bo.Shape[1],
				so.Name, so.Shape[1])
		}
		if !batchOK(bo) || !batchOK(so) {
			return bad("output batch differs from the input batch %d", s.Batch)
		}
		s.role["boxes"], s.role["scores"] = bi, 1-bi
		s.NumClasses, s.Anchors = int(so.Shape[2]), int(bo.Shape[1])
	case LayoutYOLONASFlat:
		if len(outs) != 1 || !isF(outs[0]) || len(outs[0].Shape) != 2 || outs[0].Shape[1] != 7 {
			return bad("want one float32 output [K,7]")
		}
		s.role["rows"] = 0
		s.Anchors = max(0, int(outs[0].Shape[0]))
	case LayoutYOLONASBatch:
		if len(outs) != 4 {
			return bad("want four outputs num_predictions [B,1], boxes [B,K,4], scores [B,K], classes [B,K]")
		}
		num, bx := -1, -1
		var pairs []int
		for i, t := range outs {
			switch {
			case len(t.Shape) == 2 && t.Shape[1] == 1 && isI(t) && num < 0:
				num = i
			case len(t.Shape) == 3 && t.Shape[2] == 4 && isF(t) && bx < 0:
				bx = i
			case len(t.Shape) == 2 && (isF(t) || isI(t)):
				pairs = append(pairs, i)
			}
		}
		if num < 0 || bx < 0 || len(pairs) != 2 {
			return bad("want an integer [B,1] (num_predictions), a float32 [B,K,4] (boxes) and two [B,K] (scores, " +
				"classes)")
		}
		sc, cl := pairs[0], pairs[1]
		has := func(i int, w string) bool { return strings.Contains(strings.ToLower(outs[i].Name), w) }
		switch {
		case isF(outs[sc]) && isI(outs[cl]):
		case isI(outs[sc]) && isF(outs[cl]):
			sc, cl = cl, sc
		case has(sc, "class") || has(cl, "score"):
			sc, cl = cl, sc
		case has(sc, "score") || has(cl, "class"):
		default:
			return bad("two [B,K] outputs of the same type: names containing \"score\" and \"class\" must tell them apart")
		}
		if !isF(outs[sc]) {
			return bad("scores %q is %s, want float32", outs[sc].Name, outs[sc].Type)
		}
		k := outs[bx].Shape[1]
		if outs[sc].Shape[1] != k || outs[cl].Shape[1] != k {
			return bad("boxes, scores and classes must share K (%d)", k)
		}
		for _, i := range []int{num, bx, sc, cl} {
			if !batchOK(outs[i]) {
				return bad("output %q batch differs from the input batch %d", outs[i].Name, s.Batch)
			}
		}
		s.role["num"], s.role["boxes"], s.role["scores"], s.role["classes"] = num, bx, sc, cl
		s.Anchors = max(0, int(k))
	case LayoutYOLOv8, LayoutYOLOv5, LayoutYOLOX, LayoutEndToEnd:
		if len(outs) != 1 || !isF(outs[0]) || len(outs[0].Shape) != 3 {
			return bad("want one float32 output of rank 3")
		}
		o := outs[0]
		x, y := o.Shape[1], o.Shape[2]
		if x <= 0 || y <= 0 {
			return bad("output %q has dynamic dimensions %v, want fixed [B,X,Y]", o.Name, o.Shape)
		}
		if !batchOK(o) {
			return bad("output batch differs from the input batch %d", s.Batch)
		}
		switch l {
		case LayoutYOLOv8:
			if !(y > x && x >= 5) {
				return bad("want [B,4+C,A] with A > 4+C >= 5, got %v", o.Shape)
			}
			s.NumClasses, s.Anchors = int(x-4), int(y)
		case LayoutYOLOv5, LayoutYOLOX:
			if !(x > y && y >= 6) {
				return bad("want [B,A,5+C] with A > 5+C >= 6, got %v", o.Shape)
			}
			// The row count is only evidence when detecting (see decide); a requested YOLOX must match the grid,
			// or its rows cannot be given grid cells.
			if g := GridAnchors(s.Width, s.Height); l == LayoutYOLOX && s.Explicit && x != int64(g) {
				return bad("a YOLOX grid on a %dx%d input has %d cells over strides 8/16/32, the output has %d rows",
					s.Width, s.Height, g, x)
			}
			s.NumClasses, s.Anchors = int(y-5), int(x)
		case LayoutEndToEnd:
			if y != 6 {
				return bad("want [B,K,6], got %v", o.Shape)
			}
			s.Anchors = int(x)
		}
		s.role["out"] = 0
	default:
		return fmt.Errorf("detect: model %s: unknown layout %q", s.Path, l)
	}
	return nil
}
