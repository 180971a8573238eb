package dataset_test

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
	"github.com/detparity/detparity/frame"
)

// rgbOf returns the RGB bytes of an opaque NRGBA image, row-major.
func rgbOf(m *image.NRGBA) []uint8 {
	b := m.Bounds()
	out := make([]uint8, 0, b.Dx()*b.Dy()*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := m.NRGBAAt(x, y)
			out = append(out, c.R, c.G, c.B)
		}
	}
	return out
}

func TestGoDecoderLossless(t *testing.T) {
	src := imgtest.Patterned(13, 7)
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"a.png", imgtest.PNG(t, src)},
		{"a.bmp", imgtest.BMP(t, src)},
		{"png-content.jpg", imgtest.PNG(t, src)}, // format sniffed from content, like cv2.imread
	} {
		p := imgtest.Write(t, filepath.Join(dir, c.name), c.data)
		im, err := dataset.GoDecoder{}.Decode(p)
		require.NoError(t, err, c.name)
		require.NoError(t, im.Validate())
		assert.Equal(t, frame.RGB, im.Order)
		assert.Equal(t, 13, im.W)
		assert.Equal(t, 7, im.H)
		assert.Equal(t, rgbOf(src), im.Pix, c.name) // lossless: exact
		w, h, err := dataset.DecodeConfig(p)
		require.NoError(t, err)
		assert.Equal(t, [2]int{13, 7}, [2]int{w, h})
	}
	assert.Equal(t, "go", dataset.GoDecoder{}.Name())
}

func TestGoDecoderPixelLayouts(t *testing.T) {
	const w, h = 5, 3
	gray := image.NewGray(image.Rect(0, 0, w, h))
	gray16 := image.NewGray16(image.Rect(0, 0, w, h))
	rgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	rgba64 := image.NewNRGBA64(image.Rect(0, 0, w, h))
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{
		// Not alpha 0: Go's PNG encoder itself zeroes the colour of a fully transparent entry.
		color.NRGBA{10, 20, 30, 255}, color.NRGBA{200, 100, 50, 128}, color.NRGBA{1, 2, 3, 255},
	})
	want := map[string][]uint8{}
	for _, k := range []string{"gray", "gray16", "rgba", "rgba64", "pal"} {
		want[k] = make([]uint8, 0, w*h*3)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			g := uint8(17 * i)
			gray.SetGray(x, y, color.Gray{g})
			want["gray"] = append(want["gray"], g, g, g)
			// 16-bit: the high byte is kept (the low byte 0xA5 must not leak in).
			gray16.SetGray16(x, y, color.Gray16{uint16(g)<<8 | 0xA5})
			want["gray16"] = append(want["gray16"], g, g, g)
			// Alpha is dropped, the stored (non-premultiplied) colour kept, even at alpha 0.
			c := color.NRGBA{uint8(3 * i), uint8(250 - 5*i), uint8(100 + i), uint8(16 * i)}
			rgba.SetNRGBA(x, y, c)
			want["rgba"] = append(want["rgba"], c.R, c.G, c.B)
			rgba64.SetNRGBA64(x, y, color.NRGBA64{uint16(c.R)<<8 | 0xFF, uint16(c.G) << 8, uint16(c.B)<<8 | 0x7F, 0x1234})
			want["rgba64"] = append(want["rgba64"], c.R, c.G, c.B)
			p := uint8(i % 3)
			pal.SetColorIndex(x, y, p)
			pc := pal.Palette[p].(color.NRGBA)
			want["pal"] = append(want["pal"], pc.R, pc.G, pc.B)
		}
	}
	dir := t.TempDir()
	for k, img := range map[string]image.Image{"gray": gray, "gray16": gray16, "rgba": rgba, "rgba64": rgba64, "pal": pal} {
		p := imgtest.Write(t, filepath.Join(dir, k+".png"), imgtest.PNG(t, img))
		im, err := dataset.GoDecoder{}.Decode(p)
		require.NoError(t, err, k)
		require.NoError(t, im.Validate(), k)
		assert.Equal(t, frame.RGB, im.Order, k)
		assert.Equal(t, want[k], im.Pix, k)
	}
}

