package letterbox

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/npy"
)

// loadPNG reads an 8-bit RGB PNG into an RGB frame.
func loadPNG(t *testing.T, path string) frame.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	m, ok := img.(*image.RGBA)
	if !ok {
		nm, ok2 := img.(*image.NRGBA)
		require.True(t, ok2, "%s: %T", path, img)
		m = &image.RGBA{Pix: nm.Pix, Stride: nm.Stride, Rect: nm.Rect}
	}
	b := m.Bounds()
	out := frame.New(b.Dx(), b.Dy(), frame.RGB)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			copy(out.Pix[(y*out.W+x)*3:], m.Pix[y*m.Stride+4*x:y*m.Stride+4*x+3])
		}
	}
	return out
}

// TestPILLinearMatchesPillow: Resize(..., PILLinear) gives exactly the bytes
// of Pillow 9.4.0's Image.resize((w, h), Image.BILINEAR) (Debian bookworm
// python3-pil; testdata/pil written by scripts/make_pil_testdata.py) for two
// sources (random noise 61x47, a smooth noisy pattern 151x99) at 16 sizes:
// shrinking by up to 30x (wide filters), enlarging by up to 6x, odd sizes,
// one axis only, 1x1. Tolerance: none.
func TestPILLinearMatchesPillow(t *testing.T) {
	files, err := filepath.Glob("testdata/pil/*_*x*.npy")
	require.NoError(t, err)
	require.Len(t, files, 16)
	srcs := map[string]frame.Image{}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".npy")
		name, size, _ := strings.Cut(base, "_")
		src, ok := srcs[name]
		if !ok {
			src = loadPNG(t, filepath.Join("testdata/pil", name+".png"))
			srcs[name] = src
		}
		var w, h int
		_, err := fmt.Sscanf(size, "%dx%d", &w, &h)
		require.NoError(t, err)
		want, err := npy.ReadFile(f)
		require.NoError(t, err)
		require.Equal(t, []int{h, w, 3}, want.Shape)
		got := Resize(src, w, h, PILLinear)
		diff := 0
		for i, v := range want.Uint8() {
			if got.Pix[i] != v {
				diff++
			}
		}
		assert.Zero(t, diff, "%s: %dx%d -> %dx%d: %d of %d bytes differ from Pillow", base, src.W, src.H, w, h, diff, len(got.Pix))
	}
}

// TestPILLinearInPlans: interp=pil-linear parses, prints back, and a Plan
// (1 and 3 workers, float32 and uint8, NHWC) writes the Pillow resize padded
// as the spec says.
func TestPILLinearInPlans(t *testing.T) {
	s, err := Parse("sg-coco:size=96,inner=92,interp=pil-linear,layout=nhwc,dtype=uint8")
	require.NoError(t, err)
	assert.Equal(t, PILLinear, s.Interp)
	assert.Equal(t, "pil-linear", PILLinear.String())
	assert.Equal(t, "sg-coco:size=96,inner=92,interp=pil-linear,layout=nhwc,dtype=uint8", s.String())
	src := loadPNG(t, "testdata/pil/smooth.png")
	var ref []uint8
	for _, workers := range []int{1, 3} {
		p, err := s.Plan(src.W, src.H, Workers(workers))
		require.NoError(t, err)
		g := p.Geometry()
		out := make([]uint8, p.TensorLen())
		require.NoError(t, p.ApplyUint8(src, out))
		if ref == nil {
			ref = out
			rz := Resize(src, g.ResizedW, g.ResizedH, PILLinear)
			for y := 0; y < g.DstH; y++ {
				for x := 0; x < g.DstW; x++ {
					want := []uint8{114, 114, 114}
					if dx, dy := x-g.PadLeft, y-g.PadTop; dx >= 0 && dy >= 0 && dx < g.ResizedW && dy < g.ResizedH {
						want = rz.Pix[(dy*rz.W+dx)*3 : (dy*rz.W+dx)*3+3]
					}
					require.Equal(t, want, out[(y*g.DstW+x)*3:(y*g.DstW+x)*3+3], "pixel %d,%d", x, y)
				}
			}
		}
		assert.Equal(t, ref, out, "workers=%d", workers)
	}
}
