package parity

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/internal/textsafe"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/metrics"
)

// Result is everything one run measured. Its JSON form (WriteJSON) is
// deterministic: same inputs, same bytes; ReadJSON reads it back.
type Result struct {
	// Format is the version of the JSON form (ResultFormat): ReadJSON reads
	// only its own.
	Format int    `json:"format"`
	Model  string `json:"model"` // the first model
	// Models are all the models run, in order (Model is Models[0]);
	// ModelSHA256 the SHA-256 (hex) of each file's bytes, in the same order:
	// runs compare (Merge, Compare) by what they ran, not by its path.
	Models      []string `json:"models"`
	ModelSHA256 []string `json:"model_sha256"`
	Data        string   `json:"data"`
	// DataSHA256 is the hash of the whole dataset (dataset.Dataset.Hash: the
	// sorted image names, the label bytes and the class names; not the pixels),
	// the same for every shard; empty for a run over a Source (RunSource).
	DataSHA256 string   `json:"data_sha256"`
	InputW     int      `json:"input_w"` // the first model's input size
	InputH     int      `json:"input_h"`
	Classes    []string `json:"classes"`
	// The settings (Settings) the numbers depend on; Workers, Loaders and
	// Threads are not kept: results do not depend on them.
	Conf         float64 `json:"conf"`
	MatchIoU     float64 `json:"match_iou"`
	NMSIoU       float64 `json:"nms_iou"`
	Floor        float64 `json:"score_floor"`
	Bins         int     `json:"bins"`
	Layout       string  `json:"layout"`
	StrictLabels bool    `json:"strict_labels"`
	// ClassesKept, SingleLabel and ClassAgnostic are Settings.Classes,
	// SingleLabel and ClassAgnostic (absent when unset).
	ClassesKept   []string `json:"classes_kept,omitempty"`
	SingleLabel   bool     `json:"single_label,omitempty"`
	ClassAgnostic bool     `json:"nms_class_agnostic,omitempty"`
	// Reference is the reference predictions file compared with (Config.Reference),
	// ReferenceSHA256 its hash, ReferenceFloor the floor of that comparison;
	// empty / 0 without one.
	Reference       string  `json:"reference,omitempty"`
	ReferenceSHA256 string  `json:"reference_sha256,omitempty"`
	ReferenceFloor  float64 `json:"reference_floor,omitempty"`
	// ReferenceIDs and ReferenceCategories are the schemes the reference's
	// image and category ids were resolved with (IDsPosition, ...,
	// CategoriesIndex, ...); empty without a reference.
	ReferenceIDs        string `json:"reference_ids,omitempty"`
	ReferenceCategories string `json:"reference_categories,omitempty"`
	// Images is the number of images found (in the shard, for a sharded run);
	// Evaluated + len(Failed) == Images.
	Images int `json:"images"`
	// Shard is "i/n" for a run of shard i of n (Config.Shard), and DatasetImages
	// the number of images of the whole dataset then or in a run with a Limit;
	// both empty otherwise (and after Merge).
	Shard         string        `json:"shard,omitempty"`
	DatasetImages int           `json:"dataset_images,omitempty"`
	Evaluated     int           `json:"evaluated"`
	Failed        []FailedImage `json:"failed"`
	Orphans       []string      `json:"orphan_labels"` // label files with no image
	// PipelineFrom says where the pipeline came from when none was given (the
	// model's metadata: DefaultPipeline); empty otherwise.
	PipelineFrom string `json:"pipeline_from,omitempty"`
	// DataWarnings are what opening the dataset found and did not fail on:
	// images without a label file (background), duplicated label lines
	// dropped, files skipped for their type, links leading outside, ... (each
	// with a count and the first names).
	DataWarnings []dataset.Warning `json:"dataset_warnings"`
	// Pipelines are the runs, one per (model, pipeline) pair: every pipeline of the
	// first model, then of the second, and so on.
	Pipelines []PipelineResult `json:"pipelines"`
	// Distances compare the pipelines' confidence distributions pairwise.
	Distances []Distance `json:"distances"`

	records  []ImageRecord
	fromRun  bool   // made by Run or RunSource: Records rebuilds the records
	imageDir string // where image names are found ("" for a Source)
	// cocoIDs maps a record's 1-based position and a class index to the COCO
	// image and category ids of a COCO dataset; nil: position and class index.
	cocoIDs func(pos int64, class int) (imageID, categoryID int64)
	timing  Timing
	render  *renderer // what InputImage prepares images with (nil from JSON)
}

