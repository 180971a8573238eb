package parity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/metrics"
)

// Result is everything one run measured. Its JSON form (WriteJSON) is
// deterministic: same inputs, same bytes; ReadJSON reads it back.
type Result struct {
	Model string `json:"model"` // the first model
	// Models are all the models run, in order (Model is Models[0]).
	Models   []string `json:"models"`
	Data     string   `json:"data"`
	InputW   int      `json:"input_w"` // the first model's input size
	InputH   int      `json:"input_h"`
	Classes  []string `json:"classes"`
	Conf     float64  `json:"conf"`
	MatchIoU float64  `json:"match_iou"`
	NMSIoU   float64  `json:"nms_iou"`
	Floor    float64  `json:"score_floor"`
	// Reference is the reference predictions file compared with (Config.Reference),
	// ReferenceFloor the floor of that comparison; empty / 0 without one.
	Reference      string  `json:"reference,omitempty"`
	ReferenceFloor float64 `json:"reference_floor,omitempty"`
	// Images is the number of images found; Evaluated + len(Failed) == Images.
	Images    int           `json:"images"`
	Evaluated int           `json:"evaluated"`
	Failed    []FailedImage `json:"failed"`
	Orphans   []string      `json:"orphan_labels"` // label files with no image
	// Pipelines are the runs, one per (model, pipeline) pair: every pipeline of the
	// first model, then of the second, and so on.
	Pipelines []PipelineResult `json:"pipelines"`
	// Distances compare the pipelines' confidence distributions pairwise.
	Distances []Distance `json:"distances"`

	records []ImageRecord
}

// ImageRecord is one evaluated image as every pipeline saw it. Records are kept in
// memory for reports (galleries, detection-level comparisons); they are not part
// of the JSON form (which keeps each image's matching in PipelineResult.PerImage).
type ImageRecord struct {
	Name string // path relative to the dataset's images/
	Path string // file path
	// ID is the image's 1-based position in the dataset's sorted image list (the
	// image_id of COCO results for YOLO directories; failed images keep their number).
	ID   int64
	W, H int // decoded size
	GT   []box.Object
	// Dets holds, per pipeline (in Result.Pipelines order), the detections with
	// score > the run's floor, after NMS, in source pixels.
	Dets [][]box.Detection
}

// Records returns the evaluated images in dataset order (nil for a result read
// back with ReadJSON).
func (r *Result) Records() []ImageRecord { return r.records }

// FailedImage is an image that could not be evaluated, with the stage and the error.
type FailedImage struct {
	Image string `json:"image"`
	Stage string `json:"stage"` // decode, labels, preprocess, infer
	Error string `json:"error"`
}

// PipelineResult is one (model, pipeline) run's metrics at the run's threshold.
type PipelineResult struct {
	// Name is unique in the result: the pipeline as given when one model runs,
	// else "MODEL/PIPELINE" (MODEL the model file's base name, or its path when two
	// models share a base name).
	Name string `json:"name"`
	// Model is the model file, Pipeline the pipeline spec as given.
	Model    string `json:"model"`
	Pipeline string `json:"pipeline"`
	// Spec is the canonical spec actually run (letterbox.Spec.String, after
	// adapting to the model's input size); Size the tensor size it made.
	Spec      string  `json:"spec"`
	Size      string  `json:"size"`
	Decoder   string  `json:"decoder"`
	Images    int     `json:"images"` // evaluated images
	Failed    int     `json:"failed"` // images not evaluated (same for every pipeline)
	GT        int     `json:"gt"`
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	// AP, AP50 and AP75 follow pycocotools' COCOeval (IoU 0.50:0.95, 0.50, 0.75;
	// 101 recall points; maxDets 100) over every detection above the score floor,
	// with each ground truth's box area as its area and class index as category.
	AP   float64 `json:"ap"`
	AP50 float64 `json:"ap50"`
	AP75 float64 `json:"ap75"`
	// PerClass are the counts at Conf per class (index = class), with COCO AP.
	PerClass []ClassResult `json:"per_class"`
	// Histograms of confidences on fixed bins over [0,1]: every detection above the
	// score floor, and each ground truth's best same-class score (0 when nothing
	// overlapped it with IoU >= match IoU).
	HistEdges      []float64 `json:"hist_edges"`
	HistDetections []int     `json:"hist_detections"`
	HistGTBest     []int     `json:"hist_gt_best"`
	// PerImage is each evaluated image's matching, in dataset order: enough to
	// rebuild metrics.ImageResult (ImageResults) for paired bootstraps.
	PerImage []ImageCounts `json:"per_image"`
	// Reference is the detection-by-detection comparison with Result.Reference.
	Reference *Agreement `json:"reference,omitempty"`

	gtBest, detScores []float64
}

