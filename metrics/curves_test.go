package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

func TestCurveAtEqualsAccumulatorAtEveryConf(t *testing.T) {
	// Matching once at conf −Inf and dropping detections <= conf gives exactly the
	// counts of matching at conf (greedy score order): checked at many confs,
	// including exact score values, on random images with background images.
	imgs := randomImages(rand.New(rand.NewPCG(3, 0)), 80)
	imgs = append(imgs, testImage{dets: []box.Detection{det(0, 0, 10, 10, 0.7, 1)}}) // background image
	curve, err := NewCurveAccumulator(0.5, 3)
	require.NoError(t, err)
	for _, im := range imgs {
		require.NoError(t, curve.Add(im.gts, im.dets))
	}
	confs := []float64{math.Inf(-1), 0, 0.1, 0.25, 0.5, 0.7, 0.9, 1, imgs[0].dets[0].Score}
	for _, conf := range confs {
		acc, err := NewAccumulator(conf, 0.5, 3)
		require.NoError(t, err)
		for _, im := range imgs {
			require.NoError(t, acc.Add(im.gts, im.dets))
		}
		total, per := curve.At(conf)
		assert.Equal(t, acc.Counts(), total, "conf %v", conf)
		assert.Equal(t, acc.PerClass(), per, "conf %v", conf)
	}
}

func TestCurvesByHand(t *testing.T) {
	// One image, one class-0 object: det 0.9 on it (TP), det 0.8 elsewhere (FP), and a
	// background image with a 0.6 FP.
	c, err := NewCurveAccumulator(0.5, 1)
	require.NoError(t, err)
	require.NoError(t, c.Add([]box.Object{obj(0, 0, 10, 10, 0)}, []box.Detection{det(50, 50, 60, 60, 0.8, 0), det(0, 0, 10, 10, 0.9, 0)}))
	require.NoError(t, c.Add(nil, []box.Detection{det(0, 0, 10, 10, 0.6, 0)}))
	// PR at each score: 0.9: P 1 R 1 F1 1; 0.8: P 1/2 R 1 F1 2/3; 0.6: P 1/3 R 1 F1 1/2.
	pr := c.PR(AllClasses)
	require.Len(t, pr, 3)
	assert.Equal(t, OperatingPoint{Conf: 0.9, TP: 1, Precision: 1, Recall: 1, F1: 1}, pr[0])
	assert.InDelta(t, 2.0/3, pr[1].F1, 1e-15)
	assert.InDelta(t, 1.0/3, pr[2].Precision, 1e-15)
	assert.Equal(t, pr, c.PR(0), "one class: micro = class 0")
	best := c.BestF1(AllClasses)
	assert.Equal(t, 0.9, best.Conf)
	assert.Equal(t, 1.0, best.F1)
	// Score > conf: at 0.85 only the TP; at 0.7 TP+FP; at 0.95 nothing (P 0, R 0, FN 1).
	vs := c.VsConfidence(AllClasses, []float64{0.95, 0.85, 0.7, 0})
	assert.Equal(t, []int{0, 1, 1, 1}, []int{vs[0].TP, vs[1].TP, vs[2].TP, vs[3].TP})
	assert.Equal(t, []int{0, 0, 1, 2}, []int{vs[0].FP, vs[1].FP, vs[2].FP, vs[3].FP})
	assert.Equal(t, 1, vs[0].FN)
	assert.Equal(t, 0.0, vs[0].F1)
	assert.Len(t, ConfidenceGrid(1000), 1000)
	assert.Equal(t, 0.5, ConfidenceGrid(1000)[500])
	// Without detections the best point is empty with every object missed.
	e, _ := NewCurveAccumulator(0.5, 1)
	require.NoError(t, e.Add([]box.Object{obj(0, 0, 1, 1, 0)}, nil))
	assert.Equal(t, OperatingPoint{FN: 1}, e.BestF1(AllClasses))
}

func TestCurveMergeAndErrors(t *testing.T) {
	imgs := randomImages(rand.New(rand.NewPCG(9, 0)), 40)
	one, _ := NewCurveAccumulator(0.5, 3)
	a, _ := NewCurveAccumulator(0.5, 3)
	b, _ := NewCurveAccumulator(0.5, 3)
	for i, im := range imgs {
		require.NoError(t, one.Add(im.gts, im.dets))
		if i%2 == 0 {
			require.NoError(t, a.Add(im.gts, im.dets))
		} else {
			require.NoError(t, b.Add(im.gts, im.dets))
		}
	}
	require.NoError(t, a.Merge(b))
	for _, k := range []int{AllClasses, 0, 1, 2} {
		assert.Equal(t, one.BestF1(k), a.BestF1(k))
	}
	_, err := NewCurveAccumulator(0, 3)
	require.Error(t, err)
	require.Error(t, one.AddResult(MatchImage(nil, nil, 0.5, 0.5)), "must be matched at conf -Inf")
	require.Error(t, one.Add([]box.Object{obj(0, 0, 1, 1, 5)}, nil))
}

func TestConfusionMatrixByHand(t *testing.T) {
	// Classes 0, 1; background index 2. GT A (class 0), GT B (class 1).
	// d1 class 1 exactly on A (IoU 1 > 0.45): A is matched by a class-1 detection →
	// M[1][0]. B has no detection → M[2][1]. d2 class 0 far away → M[0][2].
	// d3 on B scores 0.2 <= conf 0.25: not considered.
	// d4 class 0 on A with IoU 0.5 loses A to d1 (IoU 1) → left without a pair → M[0][2].
	cm, err := NewConfusionMatrix(2, 0.25, 0.45)
	require.NoError(t, err)
	require.NoError(t, cm.Add(
		[]box.Object{obj(0, 0, 10, 10, 0), obj(20, 20, 30, 30, 1)},
		[]box.Detection{det(0, 0, 10, 10, 0.9, 1), det(50, 50, 60, 60, 0.8, 0), det(20, 20, 30, 30, 0.2, 1), det(0, 0, 10, 5, 0.7, 0)},
	))
	assert.Equal(t, [][]int{
		{0, 0, 2},
		{1, 0, 0},
		{0, 1, 0},
	}, cm.M)
	// A background image: its detection above conf is a background FP.
	require.NoError(t, cm.Add(nil, []box.Detection{det(0, 0, 1, 1, 0.3, 1)}))
	assert.Equal(t, 1, cm.M[1][2])
	o, _ := NewConfusionMatrix(2, 0.25, 0.45)
	require.NoError(t, o.Add([]box.Object{obj(0, 0, 10, 10, 0)}, []box.Detection{det(0, 0, 10, 10, 0.9, 0)}))
	require.NoError(t, cm.Merge(o))
	assert.Equal(t, 1, cm.M[0][0])
	bad, _ := NewConfusionMatrix(3, 0.25, 0.45)
	require.Error(t, cm.Merge(bad))
	require.Error(t, cm.Add([]box.Object{obj(0, 0, 1, 1, 2)}, nil))
}
