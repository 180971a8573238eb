package metrics

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistogramEdgesAndBins(t *testing.T) {
	h, err := NewHistogram(10)
	require.NoError(t, err)
	require.Len(t, h.Edges, 11)
	assert.Equal(t, 0.0, h.Edges[0])
	assert.Equal(t, 1.0, h.Edges[10], "last edge exactly 1")

	h.Add(0)                             // bin 0
	h.Add(math.Copysign(0, -1))          // -0 is 0: bin 0
	h.Add(1)                             // 1.0 belongs to the last bin
	h.Add(h.Edges[1])                    // a left edge belongs to its bin: bin 1
	h.Add(math.Nextafter(h.Edges[1], 0)) // just below 0.1: bin 0
	h.Add(math.Nextafter(1, 0))          // just below 1: bin 9
	h.Add(0.55)                          // bin 5
	h.Add(-1e-300)                       // Below
	h.Add(math.Inf(-1))                  // Below
	h.Add(math.Nextafter(1, 2))          // Above
	h.Add(math.Inf(1))                   // Above
	h.Add(math.NaN())                    // NaN
	assert.Equal(t, []int{3, 1, 0, 0, 0, 1, 0, 0, 0, 2}, h.Counts)
	assert.Equal(t, 2, h.Below)
	assert.Equal(t, 2, h.Above)
	assert.Equal(t, 1, h.NaN)
	assert.Equal(t, 7, h.InRange())
	assert.Equal(t, 12, h.Total(), "Total counts every value added")
	assert.Equal(t, -1, h.Bin(math.NaN()))
	assert.Equal(t, -1, h.Bin(1.5))
}

// Bin must agree with Edges exactly for every edge of every bin count, whatever the
// rounding of v*bins: each left edge is in its own bin, the float just below it in the
// previous one.
func TestHistogramBinMatchesEdges(t *testing.T) {
	for bins := 1; bins <= 200; bins++ {
		h, err := NewHistogram(bins)
		require.NoError(t, err)
		for i := 0; i < bins; i++ {
			e := h.Edges[i]
			require.Equal(t, i, h.Bin(e), "bins %d edge %d", bins, i)
			if i > 0 {
				require.Equal(t, i-1, h.Bin(math.Nextafter(e, 0)), "bins %d below edge %d", bins, i)
			}
		}
		require.Equal(t, bins-1, h.Bin(1), "bins %d: 1.0", bins)
	}
}

func TestHistogramErrorsMergeFractions(t *testing.T) {
	_, err := NewHistogram(0)
	require.Error(t, err)

	a, err := NewHistogram(4)
	require.NoError(t, err)
	b, err := NewHistogram(4)
	require.NoError(t, err)
	for _, v := range []float64{0.1, 0.3, 0.3, 2} {
		a.Add(v)
	}
	for _, v := range []float64{0.9, math.NaN(), -3} {
		b.Add(v)
	}
	require.NoError(t, a.Merge(b))
	// Bins of width 0.25: 0.1 -> 0, 0.3 -> 1 (twice), 0.9 -> 3.
	assert.Equal(t, []int{1, 2, 0, 1}, a.Counts)
	assert.Equal(t, Histogram{Edges: []float64{0, 0.25, 0.5, 0.75, 1}, Counts: []int{1, 2, 0, 1}, Below: 1, Above: 1, NaN: 1}, a)
	// 4 in range: 1/4, 2/4, 0, 1/4 are exact in binary.
	assert.Equal(t, []float64{0.25, 0.5, 0, 0.25}, a.Fractions())

	c, err := NewHistogram(5)
	require.NoError(t, err)
	before := a.Clone()
	require.Error(t, a.Merge(c))
	assert.Equal(t, before, a, "a failed merge changes nothing")

	empty, err := NewHistogram(3)
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 0, 0}, empty.Fractions())

	cl := a.Clone()
	cl.Add(0.1)
	assert.Equal(t, 1, a.Counts[0], "Clone shares no memory")
}
