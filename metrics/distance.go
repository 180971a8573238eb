package metrics

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"
)

// Distances between two confidence distributions. Each is a plain function of two
// samples or two histograms; [CompareScores] combines them into a drift verdict.

// Wasserstein1 is the first Wasserstein (earth mover's) distance between the empirical
// distributions of samples a and b:
//
//	W1 = ∫ |F_a(x) − F_b(x)| dx
//
// computed exactly by walking the pooled sorted values (Villani, Optimal Transport,
// 2009; for one dimension the integral of the CDF difference, as scipy.stats.
// wasserstein_distance). It is in the units of the values: for scores in [0, 1] it is
// at most 1 and 0.1 means the mass moved by 0.1 on average. It fails on an empty
// sample or a NaN; ±Inf are not allowed either (the integral would be infinite).
func Wasserstein1(a, b []float64) (float64, error) {
	if err := checkSample("Wasserstein1", a, b, true); err != nil {
		return 0, err
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	n, m := float64(len(x)), float64(len(y))
	i, j := 0, 0
	prev := math.Min(x[0], y[0])
	w := 0.0
	for i < len(x) || j < len(y) {
		var v float64
		switch {
		case j == len(y) || (i < len(x) && x[i] <= y[j]):
			v = x[i]
		default:
			v = y[j]
		}
		w += math.Abs(float64(i)/n-float64(j)/m) * (v - prev)
		for i < len(x) && x[i] == v {
			i++
		}
		for j < len(y) && y[j] == v {
			j++
		}
		prev = v
	}
	return w, nil
}

func checkSample(name string, a, b []float64, finite bool) error {
	for _, s := range []struct {
		which string
		v     []float64
	}{{"first", a}, {"second", b}} {
		if len(s.v) == 0 {
			return fmt.Errorf("metrics: %s: %s sample is empty, want at least one value", name, s.which)
		}
		for i, v := range s.v {
			if math.IsNaN(v) || (finite && math.IsInf(v, 0)) {
				return fmt.Errorf("metrics: %s: %s sample value %d is %v, want a finite number", name, s.which, i, v)
			}
		}
	}
	return nil
}

// JensenShannon is the Jensen–Shannon divergence between two histograms p and q (bin
// counts or fractions over the same bins; each is normalised to sum 1), in BITS
// (log base 2), so it lies in [0, 1]:
//
//	JS = ½ KL(P‖M) + ½ KL(Q‖M),  M = ½(P+Q)
//
// (Lin 1991, "Divergence measures based on the Shannon entropy"). It is gonum's
// stat.JensenShannon (natural log) divided by ln 2. Empty bins need no smoothing. Its
// square root is a metric. It fails when the lengths differ, a count is negative or
// NaN, or a histogram is all zero.
func JensenShannon(p, q []float64) (float64, error) {
	pn, qn, err := normalisePair("JensenShannon", p, q)
	if err != nil {
		return 0, err
	}
	return stat.JensenShannon(pn, qn) / math.Ln2, nil
}

func normalisePair(name string, p, q []float64) ([]float64, []float64, error) {
	if len(p) != len(q) || len(p) == 0 {
		return nil, nil, fmt.Errorf("metrics: %s: histograms of %d and %d bins, want the same non-zero number", name, len(p), len(q))
	}
	out := [2][]float64{}
	for h, s := range [][]float64{p, q} {
		t := 0.0
		for i, v := range s {
			if !(v >= 0) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("metrics: %s: histogram %d bin %d is %v, want a finite count >= 0", name, h+1, i, v)
			}
			t += v
		}
		if t == 0 {
			return nil, nil, fmt.Errorf("metrics: %s: histogram %d is empty, want at least one count", name, h+1)
		}
		out[h] = make([]float64, len(s))
		for i, v := range s {
			out[h][i] = v / t
		}
	}
	return out[0], out[1], nil
}

// PSIEpsilon is the fraction an empty bin is given in [PSI] so that the logarithm is
// finite (a common choice; it caps one empty bin's contribution at about
// f·ln(f/1e-4) for the other side's fraction f).
const PSIEpsilon = 1e-4

