package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

// apTol: the hand values below are exact fractions; the code adds pycocotools' 2⁻⁵² to
// precision denominators and sums up to 101 terms, so results differ from the fractions
// by a few ulps (< 1e-15).
const apTol = 1e-15

func TestAP50ByHand(t *testing.T) {
	acc, err := NewAP50Accumulator(1)
	require.NoError(t, err)
	// Image 0: GT A; det 0.9 on A (TP), det 0.8 elsewhere (FP).
	require.NoError(t, acc.Add(
		[]box.Object{obj(0, 0, 10, 10, 0)},
		[]box.Detection{det(50, 50, 60, 60, 0.8, 0), det(0, 0, 10, 10, 0.9, 0)},
	))
	// Image 1: GTs B and C; det 0.7 on B (TP); C missed.
	require.NoError(t, acc.Add(
		[]box.Object{obj(0, 0, 10, 10, 0), obj(30, 30, 40, 40, 0)},
		[]box.Detection{det(0, 0, 10, 10, 0.7, 0)},
	))
	// npig = 3. By score: 0.9 TP, 0.8 FP, 0.7 TP.
	// recall    1/3, 1/3, 2/3;  precision 1, 1/2, 2/3 -> made non-increasing: 1, 2/3, 2/3.
	// Recall points r = 0.00..0.33 (34 points, 0.33 < 1/3) take the first det: 1.
	// r = 0.34..0.66 (33 points, 0.66 < 2/3) take the third: 2/3.
	// r = 0.67..1.00 (34 points) are beyond the largest recall: 0.
	// AP = (34 + 33·2/3)/101 = 56/101.
	got, err := acc.AP50()
	require.NoError(t, err)
	assert.InDelta(t, 56.0/101.0, got, apTol)
	assert.InDelta(t, 56.0/101.0, acc.PerClass()[0], apTol)
	assert.Equal(t, 2, acc.Images())
}

// pycocotools gives an IoU tie to the later ground truth, and that changes AP.
func TestAP50IoUTieGoesToLaterGT(t *testing.T) {
	acc, err := NewAP50Accumulator(1)
	require.NoError(t, err)
	gts := []box.Object{obj(0, 0, 10, 10, 0), obj(4, 0, 14, 10, 0)}
	dets := []box.Detection{
		// IoU with GT 0: inter 8·10 = 80, union 120: 2/3; with GT 1: inter 8·10 = 80,
		// union 120: 2/3 as well (same float operations, identical values).
		det(2, 0, 12, 10, 0.9, 0),
		// IoU 1 with GT 0; with GT 1 inter 60, union 140: 0.43 < 0.5.
		det(0, 0, 10, 10, 0.8, 0),
	}
	require.Equal(t, box.IoU(gts[0].Box, dets[0].Box), box.IoU(gts[1].Box, dets[0].Box))
	require.NoError(t, acc.Add(gts, dets))
	// Det 0.9 takes GT 1 (the later one), det 0.8 takes GT 0: recall 1/2, 1 at
	// precision 1, 1: AP = 1. (Lowest-index ties would give 0.9 -> GT 0, 0.8 -> FP and
	// AP = 51/101.)
	got, err := acc.AP50()
	require.NoError(t, err)
	assert.InDelta(t, 1.0, got, apTol)

	// MatchImage, by contrast, breaks the tie towards GT 0.
	r := MatchImage(gts, dets, 0, 0.5)
	assert.Equal(t, []int{0, Unmatched}, r.DetMatch)
}

// Only the COCOMaxDets highest-scored detections per image and class are evaluated.
func TestAP50MaxDets(t *testing.T) {
	run := func(nFP int) float64 {
		acc, err := NewAP50Accumulator(1)
		require.NoError(t, err)
		gts := []box.Object{obj(0, 0, 10, 10, 0)}
		var dets []box.Detection
		for k := range nFP {
			x := 100 + 20*float64(k)
			dets = append(dets, det(x, 0, x+10, 10, 0.9, 0)) // far from the GT: FP
		}
		dets = append(dets, det(0, 0, 10, 10, 0.5, 0)) // the true positive, ranked last
		require.NoError(t, acc.Add(gts, dets))
		ap, err := acc.AP50()
		require.NoError(t, err)
		return ap
	}
	// 99 FPs: the TP is the 100th detection and is kept. Recall is 0 for the first 99
	// (all recall points r > 0 need the 100th), precision there 1/100; the backward max
	// makes every precision 1/100, and r = 0 takes the first detection (recall 0 >= 0),
	// so all 101 points are 1/100: AP = 0.01.
	assert.InDelta(t, 0.01, run(99), apTol)
	// 100 FPs: the TP is the 101st, cut: no TP, AP = 0 exactly.
	assert.Equal(t, 0.0, run(100))
}

