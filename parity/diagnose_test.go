package parity

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDiagnoseByReferenceNamesSGCoco: ranked by agreement with the Python
// reference, the sweep names the training preprocessing outright (it agrees on
// every detection; any other spec moves boxes), and says what the user's
// candidates lose. 24 images keep the test short; the search is the same.
func TestDiagnoseByReferenceNamesSGCoco(t *testing.T) {
	cfg := DefaultDiagnoseConfig()
	cfg.Model, cfg.Data, cfg.Reference = fixtureModel, fixtureData, fixtureReference
	cfg.Candidates, cfg.Limit, cfg.Screen, cfg.Conf, cfg.Workers, cfg.Threads = []string{"stretch", "seed-center"}, 24, 12, 0.8, 2, 1
	d, err := Diagnose(context.Background(), cfg)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, d.WriteText(&b))
	t.Log("\n" + b.String())
	require.NotNil(t, d.Named, d.CannotTell)
	assert.Equal(t, "sg-coco", d.Named.Spec)
	require.NotNil(t, d.Best.Agreement)
	assert.GreaterOrEqual(t, d.Best.Agreement.Fraction, 0.995)
	require.NotNil(t, d.Next)
	assert.Less(t, d.Next.Score, d.Best.Score-0.005, "the next spec is clearly worse")
	require.Len(t, d.Candidates, 2)
	frac, st, ce, ok := d.LetterboxRecovery()
	require.True(t, ok)
	assert.Less(t, st.Score, 0.5)
	assert.Less(t, ce.Score, 0.9, "the plain centre letterbox's boxes are not the training pipeline's")
	assert.Greater(t, frac, 0.0)
	assert.Contains(t, b.String(), "behaves as trained with: sg-coco")
	assert.Contains(t, b.String(), "your pipeline stretch:")
	assert.Contains(t, b.String(), "plain centre letterbox (")
	for i := 1; i < len(d.Ranked); i++ {
		a, c := d.Ranked[i-1], d.Ranked[i]
		if a.Final == c.Final && a.Err == "" && c.Err == "" {
			assert.GreaterOrEqual(t, a.Score, c.Score, "the ranking is sorted: %s before %s", a.Spec, c.Spec)
		}
	}
}

// TestDiagnoseWithoutReferenceIsHonest: by AP alone the centred letterboxes
// cannot be told apart on these images (the model is as good with pad 0 or a
// 640 inner size), so the verdict either names a centre RGB /255 letterbox
// with what the data leaves undecided, or says it cannot tell — never
// stretch, and every tied spec is a centred letterbox.
func TestDiagnoseWithoutReferenceIsHonest(t *testing.T) {
	cfg := DefaultDiagnoseConfig()
	cfg.Model, cfg.Data = fixtureModel, fixtureData
	cfg.Limit, cfg.Screen, cfg.Conf, cfg.Workers, cfg.Threads = 32, 16, 0.8, 2, 1
	d, err := Diagnose(context.Background(), cfg)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, d.WriteText(&b))
	t.Log("\n" + b.String())
	assert.Contains(t, d.Best.Family, "letterbox anchor=")
	sg := false
	for _, tr := range append([]*Trial{d.Best}, d.Tied...) {
		assert.NotContains(t, tr.Family, "stretch", tr.Spec)
		sg = sg || tr.Spec == "sg-coco"
	}
	assert.True(t, sg, "the training pipeline is the best or tied with it")
	if d.Named == nil {
		assert.Contains(t, d.CannotTell, "give --reference or more images")
	}
	st := d.presetStretch()
	require.NotNil(t, st)
	assert.True(t, st.Final)
	assert.NotContains(t, d.Tied, st, "stretch is told apart from the best")
}

// TestDiagnoseSurvivesOddImages: third-party data has 1-pixel images, very thin
// ones and odd sizes. Specs that cannot handle an image count it as failed; the
// sweep itself never fails or panics because of it.
func TestDiagnoseSurvivesOddImages(t *testing.T) {
	dir := smallSet(t, 2)
	for _, s := range []struct {
		name string
		w, h int
	}{{"tiny.png", 1, 1}, {"thin.png", 2001, 3}, {"odd.png", 333, 517}} {
		img := image.NewRGBA(image.Rect(0, 0, s.w, s.h))
		for i := range img.Pix {
			img.Pix[i] = uint8(i * 7)
		}
		img.Set(0, 0, color.RGBA{255, 0, 0, 255})
		f, err := os.Create(filepath.Join(dir, "images", s.name))
		require.NoError(t, err)
		require.NoError(t, png.Encode(f, img))
		require.NoError(t, f.Close())
		require.NoError(t, os.WriteFile(filepath.Join(dir, "labels", s.name[:len(s.name)-4]+".txt"), nil, 0o644))
	}
	cfg := DefaultDiagnoseConfig()
	cfg.Model, cfg.Data, cfg.Screen, cfg.Workers, cfg.Threads = fixtureModel, dir, 5, 1, 1
	d, err := Diagnose(context.Background(), cfg)
	require.NoError(t, err)
	require.NotNil(t, d.Best)
	assert.Equal(t, 5, d.Images)
	failedSomewhere := false
	for _, tr := range d.Ranked {
		failedSomewhere = failedSomewhere || tr.Failed > 0
	}
	assert.True(t, failedSomewhere, "the 2001x3 image resizes to 0 rows in letterbox specs and must count as failed")
	var b bytes.Buffer
	require.NoError(t, d.WriteText(&b))
}
