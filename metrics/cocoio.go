package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
)

// COCOImage is one entry of a COCO file's "images".
type COCOImage struct {
	// ID is the image id.
	ID int64
	// FileName, Width and Height are informative (0 / "" when absent).
	FileName      string
	Width, Height int // pixels, 0 when absent
}

// COCOCategory is one entry of a COCO file's "categories".
type COCOCategory struct {
	// ID is the category id; Name its name ("" when absent).
	ID   int64
	Name string // "" when absent
}

// COCOGroundTruth is a COCO instances file: the images evaluated, the categories
// evaluated and the ground-truth annotations.
type COCOGroundTruth struct {
	// Path is the file it was read from (for messages).
	Path string
	// Images, Categories and Annotations in file order.
	Images      []COCOImage
	Categories  []COCOCategory   // the categories evaluated
	Annotations []COCOAnnotation // the ground-truth objects
}

// ReadCOCOGroundTruth reads a COCO instances json file as a stream; see
// [DecodeCOCOGroundTruth].
func ReadCOCOGroundTruth(path string) (*COCOGroundTruth, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("metrics: COCO ground truth: %w", err)
	}
	defer f.Close()
	return DecodeCOCOGroundTruth(path, f)
}

// ParseCOCOGroundTruth parses the contents of a COCO instances file named path; see
// [DecodeCOCOGroundTruth].
func ParseCOCOGroundTruth(path string, data []byte) (*COCOGroundTruth, error) {
	return DecodeCOCOGroundTruth(path, bytes.NewReader(data))
}

// The fields of a COCO instances file that are read; others (info, licenses,
// segmentation, ...) are skipped.
var (
	cocoTopKeys   = []string{"images", "categories", "annotations"}
	cocoImageKeys = []string{"id", "file_name", "width", "height"}
	cocoCatKeys   = []string{"id", "name"}
	cocoAnnKeys   = []string{"id", "image_id", "category_id", "bbox", "area", "iscrowd"}
)

// DecodeCOCOGroundTruth reads a COCO instances file named path (the name is only used
// in messages) from r as a stream, never holding the whole file. It needs "images"
// (each with an integer "id"), "categories" (each with an integer "id") and, for each
// entry of "annotations" (which may be absent: no objects), "id", "image_id",
// "category_id", "bbox" as four numbers x, y, w, h, and "area". "iscrowd" (0/1 or
// false/true) defaults to 0 when absent; pycocotools would raise a KeyError then. An
// "ignore" field is not read: pycocotools overwrites it with iscrowd. Ids may be
// written 7 or 7.0; null is the same as an absent field; a field given twice keeps its
// last value, as Python's json does.
//
// It fails, naming path and the entry, on malformed JSON, a missing or mistyped field,
// a duplicate image, category or annotation id (pycocotools would silently keep the
// last image or category, and evaluate the last of two same-id annotations twice).
// Annotations of images not listed or of categories not listed are kept here and
// left out (counted) by [EvaluateCOCO], as pycocotools leaves them out.
func DecodeCOCOGroundTruth(path string, r io.Reader) (*COCOGroundTruth, error) {
	const want = "a COCO instances object {images, annotations, categories}"
	s := newJSONScanner(r)
	k, err := s.startValue()
	if err != nil {
		return nil, s.fail(path, want, err)
	}
	if k != '{' {
		return nil, fmt.Errorf("metrics: %s:%d: the file is a JSON %s, want %s", path, s.line, kindName(k), want)
	}
	gt := &COCOGroundTruth{Path: path}
	var haveImages, haveCats bool
	err = s.object(cocoTopKeys, func(f int) error {
		var err error
		switch f {
		case 0:
			haveImages, err = listInto(s, path, "images", &gt.Images, s.cocoImage)
		case 1:
			haveCats, err = listInto(s, path, "categories", &gt.Categories, s.cocoCategory)
		case 2:
			_, err = listInto(s, path, "annotations", &gt.Annotations, s.cocoAnnotation)
		default:
			err = s.skip()
		}
		return err
	})
	if err != nil {
		return nil, s.fail(path, want, err)
	}
	if _, err := s.peek(); err == nil {
		return nil, fmt.Errorf("metrics: %s:%d: data after the instances object, want one object", path, s.line)
	} else if !errors.Is(err, io.EOF) {
		return nil, s.fail(path, want, err)
	}
	if !haveImages {
		return nil, fmt.Errorf("metrics: %s: no \"images\" list, want a COCO instances file", path)
	}
	if !haveCats {
		return nil, fmt.Errorf("metrics: %s: no \"categories\" list, want a COCO instances file", path)
	}
	return gt, gt.checkUnique()
}

