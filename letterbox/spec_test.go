package letterbox

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/frame"
)

// TestParseForms: preset names, presets with overrides and the free form
// parse to the expected fields, and print back canonically.
func TestParseForms(t *testing.T) {
	sg := preset(t, "sg-coco")
	s, err := Parse("sg-coco")
	require.NoError(t, err)
	assert.Equal(t, sg, s)
	assert.Equal(t, "sg-coco", s.String())

	s, err = Parse("sg-coco:pad=0,decoder=go")
	require.NoError(t, err)
	want := sg
	want.Pad = [3]uint8{}
	want.Decoder = DecoderGo
	want.Name = "sg-coco:pad=0,decoder=go"
	assert.Equal(t, want, s)

	// The free-form example is sg-coco's geometry with per-axis unmapping.
	s, err = Parse("letterbox:size=640,inner=636,anchor=center,pad=114,order=rgb,scale=1/255")
	require.NoError(t, err)
	assert.Equal(t, "letterbox:inner=636", s.String(), "keys equal to the letterbox preset are not printed")
	assert.Equal(t, Spec{Name: "letterbox:inner=636", Mode: Letterbox, Size: 640, Inner: 636, Anchor: Center,
		Round: RoundHalfEven, Pad: pad114, Order: frame.RGB, Scale: 1 / 255.0, Std: noDivision, Unmap: PerAxis, Decoder: DecoderOpenCV}, s)

	s, err = Parse("stretch:size=320x256,interp=area,order=bgr,scale=1,layout=nhwc")
	require.NoError(t, err)
	assert.Equal(t, [2]int{320, 256}, [2]int{s.Width, s.Height})
	assert.Equal(t, 0, s.Size)
	assert.Equal(t, "stretch:size=320x256,interp=area,order=bgr,scale=1,layout=nhwc", s.String())

	s, err = Parse("yolox-legacy")
	require.NoError(t, err)
	assert.Equal(t, [3]float64{0.485, 0.456, 0.406}, s.Mean)
	s, err = Parse("letterbox:mean=0.5,std=0.25/0.5/1,pad=1/2/3,dtype=uint8,stride=32,scaleup=false,round=ceil,anchor=bottom-right,unmap=ultralytics,interp=nearest-exact")
	require.NoError(t, err)
	assert.Equal(t, [3]float64{0.5, 0.5, 0.5}, s.Mean)
	assert.Equal(t, [3]float64{0.25, 0.5, 1}, s.Std)
	assert.Equal(t, [3]uint8{1, 2, 3}, s.Pad)
	assert.True(t, s.NoScaleUp)
	assert.Equal(t, 32, s.Stride)
	assert.Equal(t, Uint8, s.DType)
	assert.Equal(t, NearestExact, s.Interp)
	assert.Equal(t, "letterbox:anchor=bottom-right,round=ceil,stride=32,scaleup=false,interp=nearest-exact,pad=1/2/3,mean=0.5,std=0.25/0.5/1,dtype=uint8,unmap=ultralytics",
		s.String())
}

// TestParseStringRoundTrip: Parse(s.String()) == s for every preset and for
// random free-form specs built field by field.
func TestParseStringRoundTrip(t *testing.T) {
	for _, n := range Presets() {
		s := preset(t, n)
		got, err := Parse(s.String())
		require.NoError(t, err, n)
		assert.Equal(t, s, got, n)
	}
	rng := rand.New(rand.NewSource(4))
	for i := 0; i < 300; i++ {
		s := randomSpec(rng)
		str := s.String()
		p, err := Parse(str)
		require.NoError(t, err, str)
		require.Equal(t, str, p.String())
		p2, err := Parse(p.String())
		require.NoError(t, err)
		require.Equal(t, p, p2, str)
		// Every field except Name survived the first trip.
		p.Name = s.Name
		if s.Decoder == "" {
			p.Decoder = ""
		}
		require.Equal(t, s, p, str)
	}
}

