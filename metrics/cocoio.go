package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
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

// ReadCOCOGroundTruth reads a COCO instances json file; see [ParseCOCOGroundTruth].
func ReadCOCOGroundTruth(path string) (*COCOGroundTruth, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("metrics: COCO ground truth: %w", err)
	}
	return ParseCOCOGroundTruth(path, data)
}

type rawCOCOFile struct {
	Images *[]struct {
		ID       *json.Number `json:"id"`
		FileName string       `json:"file_name"`
		Width    float64      `json:"width"`
		Height   float64      `json:"height"`
	} `json:"images"`
	Categories *[]struct {
		ID   *json.Number `json:"id"`
		Name string       `json:"name"`
	} `json:"categories"`
	Annotations []struct {
		ID         *json.Number    `json:"id"`
		ImageID    *json.Number    `json:"image_id"`
		CategoryID *json.Number    `json:"category_id"`
		BBox       []float64       `json:"bbox"`
		Area       *float64        `json:"area"`
		IsCrowd    json.RawMessage `json:"iscrowd"`
	} `json:"annotations"`
}

// ParseCOCOGroundTruth parses the contents of a COCO instances file named path (the
// name is only used in messages). It needs "images" (each with an integer "id"),
// "categories" (each with an integer "id") and, for each entry of "annotations"
// (which may be absent: no objects), "id", "image_id", "category_id", "bbox" as four
// numbers x, y, w, h, and "area". "iscrowd" (0/1 or false/true) defaults to 0 when
// absent; pycocotools would raise a KeyError then. An "ignore" field is not read:
// pycocotools overwrites it with iscrowd. Ids may be written 7 or 7.0.
//
// It fails, naming path and the entry, on malformed JSON, a missing or mistyped field,
// a duplicate image, category or annotation id (pycocotools would silently keep the
// last image or category, and evaluate the last of two same-id annotations twice).
// Annotations of images not listed or of categories not listed are kept here and
// left out (counted) by [EvaluateCOCO], as pycocotools leaves them out.
func ParseCOCOGroundTruth(path string, data []byte) (*COCOGroundTruth, error) {
	var raw rawCOCOFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonError(path, data, "a COCO instances object {images, annotations, categories}", err)
	}
	if raw.Images == nil {
		return nil, fmt.Errorf("metrics: %s: no \"images\" list, want a COCO instances file", path)
	}
	if raw.Categories == nil {
		return nil, fmt.Errorf("metrics: %s: no \"categories\" list, want a COCO instances file", path)
	}
	gt := &COCOGroundTruth{Path: path}
	seen := map[int64]int{}
	for i, im := range *raw.Images {
		id, err := cocoID(im.ID)
		if err != nil {
			return nil, fmt.Errorf("metrics: %s: images[%d]: id: %w", path, i, err)
		}
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("metrics: %s: images[%d] and images[%d] have the same id %d, want unique image ids", path, j, i, id)
		}
		seen[id] = i
		gt.Images = append(gt.Images, COCOImage{ID: id, FileName: im.FileName, Width: int(im.Width), Height: int(im.Height)})
	}
	clear(seen)
	for i, c := range *raw.Categories {
		id, err := cocoID(c.ID)
		if err != nil {
			return nil, fmt.Errorf("metrics: %s: categories[%d]: id: %w", path, i, err)
		}
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("metrics: %s: categories[%d] and categories[%d] have the same id %d, want unique category ids", path, j, i, id)
		}
		seen[id] = i
		gt.Categories = append(gt.Categories, COCOCategory{ID: id, Name: c.Name})
	}
	clear(seen)
	gt.Annotations = make([]COCOAnnotation, 0, len(raw.Annotations))
	for i, a := range raw.Annotations {
		var ann COCOAnnotation
		var err error
		where := func(field string) string { return fmt.Sprintf("metrics: %s: annotations[%d]: %s", path, i, field) }
		if ann.ID, err = cocoID(a.ID); err != nil {
			return nil, fmt.Errorf("%s: %w", where("id"), err)
		}
		if j, dup := seen[ann.ID]; dup {
			return nil, fmt.Errorf("metrics: %s: annotations[%d] and annotations[%d] have the same id %d, want unique annotation ids", path, j, i, ann.ID)
		}
		seen[ann.ID] = i
		if ann.ImageID, err = cocoID(a.ImageID); err != nil {
			return nil, fmt.Errorf("%s (id %d): %w", where("image_id"), ann.ID, err)
		}
		if ann.CategoryID, err = cocoID(a.CategoryID); err != nil {
			return nil, fmt.Errorf("%s (id %d): %w", where("category_id"), ann.ID, err)
		}
		if len(a.BBox) != 4 {
			return nil, fmt.Errorf("%s (id %d): %d numbers, want x, y, w, h", where("bbox"), ann.ID, len(a.BBox))
		}
		ann.BBox = [4]float64(a.BBox)
		if a.Area == nil {
			return nil, fmt.Errorf("%s (id %d): missing, want a number (the area ranges test it)", where("area"), ann.ID)
		}
		ann.Area = *a.Area
		if ann.IsCrowd, err = cocoFlag(a.IsCrowd); err != nil {
			return nil, fmt.Errorf("%s (id %d): %w", where("iscrowd"), ann.ID, err)
		}
		gt.Annotations = append(gt.Annotations, ann)
	}
	return gt, nil
}

