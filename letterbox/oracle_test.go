package letterbox

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"

	"github.com/detparity/detparity/frame"
)

// This file holds the gocv (OpenCV 4.6 through cgo) oracle helpers the tests
// compare against. gocv is never imported by non-test files.

// randImage returns a w x h image of uniformly random bytes from rng.
func randImage(rng *rand.Rand, w, h int, o frame.Order) frame.Image {
	im := frame.New(w, h, o)
	rng.Read(im.Pix)
	return im
}

// toMat wraps a copy of im's pixels as a CV_8UC3 Mat.
func toMat(t testing.TB, im frame.Image) gocv.Mat {
	t.Helper()
	m, err := gocv.NewMatFromBytes(im.H, im.W, gocv.MatTypeCV8UC3, append([]byte(nil), im.Pix...))
	require.NoError(t, err)
	return m
}

// cvFlag is the OpenCV interpolation flag of in (gocv v0.31 has no constant
// for INTER_NEAREST_EXACT, which is 6 in OpenCV 4.6's imgproc.hpp).
func cvFlag(in Interp) gocv.InterpolationFlags {
	switch in {
	case Nearest:
		return gocv.InterpolationNearestNeighbor
	case NearestExact:
		return gocv.InterpolationFlags(6)
	case Area:
		return gocv.InterpolationArea
	case Cubic:
		return gocv.InterpolationCubic
	}
	return gocv.InterpolationLinear
}

// cvResize is cv2.resize(src, (dw, dh), interpolation=in).
func cvResize(t testing.TB, im frame.Image, dw, dh int, in Interp) []byte {
	t.Helper()
	src := toMat(t, im)
	defer src.Close()
	dst := gocv.NewMat()
	defer dst.Close()
	gocv.Resize(src, &dst, image.Pt(dw, dh), 0, 0, cvFlag(in))
	require.Equal(t, dh, dst.Rows())
	require.Equal(t, dw, dst.Cols())
	return dst.ToBytes()
}

// cvChain is what a Python user of the pipeline runs, spelled in gocv:
// cv2.resize to (rw, rh), cv2.copyMakeBorder(BORDER_CONSTANT, pad), optional
// cv2.cvtColor(BGR2RGB), then (img / 255.0).astype(float32) as numpy does it
// (true division in float64, then rounding to float32: ConvertTo 64F, Divide
// by a Mat of 255, ConvertTo 32F), then HWC -> CHW with Split. It returns the
// NCHW tensor.
func cvChain(t testing.TB, im frame.Image, rw, rh, top, bottom, left, right int, pad uint8, swap bool) []float32 {
	t.Helper()
	src := toMat(t, im)
	defer src.Close()
	rs := gocv.NewMat()
	defer rs.Close()
	gocv.Resize(src, &rs, image.Pt(rw, rh), 0, 0, gocv.InterpolationLinear)
	bd := gocv.NewMat()
	defer bd.Close()
	gocv.CopyMakeBorder(rs, &bd, top, bottom, left, right, gocv.BorderConstant, color.RGBA{R: pad, G: pad, B: pad})
	if swap {
		gocv.CvtColor(bd, &bd, gocv.ColorBGRToRGB)
	}
	f64 := gocv.NewMat()
	defer f64.Close()
	bd.ConvertTo(&f64, gocv.MatTypeCV64FC3)
	den := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(255, 255, 255, 255), f64.Rows(), f64.Cols(), gocv.MatTypeCV64FC3)
	defer den.Close()
	gocv.Divide(f64, den, &f64)
	f32 := gocv.NewMat()
	defer f32.Close()
	f64.ConvertTo(&f32, gocv.MatTypeCV32FC3)
	planes := gocv.Split(f32)
	n := f32.Rows() * f32.Cols()
	out := make([]float32, 0, 3*n)
	for _, pl := range planes {
		v, err := pl.DataPtrFloat32()
		require.NoError(t, err)
		require.Len(t, v, n)
		out = append(out, v...)
		pl.Close()
	}
	return out
}
