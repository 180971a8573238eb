package parity

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/letterbox"
)

// TestInputImage: the image the report shows for a spec pipeline is exactly
// the tensor the model received, back in bytes (channel 0 as red): the
// letterbox Plan's own uint8 output, pad included. An image or pipeline not in
// the run, and a result read back from JSON, are errors.
func TestInputImage(t *testing.T) {
	dir := smallSet(t, 3)
	res, err := Run(context.Background(), withConf(testConfig(fixtureModel, dir, "sg-coco", "yolox", "stretch"), 0.8))
	require.NoError(t, err)
	name := res.Pipelines[0].PerImage[1].Image
	dec, err := dataset.DecoderByName("opencv")
	require.NoError(t, err)
	src, err := dec.Decode(filepath.Join(dir, "images", name))
	require.NoError(t, err)
	for _, p := range res.Pipelines {
		img, err := res.InputImage(name, p.Name)
		require.NoError(t, err, p.Name)
		s, err := letterbox.Parse(p.Spec)
		require.NoError(t, err)
		s.DType = letterbox.Uint8
		pl, err := s.Plan(src.W, src.H)
		require.NoError(t, err)
		want := make([]uint8, pl.TensorLen())
		require.NoError(t, pl.ApplyUint8(src, want))
		g := pl.Geometry()
		rgba, ok := img.(*image.RGBA)
		require.True(t, ok)
		require.Equal(t, image.Rect(0, 0, g.DstW, g.DstH), rgba.Bounds(), p.Name)
		n := g.DstW * g.DstH
		bad := 0
		for i := range n {
			for c := range 3 {
				if rgba.Pix[4*i+c] != want[c*n+i] {
					bad++
				}
			}
		}
		assert.Zero(t, bad, "%s: %d bytes differ from the plan's", p.Name, bad)
	}
	_, err = res.InputImage("nope.jpg", "sg-coco")
	assert.ErrorContains(t, err, `evaluated image "nope.jpg"`)
	_, err = res.InputImage(name, "nope")
	assert.ErrorContains(t, err, `no pipeline "nope"`)

	path := filepath.Join(t.TempDir(), "run.json")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, res.WriteJSON(f))
	require.NoError(t, f.Close())
	back, err := ReadJSON(path)
	require.NoError(t, err)
	_, err = back.InputImage(name, "sg-coco")
	assert.ErrorContains(t, err, "no pipeline to prepare images with")
}
