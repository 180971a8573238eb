package parity

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/opencv"
	"github.com/detparity/detparity/frame"
)

// countingDecoder is the OpenCV decoder counting the decodes whose buffer
// could not hold the image (a new one was allocated).
type countingDecoder struct {
	opencv.Decoder
	fresh *int
}

func (d countingDecoder) Decode(path string) (frame.Image, error) { return d.DecodeInto(path, nil) }

func (d countingDecoder) DecodeInto(path string, buf []byte) (frame.Image, error) {
	im, err := d.Decoder.DecodeInto(path, buf)
	if err == nil && (len(buf) == 0 || &im.Pix[0] != &buf[:1][0]) {
		*d.fresh++
	}
	return im, err
}

// TestFramesAreReused: loading the 160 fixture images through a frames pool
// and giving each back allocates a frame only when no pooled one is large
// enough (a few times, as the images grow), and a second pass none at all.
func TestFramesAreReused(t *testing.T) {
	ds, err := dataset.Open(context.Background(), "../fixtures/eval", DefaultSettings().dataOptions())
	require.NoError(t, err)
	l := datasetLoader{ds: ds, data: "../fixtures/eval"}
	fresh := 0
	dec := []dataset.Decoder{countingDecoder{fresh: &fresh}}
	fr := make(frames, 2)
	pass := func() {
		for i := range l.len() {
			ld, _, err := l.load(i, dec, fr)
			require.NoError(t, err)
			ld.recycle(fr)
		}
	}
	pass()
	assert.Positive(t, fresh)
	assert.Less(t, fresh, 10, "frames allocated in 160 decodes")
	fresh = 0
	pass()
	assert.Zero(t, fresh, "the pooled frame holds every image of a second pass")
	// Without a pool every decode allocates.
	for i := range 5 {
		_, _, err := l.load(i, dec, nil)
		require.NoError(t, err)
	}
	assert.Equal(t, 5, fresh)
}
