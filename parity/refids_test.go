package parity

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/metrics"
)

// refData copies the first n fixture scenes (images and labels) under the
// names name(i) (which must sort as the originals do) with the class names
// classes, and returns the folder.
func refData(t *testing.T, n int, name func(i int) string, classes []string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"images", "labels"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "classes.txt"), []byte(strings.Join(classes, "\n")+"\n"), 0o644))
	for i := range n {
		src := fmt.Sprintf("%05d", i)
		for _, f := range [][2]string{{"images/" + src + ".jpg", "images/" + name(i) + ".jpg"}, {"labels/" + src + ".txt", "labels/" + name(i) + ".txt"}} {
			b, err := os.ReadFile(filepath.Join(fixtureData, f[0]))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, f[1]), b, 0o644))
		}
	}
	return dir
}

// refFile rewrites the fixture reference (the Python pipeline's predictions,
// image_id = position, category_id = class index) for the first n images with
// image and category ids of another convention; keep drops entries.
func refFile(t *testing.T, n int, image func(pos int) string, cat func(class int64) int64, keep func(pos int) bool) string {
	t.Helper()
	data, err := os.ReadFile(fixtureReference)
	require.NoError(t, err)
	entries, err := metrics.ParseCOCOResultEntries(fixtureReference, data)
	require.NoError(t, err)
	var lines []string
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, e := range entries {
		pos, err := strconv.Atoi(e.Image)
		require.NoError(t, err)
		if pos > n || (keep != nil && !keep(pos)) {
			continue
		}
		b := e.BBox
		lines = append(lines, fmt.Sprintf(`{"image_id":%s,"category_id":%d,"bbox":[%s,%s,%s,%s],"score":%s}`,
			image(pos), cat(e.CategoryID), f(b[0]), f(b[1]), f(b[2]), f(b[3]), f(e.Score)))
	}
	path := filepath.Join(t.TempDir(), "ref.json")
	require.NoError(t, os.WriteFile(path, []byte("[\n"+strings.Join(lines, ",\n")+"\n]\n"), 0o644))
	return path
}

func runRef(t *testing.T, data, ref string, set func(*Config)) (*Result, error) {
	t.Helper()
	cfg := testConfig(fixtureModel, data, "sg-coco")
	cfg.Reference = ref
	if set != nil {
		set(&cfg)
	}
	return Run(context.Background(), cfg)
}

// TestReferenceIDSchemes: the same Python predictions, written with the image
// and category ids of each convention, resolve to the same images and classes
// (100 % agreement with sg-coco, as with the original file), and the result
// says which scheme was used.
func TestReferenceIDSchemes(t *testing.T) {
	const n = 6
	person := []string{"person"}
	numbered := refData(t, n, func(i int) string { return fmt.Sprintf("%05d", i) }, person)
	named := refData(t, n, func(i int) string { return fmt.Sprintf("cam_b_%03d", i) }, person)
	position := func(pos int) string { return strconv.Itoa(pos) }
	same := func(c int64) int64 { return c }
	for _, c := range []struct {
		name, data, ref   string
		ids, cats         string // flags (auto when empty)
		wantIDs, wantCats string
	}{
		{"positions, class indices", numbered, refFile(t, n, position, same, nil), "", "", IDsPosition, CategoriesIndex},
		{"Ultralytics numeric stems (int(stem))", numbered, refFile(t, n, func(pos int) string { return strconv.Itoa(pos - 1) }, same, nil), "", "", IDsStem, CategoriesIndex},
		{"Ultralytics string stems", named, refFile(t, n, func(pos int) string { return fmt.Sprintf(`"cam_b_%03d"`, pos-1) }, same, nil), "", "", IDsStem, CategoriesIndex},
		{"class index + 1 (Ultralytics val on custom data)", numbered, refFile(t, n, position, func(c int64) int64 { return c + 1 }, nil), "", "", IDsPosition, CategoriesIndex1},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := runRef(t, c.data, c.ref, func(cfg *Config) { cfg.ReferenceIDs, cfg.ReferenceCategories = c.ids, c.cats })
			require.NoError(t, err)
			assert.Equal(t, c.wantIDs, res.ReferenceIDs)
			assert.Equal(t, c.wantCats, res.ReferenceCategories)
			a := res.Pipeline("sg-coco").Reference
			require.NotNil(t, a)
			assert.Positive(t, a.Matched)
			assert.Equal(t, 1.0, a.Fraction, a.Summary())
		})
	}
}