// ClassResult is one class's counts at the run's threshold and its COCO AP.
type ClassResult struct {
	Class     string  `json:"class"`
	GT        int     `json:"gt"`
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	AP        float64 `json:"ap"`   // -1 without ground truth (pycocotools)
	AP50      float64 `json:"ap50"` // -1 without ground truth
}

// ImageCounts is one evaluated image's counts in one pipeline, and its matching:
// detections are all those above the score floor, matched at the run's match IoU
// with no confidence cut (greedy by descending score, as metrics.MatchImage), so
// the counts at any conf >= the floor follow from them exactly.
type ImageCounts struct {
	Image string `json:"image"`
	GT    int    `json:"gt"`
	TP    int    `json:"tp"` // at the run's conf
	FP    int    `json:"fp"`
	FN    int    `json:"fn"`
	// GTClasses and GTBest are each ground truth's class and best same-class score
	// (metrics.ImageResult.GTBestScores).
	GTClasses []int     `json:"gt_classes"`
	GTBest    []float32 `json:"gt_best"`
	// DetScores, DetClasses and DetMatch are each detection's score, class and the
	// index of the ground truth it took, or -1 (in detection order: descending score).
	// Scores are stored as float32, the precision models produce.
	DetScores  []float32 `json:"det_scores"`
	DetClasses []int     `json:"det_classes"`
	DetMatch   []int     `json:"det_match"`
}

// Distance compares one score sample ("gt_best" or "detections") between two
// pipelines: two-sample Kolmogorov–Smirnov, Wasserstein-1, Jensen–Shannon and PSI
// (metrics.CompareScores with its default thresholds), and the drift verdict.
type Distance struct {
	A      string  `json:"a"`
	B      string  `json:"b"`
	Sample string  `json:"sample"`
	NA     int     `json:"n_a"`
	NB     int     `json:"n_b"`
	KS     float64 `json:"ks"`
	KSP    float64 `json:"ks_p"`
	W1     float64 `json:"w1"`
	JS     float64 `json:"js"`  // bits, on 10 bins over [0,1]
	PSI    float64 `json:"psi"` // B (actual) against A (expected), 10 bins
	// Drift is metrics.Drift.String: "none", "minor (...)" or "major (...)"; empty
	// when a sample is empty.
	Drift string `json:"drift"`
}

// Pipeline returns the named pipeline's result, or nil.
func (r *Result) Pipeline(name string) *PipelineResult {
	for i := range r.Pipelines {
		if r.Pipelines[i].Name == name {
			return &r.Pipelines[i]
		}
	}
	return nil
}

// Distance returns the comparison of sample between pipelines a and b (either order), or nil.
func (r *Result) Distance(a, b, sample string) *Distance {
	for i, d := range r.Distances {
		if d.Sample == sample && ((d.A == a && d.B == b) || (d.A == b && d.B == a)) {
			return &r.Distances[i]
		}
	}
	return nil
}

// GTBestScores returns each evaluated ground truth's best same-class score.
func (p *PipelineResult) GTBestScores() []float64 { return p.gtBest }

// DetectionScores returns the score of every detection above the floor.
func (p *PipelineResult) DetectionScores() []float64 { return p.detScores }

