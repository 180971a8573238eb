package metrics

import (
	"fmt"
	"math"
	"slices"
)

// KS2 is the two-sample Kolmogorov–Smirnov test on the raw samples a and b (not on
// histograms of them). It returns the statistic
//
//	D = sup_x |F_a(x) − F_b(x)|
//
// where F_a, F_b are the empirical CDFs, and the asymptotic p-value of D under the
// hypothesis that both samples come from the same continuous distribution:
//
//	p = Q_KS((√nₑ + 0.12 + 0.11/√nₑ)·D),  nₑ = n·m/(n+m)
//
// with n = len(a), m = len(b), Q_KS the Kolmogorov survival function ([KolmogorovQ])
// and Stephens' (1970) small-sample correction, as in Press et al., Numerical Recipes,
// 3rd ed., §14.3 (kstwo). The approximation is good for nₑ >= 4 or so; for smaller
// samples treat p as indicative only.
//
// D is computed exactly: both samples are sorted and the CDFs are compared only after
// every value equal to the current pooled value has been counted in both samples, so
// ties (within and across samples) are handled correctly; the difference is formed in
// integers, |i·m − j·n|, and divided by n·m once, so identical samples give exactly 0
// and disjoint ones exactly 1. (gonum's stat.KolmogorovSmirnov computes the same D for
// sorted samples, accumulating the CDFs in floating point.) With ties the true null
// distribution of D differs from the continuous one and p is conservative.
//
// ±Inf are ordinary values. KS2 fails when a sample is empty or holds a NaN. It does
// not modify a or b. Cost O((n+m) log(n+m)).
func KS2(a, b []float64) (d, p float64, err error) {
	for _, s := range []struct {
		name string
		v    []float64
	}{{"first", a}, {"second", b}} {
		if len(s.v) == 0 {
			return 0, 0, fmt.Errorf("metrics: KS2: %s sample is empty, want at least one value", s.name)
		}
		for i, v := range s.v {
			if math.IsNaN(v) {
				return 0, 0, fmt.Errorf("metrics: KS2: %s sample value %d is NaN, want a number", s.name, i)
			}
		}
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	n, m := int64(len(x)), int64(len(y))
	var i, j, maxDiff int64
	// Once one sample is used up its CDF is 1 and the difference can only shrink, so
	// the loop may stop there.
	for i < n && j < m {
		v := min(x[i], y[j])
		for i < n && x[i] == v {
			i++
		}
		for j < m && y[j] == v {
			j++
		}
		diff := i*m - j*n
		if diff < 0 {
			diff = -diff
		}
		maxDiff = max(maxDiff, diff)
	}
	nf, mf := float64(n), float64(m)
	d = float64(maxDiff) / (nf * mf)
	sq := math.Sqrt(nf * mf / (nf + mf))
	p = KolmogorovQ((sq + 0.12 + 0.11/sq) * d)
	return d, p, nil
}

// KolmogorovQ is the survival function of the Kolmogorov distribution,
//
//	Q_KS(λ) = 2 Σ_{k=1..∞} (−1)^(k−1) exp(−2k²λ²),
//
// the limiting probability that √n·sup|F_n − F| exceeds λ. Q_KS(0) = 1 and Q_KS
// decreases to 0. The alternating series above converges fast for large λ and is used
// for λ >= 1.18; below that the equivalent Jacobi-theta form
//
//	Q_KS(λ) = 1 − (√(2π)/λ) Σ_{k=1..∞} exp(−(2k−1)²π²/(8λ²))
//
// is used, which converges fast for small λ (both series and the switch point as in
// Numerical Recipes, 3rd ed., §6.14, Kolmogorov-Smirnov distribution). NaN gives NaN;
// λ <= 0 gives 1.
func KolmogorovQ(lambda float64) float64 {
	switch {
	case math.IsNaN(lambda):
		return math.NaN()
	case lambda <= 0:
		return 1
	case lambda < 1.18:
		return 1 - kolmogorovPSmall(lambda)
	default:
		return kolmogorovQLarge(lambda)
	}
}

// kolmogorovPSmall is the Jacobi-theta series for P_KS(λ) = 1 − Q_KS(λ).
func kolmogorovPSmall(lambda float64) float64 {
	c := -math.Pi * math.Pi / (8 * lambda * lambda)
	sum := 0.0
	for k := 1; k <= 100; k++ {
		o := float64(2*k - 1)
		t := math.Exp(c * o * o)
		sum += t
		if t <= 1e-17*sum {
			break
		}
	}
	return math.Sqrt(2*math.Pi) / lambda * sum
}

// kolmogorovQLarge is the alternating series for Q_KS(λ), clamped to [0, 1].
func kolmogorovQLarge(lambda float64) float64 {
	c := -2 * lambda * lambda
	sum := 0.0
	sign := 1.0
	for k := 1; k <= 100; k++ {
		kf := float64(k)
		t := math.Exp(c * kf * kf)
		sum += sign * t
		if t <= 1e-17*math.Abs(sum) {
			break
		}
		sign = -sign
	}
	return min(1, max(0, 2*sum))
}
