package explain_test

import (
	"image"
	"image/png"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/frame"
)

// writePNG writes an RGB frame as a PNG file.
func writePNG(t *testing.T, path string, im frame.Image) {
	t.Helper()
	rgb := im.In(frame.RGB)
	m := image.NewRGBA(image.Rect(0, 0, im.W, im.H))
	for i := 0; i < im.W*im.H; i++ {
		copy(m.Pix[4*i:4*i+3], rgb.Pix[3*i:3*i+3])
		m.Pix[4*i+3] = 255
	}
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, m))
	require.NoError(t, f.Close())
}
