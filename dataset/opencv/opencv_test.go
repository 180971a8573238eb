package opencv_test

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/internal/imgtest"
	"github.com/detparity/detparity/dataset/opencv"
	"github.com/detparity/detparity/frame"
)

var _ dataset.Decoder = opencv.Decoder{}

// decodeBoth decodes path with both decoders and returns them both in RGB order.
func decodeBoth(t *testing.T, path string) (goIm, cvIm frame.Image) {
	t.Helper()
	goIm, err := dataset.GoDecoder{}.Decode(path)
	require.NoError(t, err)
	cvIm, err = opencv.Decoder{}.Decode(path)
	require.NoError(t, err)
	require.Equal(t, frame.BGR, cvIm.Order)
	require.NoError(t, cvIm.Validate())
	require.Equal(t, [2]int{goIm.W, goIm.H}, [2]int{cvIm.W, cvIm.H})
	return goIm, cvIm.In(frame.RGB)
}

func maxAbsDiff(a, b []uint8) int {
	m := 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		m = max(m, d, -d)
	}
	return m
}

func TestLosslessIdentical(t *testing.T) {
	const w, h = 37, 23
	dir := t.TempDir()
	gray := image.NewGray(image.Rect(0, 0, w, h))
	gray16 := image.NewGray16(image.Rect(0, 0, w, h))
	rgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	rgb48 := image.NewNRGBA64(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(3, 4))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			gray.SetGray(x, y, color.Gray{uint8(r.UintN(256))})
			gray16.SetGray16(x, y, color.Gray16{uint16(r.UintN(65536))})
			rgba.SetNRGBA(x, y, color.NRGBA{uint8(r.UintN(256)), uint8(r.UintN(256)), uint8(r.UintN(256)), uint8(r.UintN(256))})
			rgb48.SetNRGBA64(x, y, color.NRGBA64{uint16(r.UintN(65536)), uint16(r.UintN(65536)), uint16(r.UintN(65536)), 0xFFFF})
		}
	}
	files := map[string][]byte{
		"rgb.png":    imgtest.PNG(t, imgtest.Patterned(w, h)),
		"rgb.bmp":    imgtest.BMP(t, imgtest.Patterned(w, h)),
		"gray.png":   imgtest.PNG(t, gray),
		"gray16.png": imgtest.PNG(t, gray16),
		"rgba.png":   imgtest.PNG(t, rgba),
		"rgb48.png":  imgtest.PNG(t, rgb48),
	}
	for name, data := range files {
		p := imgtest.Write(t, filepath.Join(dir, name), data)
		goIm, cvIm := decodeBoth(t, p)
		// Lossless formats: Go and libpng/OpenCV must agree on every byte, including the
		// 16-bit -> 8-bit reduction and dropping alpha.
		assert.Equal(t, goIm.Pix, cvIm.Pix, name)
	}
	assert.Equal(t, "opencv", opencv.Decoder{}.Name())
}

func meanAbsDiff(a, b []uint8) float64 {
	s := 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		s += max(d, -d)
	}
	return float64(s) / float64(len(a))
}

// TestJPEGDifference measures how far Go's image/jpeg is from libjpeg (cv2.imread) on
// the same file. The bounds are measured values with a margin of 1, stated so a change
// in either decoder shows up:
//   - gray JPEG (no chroma): only the IDCT differs, both are accurate integer IDCTs
//     rounding differently: max 1 level.
//   - colour 4:2:0 JPEG of smooth content: chroma upsampling also differs (Go replicates
//     each chroma sample over 2x2 pixels, libjpeg interpolates: "fancy upsampling"), but
//     on smooth chroma both give nearly the same values: measured max 4.
//   - colour 4:2:0 JPEG of per-pixel noise: at sharp chroma edges the two upsamplers
//     disagree by tens of levels (measured 75): the decoder is part of the pipeline.
func TestJPEGDifference(t *testing.T) {
	dir := t.TempDir()
	gray := imgtest.Write(t, filepath.Join(dir, "gray.jpg"), imgtest.JPEG(t, imgtest.GrayRamp(320, 240), 90))
	goIm, cvIm := decodeBoth(t, gray)
	d := maxAbsDiff(goIm.Pix, cvIm.Pix)
	t.Logf("gray JPEG: max |go - opencv| = %d, mean %.3f", d, meanAbsDiff(goIm.Pix, cvIm.Pix))
	assert.LessOrEqual(t, d, 2)

	smooth := imgtest.Write(t, filepath.Join(dir, "smooth.jpg"), imgtest.JPEG(t, imgtest.Smooth(320, 240), 90))
	goIm, cvIm = decodeBoth(t, smooth)
	d = maxAbsDiff(goIm.Pix, cvIm.Pix)
	t.Logf("smooth colour 4:2:0 JPEG: max |go - opencv| = %d, mean %.3f", d, meanAbsDiff(goIm.Pix, cvIm.Pix))
	assert.LessOrEqual(t, d, 5)

	noise := imgtest.Write(t, filepath.Join(dir, "noise.jpg"), imgtest.JPEG(t, imgtest.Patterned(320, 240), 90))
	goIm, cvIm = decodeBoth(t, noise)
	d = maxAbsDiff(goIm.Pix, cvIm.Pix)
	t.Logf("noise colour 4:2:0 JPEG: max |go - opencv| = %d, mean %.3f", d, meanAbsDiff(goIm.Pix, cvIm.Pix))
	assert.Greater(t, d, 20, "sharp chroma edges: the upsamplers must visibly disagree")
}