// TestReferenceIDsRefused: a file whose ids resolve under no scheme, under a
// forced scheme that does not fit, or under several schemes to different
// images is refused, naming the file, the line and the first id.
func TestReferenceIDsRefused(t *testing.T) {
	const n = 6
	numbered := refData(t, n, func(i int) string { return fmt.Sprintf("%05d", i) }, []string{"person"})
	same := func(c int64) int64 { return c }
	stems := refFile(t, n, func(pos int) string { return strconv.Itoa(pos - 1) }, same, nil)
	_, err := runRef(t, numbered, stems, func(c *Config) { c.ReferenceIDs = IDsPosition })
	require.Error(t, err)
	assert.Equal(t, "parity: reference: "+stems+":2: result 0: image_id 0 is not a 1-based position (1..6) (--reference-ids position)", err.Error())

	nowhere := refFile(t, n, func(pos int) string { return strconv.Itoa(pos + 1000) }, same, nil)
	_, err = runRef(t, numbered, nowhere, nil)
	require.Error(t, err)
	assert.Equal(t, "parity: reference: no --reference-ids scheme resolves every id: as position: "+nowhere+":2: result 0: image_id 1001 is not a 1-based position (1..6); as stem: "+
		nowhere+":2: result 0: image_id 1001 is not an all-digit file stem of "+numbered, err.Error())

	// Positions 2..5 are also the stems 00002..00005, of other images.
	both := refFile(t, n, strconv.Itoa, same, func(pos int) bool { return pos >= 2 && pos <= 5 })
	_, err = runRef(t, numbered, both, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), ":2: result 0: image_id 2 resolves both as position and as stem, to different targets; choose with --reference-ids position or --reference-ids stem")
	res, err := runRef(t, numbered, both, func(c *Config) { c.ReferenceIDs = IDsPosition })
	require.NoError(t, err)
	a := res.Pipeline("sg-coco").Reference
	assert.Positive(t, a.RefDets)
	assert.Equal(t, a.RefDets, a.Matched, "every reference detection (images 2..5) matched")

	// One class: category 3 is nothing.
	bad := refFile(t, n, strconv.Itoa, func(int64) int64 { return 3 }, nil)
	_, err = runRef(t, numbered, bad, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no --reference-categories scheme resolves every id: as index: "+bad+":2: result 0: category_id 3 is not a class index (0..0); as index1: ")

	// 80 classes (the fixture model has one: resolved without a run): category 1 is
	// bicycle as an index, person as a COCO id or an index + 1.
	x := refIndex{names: []string{"000000000139.jpg", "000000000285.jpg"}, classes: 80, what: "coco"}
	cats := filepath.Join(t.TempDir(), "cats.json")
	require.NoError(t, os.WriteFile(cats, []byte(`[
{"image_id":139,"category_id":1,"bbox":[1,2,3,4],"score":0.9},
{"image_id":285,"category_id":90,"bbox":[1,2,3,4],"score":0.8},
{"image_id":285,"category_id":1,"bbox":[1,2,3,4],"score":0.7}
]`), 0o644))
	s := DefaultSettings()
	r, err := readReference(cats, x, s)
	require.NoError(t, err, "90 (toothbrush) is a COCO id only: auto picks coco91")
	assert.Equal(t, CategoriesCOCO91, r.categories)
	assert.Equal(t, IDsStem, r.ids, "000000000139.jpg is image 139 in Ultralytics' predictions.json")
	assert.Equal(t, []int{0, 79, 0}, []int{r.dets[1][0].Class, r.dets[2][0].Class, r.dets[2][1].Class}, "person, toothbrush, person")
	s.ReferenceCategories = CategoriesIndex
	_, err = readReference(cats, x, s)
	require.Error(t, err)
	assert.Equal(t, "parity: reference: "+cats+":3: result 1: category_id 90 is not a class index (0..79) (--reference-categories index)", err.Error())
	s.ReferenceCategories = CategoriesAuto
	amb := filepath.Join(t.TempDir(), "amb.json")
	require.NoError(t, os.WriteFile(amb, []byte(`[{"image_id":139,"category_id":1,"bbox":[1,2,3,4],"score":0.9}]`), 0o644))
	_, err = readReference(amb, x, s)
	require.Error(t, err)
	assert.Equal(t, "parity: reference: "+amb+":1: result 0: category_id 1 resolves both as index and as coco91, to different targets; choose with --reference-categories index or --reference-categories coco91", err.Error())

	for _, bad := range []Settings{{ReferenceIDs: "stems"}, {ReferenceCategories: "coco80"}} {
		s := DefaultSettings()
		if bad.ReferenceIDs != "" {
			s.ReferenceIDs = bad.ReferenceIDs
		} else {
			s.ReferenceCategories = bad.ReferenceCategories
		}
		err := s.Validate()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "expected one of auto, ")
	}
}

// TestReferenceCOCOIDs: on a COCO dataset the reference may name images and
// categories by the dataset's own ids (pycocotools' convention).
func TestReferenceCOCOIDs(t *testing.T) {
	dir := cocoCopy(t, []int64{101, 205, 333}, 7)
	ids := map[int]int64{1: 101, 2: 205, 3: 333}
	ref := refFile(t, 3, func(pos int) string { return strconv.FormatInt(ids[pos], 10) }, func(int64) int64 { return 7 }, nil)
	res, err := runRef(t, dir, ref, nil)
	require.NoError(t, err)
	assert.Equal(t, IDsCOCO, res.ReferenceIDs)
	assert.Equal(t, CategoriesDataset, res.ReferenceCategories)
	assert.Equal(t, 1.0, res.Pipeline("sg-coco").Reference.Fraction)
}

// TestMergeReferenceStems: shards compared with a reference named by file
// stems merge into exactly the unsharded result (Merge resolves the stems
// from the shards' records).
func TestMergeReferenceStems(t *testing.T) {
	const n = 6
	dir := refData(t, n, func(i int) string { return fmt.Sprintf("%05d", i) }, []string{"person"})
	ref := refFile(t, n, func(pos int) string { return strconv.Itoa(pos - 1) }, func(c int64) int64 { return c + 1 }, nil)
	whole, err := runRef(t, dir, ref, nil)
	require.NoError(t, err)
	var shards []*Result
	for i := 1; i <= 2; i++ {
		r, err := runRef(t, dir, ref, func(c *Config) { c.Shard, c.Shards = i, 2 })
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "shard.json")
		require.NoError(t, os.WriteFile(path, jsonBytes(t, r), 0o644))
		back, err := ReadJSON(path)
		require.NoError(t, err)
		shards = append(shards, back)
	}
	merged, err := Merge(shards)
	require.NoError(t, err)
	assert.Equal(t, string(jsonBytes(t, whole)), string(jsonBytes(t, merged)))
	assert.Equal(t, IDsStem, merged.ReferenceIDs)
	assert.Equal(t, CategoriesIndex1, merged.ReferenceCategories)
}
