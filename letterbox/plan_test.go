package letterbox

import (
	"fmt"
	"math"
	"math/rand"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"

	"github.com/detparity/detparity/frame"
)

// tensorMismatch describes the first float32 whose bits differ between two
// NCHW tensors of width w and height h, or "" when all bits are equal.
func tensorMismatch(got, want []float32, w, h int) string {
	if len(got) != len(want) {
		return fmt.Sprintf("length %d, want %d", len(got), len(want))
	}
	bad, first := 0, -1
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			bad++
			if first < 0 {
				first = i
			}
		}
	}
	if bad == 0 {
		return ""
	}
	c, rem := first/(w*h), first%(w*h)
	return fmt.Sprintf("%d of %d values differ; first at c=%d y=%d x=%d: got %v, want %v",
		bad, len(got), c, rem/w, rem%w, got[first], want[first])
}

// pythonSGCoco is the super-gradients COCO geometry written out from
// processing.py (round() of h*r and w*r with r in float64, centre padding with
// //2), independently of Spec.Plan.
func pythonSGCoco(w, h int) (rw, rh, top, bottom, left, right int) {
	r := math.Min(636/float64(h), 636/float64(w))
	rw, rh = int(math.RoundToEven(float64(w)*r)), int(math.RoundToEven(float64(h)*r))
	top, left = (640-rh)/2, (640-rw)/2
	return rw, rh, top, 640 - rh - top, left, 640 - rw - left
}

// cameraSizes are the source sizes of the end-to-end oracle test: common
// camera and phone sizes, sizes whose resized side is a tie or hits the
// exact-2x INTER_AREA path (1272x716 under sg-coco), and small or odd ones.
var cameraSizes = [][2]int{
	{1920, 1080}, {1280, 720}, {1080, 1920}, {640, 480}, {1077, 500}, {1232, 999},
	{1272, 716}, {1272, 717}, {1280, 1280}, {640, 640}, {333, 211}, {211, 333}, {641, 7}, {7, 5}, {1, 1},
}

// TestApplyMatchesOpenCVChain compares Apply for both seed presets with the
// gocv chain a Python user runs (resize, copyMakeBorder 114, BGR2RGB, /255.0
// as numpy does it, HWC->CHW). Tolerance: none, float32 bits must be equal.
func TestApplyMatchesOpenCVChain(t *testing.T) {
	rng := rand.New(rand.NewSource(99))
	for _, name := range []string{"stretch", "sg-coco"} {
		spec, err := Preset(name)
		require.NoError(t, err)
		for _, sz := range cameraSizes {
			w, h := sz[0], sz[1]
			t.Run(fmt.Sprintf("%s/%dx%d", name, w, h), func(t *testing.T) {
				src := randImage(rng, w, h, frame.BGR)
				p, err := spec.Plan(w, h)
				require.NoError(t, err)
				var want []float32
				if name == "stretch" {
					want = cvChain(t, src, 640, 640, 0, 0, 0, 0, 0, true)
				} else {
					rw, rh, top, bottom, left, right := pythonSGCoco(w, h)
					g := p.Geometry()
					require.Equal(t, [6]int{rw, rh, top, bottom, left, right},
						[6]int{g.ResizedW, g.ResizedH, g.PadTop, g.PadBottom, g.PadLeft, g.PadRight})
					want = cvChain(t, src, rw, rh, top, bottom, left, right, 114, true)
				}
				got := make([]float32, p.TensorLen())
				require.NoError(t, p.Apply(src, got))
				if msg := tensorMismatch(got, want, 640, 640); msg != "" {
					t.Fatal(msg)
				}
				// The same pixels handed over as RGB give the same tensor.
				got2 := make([]float32, p.TensorLen())
				require.NoError(t, p.Apply(src.Swapped(), got2))
				if msg := tensorMismatch(got2, want, 640, 640); msg != "" {
					t.Fatal("RGB input: " + msg)
				}
			})
		}
	}
}

