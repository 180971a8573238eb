package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/detparity/detparity/box"
)

// COCOBoxTolerance is how far, in pixels, a COCO bbox may extend beyond the image
// (x < 0, y < 0, x+w > width, y+h > height) and still be accepted; the box is kept as
// written, not clipped. COCO boxes are the bounds of float polygon vertices that
// annotation tools may place on the outer edge of the last pixel, and are rounded to
// two decimals in the json, so small overshoots are legitimate; a box that is off by
// more than a pixel belongs to a differently sized or rotated copy of the image.
const COCOBoxTolerance = 1.0

// cocoObject is one annotation kept for Labels: the box, the class index, the crowd
// flag and the area, plus where it came from for messages.
type cocoObject struct {
	obj   box.Object
	crowd bool
	area  float64
	index int   // position in "annotations"
	id    int64 // annotation id
}

// rawCOCO is the subset of a COCO instances file that OpenCOCO reads; other fields
// (segmentation, info, licenses, ...) are ignored.
type rawCOCO struct {
	Images *[]struct {
		ID       *json.Number `json:"id"`
		FileName *string      `json:"file_name"`
		Width    *json.Number `json:"width"`
		Height   *json.Number `json:"height"`
	} `json:"images"`
	Categories *[]struct {
		ID   *json.Number `json:"id"`
		Name *string      `json:"name"`
	} `json:"categories"`
	Annotations []struct {
		ID         *json.Number    `json:"id"`
		ImageID    *json.Number    `json:"image_id"`
		CategoryID *json.Number    `json:"category_id"`
		BBox       []json.Number   `json:"bbox"`
		Area       *json.Number    `json:"area"`
		IsCrowd    json.RawMessage `json:"iscrowd"`
	} `json:"annotations"`
}