// ImageResults rebuilds each image's metrics.ImageResult from PerImage, matched at
// iouThr (the result's MatchIoU) with no confidence cut (Conf = -Inf): the input of
// metrics.PairedBootstrap and metrics.CurveAccumulator.
func (p *PipelineResult) ImageResults(iouThr float64) ([]metrics.ImageResult, error) {
	out := make([]metrics.ImageResult, len(p.PerImage))
	for i, im := range p.PerImage {
		n := len(im.DetScores)
		if len(im.DetClasses) != n || len(im.DetMatch) != n || len(im.GTBest) != len(im.GTClasses) {
			return nil, fmt.Errorf("parity: pipeline %s, image %s: %d scores, %d classes, %d matches, %d ground truths with %d best scores; want equal lengths",
				p.Name, im.Image, n, len(im.DetClasses), len(im.DetMatch), len(im.GTClasses), len(im.GTBest))
		}
		r := metrics.ImageResult{Conf: math.Inf(-1), IoUThr: iouThr, GTClasses: im.GTClasses,
			GTMatch: make([]int, len(im.GTClasses)), GTBestScores: make([]float64, len(im.GTBest)),
			DetClasses: im.DetClasses, DetScores: make([]float64, n), DetMatch: im.DetMatch}
		for g := range r.GTMatch {
			r.GTMatch[g] = metrics.Unmatched
			r.GTBestScores[g] = float64(im.GTBest[g])
		}
		for d, m := range im.DetMatch {
			r.DetScores[d] = float64(im.DetScores[d])
			switch {
			case m == metrics.Unmatched:
				r.FP++
				r.FPScores = append(r.FPScores, r.DetScores[d])
			case m >= 0 && m < len(r.GTMatch) && r.GTMatch[m] == metrics.Unmatched:
				r.GTMatch[m] = d
				r.TP++
				r.TPScores = append(r.TPScores, r.DetScores[d])
			default:
				return nil, fmt.Errorf("parity: pipeline %s, image %s: detection %d matches ground truth %d of %d (or one already taken)", p.Name, im.Image, d, m, len(r.GTMatch))
			}
		}
		r.FN = len(r.GTClasses) - r.TP
		out[i] = r
	}
	return out, nil
}

// restoreSamples fills the score samples from PerImage (after ReadJSON).
func (p *PipelineResult) restoreSamples() {
	p.gtBest, p.detScores = []float64{}, []float64{}
	for _, im := range p.PerImage {
		for _, s := range im.GTBest {
			p.gtBest = append(p.gtBest, float64(s))
		}
		for _, s := range im.DetScores {
			p.detScores = append(p.detScores, float64(s))
		}
	}
}

func summarise(cfg Config, modelPaths []string, runs []run, ds *dataset.Dataset, w, h int, outcomes []imageOutcome) (*Result, error) {
	res := &Result{
		Model: modelPaths[0], Models: modelPaths, Data: cfg.Data, InputW: w, InputH: h, Classes: ds.Names,
		Conf: cfg.Conf, MatchIoU: cfg.MatchIoU, NMSIoU: cfg.NMSIoU, Floor: cfg.Floor,
		Images: len(ds.Items), Failed: []FailedImage{}, Orphans: ds.Orphans,
	}
	if res.Orphans == nil {
		res.Orphans = []string{}
	}
	for i, o := range outcomes {
		if o.err != nil {
			res.Failed = append(res.Failed, FailedImage{Image: ds.Items[i].Name, Stage: o.failAt, Error: o.err.Error()})
		}
	}
	res.Evaluated = res.Images - len(res.Failed)
	for i, o := range outcomes {
		if o.err == nil {
			res.records = append(res.records, ImageRecord{Name: ds.Items[i].Name, Path: ds.Items[i].ImagePath, ID: int64(i + 1),
				W: o.w, H: o.h, GT: o.gts, Dets: o.dets})
		}
	}
	var ref *reference
	if cfg.Reference != "" {
		var err error
		if ref, err = readReference(cfg.Reference, res.Images); err != nil {
			return nil, err
		}
		res.Reference, res.ReferenceFloor = cfg.Reference, cfg.ReferenceFloor
	}
	for r, rn := range runs {
		pr, err := summariseRun(cfg, ds.Names, rn, r, res)
		if err != nil {
			return nil, err
		}
		if ref != nil {
			a := ref.compare(res.records, r, cfg.ReferenceFloor)
			pr.Reference = &a
		}
		pr.Failed = len(res.Failed)
		res.Pipelines = append(res.Pipelines, pr)
	}
	var err error
	if res.Distances, err = distances(res.Pipelines); err != nil {
		return nil, err
	}
	return res, nil
}

