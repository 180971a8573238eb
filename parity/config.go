package parity

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/detect"
)

// Auto is the value of Settings.Loaders or Settings.Threads that lets the run
// choose the count from the machine's cores (see Settings). It is the only
// non-positive count accepted: zero means zero, and zero loaders or threads
// cannot run.
const Auto = -1

// Settings are the evaluation settings every consumer of the engine shares —
// Run, Diagnose, CompareBackends and paritytest — with one set of defaults:
// start from DefaultSettings (or DefaultConfig) and change fields. Zero means
// zero: Conf 0 counts every detection scoring above 0, Floor 0 keeps every
// detection the model outputs; a value that cannot be meant (NaN, ±Inf, out of
// range) is refused with the setting's flag name.
type Settings struct {
	// Conf is the confidence threshold of the thresholded metrics: a detection
	// counts when its score is > Conf (super-gradients and Ultralytics keep
	// score > conf). 0 <= Conf < 1. Flag --conf.
	Conf float64
	// MatchIoU is the IoU a detection needs with a same-class ground truth to be
	// a TP. 0 < MatchIoU <= 1. Flag --iou.
	MatchIoU float64
	// NMSIoU is the class-aware NMS IoU (torchvision batched_nms semantics): a
	// box is suppressed when its IoU with a kept box is > NMSIoU. 0 < NMSIoU <= 1.
	// Flag --nms-iou.
	NMSIoU float64
	// Floor is the lowest score kept from the model (score > Floor), so that
	// confidence distributions and AP see what lies below Conf. Matching at Conf
	// is unaffected: NMS keeps the same boxes above Conf whatever lower-scored
	// boxes exist. 0 <= Floor <= Conf. Flag --floor.
	Floor float64
	// Bins is the number of fixed histogram bins on [0,1] (>= 1). Flag --bins.
	Bins int
	// ReferenceFloor is the score floor the reference predictions were dumped
	// with (Config.Reference): only detections scoring above it, on both sides,
	// are compared. 0 <= ReferenceFloor < 1, and with a reference Floor <=
	// ReferenceFloor. Flag --reference-floor.
	ReferenceFloor float64
	// ReferenceIDs says how the reference's image ids name the dataset's
	// images: IDsPosition, IDsStem, IDsCOCO, or IDsAuto (also when empty): the
	// one scheme under which every id resolves. Flag --reference-ids.
	ReferenceIDs string
	// ReferenceCategories says how the reference's category ids name the
	// classes: CategoriesIndex, CategoriesIndex1, CategoriesCOCO91,
	// CategoriesDataset, or CategoriesAuto (also when empty). Flag
	// --reference-categories.
	ReferenceCategories string
	// Workers is the number of images run through the model at once, each worker
	// with its own runtime session (>= 1). Results do not depend on it. Flag --workers.
	Workers int
	// Loaders is the number of goroutines that decode and preprocess images ahead
	// of the workers (>= 1, or Auto: one more than Workers, so that the next image
	// is ready while a loader is busy with the one after). Results do not depend
	// on it. Flag --loaders.
	Loaders int
	// Threads is the runtime's intra-op thread count per session (>= 1, or Auto:
	// the cores the loaders leave, shared equally between the workers, at least
	// 1). Flag --threads.
	Threads int
	// Layout is the model's output layout (detect.ParseLayout): "auto" (or "")
	// detects it from the outputs and metadata. Flag --layout.
	Layout string
	// Classes, when set, evaluates a subset of the model's classes: for each
	// class of the label set, in order, the model class it is — an index, or a
	// name from the model's metadata (an 80-class COCO model on person-only
	// labels: ["person"] or ["0"]). The model's other classes are dropped.
	// Empty: the model must score exactly the label set's classes. Flag --classes.
	Classes []string
	// SingleLabel keeps at most the best class per candidate box (YOLOX's and
	// FastestDet's demos, Ultralytics' multi_label=False); otherwise every class
	// above the floor is a candidate (super-gradients' predict(), detparity's
	// default). Flag --single-label.
	SingleLabel bool
	// ClassAgnostic runs one NMS over every class (torchvision.ops.nms, YOLOX's
	// class_agnostic=True) instead of one per class (batched_nms). Flag
	// --nms-agnostic.
	ClassAgnostic bool
	// StrictLabels makes an image without a label file a failure; otherwise it
	// is a background image (no objects), counted in the dataset's warnings, as
	// Ultralytics counts it. Flag --strict-labels.
	StrictLabels bool
	// Limit > 0 uses at most Limit images of the dataset, evenly spaced over
	// its sorted list (image k of Limit is the one at position k·n/Limit of n),
	// each keeping its position in the whole dataset as its id, so predictions
	// and references of the whole set still apply; 0 uses every image. A limited
	// run cannot be sharded. Flag --limit.
	Limit int
}

