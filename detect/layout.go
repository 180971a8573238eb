package detect

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// Layout names how an exported detector lays out its outputs. Every layout's constant cites the public code that
// defines it; docs/layouts.md has the table of layouts, their sources and how one is chosen or refused.
type Layout string

// The layouts Decode understands. The strings are what --layout accepts and what inspect prints.
const (
	// LayoutAuto asks Inspect / Open to detect the layout (see DetectLayout).
	LayoutAuto Layout = ""
	// LayoutYOLONAS is the YOLO-NAS traced export: boxes [B,N,4] x1y1x2y2 in input pixels and scores [B,N,C]
	// after sigmoid, no objectness (Deci-AI/super-gradients 3.x, src/super_gradients/training/models/detection_models/
	// yolo_nas/dfl_heads.py, NDFLHeads.forward).
	LayoutYOLONAS Layout = "yolo-nas"
	// LayoutYOLONASFlat is YOLO-NAS export(postprocessing=True) in the FLAT format: one [K,7] float32 output with
	// rows image_index, x1, y1, x2, y2, confidence, class_index (super-gradients 3.x,
	// src/super_gradients/conversion/onnx/nms.py).
	LayoutYOLONASFlat Layout = "yolo-nas-flat"
	// LayoutYOLONASBatch is the BATCH format of the same exporter: num_predictions [B,1] int64, pred_boxes [B,K,4],
	// pred_scores [B,K], pred_classes [B,K] int64; rows past num_predictions are padding. meituan/YOLOv6's
	// --end2end --ort export (deploy/ONNX/export_onnx.py: num_dets, det_boxes, det_scores, det_classes) has the
	// same form.
	LayoutYOLONASBatch Layout = "yolo-nas-batch"
	// LayoutYOLOv8 is Ultralytics YOLOv8 / YOLO11: [B,4+C,A], cx, cy, w, h in input pixels then C sigmoid class
	// scores, no objectness; A = the cells of the stride 8/16/32 (or 8..64) grids (ultralytics/ultralytics 8.x,
	// ultralytics/nn/modules/head.py, Detect._inference).
	LayoutYOLOv8 Layout = "yolov8"
	// LayoutYOLOv5 is ultralytics/yolov5 (models/yolo.py, Detect.forward): [B,A,5+C], cx, cy, w, h, objectness,
	// class probabilities; score = obj*cls; A = 3 anchors x the cells of the stride 8/16/32 (or 8..64) grids.
	LayoutYOLOv5 Layout = "yolov5"
	// LayoutYOLOX is the YOLOX default export (Megvii-BaseDetection/YOLOX 0.3 @0cba8ac, tools/export_onnx.py with
	// decode_in_inference False): [B,A,5+C] raw per grid cell over strides 8, 16, 32 (row-major grids in that
	// order): xy offsets and log-wh, then sigmoid objectness and class scores. Decoded as xy = (xy+grid)*stride,
	// wh = exp(wh)*stride; score = obj*cls (yolox/utils/demo_utils.py, demo_postprocess).
	LayoutYOLOX Layout = "yolox"
	// LayoutYOLOv6 is meituan/YOLOv6 0.4 @e86a483 (yolov6/models/effidehead.py, Detect.forward in eval mode, exported by
	// deploy/ONNX/export_onnx.py): [B,A,5+C] with cx, cy, w, h already decoded in input pixels, a constant
	// objectness column of 1.0 and C sigmoid class scores; A = the cells of the stride 8/16/32 (or 8..64) grids,
	// one per cell. Same form as YOLOX, told apart by the constant objectness.
	LayoutYOLOv6 Layout = "yolov6"
	// LayoutEndToEnd is an NMS-free head (YOLOv10, YOLO26; ultralytics/nn/modules/head.py, v10Detect and
	// Detect.postprocess with end2end): [B,K,6] x1, y1, x2, y2, score, class in input pixels.
	LayoutEndToEnd Layout = "end2end"
	// LayoutUltralyticsNMS is an Ultralytics export with nms=True (ultralytics/ultralytics 8.3 @002363f,
	// ultralytics/engine/exporter.py, NMSModel): the
	// same [B,K,6] rows as LayoutEndToEnd, zero-padded, after class-aware NMS inside the graph. Told apart from an
	// end-to-end head by the metadata (args nms=True), never by shape.
	LayoutUltralyticsNMS Layout = "ultralytics-nms"
	// LayoutRTDETRUltralytics is Ultralytics' RT-DETR export (ultralytics/nn/modules/head.py, RTDETRDecoder.forward:
	// torch.cat((dec_bboxes, dec_scores.sigmoid()), -1)): [B,Q,4+C], cx, cy, w, h normalised to 0..1 of the input,
	// then C sigmoid class scores; no NMS: each query is one detection of its best class
	// (ultralytics/models/rtdetr/predict.py, RTDETRPredictor.postprocess).
	LayoutRTDETRUltralytics Layout = "rtdetr-ultralytics"
	// LayoutRTDETR is lyuwenyu/RT-DETR @068dfde (rtdetrv2_pytorch/tools/export_onnx.py with
	// src/zoo/rtdetr/rtdetr_postprocessor.py in deploy mode) and Peterande/D-FINE @1062403 (tools/export_onnx.py):
	// inputs images and orig_target_sizes [B,2] (w, h), outputs labels [B,Q], boxes [B,Q,4] x1y1x2y2 in the
	// pixels orig_target_sizes gives, scores [B,Q]; no NMS. detect feeds orig_target_sizes = the input tensor's
	// w, h itself, so the boxes come out in input-tensor pixels.
	LayoutRTDETR Layout = "rtdetr"
	// LayoutPaddleNMS is a PaddleDetection export with NMS inside (PaddlePaddle/PaddleDetection 2.x,
	// deploy/EXPORT_ONNX_MODEL.md; ppdet/modeling/layers.py, MultiClassNMS): inputs image, scale_factor [B,2] (and
	// im_shape [B,2]), outputs rows [N,6] class, score, x1, y1, x2, y2 for all images in order and a count [B]
	// per image. detect feeds scale_factor = 1, 1 and im_shape = the input's h, w, so boxes stay in input pixels.
	LayoutPaddleNMS Layout = "paddle-nms"
	// LayoutSSD is an SSD head with its decode inside the graph (Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB
	// @dffdddd, vision/ssd/ssd.py, SSD.forward with is_test=True; qfgaohao/pytorch-ssd): scores [B,N,C+1] softmax
	// with the background in column 0, boxes [B,N,4] x1y1x2y2 normalised to 0..1. Class k of the label set is
	// column k+1.
	LayoutSSD Layout = "ssd"
	// LayoutSSDPriors is the same head without the decode (UltraFace's *_without_postprocessing.onnx exports):
	// scores [B,N,C+1] softmax, boxes [B,N,4] raw offsets to priors, decoded with center variance 0.1 and size
	// variance 0.2 (vision/utils/box_utils.py, convert_locations_to_boxes) against priors generated as
	// UltraFace does for the input size (generate_priors with vision/ssd/config/fd_config.py's min_boxes and
	// strides 8, 16, 32, 64; see PriorBoxes).
	LayoutSSDPriors Layout = "ssd-priors"
	// LayoutRetinaFace is biubug6/Pytorch_Retinaface @b984b4b (models/retinaface.py, RetinaFace.forward in phase test;
	// convert_to_onnx.py): loc [B,N,4] offsets to priors, conf [B,N,2] softmax (face in column 1), landmarks
	// [B,N,10] (not used for boxes) — or the three concatenated into one [B,N,16] (or loc+conf [B,N,6]) with conf
	// as softmax or logits. Priors as layers/functions/prior_box.py builds them (min_sizes [[16,32],[64,128],
	// [256,512]], steps 8, 16, 32, no clip), decoded with variances 0.1, 0.2 (utils/box_utils.py, decode).
	LayoutRetinaFace Layout = "retinaface"
	// LayoutNanoDetPlus is RangiLyu/nanodet 1.x @be9b4a9 NanoDet-Plus (nanodet/model/head/nanodet_plus_head.py,
	// _forward_onnx, exported by tools/export_onnx.py): one [B,N,C+4*(R+1)] output, sigmoid class scores then
	// 4 distributions of R+1 logits; N = the cells of ceil(H/s) x ceil(W/s) grids over strides 8..32 (or 8..64);
	// box side = sum(softmax(dist)*bin)*stride from the cell's top-left corner (get_single_level_center_priors:
	// arange(w)*stride), clamped to the input (distance2bbox with max_shape).
	LayoutNanoDetPlus Layout = "nanodet-plus"
	// LayoutNanoDet is the older NanoDet GFL head (nanodet/model/head/gfl_head.py and nanodet_head.py,
	// _forward_onnx): the same output, but the cell centre is (x+0.5)*stride (get_single_level_center_point).
	LayoutNanoDet Layout = "nanodet"
	// LayoutPicoDet is PaddleDetection's PicoDet exported without post-processing (ppdet/modeling/heads/
	// pico_head.py @c6839ea, PicoHeadV2.forward_eval with export_post_process False): per level a class-score output
	// [B,L,C] (sigmoid) then per level a distribution output [B,L,4*(R+1)]; centre (x+cell_offset)*stride with the
	// configs' cell_offset 0.5 (configs/picodet), box = centre -/+ sum(softmax(dist)*bin)*stride, not clamped.
	LayoutPicoDet Layout = "picodet"
	// LayoutFastestDet is dog-qiuqiu/FastestDet @50473cd (module/custom_layers.py, DetectHead; decode in utils/tool.py,
	// handle_preds): one [B,5+C,H',W'] map, per cell obj (sigmoid), 4 raw box values, C softmax class scores;
	// cx = (tanh(x)+col)/W', w = sigmoid(w) (both normalised), score = obj^0.6 * cls^0.4.
	LayoutFastestDet Layout = "fastestdet"
	// LayoutSCRFD is deepinsight/insightface SCRFD (python-package/insightface/model_zoo/scrfd.py @0bdfc69,
	// SCRFD.forward):
	// per stride a score [B,n,1] (sigmoid), bbox [B,n,4] distances and optional kps [B,n,10] output, ordered all
	// scores, all bboxes, all kps; 3 strides (8, 16, 32) with 2 anchors per cell or 5 strides (8..128) with 1;
	// anchor centre (x*stride, y*stride), box = centre -/+ distance*stride.
	LayoutSCRFD Layout = "scrfd"
	// LayoutYuNet is OpenCV's YuNet (opencv/opencv_zoo models/face_detection_yunet, 2023mar; decoded by opencv
	// modules/objdetect/src/face_detect.cpp @0692bb4, FaceDetectorYNImpl::postProcess): per stride 8, 16, 32
	// outputs cls_S, obj_S [B,n,1], bbox_S [B,n,4], kps_S [B,n,10]; score = sqrt(clamp(cls)*clamp(obj)),
	// cx = (col+b0)*stride, w = exp(b2)*stride.
	LayoutYuNet Layout = "yunet"
)

