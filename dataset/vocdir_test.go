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

// vocXML is an annotation with an optional <filename>, a size and objects (vocObj).
func vocXML(filename string, w, h string, objects ...string) string {
	f := ""
	if filename != "" {
		f = "\t<filename>" + filename + "</filename>\n"
	}
	s := "<annotation>\n\t<folder>VOC2007</folder>\n" + f +
		"\t<size><width>" + w + "</width><height>" + h + "</height><depth>3</depth></size>\n"
	for _, o := range objects {
		s += o + "\n"
	}
	return s + "</annotation>\n"
}

// goodVOC writes a VOC directory: 000005.jpg 32x24 (named by <filename>), 000009.jpg
// 16x8 (no <filename>: the stem + .jpg), png/000012.png 10x10, and an unlisted image.
func goodVOC(t *testing.T, dir string) {
	t.Helper()
	writeTree(t, dir, map[string]string{
		"JPEGImages/000005.jpg":     string(imgtest.JPEG(t, imgtest.Smooth(32, 24), 90)),
		"JPEGImages/000009.jpg":     string(imgtest.JPEG(t, imgtest.Smooth(16, 8), 90)),
		"JPEGImages/png/000012.png": string(imgtest.PNG(t, imgtest.Smooth(10, 10))),
		"JPEGImages/000099.jpg":     string(imgtest.JPEG(t, imgtest.Smooth(8, 8), 90)),
		"Annotations/000005.xml": vocXML("000005.jpg", "32", "24",
			vocObj("chair", "0", "1", "2", "11", "12"),
			vocObj("person", "1", "3", "3", "32", "24")),
		"Annotations/000009.xml":  vocXML("", "16", "8", vocObj("tvmonitor", "", "2.5", "1", "16", "8")),
		"Annotations/000012.xml":  vocXML("png/000012.png", "10", "10"),
		"Annotations/readme.txt":  "not an annotation",
		"ImageSets/Main/test.txt": "000005\n",
	})
}

func TestOpenVOCStandardClasses(t *testing.T) {
	dir := t.TempDir()
	goodVOC(t, dir)
	ds, err := dataset.Open(bg, dir, dataset.DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, dataset.FormatVOC, ds.Format)
	assert.Equal(t, filepath.Join(dir, "JPEGImages"), ds.ImagesDir())
	assert.Equal(t, dataset.VOCClasses, ds.Names)
	assert.Len(t, ds.Names, 20)
	assert.Equal(t, "", ds.NamesFile, "no names file: the standard classes")
	assert.Nil(t, ds.CategoryIDs)
	img := func(n string) string { return filepath.Join(dir, "JPEGImages", filepath.FromSlash(n)) }
	ann := func(n string) string { return filepath.Join(dir, "Annotations", n) }
	assert.Equal(t, []dataset.Item{
		{Name: "000005.jpg", ImagePath: img("000005.jpg"), LabelPath: ann("000005.xml"), Width: 32, Height: 24},
		{Name: "000009.jpg", ImagePath: img("000009.jpg"), LabelPath: ann("000009.xml"), Width: 16, Height: 8},
		{Name: "png/000012.png", ImagePath: img("png/000012.png"), LabelPath: ann("000012.xml"), Width: 10, Height: 10},
	}, ds.Items)
	assert.Equal(t, []string{"000099.jpg"}, ds.Unlisted)

	// VOC corners are 1-based: both shift by -1 (ParseVOC). chair = 8, person = 14,
	// tvmonitor = 19 in VOCClasses.
	chair := box.Object{Box: box.Box{X1: 0, Y1: 1, X2: 10, Y2: 11}, Class: 8}
	person := box.Object{Box: box.Box{X1: 2, Y1: 2, X2: 31, Y2: 23}, Class: 14}
	truths, err := ds.LabelsDetailed(ds.Items[0], 32, 24)
	require.NoError(t, err)
	assert.Equal(t, []dataset.Truth{{Object: chair, Area: 100}, {Object: person, Difficult: true, Area: 29 * 21}}, truths)
	objs, err := ds.Labels(ds.Items[0], 32, 24)
	require.NoError(t, err)
	assert.Equal(t, []box.Object{chair}, objs, "Labels leaves the difficult person out")

	im, objs, err := ds.Load(ds.Items[1], dataset.GoDecoder{})
	require.NoError(t, err)
	assert.Equal(t, [2]int{16, 8}, [2]int{im.W, im.H})
	assert.Equal(t, []box.Object{{Box: box.Box{X1: 1.5, Y1: 0, X2: 15, Y2: 7}, Class: 19}}, objs)

	im, objs, err = ds.Load(ds.Items[2], dataset.GoDecoder{})
	require.NoError(t, err)
	assert.Equal(t, [2]int{10, 10}, [2]int{im.W, im.H})
	assert.Empty(t, objs)

	// The decoded size must match <size>.
	_, err = ds.Labels(ds.Items[0], 24, 32)
	assert.EqualError(t, err, "dataset: "+img("000005.jpg")+": decoded size 24x32, but "+ann("000005.xml")+
		" states 32x24 for it (EXIF rotation or a resized copy?)")
}