// randomSpec draws a valid Spec over all fields, based on a random preset.
func randomSpec(rng *rand.Rand) Spec {
	names := Presets()
	s := presets[names[rng.Intn(len(names))]]
	s.Mode = Mode(rng.Intn(2))
	if rng.Intn(4) == 0 {
		s.Size, s.Width, s.Height, s.Inner = 0, 1+rng.Intn(1000), 1+rng.Intn(1000), 0
	} else {
		s.Size = 1 + rng.Intn(1000)
		s.Inner = 0
		if rng.Intn(2) == 0 {
			s.Inner = 1 + rng.Intn(s.Size)
		}
	}
	s.Anchor = Anchor(rng.Intn(3))
	s.Round = Rounding(rng.Intn(3))
	s.Stride = []int{0, 0, 32, 64}[rng.Intn(4)]
	s.NoScaleUp = rng.Intn(2) == 0
	s.Interp = Interp(rng.Intn(5))
	for c := 0; c < 3; c++ {
		s.Pad[c] = uint8(rng.Intn(256))
		s.Mean[c] = math.Round(rng.NormFloat64()*1000) / 997
		s.Std[c] = float64(rng.Intn(3)+1) / 7
	}
	s.Order = frame.Order(rng.Intn(2))
	s.Scale = []float64{1, 1 / 255.0, 0.5, 2.5, 1 / 127.5, 1 / 3.0}[rng.Intn(6)]
	s.Layout = Layout(rng.Intn(2))
	s.DType = DType(rng.Intn(2))
	s.Unmap = Unmapping(rng.Intn(4))
	s.Decoder = []string{"", DecoderOpenCV, DecoderGo}[rng.Intn(3)]
	return s
}

// TestParseErrors: each bad spec string names the key or value and lists
// what is accepted.
func TestParseErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"sgcoco", `unknown preset "sgcoco", expected one of: center-int-pad0, letterbox, sg-coco`},
		{"sg-coco:", `nothing after ':', expected key=value pairs (keys: mode, size, inner`},
		{"sg-coco:pda=0", `unknown key "pda", expected one of: mode, size, inner, anchor, round, stride, scaleup, interp, pad, order, scale, mean, std, layout, dtype, unmap, decoder`},
		{"sg-coco:pad", `"pad" is not key=value`},
		{"sg-coco:pad=300", `pad="300", expected 0..255, or three values a/b/c`},
		{"sg-coco:pad=1/2", `pad="1/2", expected 0..255`},
		{"sg-coco:anchor=middle", `anchor="middle", expected center, top-left, bottom-right`},
		{"sg-coco:interp=lanczos", `interp="lanczos", expected linear, nearest, nearest-exact, area, cubic`},
		{"sg-coco:order=rbg", `order="rbg", expected bgr, rgb`},
		{"sg-coco:scale=2/255", `scale="2/255", expected a number (1, 0.5) or 1/N`},
		{"sg-coco:scale=0", `scale="0"`},
		{"sg-coco:size=0", `size="0", expected N or WxH`},
		{"sg-coco:size=640x", `size="640x"`},
		{"sg-coco:decoder=pil", `decoder="pil", expected opencv, go`},
		{"sg-coco:pad=0,pad=1", `key "pad" given twice`},
		{"sg-coco:inner=700", `inner 700, expected 0..640`},
		{"sg-coco:size=640x480", `inner 636 with a non-square 640x480 input, expected inner=0`},
		{"letterbox:mean=nan", `mean="nan", expected a number or three values`},
		{"letterbox:scaleup=yes", `scaleup="yes", expected true, false`},
		// A division by 0 cannot apply: std is > 0, 1 divides by nothing.
		{"letterbox:std=0", `std="0", expected a number > 0 or three such values a/b/c (1 = no division)`},
		{"yolox-legacy:std=0.2/0/0.2", `std="0.2/0/0.2", expected a number > 0`},
		{"letterbox:std=-1", `std="-1", expected a number > 0`},
		{"letterbox:std=inf", `std="inf", expected a number > 0`},
	}
	for _, c := range cases {
		_, err := Parse(c.in)
		require.Error(t, err, c.in)
		assert.Contains(t, err.Error(), c.want, c.in)
		assert.Contains(t, err.Error(), fmt.Sprintf("spec %q", c.in), "the error quotes the whole spec")
	}
}

