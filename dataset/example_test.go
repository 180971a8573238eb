package dataset_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"github.com/detparity/detparity/dataset"
)

// Example opens an Ultralytics-style dataset through its data YAML: the val split's
// images, their labels (found by replacing /images/ with /labels/), the names of the
// YAML, and the warnings a run summary prints (here an image without a label file,
// counted as a background image).
func Example() {
	root, _ := os.MkdirTemp("", "detparity-example")
	defer os.RemoveAll(root)
	write := func(rel, body string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		_ = os.WriteFile(p, []byte(body), 0o644)
	}
	var img bytes.Buffer
	_ = png.Encode(&img, image.NewGray(image.Rect(0, 0, 40, 20)))
	write("images/val/a.png", img.String())
	write("images/val/b.png", img.String())
	write("labels/val/a.txt", "1 0.5 0.5 0.5 0.5\n")
	write("data.yaml", "path: .\ntrain: images/train\nval: images/val\nnames:\n  0: person\n  1: car\n")

	ds, err := dataset.Open(context.Background(), filepath.Join(root, "data.yaml"), dataset.DefaultOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ds.Split, ds.Names)
	for _, it := range ds.Items {
		objs, _ := ds.Labels(it, 40, 20)
		fmt.Println(it.Name, objs)
	}
	for _, w := range ds.Warnings {
		fmt.Println(w.Kind, w.Count, w.First)
	}
	// Output:
	// val [person car]
	// a.png [{{10 5 30 15} 1}]
	// b.png []
	// missing-label 1 [images/val/b.png]
}
