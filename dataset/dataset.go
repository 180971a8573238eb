// Package dataset is the first step of the detparity data path: it finds the images
// and annotations of a dataset directory (YOLO, COCO or Pascal VOC), parses the
// annotations into ground-truth boxes in source pixels (box.Object), and decodes image
// files into 8-bit 3-channel frame.Image values that the letterbox step reads next.
//
// # Layout
//
// Open tells the three layouts apart by their folders (see Open); OpenCOCO and
// OpenVOC read a COCO instances json and a VOC directory directly. The YOLO layout:
//
//	DIR/images/**/*.{jpg,jpeg,png,bmp}   extensions case-insensitive, subfolders allowed
//	DIR/labels/**/*.txt                  mirrors images/: images/a/b.JPG -> labels/a/b.txt
//	DIR/classes.txt | DIR/names.txt      one class name per line, or
//	DIR/data.yaml                        with a `names:` list or `0: name` map
//
// The label path follows the Ultralytics rule (img2label_paths): images/ becomes
// labels/ and the extension becomes ".txt". An image without a label file is kept
// (Item.LabelPath is "") and Dataset.Labels reports it as an error; an empty .txt marks
// an image with no objects. Label files with no image are listed in Dataset.Orphans.
//
// COCO (OpenCOCO: DIR/images/ + DIR/annotations.json or DIR/annotations/instances_*.json)
// keeps each image's id and each class's category id (Item.ID, Dataset.CategoryIDs)
// so that predictions can be written back with them. Pascal VOC (OpenVOC:
// DIR/JPEGImages/ + DIR/Annotations/*.xml) is parsed by ParseVOC / ReadVOC, with VOC's
// 1-based corners shifted as Ultralytics' VOC.yaml conversion does. COCO crowd regions
// and VOC difficult objects are returned flagged by Dataset.LabelsDetailed and left
// out by Dataset.Labels.
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
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/frame"
)

// ImageExts are the image file extensions Open accepts (compared case-insensitively).
var ImageExts = []string{".jpg", ".jpeg", ".png", ".bmp"}

// ErrNoLabel is wrapped by Dataset.Labels when an image has no label file.
var ErrNoLabel = errors.New("no label file")

// Dataset formats (Dataset.Format).
const (
	FormatYOLO = "yolo" // images/ + labels/*.txt
	FormatCOCO = "coco" // images/ + a COCO instances json
	FormatVOC  = "voc"  // JPEGImages/ + Annotations/*.xml
)