func summariseRun(cfg Config, classes []string, rn run, r int, res *Result) (PipelineResult, error) {
	nc := len(classes)
	acc, err := metrics.NewAccumulator(cfg.Conf, cfg.MatchIoU, nc)
	if err != nil {
		return PipelineResult{}, err
	}
	cats := make([]int64, nc)
	for c := range cats {
		cats[c] = int64(c)
	}
	coco, err := metrics.NewCOCOEvaluator(cats)
	if err != nil {
		return PipelineResult{}, err
	}
	pr := PipelineResult{Name: rn.name, Model: res.Models[rn.model], Pipeline: cfg.Pipelines[rn.pipeline],
		Spec: rn.spec.String(), Size: sizeString(rn.spec), Decoder: rn.spec.DecoderName(), PerImage: []ImageCounts{}}
	annID := int64(1) // pycocotools treats annotation id 0 as "no match"
	for _, rec := range res.records {
		dets := rec.Dets[r]
		m := metrics.MatchImage(rec.GT, dets, cfg.Conf, cfg.MatchIoU)
		if err := acc.AddResult(m); err != nil {
			return PipelineResult{}, fmt.Errorf("parity: %s: %w", rec.Path, err)
		}
		all := metrics.MatchImage(rec.GT, dets, math.Inf(-1), cfg.MatchIoU)
		ic := ImageCounts{Image: rec.Name, GT: len(rec.GT), TP: m.TP, FP: m.FP, FN: m.FN,
			GTClasses: all.GTClasses, GTBest: toFloat32(all.GTBestScores), DetScores: make([]float32, len(dets)),
			DetClasses: all.DetClasses, DetMatch: all.DetMatch}
		for d, det := range dets {
			ic.DetScores[d] = float32(det.Score)
		}
		ic.GTClasses, ic.DetClasses, ic.DetMatch = nonNil(ic.GTClasses), nonNil(ic.DetClasses), nonNil(ic.DetMatch)
		pr.PerImage = append(pr.PerImage, ic)
		gts := make([]metrics.COCOAnnotation, len(rec.GT))
		for g, o := range rec.GT {
			gts[g] = metrics.COCOAnnotation{ID: annID, ImageID: rec.ID, CategoryID: int64(o.Class),
				BBox: [4]float64{o.X1, o.Y1, o.W(), o.H()}, Area: o.W() * o.H()}
			annID++
		}
		if err := coco.AddImage(rec.ID, gts, cocoDetections(rec.ID, dets)); err != nil {
			return PipelineResult{}, fmt.Errorf("parity: %s: %w", rec.Path, err)
		}
	}
	c := acc.Counts()
	pr.Images, pr.GT, pr.TP, pr.FP, pr.FN = c.Images, c.GT, c.TP, c.FP, c.FN
	pr.Precision, pr.Recall, pr.F1 = c.Precision(), c.Recall(), c.F1()
	sum := coco.Summarize()
	pr.AP, pr.AP50, pr.AP75 = sum.Stats.AP, sum.Stats.AP50, sum.Stats.AP75
	pcs := acc.PerClass()
	for k, pc := range pcs {
		cr := ClassResult{Class: classes[k], GT: pc.GT, TP: pc.TP, FP: pc.FP, FN: pc.FN,
			Precision: pc.Precision(), Recall: pc.Recall(), F1: pc.F1(), AP: -1, AP50: -1}
		if k < len(sum.PerCategory) {
			cr.AP, cr.AP50 = sum.PerCategory[k].AP, sum.PerCategory[k].AP50
		}
		pr.PerClass = append(pr.PerClass, cr)
	}
	hs, err := acc.Histograms(cfg.Bins)
	if err != nil {
		return PipelineResult{}, fmt.Errorf("parity: pipeline %s: %w", rn.name, err)
	}
	pr.HistEdges = hs.Det.Edges
	pr.HistDetections = hs.Det.Counts
	pr.HistGTBest = hs.GTBest.Counts
	pr.gtBest, pr.detScores = acc.GTBestScores(), acc.DetScores()
	return pr, nil
}

