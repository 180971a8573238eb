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

func geo(t *testing.T, spec Spec, w, h int) Geometry {
	t.Helper()
	p, err := spec.Plan(w, h)
	require.NoError(t, err)
	return p.Geometry()
}

func preset(t *testing.T, name string) Spec {
	t.Helper()
	s, err := Preset(name)
	require.NoError(t, err)
	return s
}

// TestGeometryWorkedExample is docs/preprocessing.md's worked example: super-gradients COCO
// on 1920x1080 gives r = 0.33125, 636x358, pad top/bottom 141/141, left/right 2/2.
func TestGeometryWorkedExample(t *testing.T) {
	g := geo(t, preset(t, "sg-coco"), 1920, 1080)
	assert.Equal(t, Geometry{SrcW: 1920, SrcH: 1080, DstW: 640, DstH: 640, ScaleX: 0.33125, ScaleY: 0.33125,
		ResizedW: 636, ResizedH: 358, PadTop: 141, PadLeft: 2, PadBottom: 141, PadRight: 2, Unmap: SuperGradients}, g)
}

// TestGeometryRounding: sizes where Python's round() (half to even), int()
// and float64 matter. Expected values were computed with CPython 3.11:
// round(w*r), int(w*r) with r = min(T/h, T/w).
func TestGeometryRounding(t *testing.T) {
	sg := preset(t, "sg-coco")
	sgInt := sg
	sgInt.Round = Truncate
	sgCeil := sg
	sgCeil.Round = Ceil
	int640 := sg // a seed-fix-like spec: int() and longest side 640
	int640.Round, int640.Inner = Truncate, 0
	cases := []struct {
		name        string
		spec        Spec
		w, h        int
		rw, rh      int
		top, bottom int
		left, right int
		comment     string
	}{
		{"round 357.75", sg, 1920, 1080, 636, 358, 141, 141, 2, 2, "h*r = 357.75 rounds up"},
		{"int 357.75", sgInt, 1920, 1080, 636, 357, 141, 142, 2, 2, "int() drops .75: odd pad, extra pixel at the bottom"},
		{"ceil 357.75", sgCeil, 1920, 1080, 636, 358, 141, 141, 2, 2, ""},
		{"portrait", sg, 1080, 1920, 358, 636, 2, 2, 141, 141, ""},
		{"tie to even down", sg, 1272, 717, 636, 358, 141, 141, 2, 2, "358.5 -> 358 (Python round, not half-up)"},
		{"tie to even up", sg, 1272, 719, 636, 360, 140, 140, 2, 2, "359.5 -> 360"},
		{"int tie", sgInt, 1272, 719, 636, 359, 140, 141, 2, 2, ""},
		{"640x480", sg, 640, 480, 636, 477, 81, 82, 2, 2, "odd pad 163: 81 top, 82 bottom"},
		{"1077x500", sg, 1077, 500, 636, 295, 172, 173, 2, 2, ""},
		{"int 1077 -> 639", int640, 1077, 500, 639, 297, 171, 172, 0, 1, "int(1077*(640/1077)) = 639 in float64"},
		{"int 1232 -> 639", int640, 1232, 999, 639, 518, 61, 61, 0, 1, "int(1232*(640/1232)) = 639"},
		{"upscale", sg, 100, 50, 636, 318, 161, 161, 2, 2, ""},
		{"thin", sg, 333, 1, 636, 2, 319, 319, 2, 2, "1.9099 rounds to 2; int() would give 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := geo(t, c.spec, c.w, c.h)
			assert.Equal(t, [6]int{c.rw, c.rh, c.top, c.bottom, c.left, c.right},
				[6]int{g.ResizedW, g.ResizedH, g.PadTop, g.PadBottom, g.PadLeft, g.PadRight}, c.comment)
			// The kept scale is the nominal r, never ResizedW/SrcW.
			iw, ih := c.spec.inner()
			r := math.Min(float64(ih)/float64(c.h), float64(iw)/float64(c.w))
			assert.Equal(t, r, g.ScaleX)
			assert.Equal(t, r, g.ScaleY)
			assert.Equal(t, 640, g.ResizedW+g.PadLeft+g.PadRight)
			assert.Equal(t, 640, g.ResizedH+g.PadTop+g.PadBottom)
		})
	}
}

