package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/opencv"
	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/detect/cvdnn"
	"github.com/detparity/detparity/letterbox"
)

func init() {
	register("compare-backends", "run one model through ONNX Runtime and OpenCV DNN on the same tensors and report the differences", cmdCompareBackends)
}

// Tolerances of "identical" at detection level: a box coordinate within 1e-3 source px and a score within 1e-5 are
// float32 kernel noise (see the report's note); anything larger is a real difference.
const (
	cbBoxTol   = 1e-3
	cbScoreTol = 1e-5
	cbMatchIoU = 0.5
)

// cbReport is the result of compare-backends (JSON field order fixed: deterministic output).
type cbReport struct {
	Model      string           `json:"model"`
	Layout     string           `json:"layout"`
	Input      string           `json:"input"`
	Data       string           `json:"data"`
	Pipeline   string           `json:"pipeline"`
	Batch      int              `json:"batch"`
	Reference  string           `json:"reference"`
	Other      string           `json:"other"`
	Images     int              `json:"images"`
	Failed     []cbFailed       `json:"failed"`
	Outputs    []*cbOutputStats `json:"outputs"`
	Detections cbDetDiff        `json:"detections"`
	// InvertedBoxes counts decoded detections (both runtimes) with x2 < x1 or y2 < y1 (detect.Warnings).
	InvertedBoxes int `json:"inverted_boxes"`
}

type cbFailed struct {
	Image string `json:"image"`
	Error string `json:"error"`
}

// cbOutputStats compares one output over all images: Polygraphy's absolute and relative difference statistics
// (polygraphy/comparator/compare.py: absdiff = |out0 - out1|, reldiff = absdiff / |out0| with out0 the reference
// runner, here ONNX Runtime) and a histogram of the absolute difference. Polygraphy bins linearly between the
// minimum and maximum; here the bins are decades, accumulated image by image with no second pass.
type cbOutputStats struct {
	Name      string  `json:"name"`
	Shape     []int64 `json:"shape"`
	Values    int     `json:"values"`
	MaxAbs    float64 `json:"max_abs"`
	MaxAbsAt  string  `json:"max_abs_at"`
	MeanAbs   float64 `json:"mean_abs"`
	StdAbs    float64 `json:"std_abs"`
	MaxRel    float64 `json:"max_rel"`
	MeanRel   float64 `json:"mean_rel"`
	ZeroRef   int     `json:"zero_reference_nonzero_diff"`
	Histogram []cbBin `json:"histogram"`
	sum, sum2 float64 // of abs diff
	relSum    float64 // of rel diff
	relN      int     // values with a non-zero reference or zero diff
	bins      [13]int // see cbBinLabel
}

type cbBin struct {
	Range string `json:"range"`
	Count int    `json:"count"`
}

