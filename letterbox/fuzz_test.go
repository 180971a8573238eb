package letterbox

import (
	"math/rand"
	"testing"

	"github.com/detparity/detparity/frame"
)

// FuzzParse: no spec string makes Parse panic, and every accepted one prints
// back canonically: Parse(s.String()) == s. Seeds: f.Add below plus
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"sg-coco", "sg-coco:pad=0", "letterbox:size=640,inner=636,anchor=center,pad=114,order=rgb,scale=1/255",
		"stretch:size=320x256,interp=cubic", "yolox-legacy:std=0", "ultralytics-auto:scaleup=false", "sg-coco:decoder=go", ":", "a:b=c,d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse(in)
		if err != nil {
			return
		}
		back, err := Parse(s.String())
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its String %q does not parse: %v", in, s.String(), err)
		}
		if back != s {
			t.Fatalf("Parse(%q).String() = %q parses to %+v, want %+v", in, s.String(), back, s)
		}
	})
}

// FuzzPlan: random specs and source sizes never panic; when a Plan is made
// its Geometry is consistent (positive resized size, non-negative pads that
// add up to the tensor size, tensor no larger than the model input, resized
// size within the inner box) and Apply on a small image succeeds, writing
// for float32 NCHW the bits of the unfused resize and value tables.
func FuzzPlan(f *testing.F) {
	f.Add("sg-coco", 1920, 1080, int64(1))
	f.Add("ultralytics-auto", 333, 211, int64(2))
	f.Add("yolox:size=64,interp=area", 7, 300, int64(3))
	f.Add("letterbox:size=17x5,stride=4,round=ceil,anchor=bottom-right,interp=cubic", 1, 1, int64(4))
	f.Fuzz(func(t *testing.T, str string, w, h int, seed int64) {
		s, err := Parse(str)
		if err != nil {
			return
		}
		w, h = 1+abs(w)%5000, 1+abs(h)%5000
		if tw, th := s.Dims(); tw*th > 1<<20 {
			return // keep each fuzz input fast
		}
		p, err := s.Plan(w, h)
		if err != nil {
			return
		}
		g := p.Geometry()
		tw, th := s.Dims()
		if g.ResizedW < 1 || g.ResizedH < 1 || g.PadTop < 0 || g.PadLeft < 0 || g.PadBottom < 0 || g.PadRight < 0 ||
			g.PadLeft+g.ResizedW+g.PadRight != g.DstW || g.PadTop+g.ResizedH+g.PadBottom != g.DstH ||
			g.DstW > tw || g.DstH > th || g.SrcW != w || g.SrcH != h {
			t.Fatalf("%s %dx%d: inconsistent geometry %+v", s, w, h, g)
		}
		if s.Mode == Letterbox {
			iw, ih := s.inner()
			if s.Round != Ceil && (g.ResizedW > iw || g.ResizedH > ih) {
				t.Fatalf("%s %dx%d: resized %dx%d exceeds the inner box %dx%d", s, w, h, g.ResizedW, g.ResizedH, iw, ih)
			}
		}
		if w*h > 1<<16 {
			return
		}
		src := randImage(rand.New(rand.NewSource(seed)), w, h, frame.BGR)
		if s.DType == Uint8 {
			err = p.ApplyUint8(src, make([]uint8, p.TensorLen()))
		} else {
			// The fused float32 NCHW rows (AVX2 or pure Go, by the seed) must give the
			// unfused resize's bits.
			defer func(v bool) { haveAVX2 = v }(haveAVX2)
			haveAVX2 = haveAVX2 && seed%2 == 0
			dst := make([]float32, p.TensorLen())
			if err = p.Apply(src, dst); err == nil && s.Layout == NCHW {
				if msg := tensorMismatch(dst, unfusedTensor(t, p, src), g.DstW, g.DstH); msg != "" {
					t.Fatalf("%s %dx%d avx2=%v: %s", s, w, h, haveAVX2, msg)
				}
			}
		}
		if err != nil {
			t.Fatalf("%s %dx%d: %v", s, w, h, err)
		}
	})
}

func abs(v int) int {
	if v < 0 {
		if v == -v { // math.MinInt
			return 0
		}
		return -v
	}
	return v
}