// TestGeometryStretch: separate ratios, no padding.
func TestGeometryStretch(t *testing.T) {
	g := geo(t, preset(t, "stretch"), 1920, 1080)
	assert.Equal(t, Geometry{SrcW: 1920, SrcH: 1080, DstW: 640, DstH: 640, ScaleX: 640.0 / 1920, ScaleY: 640.0 / 1080,
		ResizedW: 640, ResizedH: 640, Unmap: PerAxis}, g)
	b := g.UnmapBox(box.Box{X1: 64, Y1: 32, X2: 320, Y2: 640})
	// Exact in float64 up to one rounding of each division: 1e-9 px is far below any meaningful error.
	assert.InDelta(t, 192, b.X1, 1e-9)
	assert.InDelta(t, 54, b.Y1, 1e-9)
	assert.InDelta(t, 960, b.X2, 1e-9)
	assert.InDelta(t, 1080, b.Y2, 1e-9)
}

// TestUnmapSuperGradientsFloat32 compares with numpy 1.24 on a float32
// prediction array: b[:, [0,2]] -= 2; b[:, [1,3]] -= 141; then *= 1/r (r for
// 1920x1080). The expected values are numpy's output, so equality is exact.
func TestUnmapSuperGradientsFloat32(t *testing.T) {
	g := geo(t, preset(t, "sg-coco"), 1920, 1080)
	in := box.Box{X1: float64(float32(100.3)), Y1: float64(float32(200.7)), X2: float64(float32(300.1)), Y2: float64(float32(400.9))}
	got := g.UnmapBox(in)
	assert.Equal(t, box.Box{X1: 296.7547302246094, Y1: 180.22640991210938, X2: 899.924560546875, Y2: 784.603759765625}, got)
	// No clipping: a box in the left pad maps to negative x.
	assert.Less(t, g.UnmapBox(box.Box{X1: 0, Y1: 0, X2: 1, Y2: 1}).X1, 0.0)
}

// TestMapUnmapRoundTrip is a property test: for random source sizes and
// random boxes inside the image, mapping forward (src -> tensor) and back with
// UnmapBox returns the box within 1e-3 px, for every preset (and so every
// Unmapping). The bound covers the float32 arithmetic of the super-gradients,
// Ultralytics and YOLOX unmappings: a few float32 roundings of values up to
// 4096 (ulp 4.9e-4 at 4096, half-ulp 2.4e-4 each).
//
// Ultralytics' scale_boxes recomputes the pad from the sizes, which for some
// sizes is one pixel off the pad LetterBox applied (e.g. h*r = 360.65 with an
// even 640-360: LetterBox pads 139 on top, scale_boxes assumes 140). There the
// round trip is off by exactly (applied - assumed)/gain, clipped to the image;
// With auto padding (ultralytics-auto) its gain min(DstH/SrcH, DstW/SrcW)
// can also differ from r. The test checks the round trip against that
// formula in float64 and that such sizes do occur.
func TestMapUnmapRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	shifted := 0
	for _, name := range Presets() {
		spec := preset(t, name)
		for i := 0; i < 300; i++ {
			w, h := 1+rng.Intn(4096), 1+rng.Intn(4096)
			p, err := spec.Plan(w, h)
			if err != nil {
				// Only too-thin images may fail, and only for letterbox presets.
				require.Equal(t, Letterbox, spec.Mode, "%s %dx%d: %v", name, w, h, err)
				require.Contains(t, err.Error(), "at least 1 px")
				continue
			}
			g := p.Geometry()
			// want is what an exact inverse returns: b itself, except for
			// Ultralytics, whose scale_boxes uses its own gain and pad.
			want := func(v float64, fwd float64, pad int, hi int) float64 { return v }
			if g.Unmap == Ultralytics {
				gain, px, py := g.UltralyticsPad()
				if px != g.PadLeft || py != g.PadTop || gain != g.ScaleX {
					shifted++
				}
				want = func(v float64, fwd float64, pad int, hi int) float64 {
					return math.Min(math.Max((fwd-float64(pad))/gain, 0), float64(hi))
				}
			}
			for j := 0; j < 5; j++ {
				x1, x2 := rng.Float64()*float64(w), rng.Float64()*float64(w)
				y1, y2 := rng.Float64()*float64(h), rng.Float64()*float64(h)
				b := box.Box{X1: math.Min(x1, x2), Y1: math.Min(y1, y2), X2: math.Max(x1, x2), Y2: math.Max(y1, y2)}
				fw := g.MapBox(b)
				// Forward-mapped boxes land inside the resized region.
				require.GreaterOrEqual(t, fw.X1, float64(g.PadLeft)-1e-9)
				require.LessOrEqual(t, fw.X2, float64(g.PadLeft+g.ResizedW)+1)
				back := g.UnmapBox(fw)
				msg := fmt.Sprintf("%s %dx%d box %v", name, w, h, b)
				_, px, py := g.UltralyticsPad()
				require.InDelta(t, want(b.X1, fw.X1, px, w), back.X1, 1e-3, msg)
				require.InDelta(t, want(b.Y1, fw.Y1, py, h), back.Y1, 1e-3, msg)
				require.InDelta(t, want(b.X2, fw.X2, px, w), back.X2, 1e-3, msg)
				require.InDelta(t, want(b.Y2, fw.Y2, py, h), back.Y2, 1e-3, msg)
			}
		}
	}
	// Roughly 15 % of sizes hit the Ultralytics pad mismatch on some axis.
	require.Greater(t, shifted, 20)
}