// PSI is the population stability index of actual against expected, two histograms
// over the same bins (counts or fractions, each normalised to sum 1):
//
//	PSI = Σ_i (a_i − e_i) · ln(a_i / e_i)
//
// with every fraction below [PSIEpsilon] raised to it (Siddiqi, Credit Risk
// Scorecards, 2006; Yurdakul 2018). Conventional reading: < 0.1 no significant shift,
// 0.1–0.25 minor, >= 0.25 major. It is symmetric in its arguments. Fails as
// [JensenShannon].
func PSI(expected, actual []float64) (float64, error) {
	e, a, err := normalisePair("PSI", expected, actual)
	if err != nil {
		return 0, err
	}
	psi := 0.0
	for i := range e {
		ei, ai := math.Max(e[i], PSIEpsilon), math.Max(a[i], PSIEpsilon)
		psi += (ai - ei) * math.Log(ai/ei)
	}
	return psi, nil
}

// DriftThresholds are the cut-offs of [CompareScores]. [DefaultDriftThresholds] are
// the conventional ones.
type DriftThresholds struct {
	// KSP: a two-sample KS p-value below it means the samples differ (0.05).
	KSP float64
	// PSIMinor and PSIMajor: PSI at or above them is a minor (0.1) / major (0.25) shift.
	PSIMinor, PSIMajor float64
	// W1: a normalised Wasserstein-1 at or above it is a major shift (0.1 of the range).
	W1 float64
	// Bins is the number of equal bins over [0, 1] for PSI and JS (10).
	Bins int
	// Range is the width the Wasserstein-1 distance is normalised by (1: scores in [0, 1]).
	Range float64
	// MinSamples is the number of scores each sample needs before PSI and W1 may
	// call a shift (200). Below it, their sampling noise alone reaches the
	// thresholds: two samples of one distribution give, on 10 bins, a median PSI
	// of 0.27–0.38 at 50 scores each (PSI >= 0.25 in 56–78 % of draws) against
	// 0.06–0.09 at 200 (PSI >= 0.25 in at most 0.5 %, normalised W1 >= 0.1 in at
	// most 0.4 %); scripts/drift_null.py reproduces these numbers. KS, whose
	// p-value accounts for the sample sizes, still grades small samples (minor
	// at most).
	MinSamples int
}

// DefaultDriftThresholds returns KS p < 0.05, PSI >= 0.1 minor / >= 0.25 major,
// normalised W1 >= 0.1, 10 bins, range 1, PSI and W1 graded from 200 scores
// per sample.
func DefaultDriftThresholds() DriftThresholds {
	return DriftThresholds{KSP: 0.05, PSIMinor: 0.1, PSIMajor: 0.25, W1: 0.1, Bins: 10, Range: 1, MinSamples: 200}
}

// DriftLevel grades a [Drift].
type DriftLevel int

// Drift levels.
const (
	// NoDrift: KS finds no difference and neither PSI nor W1 reaches its threshold.
	NoDrift DriftLevel = iota
	// MinorDrift: KS finds a difference or PSI >= PSIMinor, but no major criterion holds.
	MinorDrift
	// MajorDrift: PSI >= PSIMajor or normalised W1 >= W1.
	MajorDrift
)

// String is "none", "minor" or "major".
func (l DriftLevel) String() string {
	return [...]string{"none", "minor", "major"}[l]
}

// Drift is the comparison of two score samples by [CompareScores].
type Drift struct {
	KS, KSP      float64    // two-sample KS statistic and p-value ([KS2])
	W1, W1Norm   float64    // Wasserstein-1 and W1 / Range
	JS           float64    // Jensen–Shannon divergence, bits, on the binned scores
	PSI          float64    // population stability index on the binned scores
	Level        DriftLevel // the verdict
	Reasons      []string   // the criteria that fired, e.g. "PSI 0.31 >= 0.25"
	Below, Above int        // values outside [0, 1] left out of the bins (both samples)
	// Ungraded says why PSI and W1 did not grade the shift (a sample smaller
	// than DriftThresholds.MinSamples), "" when they did. PSI and W1 are still
	// computed.
	Ungraded string
}

