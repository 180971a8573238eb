package metrics

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// DefaultBootstrapResamples is the default number of bootstrap resamples B. With
// B = 1000 the 95 % percentile interval and a p-value near 0.05 are each good to about
// ±0.01 (Efron & Tibshirani, An Introduction to the Bootstrap, 1993, ch. 13 and 19).
const DefaultBootstrapResamples = 1000

// BootstrapOptions configure [PairedBootstrap].
type BootstrapOptions struct {
	// Conf: F1 counts detections with Score > Conf. It must be >= the conf the image
	// results were matched at.
	Conf float64
	// Resamples is B, at least 1.
	Resamples int
	// Seed seeds the resampling (PCG); the same seed gives the same result.
	Seed uint64
	// Alpha is the significance level and 1−Alpha the interval's coverage, in (0, 1).
	Alpha float64
}

// DefaultBootstrapOptions is where options start: [DefaultBootstrapResamples]
// resamples, Alpha 0.05, Conf 0 and Seed 0.
func DefaultBootstrapOptions() BootstrapOptions {
	return BootstrapOptions{Resamples: DefaultBootstrapResamples, Alpha: 0.05}
}

// check refuses image counts that cannot pair (na, nb >= 0; use -1 for "not
// checked here") and options that cannot run (a zero Resamples or Alpha is refused
// too: start from [DefaultBootstrapOptions]).
func (o BootstrapOptions) check(na, nb int) error {
	if na >= 0 && (na != nb || na == 0) {
		return fmt.Errorf("metrics: paired bootstrap over %d and %d images, want the same non-zero number", na, nb)
	}
	if o.Resamples < 1 || !(o.Alpha > 0 && o.Alpha < 1) {
		return fmt.Errorf("metrics: paired bootstrap with %d resamples, alpha %v; want >= 1 and 0 < alpha < 1 (start from DefaultBootstrapOptions)", o.Resamples, o.Alpha)
	}
	return nil
}

// BootstrapDelta is the paired bootstrap estimate of B − A for one metric.
type BootstrapDelta struct {
	// A, B are the metric on the full data set; Delta = B − A.
	A, B, Delta float64
	// Lo, Hi is the percentile interval of the resampled deltas (coverage 1−Alpha).
	Lo, Hi float64
	// P is the two-sided bootstrap p-value of "no change": twice the smaller share of
	// resampled deltas on either side of 0 (each counted as (1+k)/(B+1)), at most 1.
	P float64
	// Alpha is the level P is compared with.
	Alpha float64
}

// Significant reports P < Alpha.
func (d BootstrapDelta) Significant() bool { return d.P < d.Alpha }

// Symbol is what a diff table prints for the change: "~" when it is not significant
// (benchstat's habit), otherwise the signed delta with 4 decimals, e.g. "-0.8512"
// or "+0.0300".
func (d BootstrapDelta) Symbol() string {
	if !d.Significant() {
		return "~"
	}
	if d.Delta >= 0 {
		return "+" + strconv.FormatFloat(d.Delta, 'f', 4, 64)
	}
	return strconv.FormatFloat(d.Delta, 'f', 4, 64)
}

// BootstrapResult is the outcome of [PairedBootstrap].
type BootstrapResult struct {
	// Images is the number of image pairs, Resamples B.
	Images, Resamples int
	// F1 is the micro F1 at Conf; AP50 the mean over classes with ground truth of
	// the 101-point interpolated AP of all detections (see [PairedBootstrap]).
	F1, AP50 BootstrapDelta
}

