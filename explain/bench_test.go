package explain_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/explain"
	"github.com/detparity/detparity/letterbox"
)

// cpuTime is the CPU time (user + system, all threads) the process has used:
// on a shared machine wall time per op grows with the other jobs' load, CPU
// time per op does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkExplain640: one whole explanation of a 640x640 tensor of a
// 1920x1080 fixture JPEG against sg-coco, every hypothesis included (both
// layouts, all geometries, six interpolations, both decoders): the tensor
// is sg-coco itself, the seed's stretch, an INTER_AREA and a Go-decoded
// variant (the slowest: the decoder changes, so the search runs twice).
func BenchmarkExplain640(b *testing.B) {
	const img = "../fixtures/eval/images/00003.jpg"
	sg, _ := letterbox.Preset("sg-coco")
	for _, spec := range []string{"sg-coco", "stretch", "sg-coco:interp=area", "sg-coco:decoder=go"} {
		s, err := letterbox.Parse(spec)
		if err != nil {
			b.Fatal(err)
		}
		d, err := dataset.DecoderByName(s.DecoderName())
		if err != nil {
			b.Fatal(err)
		}
		im, err := d.Decode(img)
		if err != nil {
			b.Fatal(err)
		}
		p, _ := s.Plan(im.W, im.H)
		out := make([]float32, p.TensorLen())
		if err := p.Apply(im, out); err != nil {
			b.Fatal(err)
		}
		b.Run(spec, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				e, err := explain.Compare(context.Background(), img, out, []int{1, 3, 640, 640}, sg, explain.DefaultTolerance)
				if err != nil || !e.BestExact {
					b.Fatal(err, e.Words())
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}