// cocoID converts a JSON number holding an integer (7 or 7.0) to int64.
func cocoID(n *json.Number) (int64, error) {
	if n == nil {
		return 0, errors.New("missing, want an integer")
	}
	if v, err := strconv.ParseInt(string(*n), 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(string(*n), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%s, want an integer", *n)
	}
	return int64(f), nil
}

// cocoFlag reads iscrowd: absent or null is false, else a number (non-zero is true) or
// a boolean.
func cocoFlag(raw json.RawMessage) (bool, error) {
	s := string(bytes.TrimSpace(raw))
	switch s {
	case "", "null", "false":
		return false, nil
	case "true":
		return true, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return false, fmt.Errorf("%s, want 0, 1, false or true", s)
	}
	return f != 0, nil
}

// jsonError turns a decoding error into one naming the file, the line and what was
// expected.
func jsonError(path string, data []byte, want string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("metrics: %s:%d: malformed JSON (%w), want %s", path, lineAt(data, se.Offset), err, want)
	case errors.As(err, &te) && te.Field == "":
		// The whole document has the wrong type (e.g. a results array given as the ground truth): say what was
		// wanted in COCO terms, not as the Go type.
		return fmt.Errorf("metrics: %s:%d: the file is a JSON %s, want %s (%w)", path, lineAt(data, te.Offset), te.Value, want, err)
	case errors.As(err, &te):
		return fmt.Errorf("metrics: %s:%d: field %q is a JSON %s, want %s (%w)", path, lineAt(data, te.Offset), te.Field, te.Value, te.Type, err)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("metrics: %s: empty or truncated JSON, want %s: %w", path, want, err)
	default:
		return fmt.Errorf("metrics: %s: %w (want %s)", path, err, want)
	}
}

// lineAt is the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// ReadCOCOResults reads a COCO results json file for gt; see [ParseCOCOResults].
func ReadCOCOResults(path string, gt *COCOGroundTruth) ([]COCODetection, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("metrics: COCO results: %w", err)
	}
	return ParseCOCOResults(path, data, gt)
}

