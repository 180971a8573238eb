package dataset_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/internal/imgtest"
)

// obj is a JSON object for building COCO files.
type obj = map[string]any

// cocoJSON encodes a COCO instances file with the given lists (nil lists are left out).
func cocoJSON(t *testing.T, images, categories, annotations []obj) string {
	t.Helper()
	doc := obj{"info": obj{"description": "test"}}
	if images != nil {
		doc["images"] = images
	}
	if categories != nil {
		doc["categories"] = categories
	}
	if annotations != nil {
		doc["annotations"] = annotations
	}
	b, err := json.MarshalIndent(doc, "", " ")
	require.NoError(t, err)
	return string(b)
}

// goodCOCO writes a COCO dataset into dir with the json at jsonRel and returns the
// json's path. Images: a.png 40x30 (id 7), sub/b.jpg 20x10 (id 42), and extra.png,
// which no entry lists. Categories are listed out of id order.
func goodCOCO(t *testing.T, dir, jsonRel string) string {
	t.Helper()
	writeTree(t, dir, map[string]string{
		"images/a.png":     string(imgtest.PNG(t, imgtest.Smooth(40, 30))),
		"images/sub/b.jpg": string(imgtest.JPEG(t, imgtest.Smooth(20, 10), 90)),
		"images/extra.png": string(imgtest.PNG(t, imgtest.Smooth(8, 8))),
		"images/notes.txt": "not an image",
	})
	js := cocoJSON(t,
		[]obj{
			{"id": 42, "file_name": "sub/b.jpg", "width": 20, "height": 10},
			{"id": 7, "file_name": "a.png", "width": 40, "height": 30},
		},
		[]obj{{"id": 18, "name": "dog"}, {"id": 1, "name": "person"}, {"id": 3, "name": "car"}},
		[]obj{
			{"id": 100, "image_id": 7, "category_id": 18, "bbox": []float64{10.5, 2, 20, 8.25}, "area": 165, "iscrowd": 0},
			{"id": 101, "image_id": 7, "category_id": 1, "bbox": []float64{0, 0, 40, 30}, "area": 1200, "iscrowd": 1},
			// Overshoots the 40x30 image by 1 and 0.5 px: within COCOBoxTolerance. No iscrowd: 0.
			{"id": 102, "image_id": 7, "category_id": 3, "bbox": []float64{39, 29, 2, 1.5}, "area": 3},
			{"id": 5, "image_id": 42, "category_id": 1, "bbox": []float64{1, 1, 3, 4}, "area": 12, "iscrowd": false},
		})
	p := filepath.Join(dir, filepath.FromSlash(jsonRel))
	imgtest.Write(t, p, []byte(js))
	return p
}

