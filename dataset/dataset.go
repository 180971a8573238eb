// Package dataset is the first step of the detparity data path: it finds the images
// and annotations of a dataset (YOLO, COCO or Pascal VOC; a folder or an Ultralytics
// data YAML), parses the annotations into ground-truth boxes in source pixels
// (box.Object, Truth), and decodes image files into 8-bit 3-channel frame.Image values
// that the letterbox step reads next.
//
// # Layout
//
// Open tells the layouts apart (see Open); OpenCOCO and OpenVOC read a COCO instances
// json and a VOC directory directly. The YOLO layout:
//
//	DIR/images/**/*.{jpg,jpeg,png,bmp}   extensions case-insensitive, subfolders allowed
//	DIR/labels/**/*.txt                  mirrors images/: images/a/b.JPG -> labels/a/b.txt
//	DIR/classes.txt | names.txt          one class name per line, or
//	DIR/data.yaml | config.yaml          with a `names:` list or `0: name` map
//
// or an Ultralytics data YAML (path:, val:, names:) naming the images of a split. The
// label path follows the Ultralytics rule (img2label_paths): the last /images/ of the
// image path becomes /labels/ and the extension becomes ".txt". An image without a
// label file is a background image with no objects, as in Ultralytics (counted in
// Dataset.Warnings; Options.StrictLabels makes it fail instead); an empty .txt marks an
// image with no objects too. Label files with no image are listed in Dataset.Orphans.
//
// COCO (OpenCOCO: DIR/images/ + DIR/annotations.json or DIR/annotations/instances_*.json)
// keeps each image's id and each class's category id (Item.ID, Dataset.CategoryIDs)
// so that predictions can be written back with them. Pascal VOC (OpenVOC:
// DIR/JPEGImages/ + DIR/Annotations/*.xml) is parsed by ParseVOC / ReadVOC, with VOC's
// 1-based corners shifted as Ultralytics' VOC.yaml conversion does. COCO crowd regions
// (with their area) and VOC difficult objects are returned flagged by
// Dataset.LabelsDetailed and left out by Dataset.Labels.
//
// Everything that does not stop a run (missing label files, duplicated label lines,
// files skipped for their type, unlisted images, links leading outside the dataset) is
// counted in Dataset.Warnings, with the first names.
//
// # Decoders
//
// GoDecoder is pure Go (image/jpeg, image/png, golang.org/x/image/bmp) and returns RGB.
// The subpackage dataset/opencv wraps cv2.imread semantics through gocv (cgo) and
// returns BGR; it lives in its own package so pure-Go users of dataset need no cgo.
// The two agree exactly on PNG and BMP. On JPEG they differ: by 1 level from the IDCT,
// and at sharp colour edges by tens of levels, because libjpeg interpolates subsampled
// chroma where Go replicates it. The decoder is therefore a pipeline choice.
package dataset

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/frame"
)

// ImageExts are the image file extensions Open accepts (compared case-insensitively).
var ImageExts = []string{".jpg", ".jpeg", ".png", ".bmp"}

// ErrNoLabel is wrapped by Dataset.Labels when an image has no label file and
// Options.StrictLabels is set.
var ErrNoLabel = errors.New("no label file")

// Dataset formats (Dataset.Format).
const (
	FormatYOLO = "yolo" // images/ + labels/*.txt
	FormatCOCO = "coco" // images/ + a COCO instances json
	FormatVOC  = "voc"  // JPEGImages/ + Annotations/*.xml
)

// Item is one image of a dataset.
type Item struct {
	// Name is the image path relative to the images folder (ImagesDir: DIR/images, the
	// COCO images folder, DIR/JPEGImages for VOC, the split folder of a data YAML),
	// slash-separated (e.g. "train/a.jpg").
	Name string
	// ImagePath is the image file path (the images folder joined with Name).
	ImagePath string
	// LabelPath is the annotation file: the YOLO .txt ("" when it does not exist), the
	// COCO instances json (shared by all items) or the VOC .xml.
	LabelPath string
	// ID is the COCO image id ("id" of the image's "images" entry); 0 for YOLO and VOC.
	ID int64
	// Width and Height are the image size the annotation states (COCO "width" and
	// "height", VOC <size>), 0 when unknown (always for YOLO). Labels checks them
	// against the decoded size.
	Width, Height int
}

