package metrics

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

func TestTIDEOneOfEachByHand(t *testing.T) {
	// GTs: A, B, D of class 0 and C of class 1, far apart.
	// d1 .95 class 0 exactly on A: TP.
	// d2 .90 class 0 exactly on A: same-class IoU 1 (not Loc), no other class (not
	//   Cls), A already taken: Dupe.
	// d3 .85 class 0 exactly on C: no class-0 overlap (not Loc), IoU 1 with class-1 C:
	//   Cls, C untaken → usable; fixing makes d3 a class-1 TP.
	// d4 .80 class 0 on B with IoU 30/100 = 0.3: Loc, B untaken → usable.
	// d5 .75 class 1 on D with IoU 0.3: no class-1 overlap, other class only 0.3 < 0.5,
	//   no duplicate, max IoU 0.3 > 0.1: Both.
	// d6 .70 class 1 far from everything: Bkg.
	// D: untaken and no Cls/Loc error aims at it: Miss.
	tide, err := NewTIDEAccumulator(2)
	require.NoError(t, err)
	require.NoError(t, tide.Add(
		[]box.Object{obj(0, 0, 10, 10, 0), obj(100, 100, 110, 110, 0), obj(200, 200, 210, 210, 1), obj(300, 300, 310, 310, 0)},
		[]box.Detection{
			det(300, 300, 310, 303, 0.75, 1), det(0, 0, 10, 10, 0.9, 0), det(100, 100, 110, 103, 0.8, 0),
			det(0, 0, 10, 10, 0.95, 0), det(500, 500, 510, 510, 0.7, 1), det(200, 200, 210, 210, 0.85, 0),
		},
	))
	r := tide.Result()
	assert.Equal(t, [7]int{1, 1, 1, 1, 1, 1, 1}, r.Count)
	// Base: class 0 (3 GT): TP, FP, FP, FP: precision 1 up to recall 1/3: the 34 points
	// 0..0.33 read 1: 34/101. Class 1 (1 GT): only FPs: 0. mAP = 17/101.
	assert.InDelta(t, 17.0/101, r.AP50, 1e-15)
	d := r.DeltaAP50
	// Cls fixed: d3 is a class-1 TP ahead of d5, d6: class 1 AP 1 → (34/101+1)/2;
	// delta = 101/202 = 0.5.
	assert.InDelta(t, 0.5, d[TIDECls], 1e-15)
	// Loc fixed: class 0 reads TP, FP, FP, TP: precisions at TPs 1, 2/4; recall 1/3, 2/3:
	// 34 points of 1, the 33 points 0.34..0.66 of 1/2: 50.5/101; mAP 25.25/101;
	// delta 8.25/101.
	assert.InDelta(t, 8.25/101, d[TIDELoc], 1e-15)
	// Miss fixed: class 0 has 2 GT: recall 1/2 at precision 1: 51/101; mAP 25.5/101;
	// delta 8.5/101.
	assert.InDelta(t, 8.5/101, d[TIDEMiss], 1e-15)
	// Removing the Dupe, Both or Bkg FP changes nothing here: they all rank after the
	// last TP of their class (or their class has no TP).
	assert.Equal(t, 0.0, d[TIDEDupe])
	assert.Equal(t, 0.0, d[TIDEBoth])
	assert.Equal(t, 0.0, d[TIDEBkg])
}

func TestTIDEBackgroundImageAndDupeRecovery(t *testing.T) {
	// Image 1: two objects; the first found at .9, a duplicate of it at .8, the second
	// found at .7. Removing the duplicate lifts precision at
	// the second TP from 2/3 to 1: class AP from (51 + 50·2/3)/101 to 1: delta
	// = 50/3/101. Image 2 has no ground truth: its detection is Bkg and, scored below
	// every TP, costs nothing.
	tide, err := NewTIDEAccumulator(1)
	require.NoError(t, err)
	require.NoError(t, tide.Add([]box.Object{obj(0, 0, 10, 10, 0), obj(50, 50, 60, 60, 0)},
		[]box.Detection{det(0, 0, 10, 10, 0.9, 0), det(0, 0, 10, 10, 0.8, 0), det(50, 50, 60, 60, 0.7, 0)}))
	require.NoError(t, tide.Add(nil, []box.Detection{det(0, 0, 5, 5, 0.1, 0)}))
	r := tide.Result()
	assert.Equal(t, 1, r.Count[TIDEDupe])
	assert.Equal(t, 1, r.Count[TIDEBkg])
	assert.Equal(t, 2, r.Count[TIDECorrect])
	assert.InDelta(t, (51+50*2.0/3)/101, r.AP50, 1e-15)
	assert.InDelta(t, 50.0/3/101, r.DeltaAP50[TIDEDupe], 1e-15)
	assert.Equal(t, 0.0, r.DeltaAP50[TIDEBkg])
}

func TestTIDEMergeEqualsOneRun(t *testing.T) {
	imgs := randomImages(rand.New(rand.NewPCG(5, 0)), 50)
	one, _ := NewTIDEAccumulator(3)
	a, _ := NewTIDEAccumulator(3)
	b, _ := NewTIDEAccumulator(3)
	for i, im := range imgs {
		require.NoError(t, one.Add(im.gts, im.dets))
		if i < 20 {
			require.NoError(t, a.Add(im.gts, im.dets))
		} else {
			require.NoError(t, b.Add(im.gts, im.dets))
		}
	}
	require.NoError(t, a.Merge(b))
	want := one.Result()
	assert.Equal(t, want, a.Result())
	assert.Greater(t, want.Count[TIDELoc]+want.Count[TIDECls], 0)
	c, _ := NewTIDEAccumulator(2)
	require.Error(t, a.Merge(c))
	require.Error(t, a.Add([]box.Object{obj(0, 0, 1, 1, 3)}, nil))
}
