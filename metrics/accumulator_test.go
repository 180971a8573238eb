package metrics

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

type testImage struct {
	gts  []box.Object
	dets []box.Detection
}

func TestAccumulatorCountsPerClass(t *testing.T) {
	acc, err := NewAccumulator(0.25, 0.5, 3)
	require.NoError(t, err)
	// Image 0: class 0 GT found (TP), class 1 GT missed (FN), a class 2 FP.
	require.NoError(t, acc.Add(
		[]box.Object{obj(0, 0, 10, 10, 0), obj(20, 20, 30, 30, 1)},
		[]box.Detection{det(0, 0, 10, 10, 0.9, 0), det(50, 50, 60, 60, 0.5, 2), det(20, 20, 30, 30, 0.2, 1)},
	))
	// Image 1: no GT, one class 0 FP.
	require.NoError(t, acc.Add(nil, []box.Detection{det(0, 0, 5, 5, 0.4, 0)}))
	// Image 2: two class 0 GTs, nothing detected.
	require.NoError(t, acc.Add([]box.Object{obj(0, 0, 10, 10, 0), obj(20, 0, 30, 10, 0)}, nil))

	assert.Equal(t, Counts{Images: 3, GT: 4, TP: 1, FP: 2, FN: 3}, acc.Counts())
	assert.Equal(t, []Counts{
		{Images: 2, GT: 3, TP: 1, FP: 1, FN: 2}, // class 0: GT in images 0 and 2
		{Images: 1, GT: 1, TP: 0, FP: 0, FN: 1}, // class 1: its detection (0.2) is below conf
		{Images: 0, GT: 0, TP: 0, FP: 1, FN: 0}, // class 2: no GT anywhere
	}, acc.PerClass())
	// GT best scores in order of addition: 0.9; 0.2 (below conf, still reported); 0, 0.
	assert.Equal(t, []float64{0.9, 0.2, 0, 0}, acc.GTBestScores())
	assert.Equal(t, []float64{0.9, 0.5, 0.2, 0.4}, acc.DetScores())
	assert.Equal(t, []float64{0.9}, acc.TPScores())
	assert.Equal(t, []float64{0.5, 0.4}, acc.FPScores())

	hs, err := acc.Histograms(2)
	require.NoError(t, err)
	// Bins [0, 0.5) and [0.5, 1]: GT best {0.9, 0.2, 0, 0} -> 3, 1.
	assert.Equal(t, []int{3, 1}, hs.GTBest.Counts)
	assert.Equal(t, []int{2, 2}, hs.Det.Counts) // 0.2, 0.4 | 0.9, 0.5
	assert.Equal(t, []int{0, 1}, hs.TP.Counts)
	assert.Equal(t, []int{1, 1}, hs.FP.Counts)
	_, err = acc.Histograms(0)
	require.Error(t, err)
}

func TestAccumulatorErrors(t *testing.T) {
	_, err := NewAccumulator(0.25, 0, 1)
	require.Error(t, err, "IoU threshold 0")
	_, err = NewAccumulator(0.25, 1.5, 1)
	require.Error(t, err)
	_, err = NewAccumulator(0.25, 0.5, 0)
	require.Error(t, err)

	acc, err := NewAccumulator(0.25, 0.5, 2)
	require.NoError(t, err)
	err = acc.Add([]box.Object{obj(0, 0, 1, 1, 2)}, nil)
	require.ErrorContains(t, err, "image 0: ground truth 0 has class 2, want 0..1")
	err = acc.Add(nil, []box.Detection{det(0, 0, 1, 1, 0.1, -1)})
	require.ErrorContains(t, err, "image 0: detection 0 has class -1")
	assert.Equal(t, Counts{}, acc.Counts(), "failed adds add nothing")

	r := MatchImage(nil, nil, 0.3, 0.5)
	require.ErrorContains(t, acc.AddResult(r), "matched at conf 0.3")
	r = MatchImage([]box.Object{obj(0, 0, 1, 1, 0)}, nil, 0.25, 0.5)
	r.TP, r.FN = 1, 0 // tampered: says TP but GTMatch says unmatched
	require.ErrorContains(t, acc.AddResult(r), "TP 1")

	other, err := NewAccumulator(0.25, 0.5, 3)
	require.NoError(t, err)
	require.Error(t, acc.Merge(other))
}

