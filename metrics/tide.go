package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/detparity/detparity/box"
)

// TIDEError is the kind of a detection or ground truth in a TIDE error breakdown.
type TIDEError int

// TIDE error kinds (Bolya et al., "TIDE: A General Toolbox for Identifying Object
// Detection Errors", ECCV 2020; dbolya/tide tidecv/quantify.py). IoU_fg = 0.5,
// IoU_bg = 0.1; a detection's same-class IoU is with ground truths of its class.
const (
	// TIDECorrect: a true positive (not an error).
	TIDECorrect TIDEError = iota
	// TIDECls: classification error, IoU >= IoU_fg with a ground truth of another class.
	TIDECls
	// TIDELoc: localisation error, IoU_bg <= same-class IoU <= IoU_fg.
	TIDELoc
	// TIDEBoth: neither of the above nor duplicate nor background (TIDE's "Both":
	// wrong class and badly placed, IoU_bg <= IoU < IoU_fg with some ground truth).
	TIDEBoth
	// TIDEDupe: duplicate, same-class IoU >= IoU_fg with a ground truth already taken
	// by a higher-scored detection.
	TIDEDupe
	// TIDEBkg: background, IoU <= IoU_bg with every ground truth.
	TIDEBkg
	// TIDEMiss: a ground truth no detection took and no Cls/Loc fix would recover.
	TIDEMiss
)

// TIDEErrorNames are the short names TIDE prints, indexed by [TIDEError].
var TIDEErrorNames = [...]string{"Correct", "Cls", "Loc", "Both", "Dupe", "Bkg", "Miss"}

const (
	tideFG, tideBG = 0.5, 0.1
	tideMaxDets    = 100
)

type tideDet struct {
	score    float64
	class    int
	kind     TIDEError
	fixClass int // class it becomes a TP of when its Cls/Loc error is fixed; -1: removed
}

// TIDEAccumulator classifies detections and misses image by image as TIDE does and
// computes the AP50 recovered by fixing each error type. Shards merge in shard order
// into exactly the one-run accumulator.
//
// Per image, detections are sorted by descending score (stable) and cut to 100; each
// takes the highest-IoU (first on ties) same-class ground truth not yet taken if that
// IoU >= 0.5 (a TP). Each other detection is, in this order of tests: Loc, Cls, Dupe,
// Bkg, else Both (TIDE's order; see the constants). A Cls or Loc error aimed at a ground
// truth nobody took makes that ground truth "usable"; fixing the error turns the
// highest-scored such detection of each usable ground truth into a TP (of the ground
// truth's class for Cls, of its own class for Loc) and removes the others. Fixing Dupe,
// Bkg or Both removes the detection; fixing Miss removes unusable missed ground truths
// from the count. AP50 is TIDE's (101 recall points i/100, precision tp/(tp+fp) made
// non-increasing from the right, mean of the 101 samples), averaged over classes with
// ground truth or detections (a class with detections and no ground truth counts 0).
//
// Simplifications against tidecv: boxes only, no crowd/ignore regions, IoU is
// [box.IoU] (corner coordinates). Cross-checked against tidecv v1.0.1 itself on the
// cases in metrics/testdata/tide_cases (counts exact, AP50 and dAPs within 1e-14
// percent) with one deliberate difference: where scores tie, tidecv's fix_errors
// re-adds the true positives after the errors, so its stable score sort ranks the
// errors first and every "fixed" AP moves even when nothing is fixed; fixing here
// keeps each detection in its place (TestTIDEReference, case6).
type TIDEAccumulator struct {
	nc     int
	images int
	gt     []int
	missed []int
	dets   []tideDet
}

// NewTIDEAccumulator returns an empty accumulator for classes 0..numClasses-1.
func NewTIDEAccumulator(numClasses int) (*TIDEAccumulator, error) {
	if numClasses < 1 {
		return nil, fmt.Errorf("metrics: TIDE accumulator with %d classes, want at least 1", numClasses)
	}
	return &TIDEAccumulator{nc: numClasses, gt: make([]int, numClasses), missed: make([]int, numClasses)}, nil
}