// Timing is where a run's wall time went. It is not part of the JSON form (it
// varies from run to run). A run has three stages: loaders decode and
// preprocess images ahead of the workers, which run the model and hand the raw
// outputs to a post-processing goroutine each, which decodes and summarises
// them while the worker runs the next image.
type Timing struct {
	Images  int           // images run
	Workers int           // inference workers (one ONNX Runtime session each)
	Loaders int           // goroutines decoding and preprocessing ahead of them
	Wall    time.Duration // from the first image fed to the last one summarised (sessions already open)
	// Summed over the loaders.
	Load       time.Duration // decoding images and reading labels (or the Source's Image)
	Preprocess time.Duration // letterbox Plan.Apply, every run of the image
	// Summed over the workers.
	Wait time.Duration // waiting for a loader to deliver an image, or to hand outputs on
	Run  time.Duration // inside ONNX Runtime's Run (detect.Model.Run: input copy, Run, output copy)
	// Summed over the post-processing goroutines (one per worker).
	Post    time.Duration // decoding the outputs, NMS, mapping boxes back to source pixels
	Collect time.Duration // matching and accumulation (under the collector's lock)
	// Finish is the end-of-run summary after Wall: COCO evaluation, distances.
	Finish time.Duration
}

// Overhead is the share of the workers' wall time spent outside ONNX Runtime's
// Run: 1 − Run / (Wall × Workers), 0 for an empty timing. It is what the harness
// costs a run: time a session is not running the model (Wait, plus the moments
// between a Run and the next). Decoding, preprocessing, output decoding and
// summarising overlap with Run on their own goroutines and count only when the
// model has to wait for them.
func (t Timing) Overhead() float64 {
	if t.Wall <= 0 || t.Workers <= 0 {
		return 0
	}
	return 1 - t.Run.Seconds()/(t.Wall.Seconds()*float64(t.Workers))
}

// HarnessOverhead is the harness's own work after Run — output decoding, NMS,
// unmapping (Post), matching and accumulation (Collect) — as a share of Wall ×
// Workers: what it would add to the workers' time if it did not overlap with
// Run. Decoding the images, which any runner of the model pays, is left out.
func (t Timing) HarnessOverhead() float64 {
	all := t.Wall.Seconds() * float64(t.Workers)
	if all <= 0 {
		return 0
	}
	return (t.Post + t.Collect).Seconds() / all
}

// String is a breakdown by stage, e.g. "160 images, 1 worker(s) + 2 loader(s),
// 2.0s: workers: ORT run 97.1%, waiting 2.6%; post-processing: post 1.8%, collect
// 0.3%; loaders: load 42.1%, preprocess 13.0%; outside ONNX Runtime run 2.9%;
// finish 0.01s" (workers and post-processing as shares of Wall × Workers,
// loaders of Wall × Loaders).
func (t Timing) String() string {
	pc := func(d time.Duration, n int) float64 {
		all := t.Wall.Seconds() * float64(max(1, n))
		if all <= 0 {
			return 0
		}
		return 100 * d.Seconds() / all
	}
	w, l := t.Workers, t.Loaders
	return fmt.Sprintf("%d images, %d worker(s) + %d loader(s), %.1fs: workers: ORT run %.1f%%, waiting %.1f%%; "+
		"post-processing: post %.1f%%, collect %.1f%%; loaders: load %.1f%%, preprocess %.1f%%; outside ONNX Runtime run %.1f%%; finish %.2fs",
		t.Images, w, l, t.Wall.Seconds(), pc(t.Run, w), pc(t.Wait, w), pc(t.Post, w), pc(t.Collect, w),
		pc(t.Load, l), pc(t.Preprocess, l), 100*t.Overhead(), t.Finish.Seconds())
}

