package metrics

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWasserstein1ByHand(t *testing.T) {
	// a = {0, 1}, b = {0.5, 0.5}: |F_a − F_b| is 1/2 on [0, 0.5) and 1/2 on [0.5, 1):
	// W1 = 0.25 + 0.25 = 0.5.
	w, err := Wasserstein1([]float64{0, 1}, []float64{0.5, 0.5})
	require.NoError(t, err)
	assert.Equal(t, 0.5, w)
	// Shifting a sample by 0.25 moves all mass 0.25 (binary fractions: exact).
	w, err = Wasserstein1([]float64{0, 0.25, 0.5}, []float64{0.25, 0.5, 0.75})
	require.NoError(t, err)
	assert.Equal(t, 0.25, w)
	w, err = Wasserstein1([]float64{0.3, 0.1}, []float64{0.1, 0.3})
	require.NoError(t, err)
	assert.Equal(t, 0.0, w)
	_, err = Wasserstein1(nil, []float64{1})
	require.Error(t, err)
	_, err = Wasserstein1([]float64{math.Inf(1)}, []float64{1})
	require.Error(t, err)
}

func TestJensenShannonAndPSIByHand(t *testing.T) {
	// Disjoint histograms: JS = 1 bit; identical: 0. Counts are normalised.
	js, err := JensenShannon([]float64{3, 0}, []float64{0, 5})
	require.NoError(t, err)
	assert.InDelta(t, 1, js, 1e-15)
	js, err = JensenShannon([]float64{1, 2}, []float64{2, 4})
	require.NoError(t, err)
	assert.Equal(t, 0.0, js)

	// PSI([.5,.5] → [.25,.75]) = (−.25)·ln(.5) + (.25)·ln(1.5) = 0.1732868 + 0.1013663.
	psi, err := PSI([]float64{1, 1}, []float64{1, 3})
	require.NoError(t, err)
	assert.InDelta(t, 0.25*math.Ln2+0.25*math.Log(1.5), psi, 1e-15)
	// An empty bin takes PSIEpsilon: (0.5−1)·ln(0.5) + (0.5−1e-4)·ln(0.5/1e-4).
	psi, err = PSI([]float64{1, 0}, []float64{1, 1})
	require.NoError(t, err)
	assert.InDelta(t, 0.5*math.Ln2+(0.5-1e-4)*math.Log(0.5/1e-4), psi, 1e-14)

	_, err = PSI([]float64{1}, []float64{1, 2})
	require.Error(t, err)
	_, err = JensenShannon([]float64{0, 0}, []float64{1, 2})
	require.ErrorContains(t, err, "empty")
	_, err = JensenShannon([]float64{-1, 2}, []float64{1, 2})
	require.Error(t, err)
}

func TestCompareScoresVerdicts(t *testing.T) {
	ref := make([]float64, 200)
	for i := range ref {
		ref[i] = (float64(i) + 0.5) / 200 // uniform on (0, 1)
	}
	same, err := CompareScores(ref, ref, DriftThresholds{})
	require.NoError(t, err)
	assert.Equal(t, NoDrift, same.Level)
	assert.Equal(t, "none", same.String())
	assert.Equal(t, 0.0, same.KS)
	assert.Equal(t, 0.0, same.PSI)

	// Every score v becomes max(0, v−0.8), a monotone move of min(v, 0.8), so W1 is the
	// mean move: ∫₀¹ min(v, 0.8) dv = 0.32 + 0.16 = 0.48 (midpoint sums of a function
	// linear between grid points are exact): major.
	low := make([]float64, len(ref))
	for i, v := range ref {
		low[i] = math.Max(0, v-0.8)
	}
	d, err := CompareScores(ref, low, DriftThresholds{})
	require.NoError(t, err)
	assert.Equal(t, MajorDrift, d.Level)
	assert.Less(t, d.KSP, 1e-10)
	assert.InDelta(t, 0.48, d.W1Norm, 1e-12)
	assert.Contains(t, d.String(), "major (PSI")

	// Scores times 0.98: every v moves down by 0.02v, W1 = 0.02·mean = 0.01 < 0.1; KS
	// D <= 0.02 is nowhere near significant at n = 200; PSI is tiny: none. With the W1
	// threshold lowered to 0.005 (override) it is major.
	shift := make([]float64, len(ref))
	for i, v := range ref {
		shift[i] = v * 0.98
	}
	d, err = CompareScores(ref, shift, DriftThresholds{})
	require.NoError(t, err)
	assert.Equal(t, NoDrift, d.Level, d.String())
	d, err = CompareScores(ref, shift, DriftThresholds{W1: 0.005})
	require.NoError(t, err)
	assert.Equal(t, MajorDrift, d.Level)
	assert.Equal(t, []string{"W1 0.01 >= 0.005"}, d.Reasons)

	// Out-of-range values are counted, not binned.
	d, err = CompareScores([]float64{0.5, 2}, []float64{0.5, -1}, DriftThresholds{})
	require.NoError(t, err)
	assert.Equal(t, 1, d.Above)
	assert.Equal(t, 1, d.Below)
	_, err = CompareScores(nil, ref, DriftThresholds{})
	require.Error(t, err)

	// Five scores against five others: PSI and W1 are far above their major
	// thresholds, but five scores cannot tell; only KS grades (here: no shift).
	d, err = CompareScores([]float64{0.91, 0.95, 0.93, 0.97, 0.92}, []float64{0.90, 0.62, 0.96, 0.94, 0.41}, DriftThresholds{})
	require.NoError(t, err)
	assert.Greater(t, d.PSI, 1.0)
	assert.Greater(t, d.W1Norm, 0.1)
	assert.Equal(t, NoDrift, d.Level)
	assert.Equal(t, "none (PSI and W1 not graded: 5 and 5 scores, fewer than 200)", d.String())
	// With the minimum lowered to 5 they grade.
	d, err = CompareScores([]float64{0.91, 0.95, 0.93, 0.97, 0.92}, []float64{0.90, 0.62, 0.96, 0.94, 0.41}, DriftThresholds{MinSamples: 5})
	require.NoError(t, err)
	assert.Equal(t, MajorDrift, d.Level)
	assert.Empty(t, d.Ungraded)
}