// Dataset is a dataset (YOLO, COCO or Pascal VOC), as found by Open, OpenCOCO or OpenVOC.
type Dataset struct {
	// Dir is the dataset folder: the folder given to Open, the root (path:) of a data
	// YAML, the images folder given to OpenCOCO.
	Dir string
	// DataYAML is the Ultralytics data YAML given to Open, "" otherwise; Split is the
	// key of it that was read (Options.Split, or "validation" for a missing val:).
	DataYAML, Split string
	// Format is FormatYOLO, FormatCOCO or FormatVOC ("" is read as YOLO).
	Format string
	// Names are the class names, index = class id.
	Names []string
	// NamesFile is the file the names were read from: the names file, the data YAML,
	// the COCO json (category names), or "" for a VOC directory without one (VOCClasses
	// are used).
	NamesFile string
	// CategoryIDs[c] is the COCO category id of class c (categories sorted by id);
	// nil for YOLO and VOC. Predictions written as COCO results must use
	// CategoryIDs[class] as "category_id" and Item.ID as "image_id".
	CategoryIDs []int64
	// Items are the images, sorted by Name (byte order).
	Items []Item
	// Orphans are label files with no image, as slash-separated paths relative to the
	// labels folder (DIR/labels), sorted (YOLO only).
	Orphans []string
	// Unlisted are image files in the images folder that no annotation names, as
	// slash-separated paths relative to it, sorted (COCO and VOC only; they are not
	// items, since they have no ground truth).
	Unlisted []string
	// Warnings are the problems found that do not stop a run, one per kind, in a fixed
	// order (never nil).
	Warnings []Warning

	// imagesDir is the folder Item.Name is relative to ("" = Dir/images).
	imagesDir string
	// strict is Options.StrictLabels.
	strict bool
	// yolo holds the parsed label file of each YOLO item, by Item.Name.
	yolo map[string]yoloLabels
	// coco holds the annotations of each COCO image id (Format == FormatCOCO).
	coco map[int64][]cocoObject
	// voc holds the parsed annotation of each VOC item, by Item.LabelPath.
	voc map[string]*VOCAnnotation
}

// yoloLabels is one YOLO label file read by Open: its boxes normalised to [0,1], or the
// error that fails its image.
type yoloLabels struct {
	objs []box.Object
	err  error
}

// Open opens the dataset at path, a folder or an Ultralytics data YAML, with o (start
// from DefaultOptions()). It returns a context error when ctx ends while it scans.
//
// A .yaml/.yml file is an Ultralytics data YAML (see OpenDataYAML). A folder is told
// apart by what it holds:
//
//   - DIR/images/ and DIR/labels/: YOLO (see the package comment), whatever else DIR holds;
//   - DIR/images/, no DIR/labels/, and a COCO instances json at DIR/annotations.json or
//     DIR/annotations/instances_*.json: COCO, read by OpenCOCO(DIR/images, json). Exactly
//     one such json must exist; several are an error listing them (call OpenCOCO);
//   - DIR/images/ alone: YOLO with no label files (every image a background image);
//   - no DIR/images/ but DIR/JPEGImages/ or DIR/Annotations/: Pascal VOC, see OpenVOC;
//   - otherwise DIR is itself a folder of images (an Ultralytics split folder such as
//     coco/images/val2017), labels found by the img2label rule (coco/labels/val2017).
//
// A folder to be read whole that holds two or more split folders (train, val, valid,
// validation, test, each maybe followed by a number, such as train2017 and val2017) is
// refused, naming them: reading it would mix the splits; open the split folder or a
// data YAML instead.
//
// Folders are walked as Ultralytics' glob does: recursively, following symbolic links,
// skipping hidden names (counted in WarnHidden). A link loop, or a folder reached twice
// through links, is an error; a link leading outside the dataset root (the folder
// holding images/) is followed and counted (WarnOutsideLink). Files with an image
// extension detparity cannot decode are counted (WarnSkippedType).
//
// Class names come from the first of NamesFiles found in the folder, then in each
// folder above it up to the dataset root, then in the root's parent (where a Roboflow
// export keeps its data.yaml above train/ and valid/).
//
// Every YOLO label file is read here (at most o.MaxLabelBytes, regular files only):
// duplicated lines are dropped and counted (WarnDuplicateLabels), images without one
// counted (WarnMissingLabel); a label file that cannot be read or parsed fails its own
// image (Labels returns the error), not the dataset. Open fails when the path is
// missing, when no image is found, when two images would share one label file (a.jpg
// and a.png both map to labels/a.txt), and when no class names can be read.
func Open(ctx context.Context, path string, o Options) (*Dataset, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: open %s: %w", path, err)
	}
	switch {
	case st.Mode().IsRegular() && isYAMLExt(path):
		return OpenDataYAML(ctx, path, o)
	case st.Mode().IsRegular():
		return nil, fmt.Errorf("dataset: %s is a file, expected a dataset folder (images/, labels/, a names file) or an Ultralytics data .yaml", path)
	case !st.IsDir():
		return nil, fmt.Errorf("dataset: %s is %s: %w, expected a dataset folder or a data .yaml", path, describeMode(st.Mode()), ErrNotRegular)
	}
	return openFolder(ctx, path, o)
}

