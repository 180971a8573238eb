package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func evalCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = realMain(context.Background(), append([]string{"eval"}, args...), &o, &e)
	return code, o.String(), e.String()
}

// evalJSON is the part of the eval output the tests read.
type evalJSON struct {
	GTFormat         string             `json:"gt_format"`
	Images           int                `json:"images"`
	UnlabelledImages []string           `json:"unlabelled_images"`
	COCO             map[string]float64 `json:"coco"`
	PerCategory      []struct {
		CategoryID int64   `json:"category_id"`
		Name       string  `json:"name"`
		AP         float64 `json:"AP"`
	} `json:"coco_per_category"`
	Ultralytics struct {
		MAP50 float64 `json:"mAP50"`
	} `json:"ultralytics"`
}

func TestEvalCOCOEqualsPycocotools(t *testing.T) {
	// A case produced with the real pycocotools (metrics/testdata/coco_cases/README.md).
	raw, err := os.ReadFile("../../metrics/testdata/coco_cases/random_crowds.json")
	require.NoError(t, err)
	var c struct {
		GT       json.RawMessage `json:"gt"`
		DT       json.RawMessage `json:"dt"`
		Expected struct {
			Stats []float64 `json:"stats"`
		} `json:"expected"`
	}
	require.NoError(t, json.Unmarshal(raw, &c))
	dir := t.TempDir()
	gt, dt := filepath.Join(dir, "gt.json"), filepath.Join(dir, "dt.json")
	require.NoError(t, os.WriteFile(gt, c.GT, 0o644))
	require.NoError(t, os.WriteFile(dt, c.DT, 0o644))

	code, out, stderr := evalCLI(t, "--gt", gt, "--dt", dt, "--format", "json")
	require.Equal(t, 0, code, stderr)
	var got evalJSON
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, "coco", got.GTFormat)
	names := []string{"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"}
	require.Len(t, got.COCO, 12)
	for i, n := range names {
		// The contract is 1e-6; the numbers are pycocotools' to the last bit on amd64
		// and survive the JSON round trip exactly (shortest repr).
		assert.InDelta(t, c.Expected.Stats[i], got.COCO[n], 1e-9, n)
	}
	// Deterministic: the same bytes twice.
	_, again, _ := evalCLI(t, "--gt", gt, "--dt", dt, "--format", "json")
	assert.Equal(t, out, again)

	code, table, _ := evalCLI(t, "--gt", gt, "--dt", dt)
	require.Equal(t, 0, code)
	assert.Contains(t, table, "COCO (pycocotools definition)")
	assert.Contains(t, table, "Ultralytics (ap_per_class definition")
}

func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, image.NewRGBA(image.Rect(0, 0, w, h))))
	require.NoError(t, f.Close())
}

func TestEvalYOLODataset(t *testing.T) {
	// Three 64x64 images sorted a, b, c → image_id 1, 2, 3. a: class 0 at cx=cy=0.5,
	// w=h=0.25 → bbox [24,24,16,16]; b: class 1 at 0.25 → [8,8,16,16]; c: no label file
	// (background, listed). Binary fractions: the pixel boxes are exact.
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "labels"), 0o755))
	for _, n := range []string{"a", "b", "c"} {
		writePNG(t, filepath.Join(dir, "images", n+".png"), 64, 64)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "labels", "a.txt"), []byte("0 0.5 0.5 0.25 0.25\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "labels", "b.txt"), []byte("1 0.25 0.25 0.25 0.25\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "classes.txt"), []byte("person\ncar\n"), 0o644))
	dt := filepath.Join(t.TempDir(), "dt.json")
	require.NoError(t, os.WriteFile(dt, []byte(`[
 {"image_id": 1, "category_id": 0, "bbox": [24, 24, 16, 16], "score": 0.9},
 {"image_id": 2, "category_id": 1, "bbox": [8, 8, 16, 16], "score": 0.8},
 {"image_id": 3, "category_id": 0, "bbox": [0, 0, 10, 10], "score": 0.95}
]`), 0o644))

	code, out, stderr := evalCLI(t, "--gt", dir, "--dt", dt, "--format", "json")
	require.Equal(t, 0, code, stderr)
	var got evalJSON
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, "yolo", got.GTFormat)
	assert.Equal(t, 3, got.Images)
	assert.Equal(t, []string{"c.png"}, got.UnlabelledImages)
	// person: the FP in c (0.95) ranks before the TP (0.9): precision 1/2 at recall 1
	// at every IoU: AP 1/2. car: AP 1. AP = 3/4 (up to pycocotools' 2⁻⁵²). All objects
	// are small (area 256): APs = AP, no medium or large: −1. Each image's single best
	// detection finds its object: AR1 = AR100 = 1.
	const tol = 1e-15
	assert.InDelta(t, 0.75, got.COCO["AP"], tol)
	assert.InDelta(t, 0.75, got.COCO["APs"], tol)
	assert.Equal(t, -1.0, got.COCO["APm"])
	assert.Equal(t, -1.0, got.COCO["APl"])
	assert.Equal(t, 1.0, got.COCO["AR1"])
	assert.Equal(t, 1.0, got.COCO["AR100"])
	require.Len(t, got.PerCategory, 2)
	assert.Equal(t, "person", got.PerCategory[0].Name)
	assert.InDelta(t, 0.5, got.PerCategory[0].AP, tol)
	// Ultralytics: person 0.4975 (FP then TP, see metrics' TestUltralyticsHalfPrecision),
	// car 0.995: mean 0.74625.
	assert.InDelta(t, 0.74625, got.Ultralytics.MAP50, 1e-15)
}

func TestEvalErrors(t *testing.T) {
	dir := t.TempDir()
	gt := filepath.Join(dir, "gt.json")
	require.NoError(t, os.WriteFile(gt, []byte(`{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[]}`), 0o644))
	dt := filepath.Join(dir, "dt.json")
	require.NoError(t, os.WriteFile(dt, []byte(`[{"image_id":7,"category_id":1,"bbox":[0,0,1,1],"score":0.5}]`), 0o644))

	code, _, stderr := evalCLI(t, "--gt", gt)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "eval needs --gt and --dt")
	code, _, stderr = evalCLI(t, "--gt", gt, "--dt", dt, "--format", "xml")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--format "xml"`)
	code, _, stderr = evalCLI(t, "--gt", gt, "--dt", dt)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, dt+":1: result 0: image_id 7 is not an image of "+gt)
	code, _, stderr = evalCLI(t, "--gt", filepath.Join(dir, "missing.json"), "--dt", dt)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "missing.json")
	code, _, _ = evalCLI(t, "-h")
	assert.Equal(t, 0, code)
}