// TestApplyBGRModel: a Spec whose model wants BGR gets the chain without
// cvtColor (tensor channel 0 is blue). Bits must be equal.
func TestApplyBGRModel(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	spec, err := Preset("sg-coco")
	require.NoError(t, err)
	spec.Order = frame.BGR
	src := randImage(rng, 1280, 720, frame.BGR)
	p, err := spec.Plan(1280, 720)
	require.NoError(t, err)
	rw, rh, top, bottom, left, right := pythonSGCoco(1280, 720)
	want := cvChain(t, src, rw, rh, top, bottom, left, right, 114, false)
	got := make([]float32, p.TensorLen())
	require.NoError(t, p.Apply(src, got))
	require.Empty(t, tensorMismatch(got, want, 640, 640))
	require.NoError(t, p.Apply(src.Swapped(), got))
	require.Empty(t, tensorMismatch(got, want, 640, 640), "RGB input to a BGR model")
}

// TestImageMatchesOpenCV: Plan.Image is the 8-bit resized, padded image in
// the model's order, byte-equal to cv2.resize + copyMakeBorder + cvtColor.
func TestImageMatchesOpenCV(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	spec, err := Preset("sg-coco")
	require.NoError(t, err)
	src := randImage(rng, 1077, 500, frame.BGR)
	p, err := spec.Plan(1077, 500)
	require.NoError(t, err)
	im, err := p.Image(src)
	require.NoError(t, err)
	require.Equal(t, frame.RGB, im.Order)
	require.NoError(t, im.Validate())
	g := p.Geometry()
	rs := Resize(src, g.ResizedW, g.ResizedH, Linear)
	require.Empty(t, mismatch(rs.Pix, cvResize(t, src, g.ResizedW, g.ResizedH, Linear), g.ResizedW))
	for y := 0; y < 640; y++ {
		for x := 0; x < 640; x++ {
			inside := x >= g.PadLeft && x < g.PadLeft+g.ResizedW && y >= g.PadTop && y < g.PadTop+g.ResizedH
			for c := 0; c < 3; c++ {
				want := uint8(114)
				if inside {
					want = rs.Pix[((y-g.PadTop)*g.ResizedW+(x-g.PadLeft))*3+2-c] // BGR -> RGB
				}
				if im.Pix[(y*640+x)*3+c] != want {
					t.Fatalf("x=%d y=%d c=%d: got %d, want %d", x, y, c, im.Pix[(y*640+x)*3+c], want)
				}
			}
		}
	}
	// Apply is exactly the value table applied to Image, plane by plane.
	ten := make([]float32, p.TensorLen())
	require.NoError(t, p.Apply(src, ten))
	for i := 0; i < 640*640; i++ {
		for c := 0; c < 3; c++ {
			require.Equal(t, float32(float64(im.Pix[i*3+c])/255.0), ten[c*640*640+i])
		}
	}
}

// TestAnchorsAndPerChannelPad checks the other placements and a pad value per
// output channel against Plan.Image (already tied to OpenCV above): the pad
// region of plane k holds Pad[k]*Scale and the image sits at (PadLeft, PadTop).
func TestAnchorsAndPerChannelPad(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	src := randImage(rng, 300, 200, frame.RGB)
	for _, a := range []Anchor{Center, TopLeft, BottomRight} {
		spec := Spec{Name: "t", Mode: Letterbox, Size: 64, Anchor: a, Round: Truncate,
			Pad: [3]uint8{1, 2, 3}, Order: frame.BGR, Scale: 1, Std: noDivision, Unmap: SuperGradients}
		p, err := spec.Plan(300, 200)
		require.NoError(t, err)
		g := p.Geometry()
		require.Equal(t, [2]int{64, 42}, [2]int{g.ResizedW, g.ResizedH}) // int(200*64/300) = 42
		switch a {
		case Center:
			require.Equal(t, [4]int{11, 0, 11, 0}, [4]int{g.PadTop, g.PadLeft, g.PadBottom, g.PadRight})
		case TopLeft:
			require.Equal(t, [4]int{0, 0, 22, 0}, [4]int{g.PadTop, g.PadLeft, g.PadBottom, g.PadRight})
		case BottomRight:
			require.Equal(t, [4]int{22, 0, 0, 0}, [4]int{g.PadTop, g.PadLeft, g.PadBottom, g.PadRight})
		}
		ten := make([]float32, p.TensorLen())
		require.NoError(t, p.Apply(src, ten))
		rs := Resize(src, 64, 42, Linear).In(frame.BGR)
		for y := 0; y < 64; y++ {
			for x := 0; x < 64; x++ {
				for c := 0; c < 3; c++ {
					want := float32(spec.Pad[c])
					if y >= g.PadTop && y < g.PadTop+42 {
						want = float32(rs.Pix[((y-g.PadTop)*64+x)*3+c])
					}
					require.Equal(t, want, ten[c*64*64+y*64+x], "anchor %v x=%d y=%d c=%d", a, x, y, c)
				}
			}
		}
	}
}

