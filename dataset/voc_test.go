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

var vocNames = []string{"aeroplane", "chair", "person"}

// vocDoc is a VOC annotation in the layout of VOC2007's Annotations/000005.xml (header
// lines trimmed), followed by the objects given, each on its own lines.
func vocDoc(objects ...string) string {
	return "<annotation>\n" + // line 1
		"\t<folder>VOC2007</folder>\n" + // 2
		"\t<filename>000005.jpg</filename>\n" + // 3
		"\t<size>\n\t\t<width>500</width>\n\t\t<height>375</height>\n\t\t<depth>3</depth>\n\t</size>\n" + // 4..8
		"\t<segmented>0</segmented>\n" + // 9
		strings.Join(objects, "\n") + "\n</annotation>\n" // objects from line 10
}

func vocObj(name, difficult, xmin, ymin, xmax, ymax string) string {
	d := ""
	if difficult != "" {
		d = "<difficult>" + difficult + "</difficult>"
	}
	return "\t<object><name>" + name + "</name><pose>Rear</pose><truncated>0</truncated>" + d +
		"<bndbox><xmin>" + xmin + "</xmin><ymin>" + ymin + "</ymin><xmax>" + xmax + "</xmax><ymax>" + ymax + "</ymax></bndbox></object>"
}

func TestParseVOC(t *testing.T) {
	doc := vocDoc(
		vocObj("chair", "0", "263", "211", "324", "339"),
		vocObj(" person\n", "1", "1", "1", "500", "375"), // whitespace around the name is trimmed
		vocObj("aeroplane", "", "10.5", "20.25", "30", "40"),
	)
	got, err := dataset.ParseVOC("a.xml", strings.NewReader(doc), vocNames)
	require.NoError(t, err)
	assert.Equal(t, "000005.jpg", got.Filename)
	assert.Equal(t, [2]int{500, 375}, [2]int{got.Width, got.Height})
	// Both corners shifted by -1 (Ultralytics VOC.yaml): exact, the inputs are integers
	// or short binary fractions.
	assert.Equal(t, []box.Object{
		{Box: box.Box{X1: 262, Y1: 210, X2: 323, Y2: 338}, Class: 1},
		{Box: box.Box{X1: 0, Y1: 0, X2: 499, Y2: 374}, Class: 2},
		{Box: box.Box{X1: 9.5, Y1: 19.25, X2: 29, Y2: 39}, Class: 0},
	}, got.Objects)
	assert.Equal(t, []bool{false, true, false}, got.Difficult)

	// The same box through Ultralytics' conversion: cx = ((263+324)/2 - 1)/500 = 0.585,
	// cy = ((211+339)/2 - 1)/375 = 274/375, w = 61/500, h = 128/375 gives, back in pixels,
	// x1 = 292.5 - 30.5 = 262, y1 = 274 - 64 = 210: our X1, Y1.
	lbl := "1 0.585 0.7306666666666667 0.122 0.3413333333333333\n"
	objs, err := dataset.ParseLabels("a.txt", strings.NewReader(lbl), 500, 375, 3)
	require.NoError(t, err)
	// 1e-9 px: the normalised values are rounded to 16-17 digits.
	assert.InDelta(t, got.Objects[0].X1, objs[0].X1, 1e-9)
	assert.InDelta(t, got.Objects[0].Y1, objs[0].Y1, 1e-9)
	assert.InDelta(t, got.Objects[0].X2, objs[0].X2, 1e-9)
	assert.InDelta(t, got.Objects[0].Y2, objs[0].Y2, 1e-9)

	// No objects: valid, empty (not nil) slices for stable JSON.
	got, err = dataset.ParseVOC("e.xml", strings.NewReader(vocDoc()), vocNames)
	require.NoError(t, err)
	assert.NotNil(t, got.Objects)
	assert.Empty(t, got.Objects)
	assert.Empty(t, got.Difficult)

	// ReadVOC: from a file; a missing file names it.
	p := imgtest.Write(t, filepath.Join(t.TempDir(), "Annotations", "x.xml"), []byte(vocDoc(vocObj("chair", "0", "1", "2", "3", "4"))))
	got, err = dataset.ReadVOC(p, vocNames)
	require.NoError(t, err)
	assert.Len(t, got.Objects, 1)
	_, err = dataset.ReadVOC(p+".missing", vocNames)
	assert.EqualError(t, err, "dataset: VOC annotation: open "+p+".missing: no such file or directory")
}