func TestOpenCOCO(t *testing.T) {
	for _, rel := range []string{"annotations.json", "annotations/instances_val2017.json"} {
		t.Run(rel, func(t *testing.T) {
			dir := t.TempDir()
			js := goodCOCO(t, dir, rel)
			ds, err := dataset.Open(bg, dir, dataset.DefaultOptions())
			require.NoError(t, err)
			assert.Equal(t, dataset.FormatCOCO, ds.Format)
			assert.Equal(t, dir, ds.Dir)
			assert.Equal(t, filepath.Join(dir, "images"), ds.ImagesDir())
			// Categories sorted by id: person (1), car (3), dog (18).
			assert.Equal(t, []string{"person", "car", "dog"}, ds.Names)
			assert.Equal(t, []int64{1, 3, 18}, ds.CategoryIDs)
			assert.Equal(t, js, ds.NamesFile)
			img := func(n string) string { return filepath.Join(dir, "images", filepath.FromSlash(n)) }
			assert.Equal(t, []dataset.Item{
				{Name: "a.png", ImagePath: img("a.png"), LabelPath: js, ID: 7, Width: 40, Height: 30},
				{Name: "sub/b.jpg", ImagePath: img("sub/b.jpg"), LabelPath: js, ID: 42, Width: 20, Height: 10},
			}, ds.Items)
			assert.Equal(t, []string{"extra.png"}, ds.Unlisted)
			assert.Empty(t, ds.Orphans)
			assert.Equal(t, js, ds.ExpectedLabelPath(ds.Items[0]))

			// Every coordinate is a dyadic rational, so x+w and y+h are exact in float64.
			dog := box.Object{Box: box.Box{X1: 10.5, Y1: 2, X2: 30.5, Y2: 10.25}, Class: 2}
			crowd := box.Object{Box: box.Box{X1: 0, Y1: 0, X2: 40, Y2: 30}, Class: 0}
			car := box.Object{Box: box.Box{X1: 39, Y1: 29, X2: 41, Y2: 30.5}, Class: 1}
			// LabelsDetailed keeps the crowd region flagged, with each annotation's own
			// area (not the box area: 1200 for the crowd, 3 for the car) and id.
			truths, err := ds.LabelsDetailed(ds.Items[0], 40, 30)
			require.NoError(t, err)
			assert.Equal(t, []dataset.Truth{
				{Object: dog, Area: 165, ID: 100},
				{Object: crowd, Crowd: true, Area: 1200, ID: 101},
				{Object: car, Area: 3, ID: 102},
			}, truths)
			assert.Equal(t, []dataset.Warning{{Kind: dataset.WarnUnlistedImage, Count: 1, First: []string{"images/extra.png"},
				Message: "1 image file is not named by the annotations; not evaluated"}}, ds.Warnings)
			objs, err := ds.Labels(ds.Items[0], 40, 30)
			require.NoError(t, err)
			assert.Equal(t, []box.Object{dog, car}, objs, "Labels leaves the crowd region out")

			// Load decodes the real JPEG and checks its size against the json.
			im, objs, err := ds.Load(ds.Items[1], dataset.GoDecoder{})
			require.NoError(t, err)
			assert.Equal(t, [2]int{20, 10}, [2]int{im.W, im.H})
			assert.Equal(t, []box.Object{{Box: box.Box{X1: 1, Y1: 1, X2: 4, Y2: 5}, Class: 0}}, objs)
		})
	}
}

func TestOpenCOCODirect(t *testing.T) {
	dir := t.TempDir()
	js := goodCOCO(t, dir, "elsewhere/gt.json")
	imgDir := filepath.Join(dir, "images")
	ds, err := dataset.OpenCOCO(bg, imgDir, js, dataset.DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, imgDir, ds.Dir)
	assert.Equal(t, imgDir, ds.ImagesDir())
	assert.Equal(t, []int64{7, 42}, []int64{ds.Items[0].ID, ds.Items[1].ID})

	// Open does not look outside DIR/annotations.json and DIR/annotations/: this is a
	// YOLO directory without labels.
	_, err = dataset.Open(bg, dir, dataset.DefaultOptions())
	require.Error(t, err)
	assert.EqualError(t, err, "dataset: "+dir+": no class names file (looked in "+dir+", "+filepath.Dir(dir)+
		"), expected one of classes.txt, names.txt (one name per line) or data.yaml, config.yaml (names: list or map)")
}

func TestOpenPrefersYOLOWhenLabelsExist(t *testing.T) {
	dir := t.TempDir()
	goodCOCO(t, dir, "annotations/instances_val2017.json")
	writeTree(t, dir, map[string]string{"labels/a.txt": "0 0.5 0.5 0.5 0.5\n", "classes.txt": "thing\n"})
	ds, err := dataset.Open(bg, dir, dataset.DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, dataset.FormatYOLO, ds.Format)
	assert.Equal(t, filepath.Join(dir, "images"), ds.ImagesDir())
	assert.Equal(t, []string{"thing"}, ds.Names)
	assert.Nil(t, ds.CategoryIDs)
	require.Len(t, ds.Items, 3) // a.png, extra.png, sub/b.jpg: every image file
	assert.Equal(t, int64(0), ds.Items[0].ID)
	truths, err := ds.LabelsDetailed(ds.Items[0], 40, 30)
	require.NoError(t, err)
	assert.Equal(t, []dataset.Truth{{Object: box.Object{Box: box.Box{X1: 10, Y1: 7.5, X2: 30, Y2: 22.5}, Class: 0}, Area: 300}}, truths)
}