// Timing returns where the run's time went (zero for a result read from JSON).
func (r *Result) Timing() Timing { return r.timing }

// ImageRecord is one evaluated image as every pipeline saw it, rebuilt on demand
// (Result.Records) from the compact per-image records of PipelineResult.PerImage:
// boxes and scores have float32 precision.
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
// back with ReadJSON or made by Merge). The first call builds them from the
// per-image records; later calls return the same slice.
func (r *Result) Records() []ImageRecord {
	if r.records != nil || !r.fromRun || len(r.Pipelines) == 0 {
		return r.records
	}
	p0 := r.Pipelines[0].PerImage
	recs := make([]ImageRecord, len(p0))
	for k, im := range p0 {
		rec := ImageRecord{Name: im.Image, Path: im.Image, ID: im.ID, W: im.W, H: im.H,
			GT: make([]box.Object, len(im.GTBoxes)), Dets: make([][]box.Detection, len(r.Pipelines))}
		if r.imageDir != "" {
			rec.Path = filepath.Join(r.imageDir, filepath.FromSlash(im.Image))
		}
		for g, b := range im.GTBoxes {
			rec.GT[g] = box.Object{Box: box64(b), Class: im.GTClasses[g]}
		}
		for p := range r.Pipelines {
			rec.Dets[p] = imageDetections(r.Pipelines[p].PerImage[k])
		}
		recs[k] = rec
	}
	r.records = recs
	return recs
}

// imageDetections are one per-image record's detections.
func imageDetections(im ImageCounts) []box.Detection {
	dets := make([]box.Detection, len(im.DetBoxes))
	for d, b := range im.DetBoxes {
		dets[d] = box.Detection{Box: box64(b), Score: float64(im.DetScores[d]), Class: int(im.DetClasses[d])}
	}
	return dets
}

// FailedImage is an image that could not be evaluated, with the stage and the error.
type FailedImage struct {
	Image string `json:"image"`
	ID    int64  `json:"id"`    // 1-based position in the dataset's sorted image list
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
	// ID is the image's 1-based position in the dataset (ImageRecord.ID), W and H
	// its decoded size.
	ID int64 `json:"id"`
	W  int   `json:"w"`
	H  int   `json:"h"`
	GT int   `json:"gt"`
	TP int   `json:"tp"` // at the run's conf
	FP int   `json:"fp"`
	FN int   `json:"fn"`
	// GTClasses and GTBest are each ground truth's class and best same-class score
	// (metrics.ImageResult.GTBestScores).
	GTClasses []int     `json:"gt_classes"`
	GTBest    []float32 `json:"gt_best"`
	// GTBoxes are the ground truths' boxes (x1, y1, x2, y2 in source pixels).
	GTBoxes [][4]float32 `json:"gt_boxes"`
	// DetScores, DetClasses and DetMatch are each detection's score, class and the
	// index of the ground truth it took, or -1 (in detection order: descending score).
	// Scores are stored as float32, the precision models produce.
	DetScores []float32 `json:"det_scores"`
	// Classes and matches are int32 to keep the records of large runs compact.
	DetClasses []int32 `json:"det_classes"`
	DetMatch   []int32 `json:"det_match"`
	// DetBoxes are the detections' boxes (x1, y1, x2, y2 in source pixels), what
	// Merge needs to recompute COCO AP. Older results have none.
	DetBoxes [][4]float32 `json:"det_boxes"`
	// GTArea is each ground truth's COCO "area", which the AP's small, medium
	// and large ranges test (COCO datasets only; otherwise the box areas).
	GTArea []float64 `json:"gt_area,omitempty"`
	// CrowdBoxes, CrowdClasses and CrowdArea are the image's COCO crowd regions
	// (iscrowd): a detection that takes no ground truth but lies on one is
	// ignored (DetMatch -3, metrics.Ignored), in the counts and in COCO AP alike,
	// as pycocotools ignores it.
	CrowdBoxes   [][4]float32 `json:"crowd_boxes,omitempty"`
	CrowdClasses []int        `json:"crowd_classes,omitempty"`
	CrowdArea    []float64    `json:"crowd_area,omitempty"`
}