// isYAMLExt reports whether p names a .yaml or .yml file.
func isYAMLExt(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".yaml" || ext == ".yml"
}

// openFolder is Open on a folder.
func openFolder(ctx context.Context, dir string, o Options) (*Dataset, error) {
	imgDir := filepath.Join(dir, "images")
	if !isDir(imgDir) {
		if isDir(filepath.Join(dir, "JPEGImages")) || isDir(filepath.Join(dir, "Annotations")) {
			return OpenVOC(ctx, dir, o)
		}
		root := datasetRoot(dir)
		return openYOLO(ctx, yoloSpec{dir: dir, root: root, folders: []string{dir}, namesDirs: namesDirs(dir, root),
			hint: "expected " + imgDir + "/ and labels/, a folder of images, JPEGImages/ and Annotations/ for Pascal VOC, or an Ultralytics data .yaml"}, o)
	}
	if !isDir(filepath.Join(dir, "labels")) {
		jsons, err := cocoCandidates(dir)
		if err != nil {
			return nil, err
		}
		switch len(jsons) {
		case 0:
		case 1:
			ds, err := openCOCO(ctx, dir, imgDir, jsons[0], o)
			if err != nil {
				return nil, err
			}
			return ds, nil
		default:
			return nil, fmt.Errorf("dataset: %s: %d COCO instances files (%s), expected one; call OpenCOCO with the one to use",
				dir, len(jsons), strings.Join(jsons, ", "))
		}
	}
	return openYOLO(ctx, yoloSpec{dir: dir, root: dir, folders: []string{imgDir}, imagesDir: imgDir, namesDirs: namesDirs(dir, dir)}, o)
}

// datasetRoot is the folder holding the last "images" component of dir (the root of an
// Ultralytics layout: coco for coco/images/val2017), or dir when it has none.
func datasetRoot(dir string) string {
	c := filepath.Clean(dir)
	for d := c; ; d = filepath.Dir(d) {
		if filepath.Base(d) == "images" {
			return filepath.Dir(d)
		}
		if filepath.Dir(d) == d || d == "." {
			return c
		}
	}
}

// namesDirs are the folders searched for a names file: dir, each folder above it up to
// root, and root's parent.
func namesDirs(dir, root string) []string {
	dirs := []string{}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		dirs = append(dirs, d)
		if d == filepath.Clean(root) || filepath.Dir(d) == d || d == "." {
			break
		}
	}
	if p := filepath.Dir(filepath.Clean(root)); p != filepath.Clean(root) {
		dirs = append(dirs, p)
	}
	return dirs
}