func TestOpenCOCOSeveralInstancesFiles(t *testing.T) {
	dir := t.TempDir()
	a := goodCOCO(t, dir, "annotations/instances_train.json")
	b := goodCOCO(t, dir, "annotations/instances_val.json")
	c := goodCOCO(t, dir, "annotations.json")
	goodCOCO(t, dir, "annotations/person_keypoints_val.json") // not an instances file: ignored
	_, err := dataset.Open(bg, dir, dataset.DefaultOptions())
	assert.EqualError(t, err, "dataset: "+dir+": 3 COCO instances files ("+c+", "+a+", "+b+"), expected one; call OpenCOCO with the one to use")
}

func TestOpenCOCOSizeChecks(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"images/a.png": string(imgtest.PNG(t, imgtest.Smooth(40, 30))),
		"images/b.png": string(imgtest.PNG(t, imgtest.Smooth(40, 30))),
	})
	js := filepath.Join(dir, "annotations.json")
	imgtest.Write(t, js, []byte(cocoJSON(t,
		[]obj{
			{"id": 1, "file_name": "a.png", "width": 30, "height": 40}, // rotated: stated 30x40
			{"id": 2, "file_name": "b.png"},                            // size not stated
		},
		[]obj{{"id": 1, "name": "x"}},
		[]obj{{"id": 1, "image_id": 2, "category_id": 1, "bbox": []float64{30, 5, 11.5, 5}}})))
	ds, err := dataset.Open(bg, dir, dataset.DefaultOptions())
	require.NoError(t, err, "b's box cannot be range-checked before decoding: the json gives no size")
	assert.Equal(t, [2]int{0, 0}, [2]int{ds.Items[1].Width, ds.Items[1].Height})

	_, _, err = ds.Load(ds.Items[0], dataset.GoDecoder{})
	assert.EqualError(t, err, "dataset: "+filepath.Join(dir, "images", "a.png")+": decoded size 40x30, but "+js+
		" states 30x40 for it (EXIF rotation or a resized copy?)")

	// x+w = 41.5 exceeds the decoded width 40 by 1.5 > COCOBoxTolerance.
	_, _, err = ds.Load(ds.Items[1], dataset.GoDecoder{})
	assert.EqualError(t, err, "dataset: "+js+": annotations[0] (id 1) of "+filepath.Join(dir, "images", "b.png")+
		": bbox [30, 5, 11.5, 5] reaches x 30..41.5, y 5..10, outside the 40x30 image (tolerance 1 px)")
}