// cocoDetections converts detections to COCO results entries (bbox x, y, w, h).
func cocoDetections(id int64, dets []box.Detection) []metrics.COCODetection {
	out := make([]metrics.COCODetection, len(dets))
	for i, d := range dets {
		out[i] = metrics.COCODetection{ImageID: id, CategoryID: int64(d.Class), BBox: [4]float64{d.X1, d.Y1, d.W(), d.H()}, Score: d.Score}
	}
	return out
}

func distances(ps []PipelineResult) ([]Distance, error) {
	out := []Distance{}
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			a, b := &ps[i], &ps[j]
			for _, s := range []struct {
				name   string
				xa, xb []float64
			}{{"gt_best", a.gtBest, b.gtBest}, {"detections", a.detScores, b.detScores}} {
				d, err := distanceOf(a.Name, b.Name, s.name, s.xa, s.xb)
				if err != nil {
					return nil, err
				}
				out = append(out, d)
			}
		}
	}
	return out, nil
}

func distanceOf(a, b, sample string, xa, xb []float64) (Distance, error) {
	d := Distance{A: a, B: b, Sample: sample, NA: len(xa), NB: len(xb)}
	if len(xa) == 0 || len(xb) == 0 {
		return d, nil
	}
	dr, err := metrics.CompareScores(xa, xb, metrics.DefaultDriftThresholds())
	if err != nil {
		return Distance{}, fmt.Errorf("parity: distances %s vs %s (%s): %w", a, b, sample, err)
	}
	d.KS, d.KSP, d.W1, d.JS, d.PSI, d.Drift = dr.KS, dr.KSP, dr.W1, dr.JS, dr.PSI, dr.String()
	return d, nil
}

func toFloat32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func nonNil(x []int) []int {
	if x == nil {
		return []int{}
	}
	return x
}

// WriteJSON writes the result as indented JSON, with arrays of plain values (scores,
// counts, classes) kept on one line so that per-image records stay readable.
func (r *Result) WriteJSON(w io.Writer) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	indentCompactArrays(&b, raw)
	b.WriteByte('\n')
	_, err = w.Write(b.Bytes())
	return err
}

// ReadJSON reads a result written by WriteJSON (`detparity run --out`, or a
// report's report.json). Records are not part of the file; score samples are
// restored from the per-image records.
func ReadJSON(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("parity: %w", err)
	}
	var r Result
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("parity: %s: not a detparity run result (detparity run --out): %w", path, err)
	}
	if len(r.Pipelines) == 0 {
		return nil, fmt.Errorf("parity: %s: no pipelines, expected a detparity run result", path)
	}
	for i := range r.Pipelines {
		p := &r.Pipelines[i]
		if len(p.PerImage) != p.Images {
			return nil, fmt.Errorf("parity: %s: pipeline %s has %d per-image records for %d images (written by an older detparity?)", path, p.Name, len(p.PerImage), p.Images)
		}
		p.restoreSamples()
	}
	return &r, nil
}

// indentCompactArrays indents JSON like json.Indent with two spaces, except that an
// array holding no object or array is written on one line.
func indentCompactArrays(dst *bytes.Buffer, src []byte) {
	depth := 0
	newline := func() {
		dst.WriteByte('\n')
		for range depth {
			dst.WriteString("  ")
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			j := i + 1
			for ; src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			dst.Write(src[i : j+1])
			i = j
		case '{', '[':
			if end, flat := flatEnd(src, i); flat {
				dst.Write(src[i : end+1])
				i = end
				continue
			}
			dst.WriteByte(c)
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst.WriteByte(c)
		case ',':
			dst.WriteByte(',')
			newline() // commas inside flat arrays never get here: those are copied whole
		case ':':
			dst.WriteString(": ")
		default:
			dst.WriteByte(c)
		}
	}
}