// ImagesDir is the folder that Item.Name is relative to: DIR/images for YOLO and for
// COCO found by Open, the images folder given to OpenCOCO, DIR/JPEGImages for VOC, the
// split folder (or the folder holding all the images listed) of a data YAML.
func (d *Dataset) ImagesDir() string {
	if d.imagesDir != "" {
		return d.imagesDir
	}
	return filepath.Join(d.Dir, "images")
}

// isDir reports whether p is an existing directory.
func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func isImageExt(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	for _, e := range ImageExts {
		if ext == e {
			return true
		}
	}
	return false
}

// img2label is Ultralytics' img2label_paths for one image path: the last
// "/images/" becomes "/labels/" and everything after the last "." becomes "txt". A
// relative path is read as if rooted (Ultralytics works on absolute paths).
func img2label(p string) string {
	sep := string(filepath.Separator)
	q, rooted := p, filepath.IsAbs(p)
	if !rooted {
		q = sep + q
	}
	sa, sb := sep+"images"+sep, sep+"labels"+sep
	if i := strings.LastIndex(q, sa); i >= 0 {
		q = q[:i] + sb + q[i+len(sa):]
	}
	if i := strings.LastIndex(q, "."); i >= 0 {
		q = q[:i]
	}
	q += ".txt"
	if !rooted {
		q = q[len(sep):]
	}
	return q
}

// labelsDirOf is the folder where the labels of the images in folder live, "" when
// folder has no "images" component (labels then sit next to the images).
func labelsDirOf(folder string) string {
	sep := string(filepath.Separator)
	if !strings.Contains(sep+filepath.Clean(folder)+sep, sep+"images"+sep) {
		return ""
	}
	return filepath.Dir(img2label(filepath.Join(folder, "x.jpg")))
}

// ExpectedLabelPath is where the label file of it is looked for (whether or not it
// exists); for COCO and VOC it is it.LabelPath.
func (d *Dataset) ExpectedLabelPath(it Item) string {
	if d.Format == FormatCOCO || d.Format == FormatVOC {
		return it.LabelPath
	}
	return img2label(it.ImagePath)
}

// Labels returns the ground-truth boxes of it, in source pixels, for an image of
// imgW x imgH pixels (the decoded size).
//
// YOLO: the boxes of its label file (read and checked by Open, duplicates dropped; see
// ParseLabels), none for an image without a label file; with Options.StrictLabels
// that is an error wrapping ErrNoLabel. A label file that could not be read or parsed
// returns its error.
//
// COCO and VOC: it returns the objects of LabelsDetailed without the flagged ones:
// COCO crowd regions (iscrowd 1) and VOC difficult objects are left out, so a
// detection on one counts as a false positive here. (COCO's own evaluation instead
// lets crowd regions absorb detections and VOC's ignores detections matched to
// difficult objects; use LabelsDetailed for that.) Ultralytics' converters drop these
// objects as well (VOC.yaml skips difficult ones, convert_coco skips iscrowd ones), so
// Labels gives the boxes a model trained on their converted labels learned.
func (d *Dataset) Labels(it Item, imgW, imgH int) ([]box.Object, error) {
	truths, err := d.LabelsDetailed(it, imgW, imgH)
	if err != nil {
		return nil, err
	}
	out := make([]box.Object, 0, len(truths))
	for _, t := range truths {
		if !t.Crowd && !t.Difficult {
			out = append(out, t.Object)
		}
	}
	return out, nil
}

// Truth is one ground-truth object with what evaluations need besides its box.
type Truth struct {
	box.Object
	// Crowd marks a COCO crowd region (iscrowd 1): pycocotools ignores it, lets it
	// absorb any number of detections, and computes a detection's IoU with it over the
	// detection's area.
	Crowd bool
	// Difficult marks a VOC difficult object (VOC's evaluation ignores it).
	Difficult bool
	// Area is the COCO "area" (for a polygon annotation the mask area, not the box
	// area), which pycocotools' small/medium/large ranges test; the box area in pixels
	// for YOLO, VOC and COCO annotations without "area" (WarnMissingArea).
	Area float64
	// ID is the COCO annotation id, 0 for YOLO and VOC.
	ID int64
}

