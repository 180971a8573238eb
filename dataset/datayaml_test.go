package dataset_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/internal/imgtest"
)

// ultralyticsTree writes an Ultralytics-layout dataset under dir/ds (images/{train,val},
// labels/{train,val}, a val.txt image list) and returns ds. val: v1.png (a duplicated
// label line), v2.png (no label file), sub/v3.png, skip.webp; labels/val/orphan.txt has
// no image.
func ultralyticsTree(t *testing.T, dir string) string {
	t.Helper()
	png := string(imgtest.PNG(t, imgtest.Smooth(8, 6)))
	ds := filepath.Join(dir, "ds")
	writeTree(t, ds, map[string]string{
		"images/train/t1.jpg":    png,
		"images/val/v1.png":      png,
		"images/val/v2.png":      png,
		"images/val/sub/v3.png":  png,
		"images/val/skip.webp":   "not read",
		"labels/train/t1.txt":    "1 0.5 0.5 0.5 0.5\n",
		"labels/val/v1.txt":      "0 0.5 0.5 0.5 0.5\n1 0.25 0.25 0.5 0.5\n0 0.5 0.5 0.5 0.5\n",
		"labels/val/sub/v3.txt":  "",
		"labels/val/orphan.txt":  "",
		"val.txt":                "./images/val/v1.png\n./images/val/v2.png\nimages/val/sub/v3.png\nnotes\n\n",
		"lists/both.txt":         "../images/val/v1.png\n../images/train/t1.jpg\n",
		"labels/val/sub/ignored": "not a label file",
	})
	return ds
}

func TestOpenDataYAML(t *testing.T) {
	dir := t.TempDir()
	ds := ultralyticsTree(t, dir)
	yml := imgtest.Write(t, filepath.Join(dir, "cfg", "data.yaml"),
		[]byte("path: ../ds  # root\ntrain: images/train\nval: images/val\nnames:\n  0: person\n  1: car\n"))

	d, err := dataset.Open(bg, yml, dataset.DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, ds, d.Dir)
	assert.Equal(t, yml, d.DataYAML)
	assert.Equal(t, "val", d.Split)
	assert.Equal(t, dataset.FormatYOLO, d.Format)
	assert.Equal(t, []string{"person", "car"}, d.Names)
	assert.Equal(t, yml, d.NamesFile)
	assert.Equal(t, filepath.Join(ds, "images", "val"), d.ImagesDir())
	p := func(s string) string { return filepath.Join(ds, filepath.FromSlash(s)) }
	assert.Equal(t, []dataset.Item{
		{Name: "sub/v3.png", ImagePath: p("images/val/sub/v3.png"), LabelPath: p("labels/val/sub/v3.txt")},
		{Name: "v1.png", ImagePath: p("images/val/v1.png"), LabelPath: p("labels/val/v1.txt")},
		{Name: "v2.png", ImagePath: p("images/val/v2.png")},
	}, d.Items)
	assert.Equal(t, []string{"orphan.txt"}, d.Orphans)
	assert.Equal(t, []dataset.Warning{
		{Kind: dataset.WarnMissingLabel, Count: 1, First: []string{"images/val/v2.png"},
			Message: "1 image has no label file; counted as background images with no objects, as Ultralytics does"},
		{Kind: dataset.WarnDuplicateLabels, Count: 1, First: []string{"labels/val/v1.txt"},
			Message: "1 duplicated label line dropped (Ultralytics drops them too)"},
		{Kind: dataset.WarnOrphanLabel, Count: 1, First: []string{"labels/val/orphan.txt"},
			Message: "1 label file has no image; not evaluated"},
		{Kind: dataset.WarnSkippedType, Count: 1, First: []string{"images/val/skip.webp"},
			Message: "1 file skipped for their type (detparity reads .jpg .jpeg .png .bmp)"},
	}, d.Warnings)
	objs, err := d.Labels(d.Items[1], 8, 6)
	require.NoError(t, err)
	assert.Equal(t, []box.Object{{Box: box.Box{X1: 2, Y1: 1.5, X2: 6, Y2: 4.5}, Class: 0}, {Box: box.Box{X1: 0, Y1: 0, X2: 4, Y2: 3}, Class: 1}}, objs,
		"the duplicated line is dropped")
	objs, err = d.Labels(d.Items[2], 8, 6)
	require.NoError(t, err)
	assert.Empty(t, objs, "no label file: a background image")

	// Options.Split picks another key.
	o := dataset.DefaultOptions()
	o.Split = "train"
	d, err = dataset.Open(bg, yml, o)
	require.NoError(t, err)
	assert.Equal(t, []dataset.Item{{Name: "t1.jpg", ImagePath: p("images/train/t1.jpg"), LabelPath: p("labels/train/t1.txt")}}, d.Items)
}