// flatEnd reports where the container opening at src[i] ends and whether it is
// empty or an array of plain values.
func flatEnd(src []byte, i int) (int, bool) {
	open := src[i]
	j := i + 1
	for ; j < len(src); j++ {
		switch src[j] {
		case '"':
			for j++; src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
		case '{', '[':
			return j, false
		case '}', ']':
			return j, open == '[' || j == i+1
		}
	}
	return j, false
}

// WriteTable writes the human summary: one row per pipeline, the specs as run,
// then the distances of every pipeline from the first one (the JSON form has
// every pair).
func (r *Result) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "model %s (input %dx%d, classes %s)\n", strings.Join(r.Models, ", "), r.InputW, r.InputH, strings.Join(r.Classes, ","))
	fmt.Fprintf(w, "data  %s: %d images, %d evaluated, %d failed; conf > %g, match IoU >= %g, NMS IoU %g\n\n",
		r.Data, r.Images, r.Evaluated, len(r.Failed), r.Conf, r.MatchIoU, r.NMSIoU)
	nw := len("pipeline")
	for _, p := range r.Pipelines {
		nw = max(nw, len(p.Name))
	}
	fmt.Fprintf(w, "%-*s %7s %7s %6s %6s %6s %6s %6s %6s %6s %6s %6s\n", nw, "pipeline", "images", "failed", "GT", "TP", "FP", "FN", "P", "R", "F1", "AP50", "AP")
	for _, p := range r.Pipelines {
		fmt.Fprintf(w, "%-*s %7d %7d %6d %6d %6d %6d %6.3f %6.3f %6.3f %6.3f %6.3f\n", nw, p.Name, p.Images, p.Failed, p.GT, p.TP, p.FP, p.FN, p.Precision, p.Recall, p.F1, p.AP50, p.AP)
	}
	fmt.Fprintln(w, "\npipelines as run:")
	for _, p := range r.Pipelines {
		fmt.Fprintf(w, "  %-*s %s, %s tensor, decoder %s\n", nw, p.Name, p.Spec, p.Size, p.Decoder)
	}
	if len(r.Pipelines) > 1 {
		first := r.Pipelines[0].Name
		fmt.Fprintf(w, "\nconfidence distributions vs %s (KS two-sample, Wasserstein-1, Jensen–Shannon, PSI):\n", first)
		for _, d := range r.Distances {
			if d.A != first {
				continue
			}
			fmt.Fprintf(w, "  %-10s %-*s D=%.3f p=%.3g W1=%.3f JS=%.3f PSI=%.3g drift %s (n=%d, %d)\n", d.Sample, nw, d.B, d.KS, d.KSP, d.W1, d.JS, d.PSI, d.Drift, d.NA, d.NB)
		}
	}
	if r.Reference != "" {
		fmt.Fprintf(w, "\nagreement with the reference %s (detections scoring > %g; matched = same class, IoU >= %g):\n", r.Reference, r.ReferenceFloor, ReferenceIoU)
		for _, p := range r.Pipelines {
			if a := p.Reference; a != nil {
				fmt.Fprintf(w, "  %-*s %s\n", nw, p.Name, a.Summary())
			}
		}
	}
	for _, f := range r.Failed {
		fmt.Fprintf(w, "FAILED %s (%s): %s\n", f.Image, f.Stage, f.Error)
	}
	for _, o := range r.Orphans {
		fmt.Fprintf(w, "WARNING label file without an image: %s\n", o)
	}
	return nil
}

func sizeString(s letterbox.Spec) string {
	w, h := s.Dims()
	return fmt.Sprintf("%dx%d", w, h)
}
