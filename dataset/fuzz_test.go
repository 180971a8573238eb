package dataset_test

import (
	"math"
	"strings"
	"testing"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/internal/imgtest"
	"github.com/detparity/detparity/frame"
)

// Fuzz targets of the dataset step. Invariants for all: no panic; an error names the
// file it was given; a success returns finite values inside the documented ranges.
// Seeds: the f.Add calls plus testdata/fuzz/<target>/. Run one with
// `go test ./dataset -run '^$' -fuzz '^FuzzParseLabels$' -fuzztime 60s`, or all with
// scripts/fuzz.sh.

const fuzzPath = "fz/label-file.txt"

func finiteBox(b box.Box) bool {
	for _, v := range [4]float64{b.X1, b.Y1, b.X2, b.Y2} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// FuzzParseLabels: a YOLO label file of any content. On success every box has a class
// in [0, nc), positive width and height, and (cx, w in [0,1]) x1 >= -W/2, x2 <= 1.5 W,
// likewise in y; the boxes are not clipped to the image (documented).
func FuzzParseLabels(f *testing.F) {
	f.Add("0 0.5 0.5 0.25 0.5\n1 0.1 0.2 0.5 0.1 0.3 0.6\n", uint16(640), uint16(480), uint8(2))
	f.Add("0 0.5 nan 0.2 0.2", uint16(10), uint16(10), uint8(1))
	f.Add("2.0 1e-7 1.0000005 1 1\r\n\n", uint16(1), uint16(1), uint8(3))
	f.Fuzz(func(t *testing.T, text string, w, h uint16, nc uint8) {
		W, H, NC := int(w), int(h), int(nc)
		objs, err := dataset.ParseLabels(fuzzPath, strings.NewReader(text), W, H, NC)
		if err != nil {
			if !strings.Contains(err.Error(), fuzzPath) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if W <= 0 || H <= 0 || NC <= 0 {
			t.Fatalf("accepted size %dx%d with %d classes", W, H, NC)
		}
		for i, o := range objs {
			if !finiteBox(o.Box) || o.Class < 0 || o.Class >= NC || !(o.X2 > o.X1) || !(o.Y2 > o.Y1) ||
				o.X1 < -0.5*float64(W) || o.X2 > 1.5*float64(W) || o.Y1 < -0.5*float64(H) || o.Y2 > 1.5*float64(H) {
				t.Fatalf("object %d out of range: %+v (image %dx%d, %d classes)", i, o, W, H, NC)
			}
		}
	})
}

// FuzzParseNames: names files (classes.txt and data.yaml, the latter through the YAML
// library and the PyYAML typing of ParseNamesYAML) of any content. On success there is
// at least one name, none empty, txt names carry no surrounding whitespace. The split
// keys of the same text (a data YAML's val:) parse to non-empty paths or an error naming
// the file.
func FuzzParseNames(f *testing.F) {
	f.Add("person\ncar\n")
	f.Add("names: [person, 'it''s', \"a, b\"]  # inline\nnc: 3\n")
	f.Add("names:\n  1: car\n  0: person\n")
	f.Add("names: {0: a, 1: 'b'}\n")
	f.Add("names:\n- a\n- \"b\\u00e9\"\n")
	f.Add("names: [yes, 010, 1.50, 1:30, .inf, 2002-12-14, &a x, *a]\nnc: 8\n")
	f.Add("path: ../d\nval: [images/val, list.txt]\nnames: {true: a, 0.0: b}\n")
	f.Add("nc: 3\nval: 2017\n")
	f.Fuzz(func(t *testing.T, text string) {
		const yml = "fz/data.yaml"
		if vals, present, err := dataset.DataYAMLPaths(yml, text, "val"); err != nil {
			if !strings.Contains(err.Error(), yml) {
				t.Fatalf("val: error does not name the file: %v", err)
			}
		} else {
			if present != (len(vals) > 0) {
				t.Fatalf("val: present %v with %d paths", present, len(vals))
			}
			for _, v := range vals {
				if v == "" {
					t.Fatalf("val: empty path in %q", vals)
				}
			}
		}
		for _, c := range []struct {
			path  string
			parse func(string, string) ([]string, error)
		}{{"fz/classes.txt", dataset.ParseNamesTxt}, {"fz/data.yaml", dataset.ParseNamesYAML}} {
			names, err := c.parse(c.path, text)
			if err != nil {
				if !strings.Contains(err.Error(), c.path) {
					t.Fatalf("%s: error does not name the file: %v", c.path, err)
				}
				continue
			}
			if len(names) == 0 {
				t.Fatalf("%s: no error and no names", c.path)
			}
			for i, n := range names {
				if n == "" {
					t.Fatalf("%s: name %d is empty: %q", c.path, i, names)
				}
				if strings.HasSuffix(c.path, ".txt") && n != strings.TrimSpace(n) {
					t.Fatalf("%s: name %d %q not trimmed", c.path, i, n)
				}
			}
		}
	})
}

// FuzzParseVOC: a VOC annotation of any content. On success the size is positive, one
// difficult flag per object, classes in range and each box inside [-1, size-1] with
// positive width and height (the 1-based corners shifted by -1).
func FuzzParseVOC(f *testing.F) {
	f.Add(vocDoc(vocObj("chair", "0", "263", "211", "324", "339"), vocObj("person", "1", "1", "1", "500", "375")))
	f.Add(vocDoc())
	f.Add("<annotation><size><width>5</width><height>5</height></size><object><name>aeroplane</name>" +
		"<bndbox><xmin>0</xmin><ymin>0.5</ymin><xmax>5</xmax><ymax>1e0</ymax></bndbox></object></annotation>")
	f.Add("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]><annotation>&x;</annotation>")
	const path = "fz/Annotations/a.xml"
	f.Fuzz(func(t *testing.T, doc string) {
		a, err := dataset.ParseVOC(path, strings.NewReader(doc), vocNames)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if a.Width <= 0 || a.Height <= 0 || len(a.Objects) != len(a.Difficult) {
			t.Fatalf("bad annotation: %dx%d, %d objects, %d flags", a.Width, a.Height, len(a.Objects), len(a.Difficult))
		}
		W, H := float64(a.Width), float64(a.Height)
		for i, o := range a.Objects {
			if !finiteBox(o.Box) || o.Class < 0 || o.Class >= len(vocNames) || !(o.X2 > o.X1) || !(o.Y2 > o.Y1) ||
				o.X1 < -1 || o.Y1 < -1 || o.X2 > W-1 || o.Y2 > H-1 {
				t.Fatalf("object %d out of range: %+v (image %vx%v)", i, o, W, H)
			}
		}
	})
}

// fuzzMaxPixels keeps one fuzz input's decode small (128x128): the seeds are at most 64x48, and a
// mutated header claiming a megapixel made each input take ~1 s under coverage instrumentation.
const fuzzMaxPixels = 1 << 14

// FuzzGoDecoder: any bytes as an image file (named .jpg, whatever the content). On
// success the image is valid RGB of the size DecodeConfig reports, within MaxPixels.
func FuzzGoDecoder(f *testing.F) {
	imgtest.FuzzDecoder(f, dataset.GoDecoder{MaxPixels: fuzzMaxPixels}, frame.RGB, fuzzMaxPixels)
}
