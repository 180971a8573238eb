// Package report renders a parity run for people and for CI. It sits at the very end
// of the detparity data path, after package parity has compared the pipelines:
//
//	dataset → letterbox → detect → metrics → parity (Result) → report (HTML, Markdown, JSON, JUnit)
//
// [Build] derives everything a reader needs from a [parity.Result] and its in-memory
// records: a verdict, P/R/F1 per pipeline and per class, every pipeline's spec
// spelled out parameter by parameter (letterbox.Spec.Params), confidence-distribution
// distances between the pipelines (KS, Wasserstein-1, Jensen–Shannon, PSI), PR curves
// and F1, precision and recall against the confidence threshold, plots drawn with
// gonum/plot, a confusion matrix per pipeline for multi-class models
// (metrics.ConfusionMatrix, Ultralytics' rule), and a gallery of the images where the
// pipelines disagree most, each drawn with its ground truth and every pipeline's
// boxes in source pixels, next to the tensor the model received (through the
// [Options.Inputs] hook). [Report.WriteDir] writes index.html (one self-contained
// file: CSS inline, every image a data: URI, no script; readable from phone width up),
// report.md, report.json (exactly [parity.Result.WriteJSON]) and junit.xml, each
// atomically.
package report

import (
	"cmp"
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/metrics"
	"github.com/detparity/detparity/parity"
)

// Options tune a report. Start from [DefaultOptions]; a zero Title, PanelSize or
// Drift field takes its default, other zero values mean what they say.
type Options struct {
	// Title heads the page; empty: "detparity report".
	Title string
	// Command is the command line that made the report, shown verbatim (optional).
	Command string
	// Gallery is the number of images shown where the pipelines disagree most
	// (DefaultOptions: 8; 0: none).
	Gallery int
	// PanelSize is the longest side in pixels of one drawn gallery panel (default 480).
	PanelSize int
	// MinF1, when > 0, adds a check "F1 >= MinF1" per pipeline to the verdict and to
	// junit.xml.
	MinF1 float64
	// F1Tolerance is the largest |ΔF1| between two pipelines still called agreement
	// (DefaultOptions: 0.02, two points of F1, about what a different JPEG decoder
	// moves on a few hundred objects; 0: any difference is a disagreement).
	F1Tolerance float64
	// Drift holds the thresholds of the confidence-distribution comparison
	// (metrics.CompareScores); zero fields take metrics.DefaultDriftThresholds.
	Drift metrics.DriftThresholds
	// Version is the tool's version, shown in the header and the footer (optional).
	Version string
	// Time is when the run was made, shown in the header in UTC (zero: not shown).
	// It comes from the caller so that a report of the same run renders to the same
	// bytes.
	Time time.Time
	// Inputs, when set, returns what the model received for an image (its name
	// relative to the dataset's images/, as parity.ImageRecord.Name) through a
	// pipeline (parity.PipelineResult.Name): the tensor as an 8-bit image of the
	// tensor's size, padding included, tensor channel 0 as red (as `detparity
	// preprocess` writes it), so a BGR-fed pipeline shows red and blue swapped. The
	// gallery shows it beside each pipeline's detections; when Inputs is nil or
	// fails, the panel says so instead.
	Inputs func(imageName, pipelineName string) (image.Image, error)
}

// DefaultOptions returns the defaults: 8 gallery images of at most 480 px, no F1
// floor, F1 tolerance 0.02, the conventional drift thresholds.
func DefaultOptions() Options {
	return Options{Title: "detparity report", Gallery: 8, PanelSize: 480, F1Tolerance: 0.02, Drift: metrics.DefaultDriftThresholds()}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Title == "" {
		o.Title = d.Title
	}
	if o.PanelSize <= 0 {
		o.PanelSize = d.PanelSize
	}
	dd := d.Drift
	if o.Drift.KSP == 0 {
		o.Drift.KSP = dd.KSP
	}
	if o.Drift.PSIMinor == 0 {
		o.Drift.PSIMinor = dd.PSIMinor
	}
	if o.Drift.PSIMajor == 0 {
		o.Drift.PSIMajor = dd.PSIMajor
	}
	if o.Drift.W1 == 0 {
		o.Drift.W1 = dd.W1
	}
	if o.Drift.Bins == 0 {
		o.Drift.Bins = dd.Bins
	}
	if o.Drift.Range == 0 {
		o.Drift.Range = dd.Range
	}
	if o.Drift.MinSamples == 0 {
		o.Drift.MinSamples = dd.MinSamples
	}
	return o
}

