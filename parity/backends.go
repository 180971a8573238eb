package parity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/detect"
)

// Tolerances of "identical" at detection level: a box coordinate within
// BackendBoxTol source px and a score within BackendScoreTol are float32 kernel
// noise; anything larger is a real difference. Detections pair up when they
// have the same class and IoU >= BackendMatchIoU.
const (
	BackendBoxTol   = 1e-3
	BackendScoreTol = 1e-5
	BackendMatchIoU = 0.5
)

// BackendsConfig says what CompareBackends runs: one model through two
// runtimes (detect backends) on the same tensors of one pipeline. Start from
// DefaultBackendsConfig.
type BackendsConfig struct {
	// Settings: Conf is the score threshold of the detection-level comparison
	// (detections scoring above it, after the same decode and NMS at NMSIoU);
	// Workers, Threads, Layout and Limit as in Run. Floor, MatchIoU, Bins and
	// the reference settings are unused.
	Settings
	Model, Data string
	// Pipeline is the spec both runtimes are fed (ParsePipeline).
	Pipeline string
	// Backends are the reference runtime and the other one (detect.BackendByName:
	// "onnxruntime", and "opencv-dnn" with detect/cvdnn imported).
	Backends [2]string
	// Batch is the number of images per run for a dynamic-batch model (>= 1; a
	// fixed-batch model runs its own batch size).
	Batch int
	// Progress, when set, is called after each image (one phase: "comparing N
	// images", in images).
	Progress func(Progress)
}

// DefaultBackendsConfig compares ONNX Runtime with OpenCV DNN on sg-coco
// tensors, one image per run, with DefaultSettings: detections above conf 0.5
// after NMS at 0.7.
func DefaultBackendsConfig() BackendsConfig {
	return BackendsConfig{Settings: DefaultSettings(), Pipeline: "sg-coco", Backends: [2]string{detect.BackendONNXRuntime, "opencv-dnn"}, Batch: 1}
}

// CompareBackends preprocesses every image once, feeds the same tensors to
// both runtimes and compares, per output, the raw values (Polygraphy's
// absolute and relative difference statistics with a histogram), then, after
// the same decode + NMS, the detections in source pixels. Images that fail are
// listed. It fails when no image could be compared.
func CompareBackends(ctx context.Context, cfg BackendsConfig) (*BackendComparison, error) {
	if err := cfg.Settings.Validate(); err != nil {
		return nil, err
	}
	cfg.Floor = cfg.Conf // the decode keeps what the comparison counts
	switch {
	case cfg.Model == "" || cfg.Data == "":
		return nil, errors.New("parity: compare-backends needs a model and a dataset")
	case cfg.Limit < 0 || cfg.Batch < 1:
		return nil, fmt.Errorf("parity: compare-backends: limit %d, batch %d; expected limit >= 0 and batch >= 1", cfg.Limit, cfg.Batch)
	}
	ds, err := dataset.Open(ctx, cfg.Data, cfg.Settings.dataOptions())
	if err != nil {
		return nil, err
	}
	all := make([]int, len(ds.Items))
	for i := range all {
		all[i] = i
	}
	order := spread(all, cfg.Limit)
	sig, err := inspect(cfg.Model, cfg.Settings)
	if err != nil {
		return nil, err
	}
	refs := []modelRef{{path: cfg.Model, backend: cfg.Backends[0], sig: sig}, {path: cfg.Model, backend: cfg.Backends[1], sig: sig}}
	e, err := openEngine(datasetLoader{ds: ds, data: cfg.Data, noLabels: true}, refs, cfg.Settings, len(order))
	if err != nil {
		return nil, err
	}
	defer e.close()
	e.batch = cfg.Batch
	if sig.Batch > 0 {
		e.batch = sig.Batch // a fixed-batch model runs its own batch
	}
	st, err := bindPipeline(cfg.Pipeline, sig)
	if err != nil {
		return nil, fmt.Errorf("parity: pipeline %s for %s (input %dx%d): %w", cfg.Pipeline, cfg.Model, sig.Width, sig.Height, err)
	}
	if err := e.setRuns([]engineRun{{model: 0, stage: st}, {model: 1, stage: st}}, []string{cfg.Pipeline, cfg.Pipeline}); err != nil {
		return nil, err
	}
	e.keepRaw, e.progress = true, imageProgress(cfg.Progress, "comparing "+plural(len(order), "image"), len(order))
	rep := newBackendComparison(cfg, e, st)
	if _, err := e.stream(ctx, order, rep.add); err != nil {
		return nil, err
	}
	if rep.Images == 0 {
		first := ""
		if len(rep.Failed) > 0 {
			first = "; first: " + rep.Failed[0].Error
		}
		return nil, fmt.Errorf("parity: no image of %s could be compared (%d failed%s)", cfg.Data, len(rep.Failed), first)
	}
	for _, s := range rep.Outputs {
		s.finish()
	}
	rep.Detections.finish()
	for _, w := range e.warn {
		rep.InvertedBoxes += w.InvertedBoxes
	}
	return rep, nil
}

