package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/detparity/detparity/box"
)

// Ultralytics-style AP: a SECOND definition, not COCO's. It follows ultralytics'
// DetectionValidator.match_predictions and utils/metrics.py ap_per_class/compute_ap,
// the numbers `yolo val` prints as P, R, mAP50 and mAP50-95. It differs from
// [COCOEvaluator] in matching (IoU first, not score first), in integration (trapezoid
// over a 101-point interpolated curve instead of the mean of 101 samples), in having no
// crowd regions, area ranges or maxDets, and in reading P and R at the confidence of
// the best mean F1. Use it to reconcile with Ultralytics, not to report COCO numbers.

// ultralyticsIoUThrs are torch.linspace(0.5, 0.95, 10) in float32, as the validator
// compares with them (0.550000011920929, ...).
var ultralyticsIoUThrs = func() [COCOIoUThresholds]float64 {
	var t [COCOIoUThresholds]float64
	for i, v := range linspace(0.5, 0.95, COCOIoUThresholds) {
		t[i] = float64(float32(v))
	}
	return t
}()

// UltralyticsMatch marks which detections of one image are correct at each of the 10
// IoU thresholds 0.50:0.05:0.95 by Ultralytics' IoU-first rule (match_predictions):
// every same-class (ground truth, detection) pair with IoU >= threshold is a candidate;
// candidates are ordered by descending IoU; each detection keeps its best candidate;
// among those, each ground truth keeps the one of the LOWEST detection index
// (Ultralytics re-sorts by detection index before this step; its detections come
// sorted by descending score, so that is the highest-scored). Bit t of the result is
// set when detection j is correct at threshold t.
//
// Equal IoUs are ordered as match_predictions orders them: it lists the candidates in
// (ground truth, detection) order, sorts by IoU ascending (iou.argsort()) and reverses
// ([::-1]), so a tie goes to the HIGHER ground-truth index, then the higher detection
// index. That is exact while numpy's argsort is stable, which it is for up to 16
// candidates (insertion sort); beyond that numpy's introsort orders ties in a way that
// depends on its version and the CPU, and this keeps the stable order. Cross-checked
// against the real functions in metrics/testdata/ultralytics_cases.
//
// IoU is [box.IoU] in float64; Ultralytics computes it in float32 with a 1e-7 term in
// the union, so the two can disagree for an IoU within ~1e-6 of a threshold.
func UltralyticsMatch(gts []box.Object, dets []box.Detection) []uint16 {
	correct := make([]uint16, len(dets))
	type cand struct {
		g, d int
		iou  float64
	}
	var all []cand
	for g, o := range gts {
		for d, p := range dets {
			if o.Class == p.Class {
				if v := box.IoU(o.Box, p.Box); v >= ultralyticsIoUThrs[0] {
					all = append(all, cand{g, d, v})
				}
			}
		}
	}
	slices.SortFunc(all, func(a, b cand) int {
		if c := cmp.Compare(b.iou, a.iou); c != 0 {
			return c
		}
		if c := cmp.Compare(b.g, a.g); c != 0 {
			return c
		}
		return cmp.Compare(b.d, a.d)
	})
	bestOfDet := make([]int, len(dets))
	gtTaken := make([]bool, len(gts))
	var kept []cand
	for t, thr := range ultralyticsIoUThrs {
		for d := range bestOfDet {
			bestOfDet[d] = -1
		}
		for i, c := range all {
			if c.iou >= thr && bestOfDet[c.d] < 0 {
				bestOfDet[c.d] = i
			}
		}
		clear(gtTaken)
		kept = kept[:0]
		for d, i := range bestOfDet { // ascending detection index
			if i >= 0 && !gtTaken[all[i].g] {
				gtTaken[all[i].g] = true
				kept = append(kept, all[i])
				correct[d] |= 1 << t
			}
		}
	}
	return correct
}

// UltralyticsAccumulator collects, image by image, each detection's score, class and
// correctness at the 10 thresholds plus the ground-truth classes, as the Ultralytics
// validator's stats; [UltralyticsAccumulator.Result] runs ap_per_class on them.
// Accumulators over shards merge in shard order into exactly the one-run accumulator.
type UltralyticsAccumulator struct {
	numClasses int
	images     int
	gtCount    []int
	conf       []float64
	cls        []int
	correct    []uint16
	tmp        []box.Detection // sort scratch
}

// NewUltralyticsAccumulator returns an empty accumulator for classes 0..numClasses-1.
func NewUltralyticsAccumulator(numClasses int) (*UltralyticsAccumulator, error) {
	if numClasses < 1 {
		return nil, fmt.Errorf("metrics: Ultralytics accumulator with %d classes, want at least 1", numClasses)
	}
	return &UltralyticsAccumulator{numClasses: numClasses, gtCount: make([]int, numClasses)}, nil
}

