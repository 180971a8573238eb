package letterbox

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"gocv.io/x/gocv"

	"github.com/detparity/detparity/frame"
)

// BenchmarkApplySGCoco1080p: the fused pure-Go path (resize, pad, BGR->RGB,
// /255, NCHW) for a 1920x1080 BGR frame into a reused buffer.
func BenchmarkApplySGCoco1080p(b *testing.B) {
	spec, err := Preset("sg-coco")
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

// BenchmarkApplyStretch1080p: the same for the stretch preset.
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

// BenchmarkGocvChain1080p: the OpenCV chain a Python user runs for sg-coco
// (resize, copyMakeBorder, cvtColor, convertTo 32F with 1/255, split into
// planes copied into one float32 buffer), through gocv.
func BenchmarkGocvChain1080p(b *testing.B) {
	src := randImage(rand.New(rand.NewSource(1)), 1920, 1080, frame.BGR)
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
		gocv.Resize(m, &rs, image.Pt(636, 358), 0, 0, gocv.InterpolationLinear)
		gocv.CopyMakeBorder(rs, &bd, 141, 141, 2, 2, gocv.BorderConstant, color.RGBA{R: 114, G: 114, B: 114})
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
}
