package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/detparity/detparity/box"
)

// OperatingPoint is the thresholded result at one confidence: counts and P, R, F1 as
// [Counts] defines them.
type OperatingPoint struct {
	// Conf is the threshold; see the function that returned the point for whether
	// Score > Conf or Score >= Conf is kept.
	Conf      float64 `json:"conf"`
	TP        int     `json:"tp"`        // true positives kept
	FP        int     `json:"fp"`        // false positives kept
	FN        int     `json:"fn"`        // ground truths not found
	Precision float64 `json:"precision"` // TP/(TP+FP), 0 without detections
	Recall    float64 `json:"recall"`    // TP/(TP+FN), 0 without ground truth
	F1        float64 `json:"f1"`        // 2PR/(P+R), 0 when P+R = 0
}

func pointOf(conf float64, c Counts) OperatingPoint {
	return OperatingPoint{Conf: conf, TP: c.TP, FP: c.FP, FN: c.FN, Precision: c.Precision(), Recall: c.Recall(), F1: c.F1()}
}

// AllClasses selects the micro average (all classes pooled) in [CurveAccumulator]
// methods that take a class.
const AllClasses = -1

// CurveAccumulator keeps every detection's score, class and TP/FP outcome at one IoU
// threshold, matched with [MatchImage] at no confidence threshold, so that P, R and F1
// can be read at any confidence. This is exact, not an approximation: [MatchImage]
// visits detections in descending score order, so whether a detection is a TP depends
// only on higher-scored ones, and dropping everything at or below conf afterwards gives
// the same counts as matching at conf (pinned by a test against [Accumulator]).
// Background images (no ground truth) count their false positives like any other.
// Accumulators over shards merge into exactly the one-run accumulator.
type CurveAccumulator struct {
	iouThr   float64
	images   int
	gt       []int // per class
	imagesOf []int // per class: images with ground truth of the class
	dets     []scoredDet
}

type scoredDet struct {
	score float64
	class int
	tp    bool
}

// NewCurveAccumulator returns an empty accumulator matching at IoU >= iouThr, classes
// 0..numClasses-1.
func NewCurveAccumulator(iouThr float64, numClasses int) (*CurveAccumulator, error) {
	if !(iouThr > 0 && iouThr <= 1) {
		return nil, fmt.Errorf("metrics: curve accumulator IoU threshold %v, want 0 < t <= 1", iouThr)
	}
	if numClasses < 1 {
		return nil, fmt.Errorf("metrics: curve accumulator with %d classes, want at least 1", numClasses)
	}
	return &CurveAccumulator{iouThr: iouThr, gt: make([]int, numClasses), imagesOf: make([]int, numClasses)}, nil
}

// Add matches one image with [MatchImage] at conf −Inf and adds it. It fails, adding
// nothing, on a class outside 0..numClasses-1. Detections with a NaN score never
// match and are not kept.
func (c *CurveAccumulator) Add(gts []box.Object, dets []box.Detection) error {
	return c.AddResult(MatchImage(gts, dets, math.Inf(-1), c.iouThr))
}

// AddResult adds an image matched with [MatchImage] at conf −Inf and this
// accumulator's IoU threshold.
func (c *CurveAccumulator) AddResult(r ImageResult) error {
	if !math.IsInf(r.Conf, -1) || r.IoUThr != c.iouThr {
		return fmt.Errorf("metrics: curve accumulator image %d matched at conf %v IoU %v, want conf -Inf IoU %v", c.images, r.Conf, r.IoUThr, c.iouThr)
	}
	nc := len(c.gt)
	for i, k := range r.GTClasses {
		if k < 0 || k >= nc {
			return fmt.Errorf("metrics: curve accumulator image %d: ground truth %d has class %d, want 0..%d", c.images, i, k, nc-1)
		}
	}
	for j, k := range r.DetClasses {
		if k < 0 || k >= nc {
			return fmt.Errorf("metrics: curve accumulator image %d: detection %d has class %d, want 0..%d", c.images, j, k, nc-1)
		}
	}
	seen := make([]bool, nc)
	for _, k := range r.GTClasses {
		c.gt[k]++
		if !seen[k] {
			seen[k] = true
			c.imagesOf[k]++
		}
	}
	for j, m := range r.DetMatch {
		if m == BelowConf || m == Ignored {
			continue // NaN score, or on a crowd region
		}
		c.dets = append(c.dets, scoredDet{score: r.DetScores[j], class: r.DetClasses[j], tp: m != Unmatched})
	}
	c.images++
	return nil
}