// Add matches one image with [UltralyticsMatch] (detections first sorted by descending
// score, stable, as the NMS output Ultralytics feeds it) and adds it. It fails, adding
// nothing, on a class outside 0..numClasses-1 or a NaN score.
func (u *UltralyticsAccumulator) Add(gts []box.Object, dets []box.Detection) error {
	for i, g := range gts {
		if g.Class < 0 || g.Class >= u.numClasses {
			return fmt.Errorf("metrics: Ultralytics image %d: ground truth %d has class %d, want 0..%d", u.images, i, g.Class, u.numClasses-1)
		}
	}
	for j, d := range dets {
		if d.Class < 0 || d.Class >= u.numClasses || math.IsNaN(d.Score) {
			return fmt.Errorf("metrics: Ultralytics image %d: detection %d has class %d score %v, want 0..%d and a number", u.images, j, d.Class, d.Score, u.numClasses-1)
		}
	}
	sorted := slices.Clone(dets)
	u.tmp = sortByScoreDesc(sorted, u.tmp, func(d *box.Detection) float64 { return d.Score })
	correct := UltralyticsMatch(gts, sorted)
	for _, g := range gts {
		u.gtCount[g.Class]++
	}
	for j, d := range sorted {
		u.conf = append(u.conf, d.Score)
		u.cls = append(u.cls, d.Class)
		u.correct = append(u.correct, correct[j])
	}
	u.images++
	return nil
}

// Merge appends o's images after a's own (o is left unchanged).
func (u *UltralyticsAccumulator) Merge(o *UltralyticsAccumulator) error {
	if o.numClasses != u.numClasses {
		return fmt.Errorf("metrics: merging an Ultralytics accumulator with %d classes into one with %d, want equal", o.numClasses, u.numClasses)
	}
	gt, conf, cls, cor := slices.Clone(o.gtCount), slices.Clone(o.conf), slices.Clone(o.cls), slices.Clone(o.correct)
	for c := range u.gtCount {
		u.gtCount[c] += gt[c]
	}
	u.conf = append(u.conf, conf...)
	u.cls = append(u.cls, cls...)
	u.correct = append(u.correct, cor...)
	u.images += o.images
	return nil
}

// UltralyticsClass is one class's line of an [UltralyticsResult].
type UltralyticsClass struct {
	Class int     `json:"class"`   // class index (category id in detparity eval's output)
	GT    int     `json:"gt"`      // ground truths of the class
	P     float64 `json:"P"`       // precision at the result's Conf
	R     float64 `json:"R"`       // recall at the result's Conf
	AP50  float64 `json:"AP50"`    // AP at IoU 0.5
	AP    float64 `json:"AP50_95"` // mean AP over IoU 0.50:0.05:0.95
}

// UltralyticsResult is ap_per_class's output: P and R (means over classes with ground
// truth, read at the confidence where the smoothed mean F1 peaks), mAP50 and
// mAP50-95 (means of the per-class APs), and the per-class lines.
type UltralyticsResult struct {
	P        float64            `json:"P"`               // mean precision at Conf
	R        float64            `json:"R"`               // mean recall at Conf
	MAP50    float64            `json:"mAP50"`           // mean AP50
	MAP50_95 float64            `json:"mAP50_95"`        // mean AP50-95
	Conf     float64            `json:"conf_at_best_F1"` // grid confidence of the best smoothed mean F1
	Classes  []UltralyticsClass `json:"classes"`         // classes with ground truth, ascending
}

