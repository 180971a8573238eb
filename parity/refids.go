package parity

import (
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/metrics"
)

// How a reference's image ids name the dataset's images (Settings.ReferenceIDs).
const (
	// IDsAuto picks the one scheme under which every id of the file resolves
	// (when several do and give the same images, the first of position, stem,
	// coco); it refuses the file when none does or when they disagree.
	IDsAuto = "auto"
	// IDsPosition: image_id is the 1-based position of the image in the
	// dataset's sorted list: detparity's --predictions-out for YOLO and VOC
	// folders, scripts/dump_reference.py and the recipes of scripts/reference.
	IDsPosition = "position"
	// IDsStem: image_id is the file name without its extension, as an integer
	// when the stem is all digits (leading zeros dropped) and as a string
	// otherwise: Ultralytics' predictions.json (DetectionValidator.pred_to_json:
	// int(stem) if stem.isnumeric() else stem).
	IDsStem = "stem"
	// IDsCOCO: image_id is the COCO dataset's own image id (pycocotools,
	// detparity's --predictions-out for COCO datasets).
	IDsCOCO = "coco"
)

// How a reference's category ids name the classes (Settings.ReferenceCategories).
const (
	// CategoriesAuto picks the one scheme under which every category id
	// resolves (when several do and give the same classes, the first of index,
	// dataset, coco91, index1); it refuses the file when none does or when they
	// disagree.
	CategoriesAuto = "auto"
	// CategoriesIndex: category_id is the 0-based class index (detparity for
	// YOLO and VOC folders, scripts/dump_reference.py, Ultralytics val() on
	// custom data before ultralytics/ultralytics pull request 18140).
	CategoriesIndex = "index"
	// CategoriesIndex1: category_id is the class index + 1 (Ultralytics val()
	// on non-COCO data since pull request 18140, December 2024:
	// class_map = list(range(1, nc + 1))).
	CategoriesIndex1 = "index1"
	// CategoriesCOCO91: the dataset has the 80 COCO classes in Ultralytics'
	// order (coco.yaml) and category_id is the COCO category id (1..90 with
	// gaps) of Ultralytics' coco80_to_coco91_class, the ids of the COCO
	// annotation files and pycocotools.
	CategoriesCOCO91 = "coco91"
	// CategoriesDataset: category_id is the COCO dataset's own category id.
	CategoriesDataset = "dataset"
)

// ReferenceIDSchemes and ReferenceCategorySchemes are the accepted values of
// Settings.ReferenceIDs and Settings.ReferenceCategories, auto first.
var (
	ReferenceIDSchemes       = []string{IDsAuto, IDsPosition, IDsStem, IDsCOCO}
	ReferenceCategorySchemes = []string{CategoriesAuto, CategoriesIndex, CategoriesDataset, CategoriesCOCO91, CategoriesIndex1}
)

// COCO80To91 is the COCO category id of each of the 80 COCO classes in the
// order of Ultralytics' coco.yaml (ultralytics/data/converter.py:
// coco80_to_coco91_class; the ids of instances_val2017.json).
var COCO80To91 = [80]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28,
	31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61,
	62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90}

// validateReferenceSchemes refuses unknown scheme names, naming the flag.
func (s Settings) validateReferenceSchemes() []error {
	var errs []error
	for _, c := range []struct {
		flag, v string
		ok      []string
	}{{"reference-ids", s.ReferenceIDs, ReferenceIDSchemes}, {"reference-categories", s.ReferenceCategories, ReferenceCategorySchemes}} {
		if c.v != "" && !slices.Contains(c.ok, c.v) {
			errs = append(errs, fmt.Errorf("--%s %q, expected one of %s", c.flag, c.v, strings.Join(c.ok, ", ")))
		}
	}
	return errs
}

// refIndex is what a reference's ids are resolved against: the images of the
// dataset in sorted order and its classes.
type refIndex struct {
	names   []string // per position: path relative to the images folder ("" when unknown)
	cocoIDs []int64  // per position: COCO image id (nil: not a COCO dataset)
	classes int
	catIDs  []int64 // per class: COCO category id (nil: not a COCO dataset)
	// what names the dataset in errors.
	what string
}

// datasetIndex is the index of a dataset.
func datasetIndex(ds *dataset.Dataset, what string) refIndex {
	x := refIndex{classes: len(ds.Names), catIDs: ds.CategoryIDs, what: what, names: make([]string, len(ds.Items))}
	if ds.CategoryIDs != nil {
		x.cocoIDs = make([]int64, len(ds.Items))
	}
	for i, it := range ds.Items {
		x.names[i] = it.Name
		if x.cocoIDs != nil {
			x.cocoIDs[i] = it.ID
		}
	}
	return x
}

// loaderIndex is the index of a run's loader (positions only for a Source).
func loaderIndex(ld loader) refIndex {
	if dl, ok := ld.(datasetLoader); ok {
		return datasetIndex(dl.ds, dl.data)
	}
	return refIndex{names: make([]string, ld.len()), classes: len(ld.classes()), what: ld.dataName()}
}