// dataOptions are the dataset options the settings ask for.
func (s Settings) dataOptions() dataset.Options {
	o := dataset.DefaultOptions()
	o.StrictLabels = s.StrictLabels
	return o
}

// DefaultSettings returns the defaults: conf 0.5, match IoU 0.5, NMS IoU 0.7
// (the super-gradients COCO default), floor 0.01, 20 bins, reference floor 0.05
// (the default of scripts/dump_reference.py), reference ids and categories
// auto, 1 worker, loaders and threads Auto, layout auto, every image.
func DefaultSettings() Settings {
	return Settings{Conf: 0.5, MatchIoU: 0.5, NMSIoU: 0.7, Floor: 0.01, Bins: 20, ReferenceFloor: DefaultReferenceFloor,
		ReferenceIDs: IDsAuto, ReferenceCategories: CategoriesAuto, Workers: 1, Loaders: Auto, Threads: Auto, Layout: "auto"}
}

// MaxBins and MaxParallel are the largest Settings.Bins and Workers, Loaders,
// Threads Validate accepts: more bins than scores have distinct float32 values
// in any real run, more goroutines or ONNX Runtime threads than any machine
// runs at once.
const (
	MaxBins     = 100000
	MaxParallel = 1024
)

// DefaultReferenceFloor is the default Settings.ReferenceFloor.
const DefaultReferenceFloor = 0.05

// Validate refuses settings that cannot be meant, naming the setting by its
// flag: NaN, ±Inf and out-of-range values, and counts below 1 (but Auto).
func (s Settings) Validate() error {
	return s.validate(false)
}

