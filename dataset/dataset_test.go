package dataset_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/internal/imgtest"
)

// writeTree writes files (slash paths relative to dir) with the given contents.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		imgtest.Write(t, filepath.Join(dir, filepath.FromSlash(name)), []byte(body))
	}
}

func TestOpenGoodTree(t *testing.T) {
	dir := t.TempDir()
	png := string(imgtest.PNG(t, imgtest.Smooth(8, 6)))
	writeTree(t, dir, map[string]string{
		"images/b.JPG":               png, // content is PNG: decoders sniff, Open only looks at names
		"images/sub/a.png":           png,
		"images/sub/deeper/c.jpeg":   png,
		"images/A.Bmp":               png,
		"images/readme.txt":          "not an image",
		"images/anim.gif":            "not accepted", // not an image format of Ultralytics either: ignored
		"images/sub/photo.webp":      "skipped",      // Ultralytics reads it, detparity does not: counted
		"images/.hidden.jpg":         png,            // Python's glob skips it: counted
		"labels/b.txt":               "0 0.5 0.5 0.5 0.5\n",
		"labels/sub/a.txt":           "",
		"labels/A.txt":               "1 0.25 0.25 0.5 0.5\n",
		"labels/orphan.txt":          "0 0.5 0.5 0.1 0.1\n",
		"labels/sub/deeper/gone.txt": "",
		"labels/notes.md":            "ignored: not .txt",
		"classes.txt":                "person\ncar\n\n",
	})
	ds, err := dataset.Open(bg, dir, dataset.DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, dir, ds.Dir)
	assert.Equal(t, []string{"person", "car"}, ds.Names)
	assert.Equal(t, filepath.Join(dir, "classes.txt"), ds.NamesFile)
	img := func(n string) string { return filepath.Join(dir, "images", filepath.FromSlash(n)) }
	lbl := func(n string) string { return filepath.Join(dir, "labels", filepath.FromSlash(n)) }
	assert.Equal(t, []dataset.Item{
		{Name: "A.Bmp", ImagePath: img("A.Bmp"), LabelPath: lbl("A.txt")},
		{Name: "b.JPG", ImagePath: img("b.JPG"), LabelPath: lbl("b.txt")},
		{Name: "sub/a.png", ImagePath: img("sub/a.png"), LabelPath: lbl("sub/a.txt")},
		{Name: "sub/deeper/c.jpeg", ImagePath: img("sub/deeper/c.jpeg"), LabelPath: ""},
	}, ds.Items)
	assert.Equal(t, []string{"orphan.txt", "sub/deeper/gone.txt"}, ds.Orphans)

	// Labels: converted against the size given; empty file = no objects; a missing file
	// = a background image (no objects), as Ultralytics counts it.
	objs, err := ds.Labels(ds.Items[0], 100, 40)
	require.NoError(t, err)
	assert.Equal(t, []box.Object{{Box: box.Box{X1: 0, Y1: 0, X2: 50, Y2: 20}, Class: 1}}, objs)
	objs, err = ds.Labels(ds.Items[2], 100, 40)
	require.NoError(t, err)
	assert.Empty(t, objs)
	objs, err = ds.Labels(ds.Items[3], 100, 40)
	require.NoError(t, err)
	assert.NotNil(t, objs)
	assert.Empty(t, objs)
	assert.Equal(t, []dataset.Warning{
		{Kind: dataset.WarnMissingLabel, Count: 1, First: []string{"images/sub/deeper/c.jpeg"},
			Message: "1 image has no label file; counted as background images with no objects, as Ultralytics does"},
		{Kind: dataset.WarnOrphanLabel, Count: 2, First: []string{"labels/orphan.txt", "labels/sub/deeper/gone.txt"},
			Message: "2 label files have no image; not evaluated"},
		{Kind: dataset.WarnSkippedType, Count: 1, First: []string{"images/sub/photo.webp"},
			Message: "1 file skipped for their type (detparity reads .jpg .jpeg .png .bmp)"},
		{Kind: dataset.WarnHidden, Count: 1, First: []string{"images/.hidden.jpg"},
			Message: "1 hidden file or folder skipped, as Ultralytics skips them"},
	}, ds.Warnings)
	assert.Equal(t, "1 image has no label file; counted as background images with no objects, as Ultralytics does: images/sub/deeper/c.jpeg",
		ds.Warnings[0].String())

	// StrictLabels: the image without a label file fails.
	o := dataset.DefaultOptions()
	o.StrictLabels = true
	strict, err := dataset.Open(bg, dir, o)
	require.NoError(t, err)
	_, err = strict.Labels(strict.Items[3], 100, 40)
	require.ErrorIs(t, err, dataset.ErrNoLabel)
	assert.EqualError(t, err, "dataset: "+img("sub/deeper/c.jpeg")+": no label file "+lbl("sub/deeper/c.txt")+
		" (an empty .txt marks an image with no objects)")
	assert.Equal(t, "1 image has no label file; they fail (strict labels)", strict.Warnings[0].Message)

	// Load decodes and parses against the decoded size (8x6).
	im, objs, err := ds.Load(ds.Items[1], dataset.GoDecoder{})
	require.NoError(t, err)
	assert.Equal(t, 8, im.W)
	assert.Equal(t, 6, im.H)
	assert.Equal(t, []box.Object{{Box: box.Box{X1: 2, Y1: 1.5, X2: 6, Y2: 4.5}, Class: 0}}, objs)
}

