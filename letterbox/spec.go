// Package letterbox is the preprocessing step of the detparity data path:
//
//	dataset (decoded frame.Image) -> letterbox (Plan, Apply, Geometry) -> detect -> metrics -> parity
//
// A Spec says how a training pipeline turned an image into the model's input
// tensor: stretch or letterbox, target size, rounding of the resized size,
// where the padding goes and its value, the cv::resize interpolation, channel
// order, value scale and mean/std, layout (NCHW or NHWC), element type
// (float32, or uint8 for models exported with embedded preprocessing), the
// image decoder, and how predicted boxes go back to source pixels. Preset
// returns the Spec of a known pipeline and PresetInfos says what each one
// reproduces and the public source and version it was read from. Parse reads
// a spec string such as "sg-coco", "sg-coco:pad=0,decoder=go" or
// "letterbox:size=640,inner=636,anchor=center,pad=114,order=rgb,scale=1/255";
// Spec.String prints one back canonically and Spec.Expand spells it out with
// every parameter (Spec.Params lists them with what each value means).
//
// Spec.Plan fixes a source size and precomputes everything that does not
// depend on pixels (the Geometry, the OpenCV resize tables, the per-channel
// 256-entry value tables), in the spirit of golang.org/x/image/draw.NewScaler.
// Plan.Apply (float32) and Plan.ApplyUint8 then resize, pad, reorder
// channels, normalise and write the tensor in one pass into the caller's
// buffer, without allocating. A Plan is immutable and safe for concurrent
// use; keep one per (source size, Spec) and reuse it. The Workers option
// splits the rows of one image over several goroutines.
//
// Resize is bit-exact with OpenCV 4.6 cv::resize on 8-bit 3-channel images
// for INTER_LINEAR, INTER_NEAREST, INTER_NEAREST_EXACT, INTER_AREA and
// INTER_CUBIC (opencv/opencv 4.6.0, modules/imgproc/src/resize.cpp), which
// is what every Python pipeline calls; the package is pure Go and the tests
// use gocv only as the oracle.
// The interpolation PILLinear (interp=pil-linear) is Pillow's
// Image.resize(..., Image.BILINEAR) instead, bit-exact with Pillow 9.4.0.
//
// Geometry.UnmapBox takes boxes predicted in tensor pixels back to source
// pixels the way the reproduced pipeline does (super-gradients, Ultralytics
// scale_boxes, YOLOX, or per-axis).
package letterbox

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/internal/suggest"
)

// Mode says how the source is fitted into the target.
type Mode int

const (
	// Stretch resizes to exactly the target size with independent x and y
	// ratios (aspect ratio not kept, no padding).
	Stretch Mode = iota
	// Letterbox resizes with one ratio so that the image fits the inner box
	// and pads the rest up to the target size.
	Letterbox
)

