package metrics

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

// seedLikeRuns mimics the seed issue on 160 images with two objects each: run "sg"
// (letterbox) finds both objects at score 0.9; run "stretch" finds the first object of
// every 20th image at 0.9 and otherwise gives the objects 0.05 (below conf 0.8).
func seedLikeRuns() (sg, stretch []ImageResult) {
	for i := range 160 {
		x := float64(i % 7 * 20)
		gts := []box.Object{obj(x, 0, x+10, 10, 0), obj(x, 50, x+10, 60, 1)}
		good := []box.Detection{det(x, 0, x+10, 10, 0.9, 0), det(x, 50, x+10, 60, 0.9, 1)}
		bad := []box.Detection{det(x, 0, x+10, 10, 0.05, 0), det(x, 50, x+10, 60, 0.05, 1)}
		if i%20 == 0 {
			bad[0].Score = 0.9
		}
		sg = append(sg, MatchImage(gts, good, math.Inf(-1), 0.5))
		stretch = append(stretch, MatchImage(gts, bad, math.Inf(-1), 0.5))
	}
	return sg, stretch
}

func TestBootstrapNoOpIsNoise(t *testing.T) {
	sg, _ := seedLikeRuns()
	r, err := PairedBootstrap(sg, sg, BootstrapOptions{Conf: 0.8, Seed: 1})
	require.NoError(t, err)
	// Every resampled delta is exactly 0, so both tails hold all B of them:
	// p = min(1, 2·(1+B)/(B+1)) = 1.
	assert.Equal(t, 1.0, r.F1.P)
	assert.Equal(t, 1.0, r.AP50.P)
	assert.Equal(t, "~", r.F1.Symbol())
	assert.Equal(t, "~", r.AP50.Symbol())
	assert.Equal(t, DefaultBootstrapResamples, r.Resamples)
}

func TestBootstrapSeedGapIsSignificant(t *testing.T) {
	sg, stretch := seedLikeRuns()
	r, err := PairedBootstrap(sg, stretch, BootstrapOptions{Conf: 0.8, Seed: 1})
	require.NoError(t, err)
	// F1: sg finds all 320 objects: 1. stretch: 8 TPs above 0.8, no FP, 312 FN:
	// F1 = 16/(16+312) = 2/41.
	assert.Equal(t, 1.0, r.F1.A)
	assert.InDelta(t, 2.0/41, r.F1.B, 1e-15)
	assert.InDelta(t, 2.0/41-1, r.F1.Delta, 1e-15)
	// No resample has delta >= 0: p = 2·(1+0)/(1000+1).
	assert.InDelta(t, 2.0/1001, r.F1.P, 1e-15)
	assert.True(t, r.F1.Significant())
	assert.Equal(t, "-0.9512", r.F1.Symbol())
	assert.Less(t, r.F1.Hi, 0.0)
	assert.LessOrEqual(t, r.F1.Lo, r.F1.Delta)
	// AP50 ignores conf: every stretch detection still sits on its object, so both runs
	// rank only TPs and AP50 is 1 for both (minus the 2⁻⁵²): "~" although F1 collapsed,
	// which is why a parity verdict needs the thresholded numbers too.
	assert.InDelta(t, 1, r.AP50.A, 1e-15)
	assert.InDelta(t, 1, r.AP50.B, 1e-15)
	assert.Equal(t, "~", r.AP50.Symbol())

	// Same seed, same numbers; another seed, another interval but the same verdict.
	again, err := PairedBootstrap(sg, stretch, BootstrapOptions{Conf: 0.8, Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, r, again)
}

func TestBootstrapOneImageChangeIsNoise(t *testing.T) {
	// Runs differ on one image of 160 (one of 320 objects missed): F1 goes from 1 to
	// 638/639, a tiny drop. Each resample holds that image with probability ~63 %, so ~37 % of the
	// deltas are exactly 0 and the rest negative: p ≈ 2·0.37 > 0.05: "~".
	sg, _ := seedLikeRuns()
	other := make([]ImageResult, len(sg))
	copy(other, sg)
	gts := []box.Object{obj(0, 0, 10, 10, 0), obj(0, 50, 10, 60, 1)}
	other[0] = MatchImage(gts, []box.Detection{det(0, 0, 10, 10, 0.9, 0)}, math.Inf(-1), 0.5)
	r, err := PairedBootstrap(sg, other, BootstrapOptions{Conf: 0.8, Seed: 3})
	require.NoError(t, err)
	assert.Less(t, r.F1.Delta, 0.0)
	assert.Greater(t, r.F1.P, 0.5)
	assert.Equal(t, "~", r.F1.Symbol())
}

func TestBootstrapErrors(t *testing.T) {
	sg, _ := seedLikeRuns()
	_, err := PairedBootstrap(sg, sg[:3], BootstrapOptions{})
	require.Error(t, err)
	_, err = PairedBootstrap(nil, nil, BootstrapOptions{})
	require.Error(t, err)
	_, err = PairedBootstrap(sg, sg, BootstrapOptions{Conf: 0.8, Alpha: 2})
	require.Error(t, err)
	at := []ImageResult{MatchImage(nil, nil, 0.9, 0.5)}
	_, err = PairedBootstrap(at, at, BootstrapOptions{Conf: 0.8})
	require.ErrorContains(t, err, "above the F1 conf")
	diff := []ImageResult{MatchImage([]box.Object{obj(0, 0, 1, 1, 0)}, nil, 0, 0.5)}
	same := []ImageResult{MatchImage([]box.Object{obj(0, 0, 1, 1, 1)}, nil, 0, 0.5)}
	_, err = PairedBootstrap(diff, same, BootstrapOptions{Conf: 0.5})
	require.ErrorContains(t, err, "want the same image")
}