// TestUltralyticsPadRounding: LetterBox's top=round(dh/2 - 0.1),
// bottom=round(dh/2 + 0.1) (Python round, float64) equals the Center anchor
// (dh//2 on top, the rest at the bottom) for every integer padding 0..4096,
// so Spec needs no separate Ultralytics anchor.
func TestUltralyticsPadRounding(t *testing.T) {
	for d := 0; d <= 4096; d++ {
		half := float64(d) / 2
		top := int(math.RoundToEven(half - 0.1))
		bottom := int(math.RoundToEven(half + 0.1))
		require.Equal(t, d/2, top, "pad %d", d)
		require.Equal(t, d-d/2, bottom, "pad %d", d)
	}
}

// TestErrors: each bad input gives a clear error naming what was expected.
func TestErrors(t *testing.T) {
	sg := preset(t, "sg-coco")
	for _, sz := range [][2]int{{0, 10}, {10, 0}, {-1, 5}, {0, 0}} {
		_, err := sg.Plan(sz[0], sz[1])
		require.Error(t, err)
		assert.Contains(t, err.Error(), "expected positive width and height")
	}

	_, err := sg.Plan(10000, 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "10000x1 source resizes to 636x0")
	assert.Contains(t, err.Error(), "cv2.resize raises")
	// Stretch has no such limit: every side becomes 640.
	_, err = preset(t, "stretch").Plan(10000, 1)
	require.NoError(t, err)

	p, err := sg.Plan(64, 48)
	require.NoError(t, err)
	src := frame.New(64, 48, frame.BGR)
	err = p.Apply(src, make([]float32, p.TensorLen()-1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tensor buffer has 1228799 float32, expected 1228800 (3x640x640)")
	err = p.Apply(frame.New(48, 64, frame.BGR), make([]float32, p.TensorLen()))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "image is 48x64, expected 64x48")
	bad := src
	bad.Pix = bad.Pix[:10]
	err = p.Apply(bad, make([]float32, p.TensorLen()))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has 10 bytes")
	_, err = p.Image(frame.New(1, 1, frame.RGB))
	require.Error(t, err)

	_, err = Preset("yolo")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown preset "yolo", expected one of: center-int-pad0, letterbox, sg-coco, sg-custom, sg-custom-train, stretch, ultralytics, ultralytics-auto, yolox, yolox-legacy`)

	for _, s := range []Spec{
		{Name: "nosize", Mode: Letterbox, Scale: 1},
		{Name: "inner", Mode: Letterbox, Size: 640, Inner: 700, Scale: 1},
		{Name: "mode", Mode: Mode(9), Size: 640, Scale: 1},
		{Name: "scale", Mode: Stretch, Size: 640},
	} {
		_, err := s.Plan(100, 100)
		require.Error(t, err, s.Name)
		assert.Contains(t, err.Error(), `spec "`+s.Name+`"`)
	}

	assert.Panics(t, func() { Resize(frame.New(4, 4, frame.BGR), 0, 3, Linear) })
	assert.Panics(t, func() { Resize(frame.Image{W: 2, H: 2}, 3, 3, Linear) })
}

// TestPresets lists the presets; each is valid and named after its key.
func TestPresets(t *testing.T) {
	assert.Equal(t, []string{"center-int-pad0", "letterbox", "sg-coco", "sg-custom", "sg-custom-train", "stretch",
		"ultralytics", "ultralytics-auto", "yolox", "yolox-legacy"}, Presets())
	for _, n := range Presets() {
		s := preset(t, n)
		assert.Equal(t, n, s.Name)
		require.NoError(t, s.validate())
	}
}