// PairedBootstrap estimates whether run B differs from run A on the same images, by
// the image-level paired bootstrap (Efron & Tibshirani 1993; the test used for
// detection benchmarks by e.g. Dror et al. 2018): B times, draw n images with
// replacement (the same draw for both runs), compute each metric for A and for B on the
// draw and record B − A. The interval is the Alpha/2 and 1−Alpha/2 percentiles of those
// deltas; the p-value is as [BootstrapDelta.P] says.
//
// Input: a[i] and b[i] are the same image matched by [MatchImage] for run A and run B
// at one IoU threshold and a conf no higher than opts.Conf: typically conf −Inf and
// IoU 0.5, so that all detections are known. The images must have the same ground
// truth classes (pairing is checked on the count and classes). Metrics:
//   - F1: micro F1 over all classes of the detections with Score > opts.Conf (exact at
//     any such conf, see [CurveAccumulator]).
//   - AP50: per class, the detections of the draw sorted by descending score (stable:
//     image order in the draw, then detection order), precision made non-increasing
//     from the right and read at the 101 recall points as pycocotools does, averaged
//     over classes with ground truth in the draw. The matching is MatchImage's (IoU
//     ties to the lower ground-truth index, no maxDets cut, no crowd): use it for the
//     significance of a change, and [COCOEvaluator] for the number to report.
//
// It fails when the slices differ in length or are empty, a pair does not match, or an
// image was matched at a conf above opts.Conf.
func PairedBootstrap(a, b []ImageResult, opts BootstrapOptions) (BootstrapResult, error) {
	if err := opts.check(len(a), len(b)); err != nil {
		return BootstrapResult{}, err
	}
	numClasses := 0
	for i := range a {
		if !slices.Equal(a[i].GTClasses, b[i].GTClasses) {
			return BootstrapResult{}, fmt.Errorf("metrics: paired bootstrap: image %d has ground truth classes %v in run A and %v in run B, want the same image", i, a[i].GTClasses, b[i].GTClasses)
		}
		for _, r := range []ImageResult{a[i], b[i]} {
			if r.Conf > opts.Conf {
				return BootstrapResult{}, fmt.Errorf("metrics: paired bootstrap: image %d matched at conf %v, above the F1 conf %v", i, r.Conf, opts.Conf)
			}
			for _, c := range r.GTClasses {
				numClasses = max(numClasses, c+1)
			}
			for _, c := range r.DetClasses {
				numClasses = max(numClasses, c+1)
			}
		}
	}
	pa, pb := newBootRun(a, opts.Conf, numClasses), newBootRun(b, opts.Conf, numClasses)
	n := len(a)
	w := make([]int, n)
	for i := range w {
		w[i] = 1
	}
	res := BootstrapResult{Images: n, Resamples: opts.Resamples}
	res.F1 = BootstrapDelta{A: pa.f1(w), B: pb.f1(w), Alpha: opts.Alpha}
	res.AP50 = BootstrapDelta{A: pa.ap50(w), B: pb.ap50(w), Alpha: opts.Alpha}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6465747061726974)) // "detparit"
	df1 := make([]float64, opts.Resamples)
	dap := make([]float64, opts.Resamples)
	for r := range opts.Resamples {
		clear(w)
		for range n {
			w[rng.IntN(n)]++
		}
		df1[r] = pb.f1(w) - pa.f1(w)
		dap[r] = pb.ap50(w) - pa.ap50(w)
	}
	finish(&res.F1, df1)
	finish(&res.AP50, dap)
	return res, nil
}

func finish(d *BootstrapDelta, deltas []float64) {
	d.Delta = d.B - d.A
	slices.Sort(deltas)
	d.Lo = percentile(deltas, d.Alpha/2)
	d.Hi = percentile(deltas, 1-d.Alpha/2)
	le, ge := 0, 0
	for _, v := range deltas {
		if v <= 0 {
			le++
		}
		if v >= 0 {
			ge++
		}
	}
	b := float64(len(deltas))
	d.P = math.Min(1, 2*math.Min(float64(1+le)/(b+1), float64(1+ge)/(b+1)))
}

// percentile of sorted s by linear interpolation between closest ranks (numpy's
// default "linear" method).
func percentile(s []float64, q float64) float64 {
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (s[hi]-s[lo])*(pos-float64(lo))
}

// bootRun holds one run's per-image numbers for fast resampling.
type bootRun struct {
	tp, fp, fn []int   // per image, at conf
	gt         [][]int // per image, per class: ground truths
	// dets sorted by descending score (stable over image, detection order)
	dets []bootDet
	nc   int
	// ap50's scratch
	npig, tpN, fpN []int
	tpPr           [][]float64
	q              [COCORecallPoints]float64
}

type bootDet struct {
	image, class int
	tp           bool
}

