package parity

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/detparity/detparity/internal/textsafe"
	"github.com/detparity/detparity/metrics"
)

// Thresholds gate a Comparison (`detparity diff`, paritytest): each non-zero field
// is a limit on how much worse B may be than A; zero fields are not checked.
type Thresholds struct {
	// MaxF1Drop: fail when F1(A) − F1(B) at the run's conf exceeds it.
	MaxF1Drop float64
	// MaxAPDrop and MaxAP50Drop: fail when the COCO AP (0.50:0.95) or AP50 drops by
	// more than this.
	MaxAPDrop, MaxAP50Drop float64
	// MaxPSI, MaxKS and MaxW1: fail when the PSI, the KS statistic D or the
	// Wasserstein-1 distance between A's and B's confidence distributions (either
	// sample: ground truths' best scores, or all detections) exceeds it.
	MaxPSI, MaxKS, MaxW1 float64
	// FailOnDrift: "minor" or "major" fails when either sample's drift verdict
	// (metrics.CompareScores) is at least that level; "" does not check it.
	FailOnDrift string
	// Significant: a drop of F1 or AP50 beyond its limit fails only when the paired
	// bootstrap also finds the change significant (p < 0.05).
	Significant bool
	// AllowDifferent lets Compare compare two results of different models or
	// datasets (by their hashes: Result.ModelSHA256, Result.DataSHA256); without
	// it that is an error wrapping ErrDifferentRuns. The difference is then
	// listed in Comparison.Differences. (Two pipelines of one result always
	// compare: a run of several models compares them on purpose.)
	AllowDifferent bool
}

// Validate refuses thresholds that cannot be meant, naming each by its flag:
// NaN, ±Inf or negative limits, an unknown FailOnDrift level.
func (t Thresholds) Validate() error {
	var errs []error
	for _, f := range []struct {
		flag string
		v    float64
	}{{"max-f1-drop", t.MaxF1Drop}, {"max-ap-drop", t.MaxAPDrop}, {"max-ap50-drop", t.MaxAP50Drop},
		{"max-psi", t.MaxPSI}, {"max-ks", t.MaxKS}, {"max-w1", t.MaxW1}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			errs = append(errs, fmt.Errorf("--%s %v, expected a finite number >= 0 (0: not checked)", f.flag, f.v))
		}
	}
	if t.FailOnDrift != "" && t.FailOnDrift != "minor" && t.FailOnDrift != "major" {
		errs = append(errs, fmt.Errorf("--fail-on-drift %q, expected minor or major", t.FailOnDrift))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("parity: %w", err)
	}
	return nil
}

// Comparison is run B against run A on the same images: a benchstat-like table of
// metrics with paired-bootstrap intervals, the confidence distances, and the
// reasons the thresholds failed.
type Comparison struct {
	// A and B label the two sides (e.g. "old.json:sg-coco").
	A, B string
	// PA and PB are the compared pipelines.
	PA, PB *PipelineResult
	// Conf is the threshold of F1; Images the number of paired images.
	Conf   float64
	Images int
	// Bootstrap is the paired bootstrap of F1 and AP50 (seed 1, 1000 resamples).
	Bootstrap metrics.BootstrapResult
	// GTBest and Detections compare the two confidence distributions.
	GTBest, Detections Distance
	// Differences say, one line each, what differs between the two sides besides
	// the pipeline: a setting (conf, score floor, NMS IoU, bins, layout, strict
	// labels: the value each side used and what it affects), or, with
	// Thresholds.AllowDifferent, the model or the dataset.
	Differences []string
	// Unchecked are the limits that were not applied, with why: PSI and W1
	// limits on a sample smaller than metrics.DriftThresholds.MinSamples, whose
	// noise alone would exceed them.
	Unchecked []string
	// Failures are the threshold checks that failed, each naming the limit; empty
	// when B passes.
	Failures []string
}

// BootstrapSeed seeds Compare's resampling, so a comparison prints the same
// numbers every time.
const BootstrapSeed = 1

