package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"
)

func TestKS2Identical(t *testing.T) {
	a := []float64{0.9, 0.5, 0.1, 0.5}
	d, p, err := KS2(a, slices.Clone(a))
	require.NoError(t, err)
	assert.Equal(t, 0.0, d)
	assert.Equal(t, 1.0, p, "Q_KS(0) = 1")
}

func TestKS2Disjoint(t *testing.T) {
	d, p, err := KS2([]float64{1, 2, 3}, []float64{4, 5})
	require.NoError(t, err)
	assert.Equal(t, 1.0, d, "computed in integers: exactly 1")
	// n = 3, m = 2: nₑ = 6/5 = 1.2, √1.2 = 1.0954451,
	// λ = (1.0954451 + 0.12 + 0.11/1.0954451) * 1 = 1.0954451 + 0.12 + 0.1004158 = 1.3158609;
	// Q = 2(e^(−2λ²) − e^(−8λ²) + ...) with 2λ² = 3.4629799: e^−3.4629799 = 0.0313362,
	// e^−13.852 = 9.64e−7, e^−31.17 ≈ 3e−14: Q = 2(0.0313362 − 0.0000010) = 0.0626706.
	// Tolerance 1e-6: the hand arithmetic above is carried to 7 digits.
	assert.InDelta(t, 0.0626706, p, 1e-6)
}

func TestKS2TiesByHand(t *testing.T) {
	a := []float64{3, 2, 1, 2}
	b := []float64{4, 3, 2, 3}
	// Pooled distinct values 1, 2, 3, 4; CDFs after counting every copy of the value:
	//   x:    1    2    3    4
	//   F_a: 1/4  3/4   1    1
	//   F_b:  0   1/4  3/4   1
	//   |Δ|: 1/4  1/2  1/4   0   -> D = 1/2.
	// Stepping through the pooled sorted sample one element at a time (ignoring ties)
	// would see F_a = 3/4, F_b = 0 after both a's 2s and report 3/4.
	// p: nₑ = 16/8 = 2, √2 = 1.41421356, λ = (1.41421356 + 0.12 + 0.07778175) / 2 = 0.80599765.
	// λ < 1.18, so Q = 1 − (√(2π)/λ)·Σ exp(−(2k−1)²π²/(8λ²)): π²/(8λ²) = 9.8696044/5.1970577 = 1.8990754,
	// e^−1.8990754 = 0.1497070, e^−17.09 = 3.8e−8, √(2π)/λ = 2.5066283/0.8059977 = 3.1099697:
	// Q = 1 − 3.1099697·0.1497070 = 1 − 0.4655843 = 0.5344157.
	// Tolerance 1e-6: hand arithmetic to 7 digits.
	d, p, err := KS2(a, b)
	require.NoError(t, err)
	assert.Equal(t, 0.5, d)
	assert.InDelta(t, 0.5344157, p, 1e-6)

	// Symmetric, and the inputs are not reordered.
	d2, p2, err := KS2(b, a)
	require.NoError(t, err)
	assert.Equal(t, d, d2)
	assert.Equal(t, p, p2)
	assert.Equal(t, []float64{3, 2, 1, 2}, a)
}

// The asymptotic p-value for D = 0.5, n = m = 20.
func TestKS2KnownValue(t *testing.T) {
	a := make([]float64, 20)
	b := make([]float64, 20)
	for i := range a {
		a[i] = float64(i)      // 0..19
		b[i] = float64(i + 10) // 10..29
	}
	// At x = 19: F_a = 1, F_b = 10/20: D = 0.5 (the largest gap; before 10 it grows
	// from 1/20 by 1/20 a step, 10..19 keeps it at 10/20).
	// nₑ = 400/40 = 10, √10 = 3.16227766, 0.11/√10 = 0.03478505,
	// λ = (3.16227766 + 0.12 + 0.03478505)·0.5 = 1.65853136, λ² = 2.75072626.
	// Q = 2(e^(−2λ²) − e^(−8λ²) + e^(−18λ²)) = 2(e^−5.50145253 − e^−22.0058 + ...)
	//   = 2(0.00408084 − 2.8e−10) = 0.00816168.
	// Tolerance 1e-8: hand arithmetic to 8 decimals.
	d, p, err := KS2(a, b)
	require.NoError(t, err)
	assert.Equal(t, 0.5, d)
	assert.InDelta(t, 0.00816168, p, 1e-8)
}