// idResolver maps an entry's image to a 0-based position, or says why it cannot.
type idResolver func(e metrics.COCOResultEntry) (int, error)

// idResolvers are the image-id schemes the index supports, in preference order.
func (x refIndex) idResolvers() (names []string, rs []idResolver) {
	n := len(x.names)
	names = append(names, IDsPosition)
	rs = append(rs, func(e metrics.COCOResultEntry) (int, error) {
		id, err := strconv.ParseInt(e.Image, 10, 64)
		if e.ImageIsString || err != nil || id < 1 || id > int64(n) {
			return 0, fmt.Errorf("is not a 1-based position (1..%d)", n)
		}
		return int(id - 1), nil
	})
	if slices.ContainsFunc(x.names, func(s string) bool { return s != "" }) {
		byNum, byText := map[string][]int{}, map[string][]int{}
		for p, name := range x.names {
			stem := strings.TrimSuffix(path.Base(name), path.Ext(name))
			byText[stem] = append(byText[stem], p)
			if num, ok := numericStem(stem); ok {
				byNum[num] = append(byNum[num], p)
			}
		}
		names = append(names, IDsStem)
		rs = append(rs, func(e metrics.COCOResultEntry) (int, error) {
			m, what := byNum, "an all-digit file stem"
			if e.ImageIsString {
				m, what = byText, "a file stem"
			}
			switch ps := m[e.Image]; len(ps) {
			case 0:
				return 0, fmt.Errorf("is not %s of %s", what, x.what)
			case 1:
				return ps[0], nil
			default:
				return 0, fmt.Errorf("is the stem of %s and %s", x.names[ps[0]], x.names[ps[1]])
			}
		})
	}
	if x.cocoIDs != nil {
		byID := map[string]int{}
		for p, id := range x.cocoIDs {
			byID[strconv.FormatInt(id, 10)] = p
		}
		names = append(names, IDsCOCO)
		rs = append(rs, func(e metrics.COCOResultEntry) (int, error) {
			if p, ok := byID[e.Image]; ok && !e.ImageIsString {
				return p, nil
			}
			return 0, fmt.Errorf("is not a COCO image id of %s", x.what)
		})
	}
	return names, rs
}

// numericStem is an all-ASCII-digit stem as Python's int() reads it (leading
// zeros dropped).
func numericStem(s string) (string, bool) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return "", false
	}
	t := strings.TrimLeft(s, "0")
	if t == "" {
		t = "0"
	}
	return t, true
}

// catResolver maps a category id to a class index, or says why it cannot.
type catResolver func(id int64) (int, error)

// catResolvers are the category schemes the index supports, in preference order.
func (x refIndex) catResolvers() (names []string, rs []catResolver) {
	nc := int64(x.classes)
	names = append(names, CategoriesIndex)
	rs = append(rs, func(id int64) (int, error) {
		if id < 0 || id >= nc {
			return 0, fmt.Errorf("is not a class index (0..%d)", nc-1)
		}
		return int(id), nil
	})
	table := func(scheme string, ids []int64, what string) {
		byID := map[int64]int{}
		for k, id := range ids {
			byID[id] = k
		}
		names = append(names, scheme)
		rs = append(rs, func(id int64) (int, error) {
			if k, ok := byID[id]; ok {
				return k, nil
			}
			return 0, fmt.Errorf("is not %s", what)
		})
	}
	if x.catIDs != nil {
		table(CategoriesDataset, x.catIDs, "a category id of "+x.what)
	}
	if nc == 80 {
		table(CategoriesCOCO91, COCO80To91[:], "a COCO category id (coco80_to_coco91_class)")
	}
	names = append(names, CategoriesIndex1)
	rs = append(rs, func(id int64) (int, error) {
		if id < 1 || id > nc {
			return 0, fmt.Errorf("is not a class index + 1 (1..%d)", nc)
		}
		return int(id - 1), nil
	})
	return names, rs
}

// pickScheme chooses among schemes the one want names, or with auto the one
// under which every value resolves. resolve(k, i) resolves value i under
// scheme k; n is the number of values; describe(i) names value i in errors.
func pickScheme(flag, want string, names []string, n int, resolve func(k, i int) (int, error), describe func(i int) string) (string, error) {
	if want != "" && want != IDsAuto {
		k := slices.Index(names, want)
		if k < 0 {
			return "", fmt.Errorf("--%s %s: not available for this dataset (available: %s)", flag, want, strings.Join(names, ", "))
		}
		for i := range n {
			if _, err := resolve(k, i); err != nil {
				return "", fmt.Errorf("%s %w (--%s %s)", describe(i), err, flag, want)
			}
		}
		return want, nil
	}
	var ok []int
	var fails []string
	for k := range names {
		failed := false
		for i := range n {
			if _, err := resolve(k, i); err != nil {
				fails = append(fails, fmt.Sprintf("as %s: %s %v", names[k], describe(i), err))
				failed = true
				break
			}
		}
		if !failed {
			ok = append(ok, k)
		}
	}
	if len(ok) == 0 {
		return "", fmt.Errorf("no --%s scheme resolves every id: %s", flag, strings.Join(fails, "; "))
	}
	for _, k := range ok[1:] {
		for i := range n {
			a, _ := resolve(ok[0], i)
			b, _ := resolve(k, i)
			if a != b {
				return "", fmt.Errorf("%s resolves both as %s and as %s, to different targets; choose with --%s %s or --%s %s",
					describe(i), names[ok[0]], names[k], flag, names[ok[0]], flag, names[k])
			}
		}
	}
	return names[ok[0]], nil
}

