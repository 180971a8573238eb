package metrics_test

import (
	"fmt"
	"strings"

	"github.com/detparity/detparity/metrics"
)

// ExampleDecodeCOCOResults reads a ground truth and a results file as streams (any
// io.Reader: a file, a network body) and evaluates them; a bad result is named by
// file, line and field.
func ExampleDecodeCOCOResults() {
	gt, err := metrics.DecodeCOCOGroundTruth("gt.json", strings.NewReader(`{
  "images": [{"id": 1, "width": 640, "height": 480}],
  "categories": [{"id": 1, "name": "person"}],
  "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 100, 200], "area": 20000, "iscrowd": 0}]
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	dts, err := metrics.DecodeCOCOResults("dt.json", strings.NewReader(`[
{"image_id": 1, "category_id": 1, "bbox": [10, 20, 100, 200], "score": 0.9},
{"image_id": 1, "category_id": 1, "bbox": [300, 300, 50, 50], "score": 0.4}
]`), gt)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := metrics.EvaluateCOCO(gt, dts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d detections, AP50 %.3f\n", len(dts), s.Stats.AP50)

	_, err = metrics.DecodeCOCOResults("dt.json", strings.NewReader("[\n{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1], \"score\": 0.5}]"), gt)
	fmt.Println(err)
	// Output:
	// 2 detections, AP50 1.000
	// metrics: dt.json:2: result 0: bbox: 3 numbers, want x, y, w, h
}
