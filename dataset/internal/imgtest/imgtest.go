// Package imgtest writes the image files that the dataset and dataset/opencv tests
// decode: real PNG/JPEG/BMP encodings from Go's encoders, plus hand-built headers
// (a PNG IHDR claiming a huge size, a JPEG EXIF orientation segment). Test-only.
package imgtest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"
)

// Write writes b to path, creating parent folders.
func Write(t testing.TB, path string, b []byte) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return path
}

// PNG encodes img as PNG (lossless).
func PNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// JPEG encodes img as baseline JPEG at quality q (4:2:0 chroma for colour images,
// a single component for *image.Gray).
func JPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}))
	return buf.Bytes()
}

// BMP encodes img as BMP.
func BMP(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, bmp.Encode(&buf, img))
	return buf.Bytes()
}

// Smooth is a w x h opaque RGB image of slow gradients (no sharp chroma edges), the
// kind of content on which JPEG decoders agree within a few levels.
func Smooth(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.SetNRGBA(x, y, color.NRGBA{
				R: uint8(40 + 170*x/w),
				G: uint8(30 + 180*y/h),
				B: uint8(200 - 150*(x+y)/(w+h)),
				A: 255,
			})
		}
	}
	return m
}

// Patterned is a w x h RGB image where every pixel differs from its neighbours in all
// channels (a hash of x, y), so any geometric or channel mistake shows.
func Patterned(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint32(x*7919+y*104729) * 2654435761
			m.SetNRGBA(x, y, color.NRGBA{R: uint8(v >> 24), G: uint8(v >> 16), B: uint8(v >> 8), A: 255})
		}
	}
	return m
}

// GrayRamp is a w x h grayscale image with a smooth diagonal ramp.
func GrayRamp(w, h int) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.SetGray(x, y, color.Gray{Y: uint8(20 + 200*(x+2*y)/(w+2*h))})
		}
	}
	return m
}

// chunk returns a PNG chunk with its length and CRC-32 (over type and data).
func chunk(typ string, data []byte) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// PNGHeader is a PNG signature, a valid IHDR (8-bit RGB) claiming w x h, and IEND: a
// header that parses, with no pixel data behind it.
func PNGHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // depth 8, colour type RGB, deflate, filter 0, no interlace
	b = append(b, chunk("IHDR", ihdr)...)
	return append(b, chunk("IEND", nil)...)
}

// WithOrientation inserts after the SOI of jpg an APP1 EXIF segment whose IFD0 holds
// only the Orientation tag (0x0112, SHORT) = o, big-endian ("MM") when bigEndian.
func WithOrientation(jpg []byte, o uint16, bigEndian bool) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	tiff := []byte("II")
	if bigEndian {
		bo, tiff = binary.BigEndian, []byte("MM")
	}
	tiff = bo.AppendUint16(tiff, 42)
	tiff = bo.AppendUint32(tiff, 8) // IFD0 offset
	tiff = bo.AppendUint16(tiff, 1) // one entry
	tiff = bo.AppendUint16(tiff, 0x0112)
	tiff = bo.AppendUint16(tiff, 3) // SHORT
	tiff = bo.AppendUint32(tiff, 1) // count
	tiff = bo.AppendUint16(tiff, o)
	tiff = bo.AppendUint16(tiff, 0) // value padding
	tiff = bo.AppendUint32(tiff, 0) // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// WithXMP inserts after the SOI of jpg an APP1 segment holding an XMP packet (the
// "http://ns.adobe.com/xap/1.0/" signature), as photo editors write before or after the
// EXIF APP1.
func WithXMP(jpg []byte) []byte {
	payload := []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>")
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// PaletteWithAlpha is a w x h paletted image over a 256-entry palette whose entry i
// has a hashed colour and alpha i (entry 0 fully transparent, 255 opaque), every index
// used: PNG stores it with a tRNS chunk, the layout where a decoder that
// premultiplies turns transparent entries black.
func PaletteWithAlpha(w, h int) *image.Paletted {
	pal := make(color.Palette, 256)
	for i := range pal {
		v := uint32(i+1) * 2654435761
		pal[i] = color.NRGBA{R: uint8(v >> 24), G: uint8(v >> 16), B: uint8(v >> 8), A: uint8(i)}
	}
	m := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 7)
	}
	return m
}