// readReference reads a COCO results file of reference predictions and
// resolves its image and category ids against x with the settings' schemes
// (auto when empty). The detections are kept by run id (position + 1) and
// class index.
func readReference(file string, x refIndex, s Settings) (*reference, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("parity: reference: %w", err)
	}
	entries, err := metrics.ParseCOCOResultEntries(file, data)
	if err != nil {
		return nil, fmt.Errorf("parity: reference: %w", err)
	}
	where := func(i int) string {
		e := entries[i]
		id := e.Image
		if e.ImageIsString {
			id = strconv.Quote(id)
		}
		return fmt.Sprintf("%s:%d: result %d: image_id %s", file, e.Line, e.Index, id)
	}
	idNames, ids := x.idResolvers()
	idScheme, err := pickScheme("reference-ids", s.ReferenceIDs, idNames, len(entries),
		func(k, i int) (int, error) { return ids[k](entries[i]) }, where)
	if err != nil {
		return nil, fmt.Errorf("parity: reference: %w", err)
	}
	resolveID := ids[slices.Index(idNames, idScheme)]
	// Category ids are resolved per distinct id, in order of first appearance.
	var cats []int64
	firstAt := map[int64]int{}
	for i, e := range entries {
		if _, seen := firstAt[e.CategoryID]; !seen {
			firstAt[e.CategoryID] = i
			cats = append(cats, e.CategoryID)
		}
	}
	catNames, cres := x.catResolvers()
	catScheme, err := pickScheme("reference-categories", s.ReferenceCategories, catNames, len(cats),
		func(k, i int) (int, error) { return cres[k](cats[i]) },
		func(i int) string {
			e := entries[firstAt[cats[i]]]
			return fmt.Sprintf("%s:%d: result %d: category_id %d", file, e.Line, e.Index, cats[i])
		})
	if err != nil {
		return nil, fmt.Errorf("parity: reference: %w", err)
	}
	resolveCat := cres[slices.Index(catNames, catScheme)]
	ref := &reference{path: file, ids: idScheme, categories: catScheme, dets: map[int64][]box.Detection{}}
	for _, e := range entries {
		p, err := resolveID(e)
		if err != nil { // cannot happen: pickScheme checked every entry
			return nil, errors.Join(errors.New("parity: reference"), err)
		}
		c, err := resolveCat(e.CategoryID)
		if err != nil {
			return nil, errors.Join(errors.New("parity: reference"), err)
		}
		b := e.BBox
		id := int64(p + 1)
		ref.dets[id] = append(ref.dets[id], box.Detection{
			Box: box.Box{X1: b[0], Y1: b[1], X2: b[0] + b[2], Y2: b[1] + b[3]}, Score: e.Score, Class: c})
	}
	return ref, nil
}

// mergeIndex is the index Merge resolves a reference against: the images'
// names by id from the shards' records and failures (COCO ids and category
// ids are not in the run JSON).
func mergeIndex(shards []*Result, images int) refIndex {
	x := refIndex{names: make([]string, images), classes: len(shards[0].Classes), what: shards[0].Data}
	for _, s := range shards {
		for _, f := range s.Failed {
			if f.ID >= 1 && f.ID <= int64(images) {
				x.names[f.ID-1] = f.Image
			}
		}
		if len(s.Pipelines) > 0 {
			for _, im := range s.Pipelines[0].PerImage {
				if im.ID >= 1 && im.ID <= int64(images) {
					x.names[im.ID-1] = im.Image
				}
			}
		}
	}
	return x
}

// mergeSettings are the reference schemes a shard was resolved with, for Merge
// to resolve the reference the same way.
func (r *Result) mergeSettings(s Settings) (Settings, error) {
	s.ReferenceIDs, s.ReferenceCategories = r.ReferenceIDs, r.ReferenceCategories
	if r.ReferenceIDs == IDsCOCO || r.ReferenceCategories == CategoriesDataset {
		return s, fmt.Errorf("parity: merge: the reference %s was resolved with the COCO dataset's own ids (reference ids %s, categories %s), which the run JSON does not hold; give the reference with positions or file stems and class indices (--reference-ids, --reference-categories), or run unsharded",
			r.Reference, r.ReferenceIDs, r.ReferenceCategories)
	}
	return s, nil
}