// checkUnique refuses a duplicate image, category or annotation id.
func (gt *COCOGroundTruth) checkUnique() error {
	seen := make(map[int64]int, len(gt.Annotations))
	for i, im := range gt.Images {
		if j, dup := seen[im.ID]; dup {
			return fmt.Errorf("metrics: %s: images[%d] and images[%d] have the same id %d, want unique image ids", gt.Path, j, i, im.ID)
		}
		seen[im.ID] = i
	}
	clear(seen)
	for i, c := range gt.Categories {
		if j, dup := seen[c.ID]; dup {
			return fmt.Errorf("metrics: %s: categories[%d] and categories[%d] have the same id %d, want unique category ids", gt.Path, j, i, c.ID)
		}
		seen[c.ID] = i
	}
	clear(seen)
	for i, a := range gt.Annotations {
		if j, dup := seen[a.ID]; dup {
			return fmt.Errorf("metrics: %s: annotations[%d] and annotations[%d] have the same id %d, want unique annotation ids", gt.Path, j, i, a.ID)
		}
		seen[a.ID] = i
	}
	return nil
}

// list reads a list field named name: an array, whose elements elem reads, or null
// (absent: false).
func (s *jsonScanner) list(path, name string, elem func(i int) error) (bool, error) {
	k, err := s.startValue()
	switch {
	case err != nil:
		return false, err
	case k == '0':
		_, err := s.literal()
		return false, err
	case k != '[':
		return false, fmt.Errorf("metrics: %s:%d: %s: a JSON %s, want a list", path, s.line, name, kindName(k))
	}
	return true, s.array(elem)
}

// listInto reads the list named name into *dst (replacing what it held) with
// elem reading each element; it reports whether the value was a list (s.list).
func listInto[T any](s *jsonScanner, path, name string, dst *[]T, elem func(path string, i int) (T, error)) (bool, error) {
	*dst = nil
	return s.list(path, name, func(i int) error {
		v, err := elem(path, i)
		*dst = append(*dst, v)
		return err
	})
}

// cocoImage reads images[i].
func (s *jsonScanner) cocoImage(path string, i int) (COCOImage, error) {
	var im COCOImage
	line, err := s.startObject(path, "images", i)
	if err != nil {
		return im, err
	}
	where := func(field string) string { return fmt.Sprintf("metrics: %s:%d: images[%d]: %s", path, line, i, field) }
	haveID := false
	err = s.object(cocoImageKeys, func(f int) error {
		switch f {
		case 0:
			return s.integerField(where, "id", &im.ID, &haveID)
		case 1:
			name, err := s.stringOrNull()
			im.FileName = name
			return s.fieldError(err, where, "file_name", "a string")
		case 2, 3:
			n, err := s.numberOrNull()
			if n == nil || err != nil {
				return s.fieldError(err, where, cocoImageKeys[f], "a number")
			}
			v, err := n.float()
			if f == 2 {
				im.Width = int(v)
			} else {
				im.Height = int(v)
			}
			return s.wrap(err, where, cocoImageKeys[f])
		}
		return s.skip()
	})
	if err == nil && !haveID {
		err = missingInteger(where, "id")
	}
	return im, err
}

// integerField reads an integer field into dst (null counts as absent), noting in
// have whether it was given.
func (s *jsonScanner) integerField(where func(string) string, field string, dst *int64, have *bool) error {
	n, err := s.numberOrNull()
	*have = n != nil && err == nil
	if !*have {
		return s.fieldError(err, where, field, "an integer")
	}
	return s.wrap(n.integerErr(dst), where, field)
}

