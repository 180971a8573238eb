package dataset

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/bmp"

	"github.com/detparity/detparity/frame"
)

// Decoder turns an image file into an 8-bit 3-channel frame.Image. Errors name the file.
type Decoder interface {
	// Decode reads and decodes the file at path.
	Decode(path string) (frame.Image, error)
	// Name identifies the decoder in reports ("go", "opencv").
	Name() string
}

// An IntoDecoder is a Decoder that can write the pixels into the caller's
// buffer, so that a loop of decodes reuses memory instead of allocating a
// frame per image (dataset/opencv's Decoder is one).
type IntoDecoder interface {
	Decoder
	// DecodeInto is Decode with the pixels in buf when its capacity holds them
	// (a new slice otherwise); the returned Image's Pix is buf or that slice.
	DecodeInto(path string, buf []byte) (frame.Image, error)
}

// DefaultMaxPixels is the pixel limit used when a decoder's MaxPixels is <= 0:
// 100 megapixels, i.e. 300 MB as a 3-channel image (plus the decoder's own buffer).
// It is below OpenCV's own CV_IO_MAX_IMAGE_PIXELS default (2^30) so a hostile header
// is refused by us, with the file named, rather than by an allocation failure.
const DefaultMaxPixels = 100_000_000

// GoDecoder decodes JPEG, PNG and BMP in pure Go (image/jpeg, image/png,
// golang.org/x/image/bmp). The format is sniffed from the content, not the extension,
// as cv2.imread does.
//
// The header is read first and an image larger than MaxPixels (DefaultMaxPixels when
// <= 0) is refused before any pixel buffer is allocated. Every pixel layout becomes
// 8-bit 3-channel RGB: gray is replicated, 16-bit samples keep their high byte (as
// libpng's png_set_strip_16 in cv2.imread), palettes are expanded, and alpha is dropped
// without compositing or premultiplying (the stored colour is kept, as cv2.imread with
// IMREAD_COLOR does). A JPEG's EXIF orientation tag is applied, as cv2.imread does, so
// the result has the displayed size; other formats carry no orientation here (OpenCV
// 4.6 applies it to JPEG only). Palette entries keep their stored colour whatever their
// transparency (libpng's png_set_palette_to_rgb then png_set_strip_alpha in
// cv2.imread), so a fully transparent entry is not turned black.
//
// JPEG coded with arithmetic coding, losslessly or hierarchically is refused with an
// error naming the coding (Go's image/jpeg reads baseline and progressive Huffman-coded
// JPEG only); libjpeg, and so the opencv decoder, reads arithmetic-coded files.
//
// JPEG pixels differ from libjpeg's (cv2.imread): Go's image/jpeg rounds its IDCT
// differently (1 level) and replicates subsampled chroma where libjpeg interpolates it
// ("fancy upsampling"): a few levels on smooth content, tens of levels at sharp colour
// edges. PNG and BMP are lossless and agree exactly.
type GoDecoder struct {
	// MaxPixels is the largest W*H accepted; <= 0 means DefaultMaxPixels.
	MaxPixels int
}

// Name returns "go".
func (GoDecoder) Name() string { return "go" }

// Decode reads path and returns its pixels in RGB order.
func (d GoDecoder) Decode(path string) (frame.Image, error) {
	f, _, err := openRegular(path, -1, "")
	if err != nil {
		return frame.Image{}, fmt.Errorf("dataset: decode: %w", err)
	}
	defer f.Close()
	hdr, err := readHeader(path, f)
	if err != nil {
		return frame.Image{}, err
	}
	if err := hdr.check(path, d.MaxPixels); err != nil {
		return frame.Image{}, err
	}
	if hdr.format == "jpeg" && hdr.sof > 0xC2 {
		return frame.Image{}, fmt.Errorf("dataset: decode %s: %s JPEG (SOF%d), which Go's image/jpeg cannot decode (it reads baseline and progressive Huffman-coded JPEG); decode it with decoder=opencv (libjpeg)",
			path, sofNames[hdr.sof], hdr.sof-0xC0)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return frame.Image{}, fmt.Errorf("dataset: decode %s: %w", path, err)
	}
	br := bufio.NewReader(f)
	var img image.Image
	switch hdr.format {
	case "jpeg":
		img, err = jpeg.Decode(br)
	case "png":
		img, err = png.Decode(br)
	case "bmp":
		img, err = bmp.Decode(br)
	}
	if err != nil {
		return frame.Image{}, fmt.Errorf("dataset: decode %s (%s, %dx%d): %w", path, hdr.format, hdr.w, hdr.h, err)
	}
	im := toRGB(img)
	return orient(im, hdr.orientation), nil
}

// DecodeConfig reads only the header of the JPEG, PNG or BMP file at path and returns
// the size Decode would return (for a JPEG with an EXIF orientation of 5..8, width and
// height are swapped relative to the stored frame, as cv2.imread returns it).
func DecodeConfig(path string) (w, h int, err error) {
	hdr, err := headerOf(path)
	if err != nil {
		return 0, 0, err
	}
	w, h = hdr.displayed()
	return w, h, nil
}

// CheckSize reads the header of path (see DecodeConfig) and fails when the format is not
// JPEG, PNG or BMP or when W*H exceeds maxPixels (DefaultMaxPixels when <= 0). Decoders
// that call a foreign library (dataset/opencv) use it to refuse a hostile header before
// that library allocates.
func CheckSize(path string, maxPixels int) (w, h int, err error) {
	hdr, err := headerOf(path)
	if err != nil {
		return 0, 0, err
	}
	return checked(path, hdr, maxPixels)
}