// Result runs ap_per_class: detections sorted by descending score (stable; Ultralytics
// uses an unstable sort, so on tied scores the two may order differently); for each
// class with ground truth (others are left out, as there) cumulative TP and FP; recall
// tpc/(n+1e-16) and precision tpc/(tpc+fpc) at each detection; AP per threshold by
// compute_ap (sentinels (0,1) and (1,0), precision envelope from the right, np.interp
// at 101 points 0..1, np.trapz); P and R curves on 1000 confidences 0..1 by np.interp
// (left 1 for P, 0 for R); F1 = 2PR/(P+R+1e-16); the index of the maximum of the mean
// F1 curve smoothed by a 101-wide box filter with edge padding (smooth(f1, 0.1)). A
// class with ground truth but no detections has AP, P and R 0. All zero when no class
// has ground truth.
func (u *UltralyticsAccumulator) Result() UltralyticsResult {
	type scored struct {
		score float64
		i     int
	}
	order := make([]scored, len(u.conf))
	for i, c := range u.conf {
		order[i] = scored{c, i}
	}
	sortByScoreDesc(order, nil, func(x *scored) float64 { return x.score })
	// Each class's detections in that order: a stable bucketing by class.
	start := make([]int, u.numClasses+1)
	for _, c := range u.cls {
		start[c+1]++
	}
	for c := range u.numClasses {
		start[c+1] += start[c]
	}
	byClass, next := make([]int, len(order)), slices.Clone(start[:u.numClasses])
	for _, o := range order {
		c := u.cls[o.i]
		byClass[next[c]] = o.i
		next[c]++
	}
	const eps = 1e-16
	xs := linspace(0, 1, 1000)
	recallX := linspace(0, 1, 101)
	var res UltralyticsResult
	var pCurves, rCurves [][]float64
	var negConfBuf, recallBuf, precisionBuf, mrec, mpre []float64 // reused by the classes
	for c := range u.numClasses {
		nl := u.gtCount[c]
		if nl == 0 {
			continue
		}
		line := UltralyticsClass{Class: c, GT: nl}
		pc, rc := make([]float64, len(xs)), make([]float64, len(xs))
		idx := byClass[start[c]:start[c+1]]
		if n := len(idx); n > 0 {
			negConf, recall, precision := grow(&negConfBuf, n), grow(&recallBuf, n), grow(&precisionBuf, n)
			for k, i := range idx {
				negConf[k] = -u.conf[i]
			}
			var aps [COCOIoUThresholds]float64
			for t := range COCOIoUThresholds {
				// Cumulative TP and FP counts (exact integers in float64, as the cumsum).
				tp, fp := 0.0, 0.0
				for k, i := range idx {
					if u.correct[i]&(1<<t) != 0 {
						tp++
					} else {
						fp++
					}
					recall[k] = tp / (float64(nl) + eps)
					precision[k] = tp / (tp + fp)
				}
				if t == 0 {
					for i, x := range xs {
						rc[i] = interp(-x, negConf, recall, 0, recall[n-1])
						pc[i] = interp(-x, negConf, precision, 1, precision[n-1])
					}
				}
				aps[t] = computeAP(recall, precision, recallX, grow(&mrec, n+2), grow(&mpre, n+2))
			}
			line.AP50 = aps[0]
			line.AP = npMean(aps[:])
		}
		pCurves = append(pCurves, pc)
		rCurves = append(rCurves, rc)
		res.Classes = append(res.Classes, line)
	}
	if len(res.Classes) == 0 {
		return res
	}
	nc := len(res.Classes)
	f1Mean := make([]float64, len(xs))
	col := make([]float64, nc)
	f1 := make([][]float64, nc)
	for k := range nc {
		f1[k] = make([]float64, len(xs))
		for i := range xs {
			p, r := pCurves[k][i], rCurves[k][i]
			f1[k][i] = 2 * p * r / (p + r + eps)
		}
	}
	for i := range xs {
		for k := range nc {
			col[k] = f1[k][i]
		}
		f1Mean[i] = npMean(col)
	}
	best := argmax(smoothBox(f1Mean, 0.1))
	res.Conf = xs[best]
	ps, rs, a50, a := make([]float64, nc), make([]float64, nc), make([]float64, nc), make([]float64, nc)
	for k := range res.Classes {
		res.Classes[k].P = pCurves[k][best]
		res.Classes[k].R = rCurves[k][best]
		ps[k], rs[k], a50[k], a[k] = res.Classes[k].P, res.Classes[k].R, res.Classes[k].AP50, res.Classes[k].AP
	}
	res.P, res.R, res.MAP50, res.MAP50_95 = npMean(ps), npMean(rs), npMean(a50), npMean(a)
	return res
}

// computeAP is Ultralytics' compute_ap with method "interp": the recall and precision
// curves with sentinels prepended and appended, the precision envelope (running
// maximum from the right), interpolated at the points x and integrated by np.trapz.
// mrec and mpre are scratch space of len(recall)+2.
func computeAP(recall, precision, x, mrec, mpre []float64) float64 {
	n := len(recall)
	mrec[0], mpre[0] = 0, 1
	copy(mrec[1:], recall)
	copy(mpre[1:], precision)
	mrec[n+1], mpre[n+1] = 1, 0
	for i := len(mpre) - 2; i >= 0; i-- {
		// np.maximum.accumulate: the values are precisions in [0, 1], never NaN or -0,
		// so a comparison is math.Max.
		if mpre[i+1] > mpre[i] {
			mpre[i] = mpre[i+1]
		}
	}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = interp(v, mrec, mpre, mpre[0], mpre[len(mpre)-1])
	}
	return trapz(y, x)
}

// smoothBox is Ultralytics' smooth(y, f): a box filter of odd width
// round(len(y)*f*2)//2+1, the ends padded with the first and last values.
func smoothBox(y []float64, f float64) []float64 {
	nf := int(math.RoundToEven(float64(len(y))*f*2))/2 + 1
	p := nf / 2
	yp := make([]float64, 0, len(y)+2*p)
	for range p {
		yp = append(yp, y[0])
	}
	yp = append(yp, y...)
	for range p {
		yp = append(yp, y[len(y)-1])
	}
	out := make([]float64, len(y))
	w := 1 / float64(nf)
	for i := range out {
		s := 0.0
		for j := range nf {
			s += yp[i+j] * w
		}
		out[i] = s
	}
	return out
}

// argmax is the first index of the maximum (np.argmax).
func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