// missingInteger is the error for a required integer field that is absent or null.
func missingInteger(where func(string) string, field string) error {
	return fmt.Errorf("%s: missing, want an integer", where(field))
}

// cocoCategory reads categories[i].
func (s *jsonScanner) cocoCategory(path string, i int) (COCOCategory, error) {
	var c COCOCategory
	line, err := s.startObject(path, "categories", i)
	if err != nil {
		return c, err
	}
	where := func(field string) string {
		return fmt.Sprintf("metrics: %s:%d: categories[%d]: %s", path, line, i, field)
	}
	haveID := false
	err = s.object(cocoCatKeys, func(f int) error {
		switch f {
		case 0:
			return s.integerField(where, "id", &c.ID, &haveID)
		case 1:
			name, err := s.stringOrNull()
			c.Name = name
			return s.fieldError(err, where, "name", "a string")
		}
		return s.skip()
	})
	if err == nil && !haveID {
		err = missingInteger(where, "id")
	}
	return c, err
}

// cocoAnnotation reads annotations[i].
func (s *jsonScanner) cocoAnnotation(path string, i int) (COCOAnnotation, error) {
	var a COCOAnnotation
	line, err := s.startObject(path, "annotations", i)
	if err != nil {
		return a, err
	}
	where := func(field string) string {
		return fmt.Sprintf("metrics: %s:%d: annotations[%d]: %s", path, line, i, field)
	}
	var have [5]bool
	nbox := 0
	err = s.object(cocoAnnKeys, func(f int) error {
		var err error
		switch f {
		case -1:
			return s.skip()
		case 3:
			nbox, err = s.numbers(a.BBox[:])
			return s.fieldError(err, where, "bbox", "x, y, w, h")
		case 5:
			a.IsCrowd, err = s.flag()
			return s.fieldError(err, where, "iscrowd", "0, 1, false or true")
		}
		n, err := s.numberOrNull()
		have[f] = n != nil
		if n == nil || err != nil {
			return s.fieldError(err, where, cocoAnnKeys[f], "a number")
		}
		switch f {
		case 0:
			err = n.integerErr(&a.ID)
		case 1:
			err = n.integerErr(&a.ImageID)
		case 2:
			err = n.integerErr(&a.CategoryID)
		case 4:
			a.Area, err = n.float()
		}
		return s.wrap(err, where, cocoAnnKeys[f])
	})
	switch {
	case err != nil:
		return a, err
	case !have[0]:
		return a, missingInteger(where, "id")
	case !have[1]:
		return a, fmt.Errorf("%s (id %d): missing, want an integer", where("image_id"), a.ID)
	case !have[2]:
		return a, fmt.Errorf("%s (id %d): missing, want an integer", where("category_id"), a.ID)
	case nbox != 4:
		return a, fmt.Errorf("%s (id %d): %d numbers, want x, y, w, h", where("bbox"), a.ID, nbox)
	case !have[4]:
		return a, fmt.Errorf("%s (id %d): missing, want a number (the area ranges test it)", where("area"), a.ID)
	}
	return a, nil
}

// ReadCOCOResults reads a COCO results json file for gt as a stream; see
// [DecodeCOCOResults].
func ReadCOCOResults(path string, gt *COCOGroundTruth) ([]COCODetection, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("metrics: COCO results: %w", err)
	}
	defer f.Close()
	return DecodeCOCOResults(path, f, gt)
}

// ParseCOCOResults parses the contents of a COCO results file named path; see
// [DecodeCOCOResults].
func ParseCOCOResults(path string, data []byte, gt *COCOGroundTruth) ([]COCODetection, error) {
	return DecodeCOCOResults(path, bytes.NewReader(data), gt)
}

// cocoResultKeys are the fields of a result that are read; others are skipped.
var cocoResultKeys = []string{"image_id", "category_id", "bbox", "score"}

