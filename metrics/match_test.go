package metrics

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

func obj(x1, y1, x2, y2 float64, class int) box.Object {
	return box.Object{Box: box.Box{X1: x1, Y1: y1, X2: x2, Y2: y2}, Class: class}
}

func det(x1, y1, x2, y2, score float64, class int) box.Detection {
	return box.Detection{Box: box.Box{X1: x1, Y1: y1, X2: x2, Y2: y2}, Score: score, Class: class}
}

// A higher-scored detection keeps the ground truth even though a lower-scored one
// overlaps it better.
func TestMatchImageGreedyByScore(t *testing.T) {
	gts := []box.Object{obj(0, 0, 10, 10, 0)} // area 100
	dets := []box.Detection{
		det(0, 0, 10, 10, 0.8, 0), // IoU 1.0 with the GT, but lower score
		det(0, 0, 10, 6, 0.9, 0),  // inter 60, union 100+60-60 = 100: IoU 0.6
	}
	r := MatchImage(gts, dets, 0.25, 0.5)
	// Visiting order by score: det 1 (0.9) first takes GT 0 with IoU 0.6 >= 0.5; det 0
	// (0.8) then finds GT 0 taken and is a false positive.
	assert.Equal(t, 1, r.TP)
	assert.Equal(t, 1, r.FP)
	assert.Equal(t, 0, r.FN)
	assert.Equal(t, []int{Unmatched, 0}, r.DetMatch)
	assert.Equal(t, []int{1}, r.GTMatch)
	assert.Equal(t, []float64{0.9}, r.TPScores)
	assert.Equal(t, []float64{0.8}, r.FPScores)
	assert.Equal(t, []float64{0.9}, r.GTBestScores)
	assert.Equal(t, []float64{0.8, 0.9}, r.DetScores, "DetScores keep input order")
}

// A detection takes the unmatched GT with the highest IoU, the lowest index on IoU ties,
// and equal scores are visited in input order.
func TestMatchImageBestIoUAndTies(t *testing.T) {
	gts := []box.Object{
		obj(0, 0, 10, 10, 0),  // GT 0
		obj(2, 0, 12, 10, 0),  // GT 1
		obj(20, 0, 30, 10, 0), // GT 2
		obj(20, 0, 30, 10, 0), // GT 3, identical to GT 2
	}
	dets := []box.Detection{
		// Det 0 equals GT 1 (IoU 1); with GT 0: inter 8*10 = 80, union 200-80 = 120, IoU 2/3.
		// It takes GT 1, the higher IoU, though GT 0 comes first.
		det(2, 0, 12, 10, 0.7, 0),
		// Dets 1 and 2 have the same score and both equal GTs 2 and 3 (IoU 1 each).
		// Stable order: det 1 is visited first and takes GT 2 (lowest index on the IoU
		// tie), det 2 takes GT 3.
		det(20, 0, 30, 10, 0.6, 0),
		det(20, 0, 30, 10, 0.6, 0),
	}
	r := MatchImage(gts, dets, 0.25, 0.5)
	assert.Equal(t, []int{1, 2, 3}, r.DetMatch)
	assert.Equal(t, []int{Unmatched, 0, 1, 2}, r.GTMatch)
	assert.Equal(t, 3, r.TP)
	assert.Equal(t, 0, r.FP)
	assert.Equal(t, 1, r.FN, "GT 0 is left over")
	// GT 0 best score: det 0 overlaps it with IoU 2/3 >= 0.5, so 0.7 even though det 0
	// matched GT 1.
	assert.Equal(t, []float64{0.7, 0.7, 0.6, 0.6}, r.GTBestScores)
}

