package metrics

import (
	"fmt"
	"math"
	"slices"
)

// Histogram counts values (scores) in fixed, equal-width bins over [0, 1]. Bin i is
// [Edges[i], Edges[i+1]) with Edges[i] = i/bins; the last bin also holds 1.0. Values
// outside [0, 1] are not put in a bin but counted in Below, Above and NaN, so nothing
// added is dropped silently (scores outside [0, 1] usually mean logits that were never
// passed through a sigmoid). −0 counts as 0.
//
// Copying a Histogram value shares its slices; use [Histogram.Clone] for an
// independent copy.
type Histogram struct {
	// Edges has len(Counts)+1 increasing values from exactly 0 to exactly 1.
	Edges []float64
	// Counts holds the number of in-range values per bin.
	Counts []int
	// Below, Above and NaN count values < 0, values > 1 (including +Inf) and NaNs.
	Below, Above, NaN int
}

// NewHistogram returns an empty histogram with bins equal bins over [0, 1]. It fails
// when bins < 1.
func NewHistogram(bins int) (Histogram, error) {
	if bins < 1 {
		return Histogram{}, fmt.Errorf("metrics: histogram with %d bins, want at least 1", bins)
	}
	h := Histogram{Edges: make([]float64, bins+1), Counts: make([]int, bins)}
	for i := range h.Edges {
		h.Edges[i] = float64(i) / float64(bins)
	}
	return h, nil
}

// Bin returns the index of the bin v falls in, or -1 when v is outside [0, 1] or NaN.
// The index agrees exactly with Edges: Edges[i] <= v < Edges[i+1] (v == 1 is in the
// last bin), whatever the rounding of v*bins.
func (h Histogram) Bin(v float64) int {
	if !(v >= 0 && v <= 1) {
		return -1
	}
	n := len(h.Counts)
	i := min(int(v*float64(n)), n-1)
	// v*n may round across an edge; settle on the edges themselves.
	for i > 0 && v < h.Edges[i] {
		i--
	}
	for i < n-1 && v >= h.Edges[i+1] {
		i++
	}
	return i
}

// Add counts v: in its bin when 0 <= v <= 1, otherwise in Below, Above or NaN.
func (h *Histogram) Add(v float64) {
	switch {
	case math.IsNaN(v):
		h.NaN++
	case v < 0:
		h.Below++
	case v > 1:
		h.Above++
	default:
		h.Counts[h.Bin(v)]++
	}
}

// Total is the number of values added, in range or not.
func (h Histogram) Total() int {
	return h.InRange() + h.Below + h.Above + h.NaN
}

// InRange is the number of values added that fell in a bin (0 <= v <= 1).
func (h Histogram) InRange() int {
	t := 0
	for _, c := range h.Counts {
		t += c
	}
	return t
}

// Fractions returns Counts divided by [Histogram.InRange] (summing to 1), or all zeros
// when no value was in range.
func (h Histogram) Fractions() []float64 {
	f := make([]float64, len(h.Counts))
	t := h.InRange()
	if t == 0 {
		return f
	}
	for i, c := range h.Counts {
		f[i] = float64(c) / float64(t)
	}
	return f
}

// Merge adds o's counts to h. It fails, leaving h unchanged, when the edges differ.
func (h *Histogram) Merge(o Histogram) error {
	if !slices.Equal(h.Edges, o.Edges) || len(h.Counts) != len(o.Counts) {
		return fmt.Errorf("metrics: merging a %d-bin histogram into a %d-bin one, want the same edges", len(o.Counts), len(h.Counts))
	}
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
	h.Below += o.Below
	h.Above += o.Above
	h.NaN += o.NaN
	return nil
}

// Clone returns a copy of h that shares no memory with it.
func (h Histogram) Clone() Histogram {
	c := h
	c.Edges = slices.Clone(h.Edges)
	c.Counts = slices.Clone(h.Counts)
	return c
}
