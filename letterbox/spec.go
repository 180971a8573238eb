// Package letterbox is the preprocessing step of the detparity data path:
//
//	dataset (decoded frame.Image) -> letterbox (Plan, Apply, Geometry) -> detect -> metrics -> parity
//
// A Spec says how a training pipeline turned an image into the model's input
// tensor: stretch or letterbox, target size, rounding of the resized size,
// where the padding goes and its value, channel order and value scale, and how
// predicted boxes go back to source pixels. Preset returns the Specs of known
// pipelines (see SPEC.md §1).
//
// Spec.Plan fixes a source size and precomputes everything that does not
// depend on pixels (the Geometry, the OpenCV INTER_LINEAR offset and weight
// tables, the 256-entry value table), in the spirit of
// golang.org/x/image/draw.NewScaler. Plan.Apply then resizes, pads, reorders
// channels, normalises and writes NCHW float32 in one pass into the caller's
// buffer, without allocating. A Plan is immutable and safe for concurrent
// Apply calls; keep one per (source size, Spec) and reuse it.
//
// Resize is bit-exact with OpenCV 4.6 cv::resize(INTER_LINEAR) on 8-bit,
// 3-channel images (SPEC.md §2), which is what every Python pipeline calls;
// the package is pure Go and the tests use gocv only as the oracle.
//
// Geometry.UnmapBox takes boxes predicted in tensor pixels back to source
// pixels the way the pipeline itself does (for super-gradients: subtract the
// pad, multiply by float32(1/r), no clipping).
package letterbox

import (
	"fmt"
	"sort"
	"strings"

	"github.com/detparity/detparity/frame"
)

// Mode says how the source is fitted into the target.
type Mode int

const (
	// Stretch resizes to exactly Size x Size with independent x and y ratios
	// (aspect ratio not kept, no padding).
	Stretch Mode = iota
	// Letterbox resizes with one ratio so that the longest side becomes Inner
	// and pads the rest up to Size x Size.
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
	// right: top = (Size-h')/2 (integer division), bottom = the rest.
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
	// PerAxis divides x by ScaleX and y by ScaleY in float64 (stretch).
	PerAxis
)

// String returns "super-gradients" or "per-axis".
func (u Unmapping) String() string {
	switch u {
	case SuperGradients:
		return "super-gradients"
	case PerAxis:
		return "per-axis"
	}
	return fmt.Sprintf("Unmapping(%d)", int(u))
}

// Spec describes one preprocessing pipeline. The zero value is not useful;
// start from Preset and change fields.
type Spec struct {
	// Name identifies the pipeline in reports ("sg-coco").
	Name string
	// Mode is Stretch or Letterbox.
	Mode Mode
	// Size is the side of the square model input, e.g. 640.
	Size int
	// Inner is, for Letterbox, the length the longest side is resized to
	// (636 for super-gradients COCO weights); 0 means Size. Ignored by Stretch.
	Inner int
	// Anchor places the resized image inside the padded target (Letterbox only).
	Anchor Anchor
	// Round turns w*r and h*r into pixels (Letterbox only).
	Round Rounding
	// Pad is the border value of each output channel, in Order (Letterbox only).
	Pad [3]uint8
	// Order is the channel order the model expects; tensor channel 0 is the
	// first channel of Order whatever the order of the source frame.
	Order frame.Order
	// Scale multiplies the 8-bit value: tensor value = float32(float64(v)*Scale).
	// 1/255.0 reproduces numpy's (img / 255.0).astype(float32) for all 256
	// values (checked by a test); 1 keeps 0..255.
	Scale float64
	// Unmap says how boxes go back to source pixels.
	Unmap Unmapping
}

// presets maps a preset name to its Spec. Add new pipelines here.
var presets = map[string]Spec{
	// The seed's bug: cv2.resize straight to 640x640 (super-gradients #1952).
	"stretch": {
		Name:  "stretch",
		Mode:  Stretch,
		Size:  640,
		Order: frame.RGB,
		Scale: 1 / 255.0,
		Unmap: PerAxis,
	},
	// super-gradients YOLO-NAS predict() with default_yolo_nas_coco_processing_params:
	// DetectionLongestMaxSizeRescale(636) with round(), DetectionCenterPadding(640, 114),
	// StandardizeImage(255), ImagePermute; RGB.
	"sg-coco": {
		Name:   "sg-coco",
		Mode:   Letterbox,
		Size:   640,
		Inner:  636,
		Anchor: Center,
		Round:  RoundHalfEven,
		Pad:    [3]uint8{114, 114, 114},
		Order:  frame.RGB,
		Scale:  1 / 255.0,
		Unmap:  SuperGradients,
	},
}

// Presets returns the known preset names, sorted.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Preset returns the Spec of a known pipeline by name ("stretch", "sg-coco").
// An unknown name is an error that lists the known ones.
func Preset(name string) (Spec, error) {
	s, ok := presets[name]
	if !ok {
		return Spec{}, fmt.Errorf("letterbox: unknown preset %q, expected one of: %s", name, strings.Join(Presets(), ", "))
	}
	return s, nil
}

// inner returns the letterbox inner side (Inner, or Size when Inner is 0).
func (s Spec) inner() int {
	if s.Inner == 0 {
		return s.Size
	}
	return s.Inner
}

// validate checks the fields that do not depend on the source size.
func (s Spec) validate() error {
	if s.Size <= 0 {
		return fmt.Errorf("letterbox: spec %q: size %d, expected > 0", s.Name, s.Size)
	}
	switch s.Mode {
	case Stretch:
	case Letterbox:
		if s.Inner < 0 || s.Inner > s.Size {
			return fmt.Errorf("letterbox: spec %q: inner %d, expected 0..%d (size)", s.Name, s.Inner, s.Size)
		}
		if s.Anchor < Center || s.Anchor > BottomRight {
			return fmt.Errorf("letterbox: spec %q: unknown anchor %d", s.Name, int(s.Anchor))
		}
		if s.Round < RoundHalfEven || s.Round > Ceil {
			return fmt.Errorf("letterbox: spec %q: unknown rounding %d", s.Name, int(s.Round))
		}
	default:
		return fmt.Errorf("letterbox: spec %q: unknown mode %d, expected stretch or letterbox", s.Name, int(s.Mode))
	}
	if s.Order != frame.BGR && s.Order != frame.RGB {
		return fmt.Errorf("letterbox: spec %q: unknown channel order %d", s.Name, int(s.Order))
	}
	if s.Unmap < SuperGradients || s.Unmap > PerAxis {
		return fmt.Errorf("letterbox: spec %q: unknown unmapping %d", s.Name, int(s.Unmap))
	}
	if s.Scale == 0 {
		return fmt.Errorf("letterbox: spec %q: scale 0, expected a non-zero multiplier (1/255.0 or 1)", s.Name)
	}
	return nil
}