// Item is one image of a dataset.
type Item struct {
	// Name is the image path relative to the images folder (DIR/images, the COCO
	// images folder, or DIR/JPEGImages for VOC), slash-separated (e.g. "train/a.jpg").
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

// Dataset is a dataset directory (YOLO, COCO or Pascal VOC), as found by Open,
// OpenCOCO or OpenVOC.
type Dataset struct {
	// Dir is the directory given to Open (for OpenCOCO: the images folder).
	Dir string
	// Format is FormatYOLO, FormatCOCO or FormatVOC ("" is read as YOLO).
	Format string
	// Names are the class names, index = class id.
	Names []string
	// NamesFile is the file the names were read from: the names file, the COCO json
	// (category names), or "" for a VOC directory without one (VOCClasses are used).
	NamesFile string
	// CategoryIDs[c] is the COCO category id of class c (categories sorted by id);
	// nil for YOLO and VOC. Predictions written as COCO results must use
	// CategoryIDs[class] as "category_id" and Item.ID as "image_id".
	CategoryIDs []int64
	// Items are the images, sorted by Name (byte order).
	Items []Item
	// Orphans are label files with no image, as slash-separated paths relative to
	// DIR/labels, sorted (YOLO only).
	Orphans []string
	// Unlisted are image files in the images folder that no annotation names, as
	// slash-separated paths relative to it, sorted (COCO and VOC only; they are not
	// items, since they have no ground truth).
	Unlisted []string

	// imagesDir is the folder Item.Name is relative to ("" = Dir/images).
	imagesDir string
	// coco holds the annotations of each COCO image id (Format == FormatCOCO).
	coco map[int64][]cocoObject
	// voc holds the parsed annotation of each VOC item, by Item.LabelPath.
	voc map[string]*VOCAnnotation
}

// Open scans dir, a YOLO, COCO or Pascal VOC dataset directory, told apart by its
// folders:
//
//   - DIR/images/ and DIR/labels/: YOLO (see the package comment), whatever else DIR holds;
//   - DIR/images/, no DIR/labels/, and a COCO instances json at DIR/annotations.json or
//     DIR/annotations/instances_*.json: COCO, read by OpenCOCO(DIR/images, json). Exactly
//     one such json must exist; several are an error listing them (call OpenCOCO);
//   - DIR/images/ alone: YOLO with no label files;
//   - no DIR/images/ but DIR/JPEGImages/ and DIR/Annotations/: Pascal VOC, see OpenVOC.
//
// For YOLO it fails when dir is missing or not a directory, when dir/images is
// missing, when no image is found under it, when two images would share one label
// file (a.jpg and a.png both map to labels/a.txt), and when no class names file can be
// read. A missing dir/labels folder is not an error: every item then has no label file.
// Symbolic links to folders are not followed (filepath.WalkDir).
func Open(dir string) (*Dataset, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("dataset: open %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("dataset: %s is not a directory, expected a folder with images/, labels/ and a names file", dir)
	}
	imgDir := filepath.Join(dir, "images")
	lblDir := filepath.Join(dir, "labels")
	if !isDir(imgDir) {
		if isDir(filepath.Join(dir, "JPEGImages")) || isDir(filepath.Join(dir, "Annotations")) {
			return OpenVOC(dir)
		}
		return nil, fmt.Errorf("dataset: %s: no images/ folder (expected %s holding %s files, or JPEGImages/ and Annotations/ for Pascal VOC)",
			dir, imgDir, strings.Join(ImageExts, " "))
	}
	if !isDir(lblDir) {
		jsons, err := cocoCandidates(dir)
		if err != nil {
			return nil, err
		}
		switch len(jsons) {
		case 0:
		case 1:
			ds, err := OpenCOCO(imgDir, jsons[0])
			if err != nil {
				return nil, err
			}
			ds.Dir = dir
			return ds, nil
		default:
			return nil, fmt.Errorf("dataset: %s: %d COCO instances files (%s), expected one; call OpenCOCO with the one to use",
				dir, len(jsons), strings.Join(jsons, ", "))
		}
	}

	// stem (slash path relative to images/, extension removed) -> image names using it.
	byStem := map[string]string{}
	var items []Item
	err = filepath.WalkDir(imgDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("dataset: scan %s: %w", p, err)
		}
		if e.IsDir() || !isImageExt(p) {
			return nil
		}
		rel, err := filepath.Rel(imgDir, p)
		if err != nil {
			return fmt.Errorf("dataset: %s: %w", p, err)
		}
		name := filepath.ToSlash(rel)
		stem := strings.TrimSuffix(name, path.Ext(name))
		if other, dup := byStem[stem]; dup {
			return fmt.Errorf("dataset: images %s and %s would share the label file %s; rename one",
				filepath.Join(imgDir, filepath.FromSlash(other)), p, filepath.Join(lblDir, filepath.FromSlash(stem)+".txt"))
		}
		byStem[stem] = name
		it := Item{Name: name, ImagePath: p}
		lp := filepath.Join(lblDir, filepath.FromSlash(stem)+".txt")
		if st, err := os.Stat(lp); err == nil && st.Mode().IsRegular() {
			it.LabelPath = lp
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("dataset: no images (%s, any case) found under %s", strings.Join(ImageExts, " "), imgDir)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })

	var orphans []string
	if st, err := os.Stat(lblDir); err == nil && st.IsDir() {
		err = filepath.WalkDir(lblDir, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("dataset: scan %s: %w", p, err)
			}
			if e.IsDir() || filepath.Ext(p) != ".txt" {
				return nil
			}
			rel, err := filepath.Rel(lblDir, p)
			if err != nil {
				return fmt.Errorf("dataset: %s: %w", p, err)
			}
			rel = filepath.ToSlash(rel)
			if _, ok := byStem[strings.TrimSuffix(rel, ".txt")]; !ok {
				orphans = append(orphans, rel)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(orphans)
	}

	names, namesFile, err := readNames(dir)
	if err != nil {
		return nil, err
	}
	return &Dataset{Dir: dir, Format: FormatYOLO, Names: names, NamesFile: namesFile, Items: items, Orphans: orphans}, nil
}

// ImagesDir is the folder that Item.Name is relative to: DIR/images for YOLO and for
// COCO found by Open, the images folder given to OpenCOCO, DIR/JPEGImages for VOC.
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

// ExpectedLabelPath is where the label file of it is looked for (whether or not it
// exists); for COCO and VOC it is it.LabelPath.
func (d *Dataset) ExpectedLabelPath(it Item) string {
	if d.Format == FormatCOCO || d.Format == FormatVOC {
		return it.LabelPath
	}
	stem := strings.TrimSuffix(it.Name, path.Ext(it.Name))
	return filepath.Join(d.Dir, "labels", filepath.FromSlash(stem)+".txt")
}

// Labels returns the ground-truth boxes of it, in source pixels, for an image of
// imgW x imgH pixels (the decoded size).
//
// YOLO: it reads and parses the label file with the class count len(d.Names); see
// ParseLabels. An item without a label file is an error wrapping ErrNoLabel.
//
// COCO and VOC: it returns the objects of LabelsDetailed without the flagged ones:
// COCO crowd regions (iscrowd 1) and VOC difficult objects are left out, so a
// detection on one counts as a false positive here. (COCO's own evaluation instead
// lets crowd regions absorb detections and VOC's ignores detections matched to
// difficult objects; use LabelsDetailed for that.) Ultralytics' converters drop these
// objects as well (VOC.yaml skips difficult ones, convert_coco skips iscrowd ones), so
// Labels gives the boxes a model trained on their converted labels learned.
func (d *Dataset) Labels(it Item, imgW, imgH int) ([]box.Object, error) {
	if d.Format == FormatCOCO || d.Format == FormatVOC {
		objs, flagged, err := d.LabelsDetailed(it, imgW, imgH)
		if err != nil {
			return nil, err
		}
		out := make([]box.Object, 0, len(objs))
		for k, o := range objs {
			if !flagged[k] {
				out = append(out, o)
			}
		}
		return out, nil
	}
	if it.LabelPath == "" {
		return nil, fmt.Errorf("dataset: %s: %w %s (an empty .txt marks an image with no objects)", it.ImagePath, ErrNoLabel, d.ExpectedLabelPath(it))
	}
	f, err := os.Open(it.LabelPath)
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: label file: %w", it.ImagePath, err)
	}
	defer f.Close()
	return ParseLabels(it.LabelPath, f, imgW, imgH, len(d.Names))
}