// DecodeCOCOResults reads a COCO results file named path (the name is only used in
// messages) from r: a JSON array of {"image_id", "category_id", "bbox": [x, y, w, h],
// "score"} (other fields are skipped; a field given twice keeps its last value, as
// Python's json does). It reads r as a stream through a small window, never holding
// the whole file. As pycocotools' loadRes it gives each detection the area w*h and no
// crowd flag, and refuses results for an image that is not in gt ("Results do not
// correspond to current coco set"); detections of a category gt does not list are kept
// here and left out (counted) by [EvaluateCOCO]. An empty array is valid here (no
// detections: every AP is 0); pycocotools raises an IndexError on it. Ids may be
// written 7 or 7.0; null is the same as an absent field. Errors name path, the line
// and, for a bad result, its index and field, and what was expected.
func DecodeCOCOResults(path string, r io.Reader, gt *COCOGroundTruth) ([]COCODetection, error) {
	const want = "a COCO results array [{image_id, category_id, bbox, score}, ...]"
	images := make(map[int64]struct{}, len(gt.Images))
	for _, im := range gt.Images {
		images[im.ID] = struct{}{}
	}
	s := newJSONScanner(r)
	k, err := s.startValue()
	if err != nil {
		return nil, s.fail(path, want, err)
	}
	if k != '[' {
		return nil, fmt.Errorf("metrics: %s:%d: the file is a JSON %s, want %s", path, s.line, kindName(k), want)
	}
	// Results go into fixed-size blocks, copied once into a slice of the exact length
	// at the end: appending to one slice would copy it again and again as it grows.
	var blocks [][]COCODetection
	block := make([]COCODetection, 0, 4096)
	lastImage, known := int64(0), false // the previous result's image (results come grouped)
	err = s.array(func(i int) error {
		d, line, err := s.cocoResult(path, i)
		if err != nil {
			return err
		}
		if !known || d.ImageID != lastImage {
			if _, ok := images[d.ImageID]; !ok {
				return fmt.Errorf("metrics: %s:%d: result %d: image_id %d is not an image of %s, want results for its images only", path, line, i, d.ImageID, gt.Path)
			}
			lastImage, known = d.ImageID, true
		}
		if len(block) == cap(block) {
			blocks = append(blocks, block)
			block = make([]COCODetection, 0, min(2*cap(block), 1<<16))
		}
		block = append(block, d)
		return nil
	})
	if err != nil {
		return nil, s.fail(path, want, err)
	}
	if _, err := s.peek(); err == nil {
		return nil, fmt.Errorf("metrics: %s:%d: data after the results array, want one array", path, s.line)
	} else if !errors.Is(err, io.EOF) {
		return nil, s.fail(path, want, err)
	}
	n := len(block)
	for _, b := range blocks {
		n += len(b)
	}
	dts := make([]COCODetection, 0, n)
	for _, b := range blocks {
		dts = append(dts, b...)
	}
	return append(dts, block...), nil
}

// cocoResult reads result i (an object) and returns it with the line it starts on;
// a string image_id is refused (results for a ground truth have integer ids).
func (s *jsonScanner) cocoResult(path string, i int) (COCODetection, int, error) {
	d, _, line, err := s.cocoResultAny(path, i, false)
	return d, line, err
}

