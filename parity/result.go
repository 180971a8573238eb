package parity

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/metrics"
)

// Result is everything one run measured. Its JSON form (WriteJSON) is
// deterministic: same inputs, same bytes.
type Result struct {
	Model    string   `json:"model"`
	Data     string   `json:"data"`
	InputW   int      `json:"input_w"`
	InputH   int      `json:"input_h"`
	Classes  []string `json:"classes"`
	Conf     float64  `json:"conf"`
	MatchIoU float64  `json:"match_iou"`
	NMSIoU   float64  `json:"nms_iou"`
	Floor    float64  `json:"score_floor"`
	// Images is the number of images found; Evaluated + len(Failed) == Images.
	Images    int              `json:"images"`
	Evaluated int              `json:"evaluated"`
	Failed    []FailedImage    `json:"failed"`
	Orphans   []string         `json:"orphan_labels"` // label files with no image
	Pipelines []PipelineResult `json:"pipelines"`
	// Distances compare the pipelines' confidence distributions pairwise.
	Distances []Distance `json:"distances"`

	records []ImageRecord
}

// ImageRecord is one evaluated image as every pipeline saw it. Records are kept in
// memory for reports (galleries, detection-level comparisons); they are not part
// of the JSON form.
type ImageRecord struct {
	Name string // path relative to the dataset's images/
	Path string // file path
	W, H int    // decoded size
	GT   []box.Object
	// Dets holds, per pipeline (in Result.Pipelines order), the detections with
	// score > the run's floor, after NMS, in source pixels.
	Dets [][]box.Detection
}

// Records returns the evaluated images in dataset order.
func (r *Result) Records() []ImageRecord { return r.records }

// FailedImage is an image that could not be evaluated, with the stage and the error.
type FailedImage struct {
	Image string `json:"image"`
	Stage string `json:"stage"` // decode, labels, preprocess, infer
	Error string `json:"error"`
}

// PipelineResult is one preprocessing pipeline's metrics at the run's threshold.
type PipelineResult struct {
	Name string `json:"name"`
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
	// Histograms of confidences on fixed bins over [0,1]: every detection above the
	// score floor, and each ground truth's best same-class score (0 when nothing
	// overlapped it with IoU >= match IoU).
	HistEdges      []float64     `json:"hist_edges"`
	HistDetections []int         `json:"hist_detections"`
	HistGTBest     []int         `json:"hist_gt_best"`
	PerImage       []ImageCounts `json:"per_image"`

	gtBest, detScores []float64
}

// ImageCounts is one evaluated image's counts in one pipeline.
type ImageCounts struct {
	Image string `json:"image"`
	GT    int    `json:"gt"`
	TP    int    `json:"tp"`
	FP    int    `json:"fp"`
	FN    int    `json:"fn"`
}

