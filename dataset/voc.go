package dataset

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/detparity/detparity/box"
)

// VOCAnnotation is one Pascal VOC annotation file (Annotations/*.xml) as ParseVOC reads it.
type VOCAnnotation struct {
	// Filename is the <filename> element, "" when absent (informative only).
	Filename string
	// Width and Height are <size><width> and <size><height> in pixels.
	Width, Height int
	// Objects are the <object> elements in file order, boxes in continuous pixel
	// coordinates (see ParseVOC for the 1-based convention).
	Objects []box.Object
	// Difficult[i] is the <difficult> flag of Objects[i] (false when absent). VOC's own
	// evaluation ignores difficult objects; Ultralytics' VOC.yaml conversion drops them.
	Difficult []bool
}

// ReadVOC opens and parses the VOC annotation file at path; see ParseVOC. A path that
// is not a regular file, or is larger than DefaultOptions().MaxLabelBytes, is refused
// before it is read.
func ReadVOC(path string, names []string) (*VOCAnnotation, error) {
	return readVOC(path, names, DefaultOptions().MaxLabelBytes)
}

// readVOC is ReadVOC with the size cap limit.
func readVOC(path string, names []string, limit int64) (*VOCAnnotation, error) {
	f, _, err := openRegular(path, limit, "Options.MaxLabelBytes")
	if err != nil {
		return nil, fmt.Errorf("dataset: VOC annotation: %w", err)
	}
	defer f.Close()
	return ParseVOC(path, f, names)
}

// vocObject is the raw text of one <object>.
type vocObject struct {
	Name      *string `xml:"name"`
	Difficult *string `xml:"difficult"`
	BndBox    *struct {
		XMin *string `xml:"xmin"`
		YMin *string `xml:"ymin"`
		XMax *string `xml:"xmax"`
		YMax *string `xml:"ymax"`
	} `xml:"bndbox"`
}

// vocSize is the raw text of <size>.
type vocSize struct {
	Width  *string `xml:"width"`
	Height *string `xml:"height"`
}