func TestOpenDataYAMLForms(t *testing.T) {
	dir := t.TempDir()
	ds := ultralyticsTree(t, dir)
	p := func(s string) string { return filepath.Join(ds, filepath.FromSlash(s)) }
	names := func(d *dataset.Dataset) []string {
		var out []string
		for _, it := range d.Items {
			out = append(out, it.Name)
		}
		return out
	}
	for _, c := range []struct {
		name, yaml, at string
		images         string // ImagesDir, relative to ds
		items          []string
		skipped        []string // WarnSkippedType names
	}{
		{name: "a .txt image list (./ lines, relative lines, a line that is no image)", at: "ds/data.yaml",
			yaml: "val: val.txt\nnames: [a, b]\n", images: "images/val", items: []string{"sub/v3.png", "v1.png", "v2.png"},
			skipped: []string{"val.txt:4"}},
		{name: "a list of folders", at: "ds/data.yaml", yaml: "val: [images/val/sub, images/train]\nnames: [a, b]\n",
			images: "images", items: []string{"train/t1.jpg", "val/sub/v3.png"}},
		{name: "a list in a folder, lines relative to it", at: "ds/data.yaml", yaml: "val: lists/both.txt\nnames: [a, b]\n",
			images: "images", items: []string{"train/t1.jpg", "val/v1.png"}},
		{name: "no path: the YAML's folder", at: "ds/data.yaml", yaml: "val: images/val/sub\nnc: 2\n",
			images: "images/val/sub", items: []string{"v3.png"}},
		{name: "absolute path", at: "elsewhere/x.yml", yaml: "path: " + ds + "\nvalidation: images/val/sub\nnames: [a, b]\n",
			images: "images/val/sub", items: []string{"v3.png"}},
		{name: "Roboflow ../ fallback", at: "ds/data.yaml", yaml: "val: ../images/val/sub\nnames: [a, b]\n",
			images: "images/val/sub", items: []string{"v3.png"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			yml := imgtest.Write(t, filepath.Join(dir, filepath.FromSlash(c.at)), []byte(c.yaml))
			d, err := dataset.Open(bg, yml, dataset.DefaultOptions())
			require.NoError(t, err)
			assert.Equal(t, p(c.images), d.ImagesDir())
			assert.Equal(t, c.items, names(d))
			for _, it := range d.Items {
				assert.Equal(t, filepath.Join(d.ImagesDir(), filepath.FromSlash(it.Name)), it.ImagePath)
			}
			var skipped []string
			for _, w := range d.Warnings {
				if w.Kind == dataset.WarnSkippedType {
					skipped = w.First
				}
			}
			assert.Equal(t, c.skipped, skipped)
		})
	}
}

func TestOpenDataYAMLErrors(t *testing.T) {
	dir := t.TempDir()
	ds := ultralyticsTree(t, dir)
	for _, c := range []struct {
		name, yaml, want string
		split            string
	}{
		{name: "no val key", yaml: "train: images/train\nnames: [a, b]\n",
			want: "dataset: @Y: no val: (nor validation:) key or it is empty (keys: names, train), expected the images of the split: a folder, a list of folders, or a .txt image list"},
		{name: "empty val", yaml: "val:\nnames: [a, b]\n",
			want: "dataset: @Y: no val: key or it is empty (keys: names, val), expected the images of the split: a folder, a list of folders, or a .txt image list"},
		{name: "val missing on disk", yaml: "val: images/nope\nnames: [a, b]\ndownload: https://example.com/x.zip\n",
			want: "dataset: @Y:1: val: \"images/nope\": @D/images/nope does not exist, expected a folder of images or a .txt image list; the YAML has a download: key, but detparity does not download: fetch the data with Ultralytics first: stat @D/images/nope: no such file or directory"},
		{name: "val a number", yaml: "val: 2017\nnames: [a, b]\n",
			want: "dataset: @Y:1: val: \"2017\", expected a path (quote it if it looks like a number)"},
		{name: "path missing", yaml: "path: ../gone\nval: images/val\nnames: [a, b]\n",
			want: "dataset: @Y:1: path: \"../gone\" is " + filepath.Join(dir, "gone") + ", which is not a folder; detparity reads a relative path against the YAML's folder (Ultralytics also tries the working directory and its datasets_dir setting): make it absolute or relative to @D"},
		{name: "no names", yaml: "val: images/val\n",
			want: "dataset: @Y: no names: key (nor nc:), expected names: as a list or a {0: name} map"},
		{name: "empty split option", yaml: "val: images/val\nnames: [a]\n", split: "-",
			want: "dataset: @Y: Options.Split is empty, expected the key of the split to open (val, test, train; start from DefaultOptions())"},
		{name: "an image listed twice", yaml: "val: [val.txt, images/val/sub]\nnames: [a, b]\n",
			want: "dataset: image @D/images/val/sub/v3.png is listed twice (@D/images/val/sub, @D/val.txt), expected each image once"},
		{name: "a folder inside another", yaml: "val: [images/val, images/val/sub]\nnames: [a, b]\n",
			want: "dataset: @D/images/val/sub and @D/images/val/sub are the same folder, so its images would count twice; remove the symbolic link or the split entry that leads to it again"},
		{name: "split folder holds splits", yaml: "val: images\nnames: [a, b]\n",
			want: "dataset: @D/images holds the splits train, val; reading it whole would mix them: make val: in @Y name the split folder (e.g. @D/images/val)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			yml := imgtest.Write(t, filepath.Join(ds, "data.yaml"), []byte(c.yaml))
			o := dataset.DefaultOptions()
			if c.split == "-" {
				o.Split = ""
			}
			_, err := dataset.Open(bg, yml, o)
			want := strings.ReplaceAll(strings.ReplaceAll(c.want, "@Y", yml), "@D", ds)
			assert.EqualError(t, err, want)
		})
	}
}