func TestAP50ClassesWithoutGT(t *testing.T) {
	acc, err := NewAP50Accumulator(3)
	require.NoError(t, err)
	require.NoError(t, acc.Add(
		[]box.Object{obj(0, 0, 10, 10, 0), obj(20, 20, 30, 30, 1)},
		[]box.Detection{
			det(0, 0, 10, 10, 0.9, 0),   // class 0: perfect, AP 1
			det(50, 50, 60, 60, 0.9, 2), // class 2 has no GT: left out whatever it detects
		},
	))
	// Class 1 has a GT and no detection: AP 0, counted. Mean over classes 0, 1: 1/2.
	per := acc.PerClass()
	assert.InDelta(t, 1.0, per[0], apTol)
	assert.Equal(t, 0.0, per[1])
	assert.True(t, math.IsNaN(per[2]))
	got, err := acc.AP50()
	require.NoError(t, err)
	assert.InDelta(t, 0.5, got, apTol)
}

func TestAP50Errors(t *testing.T) {
	_, err := NewAP50Accumulator(0)
	require.Error(t, err)
	acc, err := NewAP50Accumulator(2)
	require.NoError(t, err)
	require.ErrorContains(t, acc.Add([]box.Object{obj(0, 0, 1, 1, 2)}, nil), "image 0: ground truth 0 has class 2")
	require.ErrorContains(t, acc.Add(nil, []box.Detection{det(0, 0, 1, 1, math.NaN(), 0)}), "detection 0 has a NaN score")
	require.NoError(t, acc.Add(nil, []box.Detection{det(0, 0, 1, 1, 0.5, 0)}))
	_, err = acc.AP50()
	require.ErrorContains(t, err, "no class has ground truth")
	other, err := NewAP50Accumulator(3)
	require.NoError(t, err)
	require.Error(t, acc.Merge(other))
}

func TestAP50MergeEqualsOneRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	imgs := randomImages(rng, 50)
	one, err := NewAP50Accumulator(3)
	require.NoError(t, err)
	for _, im := range imgs {
		require.NoError(t, one.Add(im.gts, im.dets))
	}
	cuts := []int{0, 13, 13, 30, 50}
	merged, err := NewAP50Accumulator(3)
	require.NoError(t, err)
	for s := 0; s+1 < len(cuts); s++ {
		shard, err := NewAP50Accumulator(3)
		require.NoError(t, err)
		for _, im := range imgs[cuts[s]:cuts[s+1]] {
			require.NoError(t, shard.Add(im.gts, im.dets))
		}
		require.NoError(t, merged.Merge(shard))
	}
	require.Equal(t, one, merged)
	a1, err := one.AP50()
	require.NoError(t, err)
	a2, err := merged.AP50()
	require.NoError(t, err)
	require.Equal(t, a1, a2)
	// A sanity range so the data is not degenerate: jittered boxes match often but not
	// always, and stray detections add FPs.
	assert.Greater(t, a1, 0.1)
	assert.Less(t, a1, 0.99)
}

// Equal scores across images keep the order of addition (pycocotools' mergesort over
// the images' concatenated detections), so ties can change AP. 13 images with one
// detection each, scores alternating 0.5, 0.6, 0.5, ... (a pattern Go's unstable sort
// does reorder); only image 0 has a GT, and its 0.5 detection hits it.
func TestAP50ScoreTiesKeepImageOrder(t *testing.T) {
	acc, err := NewAP50Accumulator(1)
	require.NoError(t, err)
	require.NoError(t, acc.Add([]box.Object{obj(0, 0, 10, 10, 0)}, []box.Detection{det(0, 0, 10, 10, 0.5, 0)}))
	for k := 1; k < 13; k++ {
		require.NoError(t, acc.Add(nil, []box.Detection{det(0, 0, 10, 10, 0.5+0.1*float64(k%2), 0)}))
	}
	// Order: the six 0.6 FPs (images 1, 3, ..., 11), then the 0.5s in image order: the
	// TP (image 0) is 7th. Recall reaches 1 there with precision 1/7; the backward max
	// spreads 1/7 to every earlier rank and all 101 points read 1/7.
	got, err := acc.AP50()
	require.NoError(t, err)
	assert.InDelta(t, 1.0/7, got, apTol)
}