func TestKS2Errors(t *testing.T) {
	_, _, err := KS2(nil, []float64{1})
	require.ErrorContains(t, err, "first sample is empty")
	_, _, err = KS2([]float64{1}, []float64{})
	require.ErrorContains(t, err, "second sample is empty")
	_, _, err = KS2([]float64{1, math.NaN()}, []float64{1})
	require.ErrorContains(t, err, "first sample value 1 is NaN")

	// ±Inf are ordinary values: {−Inf, 0} vs {0, +Inf}: F_a(−Inf) = 1/2, F_b = 0: D = 1/2.
	d, _, err := KS2([]float64{math.Inf(-1), 0}, []float64{0, math.Inf(1)})
	require.NoError(t, err)
	assert.Equal(t, 0.5, d)
}

// gonum's stat.KolmogorovSmirnov computes the same statistic with float CDFs; on random
// samples with many ties the two agree to rounding (1e-12: a few hundred additions of
// 1/n, each off by at most half an ulp of a number <= 1).
func TestKS2AgreesWithGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		n, m := 1+rng.IntN(300), 1+rng.IntN(300)
		shift := rng.Float64() * 0.3
		a := make([]float64, n)
		b := make([]float64, m)
		for i := range a {
			a[i] = math.Round(rng.Float64()*20) / 20 // ties on a 0.05 grid
		}
		for i := range b {
			b[i] = math.Round((rng.Float64()*0.8+shift)*20) / 20
		}
		d, _, err := KS2(a, b)
		require.NoError(t, err)
		sa, sb := slices.Clone(a), slices.Clone(b)
		slices.Sort(sa)
		slices.Sort(sb)
		want := stat.KolmogorovSmirnov(sa, nil, sb, nil)
		require.InDelta(t, want, d, 1e-12, "trial %d n %d m %d", trial, n, m)
	}
}

func TestKolmogorovQ(t *testing.T) {
	assert.Equal(t, 1.0, KolmogorovQ(0))
	assert.Equal(t, 1.0, KolmogorovQ(-1))
	assert.True(t, math.IsNaN(KolmogorovQ(math.NaN())))
	// Q_KS(1) = 1 − K(1) with K(1) = 0.7300003283 (Kolmogorov's distribution, tabulated
	// e.g. by Marsaglia, Tsang & Wang 2003); tolerance 1e-10 as the table has 10 digits.
	assert.InDelta(t, 0.2699996717, KolmogorovQ(1), 1e-10)
	// The 5 % critical value of the limiting distribution is λ = 1.3581 (Smirnov 1948).
	assert.InDelta(t, 0.05, KolmogorovQ(1.3581), 1e-5)
	assert.Equal(t, 0.0, KolmogorovQ(40), "underflows to 0, not negative")
	// Small λ: P_KS(0.1) = (√(2π)/0.1)·e^(−π²/0.08) ≈ 25·e^−123 ≈ 1e−52, so Q is 1 to
	// double precision (a truncated alternating series would be far off here).
	assert.InDelta(t, 1.0, KolmogorovQ(0.1), 1e-15)
	assert.InDelta(t, 1.0, KolmogorovQ(0.01), 1e-15)

	// Both series are exact expansions of the same function: where both converge they
	// agree to rounding (1e-14: sums of at most ~20 terms of size <= 1), including at the
	// switch point 1.18, and Q decreases.
	prev := 1.0
	for l := 0.3; l <= 3; l += 0.01 {
		small := 1 - kolmogorovPSmall(l)
		large := kolmogorovQLarge(l)
		require.InDelta(t, small, large, 1e-14, "λ %v", l)
		q := KolmogorovQ(l)
		require.Less(t, q, prev, "λ %v", l)
		prev = q
	}
}