func newBackendComparison(cfg BackendsConfig, e *engine, st stage) *BackendComparison {
	sig := e.models[0].sig
	var pr PipelineResult
	st.describe(&pr)
	rep := &BackendComparison{
		Model: cfg.Model, Layout: string(sig.Layout), Data: cfg.Data, Pipeline: pr.Spec, Batch: e.batch,
		Input:     fmt.Sprintf("%s %dx3x%dx%d", sig.InputType, max(1, sig.Batch), sig.Height, sig.Width),
		Reference: detect.BackendLabel(e.models[0].backend), Other: detect.BackendLabel(e.models[1].backend),
		Failed: []FailedImage{}, Detections: DetectionDiff{Conf: cfg.Floor, NMSIoU: cfg.NMSIoU},
	}
	for _, o := range sig.Outputs {
		rep.Outputs = append(rep.Outputs, &OutputDiff{Name: o.Name})
	}
	rep.layout = sig.Layout
	return rep
}

// add compares one image's raw outputs and detections.
func (r *BackendComparison) add(o *outcome) error {
	o = o.merged()
	if o.err != nil {
		r.Failed = append(r.Failed, FailedImage{Image: o.name, ID: int64(o.pos + 1), Stage: o.failAt, Error: o.err.Error()})
		return nil
	}
	a, b := o.raw[0], o.raw[1]
	for i := range a {
		if len(a[i].Shape) != len(b[i].Shape) || a[i].Len() != b[i].Len() {
			return fmt.Errorf("parity: %s: output %q: %s gave shape %v, %s %v", o.name, a[i].Name, r.Reference, a[i].Shape, r.Other, b[i].Shape)
		}
		shape := a[i].Shape
		if r.layout != detect.LayoutYOLONASFlat {
			shape = append([]int64{1}, shape[1:]...)
		}
		r.Outputs[i].Shape = shape
		r.Outputs[i].add(o.name, shape, a[i], b[i])
	}
	r.Detections.add(o.dets[0], o.dets[1])
	r.Images++
	return nil
}

// BackendComparison is the result of CompareBackends: the model, its layout
// and input, the two runtimes, per-output value differences and the
// detection-level differences (JSON field order fixed: deterministic output).
type BackendComparison struct {
	Model      string        `json:"model"`
	Layout     string        `json:"layout"`
	Input      string        `json:"input"`
	Data       string        `json:"data"`
	Pipeline   string        `json:"pipeline"`
	Batch      int           `json:"batch"`
	Reference  string        `json:"reference"`
	Other      string        `json:"other"`
	Images     int           `json:"images"`
	Failed     []FailedImage `json:"failed"`
	Outputs    []*OutputDiff `json:"outputs"`
	Detections DetectionDiff `json:"detections"`
	// InvertedBoxes counts decoded detections (both runtimes) with x2 < x1 or y2 < y1 (detect.Warnings).
	InvertedBoxes int `json:"inverted_boxes"`

	layout detect.Layout
}

// OutputDiff compares one output over all images: Polygraphy's absolute and relative difference statistics
// (polygraphy/comparator/compare.py: absdiff = |out0 - out1|, reldiff = absdiff / |out0| with out0 the reference
// runner, here ONNX Runtime) and a histogram of the absolute difference. Polygraphy bins linearly between the
// minimum and maximum; here the bins are decades, accumulated image by image with no second pass.
type OutputDiff struct {
	Name      string    `json:"name"`
	Shape     []int64   `json:"shape"`
	Values    int       `json:"values"`
	MaxAbs    float64   `json:"max_abs"`
	MaxAbsAt  string    `json:"max_abs_at"`
	MeanAbs   float64   `json:"mean_abs"`
	StdAbs    float64   `json:"std_abs"`
	MaxRel    float64   `json:"max_rel"`
	MeanRel   float64   `json:"mean_rel"`
	ZeroRef   int       `json:"zero_reference_nonzero_diff"`
	Histogram []DiffBin `json:"histogram"`
	sum, sum2 float64   // of abs diff
	relSum    float64   // of rel diff
	relN      int       // values with a non-zero reference or zero diff
	bins      [13]int   // see diffBinLabel
}