// imageTruth is the ground truth a per-image record keeps, as the collector
// takes it.
func imageTruth(im ImageCounts) truth {
	t := truth{gts: make([]box.Object, len(im.GTBoxes)), areas: im.GTArea, crowdAreas: im.CrowdArea}
	for g, b := range im.GTBoxes {
		t.gts[g] = box.Object{Box: box64(b), Class: im.GTClasses[g]}
	}
	for c, b := range im.CrowdBoxes {
		t.crowds = append(t.crowds, box.Object{Box: box64(b), Class: im.CrowdClasses[c]})
	}
	return t
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
			DetClasses: make([]int, n), DetScores: make([]float64, n), DetMatch: make([]int, n)}
		for d := range n {
			r.DetClasses[d], r.DetMatch[d] = int(im.DetClasses[d]), int(im.DetMatch[d])
		}
		for g := range r.GTMatch {
			r.GTMatch[g] = metrics.Unmatched
			r.GTBestScores[g] = float64(im.GTBest[g])
		}
		for d, m := range r.DetMatch {
			r.DetScores[d] = float64(im.DetScores[d])
			switch {
			case m == metrics.Ignored:
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

// collector summarises a run image by image, in image order, so that nothing
// but the compact per-image records (PipelineResult.PerImage) is kept. Run,
// Merge and Diagnose all summarise through it.
type collector struct {
	cfg  Settings
	res  *Result
	runs []*runAcc
	ref  *reference
}

// runAcc is one pipeline's accumulators. Counts and histograms are kept as
// totals (the score samples the distances need are read back from PerImage at
// the end), so that each detection is held once as float32 in PerImage and once
// in the COCO evaluator.
type runAcc struct {
	pr        PipelineResult
	total     metrics.Counts
	perClass  []metrics.Counts
	hDet, hGT metrics.Histogram
	coco      *metrics.COCOEvaluator
	annID     int64
	// reference agreement
	agree             Agreement
	boxErr, scoreDiff []float64
}

// newCollector starts the summaries of res's pipelines (heads carry their names
// and specs), compared with ref (read with readReference) when it is not nil.
func newCollector(cfg Settings, ref *reference, res *Result, heads []PipelineResult) (*collector, error) {
	c := &collector{cfg: cfg, res: res, ref: ref}
	if ref != nil {
		res.Reference, res.ReferenceFloor = ref.path, cfg.ReferenceFloor
		res.ReferenceIDs, res.ReferenceCategories = ref.ids, ref.categories
	}
	nc := len(res.Classes)
	cats := make([]int64, nc)
	for k := range cats {
		cats[k] = int64(k)
	}
	for _, h := range heads {
		hDet, err := metrics.NewHistogram(cfg.Bins)
		if err != nil {
			return nil, fmt.Errorf("parity: pipeline %s: %w", h.Name, err)
		}
		coco, err := metrics.NewCOCOEvaluator(cats)
		if err != nil {
			return nil, err
		}
		pr := PipelineResult{Name: h.Name, Model: h.Model, Pipeline: h.Pipeline, Spec: h.Spec, Size: h.Size,
			Decoder: h.Decoder, PerImage: []ImageCounts{}}
		c.runs = append(c.runs, &runAcc{pr: pr, perClass: make([]metrics.Counts, nc), hDet: hDet, hGT: hDet.Clone(), coco: coco,
			annID: 1, // pycocotools treats annotation id 0 as "no match"
			agree: Agreement{Floor: cfg.ReferenceFloor}})
	}
	return c, nil
}

// add summarises one image (o.pos is its 0-based position in the dataset; its
// id is pos+1).
func (c *collector) add(o *outcome) error {
	id := int64(o.pos + 1)
	if o.err != nil {
		c.res.Failed = append(c.res.Failed, FailedImage{Image: o.name, ID: id, Stage: o.failAt, Error: o.err.Error()})
		return nil
	}
	for r, ra := range c.runs {
		if err := ra.add(c.cfg, id, o, o.dets[r], c.ref); err != nil {
			return err
		}
	}
	return nil
}

func (ra *runAcc) add(cfg Settings, id int64, o *outcome, dets []box.Detection, ref *reference) error {
	nc := len(ra.perClass)
	for g, gt := range o.gts {
		if gt.Class < 0 || gt.Class >= nc {
			return fmt.Errorf("parity: %s: ground truth %d has class %d, expected 0..%d", o.name, g, gt.Class, nc-1)
		}
	}
	for d, det := range dets {
		if det.Class < 0 || det.Class >= nc {
			return fmt.Errorf("parity: %s: detection %d has class %d, expected 0..%d", o.name, d, det.Class, nc-1)
		}
	}
	m := metrics.MatchImageCrowd(o.gts, o.crowds, dets, cfg.Conf, cfg.MatchIoU)
	// The counts metrics.Accumulator.AddResult makes, without keeping the scores.
	ra.total.Images++
	ra.total.GT += len(o.gts)
	ra.total.TP += m.TP
	ra.total.FP += m.FP
	ra.total.FN += m.FN
	seen := make([]bool, nc)
	for g, c := range m.GTClasses {
		pc := &ra.perClass[c]
		if !seen[c] {
			seen[c] = true
			pc.Images++
		}
		pc.GT++
		if m.GTMatch[g] == metrics.Unmatched {
			pc.FN++
		} else {
			pc.TP++
		}
	}
	for d, mt := range m.DetMatch {
		if mt == metrics.Unmatched {
			ra.perClass[m.DetClasses[d]].FP++
		}
	}
	for _, v := range m.GTBestScores {
		ra.hGT.Add(v)
	}
	for _, v := range m.DetScores {
		ra.hDet.Add(v)
	}
	all := metrics.MatchImageCrowd(o.gts, o.crowds, dets, math.Inf(-1), cfg.MatchIoU)
	ic := ImageCounts{Image: o.name, ID: id, W: o.w, H: o.h, GT: len(o.gts), TP: m.TP, FP: m.FP, FN: m.FN,
		GTClasses: nonNil(all.GTClasses), GTBest: toFloat32(all.GTBestScores), GTBoxes: make([][4]float32, len(o.gts)),
		DetScores: make([]float32, len(dets)), DetClasses: toInt32(all.DetClasses), DetMatch: toInt32(all.DetMatch),
		DetBoxes: make([][4]float32, len(dets))}
	for g, gt := range o.gts {
		ic.GTBoxes[g] = box32(gt.Box)
	}
	ic.GTArea, ic.CrowdArea = o.areas, o.crowdAreas
	for _, c := range o.crowds {
		ic.CrowdBoxes, ic.CrowdClasses = append(ic.CrowdBoxes, box32(c.Box)), append(ic.CrowdClasses, c.Class)
	}
	for d, det := range dets {
		ic.DetScores[d] = float32(det.Score)
		ic.DetBoxes[d] = box32(det.Box)
	}
	ra.pr.PerImage = append(ra.pr.PerImage, ic)
	if ref != nil {
		a := compareImage(ref.dets[id], dets, cfg.ReferenceFloor)
		ra.agree.RefDets += a.refDets
		ra.agree.Dets += a.dets
		ra.agree.Matched += len(a.boxErr)
		ra.agree.RefOnly += a.refOnly
		ra.agree.Only += a.only
		ra.agree.Borderline += a.borderline
		ra.boxErr = append(ra.boxErr, a.boxErr...)
		ra.scoreDiff = append(ra.scoreDiff, a.scoreDiff...)
	}
	return nil
}

// finish fills res's counts, pipelines and distances.
func (c *collector) finish() error {
	res := c.res
	res.Evaluated = res.Images - len(res.Failed)
	for _, ra := range c.runs {
		pr, err := ra.finish(c.cfg, res.Classes)
		if err != nil {
			return err
		}
		if c.ref != nil {
			a := ra.agree
			if n := a.Matched + a.RefOnly + a.Only; n > 0 {
				a.Fraction = float64(a.Matched) / float64(n)
			} else {
				a.Fraction = 1
			}
			a.BoxErrMean, a.BoxErrP50, a.BoxErrP99, a.BoxErrMax = describe(ra.boxErr)
			a.ScoreDiffMean, a.ScoreDiffP50, a.ScoreDiffP99, a.ScoreDiffMax = describe(ra.scoreDiff)
			pr.Reference = &a
		}
		pr.Failed = len(res.Failed)
		res.Pipelines = append(res.Pipelines, pr)
	}
	var err error
	res.Distances, err = distances(res.Pipelines)
	return err
}

func (ra *runAcc) finish(cfg Settings, classes []string) (PipelineResult, error) {
	pr := ra.pr
	c := ra.total
	pr.Images, pr.GT, pr.TP, pr.FP, pr.FN = c.Images, c.GT, c.TP, c.FP, c.FN
	pr.Precision, pr.Recall, pr.F1 = c.Precision(), c.Recall(), c.F1()
	// COCO evaluation runs here, from the per-image records (the boxes as the
	// JSON keeps them), rather than image by image: during the run the evaluator's
	// per-detection entries would double what the records hold. Its store is
	// sized first (at most metrics.COCOMaxDets per image and class) and the
	// per-image inputs reuse two buffers, so that it leaves no garbage behind.
	kept := make([]int, len(ra.perClass))
	perImage := make([]int, len(ra.perClass))
	for _, im := range pr.PerImage {
		clear(perImage)
		for _, c := range im.DetClasses {
			perImage[c]++
		}
		for k, n := range perImage {
			kept[k] += min(n, metrics.COCOMaxDets)
		}
	}
	for k, n := range kept {
		ra.coco.Reserve(int64(k), n)
	}
	var gts []metrics.COCOAnnotation
	var dts []metrics.COCODetection
	for _, im := range pr.PerImage {
		gts = gts[:0]
		t := imageTruth(im)
		for g, gt := range t.gts {
			gts = append(gts, ra.annotation(im.ID, gt, t.areas, g, false))
		}
		for c, cr := range t.crowds {
			gts = append(gts, ra.annotation(im.ID, cr, t.crowdAreas, c, true))
		}
		dts = dts[:0]
		for d, b := range im.DetBoxes {
			dt := box64(b)
			dts = append(dts, metrics.COCODetection{ImageID: im.ID, CategoryID: int64(im.DetClasses[d]),
				BBox: [4]float64{dt.X1, dt.Y1, dt.W(), dt.H()}, Score: float64(im.DetScores[d])})
		}
		if err := ra.coco.AddImage(im.ID, gts, dts); err != nil {
			return PipelineResult{}, fmt.Errorf("parity: pipeline %s, image %s: %w", pr.Name, im.Image, err)
		}
	}
	sum := ra.coco.Summarize()
	ra.coco = nil
	pr.AP, pr.AP50, pr.AP75 = sum.Stats.AP, sum.Stats.AP50, sum.Stats.AP75
	for k, pc := range ra.perClass {
		cr := ClassResult{Class: classes[k], GT: pc.GT, TP: pc.TP, FP: pc.FP, FN: pc.FN,
			Precision: pc.Precision(), Recall: pc.Recall(), F1: pc.F1(), AP: -1, AP50: -1}
		if k < len(sum.PerCategory) {
			cr.AP, cr.AP50 = sum.PerCategory[k].AP, sum.PerCategory[k].AP50
		}
		pr.PerClass = append(pr.PerClass, cr)
	}
	pr.HistEdges = ra.hDet.Edges
	pr.HistDetections = ra.hDet.Counts
	pr.HistGTBest = ra.hGT.Counts
	// The same samples ReadJSON restores: scores are float32 already.
	pr.restoreSamples()
	return pr, nil
}

// annotation is one COCO ground truth of image id: its area from areas when
// the dataset gave them, else the box's.
func (ra *runAcc) annotation(id int64, o box.Object, areas []float64, k int, crowd bool) metrics.COCOAnnotation {
	area := o.W() * o.H()
	if k < len(areas) {
		area = areas[k]
	}
	a := metrics.COCOAnnotation{ID: ra.annID, ImageID: id, CategoryID: int64(o.Class),
		BBox: [4]float64{o.X1, o.Y1, o.W(), o.H()}, Area: area, IsCrowd: crowd}
	ra.annID++
	return a
}

func box32(b box.Box) [4]float32 {
	return [4]float32{float32(b.X1), float32(b.Y1), float32(b.X2), float32(b.Y2)}
}

func box64(b [4]float32) box.Box {
	return box.Box{X1: float64(b[0]), Y1: float64(b[1]), X2: float64(b[2]), Y2: float64(b[3])}
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

func toInt32(x []int) []int32 {
	out := make([]int32, len(x))
	for i, v := range x {
		out[i] = int32(v)
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
// counts, classes) kept on one line so that per-image records stay readable. The
// pipelines and their per-image records are encoded one at a time, so writing
// needs no buffer the size of the file.
func (r *Result) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := writeStreamed(bw, reflect.ValueOf(r).Elem(), 0); err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// jsonSink is what the JSON writers write to (bufio.Writer, bytes.Buffer).
type jsonSink interface {
	io.Writer
	io.ByteWriter
	io.StringWriter
}

// writeStreamed writes struct v as json.Marshal followed by indentCompactArrays
// would at depth, except that the elements of non-empty slices of structs are
// encoded one by one (recursively).
func writeStreamed(dst jsonSink, v reflect.Value, depth int) error {
	newline := func(d int) {
		dst.WriteByte('\n')
		for range d {
			dst.WriteString("  ")
		}
	}
	t := v.Type()
	dst.WriteByte('{')
	first := true
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fv := v.Field(i)
		// omitempty on this package's string, number and pointer fields (no slice
		// or map field is omitempty).
		if opts == "omitempty" && fv.IsZero() {
			continue
		}
		if !first {
			dst.WriteByte(',')
		}
		first = false
		newline(depth + 1)
		dst.WriteString(`"` + name + `": `)
		if fv.Kind() == reflect.Slice && fv.Len() > 0 && fv.Type().Elem().Kind() == reflect.Struct {
			dst.WriteByte('[')
			for k := range fv.Len() {
				if k > 0 {
					dst.WriteByte(',')
				}
				newline(depth + 2)
				if err := writeStreamed(dst, fv.Index(k), depth+2); err != nil {
					return err
				}
			}
			newline(depth + 1)
			dst.WriteByte(']')
			continue
		}
		raw, err := json.Marshal(fv.Interface())
		if err != nil {
			return fmt.Errorf("parity: JSON field %s: %w", name, err)
		}
		indentCompactArraysAt(dst, raw, depth+1)
	}
	newline(depth)
	dst.WriteByte('}')
	return nil
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
	switch {
	case r.Format == 0:
		return nil, fmt.Errorf("parity: %s: no format version: written by a detparity older than format %d, which does not record what it compared (the models' and the dataset's hashes); run it again", path, ResultFormat)
	case r.Format != ResultFormat:
		return nil, fmt.Errorf("parity: %s: format %d, this detparity reads format %d; run it again with this version", path, r.Format, ResultFormat)
	case len(r.Pipelines) == 0:
		return nil, fmt.Errorf("parity: %s: no pipelines, expected a detparity run result", path)
	}
	// A hand-edited or damaged file may hold settings no run could have used.
	s := Settings{Conf: r.Conf, MatchIoU: r.MatchIoU, NMSIoU: r.NMSIoU, Floor: r.Floor, Bins: r.Bins, ReferenceFloor: r.ReferenceFloor,
		Workers: 1, Loaders: Auto, Threads: Auto, Layout: r.Layout}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("parity: %s: settings no run could have used: %w", path, err)
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

// indentCompactArrays indents JSON like json.Indent with two spaces, except that
// an array holding no object or array is written on one line.
func indentCompactArrays(dst *bytes.Buffer, src []byte) { indentCompactArraysAt(dst, src, 0) }

// indentCompactArraysAt is indentCompactArrays starting at depth levels.
func indentCompactArraysAt(dst jsonSink, src []byte, depth int) {
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
	fmt.Fprintf(w, "model %s (input %dx%d, classes %s)\n", textsafe.Name(strings.Join(r.Models, ", ")), r.InputW, r.InputH, textsafe.Name(strings.Join(r.Classes, ",")))
	fmt.Fprintf(w, "data  %s: %d images, %d evaluated, %d failed; conf > %g, match IoU >= %g, NMS IoU %g\n\n",
		textsafe.Name(r.Data), r.Images, r.Evaluated, len(r.Failed), r.Conf, r.MatchIoU, r.NMSIoU)
	if r.Shard != "" {
		fmt.Fprintf(w, "shard %s of the dataset's %d images ('detparity merge' combines the shards' --out files)\n", r.Shard, r.DatasetImages)
	}
	nw := len("pipeline")
	for _, p := range r.Pipelines {
		nw = max(nw, len(p.Name))
	}
	fmt.Fprintf(w, "%-*s %7s %7s %6s %6s %6s %6s %6s %6s %6s %6s %6s\n", nw, "pipeline", "images", "failed", "GT", "TP", "FP", "FN", "P", "R", "F1", "AP50", "AP")
	for _, p := range r.Pipelines {
		fmt.Fprintf(w, "%-*s %7d %7d %6d %6d %6d %6d %6s %6s %6s %6s %6s\n", nw, textsafe.Name(p.Name), p.Images, p.Failed, p.GT, p.TP, p.FP, p.FN,
			statCell("%6.3f", p.Precision, p.precisionDefined()), statCell("%6.3f", p.Recall, p.recallDefined()), statCell("%6.3f", p.F1, p.f1Defined()),
			statCell("%6.3f", p.AP50, apDefined(p.AP50)), statCell("%6.3f", p.AP, apDefined(p.AP)))
	}
	fmt.Fprintln(w, "\npipelines as run:")
	for _, p := range r.Pipelines {
		fmt.Fprintf(w, "  %-*s %s, %s tensor, decoder %s\n", nw, textsafe.Name(p.Name), textsafe.Name(p.Spec), p.Size, p.Decoder)
	}
	if r.PipelineFrom != "" {
		fmt.Fprintf(w, "  (no --pipeline given: chosen from %s)\n", r.PipelineFrom)
	}
	if len(r.Pipelines) > 1 {
		first := r.Pipelines[0].Name
		fmt.Fprintf(w, "\nconfidence distributions vs %s (KS two-sample, Wasserstein-1, Jensen–Shannon, PSI):\n", first)
		for _, d := range r.Distances {
			if d.A != first {
				continue
			}
			if d.NA == 0 || d.NB == 0 {
				fmt.Fprintf(w, "  %-10s %-*s %s: an empty sample (n=%d, %d)\n", d.Sample, nw, textsafe.Name(d.B), NA, d.NA, d.NB)
				continue
			}
			fmt.Fprintf(w, "  %-10s %-*s D=%.3f p=%.3g W1=%.3f JS=%.3f PSI=%.3g drift %s (n=%d, %d)\n", d.Sample, nw, textsafe.Name(d.B), d.KS, d.KSP, d.W1, d.JS, d.PSI, d.Drift, d.NA, d.NB)
		}
	}
	if r.Reference != "" {
		fmt.Fprintf(w, "\nagreement with the reference %s (detections scoring > %g; matched = same class, IoU >= %g):\n", textsafe.Name(r.Reference), r.ReferenceFloor, ReferenceIoU)
		for _, p := range r.Pipelines {
			if a := p.Reference; a != nil {
				fmt.Fprintf(w, "  %-*s %s\n", nw, textsafe.Name(p.Name), a.Summary())
			}
		}
	}
	for _, f := range r.Failed {
		fmt.Fprintf(w, "FAILED %s (%s): %s\n", textsafe.Name(f.Image), f.Stage, textsafe.Name(f.Error))
	}
	for _, dw := range r.DataWarnings {
		fmt.Fprintf(w, "WARNING %s\n", textsafe.Name(dw.String()))
	}
	return nil
}

// sizeString is the tensor size a spec makes: "640x640", or "<=640x640" with
// Ultralytics' minimal padding (stride=N: the size then depends on the image).
func sizeString(s letterbox.Spec) string {
	w, h := s.Dims()
	if s.Stride > 0 {
		return fmt.Sprintf("<=%dx%d", w, h)
	}
	return fmt.Sprintf("%dx%d", w, h)
}
