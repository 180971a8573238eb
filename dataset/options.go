package dataset

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Options configures Open, OpenCOCO and OpenVOC. Zero means zero (a zero MaxLabelBytes
// refuses every non-empty label file); start from DefaultOptions and change what you
// need.
type Options struct {
	// StrictLabels makes an image without a label file fail: Dataset.Labels returns an
	// error wrapping ErrNoLabel for it. When false (DefaultOptions), such an image is a
	// background image with no objects, as Ultralytics counts it, and the images are
	// reported in Dataset.Warnings (WarnMissingLabel).
	StrictLabels bool
	// Split is the key of an Ultralytics data YAML whose images are opened: "val"
	// (DefaultOptions; a missing val: falls back to validation:, as Ultralytics does),
	// "test", "train" or any other key holding a folder, a list of folders or a .txt
	// image list. Unused when Open is given a folder.
	Split string
	// MaxLabelBytes caps the size of one annotation file: a YOLO label .txt or a VOC .xml.
	// A larger file fails its image (YOLO) or the dataset (VOC), before it is read.
	// DefaultOptions: 16 MiB (a label line is ~40 bytes; a 1000-point polygon ~20 kB).
	MaxLabelBytes int64
	// MaxNamesBytes caps the size of a class names file (classes.txt, names.txt,
	// data.yaml, config.yaml) and of a data YAML given to Open. DefaultOptions: 4 MiB.
	MaxNamesBytes int64
	// MaxIndexBytes caps the size of a file that lists the whole dataset: a COCO
	// instances json or a .txt image list named by a data YAML. DefaultOptions: 2 GiB
	// (COCO's instances_train2017.json is 448 MB).
	MaxIndexBytes int64
	// WarningNames is how many names each Warning keeps in First. DefaultOptions: 5.
	WarningNames int
	// Names, when set, are the class names to use when a YOLO dataset has no
	// names file (for example the names an Ultralytics ONNX export carries in its
	// metadata), and NamesSource says where they come from (Dataset.NamesFile).
	// A names file, when there is one, wins.
	Names       []string
	NamesSource string
}

// DefaultOptions returns the options Open uses in the CLI: missing label files are
// background images, the val split, the size caps stated on each field, 5 names per
// warning.
func DefaultOptions() Options {
	return Options{
		Split:         "val",
		MaxLabelBytes: 16 << 20,
		MaxNamesBytes: 4 << 20,
		MaxIndexBytes: 2 << 30,
		WarningNames:  5,
	}
}

// validate refuses negative caps and counts, naming the field.
func (o Options) validate() error {
	for _, f := range []struct {
		name string
		v    int64
	}{{"MaxLabelBytes", o.MaxLabelBytes}, {"MaxNamesBytes", o.MaxNamesBytes}, {"MaxIndexBytes", o.MaxIndexBytes}, {"WarningNames", int64(o.WarningNames)}} {
		if f.v < 0 {
			return fmt.Errorf("dataset: Options.%s = %d, expected >= 0 (start from DefaultOptions())", f.name, f.v)
		}
	}
	return nil
}

// Warning kinds (Warning.Kind). Count counts the unit each one names.
const (
	// WarnMissingLabel: images without a label file, counted as background images
	// (no objects) unless Options.StrictLabels. Count: images.
	WarnMissingLabel = "missing-label"
	// WarnDuplicateLabels: label lines dropped because an earlier line of the same file
	// is identical (Ultralytics verify_image_label's rule). Count: lines dropped; First:
	// the label files.
	WarnDuplicateLabels = "duplicate-labels"
	// WarnOrphanLabel: label files with no image (also in Dataset.Orphans). Count: files.
	WarnOrphanLabel = "orphan-label"
	// WarnUnlistedImage: image files in a COCO or VOC images folder that the annotations
	// do not name; they are not evaluated (also in Dataset.Unlisted). Count: files.
	WarnUnlistedImage = "unlisted-image"
	// WarnSkippedType: files skipped for their type: an image format Ultralytics reads
	// but detparity does not (.webp, .tif, .tiff, .dng, .mpo, .pfm, .heic), or a line
	// of a .txt image list that names no image file. Count: files or lines.
	WarnSkippedType = "skipped-type"
	// WarnHidden: hidden image files and hidden folders (name starting with "."), skipped
	// as Python's glob (and so Ultralytics) skips them. Count: files and folders.
	WarnHidden = "hidden"
	// WarnOutsideLink: symbolic links whose target lies outside the dataset folder; they
	// are followed. Count: links.
	WarnOutsideLink = "outside-link"
	// WarnBrokenLink: symbolic links whose target does not exist; skipped. Count: links.
	WarnBrokenLink = "broken-link"
	// WarnMissingArea: COCO annotations without "area"; Truth.Area is the box area
	// for them (pycocotools needs "area" for its small/medium/large ranges). Count:
	// annotations; First: "annotations[i] (id N)".
	WarnMissingArea = "missing-area"
)

// warnOrder is the order of Dataset.Warnings.
var warnOrder = []string{WarnMissingLabel, WarnDuplicateLabels, WarnOrphanLabel, WarnUnlistedImage,
	WarnSkippedType, WarnHidden, WarnOutsideLink, WarnBrokenLink, WarnMissingArea}

// Warning is one kind of dataset problem that does not stop a run, counted, with the
// first names concerned: what a run summary prints and a run JSON keeps.
type Warning struct {
	// Kind is one of the Warn* constants.
	Kind string `json:"kind"`
	// Count is how many files, lines, links or annotations (see the kind) are concerned.
	Count int `json:"count"`
	// First are the first Options.WarningNames of them in scan order (sorted paths
	// for files): slash paths relative to Dataset.Dir, absolute when outside it.
	First []string `json:"first"`
	// Message says what happened and what detparity did, without the names.
	Message string `json:"message"`
}

// String is the warning as one line: the message, then the first names ("..." when
// Count is larger).
func (w Warning) String() string {
	s := w.Message
	if len(w.First) > 0 {
		s += ": " + strings.Join(w.First, ", ")
		if w.Count > len(w.First) {
			s += fmt.Sprintf(", ... (%d more)", w.Count-len(w.First))
		}
	}
	return s
}

// warnings accumulates Warning values while a dataset is opened.
type warnings struct {
	dir    string // Dataset.Dir: names are made relative to it
	keep   int    // Options.WarningNames
	strict bool   // Options.StrictLabels (changes the missing-label message)
	by     map[string]*Warning
}

func newWarnings(dir string, o Options) *warnings {
	return &warnings{dir: dir, keep: o.WarningNames, strict: o.StrictLabels, by: map[string]*Warning{}}
}

// add counts n of kind for the file or entry name (a path, or a label such as
// "annotations[3] (id 7)" when it is not one).
func (ws *warnings) add(kind, name string, n int) {
	w := ws.by[kind]
	if w == nil {
		w = &Warning{Kind: kind, First: []string{}}
		ws.by[kind] = w
	}
	w.Count += n
	if len(w.First) < ws.keep {
		w.First = append(w.First, ws.rel(name))
	}
}

// rel shows p relative to the dataset folder when it lies inside it.
func (ws *warnings) rel(p string) string {
	if !strings.ContainsRune(p, filepath.Separator) && !filepath.IsAbs(p) {
		return p
	}
	if r, err := filepath.Rel(ws.dir, p); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}

// list returns the warnings in warnOrder with their messages.
func (ws *warnings) list() []Warning {
	out := []Warning{}
	for _, k := range warnOrder {
		w := ws.by[k]
		if w == nil {
			continue
		}
		w.Message = warnMessage(k, w.Count, ws.strict)
		out = append(out, *w)
	}
	return out
}

// warnMessage is the text of a warning of kind with count n.
func warnMessage(kind string, n int, strict bool) string {
	plural := func(one, many string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s", one)
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	switch kind {
	case WarnMissingLabel:
		if strict {
			return plural("image has", "images have") + " no label file; they fail (strict labels)"
		}
		return plural("image has", "images have") + " no label file; counted as background images with no objects, as Ultralytics does"
	case WarnDuplicateLabels:
		return plural("duplicated label line", "duplicated label lines") + " dropped (Ultralytics drops them too)"
	case WarnOrphanLabel:
		return plural("label file has", "label files have") + " no image; not evaluated"
	case WarnUnlistedImage:
		return plural("image file is", "image files are") + " not named by the annotations; not evaluated"
	case WarnSkippedType:
		return plural("file", "files") + " skipped for their type (detparity reads .jpg .jpeg .png .bmp)"
	case WarnHidden:
		return plural("hidden file or folder", "hidden files and folders") + " skipped, as Ultralytics skips them"
	case WarnOutsideLink:
		return plural("symbolic link leads", "symbolic links lead") + " outside the dataset folder; followed"
	case WarnBrokenLink:
		return plural("symbolic link leads", "symbolic links lead") + " nowhere (target missing); skipped"
	case WarnMissingArea:
		return plural("COCO annotation has", "COCO annotations have") + " no area; the box area is used"
	}
	return plural("problem", "problems") + " (" + kind + ")"
}