// Layouts returns every concrete layout, in the order detection tries them and errors list them.
func Layouts() []Layout {
	out := make([]Layout, len(families))
	for i, f := range families {
		out[i] = f.layout
	}
	return out
}

// layoutAliases are other spellings users type for a layout.
var layoutAliases = map[string]Layout{
	"auto": LayoutAuto, "yolonas": LayoutYOLONAS, "yolo-nas-raw": LayoutYOLONAS, "flat": LayoutYOLONASFlat,
	"batch": LayoutYOLONASBatch, "yolo11": LayoutYOLOv8, "yolov11": LayoutYOLOv8, "e2e": LayoutEndToEnd,
	"yolov10": LayoutEndToEnd, "yolo26": LayoutEndToEnd, "rt-detr": LayoutRTDETR, "d-fine": LayoutRTDETR,
	"dfine": LayoutRTDETR, "rtdetrv2": LayoutRTDETR, "paddle": LayoutPaddleNMS, "ultraface": LayoutSSD,
}

// ParseLayout turns a --layout value into a Layout: a name from Layouts, "" or "auto", or an alias (yolonas,
// yolo11, e2e, yolov10, yolo26, flat, batch, rt-detr, d-fine, paddle, ultraface). An unknown name is an error
// listing the known ones.
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
	if f := familyOf(l); f != nil {
		return f.describe
	}
	return string(l)
}