// Visiting order for equal scores is the input order even for slices long enough that an
// unstable sort would reorder them. With 40 identical GTs and 40 identical detections,
// each visited detection takes the lowest-indexed free GT, so DetMatch spells out the
// visiting order: the 0.6 detections (even indices) first, in input order, take GTs
// 0..19, then the 0.5 ones (odd indices) take GTs 20..39.
func TestMatchImageStableOrder(t *testing.T) {
	const n = 40
	gts := make([]box.Object, n)
	dets := make([]box.Detection, n)
	want := make([]int, n)
	for k := range n {
		gts[k] = obj(0, 0, 10, 10, 0)
		score := 0.6
		want[k] = k / 2
		if k%2 == 1 {
			score = 0.5
			want[k] = n/2 + k/2
		}
		dets[k] = det(0, 0, 10, 10, score, 0)
	}
	r := MatchImage(gts, dets, 0.25, 0.5)
	assert.Equal(t, want, r.DetMatch)
}

func TestMatchImageClassAware(t *testing.T) {
	gts := []box.Object{obj(0, 0, 10, 10, 1)}
	dets := []box.Detection{det(0, 0, 10, 10, 0.9, 0)} // same box, other class
	r := MatchImage(gts, dets, 0.25, 0.5)
	assert.Equal(t, 0, r.TP)
	assert.Equal(t, 1, r.FP)
	assert.Equal(t, 1, r.FN)
	assert.Equal(t, []float64{0}, r.GTBestScores, "a detection of another class gives the GT nothing")
	assert.Equal(t, []int{0}, r.DetClasses)
	assert.Equal(t, []int{1}, r.GTClasses)
}

func TestMatchImageIoUExactlyAtThreshold(t *testing.T) {
	gts := []box.Object{obj(0, 0, 10, 10, 0)}
	// inter 10*5 = 50, union 100+50-50 = 100: IoU exactly 0.5 in float64 (all values
	// are small integers).
	dets := []box.Detection{det(0, 0, 10, 5, 0.9, 0)}
	require.Equal(t, 0.5, box.IoU(gts[0].Box, dets[0].Box))

	r := MatchImage(gts, dets, 0.25, 0.5)
	assert.Equal(t, 1, r.TP, "IoU == threshold counts (>=)")
	assert.Equal(t, []float64{0.9}, r.GTBestScores)

	above := math.Nextafter(0.5, 1)
	r = MatchImage(gts, dets, 0.25, above)
	assert.Equal(t, 0, r.TP)
	assert.Equal(t, 1, r.FP)
	assert.Equal(t, 1, r.FN)
	assert.Equal(t, []float64{0}, r.GTBestScores)
}

func TestMatchImageConfBoundary(t *testing.T) {
	gts := []box.Object{obj(0, 0, 10, 10, 0)}
	dets := []box.Detection{det(0, 0, 10, 10, 0.25, 0)}

	r := MatchImage(gts, dets, 0.25, 0.5)
	// Score == conf is not > conf: the detection is ignored, neither TP nor FP.
	assert.Equal(t, 0, r.TP)
	assert.Equal(t, 0, r.FP)
	assert.Equal(t, 1, r.FN)
	assert.Equal(t, []int{BelowConf}, r.DetMatch)
	assert.Equal(t, []float64{0.25}, r.GTBestScores, "best score ignores conf")
	assert.Equal(t, []float64{0.25}, r.DetScores)
	assert.Empty(t, r.TPScores)
	assert.Empty(t, r.FPScores)

	dets[0].Score = math.Nextafter(0.25, 1)
	r = MatchImage(gts, dets, 0.25, 0.5)
	assert.Equal(t, 1, r.TP)
	assert.Equal(t, []int{0}, r.DetMatch)
}

func TestMatchImageGTBestScoreIgnoresConf(t *testing.T) {
	gts := []box.Object{obj(0, 0, 10, 10, 0), obj(50, 50, 60, 60, 0)}
	dets := []box.Detection{
		det(0, 0, 10, 10, 0.1, 0), // IoU 1 with GT 0, below conf
		det(0, 0, 10, 8, 0.3, 0),  // IoU 80/100 = 0.8 with GT 0, below conf: the best
		det(0, 0, 10, 4, 0.45, 0), // IoU 0.4 < 0.5: does not count although higher
		det(0, 0, 10, 10, 0.4, 1), // other class: does not count
	}
	r := MatchImage(gts, dets, 0.5, 0.5)
	assert.Equal(t, []float64{0.3, 0}, r.GTBestScores, "GT 1 has no overlapping detection: 0")
	assert.Equal(t, Counts{TP: 0, FP: 0, FN: 2}, Counts{TP: r.TP, FP: r.FP, FN: r.FN})
	assert.Equal(t, []int{BelowConf, BelowConf, BelowConf, BelowConf}, r.DetMatch)
}