// Add classifies one image. It fails, adding nothing, on a class outside
// 0..numClasses-1 or a NaN score.
func (t *TIDEAccumulator) Add(gts []box.Object, dets []box.Detection) error {
	for i, g := range gts {
		if g.Class < 0 || g.Class >= t.nc {
			return fmt.Errorf("metrics: TIDE image %d: ground truth %d has class %d, want 0..%d", t.images, i, g.Class, t.nc-1)
		}
	}
	for j, d := range dets {
		if d.Class < 0 || d.Class >= t.nc || math.IsNaN(d.Score) {
			return fmt.Errorf("metrics: TIDE image %d: detection %d has class %d score %v, want 0..%d and a number", t.images, j, d.Class, d.Score, t.nc-1)
		}
	}
	t.images++
	ds := slices.Clone(dets)
	slices.SortStableFunc(ds, func(a, b box.Detection) int { return cmp.Compare(b.Score, a.Score) })
	ds = ds[:min(len(ds), tideMaxDets)]
	G := len(gts)
	iou := make([][]float64, len(ds))
	for j, d := range ds {
		iou[j] = make([]float64, G)
		for i, g := range gts {
			iou[j][i] = box.IoU(d.Box, g.Box)
		}
	}
	used := make([]bool, G)
	kind := make([]TIDEError, len(ds))
	for j, d := range ds {
		best, bv := -1, 0.0
		for i, g := range gts {
			if !used[i] && g.Class == d.Class && (best < 0 || iou[j][i] > bv) {
				best, bv = i, iou[j][i]
			}
		}
		if best >= 0 && bv >= tideFG {
			used[best] = true
			kind[j] = TIDECorrect
		} else {
			kind[j] = -1
		}
	}
	// argmax of a masked row: first index of the maximum, 0 when all are masked.
	argmaxWhere := func(row []float64, keep func(i int) bool) (int, float64) {
		bi, bv := 0, 0.0
		for i, v := range row {
			if !keep(i) {
				v = 0
			}
			if v > bv {
				bi, bv = i, v
			}
		}
		return bi, bv
	}
	usable := make([]bool, G)
	bestScore := make([]float64, G)
	bestDet := make([]int, G)
	for i := range bestDet {
		bestDet[i] = -1
	}
	target := make([]int, len(ds))
	for j, d := range ds {
		target[j] = -1
		if kind[j] == TIDECorrect {
			continue
		}
		if G == 0 {
			kind[j] = TIDEBkg
			continue
		}
		if i, v := argmaxWhere(iou[j], func(i int) bool { return gts[i].Class == d.Class }); tideBG <= v && v <= tideFG {
			kind[j], target[j] = TIDELoc, i
		} else if i, v := argmaxWhere(iou[j], func(i int) bool { return gts[i].Class != d.Class }); v >= tideFG {
			kind[j], target[j] = TIDECls, i
		} else if _, v := argmaxWhere(iou[j], func(i int) bool { return used[i] && gts[i].Class == d.Class }); v >= tideFG {
			kind[j] = TIDEDupe
		} else if _, v := argmaxWhere(iou[j], func(int) bool { return true }); v <= tideBG {
			kind[j] = TIDEBkg
		} else {
			kind[j] = TIDEBoth
		}
		if i := target[j]; i >= 0 && !used[i] {
			usable[i] = true
			if bestDet[i] < 0 || bestScore[i] < d.Score {
				bestScore[i], bestDet[i] = d.Score, j
			}
		}
	}
	for i, g := range gts {
		t.gt[g.Class]++
		if !used[i] && !usable[i] {
			t.missed[g.Class]++
		}
	}
	for j, d := range ds {
		r := tideDet{score: d.Score, class: d.Class, kind: kind[j], fixClass: -1}
		if i := target[j]; i >= 0 && !used[i] && bestDet[i] == j {
			r.fixClass = d.Class
			if kind[j] == TIDECls {
				r.fixClass = gts[i].Class
			}
		}
		t.dets = append(t.dets, r)
	}
	return nil
}