type DiffBin struct {
	Range string `json:"range"`
	Count int    `json:"count"`
}

// diffBinOf is the decade bin of an absolute difference: 0 exact, 1 (0,1e-10), 2 [1e-10,1e-9), ... 11 [1e-1,1),
// 12 [1,inf).
func diffBinOf(d float64) int {
	switch {
	case d == 0:
		return 0
	case d >= 1:
		return 12
	case d < 1e-10:
		return 1
	}
	return min(11, max(2, 12+int(math.Floor(math.Log10(d)))))
}

func diffBinLabel(i int) string {
	switch i {
	case 0:
		return "0"
	case 1:
		return "(0, 1e-10)"
	case 12:
		return "[1, inf)"
	}
	return fmt.Sprintf("[1e%d, 1e%d)", i-12, i-11)
}

func (s *OutputDiff) add(image string, shape []int64, ref, other detect.Output) {
	for i := range ref.Len() {
		a, b := ref.At(i), other.At(i)
		d := math.Abs(a - b)
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		s.Values++
		if d > s.MaxAbs || s.MaxAbsAt == "" {
			s.MaxAbs, s.MaxAbsAt = d, fmt.Sprintf("%s %v", image, unravel(i, shape))
		}
		s.sum += d
		s.sum2 += d * d
		s.bins[diffBinOf(d)]++
		switch {
		case a != 0:
			r := d / math.Abs(a)
			s.relSum += r
			s.relN++
			s.MaxRel = max(s.MaxRel, r)
		case d == 0:
			s.relN++
		default:
			s.ZeroRef++
		}
	}
}

func (s *OutputDiff) finish() {
	if s.Values > 0 {
		n := float64(s.Values)
		s.MeanAbs = s.sum / n
		s.StdAbs = math.Sqrt(max(0, s.sum2/n-s.MeanAbs*s.MeanAbs))
	}
	if s.relN > 0 {
		s.MeanRel = s.relSum / float64(s.relN)
	}
	s.Histogram = make([]DiffBin, len(s.bins))
	for i, c := range s.bins {
		s.Histogram[i] = DiffBin{Range: diffBinLabel(i), Count: c}
	}
}

// unravel turns a flat index into a multi-index of shape (one image's part: the batch index is 0).
func unravel(i int, shape []int64) []int64 {
	idx := make([]int64, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k] = int64(i) % shape[k]
			i /= int(shape[k])
		}
	}
	return idx
}

// DetectionDiff compares the detections of both runtimes after the same decode + NMS, in source pixels.
type DetectionDiff struct {
	Conf            float64 `json:"conf"`
	NMSIoU          float64 `json:"nms_iou"`
	Reference       int     `json:"reference"`
	Other           int     `json:"other"`
	Matched         int     `json:"matched"`
	OnlyReference   int     `json:"only_reference"`
	OnlyOther       int     `json:"only_other"`
	IdenticalImages int     `json:"identical_images"`
	MaxBoxDiff      float64 `json:"max_box_diff_px"`
	MeanBoxDiff     float64 `json:"mean_box_diff_px"`
	MaxScoreDiff    float64 `json:"max_score_diff"`
	MinIoU          float64 `json:"min_iou"`
	ClassChanges    int     `json:"class_changes"`
	sumBox          float64
}

// add matches one image's detections greedily: each reference detection, in score order, takes the unmatched
// other detection of the same class with the highest IoU, if that IoU is >= BackendMatchIoU.
func (d *DetectionDiff) add(ref, other []box.Detection) {
	d.Reference += len(ref)
	d.Other += len(other)
	used := make([]bool, len(other))
	identical := len(ref) == len(other)
	for i, r := range ref {
		best, bestIoU := -1, BackendMatchIoU
		for j, o := range other {
			if used[j] || o.Class != r.Class {
				continue
			}
			if iou := box.IoU(r.Box, o.Box); iou >= bestIoU {
				best, bestIoU = j, iou
			}
		}
		if best < 0 {
			identical = false
			continue
		}
		used[best] = true
		o := other[best]
		bd := max(math.Abs(r.X1-o.X1), math.Abs(r.Y1-o.Y1), math.Abs(r.X2-o.X2), math.Abs(r.Y2-o.Y2))
		sd := math.Abs(r.Score - o.Score)
		if d.Matched == 0 || bestIoU < d.MinIoU {
			d.MinIoU = bestIoU
		}
		d.Matched++
		d.sumBox += bd
		d.MaxBoxDiff = max(d.MaxBoxDiff, bd)
		d.MaxScoreDiff = max(d.MaxScoreDiff, sd)
		if best != i || bd > BackendBoxTol || sd > BackendScoreTol {
			identical = false
		}
	}
	// A same-place detection with another class is a class change, not two unrelated misses.
	for _, r := range ref {
		for j, o := range other {
			if !used[j] && o.Class != r.Class && box.IoU(r.Box, o.Box) >= BackendMatchIoU {
				d.ClassChanges++
				break
			}
		}
	}
	if identical {
		d.IdenticalImages++
	}
}