// CheckSizeBytes is CheckSize on the content of a file already read (data);
// path only names it in errors.
func CheckSizeBytes(path string, data []byte, maxPixels int) (w, h int, err error) {
	hdr, err := readHeader(path, bytes.NewReader(data))
	if err != nil {
		return 0, 0, err
	}
	return checked(path, hdr, maxPixels)
}

func checked(path string, hdr header, maxPixels int) (w, h int, err error) {
	if err := hdr.check(path, maxPixels); err != nil {
		return 0, 0, err
	}
	w, h = hdr.displayed()
	return w, h, nil
}

func headerOf(path string) (header, error) {
	f, _, err := openRegular(path, -1, "")
	if err != nil {
		return header{}, fmt.Errorf("dataset: decode: %w", err)
	}
	defer f.Close()
	return readHeader(path, f)
}

type header struct {
	format      string
	w, h        int
	orientation int  // EXIF orientation 1..8 (JPEG only; 1 otherwise)
	sof         byte // JPEG frame marker (0xC0 baseline, ...); 0 for other formats
}

// displayed is the size after the EXIF orientation (5..8 swap width and height).
func (hdr header) displayed() (w, h int) {
	if hdr.orientation >= 5 {
		return hdr.h, hdr.w
	}
	return hdr.w, hdr.h
}

func (hdr header) check(path string, maxPixels int) error {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if hdr.w <= 0 || hdr.h <= 0 {
		return fmt.Errorf("dataset: decode %s: %s header says %dx%d, expected a positive size", path, hdr.format, hdr.w, hdr.h)
	}
	if n := int64(hdr.w) * int64(hdr.h); n > int64(maxPixels) {
		return fmt.Errorf("dataset: decode %s: %s header says %dx%d = %d pixels, more than the limit of %d (MaxPixels)",
			path, hdr.format, hdr.w, hdr.h, n, maxPixels)
	}
	return nil
}

// sniff names the format from the first bytes of a file, "" when unknown.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("BM")):
		return "bmp"
	}
	return ""
}

// readHeader sniffs the format of f (positioned at 0) and reads its size and, for
// JPEG, its EXIF orientation. It leaves f at an unspecified offset.
func readHeader(path string, f io.ReadSeeker) (header, error) {
	br := bufio.NewReader(f)
	head, _ := br.Peek(8)
	format := sniff(head)
	if format == "" {
		return header{}, fmt.Errorf("dataset: decode %s: not a JPEG, PNG or BMP file (starts with % x)", path, head)
	}
	var cfg image.Config
	var err error
	switch format {
	case "jpeg":
		var info jpegInfo
		if info, err = readJPEGHeader(br); err == nil {
			return header{format: format, w: info.w, h: info.h, orientation: info.orientation, sof: info.sof}, nil
		}
	case "png":
		cfg, err = png.DecodeConfig(br)
	case "bmp":
		cfg, err = bmp.DecodeConfig(br)
	}
	if err != nil {
		return header{}, fmt.Errorf("dataset: decode %s: bad %s header: %w", path, format, err)
	}
	return header{format: format, w: cfg.Width, h: cfg.Height, orientation: 1}, nil
}

// toRGB converts any decoded image to 8-bit RGB, dropping alpha without compositing.
func toRGB(img image.Image) frame.Image {
	b := img.Bounds()
	out := frame.New(b.Dx(), b.Dy(), frame.RGB)
	p := out.Pix
	i := 0
	switch m := img.(type) {
	case *image.YCbCr:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi, ci := m.YOffset(x, y), m.COffset(x, y)
				p[i], p[i+1], p[i+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				i += 3
			}
		}
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < b.Dx(); x++ {
				v := row[x]
				p[i], p[i+1], p[i+2] = v, v, v
				i += 3
			}
		}
	case *image.NRGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < b.Dx(); x++ {
				p[i], p[i+1], p[i+2] = row[4*x], row[4*x+1], row[4*x+2]
				i += 3
			}
		}
	case *image.Paletted:
		// The stored colour of each entry: image/png gives entries with a tRNS alpha as
		// color.NRGBA, whose conversion below would premultiply (alpha 0: black).
		lut := make([][3]uint8, len(m.Palette))
		for k, c := range m.Palette {
			lut[k] = storedRGB(c)
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < b.Dx(); x++ {
				var c [3]uint8
				if int(row[x]) < len(lut) {
					c = lut[row[x]]
				}
				p[i], p[i+1], p[i+2] = c[0], c[1], c[2]
				i += 3
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := storedRGB(img.At(x, y))
				p[i], p[i+1], p[i+2] = c[0], c[1], c[2]
				i += 3
			}
		}
	}
	return out
}

// storedRGB is the 8-bit colour stored for c, alpha dropped: the high byte of each
// channel of a non-premultiplied colour (as libpng's png_set_strip_16), and for a
// premultiplied one the colour recovered by un-premultiplying (exact up to the
// premultiplied rounding; no decoder here produces one with alpha < 255).
func storedRGB(c color.Color) [3]uint8 {
	switch v := c.(type) {
	case color.NRGBA:
		return [3]uint8{v.R, v.G, v.B}
	case color.NRGBA64:
		return [3]uint8{uint8(v.R >> 8), uint8(v.G >> 8), uint8(v.B >> 8)}
	}
	n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
	return [3]uint8{uint8(n.R >> 8), uint8(n.G >> 8), uint8(n.B >> 8)}
}