// TestValueTable: the 8-bit -> float32 table equals numpy's
// (img / 255.0).astype(float32) for all 256 values. It also pins why the
// oracle chain divides in float64: OpenCV's convertTo(CV_32F, 1/255.0)
// multiplies in float32 and differs on many values (126 of 256 here).
func TestValueTable(t *testing.T) {
	p, err := Spec{Name: "sg-coco", Mode: Letterbox, Size: 640, Inner: 636, Order: frame.RGB, Scale: 1 / 255.0, Std: noDivision, Pad: [3]uint8{114, 114, 114}}.Plan(10, 10)
	require.NoError(t, err)
	vals := make([]byte, 256)
	for v := range vals {
		vals[v] = byte(v)
		require.Equal(t, math.Float32bits(float32(float64(v)/255.0)), math.Float32bits(p.lut[0][v]), "v=%d", v)
	}
	m, err := gocv.NewMatFromBytes(1, 256, gocv.MatTypeCV8UC1, vals)
	require.NoError(t, err)
	defer m.Close()
	f := gocv.NewMat()
	defer f.Close()
	m.ConvertToWithParams(&f, gocv.MatTypeCV32FC1, float32(1/255.0), 0)
	cv, err := f.DataPtrFloat32()
	require.NoError(t, err)
	differ := 0
	for v := range cv {
		if cv[v] != p.lut[0][v] {
			differ++
		}
	}
	require.Greater(t, differ, 0, "convertTo with a float32 scale should not equal numpy's /255.0")
}

// TestApplyZeroAllocs: Apply does not allocate in steady state.
func TestApplyZeroAllocs(t *testing.T) {
	spec, err := Preset("sg-coco")
	require.NoError(t, err)
	src := randImage(rand.New(rand.NewSource(1)), 320, 180, frame.BGR)
	p, err := spec.Plan(320, 180)
	require.NoError(t, err)
	dst := make([]float32, p.TensorLen())
	require.NoError(t, p.Apply(src, dst)) // warm the scratch pool
	allocs := testing.AllocsPerRun(20, func() { _ = p.Apply(src, dst) })
	require.Zero(t, allocs)
}

// TestApplyConcurrent: one Plan used from several goroutines at once gives
// each caller the same tensor as a serial call (run with -race to check the
// scratch pool too).
func TestApplyConcurrent(t *testing.T) {
	spec, err := Preset("sg-coco")
	require.NoError(t, err)
	p, err := spec.Plan(400, 300)
	require.NoError(t, err)
	rng := rand.New(rand.NewSource(8))
	const n = 6
	srcs := make([]frame.Image, n)
	want := make([][]float32, n)
	for i := range srcs {
		srcs[i] = randImage(rng, 400, 300, frame.BGR)
		want[i] = make([]float32, p.TensorLen())
		require.NoError(t, p.Apply(srcs[i], want[i]))
	}
	got := make([][]float32, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		got[i] = make([]float32, p.TensorLen())
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for rep := 0; rep < 3; rep++ {
				if err := p.Apply(srcs[i], got[i]); err != nil {
					panic(err)
				}
			}
		}(i)
	}
	wg.Wait()
	for i := range got {
		require.Empty(t, tensorMismatch(got[i], want[i], 640, 640), "goroutine %d", i)
	}
}