// randomImages makes n images of up to 5 GTs over 3 classes, each with jittered
// detections (mostly overlapping their GT, sometimes with the wrong class) plus some
// stray ones, and scores spread over [0, 1].
func randomImages(rng *rand.Rand, n int) []testImage {
	imgs := make([]testImage, n)
	for k := range imgs {
		var im testImage
		for range rng.IntN(6) {
			x, y := rng.Float64()*100, rng.Float64()*100
			w, h := 5+rng.Float64()*30, 5+rng.Float64()*30
			g := obj(x, y, x+w, y+h, rng.IntN(3))
			im.gts = append(im.gts, g)
			for range rng.IntN(3) {
				j := func() float64 { return (rng.Float64() - 0.5) * 8 }
				c := g.Class
				if rng.IntN(5) == 0 {
					c = rng.IntN(3)
				}
				im.dets = append(im.dets, det(g.X1+j(), g.Y1+j(), g.X2+j(), g.Y2+j(), rng.Float64(), c))
			}
		}
		for range rng.IntN(3) {
			x, y := rng.Float64()*100, rng.Float64()*100
			im.dets = append(im.dets, det(x, y, x+10, y+10, rng.Float64(), rng.IntN(3)))
		}
		imgs[k] = im
	}
	return imgs
}

func TestAccumulatorMergeEqualsOneRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	imgs := randomImages(rng, 60)

	one, err := NewAccumulator(0.3, 0.5, 3)
	require.NoError(t, err)
	for i, im := range imgs {
		require.NoError(t, one.Add(im.gts, im.dets), "image %d", i)
	}
	// The data must exercise every path, or the equality below proves little.
	c := one.Counts()
	require.Positive(t, c.TP)
	require.Positive(t, c.FP)
	require.Positive(t, c.FN)

	// Contiguous shards of random sizes (one empty), merged in order: identical value.
	cuts := []int{0, 7, 7, 25, 41, 60}
	shards := make([]*Accumulator, len(cuts)-1)
	for s := range shards {
		shards[s], err = NewAccumulator(0.3, 0.5, 3)
		require.NoError(t, err)
		for _, im := range imgs[cuts[s]:cuts[s+1]] {
			require.NoError(t, shards[s].Add(im.gts, im.dets))
		}
	}
	merged, err := NewAccumulator(0.3, 0.5, 3)
	require.NoError(t, err)
	for _, s := range shards {
		require.NoError(t, merged.Merge(s))
	}
	require.Equal(t, one, merged)

	// Merged in reverse order: counts identical, samples equal as multisets, so the
	// histograms and KS are identical too.
	rev, err := NewAccumulator(0.3, 0.5, 3)
	require.NoError(t, err)
	for s := len(shards) - 1; s >= 0; s-- {
		require.NoError(t, rev.Merge(shards[s]))
	}
	assert.Equal(t, one.Counts(), rev.Counts())
	assert.Equal(t, one.PerClass(), rev.PerClass())
	sorted := func(v []float64) []float64 { slices.Sort(v); return v }
	assert.Equal(t, sorted(one.GTBestScores()), sorted(rev.GTBestScores()))
	assert.Equal(t, sorted(one.DetScores()), sorted(rev.DetScores()))
	h1, err := one.Histograms(20)
	require.NoError(t, err)
	h2, err := rev.Histograms(20)
	require.NoError(t, err)
	assert.Equal(t, h1, h2)

	// Merging an accumulator into itself doubles it.
	twice, err := NewAccumulator(0.3, 0.5, 3)
	require.NoError(t, err)
	require.NoError(t, twice.Merge(one))
	require.NoError(t, twice.Merge(one))
	require.NoError(t, one.Merge(one))
	require.Equal(t, twice, one)
}