// String returns "stretch" or "letterbox".
func (m Mode) String() string {
	switch m {
	case Stretch:
		return "stretch"
	case Letterbox:
		return "letterbox"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Anchor says where the resized image sits inside the padded target.
type Anchor int

const (
	// Center splits the padding in two, the odd pixel going to the bottom or
	// right: top = (H-h')/2 (integer division), bottom = the rest. This is
	// also what Ultralytics' round(dh/2 - 0.1), round(dh/2 + 0.1) gives for
	// every integer padding (dh/2 is a multiple of 0.5; tested).
	Center Anchor = iota
	// TopLeft places the image at (0, 0) and pads bottom and right only.
	TopLeft
	// BottomRight places the image against the bottom-right corner and pads
	// top and left only.
	BottomRight
)

// String returns "center", "top-left" or "bottom-right".
func (a Anchor) String() string {
	switch a {
	case Center:
		return "center"
	case TopLeft:
		return "top-left"
	case BottomRight:
		return "bottom-right"
	}
	return fmt.Sprintf("Anchor(%d)", int(a))
}

// Rounding says how a pipeline turns the real resized size w*r into pixels.
type Rounding int

const (
	// RoundHalfEven is Python's round() and numpy's rint: ties go to the even integer.
	RoundHalfEven Rounding = iota
	// Truncate is Python's int(): the fraction is dropped.
	Truncate
	// Ceil rounds up (math.ceil).
	Ceil
)

// String returns "round", "int" or "ceil" (the Python spelling).
func (r Rounding) String() string {
	switch r {
	case RoundHalfEven:
		return "round"
	case Truncate:
		return "int"
	case Ceil:
		return "ceil"
	}
	return fmt.Sprintf("Rounding(%d)", int(r))
}

// Unmapping says how a pipeline maps predicted boxes from tensor pixels back
// to source pixels.
type Unmapping int

const (
	// SuperGradients subtracts (PadLeft, PadTop) and multiplies by float32(1/r),
	// both in float32 as numpy does on the float32 prediction array, and does
	// not clip (super-gradients processing.py, DetectionCenterPadding and
	// DetectionLongestMaxSizeRescale postprocessing).
	SuperGradients Unmapping = iota
	// PerAxis subtracts (PadLeft, PadTop) and divides x by ScaleX and y by
	// ScaleY in float64, no clipping (stretch, and the exact inverse of a
	// letterbox).
	PerAxis
	// Ultralytics is ultralytics.utils.ops.scale_boxes on a float32 tensor:
	// gain = min(DstH/SrcH, DstW/SrcW), pad = round((Dst - Src*gain)/2 - 0.1)
	// recomputed from the sizes (not the pad actually applied), x' = (x -
	// pad)/gain in float32, then clipped to [0, SrcW] x [0, SrcH].
	Ultralytics
	// YOLOX divides by r only (YOLOX pads bottom-right), in float32 as numpy
	// does on the float32 predictions (demo/ONNXRuntime/onnx_inference.py);
	// no pad subtraction, no clipping.
	YOLOX
)

var unmapNames = [...]string{SuperGradients: "super-gradients", PerAxis: "per-axis", Ultralytics: "ultralytics", YOLOX: "yolox"}

// String returns "super-gradients", "per-axis", "ultralytics" or "yolox".
func (u Unmapping) String() string {
	if u >= 0 && int(u) < len(unmapNames) {
		return unmapNames[u]
	}
	return fmt.Sprintf("Unmapping(%d)", int(u))
}

// Layout is the tensor memory layout.
type Layout int

const (
	// NCHW is planar: tensor[c*H*W + y*W + x] (PyTorch, ONNX default).
	NCHW Layout = iota
	// NHWC is interleaved: tensor[(y*W + x)*3 + c] (TensorFlow, TFLite).
	NHWC
)

// String returns "nchw" or "nhwc".
func (l Layout) String() string {
	switch l {
	case NCHW:
		return "nchw"
	case NHWC:
		return "nhwc"
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

// DType is the element type of the model input.
type DType int

const (
	// Float32 tensors are written by Plan.Apply with the value tables.
	Float32 DType = iota
	// Uint8 tensors hold the resized, padded bytes unchanged and are written
	// by Plan.ApplyUint8: models exported with embedded preprocessing
	// (super-gradients export(preprocessing=True)) take uint8 NCHW.
	Uint8
)

// String returns "float32" or "uint8".
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Uint8:
		return "uint8"
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// Decoder names. The decoder is part of the preprocessing: the same JPEG
// decodes to different pixels with libjpeg (smooth chroma upsampling) and
// Go's image/jpeg (see docs/decoders.md).
const (
	// DecoderOpenCV is cv2.imread (libjpeg, fancy upsampling); the default.
	DecoderOpenCV = "opencv"
	// DecoderGo is Go's image/jpeg, image/png and x/image/bmp.
	DecoderGo = "go"
)

// Spec describes one preprocessing pipeline. Start from Preset or Parse and
// change fields; Parse(s.String()) == s holds for every Spec that Preset,
// Parse or ForInput returns.
type Spec struct {
	// Name identifies the pipeline in reports: the preset name, or for Parse
	// and ForInput results the canonical spec string ("sg-coco:size=416,inner=412").
	Name string
	// Mode is Stretch or Letterbox.
	Mode Mode
	// Size is the side of a square model input, e.g. 640. It is 0 when
	// Width and Height are set.
	Size int
	// Width and Height are a non-square model input (both 0 for square
	// inputs, which use Size). See Dims.
	Width, Height int
	// Inner is, for Letterbox with a square input, the side of the box the
	// image is fitted into (636 for super-gradients COCO weights); 0 means
	// the whole input. Ignored by Stretch.
	Inner int
	// Anchor places the resized image inside the padded target (Letterbox only).
	Anchor Anchor
	// Round turns w*r and h*r into pixels (Letterbox only).
	Round Rounding
	// Stride > 0 is Ultralytics' auto=True: the padding on each axis is
	// reduced modulo Stride (minimal padding to a multiple of 32), so the
	// tensor size depends on the image. 0 pads to the full input size.
	Stride int
	// NoScaleUp is Ultralytics' scaleup=False: r = min(r, 1), small images
	// are padded, never enlarged.
	NoScaleUp bool
	// Interp is the cv::resize interpolation, or Pillow's bilinear resize.
	Interp Interp
	// Pad is the border value of each output channel, in Order (Letterbox only).
	Pad [3]uint8
	// Order is the channel order the model expects; tensor channel 0 is the
	// first channel of Order whatever the order of the source frame.
	Order frame.Order
	// Scale multiplies the 8-bit value. When Scale is exactly 1/N for an
	// integer N the value is v/N (numpy's img / 255.0), otherwise v*Scale.
	Scale float64
	// Mean and Std, per output channel in Order, are applied after Scale:
	// (x - Mean[c]) / Std[c]. Std must be positive: 1 divides by nothing (the
	// presets' value; a zero Std cannot apply and is refused). All of
	// the arithmetic is float64, rounded to float32 once at the end, as numpy
	// does before .astype(np.float32).
	Mean, Std [3]float64
	// Layout is NCHW or NHWC.
	Layout Layout
	// DType is Float32 (Plan.Apply) or Uint8 (Plan.ApplyUint8).
	DType DType
	// Unmap says how boxes go back to source pixels.
	Unmap Unmapping
	// Decoder is the image decoder the pipeline uses: DecoderOpenCV (the
	// default; "" means the same) or DecoderGo.
	Decoder string
}

// Dims returns the model input size (width, height): Width x Height when
// set, else Size x Size. With Stride > 0 it is the largest tensor; the
// Geometry of a Plan gives the actual one.
func (s Spec) Dims() (w, h int) {
	if s.Width > 0 || s.Height > 0 {
		return s.Width, s.Height
	}
	return s.Size, s.Size
}

// inner returns the letterbox inner box (Inner x Inner, or the whole input).
func (s Spec) inner() (w, h int) {
	if s.Inner > 0 {
		return s.Inner, s.Inner
	}
	return s.Dims()
}

// ForInput returns the Spec adapted to a model with a fixed w x h input: the
// target becomes w x h and a letterbox inner margin is kept (sg-coco's 636 in
// 640 becomes 412 in 416). Its Name is the canonical string of the result,
// which names the chosen size ("sg-coco:size=416,inner=412"); the Spec comes
// back unchanged when it already has that size. Non-square inputs are
// supported except with an inner margin; auto padding (Stride > 0) makes
// image-dependent tensor sizes, which a fixed input cannot take: both are
// errors.
func (s Spec) ForInput(w, h int) (Spec, error) {
	if w <= 0 || h <= 0 {
		return Spec{}, fmt.Errorf("letterbox: spec %q: model input %dx%d, expected positive width and height", s.Name, w, h)
	}
	if tw, th := s.Dims(); tw == w && th == h {
		return s, nil
	}
	if s.Stride > 0 {
		return Spec{}, fmt.Errorf("letterbox: spec %q: stride=%d pads each image only to a multiple of %d, but the model has a fixed %dx%d input; use stride=0 (e.g. the ultralytics preset)",
			s.Name, s.Stride, s.Stride, w, h)
	}
	out := s
	if s.Mode == Letterbox && s.Inner > 0 {
		if w != h {
			return Spec{}, fmt.Errorf("letterbox: spec %q: inner=%d keeps a margin inside a square input, but the model input is %dx%d; expected a square input or inner=0",
				s.Name, s.Inner, w, h)
		}
		m := s.Size - s.Inner
		if w-m <= 0 {
			return Spec{}, fmt.Errorf("letterbox: spec %q: model input %dx%d is too small for the %d-px inner margin", s.Name, w, h, m)
		}
		out.Inner = w - m
	}
	if w == h {
		out.Size, out.Width, out.Height = w, 0, 0
	} else {
		out.Size, out.Width, out.Height = 0, w, h
	}
	out.Name = out.String()
	return out, nil
}

// validate checks the fields that do not depend on the source size.
func (s Spec) validate() error {
	w, h := s.Dims()
	if (s.Width > 0 || s.Height > 0) && s.Size != 0 {
		return fmt.Errorf("letterbox: spec %q: size %d and %dx%d both set, expected one of them", s.Name, s.Size, s.Width, s.Height)
	}
	if w <= 0 || h <= 0 {
		return fmt.Errorf("letterbox: spec %q: size %dx%d, expected > 0", s.Name, w, h)
	}
	switch s.Mode {
	case Stretch:
	case Letterbox:
		if s.Inner > 0 && w != h {
			return fmt.Errorf("letterbox: spec %q: inner %d with a non-square %dx%d input, expected inner=0", s.Name, s.Inner, w, h)
		}
		if s.Inner < 0 || s.Inner > w {
			return fmt.Errorf("letterbox: spec %q: inner %d, expected 0..%d (size)", s.Name, s.Inner, w)
		}
		if s.Anchor < Center || s.Anchor > BottomRight {
			return fmt.Errorf("letterbox: spec %q: unknown anchor %d", s.Name, int(s.Anchor))
		}
		if s.Round < RoundHalfEven || s.Round > Ceil {
			return fmt.Errorf("letterbox: spec %q: unknown rounding %d", s.Name, int(s.Round))
		}
		if s.Stride < 0 {
			return fmt.Errorf("letterbox: spec %q: stride %d, expected >= 0", s.Name, s.Stride)
		}
	default:
		return fmt.Errorf("letterbox: spec %q: unknown mode %d, expected stretch or letterbox", s.Name, int(s.Mode))
	}
	if s.Interp < Linear || s.Interp > PILLinear {
		return fmt.Errorf("letterbox: spec %q: unknown interpolation %d", s.Name, int(s.Interp))
	}
	if s.Order != frame.BGR && s.Order != frame.RGB {
		return fmt.Errorf("letterbox: spec %q: unknown channel order %d", s.Name, int(s.Order))
	}
	if s.Unmap < SuperGradients || s.Unmap > YOLOX {
		return fmt.Errorf("letterbox: spec %q: unknown unmapping %d", s.Name, int(s.Unmap))
	}
	if s.Layout != NCHW && s.Layout != NHWC {
		return fmt.Errorf("letterbox: spec %q: unknown layout %d", s.Name, int(s.Layout))
	}
	if s.DType != Float32 && s.DType != Uint8 {
		return fmt.Errorf("letterbox: spec %q: unknown dtype %d", s.Name, int(s.DType))
	}
	if s.Scale == 0 || math.IsNaN(s.Scale) || math.IsInf(s.Scale, 0) {
		return fmt.Errorf("letterbox: spec %q: scale %v, expected a finite non-zero multiplier (1/255 or 1)", s.Name, s.Scale)
	}
	for c := 0; c < 3; c++ {
		if math.IsNaN(s.Mean[c]) || math.IsInf(s.Mean[c], 0) {
			return fmt.Errorf("letterbox: spec %q: mean %v, expected finite values", s.Name, s.Mean)
		}
		if !(s.Std[c] > 0) || math.IsInf(s.Std[c], 0) {
			return fmt.Errorf("letterbox: spec %q: std %v, expected finite values > 0 (1: no division)", s.Name, s.Std)
		}
	}
	if s.Decoder != "" && s.Decoder != DecoderOpenCV && s.Decoder != DecoderGo {
		return fmt.Errorf("letterbox: spec %q: decoder %q, expected opencv or go", s.Name, s.Decoder)
	}
	return nil
}

// DecoderName returns the decoder the pipeline uses: Decoder, or
// DecoderOpenCV when it is empty.
func (s Spec) DecoderName() string {
	if s.Decoder == "" {
		return DecoderOpenCV
	}
	return s.Decoder
}

// specKey is one key of the spec string: how to print it and how to set it.
type specKey struct {
	name   string
	values string // the accepted values, for error messages
	get    func(s Spec) string
	set    func(s *Spec, v string) error
}

var errBadValue = fmt.Errorf("bad value")

func enumKey[T ~int](name string, field func(*Spec) *T, names map[string]T) specKey {
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return names[keys[i]] < names[keys[j]] })
	return specKey{
		name:   name,
		values: strings.Join(keys, ", "),
		get: func(s Spec) string {
			v := *field(&s)
			for k, x := range names {
				if x == v {
					return k
				}
			}
			return strconv.Itoa(int(v))
		},
		set: func(s *Spec, v string) error {
			x, ok := names[v]
			if !ok {
				return errBadValue
			}
			*field(s) = x
			return nil
		},
	}
}

func intKey(name, values string, field func(*Spec) *int, lo int) specKey {
	return specKey{
		name: name, values: values,
		get: func(s Spec) string { return strconv.Itoa(*field(&s)) },
		set: func(s *Spec, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > 1<<16 {
				return errBadValue
			}
			*field(s) = n
			return nil
		},
	}
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func parseFloat(v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errBadValue
	}
	return f, nil
}

// triple prints three per-channel values as "a" when equal, else "a/b/c".
func triple[T any](v [3]T, f func(T) string) string {
	a, b, c := f(v[0]), f(v[1]), f(v[2])
	if a == b && b == c {
		return a
	}
	return a + "/" + b + "/" + c
}

func parseTriple[T any](v string, p func(string) (T, error)) ([3]T, error) {
	var out [3]T
	parts := strings.Split(v, "/")
	if len(parts) != 1 && len(parts) != 3 {
		return out, errBadValue
	}
	for i := 0; i < 3; i++ {
		x, err := p(parts[min(i, len(parts)-1)])
		if err != nil {
			return out, err
		}
		out[i] = x
	}
	return out, nil
}

// keys lists the spec-string keys in canonical order.
var keys = []specKey{
	enumKey("mode", func(s *Spec) *Mode { return &s.Mode }, map[string]Mode{"stretch": Stretch, "letterbox": Letterbox}),
	{
		name: "size", values: "N or WxH (e.g. 640, 416, 640x384)",
		get: func(s Spec) string {
			if s.Width > 0 || s.Height > 0 {
				return strconv.Itoa(s.Width) + "x" + strconv.Itoa(s.Height)
			}
			return strconv.Itoa(s.Size)
		},
		set: func(s *Spec, v string) error {
			if w, h, ok := strings.Cut(v, "x"); ok {
				wi, err1 := strconv.Atoi(w)
				hi, err2 := strconv.Atoi(h)
				if err1 != nil || err2 != nil || wi <= 0 || hi <= 0 || wi > 1<<16 || hi > 1<<16 {
					return errBadValue
				}
				s.Size, s.Width, s.Height = 0, wi, hi
				return nil
			}
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 || n > 1<<16 {
				return errBadValue
			}
			s.Size, s.Width, s.Height = n, 0, 0
			return nil
		},
	},
	intKey("inner", "0 (the whole input) or the inner side, e.g. 636", func(s *Spec) *int { return &s.Inner }, 0),
	enumKey("anchor", func(s *Spec) *Anchor { return &s.Anchor }, map[string]Anchor{"center": Center, "top-left": TopLeft, "bottom-right": BottomRight}),
	enumKey("round", func(s *Spec) *Rounding { return &s.Round }, map[string]Rounding{"round": RoundHalfEven, "int": Truncate, "ceil": Ceil}),
	intKey("stride", "0 (pad to the full size) or the auto-padding stride, e.g. 32", func(s *Spec) *int { return &s.Stride }, 0),
	{
		name: "scaleup", values: "true, false",
		get: func(s Spec) string { return strconv.FormatBool(!s.NoScaleUp) },
		set: func(s *Spec, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil || (v != "true" && v != "false") {
				return errBadValue
			}
			s.NoScaleUp = !b
			return nil
		},
	},
	enumKey("interp", func(s *Spec) *Interp { return &s.Interp }, map[string]Interp{
		"linear": Linear, "nearest": Nearest, "nearest-exact": NearestExact, "area": Area, "cubic": Cubic, "pil-linear": PILLinear}),
	{
		name: "pad", values: "0..255, or three values a/b/c in the model's channel order",
		get: func(s Spec) string { return triple(s.Pad, func(v uint8) string { return strconv.Itoa(int(v)) }) },
		set: func(s *Spec, v string) error {
			p, err := parseTriple(v, func(x string) (uint8, error) {
				n, err := strconv.Atoi(x)
				if err != nil || n < 0 || n > 255 {
					return 0, errBadValue
				}
				return uint8(n), nil
			})
			if err != nil {
				return err
			}
			s.Pad = p
			return nil
		},
	},
	enumKey("order", func(s *Spec) *frame.Order { return &s.Order }, map[string]frame.Order{"bgr": frame.BGR, "rgb": frame.RGB}),
	{
		name: "scale", values: "a number (1, 0.5) or 1/N (1/255)",
		get: func(s Spec) string {
			if s.Scale > 0 && s.Scale < 1 {
				n := math.Round(1 / s.Scale)
				if n < 1<<31 && 1/n == s.Scale {
					return "1/" + strconv.Itoa(int(n))
				}
			}
			return fmtFloat(s.Scale)
		},
		set: func(s *Spec, v string) error {
			if num, den, ok := strings.Cut(v, "/"); ok {
				n, err := strconv.Atoi(den)
				if num != "1" || err != nil || n <= 0 {
					return errBadValue
				}
				s.Scale = 1 / float64(n)
				return nil
			}
			f, err := parseFloat(v)
			if err != nil || f == 0 {
				return errBadValue
			}
			s.Scale = f
			return nil
		},
	},
	{
		name: "mean", values: "a number or three values a/b/c (e.g. 0.485/0.456/0.406)",
		get: func(s Spec) string { return triple(s.Mean, fmtFloat) },
		set: func(s *Spec, v string) error {
			m, err := parseTriple(v, parseFloat)
			s.Mean = m
			return err
		},
	},
	{
		name: "std", values: "a number > 0 or three such values a/b/c (1 = no division)",
		get: func(s Spec) string { return triple(s.Std, fmtFloat) },
		set: func(s *Spec, v string) error {
			m, err := parseTriple(v, parseFloat)
			for _, x := range m {
				if err == nil && !(x > 0) {
					err = errBadValue // a division by 0 cannot apply
				}
			}
			s.Std = m
			return err
		},
	},
	enumKey("layout", func(s *Spec) *Layout { return &s.Layout }, map[string]Layout{"nchw": NCHW, "nhwc": NHWC}),
	enumKey("dtype", func(s *Spec) *DType { return &s.DType }, map[string]DType{"float32": Float32, "uint8": Uint8}),
	enumKey("unmap", func(s *Spec) *Unmapping { return &s.Unmap }, map[string]Unmapping{
		"super-gradients": SuperGradients, "per-axis": PerAxis, "ultralytics": Ultralytics, "yolox": YOLOX}),
	{
		name: "decoder", values: "opencv, go",
		get: func(s Spec) string { return s.DecoderName() },
		set: func(s *Spec, v string) error {
			if v != DecoderOpenCV && v != DecoderGo {
				return errBadValue
			}
			s.Decoder = v
			return nil
		},
	},
}

func keyNames() string {
	n := make([]string, len(keys))
	for i, k := range keys {
		n[i] = k.name
	}
	return strings.Join(n, ", ")
}

// base returns the preset a spec's string starts from: the preset its Name
// starts with, else "letterbox" or "stretch" by Mode.
func (s Spec) base() (string, Spec) {
	name, _, _ := strings.Cut(s.Name, ":")
	if n := PresetName(name); n != "" {
		return n, presets[n]
	}
	if s.Mode == Stretch {
		return "stretch", presets["stretch"]
	}
	return "letterbox", presets["letterbox"]
}

// String prints the spec canonically: its base preset (the one its Name
// starts with, else "letterbox" or "stretch"), then ":" and the keys whose
// value differs from the base, in a fixed order, e.g. "sg-coco:pad=0" or
// "letterbox:size=416,order=bgr". Parse reads it back.
func (s Spec) String() string {
	bn, b := s.base()
	var parts []string
	for _, k := range keys {
		if v := k.get(s); v != k.get(b) {
			parts = append(parts, k.name+"="+v)
		}
	}
	if len(parts) == 0 {
		return bn
	}
	return bn + ":" + strings.Join(parts, ",")
}

// Parse reads a spec string: a preset name (see Presets) or former name
// ("seed-center", read as "center-int-pad0"), optionally
// followed by ":" and comma-separated key=value overrides. The free form is
// the "letterbox" (or "stretch") preset with overrides, e.g.
// "letterbox:size=640,inner=636,anchor=center,pad=114,order=rgb,scale=1/255".
// Keys: mode, size (N or WxH), inner, anchor (center, top-left,
// bottom-right), round (round, int, ceil), stride, scaleup, interp (linear,
// nearest, nearest-exact, area, cubic, pil-linear), pad (v or a/b/c), order (rgb, bgr),
// scale (x or 1/N), mean, std (v or a/b/c), layout (nchw, nhwc), dtype
// (float32, uint8), unmap (super-gradients, per-axis, ultralytics, yolox),
// decoder (opencv, go). Errors name the key and value and list what is
// accepted. The result's Name is its canonical String.
func Parse(str string) (Spec, error) {
	name, rest, hasRest := strings.Cut(strings.TrimSpace(str), ":")
	s, ok := presets[name]
	if !ok {
		return Spec{}, fmt.Errorf("letterbox: spec %q: unknown preset %q, expected one of: %s (then optionally :key=value,...)%s",
			str, name, strings.Join(Presets(), ", "), suggest.DidYouMean(name, "", presetAndAliasNames()))
	}
	if hasRest {
		if rest == "" {
			return Spec{}, fmt.Errorf("letterbox: spec %q: nothing after ':', expected key=value pairs (keys: %s)", str, keyNames())
		}
		seen := map[string]bool{}
		for _, kv := range strings.Split(rest, ",") {
			k, v, ok := strings.Cut(kv, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok || k == "" {
				return Spec{}, fmt.Errorf("letterbox: spec %q: %q is not key=value (keys: %s)", str, kv, keyNames())
			}
			var key *specKey
			for i := range keys {
				if keys[i].name == k {
					key = &keys[i]
				}
			}
			if key == nil {
				names := make([]string, len(keys))
				for i := range keys {
					names[i] = keys[i].name
				}
				return Spec{}, fmt.Errorf("letterbox: spec %q: unknown key %q, expected one of: %s%s", str, k, keyNames(), suggest.DidYouMean(k, "", names))
			}
			if seen[k] {
				return Spec{}, fmt.Errorf("letterbox: spec %q: key %q given twice", str, k)
			}
			seen[k] = true
			if err := key.set(&s, v); err != nil {
				return Spec{}, fmt.Errorf("letterbox: spec %q: %s=%q, expected %s", str, k, v, key.values)
			}
		}
	}
	s.Name = str
	if err := s.validate(); err != nil {
		return Spec{}, err
	}
	s.Name = PresetName(name)
	s.Name = s.String()
	return s, nil
}

// Value returns the spec-string value of one key of s (Value("pad") of sg-coco
// is "114"), "" for an unknown key.
func (s Spec) Value(key string) string {
	for _, k := range keys {
		if k.name == key {
			return k.get(s)
		}
	}
	return ""
}

// DiffKeys lists the spec-string keys whose values differ between a and b, in
// canonical order (e.g. [inner pad] for sg-coco and sg-coco:inner=640,pad=0).
func DiffKeys(a, b Spec) []string {
	var out []string
	for _, k := range keys {
		if k.get(a) != k.get(b) {
			out = append(out, k.name)
		}
	}
	return out
}
