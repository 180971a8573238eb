package frame

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	require.NoError(t, New(2, 3, RGB).Validate())
	assert.EqualError(t, Image{W: 0, H: 3}.Validate(), "frame: image size 0x3, expected positive width and height")
	assert.EqualError(t, Image{W: 2, H: 2, Pix: make([]uint8, 11)}.Validate(), "frame: 2x2 image has 11 bytes, expected 12 (3 channels)")
}

func TestChannelOrder(t *testing.T) {
	im := Image{W: 2, H: 1, Pix: []uint8{1, 2, 3, 4, 5, 6}, Order: BGR}
	rgb := im.In(RGB)
	assert.Equal(t, RGB, rgb.Order)
	assert.Equal(t, []uint8{3, 2, 1, 6, 5, 4}, rgb.Pix)
	assert.Equal(t, []uint8{1, 2, 3, 4, 5, 6}, im.Pix, "the source is not modified")
	assert.Equal(t, im, rgb.In(BGR))
	same := im.In(BGR)
	assert.Equal(t, &im.Pix[0], &same.Pix[0], "no copy when already in the order")
	assert.Equal(t, "rgb", RGB.String())
	assert.Equal(t, "bgr", BGR.String())
}

func TestToRGBA(t *testing.T) {
	bgr := Image{W: 2, H: 1, Pix: []uint8{1, 2, 3, 4, 5, 6}, Order: BGR}
	got := bgr.ToRGBA()
	assert.Equal(t, []uint8{3, 2, 1, 255, 6, 5, 4, 255}, got.Pix, "BGR becomes R, G, B, opaque")
	assert.Equal(t, got.Pix, bgr.In(RGB).ToRGBA().Pix, "the same pixels whatever the source order")
	assert.Equal(t, 2, got.Bounds().Dx())
}