// Merge adds everything in o to c (o is left unchanged).
func (c *CurveAccumulator) Merge(o *CurveAccumulator) error {
	if o.iouThr != c.iouThr || len(o.gt) != len(c.gt) {
		return fmt.Errorf("metrics: merging a curve accumulator (IoU %v, %d classes) into one with IoU %v, %d classes, want equal", o.iouThr, len(o.gt), c.iouThr, len(c.gt))
	}
	gt, im, d := slices.Clone(o.gt), slices.Clone(o.imagesOf), slices.Clone(o.dets)
	for k := range c.gt {
		c.gt[k] += gt[k]
		c.imagesOf[k] += im[k]
	}
	c.dets = append(c.dets, d...)
	c.images += o.images
	return nil
}

// At returns the counts at conf (detections with Score > conf kept), over all classes
// and per class, as an [Accumulator] at (conf, IoU) would count them.
func (c *CurveAccumulator) At(conf float64) (total Counts, perClass []Counts) {
	perClass = make([]Counts, len(c.gt))
	for k := range perClass {
		perClass[k] = Counts{Images: c.imagesOf[k], GT: c.gt[k]}
	}
	for _, d := range c.dets {
		if d.score > conf {
			if d.tp {
				perClass[d.class].TP++
			} else {
				perClass[d.class].FP++
			}
		}
	}
	total.Images = c.images
	for k := range perClass {
		perClass[k].FN = perClass[k].GT - perClass[k].TP
		total = total.add(Counts{GT: perClass[k].GT, TP: perClass[k].TP, FP: perClass[k].FP, FN: perClass[k].FN})
	}
	return total, perClass
}

// PR returns the precision-recall curve of class (or [AllClasses]): one point per
// distinct detection score s, in descending order, with the detections of Score >= s
// kept (Conf = s). Recall rises along it.
func (c *CurveAccumulator) PR(class int) []OperatingPoint {
	ds := make([]scoredDet, 0, len(c.dets))
	gt := 0
	for k, n := range c.gt {
		if class == AllClasses || class == k {
			gt += n
		}
	}
	for _, d := range c.dets {
		if class == AllClasses || d.class == class {
			ds = append(ds, d)
		}
	}
	slices.SortStableFunc(ds, func(a, b scoredDet) int { return cmp.Compare(b.score, a.score) })
	var out []OperatingPoint
	tp, fp := 0, 0
	for i, d := range ds {
		if d.tp {
			tp++
		} else {
			fp++
		}
		if i+1 < len(ds) && ds[i+1].score == d.score {
			continue
		}
		out = append(out, pointOf(d.score, Counts{GT: gt, TP: tp, FP: fp, FN: gt - tp}))
	}
	return out
}

// BestF1 returns the point of [CurveAccumulator.PR] with the highest F1 (the highest
// confidence among equal F1s). Its Conf is a detection score and the detections with
// Score >= Conf are kept; to reproduce it with a Score > conf rule use any conf in
// [next lower score, Conf). Without detections it is the empty point (F1 0, Conf 0).
func (c *CurveAccumulator) BestF1(class int) OperatingPoint {
	var best OperatingPoint
	for i, p := range c.PR(class) {
		if i == 0 || p.F1 > best.F1 {
			best = p
		}
	}
	if best.TP+best.FP == 0 {
		best.FN = 0
		for k, n := range c.gt {
			if class == AllClasses || class == k {
				best.FN += n
			}
		}
	}
	return best
}

// VsConfidence returns P, R and F1 of class (or [AllClasses]) at each confidence in
// confs (Score > conf kept): the F1-, P- and R-vs-confidence curves. [ConfidenceGrid]
// gives the usual evenly spaced confidences.
func (c *CurveAccumulator) VsConfidence(class int, confs []float64) []OperatingPoint {
	pr := c.PR(class) // descending scores
	gt := 0
	for k, n := range c.gt {
		if class == AllClasses || class == k {
			gt += n
		}
	}
	out := make([]OperatingPoint, len(confs))
	for i, conf := range confs {
		// The last PR point whose score is > conf holds the counts of Score > conf.
		j := sortSearchDesc(pr, conf)
		cnt := Counts{GT: gt, FN: gt}
		if j >= 0 {
			cnt = Counts{GT: gt, TP: pr[j].TP, FP: pr[j].FP, FN: pr[j].FN}
		}
		out[i] = pointOf(conf, cnt)
	}
	return out
}