// Compare compares pipeline pb of run b with pipeline pa of run a. Both must have
// evaluated the same images (same names, same ground truth classes, same order)
// at the same match IoU; F1 is taken at a's conf.
func Compare(labelA string, a *Result, pa *PipelineResult, labelB string, b *Result, pb *PipelineResult, th Thresholds) (*Comparison, error) {
	if err := th.Validate(); err != nil {
		return nil, err
	}
	var differences []string
	if a != b {
		ia, ib := a.identityOf(pa), b.identityOf(pb)
		if err := sameInputs(labelA, ia, labelB, ib); err != nil {
			if !th.AllowDifferent {
				return nil, fmt.Errorf("parity: %w; compare them anyway with --allow-different (Thresholds.AllowDifferent)", err)
			}
			differences = append(differences, err.Error()+" (compared anyway: --allow-different)")
		}
	}
	if b.Floor > a.Conf {
		return nil, fmt.Errorf("parity: %s kept detections scoring above %g only (its --floor), more than the conf of %s (%g) at which both sides are compared: rerun it with --floor <= %g or compare at a higher --conf", labelB, b.Floor, labelA, a.Conf, a.Conf)
	}
	if a.MatchIoU != b.MatchIoU {
		return nil, fmt.Errorf("parity: %s matched at IoU %g and %s at %g; compare runs with the same --iou", labelA, a.MatchIoU, labelB, b.MatchIoU)
	}
	if len(pa.PerImage) != len(pb.PerImage) {
		return nil, fmt.Errorf("parity: %s evaluated %d images and %s %d; a paired comparison needs the same images", labelA, len(pa.PerImage), labelB, len(pb.PerImage))
	}
	for i := range pa.PerImage {
		ia, ib := pa.PerImage[i], pb.PerImage[i]
		if ia.Image != ib.Image || !slices.Equal(ia.GTClasses, ib.GTClasses) {
			return nil, fmt.Errorf("parity: image %d is %s (%d ground truths) in %s and %s (%d) in %s; a paired comparison needs the same images and labels",
				i, ia.Image, len(ia.GTClasses), labelA, ib.Image, len(ib.GTClasses), labelB)
		}
	}
	if len(pa.PerImage) == 0 {
		return nil, fmt.Errorf("parity: %s has no evaluated image", labelA)
	}
	ra, err := pa.ImageResults(a.MatchIoU)
	if err != nil {
		return nil, err
	}
	rb, err := pb.ImageResults(b.MatchIoU)
	if err != nil {
		return nil, err
	}
	c := &Comparison{A: labelA, B: labelB, PA: pa, PB: pb, Conf: a.Conf, Images: len(ra), Differences: append(differences, settingDifferences(a, b)...)}
	opts := metrics.DefaultBootstrapOptions()
	opts.Conf, opts.Seed = a.Conf, BootstrapSeed
	if c.Bootstrap, err = metrics.PairedBootstrap(ra, rb, opts); err != nil {
		return nil, fmt.Errorf("parity: %s vs %s: %w", labelA, labelB, err)
	}
	if c.GTBest, err = distanceOf(labelA, labelB, "gt_best", pa.GTBestScores(), pb.GTBestScores()); err != nil {
		return nil, err
	}
	if c.Detections, err = distanceOf(labelA, labelB, "detections", pa.DetectionScores(), pb.DetectionScores()); err != nil {
		return nil, err
	}
	c.Failures = c.check(th)
	return c, nil
}