// TestStdMustBePositive: a Spec built in Go with a zero, negative or
// non-finite Std is refused by Validate (so by Plan), naming the spec; the
// presets divide by 1, which leaves every value as it is.
func TestStdMustBePositive(t *testing.T) {
	for _, std := range [][3]float64{{}, {1, 0, 1}, {-1, 1, 1}, {math.Inf(1), 1, 1}, {math.NaN(), 1, 1}} {
		s := presets["sg-coco"]
		s.Std = std
		_, err := s.Plan(100, 100)
		require.Error(t, err, "%v", std)
		assert.Contains(t, err.Error(), `letterbox: spec "sg-coco": std [`)
		assert.Contains(t, err.Error(), `], expected finite values > 0 (1: no division)`)
	}
	for _, name := range Presets() {
		s := presets[name]
		if name != "yolox-legacy" {
			assert.Equal(t, noDivision, s.Std, name)
		}
		back, err := Parse(s.String())
		require.NoError(t, err)
		assert.Equal(t, s.Std, back.Std, name)
	}
}

// TestForInput: a preset follows the model's fixed input shape.
func TestForInput(t *testing.T) {
	s, err := preset(t, "sg-coco").ForInput(416, 416)
	require.NoError(t, err)
	assert.Equal(t, 416, s.Size)
	assert.Equal(t, 412, s.Inner, "sg-coco keeps its 4-px inner margin")
	assert.Equal(t, "sg-coco:size=416,inner=412", s.Name)
	g := geo(t, s, 1920, 1080)
	// r = 412/1920; 1080*r = 231.75 -> 232; pads (416-412)/2 = 2 and (416-232)/2 = 92.
	assert.Equal(t, [6]int{412, 232, 92, 92, 2, 2}, [6]int{g.ResizedW, g.ResizedH, g.PadTop, g.PadBottom, g.PadLeft, g.PadRight})

	same, err := preset(t, "sg-coco").ForInput(640, 640)
	require.NoError(t, err)
	assert.Equal(t, preset(t, "sg-coco"), same)

	y, err := preset(t, "yolox").ForInput(416, 416)
	require.NoError(t, err)
	assert.Equal(t, "yolox:size=416", y.Name)
	assert.Equal(t, 0, y.Inner)

	// Non-square inputs work without an inner margin.
	u, err := preset(t, "ultralytics").ForInput(640, 384)
	require.NoError(t, err)
	w, h := u.Dims()
	assert.Equal(t, [2]int{640, 384}, [2]int{w, h})
	g = geo(t, u, 1920, 1080)
	// r = min(384/1080, 640/1920) = 1/3: 640x360, 12 px top and bottom.
	assert.Equal(t, [8]int{640, 384, 640, 360, 12, 12, 0, 0}, [8]int{g.DstW, g.DstH, g.ResizedW, g.ResizedH, g.PadTop, g.PadBottom, g.PadLeft, g.PadRight})
	rt, err := Parse(u.String())
	require.NoError(t, err)
	assert.Equal(t, u, rt)

	_, err = preset(t, "sg-coco").ForInput(640, 480)
	require.ErrorContains(t, err, "inner=636 keeps a margin inside a square input, but the model input is 640x480")
	_, err = preset(t, "ultralytics-auto").ForInput(416, 416)
	require.ErrorContains(t, err, "stride=32 pads each image only to a multiple of 32")
	_, err = preset(t, "sg-coco").ForInput(4, 4)
	require.ErrorContains(t, err, "too small for the 4-px inner margin")
	_, err = preset(t, "sg-coco").ForInput(0, 4)
	require.ErrorContains(t, err, "expected positive width and height")
}

