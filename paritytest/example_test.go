package paritytest_test

import (
	"fmt"
	"testing"

	// The sg-coco spec decodes images as cv2.imread does (OpenCV registers itself).
	_ "github.com/detparity/detparity/dataset/opencv"
	"github.com/detparity/detparity/parity"
	"github.com/detparity/detparity/paritytest"
)

// printTB stands in for the *testing.T a real test has, printing what would fail it.
type printTB struct{ failed bool }

func (p *printTB) Helper()                           {}
func (p *printTB) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (p *printTB) FailNow()                          { p.failed = true }
func (p *printTB) Logf(format string, args ...any)   {}

// The fixture detector, fed the preprocessing it was trained with, passes an F1
// gate and the committed baseline. In a test, pass the test's *testing.T.
func Example() {
	t := &printTB{} // in a test: func TestDetector(t *testing.T) { ... }
	cfg := paritytest.DefaultConfig()
	cfg.Model, cfg.Data, cfg.Pipeline, cfg.Conf = "../fixtures/model/detector.onnx", "../fixtures/eval", "sg-coco", 0.8
	cfg.Floor = 0.05 // the committed baseline keeps detections above 0.05 only
	res := paritytest.Run(t, cfg)
	res.RequireF1AtLeast(0.85)
	res.RequireNoDrift("testdata/sg-coco.json", parity.Thresholds{MaxF1Drop: 0.01, MaxPSI: 0.1})
	fmt.Printf("F1 %.3f, failed %v\n", res.F1(), t.failed)
	// Output: F1 0.922, failed false
}

// TestDetectorParity is the README's example, as a user writes it in a test of
// their own.
func TestDetectorParity(t *testing.T) {
	cfg := paritytest.DefaultConfig()
	cfg.Model, cfg.Data, cfg.Pipeline, cfg.Conf = "../fixtures/model/detector.onnx", "../fixtures/eval", "sg-coco", 0.8
	cfg.Floor = 0.05 // the committed baseline keeps detections above 0.05 only
	res := paritytest.Run(t, cfg)
	res.RequireF1AtLeast(0.85)
	res.RequireNoDrift("testdata/sg-coco.json", parity.Thresholds{MaxF1Drop: 0.01, MaxPSI: 0.1})
}
