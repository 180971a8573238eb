package metrics

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

func TestUltralyticsMatchLowestDetectionIndexWins(t *testing.T) {
	// One ground truth [0,0,10,10]. det0 (listed first, i.e. higher score) has IoU
	// 62/100 = 0.62, det1 IoU 90/100 = 0.9. Each detection keeps its best pair; then
	// Ultralytics orders by detection index and each ground truth keeps the first: det0
	// at the thresholds it passes (0.50, 0.55, 0.60: bits 0-2), although det1 overlaps
	// better. From 0.65 only det1 qualifies: bits 3..8 (0.9 >= float32(0.9) =
	// 0.89999998); 0.95 fails.
	gts := []box.Object{obj(0, 0, 10, 10, 0)}
	dets := []box.Detection{det(0, 0, 10, 6.2, 0.9, 0), det(0, 0, 10, 9, 0.8, 0)}
	assert.Equal(t, []uint16{0b111, 0b111111000}, UltralyticsMatch(gts, dets))
	// Another class never matches.
	assert.Equal(t, []uint16{0}, UltralyticsMatch(gts, []box.Detection{det(0, 0, 10, 10, 0.9, 1)}))
}

func TestUltralyticsPerfectIs0995(t *testing.T) {
	// One object found exactly: recall [1], precision [1]; with sentinels mrec =
	// [0,1,1], mpre = [1,1,0]. np.interp at the 101 points gives 1 for x < 1 and, at
	// x = 1, the last knot's 0. Trapezoid: 99 full steps of 0.01 + one half step =
	// 0.995, Ultralytics' well-known ceiling.
	u, err := NewUltralyticsAccumulator(2)
	require.NoError(t, err)
	require.NoError(t, u.Add([]box.Object{obj(0, 0, 10, 10, 0)}, []box.Detection{det(0, 0, 10, 10, 0.9, 0)}))
	r := u.Result()
	assert.InDelta(t, 0.995, r.MAP50, 1e-15) // a 101-term sum: ulps only
	assert.InDelta(t, 0.995, r.MAP50_95, 1e-15)
	// P and R curves are 1 for conf <= 0.9 and P 1, R 0 above: F1 is a plateau of 1
	// from conf 0, and argmax takes its first point.
	assert.Equal(t, 0.0, r.Conf)
	assert.Equal(t, 1.0, r.P)
	assert.InDelta(t, 1.0, r.R, 1e-15) // recall is 1/(1+1e-16)
	require.Len(t, r.Classes, 1, "class 1 has no ground truth and is left out")
	assert.Equal(t, 1, r.Classes[0].GT)
}

func TestUltralyticsHalfPrecision(t *testing.T) {
	// One object; an FP scored above the TP. recall [0, 1], precision [0, 1/2];
	// envelope mpre = [1, 1/2, 1/2, 0] at mrec = [0, 0, 1, 1]. For 0 < x < 1 the
	// interpolation reads 1/2 (x = 0 reads the last knot at 0: 1/2 too); x = 1 reads 0.
	// Trapezoid: 99 steps of 0.5*0.01 + half of 0.5*0.01 = 0.4975.
	u, err := NewUltralyticsAccumulator(1)
	require.NoError(t, err)
	require.NoError(t, u.Add([]box.Object{obj(0, 0, 10, 10, 0)}, []box.Detection{det(0, 0, 10, 10, 0.5, 0), det(50, 50, 60, 60, 0.9, 0)}))
	assert.InDelta(t, 0.4975, u.Result().MAP50, 1e-15)
}

func TestUltralyticsMergeEqualsOneRun(t *testing.T) {
	imgs := randomImages(rand.New(rand.NewPCG(11, 0)), 60)
	one, err := NewUltralyticsAccumulator(3)
	require.NoError(t, err)
	a, _ := NewUltralyticsAccumulator(3)
	b, _ := NewUltralyticsAccumulator(3)
	for i, im := range imgs {
		require.NoError(t, one.Add(im.gts, im.dets))
		if i < 25 {
			require.NoError(t, a.Add(im.gts, im.dets))
		} else {
			require.NoError(t, b.Add(im.gts, im.dets))
		}
	}
	require.NoError(t, a.Merge(b))
	want := one.Result()
	assert.Greater(t, want.MAP50, 0.1)
	assert.Equal(t, want, a.Result())
	c, _ := NewUltralyticsAccumulator(4)
	require.Error(t, a.Merge(c))
	require.Error(t, one.Add([]box.Object{obj(0, 0, 1, 1, 3)}, nil))
}