// TestPresetGeometry pins each preset's geometry on sizes where the rules
// differ. Expected values were computed with CPython 3.11 from the upstream
// formulas (docs/preprocessing.md), e.g. for sg-custom-train 1077x500:
// r = 640/1077; int(1077*r) = 639 (float64), int(500*r) = 297.
func TestPresetGeometry(t *testing.T) {
	cases := []struct {
		preset                   string
		w, h                     int
		dstW, dstH, rw, rh       int
		top, left, bottom, right int
	}{
		{"center-int-pad0", 1920, 1080, 640, 640, 640, 360, 140, 0, 140, 0},
		{"center-int-pad0", 1077, 500, 640, 640, 639, 297, 171, 0, 172, 1},
		{"sg-custom", 1077, 500, 640, 640, 640, 297, 0, 0, 343, 0},
		{"sg-custom-train", 1077, 500, 640, 640, 639, 297, 0, 0, 343, 1},
		{"sg-custom", 1272, 717, 640, 640, 640, 361, 0, 0, 279, 0}, // 360.75
		{"ultralytics", 1920, 1080, 640, 640, 640, 360, 140, 0, 140, 0},
		{"ultralytics", 1000, 999, 640, 640, 640, 639, 0, 0, 1, 0}, // 639.36
		{"ultralytics-auto", 1920, 1080, 640, 384, 640, 360, 12, 0, 12, 0},
		{"ultralytics-auto", 500, 375, 640, 480, 640, 480, 0, 0, 0, 0},
		{"ultralytics-auto", 333, 211, 640, 416, 640, 406, 5, 0, 5, 0}, // 405.53 -> 406; 234 % 32 = 10
		{"yolox", 1920, 1080, 640, 640, 640, 360, 0, 0, 280, 0},
		{"yolox-legacy", 1232, 999, 640, 640, 639, 518, 0, 0, 122, 1},
	}
	for _, c := range cases {
		g := geo(t, preset(t, c.preset), c.w, c.h)
		assert.Equal(t, [8]int{c.dstW, c.dstH, c.rw, c.rh, c.top, c.left, c.bottom, c.right},
			[8]int{g.DstW, g.DstH, g.ResizedW, g.ResizedH, g.PadTop, g.PadLeft, g.PadBottom, g.PadRight}, "%s %dx%d", c.preset, c.w, c.h)
	}
	// scaleup=false: a small image is padded, never enlarged (r capped at 1).
	s, err := Parse("ultralytics:scaleup=false")
	require.NoError(t, err)
	g := geo(t, s, 300, 200)
	assert.Equal(t, [6]int{300, 200, 220, 220, 170, 170}, [6]int{g.ResizedW, g.ResizedH, g.PadTop, g.PadBottom, g.PadLeft, g.PadRight})
	assert.Equal(t, 1.0, g.ScaleX)
}

// TestUnmapConventions pins each unmapping against values computed by the
// upstream code (numpy 1.24 / torch 1.13, float32 arrays) for 1920x1080.
func TestUnmapConventions(t *testing.T) {
	in := boxOf(100.3, 200.7, 300.1, 400.9)
	// YOLOX: np.float32 array / r (r = 640/1920): numpy output.
	g := geo(t, preset(t, "yolox"), 1920, 1080)
	got := g.UnmapBox(in)
	assert.Equal(t, boxOf(float64(float32(float32(100.3)/float32(1/3.0))), float64(float32(float32(200.7)/float32(1/3.0))),
		float64(float32(float32(300.1)/float32(1/3.0))), float64(float32(float32(400.9)/float32(1/3.0)))), got)
	assert.InDelta(t, 300.9, got.X1, 1e-3)
	// Ultralytics: (x - 0)/gain, (y - 140)/gain, clipped to 1920x1080.
	g = geo(t, preset(t, "ultralytics"), 1920, 1080)
	got = g.UnmapBox(boxOf(-5, 130, 700, 450))
	assert.InDelta(t, 0, got.X1, 0, "clipped at 0")
	assert.InDelta(t, 0, got.Y1, 0, "130 - 140 < 0: clipped")
	assert.InDelta(t, 1920, got.X2, 0, "2100 clipped to 1920")
	assert.InDelta(t, 930, got.Y2, 1e-3) // (450-140)*3
	assert.InDelta(t, 1080, geo(t, preset(t, "ultralytics"), 1920, 1080).UnmapBox(boxOf(0, 0, 1, 639)).Y2, 0, "clipped to the height")
	// Per-axis: exact inverse including the pad.
	g = geo(t, preset(t, "center-int-pad0"), 1920, 1080)
	assert.InDelta(t, 30, g.UnmapBox(boxOf(10, 150, 20, 160)).Y1, 1e-9) // (150-140)*3
}

