package dataset

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// yoloSpec says where the images, labels and names of a YOLO dataset are.
type yoloSpec struct {
	dir       string   // Dataset.Dir
	root      string   // the dataset root: links leading outside it are reported
	imagesDir string   // Item.Name is relative to it ("" = computed, see imagesDirOf)
	folders   []string // image folders, walked recursively
	lists     []string // .txt image lists
	names     []string // the class names of a data YAML (nil: read from namesDirs)
	namesFile string   // where names came from
	namesDirs []string // folders searched for a names file when names is nil
	yaml      string   // Dataset.DataYAML
	split     string   // Dataset.Split
	hint      string   // what was expected, for the no-image error
	ws        *warnings
}

// openYOLO finds the images of spec, reads their label files and the class names.
func openYOLO(ctx context.Context, spec yoloSpec, o Options) (*Dataset, error) {
	if spec.ws == nil {
		spec.ws = newWarnings(spec.dir, o)
	}
	paths, err := spec.imagePaths(ctx, o)
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Dir: spec.dir, DataYAML: spec.yaml, Split: spec.split, Format: FormatYOLO, strict: o.StrictLabels,
		imagesDir: spec.imagesDirOf(paths), yolo: map[string]yoloLabels{}, Orphans: []string{}}
	byLabel := map[string]string{} // label path -> image path
	for _, p := range paths {
		lp := img2label(p)
		if other, dup := byLabel[lp]; dup {
			if other == p {
				return nil, fmt.Errorf("dataset: image %s is listed twice (%s), expected each image once", p, spec.sources())
			}
			return nil, fmt.Errorf("dataset: images %s and %s would share the label file %s; rename one", other, p, lp)
		}
		byLabel[lp] = p
		name, err := filepath.Rel(ds.imagesDir, p)
		if err != nil {
			return nil, fmt.Errorf("dataset: %s: %w", p, err)
		}
		ds.Items = append(ds.Items, Item{Name: filepath.ToSlash(name), ImagePath: p})
	}
	sort.Slice(ds.Items, func(i, j int) bool { return ds.Items[i].Name < ds.Items[j].Name })

	if ds.Names, ds.NamesFile = spec.names, spec.namesFile; ds.Names == nil {
		if ds.Names, ds.NamesFile, err = readNames(spec.namesDirs, o); err != nil {
			return nil, err
		}
	}
	if err := ds.readLabels(ctx, o, spec.ws); err != nil {
		return nil, err
	}
	if err := ds.findOrphans(ctx, spec, byLabel); err != nil {
		return nil, err
	}
	ds.Warnings = spec.ws.list()
	return ds, nil
}

// sources names where the images come from, for messages.
func (spec yoloSpec) sources() string {
	return strings.Join(append(append([]string{}, spec.folders...), spec.lists...), ", ")
}