func (c *Comparison) check(th Thresholds) []string {
	var out []string
	drop := func(name, flag string, limit, a, b float64, boot *metrics.BootstrapDelta) {
		if limit <= 0 || a-b <= limit {
			return
		}
		if th.Significant && boot != nil && !boot.Significant() {
			return
		}
		out = append(out, fmt.Sprintf("%s dropped by %.4f (%.4f -> %.4f), more than %s %g", name, a-b, a, b, flag, limit))
	}
	// F1 of both sides at A's conf (the bootstrap's), whatever B's own conf was.
	drop("F1", "--max-f1-drop", th.MaxF1Drop, c.Bootstrap.F1.A, c.Bootstrap.F1.B, &c.Bootstrap.F1)
	drop("AP", "--max-ap-drop", th.MaxAPDrop, c.PA.AP, c.PB.AP, nil)
	drop("AP50", "--max-ap50-drop", th.MaxAP50Drop, c.PA.AP50, c.PB.AP50, &c.Bootstrap.AP50)
	for _, d := range []Distance{c.GTBest, c.Detections} {
		if d.NA == 0 || d.NB == 0 {
			continue
		}
		over := func(name, flag string, v, limit float64) {
			if limit > 0 && v > limit {
				out = append(out, fmt.Sprintf("%s of the %s scores is %.4g, more than %s %g", name, d.Sample, v, flag, limit))
			}
		}
		over("KS D", "--max-ks", d.KS, th.MaxKS)
		if minN := metrics.DefaultDriftThresholds().MinSamples; d.NA < minN || d.NB < minN {
			for _, l := range []struct {
				flag  string
				limit float64
			}{{"--max-psi", th.MaxPSI}, {"--max-w1", th.MaxW1}} {
				if l.limit > 0 {
					c.Unchecked = append(c.Unchecked, fmt.Sprintf("%s on the %s scores: %d and %d scores, fewer than %d", l.flag, d.Sample, d.NA, d.NB, minN))
				}
			}
		} else {
			over("PSI", "--max-psi", d.PSI, th.MaxPSI)
			over("W1", "--max-w1", d.W1, th.MaxW1)
		}
		level := strings.SplitN(d.Drift, " ", 2)[0]
		if (th.FailOnDrift == "minor" && level != "none") || (th.FailOnDrift == "major" && level == "major") {
			out = append(out, fmt.Sprintf("the %s scores drift: %s (--fail-on-drift %s)", d.Sample, d.Drift, th.FailOnDrift))
		}
	}
	return out
}

// Passed reports whether no threshold failed.
func (c *Comparison) Passed() bool { return len(c.Failures) == 0 }