func (d *DetectionDiff) finish() {
	d.OnlyReference = d.Reference - d.Matched
	d.OnlyOther = d.Other - d.Matched
	if d.Matched > 0 {
		d.MeanBoxDiff = d.sumBox / float64(d.Matched)
	}
}

func (r *BackendComparison) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "compare-backends: %s (%s, %s) on %s: %d images, pipeline %s, batch %d\n", r.Model, r.Layout,
		r.Input, r.Data, r.Images, r.Pipeline, r.Batch)
	fmt.Fprintf(w, "reference %s; other %s; same float32 tensors\n\n", r.Reference, r.Other)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "output\tshape\tvalues\tmax abs\tmean abs\tstd abs\tmax rel\tmean rel\tmax abs at")
	for _, s := range r.Outputs {
		fmt.Fprintf(tw, "%s\t%v\t%d\t%.3g\t%.3g\t%.3g\t%.3g\t%.3g\t%s\n", s.Name, s.Shape, s.Values, s.MaxAbs,
			s.MeanAbs, s.StdAbs, s.MaxRel, s.MeanRel, s.MaxAbsAt)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Outputs {
		if s.ZeroRef > 0 {
			fmt.Fprintf(w, "%s: %d values are 0 in ONNX Runtime but not in OpenCV DNN (relative difference undefined)\n",
				s.Name, s.ZeroRef)
		}
	}
	for _, s := range r.Outputs {
		fmt.Fprintf(w, "\n---- Histogram of |ORT - OpenCV|, %s ----\n", s.Name)
		lo, hi, peak := -1, -1, 0
		for i, b := range s.Histogram {
			if b.Count > 0 {
				if lo < 0 {
					lo = i
				}
				hi = i
				peak = max(peak, b.Count)
			}
		}
		fmt.Fprintf(w, "%-18s | %10s | %s\n", "bin range", "values", "visualization")
		for i := max(lo, 0); i <= hi; i++ {
			b := s.Histogram[i]
			bar := 0
			if peak > 0 {
				bar = int(math.Round(40 * float64(b.Count) / float64(peak)))
			}
			if b.Count > 0 && bar == 0 {
				bar = 1
			}
			fmt.Fprintf(w, "%-18s | %10d | %s\n", b.Range, b.Count, strings.Repeat("#", bar))
		}
	}
	d := r.Detections
	fmt.Fprintf(w, "\ndetections after the same decode + NMS (conf %g, NMS IoU %g), boxes in source pixels:\n",
		d.Conf, d.NMSIoU)
	fmt.Fprintf(w, "  ORT %d, OpenCV %d, matched %d (same class, IoU >= %g), only ORT %d, only OpenCV %d, class changes %d\n",
		d.Reference, d.Other, d.Matched, BackendMatchIoU, d.OnlyReference, d.OnlyOther, d.ClassChanges)
	fmt.Fprintf(w, "  images with identical detections (same order, boxes within %g px, scores within %g): %d / %d\n",
		BackendBoxTol, BackendScoreTol, d.IdenticalImages, r.Images)
	if d.Matched > 0 {
		fmt.Fprintf(w, "  matched pairs: max |box diff| %.3g px, mean %.3g px, max |score diff| %.3g, min IoU %.6f\n",
			d.MaxBoxDiff, d.MeanBoxDiff, d.MaxScoreDiff, d.MinIoU)
	}
	if r.InvertedBoxes > 0 {
		fmt.Fprintf(w, "  warning: %d decoded detections have x2 < x1 or y2 < y1 (kept, as torchvision keeps them)\n",
			r.InvertedBoxes)
	}
	if len(r.Failed) > 0 {
		fmt.Fprintf(w, "\n%d images failed:\n", len(r.Failed))
		for _, f := range r.Failed {
			fmt.Fprintf(w, "  %s: %s\n", f.Image, f.Error)
		}
	}
	return nil
}
