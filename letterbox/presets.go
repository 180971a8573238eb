package letterbox

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/internal/suggest"
)

// PresetInfo describes one preset: its Spec, what it reproduces in words and
// the public source (repository, version, file and function) it was read from.
type PresetInfo struct {
	// Name is the preset's name as Parse and Preset take it ("sg-coco").
	Name string
	// Aliases are former names Parse and Preset still accept; the Spec they
	// return carries Name.
	Aliases []string
	// Spec is the preset's Spec (Spec.Name == Name).
	Spec Spec
	// Description says in a sentence or two which pipeline this is and what
	// sets it apart.
	Description string
	// Source names the code the preset reproduces: repository, version and
	// file, or where the pipeline is known from when no framework has it.
	Source string
}

var pad114 = [3]uint8{114, 114, 114}

// noDivision is the Std of a pipeline that does not divide: x / 1.
var noDivision = [3]float64{1, 1, 1}

// presetInfos is every preset, generic ones first, then by framework. Add new
// pipelines here, with the public source and version they reproduce.
var presetInfos = []PresetInfo{
	{
		Name: "letterbox",
		Spec: Spec{Mode: Letterbox, Size: 640, Anchor: Center, Round: RoundHalfEven,
			Pad: pad114, Order: frame.RGB, Scale: 1 / 255.0, Unmap: PerAxis, Std: noDivision, Decoder: DecoderOpenCV},
		Description: "Generic centred letterbox, the base of free specs (letterbox:key=value,...): " +
			"longest side to the input size with round(), centred, pad 114, RGB, /255; boxes mapped back by the exact inverse.",
		Source: "no framework: a neutral base for free specs (Ultralytics LetterBox's geometry, boxes mapped back exactly)",
	},
	{
		Name: "stretch",
		Spec: Spec{Mode: Stretch, Size: 640, Order: frame.RGB, Scale: 1 / 255.0,
			Unmap: PerAxis, Std: noDivision, Decoder: DecoderOpenCV},
		Description: "cv2.resize straight to the input size, aspect ratio not kept, no padding, RGB, /255: " +
			"what a hand-written ONNX runner often does, and what no letterbox-trained detector expects.",
		Source: "hand-written runners; the failure reported in Deci-AI/super-gradients issue #1952 " +
			"(YOLO-NAS fed cv2.resize(img, (640, 640)): F1 0.9 under predict() fell to about 0.05)",
	},
	{
		Name:    "center-int-pad0",
		Aliases: []string{"seed-center"},
		Spec: Spec{Mode: Letterbox, Size: 640, Anchor: Center, Round: Truncate,
			Order: frame.RGB, Scale: 1 / 255.0, Unmap: PerAxis, Std: noDivision, Decoder: DecoderOpenCV},
		Description: "Centred letterbox with int() sizes and pad 0, RGB, /255: the hand-written fix first proposed for stretch. " +
			"Close to super-gradients' COCO pipeline but not it (636 vs 640 inner size, pad 0 vs 114, int() vs round()).",
		Source: "hand-written fix discussed for Deci-AI/super-gradients issue #1952; no framework trains with it",
	},
	{
		Name: "sg-coco",
		Spec: Spec{Mode: Letterbox, Size: 640, Inner: 636, Anchor: Center, Round: RoundHalfEven,
			Pad: pad114, Order: frame.RGB, Scale: 1 / 255.0, Unmap: SuperGradients, Std: noDivision, Decoder: DecoderOpenCV},
		Description: "super-gradients YOLO-NAS predict() for the COCO weights: longest side to 636 with round(), " +
			"centred in 640x640 with pad 114, channels as given (RGB), /255; boxes minus the pad times float32(1/r), not clipped.",
		Source: "Deci-AI/super-gradients 3.7.1, src/super_gradients/training/processing/processing.py: " +
			"default_yolo_nas_coco_processing_params (DetectionLongestMaxSizeRescale(636), DetectionCenterPadding(640, 114), " +
			"StandardizeImage(255), ImagePermute)",
	},
	{
		Name: "sg-custom",
		Spec: Spec{Mode: Letterbox, Size: 640, Anchor: TopLeft, Round: RoundHalfEven,
			Pad: pad114, Order: frame.BGR, Scale: 1, Unmap: SuperGradients, Std: noDivision, Decoder: DecoderOpenCV},
		Description: "super-gradients predict() of a model trained on coco_detection_yolo_format_* datasets: longest side to 640 with round(), " +
			"image top-left and pad 114 bottom/right, BGR (as cv2 loads it), 0..255 not divided.",
		Source: "Deci-AI/super-gradients 3.7.1, src/super_gradients/training/datasets/detection_datasets/detection_dataset.py: " +
			"get_dataset_preprocessing_params (ReverseImageChannels, DetectionLongestMaxSizeRescale) with " +
			"src/super_gradients/training/transforms/transforms.py: DetectionPaddedRescale.get_equivalent_preprocessing " +
			"(DetectionBottomRightPadding(114))",
	},
	{
		Name: "sg-custom-train",
		Spec: Spec{Mode: Letterbox, Size: 640, Anchor: TopLeft, Round: Truncate,
			Pad: pad114, Order: frame.BGR, Scale: 1, Unmap: SuperGradients, Std: noDivision, Decoder: DecoderOpenCV},
		Description: "The same model's train/val transform: as sg-custom but int() sizes, so a side can be 1 px " +
			"shorter than under predict().",
		Source: "Deci-AI/super-gradients 3.7.1, src/super_gradients/training/transforms/utils.py: _rescale_and_pad_to_size " +
			"(used by DetectionPaddedRescale)",
	},
	{
		Name: "ultralytics",
		Spec: Spec{Mode: Letterbox, Size: 640, Anchor: Center, Round: RoundHalfEven,
			Pad: pad114, Order: frame.RGB, Scale: 1 / 255.0, Unmap: Ultralytics, Std: noDivision, Decoder: DecoderOpenCV},
		Description: "Ultralytics LetterBox(auto=False), what a fixed-size ONNX export is fed: round() sizes, " +
			"centred (top = round(dh/2 - 0.1)), pad 114, RGB, /255; boxes by scale_boxes (pad recomputed, clipped).",
		Source: "ultralytics/ultralytics 8.3 (commit 359f87dc), ultralytics/data/augment.py: LetterBox; " +
			"ultralytics/utils/ops.py: scale_boxes",
	},
	{
		Name: "ultralytics-auto",
		Spec: Spec{Mode: Letterbox, Size: 640, Anchor: Center, Round: RoundHalfEven,
			Stride: 32, Pad: pad114, Order: frame.RGB, Scale: 1 / 255.0, Unmap: Ultralytics, Std: noDivision, Decoder: DecoderOpenCV},
		Description: "Ultralytics LetterBox(auto=True, stride=32), what predict() does with a .pt model or a dynamic export: " +
			"as ultralytics, but padded only to a multiple of 32, so the tensor size depends on the image.",
		Source: "ultralytics/ultralytics 8.3 (commit 359f87dc), ultralytics/data/augment.py: LetterBox(auto=True)",
	},
	{
		Name: "yolox",
		Spec: Spec{Mode: Letterbox, Size: 640, Anchor: TopLeft, Round: Truncate,
			Pad: pad114, Order: frame.BGR, Scale: 1, Unmap: YOLOX, Std: noDivision, Decoder: DecoderOpenCV},
		Description: "YOLOX >= 0.2.0 preproc: int() sizes, image top-left, pad 114, BGR as loaded, 0..255 not divided; " +
			"boxes divided by r.",
		Source: "Megvii-BaseDetection/YOLOX 0.3.0, yolox/data/data_augment.py: preproc; demo/ONNXRuntime/onnx_inference.py",
	},
	{
		Name: "yolox-legacy",
		Spec: Spec{Mode: Letterbox, Size: 640, Anchor: TopLeft, Round: Truncate,
			Pad: pad114, Order: frame.RGB, Scale: 1 / 255.0,
			Mean: [3]float64{0.485, 0.456, 0.406}, Std: [3]float64{0.229, 0.224, 0.225},
			Unmap: YOLOX, Decoder: DecoderOpenCV},
		Description: "YOLOX < 0.2.0 weights: as yolox, then BGR to RGB, /255 and ImageNet mean/std, all in float64.",
		Source: "Megvii-BaseDetection/YOLOX 0.3.0, yolox/data/data_augment.py: ValTransform(legacy=True), " +
			"which reproduces preproc(image, input_size, mean, std) of YOLOX 0.1.1rc0 (same file)",
	},
}