func TestGoDecoderLimits(t *testing.T) {
	dir := t.TempDir()
	huge := imgtest.Write(t, filepath.Join(dir, "huge.png"), imgtest.PNGHeader(100000, 100000))
	w, h, err := dataset.DecodeConfig(huge)
	require.NoError(t, err, "the header itself is valid")
	assert.Equal(t, [2]int{100000, 100000}, [2]int{w, h})
	_, err = dataset.GoDecoder{}.Decode(huge)
	assert.EqualError(t, err, "dataset: decode "+huge+": png header says 100000x100000 = 10000000000 pixels, more than the limit of 100000000 (MaxPixels)")

	small := imgtest.Write(t, filepath.Join(dir, "s.png"), imgtest.PNG(t, imgtest.Smooth(10, 10)))
	_, err = dataset.GoDecoder{MaxPixels: 99}.Decode(small)
	assert.EqualError(t, err, "dataset: decode "+small+": png header says 10x10 = 100 pixels, more than the limit of 99 (MaxPixels)")
	_, err = dataset.GoDecoder{MaxPixels: 100}.Decode(small)
	assert.NoError(t, err, "the limit is inclusive")
}

func TestGoDecoderCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	jpg := imgtest.JPEG(t, imgtest.Smooth(256, 192), 90)
	png := imgtest.PNG(t, imgtest.Smooth(256, 192))
	rnd := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range rnd {
		rnd[i] = uint8(r.UintN(256))
	}
	rnd[0] = 0x42                                                                   // make sure it does not start like a BMP ("BM") by chance
	truncJ := imgtest.Write(t, filepath.Join(dir, "trunc.jpg"), jpg[:len(jpg)*3/4]) // cut in the scan data
	_, err := dataset.GoDecoder{}.Decode(truncJ)
	assert.EqualError(t, err, "dataset: decode "+truncJ+" (jpeg, 256x192): invalid JPEG format: short Huffman data")

	truncP := imgtest.Write(t, filepath.Join(dir, "trunc.png"), png[:len(png)/2])
	_, err = dataset.GoDecoder{}.Decode(truncP)
	assert.EqualError(t, err, "dataset: decode "+truncP+" (png, 256x192): png: invalid format: not enough pixel data")

	random := imgtest.Write(t, filepath.Join(dir, "random.jpg"), rnd)
	_, err = dataset.GoDecoder{}.Decode(random)
	require.Error(t, err)
	assert.Regexp(t, `^dataset: decode .*/random\.jpg: not a JPEG, PNG or BMP file \(starts with 42( [0-9a-f]{2}){7}\)$`, err.Error())
	_, _, err = dataset.DecodeConfig(random)
	assert.Error(t, err)

	// Header cut inside the JPEG frame header: DecodeConfig itself fails.
	head := imgtest.Write(t, filepath.Join(dir, "head.jpg"), jpg[:10])
	_, _, err = dataset.DecodeConfig(head)
	assert.EqualError(t, err, "dataset: decode "+head+": bad jpeg header: unexpected EOF")

	missing := filepath.Join(dir, "missing.png")
	_, err = dataset.GoDecoder{}.Decode(missing)
	assert.EqualError(t, err, "dataset: decode: open "+missing+": no such file or directory")
}

