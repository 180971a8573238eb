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
	err := outset.Distinct([]outset.Path{{Role: "--out", Name: "model.onnx"}}, []outset.Path{{Role: "the --model file", Name: "./model.onnx"}})
	fmt.Println(err)
	fmt.Println(errors.Is(err, outset.ErrCollision))
	// Output:
	// --out model.onnx is also the --model file ./model.onnx: an output may not overwrite an input or another output of the same command
	// true
}