func TestOpenVOCNamesFile(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"JPEGImages/a.png":  string(imgtest.PNG(t, imgtest.Smooth(12, 12))),
		"Annotations/a.xml": vocXML("a.png", "12", "12", vocObj("widget", "0", "1", "1", "5", "5")),
		"classes.txt":       "gadget\nwidget\n",
	})
	ds, err := dataset.Open(bg, dir, dataset.DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, []string{"gadget", "widget"}, ds.Names)
	assert.Equal(t, filepath.Join(dir, "classes.txt"), ds.NamesFile)
	objs, err := ds.Labels(ds.Items[0], 12, 12)
	require.NoError(t, err)
	assert.Equal(t, []box.Object{{Box: box.Box{X1: 0, Y1: 0, X2: 4, Y2: 4}, Class: 1}}, objs)
}

func TestOpenVOCErrors(t *testing.T) {
	jpg := string(imgtest.JPEG(t, imgtest.Smooth(16, 16), 90))
	xml := vocXML("a.jpg", "16", "16", vocObj("cat", "0", "1", "1", "5", "5"))
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string // DIR stands for the directory (slash paths: the tests run on Unix)
	}{
		{name: "missing image", files: map[string]string{"JPEGImages/b.jpg": jpg, "Annotations/a.xml": xml},
			want: "dataset: DIR/Annotations/a.xml: image DIR/JPEGImages/a.jpg does not exist (expected JPEGImages/<filename>, or the annotation's stem + .jpg when it has no <filename>)"},
		{name: "missing stem image", files: map[string]string{"JPEGImages/b.jpg": jpg, "Annotations/a.xml": vocXML("", "16", "16")},
			want: "dataset: DIR/Annotations/a.xml: image DIR/JPEGImages/a.jpg does not exist (expected JPEGImages/<filename>, or the annotation's stem + .jpg when it has no <filename>)"},
		{name: "two annotations, one image", files: map[string]string{"JPEGImages/a.jpg": jpg, "Annotations/a.xml": xml, "Annotations/b.xml": xml},
			want: "dataset: DIR/Annotations/a.xml and DIR/Annotations/b.xml both annotate the image a.jpg, expected one annotation per image"},
		{name: "filename leaves JPEGImages", files: map[string]string{"JPEGImages/a.jpg": jpg, "Annotations/a.xml": vocXML("../a.jpg", "16", "16")},
			want: `dataset: DIR/Annotations/a.xml: <filename>: file_name "../a.jpg", expected a path relative to the images folder, inside it`},
		{name: "no Annotations folder", files: map[string]string{"JPEGImages/a.jpg": jpg},
			want: "dataset: DIR: no Annotations/ folder, expected JPEGImages/ (images) and Annotations/ (*.xml) for Pascal VOC"},
		{name: "no JPEGImages folder", files: map[string]string{"Annotations/a.xml": xml},
			want: "dataset: DIR: no JPEGImages/ folder, expected JPEGImages/ (images) and Annotations/ (*.xml) for Pascal VOC"},
		{name: "no xml", files: map[string]string{"JPEGImages/a.jpg": jpg, "Annotations/a.txt": ""},
			want: "dataset: no VOC annotation (*.xml) found in DIR/Annotations"},
		{name: "unknown class", files: map[string]string{"JPEGImages/a.jpg": jpg, "Annotations/a.xml": xml, "names.txt": "dog\n"},
			want: `dataset: DIR/Annotations/a.xml:5: <object> 1: class "cat" is not a known class name, expected one of "dog"`},
		{name: "bad names file", files: map[string]string{"JPEGImages/a.jpg": jpg, "Annotations/a.xml": xml, "names.txt": "dog\n\ncat\n"},
			want: "dataset: DIR/names.txt:2: empty class name (class 1), expected one name per line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tc.files)
			_, err := dataset.Open(bg, dir, dataset.DefaultOptions())
			assert.EqualError(t, err, strings.ReplaceAll(tc.want, "DIR", dir))
		})
	}
}