// Report is a rendered-ready analysis of one parity run. Build it with [Build].
type Report struct {
	// Result is the run the report is about.
	Result *parity.Result
	// Options are the options used, defaults filled in.
	Options Options
	// Verdict is the one-paragraph answer, first on every rendering.
	Verdict Verdict
	// Pipelines has one entry per pipeline of the run, in run order.
	Pipelines []Pipeline
	// Comparisons compare every pipeline after the first with the first.
	Comparisons []Comparison
	// Checks are the pass/fail checks also written to junit.xml.
	Checks []Check
	// Classes has per-class counts at the run's threshold, one row per class.
	Classes []ClassRow
	// Plots are the figures, in page order.
	Plots []Plot
	// Gallery holds the images where the pipelines disagree most.
	Gallery []GalleryImage
	// Confusion has one class-confusion matrix per pipeline (in run order) for a
	// multi-class model; nil for a single class.
	Confusion []Confusion
}

// Confusion is one pipeline's class confusion at the run's threshold.
type Confusion struct {
	Pipeline string
	// Matrix is metrics.ConfusionMatrix (Ultralytics' ConfusionMatrix.process_batch)
	// over every evaluated image at the run's Conf and MatchIoU: M[predicted][true],
	// background last.
	Matrix *metrics.ConfusionMatrix
	// Classes are the class indices shown (those with a count in their row or
	// column), ascending; the background row and column always are.
	Classes []int

	names []string
}

// ConfusionRow is one row of a confusion matrix as the page shows it: the objects
// of one true class (or, last, the detections that matched no object).
type ConfusionRow struct {
	// Name is the true class, "background" for the last row.
	Name string
	// Cells are per predicted class in Confusion.Classes order, then background.
	Cells []ConfusionCell
	// Total is the row's sum: objects of the class (for the background row, the
	// detections that matched nothing).
	Total int
}

// ConfusionCell is one count of a confusion matrix.
type ConfusionCell struct {
	Count int
	// Share is Count over its row's total (0 for an empty row).
	Share float64
	// Correct marks the diagonal (true class predicted).
	Correct bool
}

// Names returns the shown column names: the classes of Classes, then "background".
func (c Confusion) Names() []string {
	out := make([]string, 0, len(c.Classes)+1)
	for _, k := range c.Classes {
		out = append(out, c.names[k])
	}
	return append(out, "background")
}

// Rows returns the matrix with true classes as rows and predicted classes as
// columns (the transpose of Matrix.M), the shown classes then background.
func (c Confusion) Rows() []ConfusionRow {
	nc := c.Matrix.NumClasses
	idx := append(slices.Clone(c.Classes), nc)
	names := c.Names()
	rows := make([]ConfusionRow, 0, len(idx))
	for ri, t := range idx {
		row := ConfusionRow{Name: names[ri]}
		for _, p := range idx {
			row.Total += c.Matrix.M[p][t]
		}
		for _, p := range idx {
			n := c.Matrix.M[p][t]
			cell := ConfusionCell{Count: n, Correct: p == t && t < nc}
			if row.Total > 0 {
				cell.Share = float64(n) / float64(row.Total)
			}
			row.Cells = append(row.Cells, cell)
		}
		rows = append(rows, row)
	}
	return rows
}

// Pipeline is one pipeline's summary.
type Pipeline struct {
	// Label names the pipeline in tables and legends.
	Label string
	// Result is the pipeline's entry in the run.
	Result *parity.PipelineResult
	// BestF1 is the operating point of highest F1 over all confidences (detections
	// with Score >= BestF1.Conf kept).
	BestF1 metrics.OperatingPoint
	// Params is the spec as run (Result.Spec) spelled out, every parameter with what
	// its value does (letterbox.Spec.Params); nil when Result.Spec is not a spec
	// letterbox.Parse reads (SpecErr says why). Expanded is the same as one free spec
	// (letterbox.Spec.Expand).
	Params   []letterbox.Param
	Expanded string
	SpecErr  string

	curves *metrics.CurveAccumulator
}

