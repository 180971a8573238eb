// Package dataset is the first step of the detparity data path: it finds the images
// and YOLO labels of a dataset directory, parses the labels into ground-truth boxes in
// source pixels (box.Object), and decodes image files into 8-bit 3-channel
// frame.Image values that the letterbox step reads next.
//
// # Layout
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
// Pascal VOC annotation files (Annotations/*.xml) are read by ParseVOC / ReadVOC into
// the same box.Object values, with VOC's 1-based corners shifted as Ultralytics'
// VOC.yaml conversion does.
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

// Item is one image of a dataset.
type Item struct {
	// Name is the image path relative to DIR/images, slash-separated (e.g. "train/a.jpg").
	Name string
	// ImagePath is the image file path (DIR joined with images/ and Name).
	ImagePath string
	// LabelPath is the label file path, "" when the label file does not exist.
	LabelPath string
}

// Dataset is a YOLO-format dataset directory, as found by Open.
type Dataset struct {
	// Dir is the directory given to Open.
	Dir string
	// Names are the class names, index = class id.
	Names []string
	// NamesFile is the file the names were read from.
	NamesFile string
	// Items are the images, sorted by Name (byte order).
	Items []Item
	// Orphans are label files with no image, as slash-separated paths relative to
	// DIR/labels, sorted.
	Orphans []string
}

// Open scans dir. It fails when dir is missing or not a directory, when dir/images is
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
	if st, err := os.Stat(imgDir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("dataset: %s: no images/ folder (expected %s holding %s files)", dir, imgDir, strings.Join(ImageExts, " "))
	}
	lblDir := filepath.Join(dir, "labels")

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
	return &Dataset{Dir: dir, Names: names, NamesFile: namesFile, Items: items, Orphans: orphans}, nil
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

// ExpectedLabelPath is where the label file of it is looked for (whether or not it exists).
func (d *Dataset) ExpectedLabelPath(it Item) string {
	stem := strings.TrimSuffix(it.Name, path.Ext(it.Name))
	return filepath.Join(d.Dir, "labels", filepath.FromSlash(stem)+".txt")
}

// Labels reads and parses the label file of it for an image of imgW x imgH pixels
// (the decoded size) with the class count len(d.Names); see ParseLabels. An item
// without a label file is an error wrapping ErrNoLabel.
func (d *Dataset) Labels(it Item, imgW, imgH int) ([]box.Object, error) {
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
