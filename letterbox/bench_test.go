package letterbox

import (
	"fmt"
	"image"
	"image/color"
	"math/rand"
	"testing"

	"gocv.io/x/gocv"

	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox/internal/cvthreads"
)

// benchSizes are the source sizes of the sg-coco benchmarks: VGA, 1080p, 4K.
var benchSizes = [][2]int{{640, 480}, {1920, 1080}, {3840, 2160}}

// BenchmarkSGCoco compares, at equal thread counts, the fused pure-Go path
// (resize, pad, BGR->RGB, /255, NCHW float32 into a reused buffer; Plan with
// Workers(n)) with the OpenCV chain a Python user runs for sg-coco, through gocv
// with cv::setNumThreads(n): resize, copyMakeBorder, cvtColor, convertTo 32F
// with 1/255, split into planes copied into one float32 buffer. Sub-benchmarks
// alternate go and opencv for each size and thread count, so that with -count
// the two are measured interleaved:
//
//	go test ./letterbox -run '^$' -bench SGCoco -benchmem -count 10 | tee sgcoco.txt
//	benchstat -col /impl sgcoco.txt
func BenchmarkSGCoco(b *testing.B) {
	spec, err := Preset("sg-coco")
	if err != nil {
		b.Fatal(err)
	}
	defer cvthreads.Set(-1)
	for _, sz := range benchSizes {
		src := randImage(rand.New(rand.NewSource(1)), sz[0], sz[1], frame.BGR)
		for _, threads := range []int{1, 2} {
			name := fmt.Sprintf("%dx%d/threads=%d", sz[0], sz[1], threads)
			b.Run(name+"/impl=go", func(b *testing.B) {
				p, err := spec.Plan(sz[0], sz[1], Workers(threads))
				if err != nil {
					b.Fatal(err)
				}
				dst := make([]float32, p.TensorLen())
				b.ReportAllocs()
				for b.Loop() {
					if err := p.Apply(src, dst); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(name+"/impl=opencv", func(b *testing.B) {
				cvthreads.Set(threads)
				rw, rh, top, bottom, left, right := pythonSGCoco(sz[0], sz[1])
				m := toMat(b, src)
				defer m.Close()
				rs, bd, f := gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
				defer rs.Close()
				defer bd.Close()
				defer f.Close()
				dst := make([]float32, 3*640*640)
				b.ReportAllocs()
				for b.Loop() {
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
