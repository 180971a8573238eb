package letterbox

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlanBadSourceSizes: the image-size rows of the bad-input catalogue (docs/bad-inputs.md) at the
// preprocessing step. A decoded image cannot be 0 px (the decoders refuse such headers), but a very thin one
// resizes to 0 px on its short side, where every upstream pipeline raises inside cv2.resize: refused with the
// sizes and the ratio.
func TestPlanBadSourceSizes(t *testing.T) {
	s, err := Parse("sg-coco")
	require.NoError(t, err)
	_, err = s.Plan(0, 10)
	assert.EqualError(t, err, `letterbox: spec "sg-coco": source size 0x10, expected positive width and height`)
	_, err = s.Plan(1, 2000)
	assert.EqualError(t, err, `letterbox: spec "sg-coco": 1x2000 source resizes to 0x636 (r=0.318, round), expected at least 1 px per side (cv2.resize raises here)`)
}