// cocoCandidates lists the COCO instances files Open looks for in dir, sorted:
// dir/annotations.json and dir/annotations/instances_*.json.
func cocoCandidates(dir string) ([]string, error) {
	var out []string
	if st, err := os.Stat(filepath.Join(dir, "annotations.json")); err == nil && st.Mode().IsRegular() {
		out = append(out, filepath.Join(dir, "annotations.json"))
	}
	m, err := filepath.Glob(filepath.Join(dir, "annotations", "instances_*.json"))
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: look for COCO files: %w", dir, err)
	}
	for _, p := range m {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// OpenCOCO reads the COCO instances file annotationsJSON (the "images", "categories"
// and "annotations" of pycocotools' format) for the images under imagesDir.
//
// Items: one per "images" entry, its "file_name" (a slash path, relative) resolved
// under imagesDir, Item.ID its "id", Item.Width/Height its "width"/"height" (0 when
// absent), Item.LabelPath the json; sorted by Name. Image files under imagesDir that
// no entry names are listed in Dataset.Unlisted. Names: the categories sorted by id,
// class index = position, Dataset.CategoryIDs their ids. Annotations: "bbox" [x, y, w,
// h] in pixels, "iscrowd" (0/1 or false/true, absent = 0) and "area" (a finite number
// >= 0; absent: the box area, counted in WarnMissingArea); see LabelsDetailed and Truth.
//
// Every annotation is checked here, so a bad file is found before any image is
// decoded. It fails, naming the json and the entry, on: malformed JSON (with its
// line); missing "images" or "categories"; an id, image_id or category_id that is
// missing or not an integer; duplicate image, category or annotation ids; an image
// without file_name, with a file_name that is absolute or leaves imagesDir, named by
// two entries, or whose file does not exist (naming the json and the file); a width
// or height that is not a non-negative integer; a category without a name; an
// annotation of an image or category not listed; a bbox that is not four numbers,
// has w <= 0 or h <= 0 (Ultralytics' convert_coco drops such boxes silently), or
// leaves the stated image size by more than COCOBoxTolerance; no images at all.
// Backslashes in file_name are read as folder separators. Dataset.Dir is imagesDir.
//
// The json must be a regular file of at most o.MaxIndexBytes. Image files under
// imagesDir that no entry names are listed in Dataset.Unlisted and counted in
// Dataset.Warnings (WarnUnlistedImage), as are files skipped for their type, hidden
// ones and links leading outside imagesDir (the folder is walked as Open walks one).
func OpenCOCO(ctx context.Context, imagesDir, annotationsJSON string, o Options) (*Dataset, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	return openCOCO(ctx, imagesDir, imagesDir, annotationsJSON, o)
}

// openCOCO is OpenCOCO with the dataset folder dir (Dataset.Dir; Open passes the folder
// holding images/).
func openCOCO(ctx context.Context, dir, imagesDir, annotationsJSON string, o Options) (*Dataset, error) {
	if !isDir(imagesDir) {
		return nil, fmt.Errorf("dataset: COCO images folder %s is not a directory", imagesDir)
	}
	data, err := readRegular(annotationsJSON, o.MaxIndexBytes, "Options.MaxIndexBytes")
	if err != nil {
		return nil, fmt.Errorf("dataset: COCO annotations: %w", err)
	}
	js := annotationsJSON
	ws := newWarnings(dir, o)
	var raw rawCOCO
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, cocoJSONError(js, data, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dataset: %s: stopped after reading it: %w", js, err)
	}
	if raw.Images == nil {
		return nil, fmt.Errorf("dataset: %s: no \"images\" list, expected a COCO instances file", js)
	}
	if raw.Categories == nil {
		return nil, fmt.Errorf("dataset: %s: no \"categories\" list, expected a COCO instances file", js)
	}
	if len(*raw.Images) == 0 {
		return nil, fmt.Errorf("dataset: %s: \"images\" is empty, expected at least one image", js)
	}

	// Categories, sorted by id.
	type cat struct {
		id   int64
		name string
	}
	cats := make([]cat, 0, len(*raw.Categories))
	catAt := map[int64]int{}
	for i, c := range *raw.Categories {
		id, err := cocoInt(c.ID)
		if err != nil {
			return nil, fmt.Errorf("dataset: %s: categories[%d]: id: %w", js, i, err)
		}
		if j, dup := catAt[id]; dup {
			return nil, fmt.Errorf("dataset: %s: categories[%d] and categories[%d] have the same id %d, expected unique category ids", js, j, i, id)
		}
		catAt[id] = i
		if c.Name == nil || strings.TrimSpace(*c.Name) == "" {
			return nil, fmt.Errorf("dataset: %s: categories[%d] (id %d): no name, expected a class name", js, i, id)
		}
		cats = append(cats, cat{id, *c.Name})
	}
	sort.Slice(cats, func(i, j int) bool { return cats[i].id < cats[j].id })
	ds := &Dataset{Dir: dir, Format: FormatCOCO, NamesFile: js, imagesDir: imagesDir, coco: map[int64][]cocoObject{}, Orphans: []string{}}
	class := make(map[int64]int, len(cats))
	for k, c := range cats {
		ds.Names = append(ds.Names, c.name)
		ds.CategoryIDs = append(ds.CategoryIDs, c.id)
		class[c.id] = k
	}

	// Images.
	imgAt := map[int64]int{}
	byName := map[string]int{}
	items := make([]Item, 0, len(*raw.Images))
	for i, im := range *raw.Images {
		id, err := cocoInt(im.ID)
		if err != nil {
			return nil, fmt.Errorf("dataset: %s: images[%d]: id: %w", js, i, err)
		}
		if j, dup := imgAt[id]; dup {
			return nil, fmt.Errorf("dataset: %s: images[%d] and images[%d] have the same id %d, expected unique image ids", js, j, i, id)
		}
		imgAt[id] = len(items)
		where := fmt.Sprintf("dataset: %s: images[%d] (id %d)", js, i, id)
		if im.FileName == nil || *im.FileName == "" {
			return nil, fmt.Errorf("%s: no file_name, expected the image path relative to %s", where, imagesDir)
		}
		name, err := relName(*im.FileName)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if j, dup := byName[name]; dup {
			return nil, fmt.Errorf("%s: file_name %q also named by images[%d], expected each file once", where, name, j)
		}
		byName[name] = i
		it := Item{Name: name, ImagePath: filepath.Join(imagesDir, filepath.FromSlash(name)), LabelPath: js, ID: id}
		if it.Width, err = cocoSize(im.Width); err != nil {
			return nil, fmt.Errorf("%s: width: %w", where, err)
		}
		if it.Height, err = cocoSize(im.Height); err != nil {
			return nil, fmt.Errorf("%s: height: %w", where, err)
		}
		st, err := os.Stat(it.ImagePath)
		if err != nil {
			return nil, fmt.Errorf("%s: file_name %q: image file %s does not exist", where, name, it.ImagePath)
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: file_name %q: image file %s is %s: %w, expected an image file", where, name, it.ImagePath, describeMode(st.Mode()), ErrNotRegular)
		}
		items = append(items, it)
		ds.coco[id] = nil
	}

	// Annotations.
	annAt := map[int64]int{}
	for i, a := range raw.Annotations {
		id, err := cocoInt(a.ID)
		if err != nil {
			return nil, fmt.Errorf("dataset: %s: annotations[%d]: id: %w", js, i, err)
		}
		if j, dup := annAt[id]; dup {
			return nil, fmt.Errorf("dataset: %s: annotations[%d] and annotations[%d] have the same id %d, expected unique annotation ids", js, j, i, id)
		}
		annAt[id] = i
		where := fmt.Sprintf("dataset: %s: annotations[%d] (id %d)", js, i, id)
		imgID, err := cocoInt(a.ImageID)
		if err != nil {
			return nil, fmt.Errorf("%s: image_id: %w", where, err)
		}
		k, ok := imgAt[imgID]
		if !ok {
			return nil, fmt.Errorf("%s: image_id %d is not in \"images\", expected the id of a listed image", where, imgID)
		}
		catID, err := cocoInt(a.CategoryID)
		if err != nil {
			return nil, fmt.Errorf("%s: category_id: %w", where, err)
		}
		c, ok := class[catID]
		if !ok {
			return nil, fmt.Errorf("%s: category_id %d is not in \"categories\", expected one of %v", where, catID, ds.CategoryIDs)
		}
		crowd, err := cocoFlag(a.IsCrowd)
		if err != nil {
			return nil, fmt.Errorf("%s: iscrowd: %w", where, err)
		}
		if len(a.BBox) != 4 {
			return nil, fmt.Errorf("%s: bbox has %d numbers, expected 4 (x, y, w, h)", where, len(a.BBox))
		}
		var v [4]float64
		for n, s := range a.BBox {
			if v[n], err = strconv.ParseFloat(string(s), 64); err != nil || math.IsInf(v[n], 0) {
				if s == "" {
					s = "null"
				}
				return nil, fmt.Errorf("%s: bbox[%d] = %s, expected a finite number", where, n, s)
			}
		}
		if v[2] <= 0 || v[3] <= 0 {
			return nil, fmt.Errorf("%s: bbox %v has w = %g, h = %g, expected a positive width and height", where, a.BBox, v[2], v[3])
		}
		area := v[2] * v[3]
		if a.Area == nil {
			ws.add(WarnMissingArea, fmt.Sprintf("annotations[%d] (id %d)", i, id), 1)
		} else if area, err = strconv.ParseFloat(string(*a.Area), 64); err != nil || math.IsInf(area, 0) || area < 0 {
			return nil, fmt.Errorf("%s: area = %s, expected a finite number >= 0", where, *a.Area)
		}
		o := cocoObject{obj: box.Object{Box: box.Box{X1: v[0], Y1: v[1], X2: v[0] + v[2], Y2: v[1] + v[3]}, Class: c}, crowd: crowd, area: area, index: i, id: id}
		if it := items[k]; it.Width > 0 && it.Height > 0 {
			if err := o.inside(it.Width, it.Height); err != nil {
				return nil, fmt.Errorf("%s: %w (the size in \"images\")", where, err)
			}
		}
		ds.coco[imgID] = append(ds.coco[imgID], o)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	ds.Items = items

	// Image files no entry names.
	if ds.Unlisted, err = unlistedImages(ctx, imagesDir, dir, ws, func(rel string) bool { return named(byName, rel) }); err != nil {
		return nil, err
	}
	ds.Warnings = ws.list()
	return ds, nil
}

// unlistedImages lists, sorted and slash-separated relative to dir, the image
// files under dir that known does not name (COCO and VOC annotations list their
// images; a file they leave out is reported, not evaluated), and counts them in ws
// (WarnUnlistedImage) with the files skipped for their type. The folder is walked as
// Open walks one; links leading outside root are counted.
func unlistedImages(ctx context.Context, dir, root string, ws *warnings, known func(rel string) bool) ([]string, error) {
	out := []string{}
	err := newWalker(ctx, ws).walk(dir, root, func(p string, _ fs.FileInfo) error {
		if isSkippedImageExt(p) {
			ws.add(WarnSkippedType, p, 1)
		}
		if !isImageExt(p) {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return fmt.Errorf("dataset: %s: %w", p, err)
		}
		if rel = filepath.ToSlash(rel); !known(rel) {
			out = append(out, rel)
			ws.add(WarnUnlistedImage, p, 1)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// named reports whether name is a key of m.
func named(m map[string]int, name string) bool {
	_, ok := m[name]
	return ok
}

// inside checks that the box of o lies in a w x h image within COCOBoxTolerance.
func (o cocoObject) inside(w, h int) error {
	b := o.obj.Box
	t := COCOBoxTolerance
	if b.X1 < -t || b.Y1 < -t || b.X2 > float64(w)+t || b.Y2 > float64(h)+t {
		return fmt.Errorf("bbox [%g, %g, %g, %g] reaches x %g..%g, y %g..%g, outside the %dx%d image (tolerance %g px)",
			b.X1, b.Y1, b.W(), b.H(), b.X1, b.X2, b.Y1, b.Y2, w, h, t)
	}
	return nil
}

// cocoLabels is LabelsDetailed for a COCO dataset.
func (d *Dataset) cocoLabels(it Item, imgW, imgH int) ([]Truth, error) {
	anns, ok := d.coco[it.ID]
	if !ok {
		return nil, fmt.Errorf("dataset: %s: image id %d is not in %s", it.ImagePath, it.ID, d.NamesFile)
	}
	if err := checkSize(it, imgW, imgH); err != nil {
		return nil, err
	}
	out := make([]Truth, len(anns))
	for k, a := range anns {
		if err := a.inside(imgW, imgH); err != nil {
			return nil, fmt.Errorf("dataset: %s: annotations[%d] (id %d) of %s: %w", it.LabelPath, a.index, a.id, it.ImagePath, err)
		}
		out[k] = Truth{Object: a.obj, Crowd: a.crowd, Area: a.area, ID: a.id}
	}
	return out, nil
}

// relName cleans a relative slash path naming a file under an images folder,
// refusing absolute paths and paths that leave the folder.
func relName(name string) (string, error) {
	s := strings.ReplaceAll(name, "\\", "/")
	c := path.Clean(s)
	if path.IsAbs(c) || filepath.IsAbs(name) || c == "." || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("file_name %q, expected a path relative to the images folder, inside it", name)
	}
	return c, nil
}

// cocoInt converts a JSON number holding an integer (7 or 7.0) to int64.
func cocoInt(n *json.Number) (int64, error) {
	if n == nil {
		return 0, errors.New("missing, expected an integer")
	}
	if v, err := strconv.ParseInt(string(*n), 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(string(*n), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%s, expected an integer", *n)
	}
	return int64(f), nil
}

// cocoSize reads an image width or height: absent is 0 (unknown), else a
// non-negative integer.
func cocoSize(n *json.Number) (int, error) {
	if n == nil {
		return 0, nil
	}
	v, err := cocoInt(n)
	if err != nil || v < 0 || v > 1<<30 {
		return 0, fmt.Errorf("%s, expected a non-negative integer (pixels)", *n)
	}
	return int(v), nil
}

// cocoFlag reads iscrowd: absent or null is false, else 0/1 or false/true.
func cocoFlag(raw json.RawMessage) (bool, error) {
	switch s := string(bytes.TrimSpace(raw)); s {
	case "", "null", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, fmt.Errorf("%s, expected 0, 1, false or true", s)
	}
}

// cocoJSONError turns a decoding error into one naming the file, the line and what
// was expected.
func cocoJSONError(path string, data []byte, err error) error {
	const want = "a COCO instances object {images, annotations, categories}"
	line := func(off int64) int {
		off = min(max(off, 0), int64(len(data)))
		return bytes.Count(data[:off], []byte{'\n'}) + 1
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("dataset: %s:%d: malformed JSON (%w), expected %s", path, line(se.Offset), err, want)
	case errors.As(err, &te) && te.Field == "":
		return fmt.Errorf("dataset: %s:%d: the file is a JSON %s, expected %s (%w)", path, line(te.Offset), te.Value, want, err)
	case errors.As(err, &te):
		return fmt.Errorf("dataset: %s:%d: field %q is a JSON %s, expected %s (%w)", path, line(te.Offset), te.Field, te.Value, te.Type, err)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("dataset: %s: empty or truncated JSON, expected %s: %w", path, want, err)
	default:
		return fmt.Errorf("dataset: %s: %w (expected %s)", path, err, want)
	}
}
