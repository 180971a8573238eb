package dataset

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// VOCClasses are the 20 Pascal VOC classes in the order of the VOC devkit and
// Ultralytics' VOC.yaml (alphabetical), used by OpenVOC when the directory has no
// names file.
var VOCClasses = []string{
	"aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
	"diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
}

// OpenVOC reads a Pascal VOC directory (e.g. VOCdevkit/VOC2007):
//
//	DIR/JPEGImages/**/*.{jpg,jpeg,png,bmp}
//	DIR/Annotations/*.xml            one file per image (subfolders are not read)
//	DIR/classes.txt | names.txt | data.yaml   optional class names, as for YOLO
//
// Class names come from the first of NamesFiles that exists (Dataset.NamesFile); when
// there is none, the 20 standard VOCClasses are used and NamesFile is "".
//
// Items: one per annotation file, sorted by Name. The image is the annotation's
// <filename> (a path relative to JPEGImages) or, when it has none, the file's stem +
// ".jpg"; Item.LabelPath is the .xml, Item.Width/Height its <size>. Image files that
// no annotation names are listed in Dataset.Unlisted. ImageSets/ split lists are not
// read: every annotation file is an item.
//
// Every annotation is parsed here with ReadVOC (see ParseVOC for the coordinate
// convention and the checks), so a bad file is found before any image is decoded.
// It also fails when JPEGImages/ or Annotations/ is missing, when Annotations/ holds
// no .xml file, when a <filename> is absolute or leaves JPEGImages, when two
// annotations name the same image, and when the named image file does not exist
// (naming the annotation and the file). Difficult objects are kept and flagged:
// LabelsDetailed returns them, Labels leaves them out. Annotation files are regular
// files of at most o.MaxLabelBytes; unlisted images are also counted in
// Dataset.Warnings (WarnUnlistedImage), with files skipped for their type.
func OpenVOC(ctx context.Context, dir string, o Options) (*Dataset, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	imgDir := filepath.Join(dir, "JPEGImages")
	annDir := filepath.Join(dir, "Annotations")
	for _, d := range []string{imgDir, annDir} {
		if !isDir(d) {
			return nil, fmt.Errorf("dataset: %s: no %s/ folder, expected JPEGImages/ (images) and Annotations/ (*.xml) for Pascal VOC",
				dir, filepath.Base(d))
		}
	}
	ds := &Dataset{Dir: dir, Format: FormatVOC, imagesDir: imgDir, voc: map[string]*VOCAnnotation{}, Orphans: []string{}}
	ws := newWarnings(dir, o)
	if findNames([]string{dir}) != "" {
		names, file, err := readNames([]string{dir}, o)
		if err != nil {
			return nil, err
		}
		ds.Names, ds.NamesFile = names, file
	} else {
		ds.Names = slices.Clone(VOCClasses)
	}

	entries, err := os.ReadDir(annDir)
	if err != nil {
		return nil, fmt.Errorf("dataset: VOC annotations: %w", err)
	}
	byName := map[string]string{} // image name -> annotation file
	for i, e := range entries {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("dataset: %s: stopped after %d of %d annotations: %w", annDir, i, len(entries), err)
			}
		}
		if e.IsDir() || strings.ToLower(filepath.Ext(e.Name())) != ".xml" {
			continue
		}
		xp := filepath.Join(annDir, e.Name())
		ann, err := readVOC(xp, ds.Names, o.MaxLabelBytes)
		if err != nil {
			return nil, err
		}
		name := ann.Filename
		if name == "" {
			name = strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())) + ".jpg"
		}
		if name, err = relName(name); err != nil {
			return nil, fmt.Errorf("dataset: %s: <filename>: %w", xp, err)
		}
		if other, dup := byName[name]; dup {
			return nil, fmt.Errorf("dataset: %s and %s both annotate the image %s, expected one annotation per image", other, xp, name)
		}
		byName[name] = xp
		it := Item{Name: name, ImagePath: filepath.Join(imgDir, filepath.FromSlash(name)), LabelPath: xp, Width: ann.Width, Height: ann.Height}
		if st, err := os.Stat(it.ImagePath); err != nil || !st.Mode().IsRegular() {
			return nil, fmt.Errorf("dataset: %s: image %s does not exist (expected JPEGImages/<filename>, or the annotation's stem + .jpg when it has no <filename>)",
				xp, it.ImagePath)
		}
		ds.voc[xp] = ann
		ds.Items = append(ds.Items, it)
	}
	if len(ds.Items) == 0 {
		return nil, fmt.Errorf("dataset: no VOC annotation (*.xml) found in %s", annDir)
	}
	sort.Slice(ds.Items, func(i, j int) bool { return ds.Items[i].Name < ds.Items[j].Name })

	if ds.Unlisted, err = unlistedImages(ctx, imgDir, dir, ws, func(rel string) bool { return byName[rel] != "" }); err != nil {
		return nil, err
	}
	ds.Warnings = ws.list()
	return ds, nil
}

// vocLabels is LabelsDetailed for a VOC dataset.
func (d *Dataset) vocLabels(it Item, imgW, imgH int) ([]Truth, error) {
	ann, ok := d.voc[it.LabelPath]
	if !ok {
		return nil, fmt.Errorf("dataset: %s: annotation %s is not part of %s", it.ImagePath, it.LabelPath, d.Dir)
	}
	if err := checkSize(it, imgW, imgH); err != nil {
		return nil, err
	}
	out := make([]Truth, len(ann.Objects))
	for k, o := range ann.Objects {
		out[k] = Truth{Object: o, Difficult: ann.Difficult[k], Area: o.W() * o.H()}
	}
	return out, nil
}
