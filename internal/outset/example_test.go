package outset_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/detparity/detparity/internal/outset"
)

// A report folder's files are written as one set: all new, or all as they were.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "outset")
	defer os.RemoveAll(dir)
	text := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	err := outset.Write(context.Background(), []outset.File{
		{Path: filepath.Join(dir, "report.json"), Write: text("{}\n")},
		{Path: filepath.Join(dir, "index.html"), Write: text("<html>\n")},
	})
	fmt.Println(err)
	// A file that fails to render leaves the set as it was.
	err = outset.Write(context.Background(), []outset.File{
		{Path: filepath.Join(dir, "report.json"), Write: text("{\"new\": true}\n")},
		{Path: filepath.Join(dir, "index.html"), Write: func(io.Writer) error { return errors.New("template failed") }},
	})
	fmt.Println(err != nil)
	b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	fmt.Print(string(b))
	// Output:
	// <nil>
	// true
	// {}
}

// An output that is also an input is refused before any work.
func ExampleDistinct() {
	dir, _ := os.MkdirTemp("", "outset")
	defer os.RemoveAll(dir)
	model := filepath.Join(dir, "model.onnx")
	os.WriteFile(model, []byte("onnx"), 0o644)
	os.Symlink(model, filepath.Join(dir, "latest.onnx"))
	err := outset.Distinct([]outset.Path{{Role: "--out", Name: filepath.Join(dir, "latest.onnx")}},
		[]outset.Path{{Role: "the --model file", Name: model}})
	fmt.Println(errors.Is(err, outset.ErrCollision))
	err = outset.Distinct([]outset.Path{{Role: "--out", Name: filepath.Join(dir, "run.json")}},
		[]outset.Path{{Role: "the --model file", Name: model}})
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}