// validate is Validate; withReference adds that the run's own floor keeps every
// detection the reference comparison needs.
func (s Settings) validate(withReference bool) error {
	var errs []error
	num := func(flag string, v float64, ok bool, want string) {
		if math.IsNaN(v) || math.IsInf(v, 0) || !ok {
			errs = append(errs, fmt.Errorf("--%s %v, expected %s", flag, v, want))
		}
	}
	num("conf", s.Conf, s.Conf >= 0 && s.Conf < 1, "0 <= conf < 1")
	num("iou", s.MatchIoU, s.MatchIoU > 0 && s.MatchIoU <= 1, "0 < iou <= 1")
	num("nms-iou", s.NMSIoU, s.NMSIoU > 0 && s.NMSIoU <= 1, "0 < nms-iou <= 1")
	num("floor", s.Floor, s.Floor >= 0 && s.Floor <= s.Conf, fmt.Sprintf("0 <= floor <= conf (%v)", s.Conf))
	num("reference-floor", s.ReferenceFloor, s.ReferenceFloor >= 0 && s.ReferenceFloor < 1, "0 <= reference-floor < 1")
	if withReference && s.Floor > s.ReferenceFloor {
		errs = append(errs, fmt.Errorf("--reference-floor %v, expected >= floor (%v): the run must keep every detection the reference comparison needs", s.ReferenceFloor, s.Floor))
	}
	// Upper bounds keep a typo from exhausting memory or threads: a histogram
	// of 10^9 bins, 10^5 sessions or threads.
	count := func(flag string, v int, auto bool, most int) {
		switch {
		case (v >= 1 && v <= most) || (auto && v == Auto):
		case auto:
			errs = append(errs, fmt.Errorf("--%s %d, expected 1..%d or %d (auto)", flag, v, most, Auto))
		default:
			errs = append(errs, fmt.Errorf("--%s %d, expected 1..%d", flag, v, most))
		}
	}
	errs = append(errs, s.validateReferenceSchemes()...)
	if s.Limit < 0 {
		errs = append(errs, fmt.Errorf("--limit %d, expected >= 0 (0: every image)", s.Limit))
	}
	count("bins", s.Bins, false, MaxBins)
	count("workers", s.Workers, false, MaxParallel)
	count("loaders", s.Loaders, true, MaxParallel)
	count("threads", s.Threads, true, MaxParallel)
	seen := map[string]bool{}
	for _, c := range s.Classes {
		if c == "" || seen[c] {
			errs = append(errs, fmt.Errorf("--classes %q: expected non-empty class names or indices, each once", strings.Join(s.Classes, ",")))
			break
		}
		seen[c] = true
	}
	if _, err := detect.ParseLayout(s.Layout); err != nil {
		errs = append(errs, fmt.Errorf("--layout: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("parity: %w", err)
	}
	return nil
}

// counts returns the workers, loaders and ORT threads per session a run of n
// images uses: Workers (at most n), Loaders or one more than the workers, and
// Threads or the cores the loaders leave, shared between the workers.
func (s Settings) counts(n int) (workers, loaders, threads int) {
	workers = min(s.Workers, max(1, n), runtime.NumCPU()*4)
	loaders = s.Loaders
	if loaders == Auto {
		loaders = workers + 1
	}
	loaders = min(loaders, max(1, n), runtime.NumCPU()*4)
	threads = s.Threads
	if threads == Auto {
		threads = max(1, (runtime.NumCPU()-loaders)/workers)
	}
	return workers, loaders, threads
}

// Config says what Run evaluates: models, a dataset, pipelines, and the
// Settings. Start from DefaultConfig and set fields.
type Config struct {
	Settings
	Model string // ONNX model path
	// Models, when set, are several ONNX models run through every pipeline (for
	// example an FP32 model and its quantised copy). Model, when also set, runs first.
	// With more than one model each run is named "MODEL/PIPELINE" (see
	// PipelineResult.Name).
	Models []string
	// Data is the labelled dataset (dataset.Open: a YOLO, COCO or VOC directory).
	Data string
	// Pipelines are preprocessing specs (ParsePipeline): a preset ("sg-coco"), a
	// preset with overrides ("sg-coco:decoder=go"), a free spec
	// ("letterbox:size=640,inner=636,anchor=center,pad=114,order=rgb,scale=1/255")
	// or tensors another program wrote ("tensors:dir=DIR,unmap=sg-coco"). Each is
	// adapted to the model's input (letterbox.Spec.ForInput) and checked against
	// it before the run. With no pipeline at all the run takes the one the
	// model's metadata names (DefaultPipeline), and fails when it names none.
	Pipelines []string
	// Preprocessors are the user's own Go preprocessing, run after Pipelines and
	// measured exactly like them.
	Preprocessors []Preprocessor
	// Reference, when set, is a COCO results json of reference predictions (a
	// Python pipeline: the recipes of scripts/reference), its image and category
	// ids read as Settings.ReferenceIDs and ReferenceCategories say (positions,
	// file stems or COCO ids; class indices, indices + 1 or COCO ids). Every run
	// is then compared with it detection by detection (PipelineResult.Reference).
	Reference string
	// Shard and Shards, when Shards > 0, restrict the run to shard Shard of Shards
	// (1 <= Shard <= Shards): the images whose 0-based position p in the sorted
	// list has p % Shards == Shard-1. Each image keeps its position as its id, so
	// Merge of the results of shards 1..Shards gives exactly the unsharded result.
	Shard, Shards int
	// Progress, when set, is called after each image with how far the run has
	// got (one phase: "evaluating N images × K pipelines", in images).
	Progress func(Progress)
	// CheckInputs, when set, is called once the dataset is open and before any
	// image runs, with every file the run reads (InputFiles): a caller about to
	// write outputs refuses there an output that is one of them. Its error ends
	// Run.
	CheckInputs func(inputs []InputFile) error
}

// DefaultConfig returns a Config with DefaultSettings and nothing to run yet.
func DefaultConfig() Config { return Config{Settings: DefaultSettings()} }

// modelList is Model (when set) followed by Models.
func (c Config) modelList() []string {
	var out []string
	if c.Model != "" {
		out = append(out, c.Model)
	}
	return append(out, c.Models...)
}

// pipelineNames are the names of the runs' pipelines: the specs as given, then
// the preprocessors' names.
func (c Config) pipelineNames() []string {
	out := append([]string(nil), c.Pipelines...)
	for _, p := range c.Preprocessors {
		out = append(out, p.Name)
	}
	return out
}

func (c Config) validate() error {
	if err := c.Settings.validate(c.Reference != ""); err != nil {
		return err
	}
	switch {
	case len(c.modelList()) == 0:
		return errors.New("parity: no model given")
	case c.Shards < 0 || (c.Shards > 0 && (c.Shard < 1 || c.Shard > c.Shards)) || (c.Shards == 0 && c.Shard != 0):
		return fmt.Errorf("parity: shard %d/%d, expected 1 <= i <= n", c.Shard, c.Shards)
	case c.Shards > 0 && c.Limit > 0:
		return fmt.Errorf("parity: shard %d/%d with limit %d: a limited run cannot be sharded (merge needs every image of the dataset); drop one", c.Shard, c.Shards, c.Limit)
	}
	seenModel := map[string]bool{}
	for _, m := range c.modelList() {
		if seenModel[m] {
			return fmt.Errorf("parity: model %q given twice", m)
		}
		seenModel[m] = true
	}
	seen := map[string]bool{}
	for _, p := range c.pipelineNames() {
		if p == "" {
			return errors.New("parity: a pipeline has no name")
		}
		if seen[p] {
			return fmt.Errorf("parity: pipeline %q given twice", p)
		}
		seen[p] = true
	}
	for _, p := range c.Preprocessors {
		if p.Prepare == nil {
			return fmt.Errorf("parity: preprocessor %q has no Prepare function", p.Name)
		}
	}
	return nil
}