// TestApplyPresetsMatchOpenCVChain compares Apply for every float32 preset
// with the gocv chain written from the presets' public sources (resize with the preset's size,
// copyMakeBorder, optional BGR->RGB, /255 or not), on random images. For
// presets without mean/std the chain's values are exactly the LUT, so bits
// must be equal.
func TestApplyPresetsMatchOpenCVChain(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	for _, name := range []string{"center-int-pad0", "sg-custom", "sg-custom-train", "ultralytics", "yolox"} {
		spec := preset(t, name)
		for _, sz := range [][2]int{{1077, 500}, {640, 480}, {333, 211}} {
			src := randImage(rng, sz[0], sz[1], frame.BGR)
			p, err := spec.Plan(sz[0], sz[1])
			require.NoError(t, err)
			g := p.Geometry()
			want := cvChain(t, src, g.ResizedW, g.ResizedH, g.PadTop, g.PadBottom, g.PadLeft, g.PadRight, spec.Pad[0], spec.Order == frame.RGB)
			if spec.Scale == 1 {
				for i := range want {
					want[i] = float32(math.Round(float64(want[i]) * 255)) // undo the chain's /255
				}
			}
			got := make([]float32, p.TensorLen())
			require.NoError(t, p.Apply(src, got))
			require.Empty(t, tensorMismatch(got, want, g.DstW, g.DstH), "%s %v", name, sz)
		}
	}
}

// TestValueTablesMeanStd: yolox-legacy's values are numpy's
// ((v/255.0) - mean)/std in float64, then float32, per channel.
func TestValueTablesMeanStd(t *testing.T) {
	p, err := preset(t, "yolox-legacy").Plan(8, 8)
	require.NoError(t, err)
	mean := [3]float64{0.485, 0.456, 0.406}
	std := [3]float64{0.229, 0.224, 0.225}
	for c := 0; c < 3; c++ {
		for v := 0; v < 256; v++ {
			require.Equal(t, float32((float64(v)/255.0-mean[c])/std[c]), p.lut[c][v])
		}
	}
	// Spot value computed with numpy: ((np.float64(0)/255.0)-0.485)/0.229 = -2.1179039301310043.
	assert.Equal(t, float32(-2.1179039301310043), p.lut[0][0])
}