func TestOpenCOCOErrors(t *testing.T) {
	img := imgtest.PNG(t, imgtest.Smooth(8, 6))
	im1 := obj{"id": 1, "file_name": "a.png", "width": 8, "height": 6}
	cat1 := []obj{{"id": 1, "name": "x"}}
	ann := func(id, image, cat int, bbox ...float64) obj {
		return obj{"id": id, "image_id": image, "category_id": cat, "bbox": bbox, "area": 1, "iscrowd": 0}
	}
	for _, tc := range []struct {
		name string
		json string // "" = built from images, categories, annotations
		imgs []obj
		cats []obj
		anns []obj
		want string // after "dataset: JSON"
	}{
		{name: "missing image file", imgs: []obj{im1, {"id": 2, "file_name": "sub/gone.png"}}, cats: cat1,
			want: `: images[1] (id 2): file_name "sub/gone.png": image file IMAGES/sub/gone.png does not exist`},
		{name: "duplicate image ids", imgs: []obj{im1, {"id": 1.0, "file_name": "b.png"}}, cats: cat1,
			want: ": images[0] and images[1] have the same id 1, expected unique image ids"},
		{name: "duplicate category ids", imgs: []obj{im1}, cats: []obj{{"id": 4, "name": "x"}, {"id": 4, "name": "y"}},
			want: ": categories[0] and categories[1] have the same id 4, expected unique category ids"},
		{name: "duplicate annotation ids", imgs: []obj{im1}, cats: cat1, anns: []obj{ann(9, 1, 1, 0, 0, 1, 1), ann(9, 1, 1, 0, 0, 2, 2)},
			want: ": annotations[0] and annotations[1] have the same id 9, expected unique annotation ids"},
		{name: "same file twice", imgs: []obj{im1, {"id": 2, "file_name": "./a.png"}}, cats: cat1,
			want: `: images[1] (id 2): file_name "a.png" also named by images[0], expected each file once`},
		{name: "file outside images", imgs: []obj{{"id": 3, "file_name": "../a.png"}}, cats: cat1,
			want: `: images[0] (id 3): file_name "../a.png", expected a path relative to the images folder, inside it`},
		{name: "absolute file", imgs: []obj{{"id": 3, "file_name": "/etc/passwd"}}, cats: cat1,
			want: `: images[0] (id 3): file_name "/etc/passwd", expected a path relative to the images folder, inside it`},
		{name: "no file_name", imgs: []obj{{"id": 3}}, cats: cat1,
			want: ": images[0] (id 3): no file_name, expected the image path relative to IMAGES"},
		{name: "fractional id", imgs: []obj{{"id": 1.5, "file_name": "a.png"}}, cats: cat1,
			want: ": images[0]: id: 1.5, expected an integer"},
		{name: "bad width", imgs: []obj{{"id": 1, "file_name": "a.png", "width": -8}}, cats: cat1,
			want: ": images[0] (id 1): width: -8, expected a non-negative integer (pixels)"},
		{name: "unnamed category", imgs: []obj{im1}, cats: []obj{{"id": 2}},
			want: ": categories[0] (id 2): no name, expected a class name"},
		{name: "bbox three numbers", imgs: []obj{im1}, cats: cat1, anns: []obj{ann(3, 1, 1, 0, 0, 1)},
			want: ": annotations[0] (id 3): bbox has 3 numbers, expected 4 (x, y, w, h)"},
		{name: "bbox zero width", imgs: []obj{im1}, cats: cat1, anns: []obj{ann(3, 1, 1, 1, 2, 0, 3)},
			want: ": annotations[0] (id 3): bbox [1 2 0 3] has w = 0, h = 3, expected a positive width and height"},
		{name: "bbox null", json: `{"images": [{"id": 1, "file_name": "a.png"}], "categories": [{"id": 1, "name": "x"}],
			"annotations": [{"id": 3, "image_id": 1, "category_id": 1, "bbox": [1, null, 2, 2]}]}`,
			want: ": annotations[0] (id 3): bbox[1] = null, expected a finite number"},
		// The stated image is 8x6; y+h = 7.5 exceeds 6 by 1.5 > COCOBoxTolerance.
		{name: "bbox outside image", imgs: []obj{im1}, cats: cat1, anns: []obj{ann(3, 1, 1, 1, 2, 3, 5.5)},
			want: `: annotations[0] (id 3): bbox [1, 2, 3, 5.5] reaches x 1..4, y 2..7.5, outside the 8x6 image (tolerance 1 px) (the size in "images")`},
		{name: "annotation of unlisted image", imgs: []obj{im1}, cats: cat1, anns: []obj{ann(3, 2, 1, 0, 0, 1, 1)},
			want: `: annotations[0] (id 3): image_id 2 is not in "images", expected the id of a listed image`},
		{name: "unknown category", imgs: []obj{im1}, cats: cat1, anns: []obj{ann(3, 1, 5, 0, 0, 1, 1)},
			want: `: annotations[0] (id 3): category_id 5 is not in "categories", expected one of [1]`},
		{name: "bad iscrowd", imgs: []obj{im1}, cats: cat1, anns: []obj{{"id": 3, "image_id": 1, "category_id": 1, "bbox": []int{0, 0, 1, 1}, "iscrowd": 2}},
			want: ": annotations[0] (id 3): iscrowd: 2, expected 0, 1, false or true"},
		{name: "no annotation id", imgs: []obj{im1}, cats: cat1, anns: []obj{{"image_id": 1, "category_id": 1, "bbox": []int{0, 0, 1, 1}}},
			want: ": annotations[0]: id: missing, expected an integer"},
		{name: "no images list", cats: cat1, want: `: no "images" list, expected a COCO instances file`},
		{name: "no categories list", imgs: []obj{im1}, want: `: no "categories" list, expected a COCO instances file`},
		{name: "empty images", imgs: []obj{}, cats: cat1, want: `: "images" is empty, expected at least one image`},
		{name: "malformed", json: "{\"images\": [\n{\"id\": 1,,}]}",
			want: ":2: malformed JSON (invalid character ',' looking for beginning of object key string), expected a COCO instances object {images, annotations, categories}"},
		{name: "results array", json: "[{\"image_id\": 1}]",
			want: ":1: the file is a JSON array, expected a COCO instances object {images, annotations, categories} (json: cannot unmarshal array into Go value of type dataset.rawCOCO)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			imgtest.Write(t, filepath.Join(dir, "images", "a.png"), img)
			imgtest.Write(t, filepath.Join(dir, "images", "b.png"), img)
			body := tc.json
			if body == "" {
				body = cocoJSON(t, tc.imgs, tc.cats, tc.anns)
			}
			js := imgtest.Write(t, filepath.Join(dir, "annotations", "instances_x.json"), []byte(body))
			_, err := dataset.Open(bg, dir, dataset.DefaultOptions())
			want := "dataset: " + js + tc.want
			want = strings.ReplaceAll(want, "IMAGES", filepath.Join(dir, "images"))
			assert.EqualError(t, err, want)
		})
	}
}