// cocoResultAny reads result i (an object): its detection, and its image_id as
// written when it is a string and strings are allowed (image then holds it and
// d.ImageID is 0), with the line it starts on. One reader serves
// DecodeCOCOResults (integer ids, the fast path) and ParseCOCOResultEntries.
func (s *jsonScanner) cocoResultAny(path string, i int, strings bool) (d COCODetection, image *string, line int, err error) {
	line, err = s.startObject(path, "result", i)
	if err != nil {
		return d, nil, line, err
	}
	where := func(field string) string { return fmt.Sprintf("metrics: %s:%d: result %d: %s", path, line, i, field) }
	var have [4]bool
	nbox := 0
	idWant := "an integer"
	if strings {
		idWant = "an integer or a string"
	}
	err = s.object(cocoResultKeys, func(f int) error {
		if f < 0 {
			return s.skip()
		}
		field := cocoResultKeys[f]
		if f == 2 { // bbox
			var err error
			nbox, err = s.numbers(d.BBox[:])
			return s.fieldError(err, where, field, "x, y, w, h")
		}
		if c, err := s.peek(); f == 0 && strings && err == nil && c == '"' {
			str, err := s.stringOrNull()
			image, have[0] = &str, err == nil
			return s.fieldError(err, where, field, idWant)
		}
		n, err := s.numberOrNull()
		if err != nil {
			want := "a number"
			if f == 0 && strings {
				want = idWant
			}
			return s.fieldError(err, where, field, want)
		}
		have[f] = n != nil
		if n == nil {
			return nil
		}
		switch f {
		case 0:
			err = n.integerErr(&d.ImageID)
		case 1:
			err = n.integerErr(&d.CategoryID)
		case 3:
			d.Score, err = n.float()
		}
		return s.wrap(err, where, field)
	})
	switch {
	case err != nil:
		return d, image, line, err
	case !have[0]:
		return d, image, line, fmt.Errorf("%s: missing, want %s", where("image_id"), idWant)
	case !have[1]:
		return d, image, line, fmt.Errorf("%s: missing, want an integer", where("category_id"))
	case nbox != 4:
		return d, image, line, fmt.Errorf("%s: %d numbers, want x, y, w, h", where("bbox"), nbox)
	case !have[3]:
		return d, image, line, fmt.Errorf("%s: missing, want a number", where("score"))
	}
	return d, image, line, nil
}

// COCOResultEntry is one entry of a COCO results file as written, before its
// image id is checked against a ground truth.
type COCOResultEntry struct {
	// Image is the image_id as written: the digits of an integer id (7.0 reads
	// as 7), or the text of a string id (Ultralytics' predictions.json holds
	// the file stem as a string when it is not a number).
	Image string
	// ImageIsString is true for a string image_id.
	ImageIsString bool
	CategoryID    int64
	BBox          [4]float64 // x, y, w, h
	Score         float64
	// Index is the entry's 0-based index in the array, Line its 1-based line.
	Index, Line int
}

// ParseCOCOResultEntries parses a COCO results file named path, a JSON array
// of {"image_id", "category_id", "bbox": [x, y, w, h], "score"} (other fields
// are ignored), without a ground truth: image ids are kept as written, as an
// integer or a string. It reads with the same scanner as DecodeCOCOResults;
// errors name path, the entry and its line.
func ParseCOCOResultEntries(path string, data []byte) ([]COCOResultEntry, error) {
	const want = "a COCO results array [{image_id, category_id, bbox, score}, ...]"
	s := newJSONScanner(bytes.NewReader(data))
	k, err := s.startValue()
	if err != nil {
		return nil, s.fail(path, want, err)
	}
	if k != '[' {
		return nil, fmt.Errorf("metrics: %s:%d: the file is a JSON %s, want %s", path, s.line, kindName(k), want)
	}
	entries := []COCOResultEntry{}
	err = s.array(func(i int) error {
		e, err := s.cocoResultEntry(path, i)
		entries = append(entries, e)
		return err
	})
	if err != nil {
		return nil, s.fail(path, want, err)
	}
	if _, err := s.peek(); err == nil {
		return nil, fmt.Errorf("metrics: %s:%d: data after the results array, want one array", path, s.line)
	} else if !errors.Is(err, io.EOF) {
		return nil, s.fail(path, want, err)
	}
	return entries, nil
}

// cocoResultEntry reads result i (an object) with its image_id as written.
func (s *jsonScanner) cocoResultEntry(path string, i int) (COCOResultEntry, error) {
	d, image, line, err := s.cocoResultAny(path, i, true)
	e := COCOResultEntry{CategoryID: d.CategoryID, BBox: d.BBox, Score: d.Score, Index: i, Line: line}
	if image != nil {
		e.Image, e.ImageIsString = *image, true
	} else {
		e.Image = strconv.FormatInt(d.ImageID, 10)
	}
	return e, err
}

