package letterbox

import (
	"fmt"
	"image"
	"image/color"
	"math/rand"
	"testing"

	"gocv.io/x/gocv"

	"github.com/detparity/detparity/frame"
)

// benchSizes are the source sizes of the sg-coco benchmarks: VGA, 1080p, 4K.
var benchSizes = [][2]int{{640, 480}, {1920, 1080}, {3840, 2160}}

// BenchmarkApplySGCoco: the fused pure-Go path (resize, pad, BGR->RGB, /255,
// NCHW float32) for a BGR frame into a reused buffer, serial and with the
// rows split over 2 workers.
func BenchmarkApplySGCoco(b *testing.B) {
	spec, err := Preset("sg-coco")
	if err != nil {
		b.Fatal(err)
	}
	for _, sz := range benchSizes {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%dx%d/workers=%d", sz[0], sz[1], workers), func(b *testing.B) {
				p, err := spec.Plan(sz[0], sz[1], Workers(workers))
				if err != nil {
					b.Fatal(err)
				}
				src := randImage(rand.New(rand.NewSource(1)), sz[0], sz[1], frame.BGR)
				dst := make([]float32, p.TensorLen())
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := p.Apply(src, dst); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkGocvChain: the OpenCV chain a Python user runs for sg-coco
// (resize, copyMakeBorder, cvtColor, convertTo 32F with 1/255, split into
// planes copied into one float32 buffer), through gocv, with OpenCV's own
// threading (TBB) as a Python user gets it.
func BenchmarkGocvChain(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			rw, rh, top, bottom, left, right := pythonSGCoco(sz[0], sz[1])
			src := randImage(rand.New(rand.NewSource(1)), sz[0], sz[1], frame.BGR)
			m := toMat(b, src)
			defer m.Close()
			rs, bd, f := gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
			defer rs.Close()
			defer bd.Close()
			defer f.Close()
			dst := make([]float32, 3*640*640)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				gocv.Resize(m, &rs, image.Pt(rw, rh), 0, 0, gocv.InterpolationLinear)
				gocv.CopyMakeBorder(rs, &bd, top, bottom, left, right, gocv.BorderConstant, color.RGBA{R: 114, G: 114, B: 114})
				gocv.CvtColor(bd, &bd, gocv.ColorBGRToRGB)
				bd.ConvertToWithParams(&f, gocv.MatTypeCV32FC3, float32(1/255.0), 0)
				planes := gocv.Split(f)
				for k, pl := range planes {
					v, err := pl.DataPtrFloat32()
					if err != nil {
						b.Fatal(err)
					}
					copy(dst[k*640*640:(k+1)*640*640], v)
					pl.Close()
				}
			}
		})
	}
}

// BenchmarkApplyStretch1080p: the stretch preset (a 3x vertical, 1.7x
// horizontal bilinear downscale) for a 1920x1080 frame.
func BenchmarkApplyStretch1080p(b *testing.B) {
	spec, err := Preset("stretch")
	if err != nil {
		b.Fatal(err)
	}
	p, err := spec.Plan(1920, 1080)
	if err != nil {
		b.Fatal(err)
	}
	src := randImage(rand.New(rand.NewSource(1)), 1920, 1080, frame.BGR)
	dst := make([]float32, p.TensorLen())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.Apply(src, dst); err != nil {
			b.Fatal(err)
		}
	}
}
