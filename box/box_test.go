package box

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIoU(t *testing.T) {
	a := Box{0, 0, 10, 10}
	// Hand-derived: overlap 5x10 = 50, union 100 + 100 - 50 = 150.
	assert.InDelta(t, 50.0/150, IoU(a, Box{5, 0, 15, 10}), 1e-15)
	assert.Equal(t, 1.0, IoU(a, a))
	assert.Equal(t, 0.0, IoU(a, Box{10, 0, 20, 10}), "touching edges do not overlap (continuous coordinates, no +1)")
	assert.Equal(t, 0.0, IoU(Box{0, 0, 0, 0}, Box{0, 0, 0, 0}), "zero union is 0, not NaN")
	assert.Equal(t, 0.0, IoU(a, Box{3, 3, 2, 2}), "an inverted box has no area")
	assert.Equal(t, IoU(a, Box{2, 3, 7, 12}), IoU(Box{2, 3, 7, 12}, a), "symmetric")
}

func TestSize(t *testing.T) {
	b := Box{1, 2, 4, 8}
	assert.Equal(t, 3.0, b.W())
	assert.Equal(t, 6.0, b.H())
	assert.Equal(t, 18.0, b.Area())
	assert.Equal(t, 0.0, Box{4, 8, 1, 2}.Area(), "inverted boxes clamp to 0")
}