// Comparison is one pipeline against the first one.
type Comparison struct {
	A, B string // labels: A is the first pipeline, B the other
	// A1 and B1 are the two F1s at the run's threshold, DF1 = B1 − A1.
	A1, B1, DF1 float64
	// GTBest and Detections compare the two score samples (nil when a sample is
	// empty; Err says why).
	GTBest, Detections       *metrics.Drift
	GTBestErr, DetectionsErr string
	// GTBestN and DetectionsN are the sample sizes (A, B).
	GTBestN, DetectionsN [2]int
	// Disagree is true when |DF1| > F1Tolerance or GTBest is a major drift.
	Disagree bool
	// Why lists the criteria behind Disagree.
	Why []string
}

// Verdict is the report's conclusion.
type Verdict struct {
	// Status is "agree", "drift" (pipelines disagree), "single" (one pipeline) or
	// "no-data" (nothing evaluated).
	Status string
	// Headline is one sentence, e.g. "sg-coco F1 0.922 vs stretch 0.104: preprocessing
	// drift — the pipelines disagree".
	Headline string
	// Details are further sentences: the best pipeline, what each loses.
	Details []string
	// Thresholds states the criteria used, in words.
	Thresholds string
}

// Check is one pass/fail check.
type Check struct {
	// Class groups checks in junit.xml: "pipeline", "drift", "dataset".
	Class string
	// Name identifies the check, e.g. "sg-coco: F1 >= 0.85".
	Name string
	// Failed is true when the check failed; Message says why (or what passed).
	Failed bool
	// Info marks a check without a criterion (a pipeline's metrics when no F1 floor
	// was given): it records numbers and always passes.
	Info    bool
	Message string
	// Output is extra detail (the metrics) for junit's system-out.
	Output string
}

// ClassRow is one class at the run's threshold in every pipeline.
type ClassRow struct {
	Class int
	Name  string
	// Counts, AP and AP50 are per pipeline, in run order; AP and AP50 are COCO's
	// (parity.ClassResult), -1 where undefined (no ground truth of the class).
	Counts   []metrics.Counts
	AP, AP50 []float64
}

// Build analyses res. It needs res's in-memory records (a Result read back from JSON
// has none) for the curves, the per-class table and the gallery.
func Build(res *parity.Result, opt Options) (*Report, error) {
	if res == nil {
		return nil, errors.New("report: no result")
	}
	if len(res.Pipelines) == 0 {
		return nil, errors.New("report: the result has no pipelines")
	}
	opt = opt.withDefaults()
	recs := res.Records()
	if len(recs) != res.Evaluated {
		return nil, fmt.Errorf("report: the result has %d image records for %d evaluated images; a result read back from JSON cannot be reported (run it again)", len(recs), res.Evaluated)
	}
	nc := len(res.Classes)
	if nc == 0 {
		return nil, errors.New("report: the result names no classes")
	}
	r := &Report{Result: res, Options: opt}
	labels := pipelineLabels(res)
	for i := range res.Pipelines {
		p := &res.Pipelines[i]
		if len(p.PerImage) != len(recs) {
			return nil, fmt.Errorf("report: pipeline %s has %d per-image counts for %d records", labels[i], len(p.PerImage), len(recs))
		}
		ca, err := metrics.NewCurveAccumulator(res.MatchIoU, nc)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		for k, rec := range recs {
			if len(rec.Dets) != len(res.Pipelines) {
				return nil, fmt.Errorf("report: image %s has detections of %d pipelines, want %d", rec.Path, len(rec.Dets), len(res.Pipelines))
			}
			if p.PerImage[k].Image != rec.Name {
				return nil, fmt.Errorf("report: pipeline %s per-image entry %d is %s, record is %s", labels[i], k, p.PerImage[k].Image, rec.Name)
			}
			if err := ca.Add(rec.GT, rec.Dets[i]); err != nil {
				return nil, fmt.Errorf("report: %s: %w", rec.Path, err)
			}
		}
		pl := Pipeline{Label: labels[i], Result: p, BestF1: ca.BestF1(metrics.AllClasses), curves: ca}
		if spec, err := letterbox.Parse(p.Spec); err == nil {
			pl.Params, pl.Expanded = spec.Params(), spec.Expand()
		} else {
			pl.SpecErr = err.Error()
		}
		r.Pipelines = append(r.Pipelines, pl)
		_, perClass := ca.At(res.Conf)
		if i == 0 {
			for k := 0; k < nc; k++ {
				r.Classes = append(r.Classes, ClassRow{Class: k, Name: res.Classes[k]})
			}
		}
		for k := 0; k < nc; k++ {
			row := &r.Classes[k]
			row.Counts = append(row.Counts, perClass[k])
			ap, ap50 := -1.0, -1.0
			if k < len(p.PerClass) {
				ap, ap50 = p.PerClass[k].AP, p.PerClass[k].AP50
			}
			row.AP = append(row.AP, ap)
			row.AP50 = append(row.AP50, ap50)
		}
	}
	for i := 1; i < len(r.Pipelines); i++ {
		r.Comparisons = append(r.Comparisons, compare(&r.Pipelines[0], &r.Pipelines[i], opt))
	}
	r.Verdict = verdict(r)
	r.Checks = checks(r)
	var err error
	if r.Confusion, err = confusions(r); err != nil {
		return nil, err
	}
	if r.Plots, err = plots(r); err != nil {
		return nil, err
	}
	if r.Gallery, err = gallery(r); err != nil {
		return nil, err
	}
	return r, nil
}

