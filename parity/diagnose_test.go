package parity

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
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

// selfLabelled is a dataset of n fixture images labelled with what model
// detects on them through pipeline (score > 0.5): a ground truth the model
// matches exactly when fed that pipeline, and less well through any other.
func selfLabelled(t *testing.T, model, pipeline string, n int) string {
	t.Helper()
	dir := smallSet(t, n)
	require.NoError(t, os.Remove(filepath.Join(dir, "classes.txt")))
	res, err := Run(context.Background(), testConfig(model, dir, pipeline))
	require.NoError(t, err)
	require.Empty(t, res.Failed)
	for _, rec := range res.Records() {
		var lines []string
		for _, d := range rec.Dets[0] {
			// Clipped to the image, as labels are.
			x1, y1 := max(d.X1, 0), max(d.Y1, 0)
			x2, y2 := min(d.X2, float64(rec.W)), min(d.Y2, float64(rec.H))
			if d.Score > 0.5 && x2-x1 > 1 && y2-y1 > 1 {
				lines = append(lines, fmt.Sprintf("%d %.6f %.6f %.6f %.6f", d.Class, (x1+x2)/2/float64(rec.W),
					(y1+y2)/2/float64(rec.H), (x2-x1)/float64(rec.W), (y2-y1)/float64(rec.H)))
			}
		}
		stem := strings.TrimSuffix(rec.Name, filepath.Ext(rec.Name))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "labels", stem+".txt"), []byte(strings.Join(lines, "\n")), 0o644))
	}
	return dir
}

// TestDiagnoseMetadataPrior: a model with Ultralytics' export metadata (3
// classes, 320x320) on 24 images labelled with its own detections (12 are too
// few for the data to overrule the metadata under the Bonferroni bound). Labelled
// through the ultralytics pipeline, the metadata's pipeline is the answer;
// labelled through sg-coco, the data decides against the metadata and says so.
func TestDiagnoseMetadataPrior(t *testing.T) {
	// want is what the answer must contain: the prior itself, or sg-coco's
	// inner margin (316 in 320), the key the data decides against the metadata.
	for _, c := range []struct{ truth, want string }{{"ultralytics", "ultralytics:size=320"}, {"sg-coco", "inner=316"}} {
		cfg := DefaultDiagnoseConfig()
		cfg.Model, cfg.Data = metaModel, selfLabelled(t, metaModel, c.truth, 24)
		cfg.Screen, cfg.Conf, cfg.Workers, cfg.Threads = 6, 0.5, 2, 1
		d, err := Diagnose(context.Background(), cfg)
		require.NoError(t, err)
		var b bytes.Buffer
		require.NoError(t, d.WriteText(&b))
		t.Log("\n" + b.String())
		require.NotNil(t, d.Prior)
		assert.Equal(t, "ultralytics:size=320", d.Prior.Spec)
		assert.Equal(t, "metadata", d.Prior.Origin)
		assert.Contains(t, b.String(), "prior: the model's metadata: ultralytics 8.3.40 export says ultralytics:size=320")
		require.NotNil(t, d.Named, d.CannotTell)
		assert.Contains(t, d.Named.Spec, c.want)
		if c.truth != "ultralytics" {
			assert.Contains(t, b.String(), "the data contradicts the metadata: ultralytics:size=320 scores")
		}
	}
}