// TestOpenSplitMixing: a dataset root holding several splits is refused, naming them,
// and each split opens on its own (names found above the split folder).
func TestOpenSplitMixing(t *testing.T) {
	dir := t.TempDir()
	ds := ultralyticsTree(t, dir)
	writeTree(t, ds, map[string]string{"classes.txt": "a\nb\n"})
	_, err := dataset.Open(bg, ds, dataset.DefaultOptions())
	assert.EqualError(t, err, "dataset: "+filepath.Join(ds, "images")+" holds the splits train, val; reading it whole would mix them: "+
		"open the split folder (e.g. "+filepath.Join(ds, "images", "val")+") or an Ultralytics data .yaml whose val: names it")
	_, err = dataset.Open(bg, filepath.Join(ds, "images"), dataset.DefaultOptions())
	assert.ErrorContains(t, err, "holds the splits train, val")

	// The split folder: labels by the img2label rule, names from the dataset root.
	d, err := dataset.Open(bg, filepath.Join(ds, "images", "val"), dataset.DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(ds, "classes.txt"), d.NamesFile)
	require.Len(t, d.Items, 3)
	assert.Equal(t, filepath.Join(ds, "labels", "val", "sub", "v3.txt"), d.Items[0].LabelPath)
	assert.Equal(t, []string{"orphan.txt"}, d.Orphans)

	// A Roboflow export: DIR/{train,valid}/{images,labels} and DIR/data.yaml.
	rf := filepath.Join(dir, "rf")
	png := string(imgtest.PNG(t, imgtest.Smooth(8, 6)))
	writeTree(t, rf, map[string]string{
		"train/images/a.jpg": png, "train/labels/a.txt": "0 0.5 0.5 0.2 0.2\n",
		"valid/images/b.jpg": png, "valid/labels/b.txt": "1 0.5 0.5 0.2 0.2\n",
		"data.yaml": "train: ../train/images\nval: ../valid/images\nnc: 2\nnames: ['x', 'y']\n",
	})
	_, err = dataset.Open(bg, rf, dataset.DefaultOptions())
	assert.EqualError(t, err, "dataset: "+rf+" holds the splits train, valid; reading it whole would mix them: "+
		"open the split folder (e.g. "+filepath.Join(rf, "valid")+") or an Ultralytics data .yaml whose val: names it; "+
		filepath.Join(rf, "data.yaml")+" is there")
	for _, at := range []string{filepath.Join(rf, "valid"), filepath.Join(rf, "data.yaml")} {
		d, err = dataset.Open(bg, at, dataset.DefaultOptions())
		require.NoError(t, err, at)
		assert.Equal(t, []string{"x", "y"}, d.Names)
		assert.Equal(t, filepath.Join(rf, "data.yaml"), d.NamesFile)
		require.Len(t, d.Items, 1, at)
		assert.Equal(t, filepath.Join(rf, "valid", "images", "b.jpg"), d.Items[0].ImagePath)
		assert.Equal(t, filepath.Join(rf, "valid", "labels", "b.txt"), d.Items[0].LabelPath)
	}
}

// TestOpenConfigYAMLNames: config.yaml is a names file too (after data.yaml).
func TestOpenConfigYAMLNames(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"images/a.png": "", "config.yaml": "names:\n  0: cat\n  1: dog\n"})
	d, err := dataset.Open(bg, dir, dataset.DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, []string{"cat", "dog"}, d.Names)
	assert.Equal(t, filepath.Join(dir, "config.yaml"), d.NamesFile)
	writeTree(t, dir, map[string]string{"data.yaml": "names: [x]\n"})
	d, err = dataset.Open(bg, dir, dataset.DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, []string{"x"}, d.Names, "data.yaml comes first")
}

// TestOpenDataYAMLRelative: a data YAML given by a relative path opens with absolute
// paths (as Ultralytics resolves them), whatever the list lines hold.
func TestOpenDataYAMLRelative(t *testing.T) {
	dir := t.TempDir()
	ds := ultralyticsTree(t, dir)
	imgtest.Write(t, filepath.Join(ds, "data.yaml"), []byte("val: [val.txt, "+filepath.Join(ds, "images", "train")+"]\nnames: [a, b]\n"))
	t.Chdir(dir)
	d, err := dataset.Open(bg, filepath.Join("ds", "data.yaml"), dataset.DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, ds, d.Dir)
	assert.Equal(t, filepath.Join(ds, "data.yaml"), d.DataYAML)
	assert.Equal(t, filepath.Join(ds, "images"), d.ImagesDir())
	require.Len(t, d.Items, 4)
	assert.Equal(t, "train/t1.jpg", d.Items[0].Name)
	assert.Equal(t, filepath.Join(ds, "labels", "train", "t1.txt"), d.Items[0].LabelPath)
}
