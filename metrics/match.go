package metrics

import (
	"cmp"
	"slices"

	"github.com/detparity/detparity/box"
)

// Values of [ImageResult.DetMatch] and [ImageResult.GTMatch] that are not indices.
const (
	// Unmatched marks a ground truth no detection took (a false negative), or a
	// detection above conf that took no ground truth (a false positive).
	Unmatched = -1
	// BelowConf marks a detection with Score <= conf (or a NaN score): it took no part
	// in matching and is neither TP nor FP.
	BelowConf = -2
	// Ignored marks a detection above conf that took no ground truth but lies on a
	// crowd region ([MatchImageCrowd]): like pycocotools, it is neither TP nor FP.
	Ignored = -3
)

// ImageResult is the outcome of matching one image. Slices indexed by ground truth
// follow the order of the gts given to [MatchImage]; slices indexed by detection follow
// the order of the dets given.
type ImageResult struct {
	// Conf and IoUThr are the thresholds the image was matched at.
	Conf, IoUThr float64
	// TP is the number of detections above conf that took a ground truth, FP the number
	// that took none, FN the number of ground truths left unmatched. TP+FN == len(GTClasses).
	TP, FP, FN int

	// GTClasses is the class of each ground truth.
	GTClasses []int
	// GTMatch is, per ground truth, the index into dets of the detection that took it,
	// or Unmatched.
	GTMatch []int
	// GTBestScores is, per ground truth, the best score any same-class detection (all
	// detections given, regardless of conf) reached while overlapping it with
	// IoU >= IoUThr; 0 when there is none. "What the model gave each real object."
	// Negative and NaN scores never raise it above 0.
	GTBestScores []float64

	// DetClasses and DetScores are the class and score of every detection given.
	DetClasses []int
	DetScores  []float64
	// DetMatch is, per detection, the index of the ground truth it took, Unmatched
	// (a false positive) or BelowConf.
	DetMatch []int

	// TPScores and FPScores are the scores of the detections counted TP and FP, in
	// matching order (descending score, ties in input order).
	TPScores, FPScores []float64
}

// MatchImage matches one image's detections to its ground truths at one IoU threshold.
//
// Detections with Score > conf are visited in descending score order (ties: original
// order, the sort is stable); each takes the still-unmatched ground truth of the same
// class with the highest IoU >= iouThr (IoU ties: lowest ground-truth index) and is a
// true positive, or takes none and is a false positive. Ground truths left over are
// false negatives. Detections with Score <= conf are not considered (super-gradients
// and Ultralytics keep score > conf); a NaN score is never > conf. A higher-scored
// detection therefore keeps a ground truth even when a lower-scored one overlaps it
// better, as in pycocotools' evaluateImg.
//
// IoU is [box.IoU] (continuous coordinates, no +1). A NaN iouThr matches nothing;
// [Accumulator] validates thresholds, MatchImage does not. Cost is O(G·D) IoUs plus
// an O(D log D) sort for G ground truths and D detections.
func MatchImage(gts []box.Object, dets []box.Detection, conf, iouThr float64) ImageResult {
	r := ImageResult{
		Conf:         conf,
		IoUThr:       iouThr,
		GTClasses:    make([]int, len(gts)),
		GTMatch:      make([]int, len(gts)),
		GTBestScores: make([]float64, len(gts)),
		DetClasses:   make([]int, len(dets)),
		DetScores:    make([]float64, len(dets)),
		DetMatch:     make([]int, len(dets)),
		TPScores:     []float64{},
		FPScores:     []float64{},
	}
	for i, g := range gts {
		r.GTClasses[i] = g.Class
		r.GTMatch[i] = Unmatched
	}

	// iou[j*len(gts)+i] is IoU(det j, gt i) for same-class pairs, -1 otherwise, so that
	// each pair is computed once for both the best-score and the matching pass.
	iou := make([]float64, len(dets)*len(gts))
	order := make([]int, 0, len(dets))
	for j, d := range dets {
		r.DetClasses[j] = d.Class
		r.DetScores[j] = d.Score
		r.DetMatch[j] = BelowConf
		if d.Score > conf {
			order = append(order, j)
		}
		row := iou[j*len(gts) : (j+1)*len(gts)]
		for i, g := range gts {
			row[i] = -1
			if g.Class != d.Class {
				continue
			}
			row[i] = box.IoU(g.Box, d.Box)
			if row[i] >= iouThr && d.Score > r.GTBestScores[i] {
				r.GTBestScores[i] = d.Score
			}
		}
	}

	// Only scores > conf are in order, so no NaN reaches the comparison.
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(dets[b].Score, dets[a].Score) })
	for _, j := range order {
		row := iou[j*len(gts) : (j+1)*len(gts)]
		best := Unmatched
		for i, v := range row {
			if r.GTMatch[i] != Unmatched || v < 0 || !(v >= iouThr) {
				continue
			}
			if best == Unmatched || v > row[best] {
				best = i
			}
		}
		r.DetMatch[j] = best
		if best == Unmatched {
			r.FP++
			r.FPScores = append(r.FPScores, dets[j].Score)
			continue
		}
		r.GTMatch[best] = j
		r.TP++
		r.TPScores = append(r.TPScores, dets[j].Score)
	}
	r.FN = len(gts) - r.TP
	return r
}

// MatchImageCrowd is [MatchImage] with crowd regions as pycocotools' evaluateImg
// treats them (cocoapi PythonAPI/pycocotools/cocoeval.py, iscrowd): a detection
// first takes a regular ground truth as MatchImage says; one that takes none but
// overlaps a same-class crowd region with intersection over its own area >= iouThr
// is Ignored — neither a true nor a false positive — and any number of detections
// may lie on one crowd. Crowd regions are never false negatives and do not raise
// GTBestScores. With no crowd it is MatchImage.
func MatchImageCrowd(gts, crowds []box.Object, dets []box.Detection, conf, iouThr float64) ImageResult {
	r := MatchImage(gts, dets, conf, iouThr)
	if len(crowds) == 0 {
		return r
	}
	r.FPScores = r.FPScores[:0]
	for j, d := range dets {
		if r.DetMatch[j] != Unmatched {
			continue
		}
		for _, c := range crowds {
			if c.Class == d.Class && crowdIoU(d.Box, c.Box) >= iouThr {
				r.DetMatch[j] = Ignored
				r.FP--
				break
			}
		}
	}
	// FPScores in matching order (descending score, ties in input order), as MatchImage made them.
	order := make([]int, 0, r.FP)
	for j, m := range r.DetMatch {
		if m == Unmatched {
			order = append(order, j)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(dets[b].Score, dets[a].Score) })
	for _, j := range order {
		r.FPScores = append(r.FPScores, dets[j].Score)
	}
	return r
}

// crowdIoU is pycocotools' IoU with a crowd region: the intersection over the
// detection's area (maskUtils.iou with iscrowd), 0 for an empty detection.
func crowdIoU(d, c box.Box) float64 {
	iw := min(d.X2, c.X2) - max(d.X1, c.X1)
	ih := min(d.Y2, c.Y2) - max(d.Y1, c.Y1)
	if iw <= 0 || ih <= 0 || d.Area() <= 0 {
		return 0
	}
	return iw * ih / d.Area()
}