// EvaluateCOCO evaluates detections against a COCO ground truth as pycocotools'
// COCOeval(gt, gt.loadRes(dts), "bbox") with default parameters: every image and
// category of gt; annotations of unlisted images are not evaluated and, like
// annotations and detections of unlisted categories, counted as dropped. It fails
// when a detection names an image gt does not list.
func EvaluateCOCO(gt *COCOGroundTruth, dts []COCODetection) (COCOSummary, error) {
	e, err := NewCOCOEvaluatorFor(gt)
	if err != nil {
		return COCOSummary{}, err
	}
	ids := make([]int64, len(gt.Images))
	index := make(map[int64]int, len(gt.Images))
	for i, im := range gt.Images {
		ids[i] = im.ID
	}
	slices.Sort(ids)
	for i, id := range ids {
		index[id] = i
	}
	gtBy := make([][]COCOAnnotation, len(ids))
	droppedGT := 0
	for _, a := range gt.Annotations {
		i, ok := index[a.ImageID]
		if !ok {
			droppedGT++
			continue
		}
		gtBy[i] = append(gtBy[i], a)
	}
	dtBy, err := groupByImage(dts, index)
	if err != nil {
		return COCOSummary{}, fmt.Errorf("metrics: %w, not an image of %s", err, gt.Path)
	}
	// The kept detections per category are known up front (each image's, cut to
	// COCOMaxDets per category): reserve them rather than grow by appending.
	perImage, kept := make([]int, len(e.catIDs)), make([]int, len(e.catIDs))
	for _, d := range dtBy {
		for _, x := range d {
			if k, ok := e.catIndex[x.CategoryID]; ok {
				perImage[k]++
			}
		}
		for k, n := range perImage {
			kept[k] += min(n, COCOMaxDets)
		}
		clear(perImage)
	}
	for k, n := range kept {
		e.Reserve(e.catIDs[k], n)
	}
	for i, id := range ids {
		if err := e.AddImage(id, gtBy[i], dtBy[i]); err != nil {
			return COCOSummary{}, fmt.Errorf("%s: %w", gt.Path, err)
		}
	}
	e.droppedGT += droppedGT
	return e.Summarize(), nil
}

// groupByImage splits dts by image: out[index[id]] holds the detections of image id in
// their order in dts. When each image's detections are one run in dts (as results files
// are usually written) the groups are sub-slices of dts; otherwise they share one new
// array. It fails on a detection of an image not in index.
func groupByImage(dts []COCODetection, index map[int64]int) ([][]COCODetection, error) {
	pos := make([]int32, len(dts)) // image position of each detection
	count := make([]int, len(index))
	runs := true
	for j := range dts {
		id := dts[j].ImageID
		if j > 0 && id == dts[j-1].ImageID {
			pos[j] = pos[j-1]
			count[pos[j]]++
			continue
		}
		i, ok := index[id]
		if !ok {
			return nil, fmt.Errorf("detection %d has image_id %d", j, id)
		}
		if count[i] > 0 {
			runs = false // a second run of the same image
		}
		pos[j] = int32(i)
		count[i]++
	}
	out := make([][]COCODetection, len(index))
	if runs {
		for j := 0; j < len(dts); {
			i := pos[j]
			out[i] = dts[j : j+count[i] : j+count[i]]
			j += count[i]
		}
		return out, nil
	}
	all := make([]COCODetection, len(dts))
	off := 0
	for i, n := range count {
		out[i] = all[off : off : off+n]
		off += n
	}
	for j, d := range dts {
		out[pos[j]] = append(out[pos[j]], d)
	}
	return out, nil
}

// NewCOCOEvaluatorFor returns an empty evaluator for the categories of gt.
func NewCOCOEvaluatorFor(gt *COCOGroundTruth) (*COCOEvaluator, error) {
	cats := make([]int64, len(gt.Categories))
	for i, c := range gt.Categories {
		cats[i] = c.ID
	}
	e, err := NewCOCOEvaluator(cats)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", gt.Path, err)
	}
	return e, nil
}