func TestOpenWithoutLabelsFolder(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"images/x.png": "x", "names.txt": "a\n"})
	ds, err := dataset.Open(bg, dir, dataset.DefaultOptions())
	require.NoError(t, err)
	require.Len(t, ds.Items, 1)
	assert.Equal(t, "", ds.Items[0].LabelPath)
	assert.Empty(t, ds.Orphans)
}

func TestOpenErrors(t *testing.T) {
	t.Run("missing dir", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nope")
		_, err := dataset.Open(bg, dir, dataset.DefaultOptions())
		require.ErrorIs(t, err, os.ErrNotExist)
		assert.EqualError(t, err, "dataset: open "+dir+": stat "+dir+": no such file or directory")
	})
	t.Run("not a dir", func(t *testing.T) {
		f := imgtest.Write(t, filepath.Join(t.TempDir(), "f"), nil)
		_, err := dataset.Open(bg, f, dataset.DefaultOptions())
		assert.EqualError(t, err, "dataset: "+f+" is a file, expected a dataset folder (images/, labels/, a names file) or an Ultralytics data .yaml")
	})
	t.Run("no images folder", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"labels/a.txt": "", "classes.txt": "a"})
		_, err := dataset.Open(bg, dir, dataset.DefaultOptions())
		assert.EqualError(t, err, "dataset: no images (.jpg .jpeg .png .bmp, any case) found under "+dir+" (expected "+
			filepath.Join(dir, "images")+"/ and labels/, a folder of images, JPEGImages/ and Annotations/ for Pascal VOC, or an Ultralytics data .yaml)")
	})
	t.Run("no images found", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"images/sub/a.gif": "", "images/b.txt": "", "classes.txt": "a"})
		_, err := dataset.Open(bg, dir, dataset.DefaultOptions())
		assert.EqualError(t, err, "dataset: no images (.jpg .jpeg .png .bmp, any case) found under "+filepath.Join(dir, "images"))
	})
	t.Run("no names file", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"images/a.png": "", "labels/a.txt": ""})
		_, err := dataset.Open(bg, dir, dataset.DefaultOptions())
		assert.EqualError(t, err, "dataset: "+dir+": no class names file (looked in "+dir+", "+filepath.Dir(dir)+
			"), expected one of classes.txt, names.txt (one name per line) or data.yaml, config.yaml (names: list or map)")
	})
	t.Run("two images share a label", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"images/s/a.jpg": "", "images/s/a.png": "", "classes.txt": "a"})
		_, err := dataset.Open(bg, dir, dataset.DefaultOptions())
		assert.EqualError(t, err, "dataset: images "+filepath.Join(dir, "images", "s", "a.jpg")+" and "+
			filepath.Join(dir, "images", "s", "a.png")+" would share the label file "+filepath.Join(dir, "labels", "s", "a.txt")+"; rename one")
	})
	t.Run("bad names file", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"images/a.png": "", "classes.txt": "a\n\nb\n"})
		_, err := dataset.Open(bg, dir, dataset.DefaultOptions())
		assert.EqualError(t, err, "dataset: "+filepath.Join(dir, "classes.txt")+":2: empty class name (class 1), expected one name per line")
	})
}

func TestOpenNamesFileKinds(t *testing.T) {
	cases := []struct {
		file, body string
		want       []string
	}{
		{"classes.txt", "\ufeffperson\r\ntraffic light \r\n", []string{"person", "traffic light"}},
		{"names.txt", "a\nb\nc", []string{"a", "b", "c"}},
		{"data.yaml", "path: ../x\ntrain: images/train\nnc: 2\nnames:\n  - person\n  - 'traffic light'  # quoted\n", []string{"person", "traffic light"}},
		{"data.yaml", "names:\n- person\n- \"car\"\ntrain: x\n", []string{"person", "car"}},
		{"data.yaml", "names: [person, 'it''s', \"a, b\"]  # inline\nnc: 3\n", []string{"person", "it's", "a, b"}},
		{"data.yaml", "names: ['person',\n  'car',\n  'dog']\n", []string{"person", "car", "dog"}},
		{"data.yaml", "# Ultralytics style\nnames:\n  1: car\n  0: person\n\n  2: bus\ndownload: |\n  x\n", []string{"person", "car", "bus"}},
		{"data.yaml", "names: {0: person, 1: 'car'}\n", []string{"person", "car"}},
	}
	for _, c := range cases {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"images/a.png": "", c.file: c.body})
		ds, err := dataset.Open(bg, dir, dataset.DefaultOptions())
		require.NoError(t, err, c.body)
		assert.Equal(t, c.want, ds.Names, c.body)
		assert.Equal(t, filepath.Join(dir, c.file), ds.NamesFile)
	}

	// classes.txt wins over data.yaml (first of NamesFiles).
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"images/a.png": "", "classes.txt": "x", "data.yaml": "names: [y]"})
	ds, err := dataset.Open(bg, dir, dataset.DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, []string{"x"}, ds.Names)
}