// Baked reports whether the layout's outputs are final detections (NMS in the graph or an NMS-free head), so
// Decode only reads rows instead of running NMS.
func (l Layout) Baked() bool {
	f := familyOf(l)
	return f != nil && f.rows != nil
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

// Signature is what an ONNX detector takes and gives, as found by Inspect or DetectLayout: its image input (and
// the auxiliary inputs detect feeds itself), its outputs, the layout they are in, what the model's metadata says
// and the roles of the outputs.
type Signature struct {
	// Path is the model file ("" when built from tensor infos alone).
	Path string
	// Inputs and Outputs are every input and output of the graph, in graph order.
	Inputs, Outputs []TensorInfo
	// Layout is the detected or requested layout.
	Layout Layout
	// Explicit is true when the layout was requested rather than detected.
	Explicit bool
	// Evidence says why the layout was chosen (shapes, names, anchor counts, metadata, output values).
	Evidence string
	// InputName is the image input's name.
	InputName string
	// InputType is "float32" (values as the preprocessing made them) or "uint8" (0..255, the graph casts and
	// scales: super-gradients export(preprocessing=True)).
	InputType string
	// InputLayout is "nchw" ([B,3,H,W]) or "nhwc" ([B,H,W,3]): the element order RunBatch's tensors must have.
	InputLayout string
	// Width and Height are the input's W and H in pixels; 0 for a symbolic dimension (see DynamicSize).
	Width, Height int
	// DynamicSize is true when H or W is symbolic (Ultralytics dynamic=True): the model runs at the size each
	// RunBatch call gives, and At(w, h) gives the signature Decode needs for that size.
	DynamicSize bool
	// Batch is the input's fixed batch size, or 0 when the batch dimension is dynamic.
	Batch int
	// Aux are the inputs other than the image, which detect fills itself for every run (see AuxInput).
	Aux []AuxInput
	// NumClasses is C as the output shapes (or values) tell it, 0 for layouts whose outputs do not (NMS-baked,
	// end-to-end, rtdetr).
	NumClasses int
	// Anchors is the number of candidate rows per image: N or A for raw layouts, K for baked ones (0 when dynamic).
	Anchors int
	// Strides are the feature strides the layout's grids use (YOLO heads, GFL heads, face heads, FastestDet), in
	// row order; nil for layouts without grids.
	Strides []int
	// RegMax is R of a GFL head's 4*(R+1) distribution bins (nanodet, nanodet-plus, picodet); 0 otherwise.
	RegMax int
	// Probed is true when the model was run once on a zero input during Inspect: to read output dimensions the
	// graph leaves unknown, or to tell layouts apart by their output values.
	Probed bool
	// Metadata is what the file says about itself (never nil after Inspect; nil from DetectLayout).
	Metadata *Metadata
	// role maps an output role to its index in Outputs.
	role map[string]int
	// p holds layout parameters that are not exported fields.
	p layoutParams
}

// layoutParams are the per-layout decode parameters fit and the value probe fill.
type layoutParams struct {
	priors     *PriorBoxes // prior generator of ssd-priors and retinaface
	logits     bool        // retinaface concatenated conf: logits (softmax in decode) rather than probabilities
	levels     []int       // per-level layouts: output index of each level's first role (see the family)
	perCell    int         // anchors per grid cell (scrfd, yolov5)
	cellsFixed bool        // the layout's row count was checked against the grids
	squeezed   bool        // per-level outputs without a batch dimension (older SCRFD exports): batch 1
	needValues bool        // parameters still to be read from output values (family.values)
}

func (s *Signature) clone() *Signature {
	t := *s
	t.role = map[string]int{}
	for k, v := range s.role {
		t.role[k] = v
	}
	return &t
}

// fresh is a copy of s without layout: what fitting another layout starts from.
func (s *Signature) fresh() *Signature {
	t := s.clone()
	t.Layout, t.Explicit, t.Evidence = "", false, ""
	t.role = map[string]int{}
	t.NumClasses, t.Anchors, t.Strides, t.RegMax, t.p = 0, 0, nil, 0, layoutParams{}
	return t
}

// sized reports whether the input size is known (fixed, or set by At).
func (s *Signature) sized() bool { return s.Width > 0 && s.Height > 0 }

// DynamicAxes lists the image input's dynamic dimensions by name ("batch", "height", ...), empty when all are
// fixed.
func (s *Signature) DynamicAxes() []string {
	names := []string{"batch", "channels", "height", "width"}
	if s.InputLayout == "nhwc" {
		names = []string{"batch", "height", "width", "channels"}
	}
	var out []string
	for _, in := range s.Inputs {
		if in.Name != s.InputName {
			continue
		}
		for i, d := range in.Shape {
			if d < 0 && i < len(names) {
				out = append(out, names[i])
			}
		}
	}
	return out
}

// Describe is the layout's one-line description.
func (s *Signature) Describe() string { return describeLayout(s.Layout) }

// At returns the signature for a run at w x h: s itself when the input size is fixed and w x h is it, a sized
// copy (layout re-checked for that size) when the size is symbolic, and an error when w x h cannot be the
// model's input.
func (s *Signature) At(w, h int) (*Signature, error) {
	if w < 1 || h < 1 {
		return nil, fmt.Errorf("detect: model %s: input size %dx%d, want both >= 1", s.Path, w, h)
	}
	if !s.DynamicSize {
		if w != s.Width || h != s.Height {
			return nil, fmt.Errorf("detect: model %s: run of %dx%d tensors, the model takes %dx%d", s.Path, w, h,
				s.Width, s.Height)
		}
		return s, nil
	}
	fw, fh := s.fixedSize()
	if (fw > 0 && w != fw) || (fh > 0 && h != fh) {
		return nil, fmt.Errorf("detect: model %s: input size %dx%d, but the model fixes %s", s.Path, w, h,
			s.fixedDims())
	}
	t := s.clone()
	t.Width, t.Height = w, h
	if f := familyOf(t.Layout); f != nil {
		t.role = map[string]int{}
		if err := f.check(t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// fixedSize returns the image input's declared W and H (0 when symbolic).
func (s *Signature) fixedSize() (w, h int) {
	for _, in := range s.Inputs {
		if in.Name == s.InputName && len(in.Shape) == 4 {
			hi, wi := 2, 3
			if s.InputLayout == "nhwc" {
				hi, wi = 1, 2
			}
			return int(max(0, in.Shape[wi])), int(max(0, in.Shape[hi]))
		}
	}
	return 0, 0
}

func (s *Signature) fixedDims() string {
	w, h := s.fixedSize()
	switch {
	case w > 0:
		return fmt.Sprintf("width %d", w)
	case h > 0:
		return fmt.Sprintf("height %d", h)
	}
	return "nothing"
}

// AmbiguousError is returned when the outputs fit several layouts and nothing (shapes, names, anchor counts,
// metadata, output values) tells them apart: the caller must say which one with Options.Layout / --layout. Every
// candidate listed is one --layout accepts for this model.
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

// ErrLayout is wrapped by every error that says a model's inputs or outputs do not fit a (requested) layout, and
// by every error that says a run's output values are implausible for the layout.
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

// bad makes the fitError of s's layout.
func (s *Signature) bad(format string, a ...any) error {
	return &fitError{path: s.Path, layout: s.Layout, reason: fmt.Sprintf(format, a...), seen: s.seen()}
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

// GridAnchors is the number of cells of the stride 8, 16 and 32 grids of a w x h input (integer division, as
// YOLOX and Ultralytics build them): 8400 at 640x640. YOLOv8, YOLOv6 and YOLOX output one row per cell, a 3-anchor
// YOLOv5 three.
func GridAnchors(w, h int) int { return gridCells(w, h, yoloStrides, false) }

var (
	yoloStrides   = []int{8, 16, 32}
	yoloStridesP6 = []int{8, 16, 32, 64}
)

// gridCells is the number of cells over the strides' grids: (h/s)*(w/s) with floor or ceil division.
func gridCells(w, h int, strides []int, ceil bool) int {
	n := 0
	for _, s := range strides {
		if ceil {
			n += ((h + s - 1) / s) * ((w + s - 1) / s)
		} else {
			n += (h / s) * (w / s)
		}
	}
	return n
}

// Inspect reads the model's inputs, outputs and metadata with ONNX Runtime (calling Init) and detects its layout,
// or checks that it fits want when want is not LayoutAuto. Auto-detection runs the model once on a zero input
// (at the metadata's imgsz, or 640x640, when the input size is symbolic) and keeps only the layouts whose checks
// its output values pass (see Decode); a requested layout is run only when its parameters need values (or output
// dimensions are unknown). Signature.Probed says whether it ran. Errors name the file; an ambiguous model gives
// an *AmbiguousError.
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
	meta, err := readMetadata(path)
	if err != nil {
		return nil, err
	}
	base := &Signature{Path: path, Inputs: tensorInfos(ins), Outputs: tensorInfos(outs), Metadata: meta,
		role: map[string]int{}}
	if err := base.checkInput(); err != nil {
		return nil, err
	}
	d := &detector{base: base, probe: func(s *Signature) ([]Output, error) { return probeRun(s) }}
	if err := d.fillUnknownDims(); err != nil {
		return nil, err
	}
	return d.detect(want)
}

// DetectLayout checks the inputs and finds the output layout from output count, element types, shapes and names
// alone (no metadata, no output values: Inspect adds those); with want != LayoutAuto it only checks that the
// outputs fit want. The image input may be NCHW or NHWC, float32 or uint8, with a fixed or dynamic batch and
// fixed or symbolic H and W; other inputs must be ones detect feeds itself (AuxInput).
//
// Every layout checks every dimension it can: a grid layout's row count must be its grid count for the input
// size (yolov8, yolov6 and yolox: the cells of the stride 8/16/32 or 8..64 grids; yolov5: three anchors per cell;
// prior layouts: the priors' count), so a naming of the wrong layout is refused rather than decoded.
//
// Auto-detection: every layout whose shapes fit is a candidate; metadata that contradicts one drops it (an
// Ultralytics export names its head: end2end, nms, RT-DETR or the Detect head, and its class count); when several
// remain, their output values on a probe run (Inspect only) drop the ones whose values are implausible for them
// (see Decode); then a unique candidate with evidence (a grid or prior count that matches, names, auxiliary inputs,
// metadata) wins. Otherwise the result is an *AmbiguousError listing the candidates, each one --layout accepts.
func DetectLayout(path string, ins, outs []TensorInfo, want Layout) (*Signature, error) {
	base := &Signature{Path: path, Inputs: ins, Outputs: outs, role: map[string]int{}}
	if err := base.checkInput(); err != nil {
		return nil, err
	}
	return (&detector{base: base}).detect(want)
}