func TestParseVOCErrors(t *testing.T) {
	good := vocObj("chair", "0", "263", "211", "324", "339")
	const at = "dataset: v.xml:10: <object> 1"
	cases := []struct{ name, doc, want string }{
		{"unknown class", vocDoc(vocObj("dog", "0", "1", "1", "5", "5")),
			at + `: class "dog" is not a known class name, expected one of "aeroplane", "chair", "person"`},
		{"no name", vocDoc("<object><bndbox/></object>"), at + ": no <name>, expected a class name"},
		{"difficult 2", vocDoc(vocObj("chair", "2", "1", "1", "5", "5")), at + `: <difficult> "2", expected 0 or 1`},
		{"no bndbox", vocDoc("<object><name>chair</name></object>"),
			at + " (chair): no <bndbox>, expected <bndbox> with xmin, ymin, xmax, ymax"},
		{"no ymax", vocDoc("<object><name>chair</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax></bndbox></object>"),
			at + " (chair): no <bndbox><ymax>, expected a pixel coordinate"},
		{"not a number", vocDoc(vocObj("chair", "0", "1", "abc", "5", "5")),
			at + ` (chair): <bndbox><ymin>: "abc", expected a finite decimal number`},
		{"NaN", vocDoc(vocObj("chair", "0", "NaN", "1", "5", "5")),
			at + ` (chair): <bndbox><xmin>: "NaN", expected a finite decimal number`},
		{"Inf", vocDoc(vocObj("chair", "0", "1", "1", "+Inf", "5")),
			at + ` (chair): <bndbox><xmax>: "+Inf", expected a finite decimal number`},
		{"hex", vocDoc(vocObj("chair", "0", "0x10", "1", "20", "5")),
			at + ` (chair): <bndbox><xmin>: "0x10", expected a finite decimal number`},
		{"negative", vocDoc(vocObj("chair", "0", "-3", "1", "5", "5")),
			at + " (chair): <bndbox><xmin> -3 outside [0, 500] (the image width in <size>)"},
		{"beyond height", vocDoc(vocObj("chair", "0", "1", "1", "5", "376")),
			at + " (chair): <bndbox><ymax> 376 outside [0, 375] (the image height in <size>)"},
		{"zero width", vocDoc(vocObj("chair", "0", "5", "1", "5", "9")),
			at + " (chair): box xmin 5 ymin 1 xmax 5 ymax 9, expected xmax > xmin and ymax > ymin"},
		{"inverted", vocDoc(vocObj("chair", "0", "1", "9", "5", "2")),
			at + " (chair): box xmin 1 ymin 9 xmax 5 ymax 2, expected xmax > xmin and ymax > ymin"},
		{"second object bad", vocDoc(good, vocObj("person", "0", "1", "1", "5", "600")),
			"dataset: v.xml:11: <object> 2 (person): <bndbox><ymax> 600 outside [0, 375] (the image height in <size>)"},
		{"no size", "<annotation>\n" + good + "\n</annotation>",
			"dataset: v.xml: no <size> element, expected <size><width>W</width><height>H</height></size>"},
		{"zero width size", "<annotation>\n<size><width>0</width><height>5</height></size>\n</annotation>",
			`dataset: v.xml:2: <size><width>: "0", expected a positive integer`},
		{"float height", "<annotation>\n<size><width>5</width><height>5.5</height></size>\n</annotation>",
			`dataset: v.xml:2: <size><height>: "5.5", expected a positive integer`},
		{"missing height", "<annotation>\n<size><width>5</width></size>\n</annotation>",
			"dataset: v.xml:2: <size><height>: missing, expected a positive integer"},
		{"two sizes", "<annotation>\n<size><width>5</width><height>5</height></size>\n<size/>\n</annotation>",
			"dataset: v.xml:3: second <size> (first at line 2), expected one"},
		{"wrong root", "<?xml version=\"1.0\"?>\n<annotations>\n</annotations>",
			"dataset: v.xml:2: root element <annotations>, expected a VOC <annotation>"},
		{"empty", "", "dataset: v.xml: no XML element, expected a VOC <annotation>"},
		{"not XML", "0 0.5 0.5 0.1 0.1\n", "dataset: v.xml: no XML element, expected a VOC <annotation>"},
		{"truncated", vocDoc(good)[:200],
			"dataset: v.xml:10: truncated XML (XML syntax error on line 10: unexpected EOF), expected a complete <annotation> element"},
		{"mismatched tags", "<annotation>\n<size><width>5</height></size>\n</annotation>",
			"dataset: v.xml:2: malformed XML: XML syntax error on line 2: element <width> closed by </height>"},
	}
	for _, c := range cases {
		_, err := dataset.ParseVOC("v.xml", strings.NewReader(c.doc), vocNames)
		assert.EqualError(t, err, c.want, c.name)
	}
	_, err := dataset.ParseVOC("v.xml", strings.NewReader(vocDoc()), nil)
	assert.EqualError(t, err, "dataset: v.xml: no class names, expected at least one")
}
