package explain_test

import (
	"context"
	"fmt"

	"github.com/detparity/detparity/explain"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

// A tensor written by a Python pipeline (np.save) that stretched the image
// and forgot to convert cv2.imread's BGR to RGB, explained against the
// training preprocessing, sg-coco, at the tensor's 64x64 size.
func Example() {
	a, err := npy.ReadFile("../fixtures/explain/stretch_bgr_b.npy")
	if err != nil {
		fmt.Println(err)
		return
	}
	sg, _ := letterbox.Parse("sg-coco")
	e, err := explain.Compare(context.Background(), "../fixtures/explain/b.jpg", a.Float32(), a.Shape, sg, explain.DefaultTolerance)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range e.Words() {
		fmt.Println(w)
	}
	// Output:
	// stretched to 64x64 without keeping the aspect ratio (the 90x160 image fills the input, no padding); sg-coco:size=64,inner=60 letterboxes it: 34x60 at x=15, y=2
	// channels in BGR order instead of RGB (cv2.imread's BGR not converted)
	// compared with sg-coco:size=64,inner=60: max |Δ| 0.6745 (172 grey levels), mean |Δ| 0.172, 98.8% of the values differ by more than 1e-05, PSNR 13.5 dB
	// this accounts for all of it: the tensor is sg-coco:mode=stretch,size=64,inner=60,order=bgr exactly (max |Δ| 0, tolerance 1e-05 per value, for float32 rounding)
}