// TestEXIFOrientationMatchesOpenCV: cv2.imread applies the EXIF orientation of a JPEG;
// GoDecoder must apply the same one. A gray ramp JPEG (IDCT-only differences, max 1
// level, see TestJPEGDifference) is tagged with each orientation in both TIFF byte
// orders; any wrong flip or rotation would move pixels by far more than 1 level.
func TestEXIFOrientationMatchesOpenCV(t *testing.T) {
	const W, H = 40, 24
	dir := t.TempDir()
	jpg := imgtest.JPEG(t, imgtest.GrayRamp(W, H), 95)
	for o := uint16(1); o <= 8; o++ {
		for _, big := range []bool{false, true} {
			p := imgtest.Write(t, filepath.Join(dir, "o.jpg"), imgtest.WithOrientation(jpg, o, big))
			goIm, cvIm := decodeBoth(t, p)
			want := [2]int{W, H}
			if o >= 5 {
				want = [2]int{H, W}
			}
			assert.Equal(t, want, [2]int{cvIm.W, cvIm.H}, "orientation %d", o)
			assert.LessOrEqual(t, maxAbsDiff(goIm.Pix, cvIm.Pix), 1, "orientation %d big-endian %v", o, big)
		}
	}
}

func TestCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	jpg := imgtest.JPEG(t, imgtest.Smooth(256, 192), 90)
	png := imgtest.PNG(t, imgtest.Smooth(256, 192))
	dec := opencv.Decoder{}

	truncJ := imgtest.Write(t, filepath.Join(dir, "trunc.jpg"), jpg[:len(jpg)*3/4])
	_, err := dec.Decode(truncJ)
	assert.EqualError(t, err, fmt.Sprintf("opencv: cannot decode %s (truncated JPEG): no end-of-image marker after the scan data (%d bytes)", truncJ, len(jpg)*3/4))

	// A thumbnail's end-of-image marker inside an APP1 segment must not hide truncation.
	app1 := append([]byte{0xFF, 0xE1, 0x00, 0x0A}, []byte("thm\xFF\xD8\xFF\xD9\x00")...)
	thumb := append(append(append([]byte{}, jpg[:2]...), app1...), jpg[2:len(jpg)*3/4]...)
	truncT := imgtest.Write(t, filepath.Join(dir, "thumb.jpg"), thumb)
	_, err = dec.Decode(truncT)
	assert.ErrorContains(t, err, "opencv: cannot decode "+truncT+" (truncated JPEG)")
	// ... while the complete file with the same APP1, and with bytes after the EOI (some
	// cameras append data), decodes.
	full := append(append(append([]byte{}, jpg[:2]...), app1...), jpg[2:]...)
	full = append(full, "trailing"...)
	_, err = dec.Decode(imgtest.Write(t, filepath.Join(dir, "full.jpg"), full))
	assert.NoError(t, err)

	truncP := imgtest.Write(t, filepath.Join(dir, "trunc.png"), png[:len(png)/2])
	_, err = dec.Decode(truncP)
	assert.EqualError(t, err, "opencv: cannot decode "+truncP+" (corrupt or unsupported): cv::imdecode returned an empty image")

	rnd := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range rnd {
		rnd[i] = uint8(r.UintN(256))
	}
	rnd[0] = 0x42
	random := imgtest.Write(t, filepath.Join(dir, "random.png"), rnd)
	_, err = dec.Decode(random)
	assert.Regexp(t, `^dataset: decode .*/random\.png: not a JPEG, PNG or BMP file \(starts with 42( [0-9a-f]{2}){7}\)$`, err.Error())

	// The header claims 100000x100000 (valid IHDR and CRC): refused before OpenCV
	// allocates 30 GB.
	huge := imgtest.Write(t, filepath.Join(dir, "huge.png"), imgtest.PNGHeader(100000, 100000))
	_, err = dec.Decode(huge)
	assert.EqualError(t, err, "dataset: decode "+huge+": png header says 100000x100000 = 10000000000 pixels, more than the limit of 100000000 (MaxPixels)")
	small := imgtest.Write(t, filepath.Join(dir, "small.png"), png)
	_, err = opencv.Decoder{MaxPixels: 256*192 - 1}.Decode(small)
	assert.ErrorContains(t, err, "more than the limit of 49151 (MaxPixels)")
	_, err = opencv.Decoder{MaxPixels: 256 * 192}.Decode(small)
	assert.NoError(t, err)

	missing := filepath.Join(dir, "missing.jpg")
	_, err = dec.Decode(missing)
	assert.EqualError(t, err, "opencv: decode: open "+missing+": no such file or directory")
}

