package parity

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/detparity/detparity/box"
)

// ReferenceIoU is the IoU a pipeline's detection needs with a reference detection
// of the same class to count as the same detection. 0.9 is far above any
// localisation noise of a model run twice on the same tensor (which is ~1e-5 px),
// and far below what a different preprocessing gives (pixels of shift).
const ReferenceIoU = 0.9

// ReferenceScoreSlack is the score margin around the reference floor: an unmatched
// detection scoring within it is "borderline" (the other side may have it at floor − 1e-6),
// counted apart and not as a disagreement. PyTorch and ONNX Runtime kernels differ
// by ~1e-6 in the scores; 1e-4 leaves a wide margin.
const ReferenceScoreSlack = 1e-4

// Agreement is a detection-by-detection comparison of one pipeline with reference
// predictions (Config.Reference). Per image and class, reference detections in
// descending score take the unmatched pipeline detection with the highest IoU >=
// ReferenceIoU; only detections scoring above Floor on either side take part.
type Agreement struct {
	Floor float64 `json:"floor"`
	// RefDets and Dets are the detections compared on each side, Matched the pairs.
	RefDets int `json:"ref_dets"`
	Dets    int `json:"dets"`
	Matched int `json:"matched"`
	// RefOnly and Only are unmatched detections of the reference and of the pipeline,
	// Borderline the unmatched ones within ReferenceScoreSlack of Floor (not counted
	// in RefOnly or Only).
	RefOnly    int `json:"ref_only"`
	Only       int `json:"only"`
	Borderline int `json:"borderline"`
	// Fraction is Matched / (Matched + RefOnly + Only): 1 when the two sides make the
	// same detections.
	Fraction float64 `json:"fraction"`
	// BoxErr: per matched pair, the largest absolute difference of the four box
	// coordinates, in source pixels; its mean, median, 99th percentile and maximum.
	BoxErrMean float64 `json:"box_err_mean"`
	BoxErrP50  float64 `json:"box_err_p50"`
	BoxErrP99  float64 `json:"box_err_p99"`
	BoxErrMax  float64 `json:"box_err_max"`
	// ScoreDiff: per matched pair |score − reference score|.
	ScoreDiffMean float64 `json:"score_diff_mean"`
	ScoreDiffP50  float64 `json:"score_diff_p50"`
	ScoreDiffP99  float64 `json:"score_diff_p99"`
	ScoreDiffMax  float64 `json:"score_diff_max"`
}

// Summary is a one-line reading of the agreement.
func (a Agreement) Summary() string {
	if a.Matched+a.RefOnly+a.Only == 0 {
		return fmt.Sprintf("%s: no detection above the floor on either side (%d borderline), nothing compared", NA, a.Borderline)
	}
	return fmt.Sprintf("%.2f%% agree (%d matched, %d reference only, %d pipeline only, %d borderline); box error px mean %.3g p99 %.3g max %.3g; |Δscore| mean %.2g p99 %.2g max %.2g",
		100*a.Fraction, a.Matched, a.RefOnly, a.Only, a.Borderline, a.BoxErrMean, a.BoxErrP99, a.BoxErrMax, a.ScoreDiffMean, a.ScoreDiffP99, a.ScoreDiffMax)
}

// reference holds reference detections by run image id (position + 1), with
// the schemes their ids were resolved with (readReference).
type reference struct {
	path            string
	ids, categories string
	dets            map[int64][]box.Detection
}

type imageAgreement struct {
	refDets, dets, refOnly, only, borderline int
	boxErr, scoreDiff                        []float64
}

func compareImage(refAll, detsAll []box.Detection, floor float64) imageAgreement {
	above := func(ds []box.Detection) []box.Detection {
		var out []box.Detection
		for _, d := range ds {
			if d.Score > floor {
				out = append(out, d)
			}
		}
		slices.SortStableFunc(out, func(x, y box.Detection) int { return cmp.Compare(y.Score, x.Score) })
		return out
	}
	ref, dets := above(refAll), above(detsAll)
	m := imageAgreement{refDets: len(ref), dets: len(dets)}
	taken := make([]bool, len(dets))
	border := func(d box.Detection) bool { return d.Score <= floor+ReferenceScoreSlack }
	for _, rd := range ref {
		best, bestIoU := -1, ReferenceIoU
		for j, d := range dets {
			if taken[j] || d.Class != rd.Class {
				continue
			}
			if iou := box.IoU(rd.Box, d.Box); iou >= bestIoU && (best < 0 || iou > bestIoU) {
				best, bestIoU = j, iou
			}
		}
		if best < 0 {
			if border(rd) {
				m.borderline++
			} else {
				m.refOnly++
			}
			continue
		}
		taken[best] = true
		d := dets[best]
		e := math.Max(math.Max(math.Abs(d.X1-rd.X1), math.Abs(d.Y1-rd.Y1)), math.Max(math.Abs(d.X2-rd.X2), math.Abs(d.Y2-rd.Y2)))
		m.boxErr = append(m.boxErr, e)
		m.scoreDiff = append(m.scoreDiff, math.Abs(d.Score-rd.Score))
	}
	for j, d := range dets {
		if !taken[j] {
			if border(d) {
				m.borderline++
			} else {
				m.only++
			}
		}
	}
	return m
}

// describe returns mean, median, 99th percentile (nearest rank) and maximum; zeros
// for an empty sample.
func describe(x []float64) (mean, p50, p99, maxv float64) {
	if len(x) == 0 {
		return 0, 0, 0, 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	sum := 0.0
	for _, v := range s {
		sum += v
	}
	rank := func(q float64) float64 { return s[min(len(s)-1, int(math.Ceil(q*float64(len(s))))-1)] }
	return sum / float64(len(s)), rank(0.5), rank(0.99), s[len(s)-1]
}