// ParseVOC reads a Pascal VOC annotation from r (path is used in messages) with the class
// names names (index = class id):
//
//	<annotation>
//	  <filename>000005.jpg</filename>
//	  <size><width>500</width><height>375</height><depth>3</depth></size>
//	  <object><name>chair</name><difficult>0</difficult>
//	    <bndbox><xmin>263</xmin><ymin>211</ymin><xmax>324</xmax><ymax>339</ymax></bndbox>
//	  </object> ...
//	</annotation>
//
// Coordinates: VOC numbers pixels from 1, and xmin..xmax are the first and last pixel
// columns. Like Ultralytics' VOC.yaml conversion (centre = (xmin+xmax)/2 - 1, width =
// xmax - xmin), both corners are shifted by -1: X1 = xmin-1, Y1 = ymin-1, X2 = xmax-1,
// Y2 = ymax-1, so a model trained on Ultralytics' converted labels is scored against the
// boxes it learned. (Detectron2's pascal_voc loader shifts only xmin and ymin, making
// boxes one pixel wider; torchvision's VOCDetection returns the raw strings.) Values
// may be fractional (CVAT writes floats) and are parsed as float64.
//
// Other elements (<pose>, <truncated>, <part>, <segmented>, ...) are ignored; text is
// trimmed of surrounding whitespace. Errors name path, the line of the element and what
// was expected: malformed or truncated XML; a root other than <annotation>; a missing
// or repeated <size>, a <width>/<height> that is not a positive integer; an <object>
// without <name> or <bndbox> or one of its four coordinates; a coordinate that is not a
// finite decimal number or lies outside [0, width] / [0, height]; xmax <= xmin or ymax
// <= ymin; a <difficult> other than 0 or 1; and a class name not in names (Ultralytics
// silently drops such objects; here the error lists the known names, since a dropped
// object would raise the measured precision without notice). An annotation with no
// object is valid (an image with nothing to detect).
func ParseVOC(path string, r io.Reader, names []string) (*VOCAnnotation, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("dataset: %s: no class names, expected at least one", path)
	}
	index := make(map[string]int, len(names))
	for i, n := range names {
		if _, dup := index[n]; !dup {
			index[n] = i
		}
	}
	dec := xml.NewDecoder(r)
	line := func() int { l, _ := dec.InputPos(); return l }
	syntax := func(err error) error {
		var se *xml.SyntaxError
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &se) && se.Msg == "unexpected EOF") {
			return fmt.Errorf("dataset: %s:%d: truncated XML (%w), expected a complete <annotation> element", path, line(), err)
		}
		return fmt.Errorf("dataset: %s:%d: malformed XML: %w", path, line(), err)
	}
	// Find the root element.
	var root xml.StartElement
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("dataset: %s: no XML element, expected a VOC <annotation>", path)
			}
			return nil, syntax(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
	}
	if root.Name.Local != "annotation" {
		return nil, fmt.Errorf("dataset: %s:%d: root element <%s>, expected a VOC <annotation>", path, line(), root.Name.Local)
	}
	ann := &VOCAnnotation{Objects: []box.Object{}, Difficult: []bool{}}
	sizeLine := 0
	type pending struct {
		obj  vocObject
		line int
	}
	var objs []pending
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		startLine := line() // the line where this token ends: a start tag's '>'
		switch t := tok.(type) {
		case xml.EndElement:
			depth--
		case xml.StartElement:
			switch t.Name.Local {
			case "size":
				if sizeLine != 0 {
					return nil, fmt.Errorf("dataset: %s:%d: second <size> (first at line %d), expected one", path, startLine, sizeLine)
				}
				sizeLine = startLine
				var s vocSize
				if err := dec.DecodeElement(&s, &t); err != nil {
					return nil, syntax(err)
				}
				if ann.Width, err = vocInt(s.Width); err != nil {
					return nil, fmt.Errorf("dataset: %s:%d: <size><width>: %w", path, startLine, err)
				}
				if ann.Height, err = vocInt(s.Height); err != nil {
					return nil, fmt.Errorf("dataset: %s:%d: <size><height>: %w", path, startLine, err)
				}
			case "object":
				var o vocObject
				if err := dec.DecodeElement(&o, &t); err != nil {
					return nil, syntax(err)
				}
				objs = append(objs, pending{o, startLine})
			case "filename":
				var s string
				if err := dec.DecodeElement(&s, &t); err != nil {
					return nil, syntax(err)
				}
				ann.Filename = strings.TrimSpace(s)
			default:
				if err := dec.Skip(); err != nil {
					return nil, syntax(err)
				}
			}
		}
	}
	if sizeLine == 0 {
		return nil, fmt.Errorf("dataset: %s: no <size> element, expected <size><width>W</width><height>H</height></size>", path)
	}
	W, H := float64(ann.Width), float64(ann.Height)
	for k, p := range objs {
		where := fmt.Sprintf("dataset: %s:%d: <object> %d", path, p.line, k+1)
		o := p.obj
		if o.Name == nil {
			return nil, fmt.Errorf("%s: no <name>, expected a class name", where)
		}
		name := strings.TrimSpace(*o.Name)
		cls, ok := index[name]
		if !ok {
			return nil, fmt.Errorf("%s: class %q is not a known class name, expected one of %s", where, name, quoteList(names))
		}
		difficult := false
		if o.Difficult != nil {
			switch strings.TrimSpace(*o.Difficult) {
			case "0":
			case "1":
				difficult = true
			default:
				return nil, fmt.Errorf("%s: <difficult> %q, expected 0 or 1", where, *o.Difficult)
			}
		}
		if o.BndBox == nil {
			return nil, fmt.Errorf("%s (%s): no <bndbox>, expected <bndbox> with xmin, ymin, xmax, ymax", where, name)
		}
		var v [4]float64
		for i, f := range []struct {
			tag   string
			s     *string
			limit float64
			axis  string
		}{{"xmin", o.BndBox.XMin, W, "width"}, {"ymin", o.BndBox.YMin, H, "height"},
			{"xmax", o.BndBox.XMax, W, "width"}, {"ymax", o.BndBox.YMax, H, "height"}} {
			if f.s == nil {
				return nil, fmt.Errorf("%s (%s): no <bndbox><%s>, expected a pixel coordinate", where, name, f.tag)
			}
			x, err := vocFloat(*f.s)
			if err != nil {
				return nil, fmt.Errorf("%s (%s): <bndbox><%s>: %w", where, name, f.tag, err)
			}
			if x < 0 || x > f.limit {
				return nil, fmt.Errorf("%s (%s): <bndbox><%s> %s outside [0, %d] (the image %s in <size>)",
					where, name, f.tag, strings.TrimSpace(*f.s), int(f.limit), f.axis)
			}
			v[i] = x
		}
		if v[2] <= v[0] || v[3] <= v[1] {
			return nil, fmt.Errorf("%s (%s): box xmin %g ymin %g xmax %g ymax %g, expected xmax > xmin and ymax > ymin",
				where, name, v[0], v[1], v[2], v[3])
		}
		ann.Objects = append(ann.Objects, box.Object{Box: box.Box{X1: v[0] - 1, Y1: v[1] - 1, X2: v[2] - 1, Y2: v[3] - 1}, Class: cls})
		ann.Difficult = append(ann.Difficult, difficult)
	}
	return ann, nil
}

// vocInt parses a positive decimal integer (Python int(): surrounding whitespace allowed).
func vocInt(s *string) (int, error) {
	if s == nil {
		return 0, errors.New("missing, expected a positive integer")
	}
	t := strings.TrimSpace(*s)
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 || n > 1<<30 {
		return 0, fmt.Errorf("%q, expected a positive integer", t)
	}
	return n, nil
}

// vocFloat parses a finite decimal number (no hex floats, NaN, Inf or underscores,
// which Go accepts or Python's float() reads differently).
func vocFloat(s string) (float64, error) {
	t := strings.TrimSpace(s)
	x, err := strconv.ParseFloat(t, 64)
	if err != nil || strings.ContainsAny(t, "xX_") || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%q, expected a finite decimal number", t)
	}
	return x, nil
}

// quoteList formats names as "a", "b", ... (at most 30, then a count).
func quoteList(names []string) string {
	const most = 30
	var b strings.Builder
	for i, n := range names {
		if i == most {
			fmt.Fprintf(&b, ", ... (%d names)", len(names))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}
