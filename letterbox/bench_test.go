package letterbox

import (
	"fmt"
	"image"
	"image/color"
	"math/rand"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gocv.io/x/gocv"

	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox/internal/cvthreads"
)

// benchSizes are the source sizes of the sg-coco benchmarks: VGA, 1080p, 4K.
var benchSizes = [][2]int{{640, 480}, {1920, 1080}, {3840, 2160}}

// procCPU is the CPU time the process has used (all threads, user + system).
func procCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the metric cpu-ns/op: the process's CPU time per operation since
// start (every thread's, OpenCV's and the garbage collector's included). On a shared
// machine it moves less than the wall time: other jobs slow an operation down but
// do not bill their time to it.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(procCPU(b)-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkSGCoco compares, at equal thread counts, the fused Go path (resize,
// pad, BGR->RGB, /255, NCHW float32 into a reused buffer; Plan with Workers(n))
// with the OpenCV chain a Python user runs for sg-coco, through gocv with
// cv::setNumThreads(n) (see cvBench): impl=opencv splits the planes as cv2.split
// does, impl=opencv-inplace extracts them straight into the tensor. For each size
// and thread count the sub-benchmarks run one after the other; repeat the whole
// binary to interleave them (one go test -count would run each one N times in a
// row), and read the medians with benchstat:
//
//	go test -c -o /tmp/letterbox.test ./letterbox
//	for i in $(seq 10); do /tmp/letterbox.test -test.run '^$' -test.bench SGCoco -test.benchmem; done | tee sgcoco.txt
//	benchstat -col /impl sgcoco.txt
//
// cpu-ns/op is the process's CPU time per tensor (reportCPU).
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
				cpu := procCPU(b)
				for b.Loop() {
					if err := p.Apply(src, dst); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			})
			for _, inplace := range []bool{false, true} {
				impl := map[bool]string{false: "opencv", true: "opencv-inplace"}[inplace]
				b.Run(name+"/impl="+impl, func(b *testing.B) {
					cvthreads.Set(threads)
					chain := newCVBench(b, src, inplace)
					defer chain.close()
					b.ReportAllocs()
					cpu := procCPU(b)
					for b.Loop() {
						chain.run(b)
					}
					reportCPU(b, cpu)
				})
			}
		}
	}
}

// cvBench is the sg-coco chain in gocv for one source image: resize,
// copyMakeBorder, cvtColor, convertTo 32F with 1/255, then the planes into
// the float32 tensor dst. Split (what cv2.split gives a Python user: three new
// arrays per call) and a copy, or, in place, extractChannel into three Mats
// over dst's own memory: no allocation and no copy, the fastest this chain can
// be written with gocv.
type cvBench struct {
	src, rs, bd, f                   gocv.Mat
	planes                           []gocv.Mat // in place: views of dst
	dst                              []float32
	rw, rh, top, bottom, left, right int
}

func newCVBench(b *testing.B, src frame.Image, inplace bool) *cvBench {
	c := &cvBench{src: toMat(b, src), rs: gocv.NewMat(), bd: gocv.NewMat(), f: gocv.NewMat(), dst: make([]float32, 3*640*640)}
	c.rw, c.rh, c.top, c.bottom, c.left, c.right = pythonSGCoco(src.W, src.H)
	if !inplace {
		return c
	}
	for k := range 3 {
		plane := c.dst[k*640*640 : (k+1)*640*640]
		m, err := gocv.NewMatFromBytes(640, 640, gocv.MatTypeCV32F, unsafe.Slice((*byte)(unsafe.Pointer(&plane[0])), 4*len(plane)))
		if err != nil {
			b.Fatal(err)
		}
		c.planes = append(c.planes, m)
	}
	// The planes must land in dst (extractChannel must not reallocate them): the
	// same tensor as Split and a copy.
	split := newCVBench(b, src, false)
	defer split.close()
	split.run(b)
	c.run(b)
	if !slices.Equal(split.dst, c.dst) {
		b.Fatal("extractChannel did not write into the tensor")
	}
	return c
}

func (c *cvBench) run(b *testing.B) {
	gocv.Resize(c.src, &c.rs, image.Pt(c.rw, c.rh), 0, 0, gocv.InterpolationLinear)
	gocv.CopyMakeBorder(c.rs, &c.bd, c.top, c.bottom, c.left, c.right, gocv.BorderConstant, color.RGBA{R: 114, G: 114, B: 114})
	gocv.CvtColor(c.bd, &c.bd, gocv.ColorBGRToRGB)
	c.bd.ConvertToWithParams(&c.f, gocv.MatTypeCV32FC3, float32(1/255.0), 0)
	if c.planes != nil {
		for k := range c.planes {
			gocv.ExtractChannel(c.f, &c.planes[k], k)
		}
		return
	}
	for k, pl := range gocv.Split(c.f) {
		v, err := pl.DataPtrFloat32()
		if err != nil {
			b.Fatal(err)
		}
		copy(c.dst[k*640*640:(k+1)*640*640], v)
		pl.Close()
	}
}

func (c *cvBench) close() {
	for _, m := range append([]gocv.Mat{c.src, c.rs, c.bd, c.f}, c.planes...) {
		m.Close()
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