func TestMatchImageNoGT(t *testing.T) {
	dets := []box.Detection{det(0, 0, 10, 10, 0.9, 0), det(5, 5, 9, 9, 0.3, 2), det(1, 1, 2, 2, 0.1, 1)}
	r := MatchImage(nil, dets, 0.25, 0.5)
	// The two detections above conf are false positives; the third is ignored.
	assert.Equal(t, 0, r.TP)
	assert.Equal(t, 2, r.FP)
	assert.Equal(t, 0, r.FN)
	assert.Equal(t, []float64{0.9, 0.3}, r.FPScores)
	assert.Equal(t, []int{Unmatched, Unmatched, BelowConf}, r.DetMatch)
	assert.Empty(t, r.GTBestScores)
}

func TestMatchImageNoDetections(t *testing.T) {
	gts := []box.Object{obj(0, 0, 10, 10, 0), obj(20, 20, 30, 30, 1)}
	r := MatchImage(gts, nil, 0.25, 0.5)
	assert.Equal(t, 0, r.TP)
	assert.Equal(t, 0, r.FP)
	assert.Equal(t, 2, r.FN)
	assert.Equal(t, []float64{0, 0}, r.GTBestScores)
	assert.Equal(t, []int{Unmatched, Unmatched}, r.GTMatch)
	assert.NotNil(t, r.TPScores, "empty, not nil, so JSON shows []")
	assert.NotNil(t, r.DetScores)
}

func TestMatchImageNaNScoreIgnored(t *testing.T) {
	gts := []box.Object{obj(0, 0, 10, 10, 0)}
	dets := []box.Detection{det(0, 0, 10, 10, math.NaN(), 0), det(0, 0, 10, 9, 0.6, 0)}
	r := MatchImage(gts, dets, 0.25, 0.5)
	// NaN > conf is false: the NaN detection is BelowConf, det 1 (IoU 0.9) takes the GT.
	assert.Equal(t, []int{BelowConf, 0}, r.DetMatch)
	assert.Equal(t, []float64{0.6}, r.GTBestScores)
}

func TestCountsConventions(t *testing.T) {
	// Nothing at all: 0/0 everywhere is 0.
	var c Counts
	assert.Equal(t, 0.0, c.Precision())
	assert.Equal(t, 0.0, c.Recall())
	assert.Equal(t, 0.0, c.F1())

	// Detections but no true positive: P = 0/3, R = 0/2, P+R = 0 so F1 = 0.
	c = Counts{GT: 2, FP: 3, FN: 2}
	assert.Equal(t, 0.0, c.Precision())
	assert.Equal(t, 0.0, c.Recall())
	assert.Equal(t, 0.0, c.F1())

	// No detections, some GT: P = 0 by convention, R = 0/4.
	c = Counts{GT: 4, FN: 4}
	assert.Equal(t, 0.0, c.Precision())
	assert.Equal(t, 0.0, c.F1())

	// No GT, some FP: R = 0 by convention.
	c = Counts{FP: 2}
	assert.Equal(t, 0.0, c.Recall())

	// TP 3, FP 1, FN 2: P = 3/4, R = 3/5, F1 = 2*0.45/1.35 = 2/3 = 2TP/(2TP+FP+FN) = 6/9.
	// Tolerance 1e-15: a few roundings of numbers near 1.
	c = Counts{GT: 5, TP: 3, FP: 1, FN: 2}
	assert.Equal(t, 0.75, c.Precision())
	assert.Equal(t, 0.6, c.Recall())
	assert.InDelta(t, 2.0/3.0, c.F1(), 1e-15)
}
