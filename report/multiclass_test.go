package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/parity"
)

// The multi-class case is a real run: detect/testdata/layouts/yolov8_dyn.onnx (a
// YOLOv8-layout ONNX model with 3 classes and a 320x320 input, random weights with
// calibrated heads, made by scripts/make_layout_models.py) through ONNX Runtime on
// 24 fixture images. No labelled multi-class data fits that model, so the labels are
// made from its own first run through "ultralytics", with changes whose effect on
// the confusion matrix is known by construction (see multiClassCase). The second run
// (ultralytics, stretch) is what the report shows.
const (
	multiModel  = "../detect/testdata/layouts/yolov8_dyn.onnx"
	multiConf   = 0.5
	multiImages = 24
)

var multiClasses = []string{"car", "person", "dog"}

type multiClassCase struct {
	res  *parity.Result
	data string
	// want is the confusion matrix the ultralytics pipeline must give,
	// want[pred][true], background last.
	want [][]int
}

var (
	multiOnce sync.Once
	multiRes  multiClassCase
	multiErr  error
)

// multiClass builds the labelled multi-class dataset and runs it, once per test binary.
//
// The labels come from the first run's detections above multiConf. A detection pairs
// with its own label (IoU about 1, float32 boxes written with 10 decimals) before any
// other, so its label's fate is known, unless another detection (of another class:
// NMS is per class) nearly coincides with it and the two could tie; a detection is
// isolated when no other kept detection overlaps it with IoU > 0.9 (and it lies in the
// image with an area, as YOLO labels must). A detection
// without a label pairs with nothing it could take from its owner: a background false
// positive. The k-th isolated detection of an image
// becomes a label of its class (k%4 == 0 or 2: the diagonal), of the next class
// (k%4 == 1: predicted c, true c+1), or no label (k%4 == 3: a background false
// positive); detections that are not isolated get no label (background false
// positives too). Each image also gets one label, of class image%3, where no detection
// above the score floor is (a background false negative).
func multiClass(t *testing.T) multiClassCase {
	t.Helper()
	multiOnce.Do(func() { multiRes, multiErr = buildMultiClass() })
	require.NoError(t, multiErr)
	return multiRes
}

func buildMultiClass() (multiClassCase, error) {
	dir, err := os.MkdirTemp("", "detparity-multiclass-")
	if err != nil {
		return multiClassCase{}, err
	}
	// The folder lives as long as the test binary: the report tests read its images.
	for _, sub := range []string{"images", "labels"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			return multiClassCase{}, err
		}
	}
	src, err := filepath.Abs(fixtureData)
	if err != nil {
		return multiClassCase{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "classes.txt"), []byte(strings.Join(multiClasses, "\n")+"\n"), 0o644); err != nil {
		return multiClassCase{}, err
	}
	for i := range multiImages {
		name := fmt.Sprintf("%05d", i)
		if err := os.Symlink(filepath.Join(src, "images", name+".jpg"), filepath.Join(dir, "images", name+".jpg")); err != nil {
			return multiClassCase{}, err
		}
		if err := os.WriteFile(filepath.Join(dir, "labels", name+".txt"), nil, 0o644); err != nil {
			return multiClassCase{}, err
		}
	}
	cfg := parity.DefaultConfig()
	cfg.Model, cfg.Data, cfg.Pipelines, cfg.Conf, cfg.Workers = multiModel, dir, []string{"ultralytics"}, multiConf, 2
	first, err := parity.Run(context.Background(), cfg)
	if err != nil {
		return multiClassCase{}, err
	}
	nc := len(multiClasses)
	want := make([][]int, nc+1)
	for i := range want {
		want[i] = make([]int, nc+1)
	}
	for i, rec := range first.Records() {
		var kept []box.Detection
		for _, d := range rec.Dets[0] {
			if d.Score > multiConf {
				kept = append(kept, d)
			}
		}
		var lines []string
		label := func(b box.Box, class int) {
			lines = append(lines, fmt.Sprintf("%d %.10f %.10f %.10f %.10f", class,
				(b.X1+b.X2)/2/float64(rec.W), (b.Y1+b.Y2)/2/float64(rec.H), (b.X2-b.X1)/float64(rec.W), (b.Y2-b.Y1)/float64(rec.H)))
		}
		k := 0
		for j, d := range kept {
			isolated := !slices.ContainsFunc(kept[:j], func(o box.Detection) bool { return box.IoU(o.Box, d.Box) > 0.9 }) &&
				!slices.ContainsFunc(kept[j+1:], func(o box.Detection) bool { return box.IoU(o.Box, d.Box) > 0.9 })
			inside := d.Box.X1 >= 0 && d.Box.Y1 >= 0 && d.Box.X2 <= float64(rec.W) && d.Box.Y2 <= float64(rec.H) &&
				d.Box.X2-d.Box.X1 >= 1 && d.Box.Y2-d.Box.Y1 >= 1
			if !isolated || !inside { // labels lie in the image and have an area
				want[d.Class][nc]++
				continue
			}
			switch k % 4 {
			case 0, 2:
				label(d.Box, d.Class)
				want[d.Class][d.Class]++
			case 1:
				label(d.Box, (d.Class+1)%nc)
				want[d.Class][(d.Class+1)%nc]++
			case 3:
				want[d.Class][nc]++
			}
			k++
		}
		if b, ok := emptySpot(rec.W, rec.H, rec.Dets[0]); ok {
			label(b, i%nc)
			want[nc][i%nc]++
		}
		if err := os.WriteFile(filepath.Join(dir, "labels", rec.Name[:len(rec.Name)-4]+".txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			return multiClassCase{}, err
		}
	}
	cfg.Pipelines = []string{"ultralytics", "stretch"}
	res, err := parity.Run(context.Background(), cfg)
	if err != nil {
		return multiClassCase{}, err
	}
	if len(res.Failed) > 0 {
		return multiClassCase{}, fmt.Errorf("%d images failed, first %s: %s", len(res.Failed), res.Failed[0].Image, res.Failed[0].Error)
	}
	return multiClassCase{res: res, data: dir, want: want}, nil
}