// pipelineLabels names each pipeline: parity's name, unique in a result ("MODEL/PIPELINE"
// when several models ran).
func pipelineLabels(res *parity.Result) []string {
	out := make([]string, len(res.Pipelines))
	for i, p := range res.Pipelines {
		out[i] = p.Name
	}
	return out
}

// confusions counts each pipeline's class confusion over the records, for a
// multi-class model (nil for one class).
func confusions(r *Report) ([]Confusion, error) {
	res := r.Result
	nc := len(res.Classes)
	if nc < 2 || res.MatchIoU >= 1 { // one class, or no pair can have IoU > 1
		return nil, nil
	}
	var out []Confusion
	for i, p := range r.Pipelines {
		cm, err := metrics.NewConfusionMatrix(nc, res.Conf, res.MatchIoU)
		if err != nil {
			return nil, fmt.Errorf("report: confusion matrix: %w", err)
		}
		for _, rec := range res.Records() {
			if err := cm.Add(rec.GT, rec.Dets[i]); err != nil {
				return nil, fmt.Errorf("report: confusion matrix of %s: %s: %w", p.Label, rec.Path, err)
			}
		}
		c := Confusion{Pipeline: p.Label, Matrix: cm, names: res.Classes}
		for k := 0; k < nc; k++ {
			used := false
			for j := 0; j <= nc; j++ {
				used = used || cm.M[k][j] > 0 || cm.M[j][k] > 0
			}
			if used {
				c.Classes = append(c.Classes, k)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func compare(a, b *Pipeline, opt Options) Comparison {
	c := Comparison{A: a.Label, B: b.Label, A1: a.Result.F1, B1: b.Result.F1, DF1: b.Result.F1 - a.Result.F1,
		GTBestN:     [2]int{len(a.Result.GTBestScores()), len(b.Result.GTBestScores())},
		DetectionsN: [2]int{len(a.Result.DetectionScores()), len(b.Result.DetectionScores())}}
	if d, err := metrics.CompareScores(a.Result.GTBestScores(), b.Result.GTBestScores(), opt.Drift); err == nil {
		c.GTBest = &d
	} else {
		c.GTBestErr = err.Error()
	}
	if d, err := metrics.CompareScores(a.Result.DetectionScores(), b.Result.DetectionScores(), opt.Drift); err == nil {
		c.Detections = &d
	} else {
		c.DetectionsErr = err.Error()
	}
	if math.Abs(c.DF1) > opt.F1Tolerance {
		c.Why = append(c.Why, fmt.Sprintf("|ΔF1| %.3f > %g", math.Abs(c.DF1), opt.F1Tolerance))
	}
	if c.GTBest != nil && c.GTBest.Level == metrics.MajorDrift {
		c.Why = append(c.Why, "ground truths' best scores: major shift ("+strings.Join(c.GTBest.Reasons, ", ")+")")
	}
	c.Disagree = len(c.Why) > 0
	return c
}

func verdict(r *Report) Verdict {
	res := r.Result
	o := r.Options
	v := Verdict{Thresholds: fmt.Sprintf("Metrics at conf > %g, match IoU >= %g. Two pipelines disagree when |ΔF1| > %g "+
		"or the ground truths' best scores shift majorly (PSI >= %g or Wasserstein-1 >= %g of the score range); "+
		"KS p < %g or PSI >= %g is a minor shift, reported but not a disagreement.",
		res.Conf, res.MatchIoU, o.F1Tolerance, o.Drift.PSIMajor, o.Drift.W1, o.Drift.KSP, o.Drift.PSIMinor)}
	if o.MinF1 > 0 {
		v.Thresholds += fmt.Sprintf(" Each pipeline must reach F1 >= %g.", o.MinF1)
	}
	if res.Evaluated == 0 {
		v.Status = "no-data"
		v.Headline = fmt.Sprintf("No image could be evaluated (%d found, %d failed): nothing to compare", res.Images, len(res.Failed))
		return v
	}
	// Best pipeline: highest F1, the earlier on ties (run order is the user's).
	best := 0
	for i, p := range r.Pipelines {
		if p.Result.F1 > r.Pipelines[best].Result.F1 {
			best = i
		}
	}
	worst := 0
	for i, p := range r.Pipelines {
		if p.Result.F1 < r.Pipelines[worst].Result.F1 {
			worst = i
		}
	}
	b, w := r.Pipelines[best], r.Pipelines[worst]
	if len(r.Pipelines) == 1 {
		v.Status = "single"
		v.Headline = fmt.Sprintf("%s: F1 %.3f (precision %.3f, recall %.3f) on %d images", b.Label, b.Result.F1, b.Result.Precision, b.Result.Recall, res.Evaluated)
	} else {
		if c := mostDisagreeing(r.Comparisons); c != nil {
			v.Status = "drift"
			// The two pipelines that disagree, the higher F1 first, and why.
			hi, lo, fhi, flo := c.A, c.B, c.A1, c.B1
			if c.B1 > c.A1 {
				hi, lo, fhi, flo = c.B, c.A, c.B1, c.A1
			}
			v.Headline = fmt.Sprintf("%s F1 %.3f vs %s %.3f: preprocessing drift — the pipelines disagree (%s)", hi, fhi, lo, flo, strings.Join(c.Why, "; "))
			spec := ""
			if b.Result.Spec != b.Label {
				spec = " (" + b.Result.Spec + ")"
			}
			v.Details = append(v.Details, fmt.Sprintf("Of these pipelines the model behaves best with %s%s: deploy that preprocessing.", b.Label, spec))
		} else {
			v.Status = "agree"
			f1 := "F1 " + pipeF1(w.Result) + "–" + pipeF1(b.Result)
			var each []string
			for _, p := range r.Pipelines {
				each = append(each, p.Label+" "+pipeF1(p.Result))
				if pipeF1(p.Result) == parity.NA {
					f1 = "" // not a range: list them
				}
			}
			switch {
			case !slices.ContainsFunc(r.Pipelines, func(p Pipeline) bool { return pipeF1(p.Result) != pipeF1(b.Result) }):
				f1 = "F1 " + pipeF1(b.Result) + " in each"
			case f1 == "":
				f1 = "F1 " + strings.Join(each, ", ")
			}
			v.Headline = "The pipelines agree: " + f1 + ", confidence distributions within the thresholds"
		}
		for i, p := range r.Pipelines {
			if i == best {
				continue
			}
			lost := b.Result.F1 - p.Result.F1
			if lost > 0 {
				v.Details = append(v.Details, fmt.Sprintf("%s loses %.3f F1 against %s (recall %.3f vs %.3f, precision %.3f vs %.3f).",
					p.Label, lost, b.Label, p.Result.Recall, b.Result.Recall, p.Result.Precision, b.Result.Precision))
			}
		}
	}
	if o.MinF1 > 0 {
		var below []string
		for _, p := range r.Pipelines {
			if p.Result.F1 < o.MinF1 {
				below = append(below, fmt.Sprintf("%s (%.3f)", p.Label, p.Result.F1))
			}
		}
		if len(below) > 0 {
			v.Details = append(v.Details, fmt.Sprintf("Below the F1 floor %g: %s.", o.MinF1, strings.Join(below, ", ")))
		}
	}
	if res.Reference != "" {
		bestRef := -1
		for i, p := range r.Pipelines {
			if a := p.Result.Reference; a != nil && (bestRef < 0 || a.Fraction > r.Pipelines[bestRef].Result.Reference.Fraction) {
				bestRef = i
			}
		}
		if bestRef >= 0 {
			p := r.Pipelines[bestRef]
			a := p.Result.Reference
			v.Details = append(v.Details, fmt.Sprintf("Closest to the reference predictions: %s, %.2f %% of detections the same (IoU >= %g, same class), box error at most %.3g px.",
				p.Label, 100*a.Fraction, parity.ReferenceIoU, a.BoxErrMax))
		}
	}
	if n := len(res.Failed); n > 0 {
		v.Details = append(v.Details, fmt.Sprintf("%d of %d images could not be evaluated and are excluded from every pipeline.", n, res.Images))
	}
	return v
}

// pipeF1 is a pipeline's F1 with 3 decimals, n/a when nothing was counted.
func pipeF1(p *parity.PipelineResult) string { return countF1(pipelineCounts(p)) }

// mostDisagreeing is the disagreeing comparison with the largest |ΔF1| (the
// first of equals), or nil when the pipelines agree.
func mostDisagreeing(cs []Comparison) *Comparison {
	var out *Comparison
	for i := range cs {
		if c := &cs[i]; c.Disagree && (out == nil || math.Abs(c.DF1) > math.Abs(out.DF1)) {
			out = c
		}
	}
	return out
}

func checks(r *Report) []Check {
	res := r.Result
	var out []Check
	for _, p := range r.Pipelines {
		pr := p.Result
		c := Check{Class: "pipeline", Name: p.Label,
			Output: fmt.Sprintf("%s: images %d, GT %d, TP %d, FP %d, FN %d, precision %.4f, recall %.4f, F1 %.4f at conf > %g (spec %s)",
				p.Label, pr.Images, pr.GT, pr.TP, pr.FP, pr.FN, pr.Precision, pr.Recall, pr.F1, res.Conf, pr.Spec)}
		if r.Options.MinF1 > 0 {
			c.Name = fmt.Sprintf("%s: F1 >= %g", p.Label, r.Options.MinF1)
			c.Failed = pr.F1 < r.Options.MinF1
			rel := ">="
			if c.Failed {
				rel = "<"
			}
			c.Message = fmt.Sprintf("F1 %.4f %s %g at conf > %g (precision %.4f, recall %.4f)", pr.F1, rel, r.Options.MinF1, res.Conf, pr.Precision, pr.Recall)
		} else {
			c.Info = true
			c.Message = fmt.Sprintf("F1 %.4f at conf > %g (no F1 floor given)", pr.F1, res.Conf)
		}
		out = append(out, c)
	}
	for _, cmpn := range r.Comparisons {
		c := Check{Class: "drift", Name: fmt.Sprintf("%s vs %s: no drift", cmpn.B, cmpn.A), Failed: cmpn.Disagree}
		if cmpn.Disagree {
			c.Message = "pipelines disagree: " + strings.Join(cmpn.Why, "; ")
		} else {
			c.Message = fmt.Sprintf("pipelines agree: |ΔF1| %.4f <= %g, ground truths' best scores: %s", math.Abs(cmpn.DF1), r.Options.F1Tolerance, driftLevel(cmpn.GTBest))
		}
		c.Output = fmt.Sprintf("F1 %s %.4f, %s %.4f (ΔF1 %+.4f)\nground truths' best scores: %s\ndetections: %s",
			cmpn.A, cmpn.A1, cmpn.B, cmpn.B1, cmpn.DF1, driftString(cmpn.GTBest, cmpn.GTBestErr), driftString(cmpn.Detections, cmpn.DetectionsErr))
		out = append(out, c)
	}
	for _, p := range r.Pipelines {
		if a := p.Result.Reference; a != nil {
			out = append(out, Check{Class: "reference", Name: p.Label + " vs reference", Info: true,
				Message: a.Summary(), Output: "reference: " + res.Reference})
		}
	}
	c := Check{Class: "dataset", Name: "every image evaluated", Message: fmt.Sprintf("%d of %d images evaluated", res.Evaluated, res.Images)}
	if len(res.Failed) > 0 {
		c.Failed = true
		var b strings.Builder
		for _, f := range res.Failed {
			fmt.Fprintf(&b, "%s (%s): %s\n", f.Image, f.Stage, f.Error)
		}
		c.Message = fmt.Sprintf("%d of %d images failed", len(res.Failed), res.Images)
		c.Output = b.String()
	}
	out = append(out, c)
	return out
}

func driftLevel(d *metrics.Drift) string {
	if d == nil {
		return "not compared"
	}
	return d.String()
}

func driftString(d *metrics.Drift, errText string) string {
	if d == nil {
		return "not compared: " + errText
	}
	return fmt.Sprintf("%s; KS D %.3f p %.3g, W1 %.3f, JS %.3f bits, PSI %.3f", d, d.KS, d.KSP, d.W1, d.JS, d.PSI)
}

// ParamRow is one preprocessing parameter across the pipelines, for the table that
// spells every pipeline's spec out side by side.
type ParamRow struct {
	Key string
	// Values and Meanings are per pipeline, in run order; Value "–" where the
	// pipeline has no such parameter (a stretch has no padding) or no spec.
	Values, Meanings []string
	// Differs is true when the pipelines do not all have the same value.
	Differs bool
}

// ParamRows lines up every pipeline's parameters (Pipeline.Params), keys in the
// spec string's order.
func (r *Report) ParamRows() []ParamRow {
	var keys []string
	for _, p := range r.Pipelines {
		for _, q := range p.Params {
			if !slices.Contains(keys, q.Key) {
				keys = append(keys, q.Key)
			}
		}
	}
	// Keys in the order of the pipeline that has the most (a letterbox has all).
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(keyOrder(r, a), keyOrder(r, b)) })
	rows := make([]ParamRow, 0, len(keys))
	for _, k := range keys {
		row := ParamRow{Key: k}
		for _, p := range r.Pipelines {
			v, m := "–", ""
			for _, q := range p.Params {
				if q.Key == k {
					v, m = q.Value, q.Meaning
				}
			}
			row.Values = append(row.Values, v)
			row.Meanings = append(row.Meanings, m)
			row.Differs = row.Differs || v != row.Values[0]
		}
		rows = append(rows, row)
	}
	return rows
}

// ValueMeaning is what one value of a parameter does, for the pipelines that have
// it (Pipeline empty when every pipeline has the same value).
type ValueMeaning struct {
	Pipeline, Text string
}

// Meaning says what the row's values do: once when the pipelines agree, else per
// pipeline that has the parameter.
func (row ParamRow) Meaning(pipelines []Pipeline) []ValueMeaning {
	if !row.Differs {
		return []ValueMeaning{{Text: row.Meanings[0]}}
	}
	var out []ValueMeaning
	for i, m := range row.Meanings {
		if m != "" {
			out = append(out, ValueMeaning{Pipeline: pipelines[i].Label, Text: m})
		}
	}
	return out
}

// keyOrder is the position of key among the parameters of the pipeline with the most.
func keyOrder(r *Report, key string) int {
	var most []letterbox.Param
	for _, p := range r.Pipelines {
		if len(p.Params) > len(most) {
			most = p.Params
		}
	}
	return slices.IndexFunc(most, func(q letterbox.Param) bool { return q.Key == key })
}

// Failed returns the checks that failed.
func (r *Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Failed {
			out = append(out, c)
		}
	}
	return out
}

// byDisagreement orders candidate gallery images: largest |TP difference| between any
// two pipelines first, then largest |FP difference|, then most errors, then name.
func byDisagreement(a, b galleryKey) int {
	return cmp.Or(cmp.Compare(b.dTP, a.dTP), cmp.Compare(b.dFP, a.dFP), cmp.Compare(b.errors, a.errors), cmp.Compare(a.name, b.name))
}