func TestRegistered(t *testing.T) {
	d, err := dataset.DecoderByName("opencv")
	require.NoError(t, err)
	assert.Equal(t, opencv.Decoder{}, d, "importing the package registers the decoder")
}

// TestArithmeticJPEG: arithmetic-coded JPEG (testdata/arith, lossless jpegtran
// transcodings of a baseline file) passes the Go header pre-check and decodes through
// libjpeg to exactly the pixels of its baseline source, EXIF orientation applied.
func TestArithmeticJPEG(t *testing.T) {
	dir := filepath.Join("..", "testdata", "arith")
	for _, c := range []struct{ arith, base string }{
		{"arith.jpg", "baseline.jpg"},
		{"arith-progressive.jpg", "baseline.jpg"},
		{"arith-exif6.jpg", "baseline-exif6.jpg"},
	} {
		got, err := opencv.Decoder{}.Decode(filepath.Join(dir, c.arith))
		require.NoError(t, err, c.arith)
		want, err := opencv.Decoder{}.Decode(filepath.Join(dir, c.base))
		require.NoError(t, err, c.base)
		assert.Equal(t, [2]int{want.W, want.H}, [2]int{got.W, got.H}, c.arith)
		assert.Equal(t, want.Pix, got.Pix, c.arith)
	}
	im, err := opencv.Decoder{}.Decode(filepath.Join(dir, "arith-exif6.jpg"))
	require.NoError(t, err)
	assert.Equal(t, [2]int{48, 64}, [2]int{im.W, im.H}, "orientation 6 applied")
}

var _ dataset.IntoDecoder = opencv.Decoder{}

// TestDecodeIntoReusesTheBuffer: DecodeInto gives Decode's pixels, written into
// the caller's buffer when it is large enough and into a new slice when it is
// not; a reused buffer holds the new image only.
func TestDecodeIntoReusesTheBuffer(t *testing.T) {
	a, b := "../../fixtures/eval/images/00000.jpg", "../../fixtures/eval/images/00003.jpg"
	want, err := opencv.Decoder{}.Decode(a)
	require.NoError(t, err)
	small := make([]byte, 10)
	got, err := opencv.Decoder{}.DecodeInto(a, small)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	big := make([]byte, 3*1920*1080+7)
	for i := range big {
		big[i] = 0xAB
	}
	got, err = opencv.Decoder{}.DecodeInto(a, big)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Same(t, &big[0], &got.Pix[0], "the pixels are in the caller's buffer")
	wantB, err := opencv.Decoder{}.Decode(b)
	require.NoError(t, err)
	got, err = opencv.Decoder{}.DecodeInto(b, got.Pix)
	require.NoError(t, err)
	assert.Equal(t, wantB, got)
	_, err = opencv.Decoder{}.DecodeInto("../../fixtures/eval/images/missing.jpg", big)
	require.ErrorContains(t, err, "missing.jpg")
}
