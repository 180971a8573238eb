package detect_test

import (
	"errors"
	"fmt"

	"github.com/detparity/detparity/detect"
)

// Inspect names a model's output layout from its shapes, metadata and the values of one zero run, and shows what
// the file's metadata says.
func ExampleInspect() {
	sig, err := detect.Inspect("testdata/families/yolov8_meta.onnx", detect.LayoutAuto)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sig.Layout, sig.Width, sig.Height, sig.NumClasses)
	fmt.Println(sig.Metadata.Producer(), sig.Metadata.Names)

	// Two heads that differ only in where the cell centre is cannot be told apart from the file: the error lists
	// the candidates, each of which Options.Layout / --layout accepts.
	_, err = detect.Inspect("testdata/families/nanodet.onnx", detect.LayoutAuto)
	var amb *detect.AmbiguousError
	if errors.As(err, &amb) {
		fmt.Println(amb.Candidates)
	}
	// Output:
	// yolov8 320 320 3
	// ultralytics 8.3.40 [person o'clock tower café "noir" \ n]
	// [nanodet-plus nanodet]
}
