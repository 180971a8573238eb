package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/detparity/detparity/box"
)

// CoordTolerance is how far outside [0,1] a normalised label value may be and still be
// accepted (it is then clipped to 0 or 1). Ultralytics (verify_image_label) accepts
// values in [-0.01, 1.01] and keeps them unclipped; detparity is stricter, since an
// excess that large is a labelling error: 1e-6 absorbs the rounding of labels written
// with 6 decimals from float32 pixel boxes, while any real error (a pixel coordinate, a
// swapped field) is orders of magnitude larger.
const CoordTolerance = 1e-6

// ParseLabels reads a YOLO label file from r for an image of imgW x imgH pixels with
// numClasses classes and returns its boxes in source pixels, in file order, without
// duplicated lines (see parseLabelFile).
//
// Pixels: x1 = (cx-w/2)*imgW, y1 = (cy-h/2)*imgH, x2 = (cx+w/2)*imgW, y2 = (cy+h/2)*imgH
// in float64 (Ultralytics works in float32, so values can differ in the 7th digit).
// Boxes are not clipped to the image: like Ultralytics only the values written in the
// file are range-checked, so cx=0.1 w=0.4 gives x1 < 0.
func ParseLabels(path string, r io.Reader, imgW, imgH, numClasses int) ([]box.Object, error) {
	if imgW <= 0 || imgH <= 0 {
		return nil, fmt.Errorf("dataset: %s: image size %dx%d, expected positive width and height", path, imgW, imgH)
	}
	norm, _, err := parseLabelFile(path, r, numClasses)
	if err != nil {
		return nil, err
	}
	return toPixels(norm, imgW, imgH), nil
}

// toPixels scales normalised boxes to an imgW x imgH image.
func toPixels(norm []box.Object, imgW, imgH int) []box.Object {
	W, H := float64(imgW), float64(imgH)
	out := make([]box.Object, len(norm))
	for i, o := range norm {
		out[i] = box.Object{Box: box.Box{X1: o.X1 * W, Y1: o.Y1 * H, X2: o.X2 * W, Y2: o.Y2 * H}, Class: o.Class}
	}
	return out
}

// labelKey is a label line as Ultralytics' verify_image_label compares lines: class
// and box (cx, cy, w, h) in float32, a segment replaced by its bounding box computed in
// float32 (segments2boxes, xyxy2xywh).
type labelKey [5]float32

// parseLabelFile parses a YOLO label file and returns its boxes normalised to [0,1]
// (x1 = cx-w/2, ...; the scaling to pixels is toPixels), in file order, and how many
// duplicated lines it dropped.
//
// Each non-blank line is either a box "class cx cy w h" (centre and size normalised to
// the image) or a segment "class x1 y1 x2 y2 x3 y3 ..." (3 or more normalised polygon
// points), fields separated by any whitespace. A segment is replaced by the bounding box
// of its points, as Ultralytics does (segments2boxes). Unlike Ultralytics, each line is
// classified on its own (Ultralytics switches the whole file to segments when any line
// has more than 6 fields, which garbles 5-field lines mixed in).
//
// Duplicates: a line whose class and box equal an earlier line's in float32, as
// Ultralytics compares them (np.unique over the float32 rows in verify_image_label,
// ultralytics/data/utils.py), is dropped; Ultralytics drops the same lines and warns
// "N duplicate labels removed". (It also reorders the kept lines; order does not
// matter to any evaluation.)
//
// Rejected, with "path:line:" and what was expected: a wrong field count; a field that
// is not a number or is NaN/Inf; a class that is not an integer (an integral float such
// as "2.0" is accepted, as Ultralytics parses classes as float) or is outside
// [0,numClasses); a value outside [0,1] by more than CoordTolerance (within it the value
// is clipped); a width or height <= 0 (for a segment: all points on one vertical or
// horizontal line); and '#' comment lines, which Ultralytics does not allow either.
// Blank lines and CRLF line ends are fine.
func parseLabelFile(path string, r io.Reader, numClasses int) ([]box.Object, int, error) {
	if numClasses <= 0 {
		return nil, 0, fmt.Errorf("dataset: %s: %d classes, expected at least 1", path, numClasses)
	}
	out := make([]box.Object, 0)
	seen := map[labelKey]bool{}
	dups := 0
	br := bufio.NewReader(r)
	var vals []float64
	for lineNo := 1; ; lineNo++ {
		line, rerr := br.ReadString('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return nil, 0, fmt.Errorf("dataset: %s:%d: read: %w", path, lineNo, rerr)
		}
		if fields := strings.Fields(line); len(fields) > 0 {
			var err error
			if vals, err = labelValues(path, lineNo, fields, numClasses, vals[:0]); err != nil {
				return nil, 0, err
			}
			o, key, err := labelBox(path, lineNo, fields, vals)
			if err != nil {
				return nil, 0, err
			}
			if seen[key] {
				dups++
			} else {
				seen[key] = true
				out = append(out, o)
			}
		}
		if rerr != nil {
			return out, dups, nil
		}
	}
}