// LabelsDetailed returns every ground-truth object of it, in source pixels, with its
// flags, area and id (see Truth): COCO crowd regions and VOC difficult objects are
// included, flagged. For YOLO it is Labels with no object flagged.
//
// COCO: objects are the image's annotations in file order, bbox [x, y, w, h] giving
// X1 = x, Y1 = y, X2 = x+w, Y2 = y+h (COCO boxes are continuous pixel coordinates,
// like box.Box), class = the position of category_id in CategoryIDs. VOC: ParseVOC's
// objects. It fails when the size the annotation states (Item.Width, Item.Height)
// differs from imgW x imgH, naming the file and both sizes (an EXIF rotation or a
// resized copy puts the boxes in another frame), and for COCO when a box leaves the
// image by more than COCOBoxTolerance (checked here as well as in OpenCOCO, since the
// json may not state the size).
func (d *Dataset) LabelsDetailed(it Item, imgW, imgH int) ([]Truth, error) {
	switch d.Format {
	case FormatCOCO:
		return d.cocoLabels(it, imgW, imgH)
	case FormatVOC:
		return d.vocLabels(it, imgW, imgH)
	}
	return d.yoloLabels(it, imgW, imgH)
}

// yoloLabels is LabelsDetailed for a YOLO dataset.
func (d *Dataset) yoloLabels(it Item, imgW, imgH int) ([]Truth, error) {
	if it.LabelPath == "" {
		if d.strict {
			return nil, fmt.Errorf("dataset: %s: %w %s (an empty .txt marks an image with no objects)", it.ImagePath, ErrNoLabel, d.ExpectedLabelPath(it))
		}
		return []Truth{}, nil
	}
	l, ok := d.yolo[it.Name]
	if !ok {
		return nil, fmt.Errorf("dataset: %s: not an image of the dataset %s (items come from Dataset.Items)", it.ImagePath, d.Dir)
	}
	if l.err != nil {
		return nil, l.err
	}
	if imgW <= 0 || imgH <= 0 {
		return nil, fmt.Errorf("dataset: %s: image size %dx%d, expected positive width and height", it.LabelPath, imgW, imgH)
	}
	objs := toPixels(l.objs, imgW, imgH)
	out := make([]Truth, len(objs))
	for i, o := range objs {
		out[i] = Truth{Object: o, Area: o.W() * o.H()}
	}
	return out, nil
}

// checkSize compares the stated size of it with the decoded size.
func checkSize(it Item, imgW, imgH int) error {
	if imgW <= 0 || imgH <= 0 {
		return fmt.Errorf("dataset: %s: image size %dx%d, expected positive width and height", it.ImagePath, imgW, imgH)
	}
	if (it.Width != 0 && it.Width != imgW) || (it.Height != 0 && it.Height != imgH) {
		return fmt.Errorf("dataset: %s: decoded size %dx%d, but %s states %dx%d for it (EXIF rotation or a resized copy?)",
			it.ImagePath, imgW, imgH, it.LabelPath, it.Width, it.Height)
	}
	return nil
}

// Load decodes the image of it with dec and parses its labels against the decoded size.
func (d *Dataset) Load(it Item, dec Decoder) (frame.Image, []box.Object, error) {
	im, err := dec.Decode(it.ImagePath)
	if err != nil {
		return frame.Image{}, nil, err
	}
	objs, err := d.Labels(it, im.W, im.H)
	if err != nil {
		return frame.Image{}, nil, err
	}
	return im, objs, nil
}

// statLabel looks for the label file lp: "" and nil when it does not exist.
func statLabel(lp string) (string, error) {
	_, err := os.Stat(lp)
	switch {
	case err == nil:
		return lp, nil
	case isNotExist(err):
		if _, lerr := os.Lstat(lp); lerr == nil {
			return lp, fmt.Errorf("label file %s is a broken symbolic link: %w", lp, err)
		}
		return "", nil
	}
	return lp, fmt.Errorf("label file %s: %w", lp, err)
}
