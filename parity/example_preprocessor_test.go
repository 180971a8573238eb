package parity_test

import (
	"context"
	"fmt"
	"image"
	"math"

	"golang.org/x/image/draw"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/parity"
)

// xdrawLetterbox is preprocessing as a Go service might write it: the image
// decoded by Go, a centre letterbox to 636 inside 640 with
// golang.org/x/image/draw's bilinear scaler, pad 114, RGB, /255, NCHW.
func xdrawLetterbox(in parity.Input, dst []float32) (parity.Unmapper, error) {
	const size, inner = 640, 636
	src := in.Image.ToRGBA()
	r := math.Min(float64(inner)/float64(in.W), float64(inner)/float64(in.H))
	w, h := int(math.Round(float64(in.W)*r)), int(math.Round(float64(in.H)*r))
	if w < 1 || h < 1 {
		return nil, fmt.Errorf("%dx%d image resizes to %dx%d", in.W, in.H, w, h)
	}
	scaled := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(scaled, scaled.Bounds(), src, src.Bounds(), draw.Src, nil)
	left, top := (size-w)/2, (size-h)/2
	plane := size * size
	for i := range dst {
		dst[i] = 114 / 255.0
	}
	for y := range h {
		for x := range w {
			p := scaled.Pix[y*scaled.Stride+4*x:]
			o := (top+y)*size + left + x
			dst[o], dst[plane+o], dst[2*plane+o] = float32(p[0])/255, float32(p[1])/255, float32(p[2])/255
		}
	}
	return parity.UnmapFunc(func(b box.Box) box.Box {
		return box.Box{X1: (b.X1 - float64(left)) / r, Y1: (b.Y1 - float64(top)) / r,
			X2: (b.X2 - float64(left)) / r, Y2: (b.Y2 - float64(top)) / r}
	}), nil
}

// A team's own Go preprocessing runs beside the training preprocessing
// (sg-coco) through the same model, and everything downstream — P/R/F1, AP,
// confidence distributions, reference agreement — measures it alike. Here
// x/image/draw's bilinear scaler (no antialiasing of cv2.INTER_LINEAR's kind
// either, but other weights) loses little against sg-coco on the fixtures.
func ExamplePreprocessor() {
	cfg := parity.DefaultConfig()
	cfg.Model, cfg.Data, cfg.Conf = "../fixtures/model/detector.onnx", "../fixtures/eval", 0.8
	cfg.Pipelines = []string{"sg-coco"}
	cfg.Preprocessors = []parity.Preprocessor{{Name: "xdraw", Decoder: "go", Prepare: xdrawLetterbox}}
	res, err := parity.Run(context.Background(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Pipelines {
		fmt.Printf("%-8s %-12s F1 %.3f AP50 %.3f\n", p.Name, p.Spec, p.F1, p.AP50)
	}
	d := res.Distance("sg-coco", "xdraw", "gt_best")
	fmt.Printf("scores each object gets: PSI %.3f, %s\n", d.PSI, d.Drift) // drift level: none, minor or major
	// Output:
	// sg-coco  sg-coco      F1 0.922 AP50 0.998
	// xdraw    go:xdraw     F1 0.919 AP50 0.998
	// scores each object gets: PSI 0.011, none

}