// cbBinOf is the decade bin of an absolute difference: 0 exact, 1 (0,1e-10), 2 [1e-10,1e-9), ... 11 [1e-1,1),
// 12 [1,inf).
func cbBinOf(d float64) int {
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

func cbBinLabel(i int) string {
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

func (s *cbOutputStats) add(image string, shape []int64, ref, other detect.Output) {
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
		s.bins[cbBinOf(d)]++
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

func (s *cbOutputStats) finish() {
	if s.Values > 0 {
		n := float64(s.Values)
		s.MeanAbs = s.sum / n
		s.StdAbs = math.Sqrt(max(0, s.sum2/n-s.MeanAbs*s.MeanAbs))
	}
	if s.relN > 0 {
		s.MeanRel = s.relSum / float64(s.relN)
	}
	s.Histogram = make([]cbBin, len(s.bins))
	for i, c := range s.bins {
		s.Histogram[i] = cbBin{Range: cbBinLabel(i), Count: c}
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

// cbDetDiff compares the detections of both runtimes after the same decode + NMS, in source pixels.
type cbDetDiff struct {
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
// other detection of the same class with the highest IoU, if that IoU is >= cbMatchIoU.
func (d *cbDetDiff) add(ref, other []box.Detection) {
	d.Reference += len(ref)
	d.Other += len(other)
	used := make([]bool, len(other))
	identical := len(ref) == len(other)
	for i, r := range ref {
		best, bestIoU := -1, cbMatchIoU
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
		if best != i || bd > cbBoxTol || sd > cbScoreTol {
			identical = false
		}
	}
	// A same-place detection with another class is a class change, not two unrelated misses.
	for _, r := range ref {
		for j, o := range other {
			if !used[j] && o.Class != r.Class && box.IoU(r.Box, o.Box) >= cbMatchIoU {
				d.ClassChanges++
				break
			}
		}
	}
	if identical {
		d.IdenticalImages++
	}
}

func (d *cbDetDiff) finish() {
	d.OnlyReference = d.Reference - d.Matched
	d.OnlyOther = d.Other - d.Matched
	if d.Matched > 0 {
		d.MeanBoxDiff = d.sumBox / float64(d.Matched)
	}
}

func cmdCompareBackends(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare-backends", flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := detect.DefaultOptions()
	model := fs.String("model", "", "ONNX model `file` (float32 input)")
	data := fs.String("data", "", "dataset `dir` with images/ and classes.txt|names.txt|data.yaml (labels are not used)")
	pipeline := fs.String("pipeline", "sg-coco", "preprocessing `preset`: "+strings.Join(letterbox.Presets(), ", "))
	limit := fs.Int("limit", 0, "compare only the first `N` images (sorted by name); 0 = all")
	batch := fs.Int("batch", 1, "images per run for a dynamic-batch model (a fixed-batch model runs its own batch)")
	threads := fs.Int("threads", 0, "ONNX Runtime intra-op threads (0: its default)")
	layout := fs.String("layout", "auto", "output `layout`: auto or one of "+layoutNames())
	conf := fs.Float64("conf", d.Conf, "score threshold of the detection-level comparison")
	nmsIoU := fs.Float64("iou", d.IoU, "NMS IoU of the detection-level comparison (class-aware, torchvision batched_nms)")
	decoder := fs.String("decoder", "opencv", "image decoder: opencv (cv2.imread semantics) or go")
	format := fs.String("format", "table", "output format: table or json")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity compare-backends --model M.onnx --data DIR [--pipeline sg-coco] [--limit N] [flags]

Preprocesses every image of DIR once (the preset's letterbox, bit-exact with cv2), feeds the same
tensor to ONNX Runtime (the reference) and to OpenCV DNN (gocv ReadNetFromONNX, CPU), and reports:
per output, the max / mean / std of |ORT - OpenCV| and the max / mean relative difference
|ORT - OpenCV| / |ORT| (Polygraphy's definitions) with a histogram of the absolute difference;
then, after the same decode + NMS, how many detections match (same class, IoU >= 0.5) and by how
much their boxes (source pixels) and scores differ. Graphs OpenCV cannot run (NMS inside,
TopK, 5-D reshapes) and uint8-input models are reported as errors.

Example (the shipped fixtures):
  detparity compare-backends --model fixtures/model/detector.onnx --data fixtures/eval --limit 20

Flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *model == "" || *data == "" {
		return fmt.Errorf("%w: compare-backends needs --model and --data (see detparity compare-backends -h)", errUsage)
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("%w: --format %q, expected table or json", errUsage, *format)
	}
	if *limit < 0 || *batch < 1 || *threads < 0 {
		return fmt.Errorf("%w: --limit %d, --batch %d, --threads %d: want limit >= 0, batch >= 1, threads >= 0",
			errUsage, *limit, *batch, *threads)
	}
	want, err := detect.ParseLayout(*layout)
	if err != nil {
		return fmt.Errorf("%w: --layout: %v", errUsage, err)
	}
	var dec dataset.Decoder
	switch *decoder {
	case "opencv":
		dec = opencv.Decoder{}
	case "go":
		dec = dataset.GoDecoder{}
	default:
		return fmt.Errorf("%w: --decoder %q, expected opencv or go", errUsage, *decoder)
	}
	spec, err := letterbox.Preset(*pipeline)
	if err != nil {
		return err
	}
	ds, err := dataset.Open(ctx, *data, dataset.DefaultOptions())
	if err != nil {
		return err
	}
	opts := d
	opts.Conf, opts.IoU, opts.Threads, opts.Batch, opts.Layout, opts.NumClasses = *conf, *nmsIoU, *threads, *batch,
		want, len(ds.Names)
	m, err := detect.Open(*model, opts)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.CheckClasses(ds.Names); err != nil {
		return err
	}
	sig := m.Signature()
	if spec.Size != sig.Width || spec.Size != sig.Height {
		return fmt.Errorf("pipeline %s makes %dx%d tensors but %s expects %dx%d input", spec.Name, spec.Size,
			spec.Size, *model, sig.Width, sig.Height)
	}
	net, err := cvdnn.Open(sig)
	if err != nil {
		return err
	}
	defer net.Close()

	items := ds.Items
	if *limit > 0 && *limit < len(items) {
		items = items[:*limit]
	}
	_, ortVersion := detect.LoadedLibrary()
	rep := cbReport{
		Model: *model, Layout: string(sig.Layout), Data: *data, Pipeline: spec.Name, Batch: m.RunBatchSize(),
		Input:     fmt.Sprintf("%s %dx3x%dx%d", sig.InputType, max(1, sig.Batch), sig.Height, sig.Width),
		Reference: "ONNX Runtime " + ortVersion, Other: "OpenCV DNN " + cvdnn.Version() + " (CPU)",
		Failed: []cbFailed{}, Detections: cbDetDiff{Conf: *conf, NMSIoU: *nmsIoU},
	}
	stats := make([]*cbOutputStats, len(sig.Outputs))
	for i, o := range sig.Outputs {
		stats[i] = &cbOutputStats{Name: o.Name}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	plans := map[[2]int]*letterbox.Plan{}
	type prepared struct {
		name   string
		tensor []float32
		geo    letterbox.Geometry
	}
	var pending []prepared
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		tensors := make([][]float32, len(pending))
		for i, p := range pending {
			tensors[i] = p.tensor
		}
		a, err := m.RunBatch(sig.Width, sig.Height, tensors)
		if err != nil {
			return err
		}
		b, err := net.RunBatch(sig.Width, sig.Height, tensors)
		if err != nil {
			return err
		}
		for i := range a {
			if len(a[i].Shape) != len(b[i].Shape) || a[i].Len() != b[i].Len() {
				return fmt.Errorf("output %q: ONNX Runtime gave shape %v, OpenCV DNN %v", a[i].Name, a[i].Shape,
					b[i].Shape)
			}
		}
		for k, p := range pending {
			for i := range a {
				ra, rb, shape := imagePart(a[i], k, sig.Layout), imagePart(b[i], k, sig.Layout), a[i].Shape
				if sig.Layout != detect.LayoutYOLONASFlat {
					shape = append([]int64{1}, shape[1:]...)
				}
				stats[i].Shape = shape
				stats[i].add(p.name, shape, ra, rb)
			}
		}
		da, err := m.Decode(a, len(pending))
		if err != nil {
			return fmt.Errorf("ONNX Runtime outputs: %w", err)
		}
		db, err := m.Decode(b, len(pending))
		if err != nil {
			return fmt.Errorf("OpenCV DNN outputs: %w", err)
		}
		for k, p := range pending {
			rep.Detections.add(unmapAll(p.geo, da[k]), unmapAll(p.geo, db[k]))
			rep.Images++
		}
		pending = pending[:0]
		return nil
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted: %w", err)
		}
		img, err := dec.Decode(it.ImagePath)
		if err != nil {
			rep.Failed = append(rep.Failed, cbFailed{it.Name, err.Error()})
			continue
		}
		key := [2]int{img.W, img.H}
		plan, ok := plans[key]
		if !ok {
			if plan, err = spec.Plan(img.W, img.H); err != nil {
				rep.Failed = append(rep.Failed, cbFailed{it.Name, err.Error()})
				continue
			}
			plans[key] = plan
		}
		t := make([]float32, plan.TensorLen())
		if err := plan.Apply(img, t); err != nil {
			rep.Failed = append(rep.Failed, cbFailed{it.Name, fmt.Sprintf("%s: %v", it.ImagePath, err)})
			continue
		}
		pending = append(pending, prepared{it.Name, t, plan.Geometry()})
		if len(pending) == m.RunBatchSize() {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if rep.Images == 0 {
		return fmt.Errorf("no image of %s could be compared (%d failed)", *data, len(rep.Failed))
	}
	for _, s := range stats {
		s.finish()
	}
	rep.Outputs = stats
	rep.Detections.finish()
	rep.InvertedBoxes = m.Warnings().InvertedBoxes
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return writeCompareTable(stdout, rep)
}

// imagePart is image k's slice of an output (the whole output for FLAT, whose rows carry the image index).
func imagePart(o detect.Output, k int, l detect.Layout) detect.Output {
	if l == detect.LayoutYOLONASFlat || len(o.Shape) == 0 || o.Shape[0] == 0 {
		if k > 0 {
			return detect.Output{Name: o.Name, Shape: o.Shape, Float: []float32{}}
		}
		return o
	}
	per := o.Len() / int(o.Shape[0])
	p := detect.Output{Name: o.Name, Shape: append([]int64{1}, o.Shape[1:]...)}
	if o.Float != nil {
		p.Float = o.Float[k*per : (k+1)*per]
	} else {
		p.Int = o.Int[k*per : (k+1)*per]
	}
	return p
}

func unmapAll(g letterbox.Geometry, dets []box.Detection) []box.Detection {
	out := make([]box.Detection, len(dets))
	for i, d := range dets {
		d.Box = g.UnmapBox(d.Box)
		out[i] = d
	}
	return out
}

func writeCompareTable(w io.Writer, r cbReport) error {
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
		d.Reference, d.Other, d.Matched, cbMatchIoU, d.OnlyReference, d.OnlyOther, d.ClassChanges)
	fmt.Fprintf(w, "  images with identical detections (same order, boxes within %g px, scores within %g): %d / %d\n",
		cbBoxTol, cbScoreTol, d.IdenticalImages, r.Images)
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
