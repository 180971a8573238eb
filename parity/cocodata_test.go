package parity

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/metrics"
)

// TestCOCODataset runs a COCO-layout copy of three fixture scenes (own image ids and
// category id) and checks that it evaluates like the YOLO originals and that the
// predictions carry the dataset's ids, ready for pycocotools.
// cocoCopy writes a COCO-layout copy of the first len(ids) fixture scenes with
// the given image ids and one category id for person, and returns its folder.
func cocoCopy(t *testing.T, ids []int64, cat int64) string {
	t.Helper()
	yolo := twoClassData(t, len(ids)) // copies images + labels; names replaced below
	require.NoError(t, os.WriteFile(filepath.Join(yolo, "classes.txt"), []byte("person\n"), 0o644))
	ds, err := dataset.Open(context.Background(), yolo, dataset.DefaultOptions())
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images"), 0o755))
	var images, anns []string
	aid := 1
	for i, it := range ds.Items {
		b, err := os.ReadFile(it.ImagePath)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "images", it.Name), b, 0o644))
		w, h, err := dataset.DecodeConfig(it.ImagePath)
		require.NoError(t, err)
		images = append(images, fmt.Sprintf(`{"id":%d,"file_name":%q,"width":%d,"height":%d}`, ids[i], it.Name, w, h))
		objs, err := ds.Labels(it, w, h)
		require.NoError(t, err)
		for _, o := range objs {
			anns = append(anns, fmt.Sprintf(`{"id":%d,"image_id":%d,"category_id":%d,"bbox":[%v,%v,%v,%v],"area":%v,"iscrowd":0}`,
				aid, ids[i], cat, o.X1, o.Y1, o.W(), o.H(), o.Area()))
			aid++
		}
	}
	js := `{"images":[` + strings.Join(images, ",") + `],"annotations":[` + strings.Join(anns, ",") + fmt.Sprintf(`],"categories":[{"id":%d,"name":"person"}]}`, cat)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "annotations.json"), []byte(js), 0o644))
	return dir
}

func TestCOCODataset(t *testing.T) {
	ids := []int64{101, 205, 333}
	dir := cocoCopy(t, ids, 7)
	yolo := twoClassData(t, 3)
	require.NoError(t, os.WriteFile(filepath.Join(yolo, "classes.txt"), []byte("person\n"), 0o644))

	cfg := withConf(testConfig(fixtureModel, "", "sg-coco"), 0.8)
	cfg.Data = yolo
	a, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	cfg.Data = dir
	b, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Empty(t, b.Failed)
	pa, pb := a.Pipelines[0], b.Pipelines[0]
	assert.Equal(t, []int{pa.GT, pa.TP, pa.FP, pa.FN}, []int{pb.GT, pb.TP, pb.FP, pb.FN}, "same scenes, same labels, same counts")
	assert.Positive(t, pb.TP)

	var buf bytes.Buffer
	require.NoError(t, b.WriteCOCOResults(&buf, "sg-coco"))
	var preds []struct {
		ImageID    int64 `json:"image_id"`
		CategoryID int64 `json:"category_id"`
	}
	require.NoError(t, json.NewDecoder(bufio.NewReader(&buf)).Decode(&preds))
	require.NotEmpty(t, preds)
	seen := map[int64]bool{}
	for _, p := range preds {
		assert.Equal(t, int64(7), p.CategoryID)
		assert.Contains(t, ids, p.ImageID)
		seen[p.ImageID] = true
	}
	assert.Len(t, seen, 3, "every image has detections above the floor")
	recs := b.Records()
	require.Len(t, recs, 3)
	assert.Equal(t, filepath.Join(dir, "images", recs[0].Name), recs[0].Path)
}

// TestCOCOCrowdAsEval: on a COCO dataset with crowd regions and "area" fields
// that differ from the box areas, run's AP equals what eval (metrics.EvaluateCOCO
// on the annotations json and the run's own predictions, as pycocotools reads
// them) reports — one treatment of crowds for both. Detections lying on a crowd
// region are neither TP nor FP in the counts either.
func TestCOCOCrowdAsEval(t *testing.T) {
	yolo := twoClassData(t, 6)
	require.NoError(t, os.WriteFile(filepath.Join(yolo, "classes.txt"), []byte("person\n"), 0o644))
	ds, err := dataset.Open(context.Background(), yolo, dataset.DefaultOptions())
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images"), 0o755))
	var images, anns []string
	aid, crowds := 1, 0
	for i, it := range ds.Items {
		b, err := os.ReadFile(it.ImagePath)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "images", it.Name), b, 0o644))
		w, h, err := dataset.DecodeConfig(it.ImagePath)
		require.NoError(t, err)
		images = append(images, fmt.Sprintf(`{"id":%d,"file_name":%q,"width":%d,"height":%d}`, 10+i, it.Name, w, h))
		objs, err := ds.Labels(it, w, h)
		require.NoError(t, err)
		for k, o := range objs {
			// Every image's first object becomes a crowd region; the areas are
			// 0.6 of the boxes' (a polygon inside its box), which moves objects
			// across pycocotools' small/medium/large limits.
			crowd := 0
			if k == 0 {
				crowd = 1
				crowds++
			}
			anns = append(anns, fmt.Sprintf(`{"id":%d,"image_id":%d,"category_id":3,"bbox":[%v,%v,%v,%v],"area":%v,"iscrowd":%d}`,
				aid, 10+i, o.X1, o.Y1, o.W(), o.H(), 0.6*o.Area(), crowd))
			aid++
		}
	}
	require.Positive(t, crowds)
	js := `{"images":[` + strings.Join(images, ",") + `],"annotations":[` + strings.Join(anns, ",") + `],"categories":[{"id":3,"name":"person"}]}`
	ann := filepath.Join(dir, "annotations.json")
	require.NoError(t, os.WriteFile(ann, []byte(js), 0o644))

	cfg := withConf(testConfig(fixtureModel, dir, "sg-coco", "stretch"), 0.5)
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Empty(t, res.Failed)
	gt, err := metrics.ReadCOCOGroundTruth(ann)
	require.NoError(t, err)
	ignored := 0
	for _, p := range res.Pipelines {
		pred := filepath.Join(t.TempDir(), "pred.json")
		f, err := os.Create(pred)
		require.NoError(t, err)
		require.NoError(t, res.WriteCOCOResults(f, p.Name))
		require.NoError(t, f.Close())
		dts, err := metrics.ReadCOCOResults(pred, gt)
		require.NoError(t, err)
		sum, err := metrics.EvaluateCOCO(gt, dts)
		require.NoError(t, err)
		assert.Equal(t, sum.Stats.AP, p.AP, "%s: run's AP is eval's", p.Name)
		assert.Equal(t, sum.Stats.AP50, p.AP50, p.Name)
		assert.Equal(t, sum.Stats.AP75, p.AP75, p.Name)
		assert.Equal(t, p.GT, len(gt.Annotations)-crowds, "%s: crowd regions are not objects", p.Name)
		for _, im := range p.PerImage {
			for _, m := range im.DetMatch {
				if m == metrics.Ignored {
					ignored++
				}
			}
		}
	}
	assert.Positive(t, ignored, "some detections lie on crowd regions and are ignored")
}
