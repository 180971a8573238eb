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
	r, err := PairedBootstrap(sg, sg, bootOpts(0.8, 1))
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
	r, err := PairedBootstrap(sg, stretch, bootOpts(0.8, 1))
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
	again, err := PairedBootstrap(sg, stretch, bootOpts(0.8, 1))
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
	r, err := PairedBootstrap(sg, other, bootOpts(0.8, 3))
	require.NoError(t, err)
	assert.Less(t, r.F1.Delta, 0.0)
	assert.Greater(t, r.F1.P, 0.5)
	assert.Equal(t, "~", r.F1.Symbol())
}

func TestBootstrapErrors(t *testing.T) {
	sg, _ := seedLikeRuns()
	_, err := PairedBootstrap(sg, sg[:3], bootOpts(0, 0))
	require.Error(t, err)
	_, err = PairedBootstrap(nil, nil, bootOpts(0, 0))
	require.Error(t, err)
	_, err = PairedBootstrap(sg, sg, BootstrapOptions{Conf: 0.8, Alpha: 2})
	require.Error(t, err)
	// Zero means zero: no resamples (or alpha 0) is refused, not replaced by a default.
	for _, o := range []BootstrapOptions{{Conf: 0.8, Alpha: 0.05}, {Conf: 0.8, Resamples: 10}} {
		_, err = PairedBootstrap(sg, sg, o)
		require.ErrorContains(t, err, "start from DefaultBootstrapOptions")
		_, err = PairedBootstrapRatio([]Ratio{{1, 1}}, []Ratio{{1, 1}}, o)
		require.ErrorContains(t, err, "start from DefaultBootstrapOptions")
		_, err = PairedBootstrapAP([][]ImageResult{sg}, [][]ImageResult{sg}, o)
		require.ErrorContains(t, err, "start from DefaultBootstrapOptions")
	}
	at := []ImageResult{MatchImage(nil, nil, 0.9, 0.5)}
	_, err = PairedBootstrap(at, at, bootOpts(0.8, 0))
	require.ErrorContains(t, err, "above the F1 conf")
	diff := []ImageResult{MatchImage([]box.Object{obj(0, 0, 1, 1, 0)}, nil, 0, 0.5)}
	same := []ImageResult{MatchImage([]box.Object{obj(0, 0, 1, 1, 1)}, nil, 0, 0.5)}
	_, err = PairedBootstrap(diff, same, bootOpts(0.5, 0))
	require.ErrorContains(t, err, "want the same image")
}

func TestPairedBootstrapRatio(t *testing.T) {
	// Identical runs: delta 0, never significant.
	a := []Ratio{{1, 2}, {0.5, 1}, {3, 4}, {0, 1}}
	d, err := PairedBootstrapRatio(a, a, bootOpts(0, 1))
	require.NoError(t, err)
	assert.Equal(t, 0.0, d.Delta)
	assert.False(t, d.Significant())
	assert.InDelta(t, 4.5/8, d.A, 1e-15, "Σ num / Σ den")
	// Every image better by the same margin in B: significant, and the interval
	// brackets the delta.
	var x, y []Ratio
	for i := range 40 {
		s := float64(i%7) / 10
		x = append(x, Ratio{s, 1})
		y = append(y, Ratio{s + 0.2, 1})
	}
	d, err = PairedBootstrapRatio(x, y, bootOpts(0, 1))
	require.NoError(t, err)
	assert.InDelta(t, 0.2, d.Delta, 1e-12)
	assert.True(t, d.Significant())
	assert.LessOrEqual(t, d.Lo, d.Delta)
	assert.GreaterOrEqual(t, d.Hi, d.Delta)
	// Noise around equal means (alternating ±0.1 on a 40-image set): not significant.
	var z []Ratio
	for i, r := range x {
		z = append(z, Ratio{r.Num + 0.1*float64(1-2*(i%2)), 1})
	}
	d, err = PairedBootstrapRatio(x, z, bootOpts(0, 1))
	require.NoError(t, err)
	assert.False(t, d.Significant(), "p %v", d.P)
	_, err = PairedBootstrapRatio(x, z[:3], bootOpts(0, 0))
	require.Error(t, err)
	_, err = PairedBootstrapRatio([]Ratio{{math.NaN(), 1}}, []Ratio{{1, 1}}, bootOpts(0, 0))
	require.Error(t, err)
}

// TestPairedBootstrapAP: at one IoU threshold it is PairedBootstrap's AP50 to
// the bit (same seed, same draws); over thresholds it is the mean of the
// per-threshold APs, and a run whose boxes are shifted (good at IoU 0.5, lost at
// 0.75 and above) is significantly worse though its AP50 is not.
func TestPairedBootstrapAP(t *testing.T) {
	sg, st := seedLikeRuns()
	one, err := PairedBootstrapAP([][]ImageResult{sg}, [][]ImageResult{st}, bootOpts(0.8, 3))
	require.NoError(t, err)
	ref, err := PairedBootstrap(sg, st, bootOpts(0.8, 3))
	require.NoError(t, err)
	assert.Equal(t, ref.AP50, one)

	// A: exact boxes; B: every box shifted by 2 px of 10 (IoU 8/12 = 0.667).
	var a, b [][]ImageResult
	for _, thr := range []float64{0.5, 0.75} {
		var ra, rb []ImageResult
		for i := range 60 {
			x := float64(i%5) * 30
			gts := []box.Object{obj(x, 0, x+10, 10, 0)}
			ra = append(ra, MatchImage(gts, []box.Detection{det(x, 0, x+10, 10, 0.9, 0)}, math.Inf(-1), thr))
			rb = append(rb, MatchImage(gts, []box.Detection{det(x+2, 0, x+12, 10, 0.9, 0)}, math.Inf(-1), thr))
		}
		a, b = append(a, ra), append(b, rb)
	}
	d, err := PairedBootstrapAP(a, b, bootOpts(0.5, 1))
	require.NoError(t, err)
	assert.InDelta(t, 1, d.A, 1e-9)
	assert.InDelta(t, 0.5, d.B, 1e-9, "AP 1 at IoU 0.5 and 0 at 0.75: mean 0.5")
	assert.True(t, d.Significant())
	at50, err := PairedBootstrapAP(a[:1], b[:1], bootOpts(0.5, 1))
	require.NoError(t, err)
	assert.False(t, at50.Significant(), "at IoU 0.5 alone the shift is invisible")

	_, err = PairedBootstrapAP(a, b[:1], bootOpts(0, 0))
	require.Error(t, err)
	_, err = PairedBootstrapAP([][]ImageResult{a[0]}, [][]ImageResult{b[0][:3]}, bootOpts(0, 0))
	require.Error(t, err)
}

// bootOpts is DefaultBootstrapOptions with conf and seed.
func bootOpts(conf float64, seed uint64) BootstrapOptions {
	o := DefaultBootstrapOptions()
	o.Conf, o.Seed = conf, seed
	return o
}