// CompareScores compares two samples of scores (a: reference, b: candidate) with KS,
// Wasserstein-1, Jensen–Shannon and PSI (histograms of th.Bins equal bins over [0, 1],
// values outside counted in Below/Above), and grades the shift: major when PSI >=
// PSIMajor or W1/Range >= W1; otherwise minor when KS p < KSP or PSI >= PSIMinor;
// otherwise none. PSI and W1 grade only samples of at least th.MinSamples scores
// each (Drift.Ungraded says so otherwise). KS alone never makes it major: with
// large samples it flags tiny, harmless shifts, which is why the size criteria
// exist. Zero fields of th take the defaults. Fails when a sample is empty or has NaN or ±Inf values.
func CompareScores(a, b []float64, th DriftThresholds) (Drift, error) {
	def := DefaultDriftThresholds()
	if th.KSP == 0 {
		th.KSP = def.KSP
	}
	if th.PSIMinor == 0 {
		th.PSIMinor = def.PSIMinor
	}
	if th.PSIMajor == 0 {
		th.PSIMajor = def.PSIMajor
	}
	if th.W1 == 0 {
		th.W1 = def.W1
	}
	if th.Bins == 0 {
		th.Bins = def.Bins
	}
	if th.Range == 0 {
		th.Range = def.Range
	}
	if th.MinSamples == 0 {
		th.MinSamples = def.MinSamples
	}
	var d Drift
	var err error
	if d.W1, err = Wasserstein1(a, b); err != nil {
		return Drift{}, err
	}
	if d.KS, d.KSP, err = KS2(a, b); err != nil {
		return Drift{}, err
	}
	d.W1Norm = d.W1 / th.Range
	ha, err := NewHistogram(th.Bins)
	if err != nil {
		return Drift{}, err
	}
	hb := ha.Clone()
	for _, v := range a {
		ha.Add(v)
	}
	for _, v := range b {
		hb.Add(v)
	}
	d.Below, d.Above = ha.Below+hb.Below, ha.Above+hb.Above
	fa, fb := toFloat(ha.Counts), toFloat(hb.Counts)
	if ha.InRange() > 0 && hb.InRange() > 0 {
		if d.JS, err = JensenShannon(fa, fb); err != nil {
			return Drift{}, err
		}
		if d.PSI, err = PSI(fa, fb); err != nil {
			return Drift{}, err
		}
	}
	graded := len(a) >= th.MinSamples && len(b) >= th.MinSamples
	if !graded {
		d.Ungraded = fmt.Sprintf("PSI and W1 not graded: %d and %d scores, fewer than %d", len(a), len(b), th.MinSamples)
	}
	if graded && d.PSI >= th.PSIMajor {
		d.Reasons = append(d.Reasons, fmt.Sprintf("PSI %.3g >= %g", d.PSI, th.PSIMajor))
	}
	if graded && d.W1Norm >= th.W1 {
		d.Reasons = append(d.Reasons, fmt.Sprintf("W1 %.3g >= %g", d.W1Norm, th.W1))
	}
	if len(d.Reasons) > 0 {
		d.Level = MajorDrift
		return d, nil
	}
	if d.KSP < th.KSP {
		d.Reasons = append(d.Reasons, fmt.Sprintf("KS p %.3g < %g", d.KSP, th.KSP))
	}
	if graded && d.PSI >= th.PSIMinor {
		d.Reasons = append(d.Reasons, fmt.Sprintf("PSI %.3g >= %g", d.PSI, th.PSIMinor))
	}
	if len(d.Reasons) > 0 {
		d.Level = MinorDrift
	}
	return d, nil
}

// String summarises the verdict, e.g. "major (PSI 0.31 >= 0.25)", or "none
// (PSI and W1 not graded: 5 and 5 scores, fewer than 200)".
func (d Drift) String() string {
	reasons := d.Reasons
	if d.Ungraded != "" {
		reasons = append(slices.Clone(reasons), d.Ungraded)
	}
	if len(reasons) == 0 {
		return d.Level.String()
	}
	return d.Level.String() + " (" + strings.Join(reasons, ", ") + ")"
}

func toFloat(c []int) []float64 {
	f := make([]float64, len(c))
	for i, v := range c {
		f[i] = float64(v)
	}
	return f
}