type rawCOCOResult struct {
	ImageID    json.RawMessage `json:"image_id"`
	CategoryID *json.Number    `json:"category_id"`
	BBox       []float64       `json:"bbox"`
	Score      *float64        `json:"score"`
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
// integer or a string. Errors name path, the entry and its line.
func ParseCOCOResultEntries(path string, data []byte) ([]COCOResultEntry, error) {
	const want = "a COCO results array [{image_id, category_id, bbox, score}, ...]"
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(path, data, want, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("metrics: %s:%d: JSON starts with %v, want %s", path, lineAt(data, dec.InputOffset()), tok, want)
	}
	entries := []COCOResultEntry{}
	// Lines are counted incrementally from the previous entry: counting from the
	// start of the file for every entry made loading quadratic (31 s for 100 000
	// results).
	line, lineOff := 1, int64(0)
	for i := 0; dec.More(); i++ {
		off := min(max(dec.InputOffset(), lineOff), int64(len(data)))
		// The decoder stands before the comma that ends the previous entry:
		// the entry starts after it and the blanks that follow.
		for off < int64(len(data)) && bytes.IndexByte([]byte(", \t\r\n"), data[off]) >= 0 {
			off++
		}
		line += bytes.Count(data[lineOff:off], []byte{'\n'})
		lineOff = off
		var r rawCOCOResult
		if err := dec.Decode(&r); err != nil {
			return nil, jsonError(path, data, want, err)
		}
		where := func(field string) string { return fmt.Sprintf("metrics: %s:%d: result %d: %s", path, line, i, field) }
		e := COCOResultEntry{Index: i, Line: line}
		if e.Image, e.ImageIsString, err = cocoImageKey(r.ImageID); err != nil {
			return nil, fmt.Errorf("%s: %w", where("image_id"), err)
		}
		if e.CategoryID, err = cocoID(r.CategoryID); err != nil {
			return nil, fmt.Errorf("%s: %w", where("category_id"), err)
		}
		if len(r.BBox) != 4 {
			return nil, fmt.Errorf("%s: %d numbers, want x, y, w, h", where("bbox"), len(r.BBox))
		}
		e.BBox = [4]float64(r.BBox)
		if r.Score == nil {
			return nil, fmt.Errorf("%s: missing, want a number", where("score"))
		}
		e.Score = *r.Score
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonError(path, data, want, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("metrics: %s:%d: data after the results array, want one array", path, lineAt(data, dec.InputOffset()))
	}
	return entries, nil
}

// cocoImageKey reads an image_id: an integer (as cocoID) or a string.
func cocoImageKey(raw json.RawMessage) (string, bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, fmt.Errorf("%s: %w", raw, err)
		}
		return s, true, nil
	}
	var n *json.Number
	if len(raw) > 0 && string(raw) != "null" {
		v := json.Number(raw)
		n = &v
	}
	id, err := cocoID(n)
	if err != nil {
		return "", false, err
	}
	return strconv.FormatInt(id, 10), false, nil
}

// ParseCOCOResults parses a COCO results file named path (see
// [ParseCOCOResultEntries]) for gt. As pycocotools' loadRes it gives each
// detection the area w*h and no crowd flag, and refuses results for an image
// that is not in gt ("Results do not correspond to current coco set"), or
// whose image_id is a string; detections of a category gt does not list are
// kept here and left out (counted) by [EvaluateCOCO]. An empty array is valid
// here (no detections: every AP is 0); pycocotools raises an IndexError on it.
// Errors name path, the entry and its line.
func ParseCOCOResults(path string, data []byte, gt *COCOGroundTruth) ([]COCODetection, error) {
	entries, err := ParseCOCOResultEntries(path, data)
	if err != nil {
		return nil, err
	}
	images := make(map[int64]struct{}, len(gt.Images))
	for _, im := range gt.Images {
		images[im.ID] = struct{}{}
	}
	dts := make([]COCODetection, 0, len(entries))
	for _, e := range entries {
		where := fmt.Sprintf("metrics: %s:%d: result %d: image_id", path, e.Line, e.Index)
		if e.ImageIsString {
			return nil, fmt.Errorf("%s %q is a string, want an integer image id of %s", where, e.Image, gt.Path)
		}
		id, _ := strconv.ParseInt(e.Image, 10, 64)
		if _, ok := images[id]; !ok {
			return nil, fmt.Errorf("%s %d is not an image of %s, want results for its images only", where, id, gt.Path)
		}
		dts = append(dts, COCODetection{ImageID: id, CategoryID: e.CategoryID, BBox: e.BBox, Score: e.Score})
	}
	return dts, nil
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
	dtBy := make([][]COCODetection, len(ids))
	for j, d := range dts {
		i, ok := index[d.ImageID]
		if !ok {
			return COCOSummary{}, fmt.Errorf("metrics: detection %d has image_id %d, not an image of %s", j, d.ImageID, gt.Path)
		}
		dtBy[i] = append(dtBy[i], d)
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