// sortSearchDesc returns the last index j of pr (descending Conf) with pr[j].Conf >
// conf, or -1.
func sortSearchDesc(pr []OperatingPoint, conf float64) int {
	lo, hi := 0, len(pr)
	for lo < hi {
		m := (lo + hi) / 2
		if pr[m].Conf > conf {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// ConfidenceGrid returns n evenly spaced confidences i/n, i = 0..n-1 (n = 1000 gives
// Ultralytics' curve resolution with a Score > conf rule).
func ConfidenceGrid(n int) []float64 {
	g := make([]float64, n)
	for i := range g {
		g[i] = float64(i) / float64(n)
	}
	return g
}

// ConfusionMatrix counts, Ultralytics ConfusionMatrix.process_batch style, which class
// was predicted for which true class: M[pred][true], with index NumClasses standing for
// background. Per image: detections with Score > conf take part; candidate pairs are
// (ground truth, detection) of ANY classes with IoU > iouThr (strictly); each detection
// keeps its highest-IoU pair, then each ground truth its highest-IoU pair among those
// (ties: lower ground-truth, then detection index; Ultralytics' order on ties is that
// of an unstable sort). A matched ground truth adds to M[det class][true class] (the
// diagonal when the classes agree), an unmatched one to M[background][true class]; a
// detection left without a pair adds to M[det class][background]. M[background]
// [background] stays 0. Defaults in Ultralytics: conf 0.25, IoU 0.45. This is
// ultralytics/ultralytics@d4341bac, ultralytics/utils/metrics.py,
// ConfusionMatrix.process_batch, and equals its numbers on the cases in
// testdata/confusion_cases; versions before it skipped the background false positives
// of an image where no pair passed the IoU threshold.
type ConfusionMatrix struct {
	// NumClasses is the number of real classes; rows and columns have one more.
	NumClasses int
	// Conf and IoUThr are the thresholds.
	Conf, IoUThr float64
	// M is (NumClasses+1) x (NumClasses+1), M[pred][true].
	M [][]int
}

// NewConfusionMatrix returns an empty matrix.
func NewConfusionMatrix(numClasses int, conf, iouThr float64) (*ConfusionMatrix, error) {
	if numClasses < 1 || math.IsNaN(conf) || !(iouThr >= 0 && iouThr < 1) {
		return nil, fmt.Errorf("metrics: confusion matrix with %d classes, conf %v, IoU %v; want >= 1 class, a conf, 0 <= IoU < 1", numClasses, conf, iouThr)
	}
	m := make([][]int, numClasses+1)
	for i := range m {
		m[i] = make([]int, numClasses+1)
	}
	return &ConfusionMatrix{NumClasses: numClasses, Conf: conf, IoUThr: iouThr, M: m}, nil
}

// Add counts one image. It fails, counting nothing, on a class outside 0..NumClasses-1.
func (cm *ConfusionMatrix) Add(gts []box.Object, dets []box.Detection) error {
	nc := cm.NumClasses
	for i, g := range gts {
		if g.Class < 0 || g.Class >= nc {
			return fmt.Errorf("metrics: confusion matrix: ground truth %d has class %d, want 0..%d", i, g.Class, nc-1)
		}
	}
	var kept []box.Detection
	for j, d := range dets {
		if d.Class < 0 || d.Class >= nc {
			return fmt.Errorf("metrics: confusion matrix: detection %d has class %d, want 0..%d", j, d.Class, nc-1)
		}
		if d.Score > cm.Conf {
			kept = append(kept, d)
		}
	}
	type pair struct {
		g, d int
		iou  float64
	}
	var ps []pair
	for g, o := range gts {
		for d, p := range kept {
			if v := box.IoU(o.Box, p.Box); v > cm.IoUThr {
				ps = append(ps, pair{g, d, v})
			}
		}
	}
	byIoU := func(a, b pair) int { return cmp.Compare(b.iou, a.iou) }
	slices.SortStableFunc(ps, byIoU)
	detSeen := make([]bool, len(kept))
	var perDet []pair
	for _, p := range ps {
		if !detSeen[p.d] {
			detSeen[p.d] = true
			perDet = append(perDet, p)
		}
	}
	gtMatch := make([]int, len(gts))
	for i := range gtMatch {
		gtMatch[i] = -1
	}
	detMatched := make([]bool, len(kept))
	for _, p := range perDet { // still in descending IoU order
		if gtMatch[p.g] < 0 {
			gtMatch[p.g] = p.d
			detMatched[p.d] = true
		}
	}
	for g, d := range gtMatch {
		if d >= 0 {
			cm.M[kept[d].Class][gts[g].Class]++
		} else {
			cm.M[nc][gts[g].Class]++
		}
	}
	for d, ok := range detMatched {
		if !ok {
			cm.M[kept[d].Class][nc]++
		}
	}
	return nil
}

// Merge adds o's counts to cm.
func (cm *ConfusionMatrix) Merge(o *ConfusionMatrix) error {
	if o.NumClasses != cm.NumClasses || o.Conf != cm.Conf || o.IoUThr != cm.IoUThr {
		return fmt.Errorf("metrics: merging a confusion matrix (%d classes, conf %v, IoU %v) into one with %d, %v, %v, want equal", o.NumClasses, o.Conf, o.IoUThr, cm.NumClasses, cm.Conf, cm.IoUThr)
	}
	for i := range cm.M {
		for j := range cm.M[i] {
			cm.M[i][j] += o.M[i][j]
		}
	}
	return nil
}