// Merge appends o's images after t's own (o is left unchanged).
func (t *TIDEAccumulator) Merge(o *TIDEAccumulator) error {
	if o.nc != t.nc {
		return fmt.Errorf("metrics: merging a TIDE accumulator with %d classes into one with %d, want equal", o.nc, t.nc)
	}
	gt, ms, ds := slices.Clone(o.gt), slices.Clone(o.missed), slices.Clone(o.dets)
	for c := range t.gt {
		t.gt[c] += gt[c]
		t.missed[c] += ms[c]
	}
	t.dets = append(t.dets, ds...)
	t.images += o.images
	return nil
}

// TIDEResult is the breakdown: counts of each error kind and the AP50 recovered by
// fixing that kind alone (max(0, AP50_fixed − AP50), as TIDE reports dAP).
type TIDEResult struct {
	// AP50 is TIDE's AP50 before any fix.
	AP50 float64 `json:"AP50"`
	// Count[k] and DeltaAP50[k] are indexed by [TIDEError]; [TIDECorrect] holds the
	// true positives and 0.
	Count     [7]int     `json:"count"`
	DeltaAP50 [7]float64 `json:"delta_AP50"` // see Count
}

// Result computes the breakdown.
func (t *TIDEAccumulator) Result() TIDEResult {
	order := make([]int, len(t.dets))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(t.dets[b].score, t.dets[a].score) })
	var r TIDEResult
	for _, d := range t.dets {
		r.Count[d.kind]++
	}
	for _, n := range t.missed {
		r.Count[TIDEMiss] += n
	}
	r.AP50 = t.ap50(order, -1)
	for k := TIDECls; k <= TIDEMiss; k++ {
		r.DeltaAP50[k] = math.Max(0, t.ap50(order, k)-r.AP50)
	}
	return r
}

// ap50 is TIDE's mAP50 with errors of kind fix fixed (-1: none).
func (t *TIDEAccumulator) ap50(order []int, fix TIDEError) float64 {
	gt := slices.Clone(t.gt)
	if fix == TIDEMiss {
		for c := range gt {
			gt[c] -= t.missed[c]
		}
	}
	tp, fp := make([]int, t.nc), make([]int, t.nc)
	tpPr := make([][]float64, t.nc)
	hasDet := make([]bool, t.nc)
	for _, i := range order {
		d := t.dets[i]
		c, isTP := d.class, d.kind == TIDECorrect
		if d.kind == fix && fix != TIDECorrect {
			if d.fixClass < 0 {
				continue
			}
			c, isTP = d.fixClass, true
		}
		hasDet[c] = true
		if isTP {
			tp[c]++
			tpPr[c] = append(tpPr[c], float64(tp[c])/float64(tp[c]+fp[c]))
		} else {
			fp[c]++
		}
	}
	sum, k := 0.0, 0
	for c := range t.nc {
		if gt[c] == 0 && !hasDet[c] {
			continue
		}
		k++
		if gt[c] == 0 {
			continue
		}
		pr := tpPr[c]
		for i := len(pr) - 1; i > 0; i-- {
			pr[i-1] = math.Max(pr[i-1], pr[i])
		}
		s, n := 0.0, 0
		for b := 0; b <= 100; b++ {
			thr := float64(b) / 100
			for n < len(pr) && float64(n)/float64(gt[c]) < thr {
				n++
			}
			if len(pr) == 0 || float64(n)/float64(gt[c]) < thr {
				break
			}
			s += pr[max(n-1, 0)]
		}
		sum += s / 101
	}
	if k == 0 {
		return 0
	}
	return sum / float64(k)
}