// emptySpot finds a 40x40 box that overlaps none of dets.
func emptySpot(w, h int, dets []box.Detection) (box.Box, bool) {
	for y := 0.0; y+40 <= float64(h); y += 20 {
		for x := 0.0; x+40 <= float64(w); x += 20 {
			b := box.Box{X1: x, Y1: y, X2: x + 40, Y2: y + 40}
			if !slices.ContainsFunc(dets, func(d box.Detection) bool { return box.IoU(b, d.Box) > 0 }) {
				return b, true
			}
		}
	}
	return box.Box{}, false
}

// TestConfusionOnMultiClassRun: the ultralytics pipeline's matrix is exactly the one
// the labels were built for; every pipeline's matrix counts each object once (its
// column sums are the ground truth per class) and each detection above the threshold
// once (its row sums).
func TestConfusionOnMultiClassRun(t *testing.T) {
	mc := multiClass(t)
	r, err := Build(mc.res, DefaultOptions())
	require.NoError(t, err)
	require.Len(t, r.Confusion, 2)
	nc := len(multiClasses)
	assert.Equal(t, mc.want, r.Confusion[0].Matrix.M)
	diag, off, bgFP, bgFN := 0, 0, 0, 0
	for p := range nc {
		for q := range nc {
			if p == q {
				diag += mc.want[p][q]
			} else {
				off += mc.want[p][q]
			}
		}
		bgFP += mc.want[p][nc]
		bgFN += mc.want[nc][p]
	}
	t.Logf("constructed matrix: diagonal %d, confused %d, background FP %d, background FN %d", diag, off, bgFP, bgFN)
	require.Positive(t, diag)
	require.Positive(t, off)
	require.Positive(t, bgFP)
	require.Positive(t, bgFN)

	for i, c := range r.Confusion {
		p := mc.res.Pipelines[i]
		assert.Equal(t, p.Name, c.Pipeline)
		gt, dets := make([]int, nc), make([]int, nc)
		for _, rec := range mc.res.Records() {
			for _, g := range rec.GT {
				gt[g.Class]++
			}
			for _, d := range rec.Dets[i] {
				if d.Score > mc.res.Conf {
					dets[d.Class]++
				}
			}
		}
		for k := range nc {
			col, row := 0, 0
			for j := 0; j <= nc; j++ {
				col += c.Matrix.M[j][k]
				row += c.Matrix.M[k][j]
			}
			assert.Equal(t, gt[k], col, "%s: objects of %s", c.Pipeline, multiClasses[k])
			assert.Equal(t, dets[k], row, "%s: detections of %s", c.Pipeline, multiClasses[k])
			assert.Equal(t, gt[k], p.PerClass[k].GT)
		}
		// The page's rows are true classes: the transpose of M.
		rows := c.Rows()
		require.Len(t, rows, len(c.Classes)+1)
		assert.Equal(t, "background", rows[len(rows)-1].Name)
		for ri, row := range rows {
			sum := 0.0
			for _, cell := range row.Cells {
				sum += cell.Share
			}
			if row.Total > 0 {
				assert.InDelta(t, 1, sum, 1e-9)
			}
			if ri < len(c.Classes) {
				assert.Equal(t, gt[c.Classes[ri]], row.Total)
			}
		}
	}
	assert.NotEqual(t, r.Confusion[0].Matrix.M, r.Confusion[1].Matrix.M, "stretch confuses differently")

	var html, md strings.Builder
	require.NoError(t, r.WriteHTML(&html))
	require.NoError(t, r.WriteMarkdown(&md))
	assertHas(t, html.String(), `<section id="confusion"`)
	assertHas(t, html.String(), "<th scope=\"col\">true \\ predicted</th><th scope=\"col\">car</th>")
	assertHas(t, md.String(), "## Class confusion: ultralytics")
	assertHas(t, md.String(), fmt.Sprintf("| car | **%d** |", mc.want[0][0]))
}

// TestNoConfusionForOneClass: a single-class model gets no confusion section.
func TestNoConfusionForOneClass(t *testing.T) {
	r := fixtureReport(t, DefaultOptions())
	assert.Nil(t, r.Confusion)
	var html strings.Builder
	require.NoError(t, r.WriteHTML(&html))
	assertHasNot(t, html.String(), `id="confusion"`)
}

// TestMain removes the multi-class dataset once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if multiRes.data != "" {
		os.RemoveAll(multiRes.data)
	}
	os.Exit(code)
}