// imagePaths lists the image files of the folders and lists of spec, sorted. Files
// with an image extension detparity does not decode, and list lines naming no image
// file, are counted (WarnSkippedType).
func (spec yoloSpec) imagePaths(ctx context.Context, o Options) ([]string, error) {
	var paths []string
	w := newWalker(ctx, spec.ws)
	for _, f := range spec.folders {
		if err := checkSplits(f, spec); err != nil {
			return nil, err
		}
		root := spec.root
		if !within(absClean(f), absClean(root)) {
			root = f // a split folder outside the dataset root: links are judged against it
		}
		err := w.walk(f, root, func(p string, _ fs.FileInfo) error {
			switch {
			case isImageExt(p):
				paths = append(paths, p)
			case isSkippedImageExt(p):
				spec.ws.add(WarnSkippedType, p, 1)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, l := range spec.lists {
		listed, err := readImageList(l, o, spec.ws)
		if err != nil {
			return nil, err
		}
		paths = append(paths, listed...)
	}
	if len(paths) == 0 {
		hint := ""
		if spec.hint != "" {
			hint = " (" + spec.hint + ")"
		}
		return nil, fmt.Errorf("dataset: no images (%s, any case) found under %s%s", strings.Join(ImageExts, " "), spec.sources(), hint)
	}
	sort.Strings(paths)
	return paths, nil
}

// imagesDirOf is the folder Item.Name is relative to: spec.imagesDir, else the one
// folder of spec, else the deepest folder holding every image.
func (spec yoloSpec) imagesDirOf(paths []string) string {
	if spec.imagesDir != "" {
		return spec.imagesDir
	}
	if len(spec.folders) == 1 && len(spec.lists) == 0 {
		return spec.folders[0]
	}
	common := filepath.Dir(paths[0])
	for _, p := range paths[1:] {
		for !within(p, common) && filepath.Dir(common) != common && common != "." {
			common = filepath.Dir(common)
		}
	}
	return common
}

// absClean is p made absolute and cleaned (p itself when that fails).
func absClean(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// readImageList reads a .txt image list as Ultralytics' get_img_files does: the file is
// stripped and split into lines; a line starting with "./" is relative to the list's
// folder (Ultralytics replaces the "./"); other relative lines are taken relative to
// the list's folder too (Ultralytics: the working directory); lines whose extension is
// not an image format are skipped (counted in WarnSkippedType unless blank).
func readImageList(list string, o Options, ws *warnings) ([]string, error) {
	b, err := readRegular(list, o.MaxIndexBytes, "Options.MaxIndexBytes")
	if err != nil {
		return nil, fmt.Errorf("dataset: image list: %w", err)
	}
	text := strings.ReplaceAll(strings.ReplaceAll(string(bytes.TrimSpace(b)), "\r\n", "\n"), "\r", "\n")
	parent := filepath.Dir(list)
	var out []string
	for i, line := range strings.Split(text, "\n") {
		if line == "" {
			continue
		}
		p := filepath.FromSlash(line)
		if strings.HasPrefix(line, "./") {
			p = filepath.Join(parent, filepath.FromSlash(line[2:]))
		} else if !filepath.IsAbs(p) {
			p = filepath.Join(parent, p)
		}
		p = filepath.Clean(p)
		if !isImageExt(line) {
			ws.add(WarnSkippedType, fmt.Sprintf("%s:%d", list, i+1), 1)
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// splitName matches the folder names of dataset splits: train, val, valid,
// validation, test (any case), maybe followed by a number (train2017, val_1, test-dev2017).
var splitName = regexp.MustCompile(`(?i)^(train|training|val|valid|validation|test|testing|test-dev)([-_]?[0-9]+)?$`)

// checkSplits refuses a folder to be read whole that holds two or more split folders.
func checkSplits(folder string, spec yoloSpec) error {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return nil // the walk reports it
	}
	var splits []string
	for _, e := range entries {
		if hidden(e.Name()) || !splitName.MatchString(e.Name()) || !isDir(filepath.Join(folder, e.Name())) {
			continue
		}
		splits = append(splits, e.Name())
	}
	if len(splits) < 2 {
		return nil
	}
	pick := splits[0]
	for _, s := range splits {
		if strings.HasPrefix(strings.ToLower(s), "val") {
			pick = s
			break
		}
	}
	hint := ""
	for _, d := range []string{folder, filepath.Dir(folder), spec.root} {
		if y := filepath.Join(d, "data.yaml"); spec.yaml == "" && isRegular(y) {
			hint = "; " + y + " is there"
			break
		}
	}
	how := "open the split folder (e.g. " + filepath.Join(folder, pick) + ") or an Ultralytics data .yaml whose val: names it" + hint
	if spec.yaml != "" {
		how = "make " + spec.split + ": in " + spec.yaml + " name the split folder (e.g. " + filepath.Join(folder, pick) + ")"
	}
	return fmt.Errorf("dataset: %s holds the splits %s; reading it whole would mix them: %s", folder, strings.Join(splits, ", "), how)
}

// isRegular reports whether p is an existing regular file (links followed).
func isRegular(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// readLabels reads and parses the label file of every item (see Open).
func (d *Dataset) readLabels(ctx context.Context, o Options, ws *warnings) error {
	for i := range d.Items {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("dataset: reading label files: stopped after %d of %d: %w", i, len(d.Items), err)
			}
		}
		it := &d.Items[i]
		lp, err := statLabel(img2label(it.ImagePath))
		if lp == "" {
			ws.add(WarnMissingLabel, it.ImagePath, 1)
			continue
		}
		it.LabelPath = lp
		if err != nil {
			d.yolo[it.Name] = yoloLabels{err: fmt.Errorf("dataset: %s: %w", it.ImagePath, err)}
			continue
		}
		b, err := readRegular(lp, o.MaxLabelBytes, "Options.MaxLabelBytes")
		if err != nil {
			d.yolo[it.Name] = yoloLabels{err: fmt.Errorf("dataset: %s: label file: %w", it.ImagePath, err)}
			continue
		}
		objs, dups, err := parseLabelFile(lp, bytes.NewReader(b), len(d.Names))
		d.yolo[it.Name] = yoloLabels{objs: objs, err: err}
		if dups > 0 {
			ws.add(WarnDuplicateLabels, lp, dups)
		}
	}
	return nil
}

// findOrphans lists the label files in the labels folders of spec's image folders that
// no image uses (Dataset.Orphans, relative to the labels folder of ImagesDir).
func (d *Dataset) findOrphans(ctx context.Context, spec yoloSpec, byLabel map[string]string) error {
	labelsRoot := labelsDirOf(d.imagesDir)
	if labelsRoot == "" {
		return nil
	}
	w := newWalker(ctx, newWarnings(spec.dir, Options{})) // link problems here are the labels', not counted twice
	for _, f := range spec.folders {
		ld := labelsDirOf(f)
		if ld == "" || !isDir(ld) {
			continue
		}
		err := w.walk(ld, spec.root, func(p string, _ fs.FileInfo) error {
			if filepath.Ext(p) != ".txt" {
				return nil
			}
			if _, ok := byLabel[p]; ok {
				return nil
			}
			rel, err := filepath.Rel(labelsRoot, p)
			if err != nil {
				rel = p
			}
			d.Orphans = append(d.Orphans, filepath.ToSlash(rel))
			spec.ws.add(WarnOrphanLabel, p, 1)
			return nil
		})
		if err != nil {
			return err
		}
	}
	sort.Strings(d.Orphans)
	return nil
}
