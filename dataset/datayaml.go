package dataset

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// OpenDataYAML opens the split o.Split ("val") of an Ultralytics data YAML, the file
// given as data= to Ultralytics, resolved as check_det_dataset and get_img_files do
// (ultralytics/data/utils.py and base.py, v8.3):
//
//	path: ../datasets/coco8   # dataset root: absolute, or relative to this file
//	val: images/val           # a folder of images, a list of folders, or a .txt image list
//	names: {0: person, 1: bicycle}   # or a list, or nc: alone (see ParseNamesYAML)
//
// The root is path: (absolute, or relative to the YAML's folder; Ultralytics tries the
// working directory and its datasets_dir setting instead, which detparity does not
// depend on), or the YAML's folder when path: is absent or empty. Each split entry is
// resolved against the root; a single entry that does not exist and starts with "../"
// is tried without it (Ultralytics' rule for Roboflow exports, whose val: reads
// ../valid/images). A folder is walked recursively (as Open does, hidden names skipped,
// links followed); a file is a .txt image list (see readImageList). A missing val: key
// falls back to validation:. Labels are found by the img2label rule (the last /images/
// of each image path becomes /labels/), names are the YAML's. Everything else is as
// for Open (warnings, label checks, the split check on each folder).
//
// Paths are made absolute (Dataset.Dir, DataYAML, Item.ImagePath). Errors name the YAML
// and the line: a missing or empty split key (listing the keys
// present), a root or split entry that does not exist (Ultralytics would try to
// download it; detparity does not), a path that is not a string.
func OpenDataYAML(ctx context.Context, file string, o Options) (*Dataset, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	file = absClean(file) // as Ultralytics, which resolves every path: list lines may be absolute
	b, err := readRegular(file, o.MaxNamesBytes, "Options.MaxNamesBytes")
	if err != nil {
		return nil, fmt.Errorf("dataset: data YAML: %w", err)
	}
	d, err := parseDataYAML(file, b)
	if err != nil {
		return nil, err
	}
	names, err := d.names()
	if err != nil {
		return nil, err
	}
	root, err := d.root()
	if err != nil {
		return nil, err
	}
	if o.Split == "" {
		return nil, fmt.Errorf("dataset: %s: Options.Split is empty, expected the key of the split to open (val, test, train; start from DefaultOptions())", file)
	}
	split := o.Split
	vals, present, err := d.paths(split)
	if !present && err == nil && split == "val" {
		if _, has := d.keys["val"]; !has {
			split = "validation"
			vals, present, err = d.paths(split)
		}
	}
	if err != nil {
		return nil, err
	}
	if !present {
		key := split + ":"
		if split == "validation" {
			key = "val: (nor validation:)"
		}
		return nil, fmt.Errorf("dataset: %s: no %s key or it is empty (keys: %s), expected the images of the split: a folder, a list of folders, or a .txt image list",
			file, key, strings.Join(d.keyList(), ", "))
	}
	spec := yoloSpec{dir: root, root: root, names: names, namesFile: file, yaml: file, split: split}
	for _, v := range vals {
		p, err := d.entry(root, split, v, len(vals) == 1)
		if err != nil {
			return nil, err
		}
		if isDir(p) {
			spec.folders = append(spec.folders, p)
		} else {
			spec.lists = append(spec.lists, p)
		}
	}
	return openYOLO(ctx, spec, o)
}

// root resolves the path: key (see OpenDataYAML).
func (d *dataYAML) root() (string, error) {
	yamlDir := filepath.Dir(d.file)
	vals, present, err := d.paths("path")
	if err != nil {
		return "", err
	}
	if !present {
		return yamlDir, nil
	}
	if len(vals) != 1 {
		return "", fmt.Errorf("dataset: %s:%d: path: is a list, expected one folder (the dataset root)", d.file, d.line["path"])
	}
	r := filepath.FromSlash(vals[0].s)
	if !filepath.IsAbs(r) {
		r = filepath.Join(yamlDir, r)
	}
	if !isDir(r) {
		return "", fmt.Errorf("dataset: %s:%d: path: %q is %s, which is not a folder; detparity reads a relative path against the YAML's folder (Ultralytics also tries the working directory and its datasets_dir setting): make it absolute or relative to %s",
			d.file, vals[0].line, vals[0].s, r, yamlDir)
	}
	return r, nil
}

// entry resolves one split entry against root and checks that it exists and is a
// folder or a regular file.
func (d *dataYAML) entry(root, split string, v yamlString, single bool) (string, error) {
	rel := filepath.FromSlash(v.s)
	p := rel
	if !filepath.IsAbs(rel) {
		p = filepath.Join(root, rel)
	}
	if _, err := os.Stat(p); err != nil && single && strings.HasPrefix(v.s, "../") {
		if alt := filepath.Join(root, filepath.FromSlash(v.s[3:])); exists(alt) {
			p = alt
		}
	}
	st, err := os.Stat(p)
	if err != nil {
		hint := ""
		if _, ok := d.keys["download"]; ok {
			hint = "; the YAML has a download: key, but detparity does not download: fetch the data with Ultralytics first"
		}
		return "", fmt.Errorf("dataset: %s:%d: %s: %q: %s does not exist, expected a folder of images or a .txt image list%s: %w",
			d.file, v.line, split, v.s, p, hint, err)
	}
	if !st.IsDir() && !st.Mode().IsRegular() {
		return "", fmt.Errorf("dataset: %s:%d: %s: %q: %s is %s: %w, expected a folder of images or a .txt image list",
			d.file, v.line, split, v.s, p, describeMode(st.Mode()), ErrNotRegular)
	}
	return p, nil
}

// exists reports whether p exists (links followed).
func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// keyList lists the top-level keys, sorted.
func (d *dataYAML) keyList() []string {
	keys := make([]string, 0, len(d.keys))
	for k := range d.keys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