func TestNamesYAMLErrors(t *testing.T) {
	cases := []struct{ body, want string }{
		{"train: x\n", "dataset: d.yaml: no names: key (nor nc:), expected names: as a list or a {0: name} map"},
		{"", "dataset: d.yaml: no names: key (nor nc:), expected names: as a list or a {0: name} map"},
		{"nc: 3\nnames: [a, b]\n", "dataset: d.yaml:1: nc: 3 but names: has 2 entries"},
		{"nc: two\n", "dataset: d.yaml:1: nc: \"two\", expected a positive integer (the number of classes)"},
		{"nc: 0\n", "dataset: d.yaml:1: nc: \"0\", expected a positive integer (the number of classes)"},
		{"names:\n  0: a\n  2: b\n", "dataset: d.yaml:3: names: id \"2\", expected an integer in [0,2) (ids 0..n-1)"},
		{"names:\n  0: a\n  x: b\n", "dataset: d.yaml:3: names: id \"x\", expected an integer in [0,2) (ids 0..n-1)"},
		{"names:\n  0: a\n  0: b\n", "dataset: d.yaml:3: names: id 0 given twice (first at line 2)"},
		{"names:\n  0: a\n  '0': b\n", "dataset: d.yaml:3: names: id 0 given twice (first at line 2)"},
		{"names: [a, b\n", "dataset: d.yaml:1: malformed YAML (yaml: line 1: did not find expected ',' or ']'), expected an Ultralytics data YAML (names:, path:, val:)"},
		{"names: person\n", "dataset: d.yaml:1: names: is a scalar \"person\", expected a list ([a, b] or '- a' lines) or a map ({0: a} or '0: a' lines)"},
		{"names:\nnc: 1\n", "dataset: d.yaml:1: names: is empty, expected at least one class name"},
		{"names: []\n", "dataset: d.yaml:1: names: is empty, expected at least one class name"},
		{"names:\n  - a\n  b\n", "dataset: d.yaml:3: malformed YAML (yaml: line 3: could not find expected ':'), expected an Ultralytics data YAML (names:, path:, val:)"},
		{"names: [a, ~]\n", "dataset: d.yaml:1: names: entry 1 is empty (YAML null), expected a class name"},
		{"names: [a, '']\n", "dataset: d.yaml:1: names: entry 1 is empty, expected a class name"},
		{"names: [a, [b, c]]\n", "dataset: d.yaml:1: names: entry 1 is a list, expected a class name"},
		{"names: [a, !!binary YQ==]\n", "dataset: d.yaml:1: names: entry 1 \"YQ==\": explicit YAML tag !!binary, expected a plain or quoted scalar"},
		{"names: [2001-12-14 21:59:43]\n", "dataset: d.yaml:1: names: entry 0 \"2001-12-14 21:59:43\": PyYAML reads it as a timestamp; quote it"},
		{"names: [a]\nnames: [b]\n", "dataset: d.yaml:2: second names: key (first at line 1), expected each key once"},
		{"- a\n- b\n", "dataset: d.yaml:1: the document is a YAML list, expected a mapping (names:, path:, val:, ...)"},
		{"names: [a]\n---\nnames: [b]\n", "dataset: d.yaml:2: a second YAML document, expected one (Ultralytics reads one)"},
	}
	for _, c := range cases {
		_, err := dataset.ParseNamesYAML("d.yaml", c.body)
		assert.EqualError(t, err, c.want, c.body)
	}
	_, err := dataset.ParseNamesTxt("c.txt", " \n\n")
	assert.EqualError(t, err, "dataset: c.txt: no class names, expected one name per line")
	// A '#' inside a name is kept unless it follows whitespace (YAML comment rule).
	names, err := dataset.ParseNamesYAML("d.yaml", "names: [c#1, 'd #2'] # comment\n")
	require.NoError(t, err)
	assert.Equal(t, []string{"c#1", "d #2"}, names)
}

// bg is the context of the tests that do not cancel.
var bg = context.Background()