// labelValues checks the fields of one label line and returns them as numbers, the
// coordinates clipped to [0,1] within CoordTolerance. vals is reused.
func labelValues(path string, lineNo int, fields []string, numClasses int, vals []float64) ([]float64, error) {
	for k, f := range fields {
		if strings.HasPrefix(f, "#") {
			return nil, fmt.Errorf("dataset: %s:%d: '#' comment at field %d, expected only label values (YOLO label files have no comments; Ultralytics rejects them)", path, lineNo, k+1)
		}
	}
	n := len(fields)
	if n != 5 && (n < 7 || n%2 == 0) {
		return nil, fmt.Errorf("dataset: %s:%d: %d fields, expected 5 (class cx cy w h) or a segment (class x1 y1 x2 y2 x3 y3 ..., 3 or more points)", path, lineNo, n)
	}
	for k, f := range fields {
		v, err := strconv.ParseFloat(f, 64)
		// Hex floats ("0x1p-1") are Go syntax that Python's float() rejects.
		if (err != nil && !errors.Is(err, strconv.ErrRange)) || strings.ContainsAny(f, "xX") {
			return nil, fmt.Errorf("dataset: %s:%d: field %d %q is not a number", path, lineNo, k+1, f)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("dataset: %s:%d: field %d %q is not finite, expected a number", path, lineNo, k+1, f)
		}
		vals = append(vals, v)
	}
	c := vals[0]
	if c != math.Trunc(c) {
		return nil, fmt.Errorf("dataset: %s:%d: class %q is not an integer", path, lineNo, fields[0])
	}
	if c < 0 || c >= float64(numClasses) {
		return nil, fmt.Errorf("dataset: %s:%d: class %s out of range [0,%d) (%d class names)", path, lineNo, fields[0], numClasses, numClasses)
	}
	for k := 1; k < n; k++ {
		if v := vals[k]; v < -CoordTolerance || v > 1+CoordTolerance {
			return nil, fmt.Errorf("dataset: %s:%d: %s = %s outside [0,1], expected normalised coordinates (tolerance %g)",
				path, lineNo, fieldName(n, k), fields[k], CoordTolerance)
		}
	}
	return vals, nil
}

// labelBox turns the checked values of one line into a normalised box and its
// duplicate key (computed on the values as written, before clipping, as Ultralytics
// compares them).
func labelBox(path string, lineNo int, fields []string, vals []float64) (box.Object, labelKey, error) {
	n := len(vals)
	key := labelKey{float32(vals[0])}
	clip := func(v float64) float64 { return min(max(v, 0), 1) }
	var x1, y1, x2, y2 float64
	if n == 5 {
		for k := 1; k < 5; k++ {
			key[k] = float32(vals[k])
		}
		cx, cy, w, h := clip(vals[1]), clip(vals[2]), clip(vals[3]), clip(vals[4])
		if w <= 0 || h <= 0 {
			return box.Object{}, key, fmt.Errorf("dataset: %s:%d: w = %s, h = %s, expected a positive width and height", path, lineNo, fields[3], fields[4])
		}
		x1, y1, x2, y2 = cx-w/2, cy-h/2, cx+w/2, cy+h/2
	} else {
		fx1, fy1 := float32(vals[1]), float32(vals[2])
		fx2, fy2 := fx1, fy1
		x1, y1, x2, y2 = clip(vals[1]), clip(vals[2]), clip(vals[1]), clip(vals[2])
		for k := 3; k < n; k += 2 {
			fx1, fx2 = min(fx1, float32(vals[k])), max(fx2, float32(vals[k]))
			fy1, fy2 = min(fy1, float32(vals[k+1])), max(fy2, float32(vals[k+1]))
			x1, x2 = min(x1, clip(vals[k])), max(x2, clip(vals[k]))
			y1, y2 = min(y1, clip(vals[k+1])), max(y2, clip(vals[k+1]))
		}
		key[1], key[2], key[3], key[4] = (fx1+fx2)/2, (fy1+fy2)/2, fx2-fx1, fy2-fy1
		if x2 <= x1 || y2 <= y1 {
			return box.Object{}, key, fmt.Errorf("dataset: %s:%d: segment bounding box %gx%g (normalised), expected a positive width and height", path, lineNo, x2-x1, y2-y1)
		}
	}
	return box.Object{Box: box.Box{X1: x1, Y1: y1, X2: x2, Y2: y2}, Class: int(vals[0])}, key, nil
}

// fieldName names field k (0-based) of an n-field line for error messages.
func fieldName(n, k int) string {
	if n == 5 {
		return [...]string{"class", "cx", "cy", "w", "h"}[k]
	}
	axis := "x"
	if k%2 == 0 {
		axis = "y"
	}
	return fmt.Sprintf("%s%d", axis, (k+1)/2)
}