// LabelsDetailed returns every ground-truth object of it, in source pixels, and for
// each whether it is flagged: a COCO crowd region (iscrowd) or a VOC difficult
// object. For YOLO it is Labels with no object flagged.
//
// COCO: objects are the image's annotations in file order, bbox [x, y, w, h] giving
// X1 = x, Y1 = y, X2 = x+w, Y2 = y+h (COCO boxes are continuous pixel coordinates,
// like box.Box), class = the position of category_id in CategoryIDs. VOC: ParseVOC's
// objects. It fails when the size the annotation states (Item.Width, Item.Height)
// differs from imgW x imgH, naming the file and both sizes (an EXIF rotation or a
// resized copy puts the boxes in another frame), and for COCO when a box leaves the
// image by more than COCOBoxTolerance (checked here as well as in OpenCOCO, since the
// json may not state the size).
func (d *Dataset) LabelsDetailed(it Item, imgW, imgH int) ([]box.Object, []bool, error) {
	switch d.Format {
	case FormatCOCO:
		return d.cocoLabels(it, imgW, imgH)
	case FormatVOC:
		return d.vocLabels(it, imgW, imgH)
	}
	objs, err := d.Labels(it, imgW, imgH)
	if err != nil {
		return nil, nil, err
	}
	return objs, make([]bool, len(objs)), nil
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