// TestLayoutsAndUint8: NHWC and uint8 outputs hold the same values as the
// NCHW float32 tensor (itself tied to OpenCV above), at the same positions.
func TestLayoutsAndUint8(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	src := randImage(rng, 301, 177, frame.BGR)
	base := preset(t, "sg-coco")
	pb, err := base.Plan(301, 177)
	require.NoError(t, err)
	ref := make([]float32, pb.TensorLen())
	require.NoError(t, pb.Apply(src, ref))
	im, err := pb.Image(src)
	require.NoError(t, err)
	const W, H = 640, 640
	for _, str := range []string{"sg-coco:layout=nhwc", "sg-coco:dtype=uint8", "sg-coco:dtype=uint8,layout=nhwc"} {
		s, err := Parse(str)
		require.NoError(t, err)
		p, err := s.Plan(301, 177)
		require.NoError(t, err)
		var f []float32
		var u []uint8
		if s.DType == Uint8 {
			u = make([]uint8, p.TensorLen())
			require.NoError(t, p.ApplyUint8(src, u))
			require.ErrorContains(t, p.Apply(src, make([]float32, p.TensorLen())), "dtype is uint8, use ApplyUint8")
		} else {
			f = make([]float32, p.TensorLen())
			require.NoError(t, p.Apply(src, f))
			require.ErrorContains(t, p.ApplyUint8(src, make([]uint8, p.TensorLen())), "dtype is float32, use Apply")
		}
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				for c := 0; c < 3; c++ {
					at := c*W*H + y*W + x
					if s.Layout == NHWC {
						at = (y*W+x)*3 + c
					}
					if u != nil {
						require.Equal(t, im.Pix[(y*W+x)*3+c], u[at], "%s x=%d y=%d c=%d", str, x, y, c)
					} else {
						require.Equal(t, ref[c*W*H+y*W+x], f[at], "%s x=%d y=%d c=%d", str, x, y, c)
					}
				}
			}
		}
	}
}

// TestApplyInterpolationsMatchOpenCV: the fused path with each interpolation
// equals cv2.resize(interp) + copyMakeBorder, byte for byte (Plan.Image and
// ApplyUint8 agree).
func TestApplyInterpolationsMatchOpenCV(t *testing.T) {
	rng := rand.New(rand.NewSource(77))
	for _, in := range []Interp{Nearest, NearestExact, Area, Cubic} {
		s, err := Parse("sg-custom:dtype=uint8,layout=nhwc,interp=" + in.String())
		require.NoError(t, err)
		for _, sz := range [][2]int{{1280, 720}, {200, 150}, {1280, 1280}} {
			src := randImage(rng, sz[0], sz[1], frame.BGR)
			p, err := s.Plan(sz[0], sz[1])
			require.NoError(t, err)
			g := p.Geometry()
			got := make([]uint8, p.TensorLen())
			require.NoError(t, p.ApplyUint8(src, got))
			rs := cvResize(t, src, g.ResizedW, g.ResizedH, in)
			for y := 0; y < g.DstH; y++ {
				for x := 0; x < g.DstW; x++ {
					for c := 0; c < 3; c++ {
						want := uint8(114)
						if x < g.ResizedW && y < g.ResizedH {
							want = rs[(y*g.ResizedW+x)*3+c]
						}
						require.Equal(t, want, got[(y*g.DstW+x)*3+c], "%s %v x=%d y=%d", in, sz, x, y)
					}
				}
			}
		}
	}
}

// TestWorkersEqualSerial: the row-parallel path writes the same tensor as
// the serial one and does not allocate in steady state.
func TestWorkersEqualSerial(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	src := randImage(rng, 1280, 720, frame.BGR)
	for _, str := range []string{"sg-coco", "sg-coco:interp=cubic", "sg-coco:interp=area", "sg-coco:dtype=uint8"} {
		s, err := Parse(str)
		require.NoError(t, err)
		serial, err := s.Plan(1280, 720)
		require.NoError(t, err)
		par, err := s.Plan(1280, 720, Workers(3))
		require.NoError(t, err)
		if s.DType == Uint8 {
			a, b := make([]uint8, serial.TensorLen()), make([]uint8, par.TensorLen())
			require.NoError(t, serial.ApplyUint8(src, a))
			require.NoError(t, par.ApplyUint8(src, b))
			require.Equal(t, a, b, str)
			continue
		}
		a, b := make([]float32, serial.TensorLen()), make([]float32, par.TensorLen())
		require.NoError(t, serial.Apply(src, a))
		require.NoError(t, par.Apply(src, b))
		require.Empty(t, tensorMismatch(b, a, 640, 640), str)
		allocs := testing.AllocsPerRun(5, func() { _ = par.Apply(src, b) })
		require.Zero(t, allocs, str)
	}
}

func boxOf(x1, y1, x2, y2 float64) box.Box { return box.Box{X1: x1, Y1: y1, X2: x2, Y2: y2} }