func newBootRun(rs []ImageResult, conf float64, nc int) *bootRun {
	br := &bootRun{tp: make([]int, len(rs)), fp: make([]int, len(rs)), fn: make([]int, len(rs)), gt: make([][]int, len(rs)), nc: nc}
	type sd struct {
		bootDet
		score float64
	}
	var all []sd
	for i, r := range rs {
		br.gt[i] = make([]int, nc)
		for _, c := range r.GTClasses {
			br.gt[i][c]++
		}
		for j, m := range r.DetMatch {
			if m == BelowConf || m == Ignored {
				continue
			}
			tp := m != Unmatched
			if r.DetScores[j] > conf {
				if tp {
					br.tp[i]++
				} else {
					br.fp[i]++
				}
			}
			all = append(all, sd{bootDet{i, r.DetClasses[j], tp}, r.DetScores[j]})
		}
		br.fn[i] = len(r.GTClasses) - br.tp[i]
	}
	slices.SortStableFunc(all, func(x, y sd) int { return cmp.Compare(y.score, x.score) })
	br.dets = make([]bootDet, len(all))
	for i, d := range all {
		br.dets[i] = d.bootDet
	}
	return br
}

func (br *bootRun) f1(w []int) float64 {
	var c Counts
	for i, k := range w {
		c.TP += k * br.tp[i]
		c.FP += k * br.fp[i]
		c.FN += k * br.fn[i]
	}
	return c.F1()
}

// ap50 repeats every image as often as the draw holds it; copies of one detection sit
// next to each other in score order. Its buffers are reused from call to call.
func (br *bootRun) ap50(w []int) float64 {
	if br.npig == nil {
		br.npig, br.tpN, br.fpN, br.tpPr = make([]int, br.nc), make([]int, br.nc), make([]int, br.nc), make([][]float64, br.nc)
	}
	npig, tp, fp, tpPr := br.npig, br.tpN, br.fpN, br.tpPr
	clear(npig)
	clear(tp)
	clear(fp)
	for c := range tpPr {
		tpPr[c] = tpPr[c][:0]
	}
	for i, k := range w {
		for c, n := range br.gt[i] {
			npig[c] += k * n
		}
	}
	for _, d := range br.dets {
		for range w[d.image] {
			if d.tp {
				tp[d.class]++
				tpPr[d.class] = append(tpPr[d.class], float64(tp[d.class])/(float64(tp[d.class]+fp[d.class])+0x1p-52))
			} else {
				fp[d.class]++
			}
		}
	}
	sum, k := 0.0, 0
	for c := range br.nc {
		if npig[c] == 0 {
			continue
		}
		k++
		sum += interpolatedAP(tpPr[c], npig[c], br.q[:])
	}
	if k == 0 {
		return 0
	}
	return sum / float64(k)
}

// interpolatedAP is pycocotools' 101-point AP from the precisions at each true positive
// in score order (see [COCOEvaluator.Summarize] for why those suffice).
func interpolatedAP(tpPr []float64, npig int, q []float64) float64 {
	for i := len(tpPr) - 1; i > 0; i-- {
		tpPr[i-1] = math.Max(tpPr[i-1], tpPr[i])
	}
	clear(q)
	n := 0
	for r, thr := range cocoRecThrs {
		for n < len(tpPr) && float64(n)/float64(npig) < thr {
			n++
		}
		if float64(n)/float64(npig) < thr || len(tpPr) == 0 {
			break
		}
		q[r] = tpPr[max(n-1, 0)]
	}
	return npMean(q)
}

// Ratio is one image's part of a ratio statistic Σ Num / Σ Den over images: for
// example the sum of the best scores its ground truths got and their count (the
// mean score a real object gets), or the detections agreeing with a reference and
// all the detections compared.
type Ratio struct {
	Num, Den float64
}

