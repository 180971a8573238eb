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
	d, err := Diagnose(context.Background(), DiagnoseConfig{Model: fixtureModel, Data: fixtureData, Reference: fixtureReference,
		Candidates: []string{"stretch", "seed-center"}, Limit: 24, Screen: 12, Finalists: 3, Conf: 0.8, Workers: 2, Threads: 1})
	require.NoError(t, err)
	require.NotNil(t, d.Best)
	assert.Equal(t, "sg-coco", d.Best.Spec)
	require.NotNil(t, d.Best.Agreement)
	assert.GreaterOrEqual(t, d.Best.Agreement.Fraction, 0.995)
	require.NotNil(t, d.Next)
	assert.Less(t, d.Next.Score, d.Best.Score-ReferenceEquivalence, "the next spec is clearly worse")
	require.Len(t, d.Candidates, 2)
	frac, st, sc, ok := d.SeedRecovery()
	require.True(t, ok)
	assert.Less(t, st.Score, 0.5)
	assert.Less(t, sc.Score, 0.9, "seed-center's boxes are not the training pipeline's")
	assert.Greater(t, frac, 0.0)
	var b bytes.Buffer
	require.NoError(t, d.WriteText(&b))
	t.Log("\n" + b.String())
	assert.Contains(t, b.String(), "behaves as trained with: sg-coco")
	assert.Contains(t, b.String(), "your pipeline stretch:")
	assert.Contains(t, b.String(), "seed fix: seed-center")
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
	d, err := Diagnose(context.Background(), DiagnoseConfig{Model: fixtureModel, Data: dir, Screen: 5, Finalists: 2, Conf: 0.5, Workers: 1, Threads: 1})
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