// Distance is a two-sample Kolmogorov–Smirnov comparison of one score sample
// ("gt_best" or "detections") between two pipelines.
type Distance struct {
	A      string  `json:"a"`
	B      string  `json:"b"`
	Sample string  `json:"sample"`
	NA     int     `json:"n_a"`
	NB     int     `json:"n_b"`
	KS     float64 `json:"ks"`
	KSP    float64 `json:"ks_p"`
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

func summarise(cfg Config, specs []letterbox.Spec, ds *dataset.Dataset, m *detect.Model, outcomes []imageOutcome) (*Result, error) {
	w, h := m.InputSize()
	res := &Result{
		Model: cfg.Model, Data: cfg.Data, InputW: w, InputH: h, Classes: ds.Names,
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
			res.records = append(res.records, ImageRecord{Name: ds.Items[i].Name, Path: ds.Items[i].ImagePath, W: o.w, H: o.h, GT: o.gts, Dets: o.dets})
		}
	}
	for p, name := range cfg.Pipelines {
		acc, err := metrics.NewAccumulator(cfg.Conf, cfg.MatchIoU, len(ds.Names))
		if err != nil {
			return nil, err
		}
		pr := PipelineResult{Name: name, Spec: specs[p].String(), Size: sizeString(specs[p]), Decoder: specs[p].DecoderName(), Failed: len(res.Failed), PerImage: []ImageCounts{}}
		for i, o := range outcomes {
			if o.err != nil {
				continue
			}
			r := metrics.MatchImage(o.gts, o.dets[p], cfg.Conf, cfg.MatchIoU)
			if err := acc.AddResult(r); err != nil {
				return nil, fmt.Errorf("parity: %s: %w", ds.Items[i].ImagePath, err)
			}
			pr.PerImage = append(pr.PerImage, ImageCounts{Image: ds.Items[i].Name, GT: len(o.gts), TP: r.TP, FP: r.FP, FN: r.FN})
		}
		c := acc.Counts()
		pr.Images, pr.GT, pr.TP, pr.FP, pr.FN = c.Images, c.GT, c.TP, c.FP, c.FN
		pr.Precision, pr.Recall, pr.F1 = c.Precision(), c.Recall(), c.F1()
		hs, err := acc.Histograms(cfg.Bins)
		if err != nil {
			return nil, fmt.Errorf("parity: pipeline %s: %w", name, err)
		}
		pr.HistEdges = hs.Det.Edges
		pr.HistDetections = hs.Det.Counts
		pr.HistGTBest = hs.GTBest.Counts
		pr.gtBest, pr.detScores = acc.GTBestScores(), acc.DetScores()
		res.Pipelines = append(res.Pipelines, pr)
	}
	res.Distances = []Distance{}
	for i := range res.Pipelines {
		for j := i + 1; j < len(res.Pipelines); j++ {
			a, b := &res.Pipelines[i], &res.Pipelines[j]
			for _, s := range []struct {
				name   string
				xa, xb []float64
			}{{"gt_best", a.gtBest, b.gtBest}, {"detections", a.detScores, b.detScores}} {
				d := Distance{A: a.Name, B: b.Name, Sample: s.name, NA: len(s.xa), NB: len(s.xb)}
				if len(s.xa) > 0 && len(s.xb) > 0 {
					ks, p, err := metrics.KS2(s.xa, s.xb)
					if err != nil {
						return nil, fmt.Errorf("parity: KS %s vs %s (%s): %w", a.Name, b.Name, s.name, err)
					}
					d.KS, d.KSP = ks, p
				}
				res.Distances = append(res.Distances, d)
			}
		}
	}
	return res, nil
}

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the human summary: one row per pipeline, the specs as run,
// then the KS distances of every pipeline from the first one (the JSON form has
// every pair).
func (r *Result) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "model %s (input %dx%d, classes %s)\n", r.Model, r.InputW, r.InputH, strings.Join(r.Classes, ","))
	fmt.Fprintf(w, "data  %s: %d images, %d evaluated, %d failed; conf > %g, match IoU >= %g, NMS IoU %g\n\n",
		r.Data, r.Images, r.Evaluated, len(r.Failed), r.Conf, r.MatchIoU, r.NMSIoU)
	nw := len("pipeline")
	for _, p := range r.Pipelines {
		nw = max(nw, len(p.Name))
	}
	fmt.Fprintf(w, "%-*s %7s %7s %6s %6s %6s %6s %6s %6s %6s\n", nw, "pipeline", "images", "failed", "GT", "TP", "FP", "FN", "P", "R", "F1")
	for _, p := range r.Pipelines {
		fmt.Fprintf(w, "%-*s %7d %7d %6d %6d %6d %6d %6.3f %6.3f %6.3f\n", nw, p.Name, p.Images, p.Failed, p.GT, p.TP, p.FP, p.FN, p.Precision, p.Recall, p.F1)
	}
	fmt.Fprintln(w, "\npipelines as run:")
	for _, p := range r.Pipelines {
		fmt.Fprintf(w, "  %-*s %s, %s tensor, decoder %s\n", nw, p.Name, p.Spec, p.Size, p.Decoder)
	}
	if len(r.Pipelines) > 1 {
		first := r.Pipelines[0].Name
		fmt.Fprintf(w, "\nconfidence distributions vs %s (two-sample Kolmogorov–Smirnov):\n", first)
		for _, d := range r.Distances {
			if d.A != first {
				continue
			}
			fmt.Fprintf(w, "  %-10s %-*s D=%.3f p=%.3g (n=%d, %d)\n", d.Sample, nw, d.B, d.KS, d.KSP, d.NA, d.NB)
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
