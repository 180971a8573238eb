package imgtest

import (
	"encoding/binary"
	"image"
	"image/color"
	"testing"
)

// File is one named test file.
type File struct {
	// Name is the file name (its extension is what a dataset folder would show).
	Name string
	// Data is the content.
	Data []byte
}

// Nasty is the catalogue of bad and unusual image files (docs/bad-inputs.md) that both
// decoders are tested on: truncated and corrupt JPEG and PNG, zero-size and huge
// headers, files that are no image at all, and the unusual pixel layouts (gray, 16-bit,
// alpha, palette, 1x1). Deterministic: the same bytes on every call.
func Nasty(t testing.TB) []File {
	t.Helper()
	jpg := JPEG(t, Smooth(64, 48), 90)
	png := PNG(t, Smooth(64, 48))
	var files []File
	add := func(name string, b []byte) { files = append(files, File{name, b}) }

	add("jpeg-truncated-scan.jpg", jpg[:len(jpg)*3/4])
	add("jpeg-truncated-header.jpg", jpg[:10])
	add("jpeg-soi-only.jpg", []byte{0xFF, 0xD8, 0xFF})
	add("jpeg-huge-header.jpg", jpegWithSize(t, 65535, 65535))
	add("jpeg-zero-height.jpg", jpegWithSize(t, 64, 0))
	add("jpeg-bad-exif.jpg", badEXIF(jpg))
	// OpenCV 4.6 reads the orientation from the first APP1 only: behind an XMP APP1 the
	// EXIF orientation 6 is not applied; in front of it, it is.
	add("jpeg-xmp-then-exif.jpg", WithXMP(WithOrientation(jpg, 6, false)))
	add("jpeg-exif-then-xmp.jpg", WithOrientation(WithXMP(jpg), 6, false))
	add("png-truncated.png", png[:len(png)/2])
	add("png-bad-crc.png", flipInIDAT(png))
	add("png-huge-header.png", PNGHeader(100000, 100000))
	add("png-zero-size.png", PNGHeader(0, 0))
	add("png-header-only.png", PNGHeader(64, 48))
	add("empty.jpg", nil)
	add("text.jpg", []byte("0 0.5 0.5 0.1 0.1\n"))
	add("gif.png", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))

	gray := GrayRamp(9, 5)
	g16 := image.NewGray16(image.Rect(0, 0, 9, 5))
	rgba := image.NewNRGBA(image.Rect(0, 0, 9, 5))
	for y := 0; y < 5; y++ {
		for x := 0; x < 9; x++ {
			g16.SetGray16(x, y, color.Gray16{Y: uint16(x*7000 + y*300)})
			rgba.SetNRGBA(x, y, color.NRGBA{R: uint8(20 * x), G: uint8(40 * y), B: 99, A: uint8(25 * x)})
		}
	}
	pal := image.NewPaletted(image.Rect(0, 0, 9, 5), color.Palette{color.NRGBA{1, 2, 3, 255}, color.NRGBA{200, 100, 0, 255}})
	pal.SetColorIndex(4, 2, 1)
	add("jpeg-gray.jpg", JPEG(t, gray, 95))
	add("png-gray.png", PNG(t, gray))
	add("png-gray16.png", PNG(t, g16))
	add("png-rgba.png", PNG(t, rgba))
	add("png-palette.png", PNG(t, pal))
	// Palettes with transparent entries (tRNS): a 2-bit one whose entry 0 is fully
	// transparent, and 256 entries of alpha 0..255. cv2.imread keeps each entry's colour.
	trns := image.NewPaletted(image.Rect(0, 0, 9, 5), color.Palette{
		color.NRGBA{10, 20, 30, 0}, color.NRGBA{200, 100, 50, 128}, color.NRGBA{7, 8, 9, 255}, color.NRGBA{250, 251, 252, 1}})
	for i := range trns.Pix {
		trns.Pix[i] = uint8(i % 4)
	}
	add("png-palette-trns.png", PNG(t, trns))
	add("png-palette-alpha.png", PNG(t, PaletteWithAlpha(16, 16)))
	add("png-1x1.png", PNG(t, Patterned(1, 1)))
	add("bmp-rgb.bmp", BMP(t, Patterned(9, 5)))
	add("png-content.jpg", PNG(t, Patterned(9, 5)))
	return files
}

// jpegWithSize is a small valid JPEG whose SOF0 frame header is rewritten to claim w x h.
func jpegWithSize(t testing.TB, w, h uint16) []byte {
	b := JPEG(t, Smooth(16, 16), 90)
	for i := 2; i+9 < len(b); {
		if b[i] != 0xFF {
			break
		}
		m := b[i+1]
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if m == 0xC0 { // SOF0: length, precision, height, width
			binary.BigEndian.PutUint16(b[i+5:], h)
			binary.BigEndian.PutUint16(b[i+7:], w)
			return b
		}
		i += 2 + n
	}
	t.Fatalf("imgtest: no SOF0 in Go's JPEG")
	return nil
}

// badEXIF inserts an APP1 EXIF segment whose IFD offset points past its end.
func badEXIF(jpg []byte) []byte {
	tiff := []byte("II*\x00\xff\xff\x00\x00")
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// flipInIDAT flips one byte of compressed pixel data of a PNG (its CRC no longer matches).
func flipInIDAT(png []byte) []byte {
	out := append([]byte{}, png...)
	for i := 8; i+8 < len(out); {
		n := int(binary.BigEndian.Uint32(out[i:]))
		if string(out[i+4:i+8]) == "IDAT" && n > 4 {
			out[i+8+n/2] ^= 0x5A
			return out
		}
		i += 12 + n
	}
	return out
}
