package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strconv"
)

// HashVersion names the definition of Dataset.Hash; it is hashed first, so a
// change of definition changes every hash.
const HashVersion = "detparity-dataset-hash-v1"

// Hash is the SHA-256 (hex) of what the dataset is, so that two runs can tell
// whether they evaluated the same data whatever its path. Hashed, in order, each
// string and byte block preceded by its length in decimal and a colon:
//
//   - HashVersion, the Format and the number of class names, then each name;
//   - for COCO, the bytes of the instances json (once);
//   - for each item in Items order (sorted by Name): its Name, then for YOLO the
//     bytes of its label file or "none" without one, for VOC the bytes of its
//     .xml, for COCO its image id in decimal.
//
// Image pixels are not hashed (that would read every image a second time): an
// image replaced by another of the same name is not noticed. Neither are where
// the dataset lies, the data YAML's other keys, files skipped or not listed.
// Label files are read under o's size caps, regular files only (as Open reads
// them); one that cannot be read is hashed as "unreadable" (its image fails in a
// run anyway). Hash honours ctx between files.
func (d *Dataset) Hash(ctx context.Context, o Options) (string, error) {
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s", len(s), s) }
	field(HashVersion)
	field(d.Format)
	field(strconv.Itoa(len(d.Names)))
	for _, n := range d.Names {
		field(n)
	}
	if d.Format == FormatCOCO && len(d.Items) > 0 {
		if err := hashFile(h, d.Items[0].LabelPath, o.MaxIndexBytes, "Options.MaxIndexBytes"); err != nil {
			return "", fmt.Errorf("dataset: hash: %w", err)
		}
	}
	for i, it := range d.Items {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return "", fmt.Errorf("dataset: hash: stopped after %d of %d images: %w", i, len(d.Items), context.Cause(ctx))
			}
		}
		field(it.Name)
		switch {
		case d.Format == FormatCOCO:
			field(strconv.FormatInt(it.ID, 10))
		case it.LabelPath == "":
			field("none")
		default:
			if err := hashFile(h, it.LabelPath, o.MaxLabelBytes, "Options.MaxLabelBytes"); err != nil {
				field("unreadable") // not its error, which names the path
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashFile adds the length and the bytes of the regular file at path to h.
func hashFile(h hash.Hash, path string, limit int64, capName string) error {
	f, size, err := openRegular(path, limit, capName)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(h, "%d:", size)
	n, err := io.Copy(h, io.LimitReader(f, size))
	if err == nil && n != size {
		err = fmt.Errorf("%s changed size while read (%d of %d bytes)", path, n, size)
	}
	return err
}