// presets maps every preset name and alias to its Spec (Name set);
// presetAlias maps an alias to its name.
var presets, presetAlias = func() (map[string]Spec, map[string]string) {
	m, alias := map[string]Spec{}, map[string]string{}
	for i := range presetInfos {
		p := &presetInfos[i]
		p.Spec.Name = p.Name
		m[p.Name] = p.Spec
		for _, a := range p.Aliases {
			m[a] = p.Spec
			alias[a] = p.Name
		}
	}
	return m, alias
}()

// PresetInfos returns every preset with its description and source, generic
// presets first, then by framework (a copy: changing it changes nothing here).
func PresetInfos() []PresetInfo {
	out := slices.Clone(presetInfos)
	for i := range out {
		out[i].Aliases = slices.Clone(out[i].Aliases)
	}
	return out
}

// Presets returns the preset names, sorted (aliases left out).
func Presets() []string {
	names := make([]string, 0, len(presetInfos))
	for _, p := range presetInfos {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

// PresetName returns the preset name that name stands for: name itself for a
// preset, the new name for an alias ("seed-center" → "center-int-pad0"), ""
// for an unknown name.
func PresetName(name string) string {
	if n, ok := presetAlias[name]; ok {
		return n
	}
	if _, ok := presets[name]; ok {
		return name
	}
	return ""
}

// Preset returns the Spec of a known pipeline by name ("stretch", "sg-coco",
// ...; see Presets) or former name ("seed-center"); the Spec's Name is the
// preset's current name. An unknown name is an error that lists the known ones.
func Preset(name string) (Spec, error) {
	s, ok := presets[name]
	if !ok {
		return Spec{}, fmt.Errorf("letterbox: unknown preset %q, expected one of: %s%s", name, strings.Join(Presets(), ", "),
			suggest.DidYouMean(name, "", presetAndAliasNames()))
	}
	return s, nil
}

// presetAndAliasNames are the names Preset accepts: the presets and their
// former names.
func presetAndAliasNames() []string {
	out := make([]string, 0, len(presets))
	for n := range presets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