// TestOpenCOCOArea: "area" comes through LabelsDetailed as written (pycocotools tests
// it, not the box, for its area ranges); an annotation without it gets the box area and
// is counted in a warning; a negative or infinite area is an error.
func TestOpenCOCOArea(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"images/a.png":      string(imgtest.PNG(t, imgtest.Smooth(40, 30))),
		"images/tiff/b.tif": "skipped",
		"images/c.png":      string(imgtest.PNG(t, imgtest.Smooth(8, 8))),
	})
	js := filepath.Join(dir, "annotations.json")
	imgtest.Write(t, js, []byte(cocoJSON(t,
		[]obj{{"id": 1, "file_name": "a.png", "width": 40, "height": 30}},
		[]obj{{"id": 1, "name": "x"}},
		[]obj{
			{"id": 1, "image_id": 1, "category_id": 1, "bbox": []float64{0, 0, 10, 10}, "area": 42.5, "iscrowd": 1},
			{"id": 2, "image_id": 1, "category_id": 1, "bbox": []float64{5, 5, 4, 2}},
		})))
	ds, err := dataset.Open(bg, dir, dataset.DefaultOptions())
	require.NoError(t, err)
	truths, err := ds.LabelsDetailed(ds.Items[0], 40, 30)
	require.NoError(t, err)
	assert.Equal(t, []dataset.Truth{
		{Object: box.Object{Box: box.Box{X1: 0, Y1: 0, X2: 10, Y2: 10}}, Crowd: true, Area: 42.5, ID: 1},
		{Object: box.Object{Box: box.Box{X1: 5, Y1: 5, X2: 9, Y2: 7}}, Area: 8, ID: 2},
	}, truths)
	assert.Equal(t, []dataset.Warning{
		{Kind: dataset.WarnUnlistedImage, Count: 1, First: []string{"images/c.png"}, Message: "1 image file is not named by the annotations; not evaluated"},
		{Kind: dataset.WarnSkippedType, Count: 1, First: []string{"images/tiff/b.tif"}, Message: "1 file skipped for their type (detparity reads .jpg .jpeg .png .bmp)"},
		{Kind: dataset.WarnMissingArea, Count: 1, First: []string{"annotations[1] (id 2)"}, Message: "1 COCO annotation has no area; the box area is used"},
	}, ds.Warnings)

	for _, area := range []string{"-1", "1e999", `"big"`} {
		imgtest.Write(t, js, []byte(`{"images": [{"id": 1, "file_name": "a.png"}], "categories": [{"id": 1, "name": "x"}],
			"annotations": [{"id": 3, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "area": `+area+`}]}`))
		_, err := dataset.Open(bg, dir, dataset.DefaultOptions())
		require.Error(t, err, area)
		if area != `"big"` {
			assert.EqualError(t, err, "dataset: "+js+": annotations[0] (id 3): area = "+area+", expected a finite number >= 0")
		}
	}
}