// PairedBootstrapRatio is [PairedBootstrap] for a ratio statistic Σ Num / Σ Den
// (0 when Σ Den is 0): a[i] and b[i] are the same image under runs A and B, and
// every resample draws the same images for both. The result's A and B are the
// statistic on the full data set.
func PairedBootstrapRatio(a, b []Ratio, opts BootstrapOptions) (BootstrapDelta, error) {
	if err := opts.check(len(a), len(b)); err != nil {
		return BootstrapDelta{}, err
	}
	for i := range a {
		for _, r := range []Ratio{a[i], b[i]} {
			if math.IsNaN(r.Num) || math.IsInf(r.Num, 0) || !(r.Den >= 0) || math.IsInf(r.Den, 0) {
				return BootstrapDelta{}, fmt.Errorf("metrics: paired bootstrap: image %d has ratio %v/%v, want finite values and a denominator >= 0", i, r.Num, r.Den)
			}
		}
	}
	n := len(a)
	w := make([]int, n)
	for i := range w {
		w[i] = 1
	}
	ratio := func(rs []Ratio) float64 {
		var num, den float64
		for i, k := range w {
			num += float64(k) * rs[i].Num
			den += float64(k) * rs[i].Den
		}
		if den == 0 {
			return 0
		}
		return num / den
	}
	d := BootstrapDelta{A: ratio(a), B: ratio(b), Alpha: opts.Alpha}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6465747061726974)) // "detparit"
	deltas := make([]float64, opts.Resamples)
	for r := range opts.Resamples {
		clear(w)
		for range n {
			w[rng.IntN(n)]++
		}
		deltas[r] = ratio(b) - ratio(a)
	}
	finish(&d, deltas)
	return d, nil
}

// PairedBootstrapAP is [PairedBootstrap] for the mean over IoU thresholds of the
// 101-point AP (COCO's AP over IoU 0.50:0.95 when a and b hold the images matched
// at 0.50, 0.55, ..., 0.95): a[t][i] and b[t][i] are image i matched by
// [MatchImage] at threshold t for runs A and B (all detections, conf −Inf or at
// most opts.Conf), and every resample draws the same images for every threshold
// and both runs. The per-threshold AP is PairedBootstrap's AP50 computation.
func PairedBootstrapAP(a, b [][]ImageResult, opts BootstrapOptions) (BootstrapDelta, error) {
	if len(a) != len(b) || len(a) == 0 {
		return BootstrapDelta{}, fmt.Errorf("metrics: paired bootstrap over %d and %d IoU thresholds, want the same non-zero number", len(a), len(b))
	}
	if err := opts.check(-1, -1); err != nil {
		return BootstrapDelta{}, err
	}
	var runsA, runsB []*bootRun
	n := -1
	for t := range a {
		if len(a[t]) != len(b[t]) || len(a[t]) == 0 || (n >= 0 && len(a[t]) != n) {
			return BootstrapDelta{}, fmt.Errorf("metrics: paired bootstrap: threshold %d has %d and %d images, want the same non-zero number at every threshold", t, len(a[t]), len(b[t]))
		}
		n = len(a[t])
		// PairedBootstrap checks the pairing and the options; its F1 and AP50 are not used.
		if _, err := PairedBootstrap(a[t], b[t], BootstrapOptions{Conf: opts.Conf, Resamples: 1, Alpha: 0.5}); err != nil {
			return BootstrapDelta{}, err
		}
		nc := 0
		for _, rs := range [][]ImageResult{a[t], b[t]} {
			for _, r := range rs {
				for _, c := range r.GTClasses {
					nc = max(nc, c+1)
				}
				for _, c := range r.DetClasses {
					nc = max(nc, c+1)
				}
			}
		}
		runsA, runsB = append(runsA, newBootRun(a[t], opts.Conf, nc)), append(runsB, newBootRun(b[t], opts.Conf, nc))
	}
	w := make([]int, n)
	for i := range w {
		w[i] = 1
	}
	mean := func(rs []*bootRun) float64 {
		s := 0.0
		for _, r := range rs {
			s += r.ap50(w)
		}
		return s / float64(len(rs))
	}
	d := BootstrapDelta{A: mean(runsA), B: mean(runsB), Alpha: opts.Alpha}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6465747061726974)) // "detparit"
	deltas := make([]float64, opts.Resamples)
	for r := range opts.Resamples {
		clear(w)
		for range n {
			w[rng.IntN(n)]++
		}
		deltas[r] = mean(runsB) - mean(runsA)
	}
	finish(&d, deltas)
	return d, nil
}