// WriteTable writes the comparison like benchstat: one row per metric with A, B,
// the change (the bootstrap's "~" when it is not significant), its 95% interval
// and p-value; then the distribution distances and the verdict.
func (c *Comparison) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "A: %s (%s)\nB: %s (%s)\n%d paired images; F1 at conf > %g; paired bootstrap, %d resamples, seed %d\n",
		textsafe.Name(c.A), c.PA.Spec, textsafe.Name(c.B), c.PB.Spec, c.Images, c.Conf, c.Bootstrap.Resamples, BootstrapSeed)
	for _, d := range c.Differences {
		fmt.Fprintln(w, "DIFFERS "+textsafe.Text(d))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-16s\t", "metric")
	fmt.Fprintln(tw, "A\tB\tdelta\t95% CI\tp\t")
	boot := func(name string, d metrics.BootstrapDelta) {
		fmt.Fprintf(tw, "%-16s\t%.4f\t%.4f\t%s\t[%+.4f, %+.4f]\t%s\t\n", name, d.A, d.B, d.Symbol(), d.Lo, d.Hi, pString(d.P, c.Bootstrap.Resamples))
	}
	plain := func(name string, a, b float64, okA, okB bool) {
		delta := statCell("%+.4f", b-a, okA && okB)
		fmt.Fprintf(tw, "%-16s\t%s\t%s\t%s\t\t\t\n", name, statCell("%.4f", a, okA), statCell("%.4f", b, okB), delta)
	}
	boot("F1", c.Bootstrap.F1)
	plain("precision", c.PA.Precision, c.PB.Precision, c.PA.precisionDefined(), c.PB.precisionDefined())
	plain("recall", c.PA.Recall, c.PB.Recall, c.PA.recallDefined(), c.PB.recallDefined())
	boot("AP50 (bootstrap)", c.Bootstrap.AP50)
	plain("AP50 (COCO)", c.PA.AP50, c.PB.AP50, apDefined(c.PA.AP50), apDefined(c.PB.AP50))
	plain("AP (COCO)", c.PA.AP, c.PB.AP, apDefined(c.PA.AP), apDefined(c.PB.AP))
	fmt.Fprintf(tw, "%-16s\t", "TP / FP / FN")
	fmt.Fprintf(tw, "%d / %d / %d\t%d / %d / %d\t\t\t\t\n", c.PA.TP, c.PA.FP, c.PA.FN, c.PB.TP, c.PB.FP, c.PB.FN)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nconfidence distributions (B against A):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  sample\tn A\tn B\tKS D\tKS p\tW1\tJS (bits)\tPSI\tdrift")
	for _, d := range []Distance{c.GTBest, c.Detections} {
		if d.NA == 0 || d.NB == 0 {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s: an empty sample\n", d.Sample, d.NA, d.NB, NA, NA, NA, NA, NA, NA)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%.4f\t%.3g\t%.4f\t%.4f\t%.4f\t%s\n", d.Sample, d.NA, d.NB, d.KS, d.KSP, d.W1, d.JS, d.PSI, d.Drift)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(c.Unchecked) > 0 {
		fmt.Fprintln(w)
	}
	for _, u := range c.Unchecked {
		fmt.Fprintln(w, "NOT CHECKED "+u)
	}
	if c.Passed() {
		fmt.Fprintln(w, "\nPASS")
	} else {
		fmt.Fprintln(w, "\nFAIL")
		for _, f := range c.Failures {
			fmt.Fprintln(w, "  "+f)
		}
	}
	return nil
}

// pString prints a bootstrap p-value; the smallest it can be is 2/(B+1).
func pString(p float64, resamples int) string {
	if p <= 2/float64(resamples+1)+1e-12 {
		return fmt.Sprintf("p<%.3f", math.Max(2/float64(resamples+1), 0.001))
	}
	return fmt.Sprintf("p=%.3f", p)
}

// identityOf is r reduced to what pipeline p of it compares: p's model and its
// hash, r's dataset.
func (r *Result) identityOf(p *PipelineResult) *Result {
	id := &Result{Models: []string{p.Model}, Data: r.Data, DataSHA256: r.DataSHA256}
	if k := slices.Index(r.Models, p.Model); k >= 0 && k < len(r.ModelSHA256) {
		id.ModelSHA256 = []string{r.ModelSHA256[k]}
	}
	return id
}

// settingDifferences says which settings the two runs did not share, with the
// value each used and what it changes in the comparison.
func settingDifferences(a, b *Result) []string {
	var out []string
	add := func(name string, va, vb any, effect string) {
		if fmt.Sprint(va) != fmt.Sprint(vb) {
			out = append(out, fmt.Sprintf("%s: A used %v, B used %v; %s", name, va, vb, effect))
		}
	}
	add("conf", a.Conf, b.Conf, "F1 and the bootstrap are at A's conf for both sides, the precision, recall and TP/FP/FN rows each at its own")
	add("score floor", a.Floor, b.Floor, "AP and the confidence distributions see the detections above each side's floor")
	add("NMS IoU", a.NMSIoU, b.NMSIoU, "the sides kept different boxes after NMS")
	add("bins", a.Bins, b.Bins, "the histograms differ in resolution")
	add("layout", a.Layout, b.Layout, "the outputs may have been decoded differently")
	add("strict labels", a.StrictLabels, b.StrictLabels, "images without a label file failed on one side only")
	add("classes kept", a.ClassesKept, b.ClassesKept, "the sides evaluated different model classes")
	add("single label", a.SingleLabel, b.SingleLabel, "one side kept one class per box, the other every class above the floor")
	add("class-agnostic NMS", a.ClassAgnostic, b.ClassAgnostic, "one side suppressed boxes across classes")
	return out
}
