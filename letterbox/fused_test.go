package letterbox

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/frame"
)

// unfusedTensor is what Apply must write, computed without the fused code: the
// resized, padded 8-bit image of Plan.Image (resizer.row, the path of every
// other output type) through the plan's value tables, planes in order.
func unfusedTensor(t *testing.T, p *Plan, src frame.Image) []float32 {
	t.Helper()
	im, err := p.Image(src)
	require.NoError(t, err)
	g := p.Geometry()
	plane := g.DstW * g.DstH
	out := make([]float32, 3*plane)
	for i := range plane {
		for k := range 3 {
			out[k*plane+i] = p.lut[k][im.Pix[i*3+k]]
		}
	}
	return out
}

// TestFusedRowsMatchUnfused: the fused float32 NCHW rows (fusedPairsAVX2 where
// the CPU has AVX2 and the pure-Go loop, both forced in turn; reductions and
// enlargements, so with and without shared source rows) give the bits of the
// unfused resize followed by the value tables, for every preset with the
// bilinear filter, BGR and RGB sources, sizes around the 8-column steps of the
// assembly and the 8-byte reads at the end of a row, and 1 or 3 workers.
func TestFusedRowsMatchUnfused(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	sizes := [][2]int{{1920, 1080}, {640, 480}, {1, 1}, {2, 1}, {3, 7}, {9, 17}, {17, 9}, {643, 640}, {1279, 719}, {100, 1000}}
	for range 12 {
		sizes = append(sizes, [2]int{1 + rng.Intn(1500), 1 + rng.Intn(1500)})
	}
	specs := []string{"sg-coco", "stretch", "yolox-legacy", "ultralytics-auto", "letterbox:size=320,inner=300,anchor=bottom-right",
		"letterbox:size=64x48", "letterbox:size=1280,scaleup=false"}
	paths := []bool{false}
	if haveAVX2 {
		paths = append(paths, true)
	}
	defer func(v bool) { haveAVX2 = v }(haveAVX2)
	for _, name := range specs {
		spec, err := Parse(name)
		require.NoError(t, err)
		for _, sz := range sizes {
			for _, order := range []frame.Order{frame.BGR, frame.RGB} {
				src := randImage(rng, sz[0], sz[1], order)
				p, err := spec.Plan(sz[0], sz[1], Workers(1+2*rng.Intn(2)))
				if err != nil {
					continue // a side resizes to 0 px
				}
				if p.rz.kind == kindLinear {
					require.NotNil(t, p.fused, "bilinear plans have fused taps")
				}
				want := unfusedTensor(t, p, src)
				for _, avx := range paths {
					haveAVX2 = avx
					got := make([]float32, p.TensorLen())
					require.NoError(t, p.Apply(src, got))
					g := p.Geometry()
					if msg := tensorMismatch(got, want, g.DstW, g.DstH); msg != "" {
						t.Fatalf("%s %dx%d %v avx2=%v %s: %s", name, sz[0], sz[1], order, avx, p.rz.kind, msg)
					}
				}
			}
		}
	}
}

// TestFusedTapsShape: the columns the assembly takes end where a column's 8-byte
// read would pass the end of the source row; the rest are pairs in Go, then the
// single-pixel right edge.
func TestFusedTapsShape(t *testing.T) {
	for _, c := range []struct{ sw, dw int }{{1920, 636}, {640, 636}, {636, 1920}, {10, 4}, {1, 5}, {3, 640}} {
		ft := newFusedTaps(newResizer(c.sw, 8, c.dw, 8, Linear))
		require.NotNil(t, ft)
		require.Equal(t, c.dw, len(ft.offs)+len(ft.tail), "%v", c)
		require.Zero(t, ft.nSIMD%8)
		for i, o := range ft.offs[:ft.nSIMD] {
			require.LessOrEqual(t, int(o)+8, c.sw*3, "column %d of %v", i, c)
		}
		if ft.nSIMD+8 <= len(ft.offs) {
			require.Greater(t, int(ft.offs[ft.nSIMD+7])+8, c.sw*3, fmt.Sprintf("%v: columns left out that the assembly could take", c))
		}
	}
}

// BenchmarkFusedRow1080p: one fused tensor row of sg-coco 1920x1080 (636
// columns, two source rows), with the assembly and with the pure-Go loop.
func BenchmarkFusedRow1080p(b *testing.B) {
	spec, err := Preset("sg-coco")
	require.NoError(b, err)
	p, err := spec.Plan(1920, 1080)
	require.NoError(b, err)
	src := randImage(rand.New(rand.NewSource(1)), 1920, 1080, frame.BGR)
	dst := make([]float32, p.TensorLen())
	have := haveAVX2
	defer func() { haveAVX2 = have }()
	for _, avx := range []bool{false, true} {
		if avx && !have {
			continue
		}
		b.Run(fmt.Sprintf("avx2=%v", avx), func(b *testing.B) {
			haveAVX2 = avx
			for b.Loop() {
				p.rowNCHW(src, dst, nil, 320, [3]int{2, 1, 0})
			}
			if math.IsNaN(float64(dst[0])) {
				b.Fatal("NaN")
			}
		})
	}
}