// TestGoDecoderEXIFOrientation checks the 8 EXIF orientations on a grayscale JPEG
// against the same JPEG without the tag, remapped by hand. (dataset/opencv checks the
// same files against cv2.imread, the reference for what each orientation means.)
func TestGoDecoderEXIFOrientation(t *testing.T) {
	const W, H = 16, 8
	dir := t.TempDir()
	jpg := imgtest.JPEG(t, imgtest.GrayRamp(W, H), 95)
	plain, err := dataset.GoDecoder{}.Decode(imgtest.Write(t, filepath.Join(dir, "plain.jpg"), jpg))
	require.NoError(t, err)
	at := func(x, y int) uint8 { return plain.Pix[(y*W+x)*3] }
	// Source pixel shown at output (ox, oy), per orientation, from the EXIF 2.3 table.
	src := map[uint16]func(ox, oy int) (int, int){
		1: func(ox, oy int) (int, int) { return ox, oy },
		2: func(ox, oy int) (int, int) { return W - 1 - ox, oy },
		3: func(ox, oy int) (int, int) { return W - 1 - ox, H - 1 - oy },
		4: func(ox, oy int) (int, int) { return ox, H - 1 - oy },
		5: func(ox, oy int) (int, int) { return oy, ox },
		6: func(ox, oy int) (int, int) { return oy, H - 1 - ox },
		7: func(ox, oy int) (int, int) { return W - 1 - oy, H - 1 - ox },
		8: func(ox, oy int) (int, int) { return W - 1 - oy, ox },
	}
	for o := uint16(1); o <= 8; o++ {
		for _, big := range []bool{false, true} {
			p := imgtest.Write(t, filepath.Join(dir, "o.jpg"), imgtest.WithOrientation(jpg, o, big))
			im, err := dataset.GoDecoder{}.Decode(p)
			require.NoError(t, err)
			ow, oh := W, H
			if o >= 5 {
				ow, oh = H, W
			}
			require.Equal(t, [2]int{ow, oh}, [2]int{im.W, im.H}, "orientation %d", o)
			got, err := dataset.Orientation(p)
			require.NoError(t, err)
			assert.Equal(t, int(o), got)
			assert.Equal(t, plain, dataset.Unorient(im, int(o)), "Unorient undoes orientation %d", o)
			w, h, err := dataset.DecodeConfig(p)
			require.NoError(t, err)
			assert.Equal(t, [2]int{ow, oh}, [2]int{w, h}, "DecodeConfig, orientation %d", o)
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					sx, sy := src[o](ox, oy)
					require.Equal(t, at(sx, sy), im.Pix[(oy*ow+ox)*3], "orientation %d at (%d,%d)", o, ox, oy)
				}
			}
		}
	}
	// Out-of-range orientation values are ignored, as OpenCV does.
	p := imgtest.Write(t, filepath.Join(dir, "o9.jpg"), imgtest.WithOrientation(jpg, 9, false))
	im, err := dataset.GoDecoder{}.Decode(p)
	require.NoError(t, err)
	assert.Equal(t, plain, im)
}

// TestGoDecoderPaletteTransparency: every palette entry decodes to its stored colour
// whatever its alpha, as cv2.imread does (libpng expands the palette, then strips
// alpha); image/png's colours premultiplied by alpha made transparent entries black.
// dataset/opencv.TestNastyFiles checks the same files against OpenCV itself.
func TestGoDecoderPaletteTransparency(t *testing.T) {
	src := imgtest.PaletteWithAlpha(16, 16)
	p := imgtest.Write(t, filepath.Join(t.TempDir(), "pal.png"), imgtest.PNG(t, src))
	im, err := dataset.GoDecoder{}.Decode(p)
	require.NoError(t, err)
	want := make([]uint8, 0, 3*16*16)
	for _, idx := range src.Pix {
		c := src.Palette[idx].(color.NRGBA)
		want = append(want, c.R, c.G, c.B)
	}
	assert.Equal(t, want, im.Pix)
}

// TestGoDecoderArithmeticJPEG: Go's image/jpeg cannot decode arithmetic-coded JPEG; the
// Go decoder says so, naming the coding and the decoder that reads it, while the
// header (size, EXIF orientation) is read as for any JPEG. See testdata/arith/README.md.
func TestGoDecoderArithmeticJPEG(t *testing.T) {
	dir := filepath.Join("testdata", "arith")
	for _, c := range []struct {
		name, coding string
		sof          int
		w, h         int
	}{
		{"arith.jpg", "arithmetic-coded (extended sequential)", 9, 64, 48},
		{"arith-progressive.jpg", "arithmetic-coded (progressive)", 10, 64, 48},
		{"arith-exif6.jpg", "arithmetic-coded (extended sequential)", 9, 48, 64},
	} {
		p := filepath.Join(dir, c.name)
		_, err := dataset.GoDecoder{}.Decode(p)
		assert.EqualError(t, err, fmt.Sprintf("dataset: decode %s: %s JPEG (SOF%d), which Go's image/jpeg cannot decode "+
			"(it reads baseline and progressive Huffman-coded JPEG); decode it with decoder=opencv (libjpeg)", p, c.coding, c.sof))
		w, h, err := dataset.DecodeConfig(p)
		require.NoError(t, err)
		assert.Equal(t, [2]int{c.w, c.h}, [2]int{w, h}, c.name)
	}
	im, err := dataset.GoDecoder{}.Decode(filepath.Join(dir, "baseline.jpg"))
	require.NoError(t, err)
	assert.Equal(t, [2]int{64, 48}, [2]int{im.W, im.H})
}
