package metrics

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPairwiseSumOrder(t *testing.T) {
	// 2⁵³ followed by fifteen 1s. Left to right, 2⁵³+1 rounds back to 2⁵³ every time:
	// 2⁵³. numpy's 8-way unrolled loop: r0 = 2⁵³+1 → 2⁵³, r1..r7 = 1+1 = 2, then
	// ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) = (2⁵³+2+4)+8 = 2⁵³+14, all exact.
	a := []float64{1 << 53}
	for range 15 {
		a = append(a, 1)
	}
	assert.Equal(t, float64(1<<53)+14, pairwiseSum(a))
	// Fewer than 8 values: plain left-to-right.
	assert.Equal(t, float64(1<<53), pairwiseSum(a[:7]))

	// np.add.reduce feeds 8192-value chunks: 2⁵³ at 0 and 1s at 8191 and 8192.
	// Chunk 1 sums to 2⁵³ (2⁵³+1 rounds to even), then +1 → 2⁵³ again. A single
	// pairwise pass would add the two 1s first: 2⁵³+2.
	b := make([]float64, 8193)
	b[0], b[8191], b[8192] = 1<<53, 1, 1
	assert.Equal(t, float64(1<<53), npSum(b))
	assert.Equal(t, float64(1<<53)+2, pairwiseSum(b))
	assert.True(t, math.IsNaN(npMean(nil)))
}

func TestInterpAndTrapz(t *testing.T) {
	xp, fp := []float64{0, 1, 1, 2}, []float64{1, 1, 0, 4}
	assert.Equal(t, -7.0, interp(-0.5, xp, fp, -7, 9), "left of the knots")
	assert.Equal(t, 9.0, interp(2.5, xp, fp, -7, 9), "right of the knots")
	assert.Equal(t, 1.0, interp(0.5, xp, fp, -7, 9))
	// On a repeated knot numpy takes the LAST equal knot's value.
	assert.Equal(t, 0.0, interp(1, xp, fp, -7, 9))
	assert.Equal(t, 2.0, interp(1.5, xp, fp, -7, 9)) // halfway from (1,0) to (2,4)
	assert.Equal(t, 4.0, interp(2, xp, fp, -7, 9))
	// Trapezoid of y = x on [0, 1] with 3 points: 0.5 exactly.
	assert.Equal(t, 0.5, trapz([]float64{0, 0.5, 1}, []float64{0, 0.5, 1}))
}
