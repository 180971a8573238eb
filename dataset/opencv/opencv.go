// Package opencv is the OpenCV image decoder of the detparity data path's first step
// (dataset): it decodes files the way cv2.imread(path, cv2.IMREAD_COLOR) does, with
// OpenCV 4.6's cv::imdecode (cgo, pkg-config opencv4, as gocv links it), so a Go
// pipeline can be fed the exact pixels a Python pipeline saw. It is a separate package
// so that pure-Go users of dataset need no cgo.
package opencv

/*
#cgo pkg-config: opencv4 libjpeg
#cgo CXXFLAGS: --std=c++11
#include <stdlib.h>
#include "imdecode.h"
#include "jpegbgr.h"
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"sync"
	"unsafe"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/frame"
)

// Decoder implements dataset.Decoder with cv::imdecode(file bytes, IMREAD_COLOR), i.e.
// cv2.imread semantics: BGR order; libjpeg's IDCT and smooth ("fancy") chroma
// upsampling; gray replicated, 16-bit reduced to 8, alpha dropped; and the EXIF
// orientation of a JPEG applied (IMREAD_COLOR does not include
// IMREAD_IGNORE_ORIENTATION), exactly as cv2.imread does.
//
// The file is read once (dataset.ReadImageFile: a named pipe or a device is refused
// before reading). Before OpenCV sees its bytes, dataset.CheckSizeBytes reads the
// header in Go and refuses images of more than MaxPixels (dataset.DefaultMaxPixels
// when <= 0), so a hostile 100000x100000 header never reaches OpenCV's allocator. The
// format is limited to what dataset.CheckSizeBytes reads: JPEG (every coding process,
// so arithmetic-coded files, which libjpeg decodes, pass), PNG, BMP. The bytes are
// decoded with cv::imdecode, which applies the same codecs and EXIF orientation as
// cv::imread.
//
// A JPEG without an end-of-image marker after its scans is refused: libjpeg decodes a
// truncated file with only a warning on stderr and fills the missing rows with gray,
// which cv2.imread returns as if it were a good image.
//
// Most JPEGs take a shorter road to the same bytes. OpenCV 4.6's JPEG decoder asks
// libjpeg for RGB and swaps every row to BGR in a scalar loop that costs about twice
// the decoding itself; for a JPEG of 1 or 3 components with Huffman tables, no APP1
// (EXIF) segment and no libjpeg warning, OpenCV does nothing but those libjpeg calls,
// so the decoder makes them itself with libjpeg-turbo writing BGR (JCS_EXT_BGR) into
// the frame (jpegbgr.c says which calls). Every other file, and every file once a
// probe at first use finds the two roads differ on this machine (an OpenCV built
// with another libjpeg), goes through cv::imdecode.
type Decoder struct {
	// MaxPixels is the largest W*H accepted; <= 0 means dataset.DefaultMaxPixels.
	MaxPixels int
}

// init registers the decoder as "opencv" (dataset.DecoderByName), so that a program
// gets cv2.imread semantics by importing this package, as image formats register with
// image.RegisterFormat.
func init() { dataset.RegisterDecoder("opencv", Decoder{}) }

// Name returns "opencv".
func (Decoder) Name() string { return "opencv" }

// Decode reads path with OpenCV and returns its pixels in BGR order.
func (d Decoder) Decode(path string) (frame.Image, error) {
	return d.DecodeInto(path, nil)
}

// DecodeInto is Decode with the pixels written into buf when its capacity holds
// them (a new slice otherwise), so that a loop of decodes reuses its memory
// (dataset.IntoDecoder). OpenCV decodes straight into that memory: no frame is
// allocated in C or Go (a C allocation per image, freed on another thread, is
// what glibc's per-thread arenas keep), and no copy is made, except for an EXIF
// orientation that swaps width and height (decoded, then rotated into buf).
func (d Decoder) DecodeInto(path string, buf []byte) (frame.Image, error) {
	data, err := dataset.ReadImageFile(path)
	if err != nil {
		return frame.Image{}, fmt.Errorf("opencv: decode: %w", err)
	}
	w, h, err := dataset.CheckSizeBytes(path, data, d.MaxPixels)
	if err != nil {
		return frame.Image{}, err
	}
	if err := checkJPEGComplete(path, data); err != nil {
		return frame.Image{}, err
	}
	if len(data) == 0 || len(data) > math.MaxInt32 {
		return frame.Image{}, fmt.Errorf("opencv: cannot decode %s: %d bytes, expected 1 to %d (cv::imdecode's limit)", path, len(data), math.MaxInt32)
	}
	n := w * h * 3
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if direct, _ := decodeJPEG(data, buf, w, h); direct {
		return frame.Image{W: w, H: h, Pix: buf, Order: frame.BGR}, nil
	}
	return imdecode(path, data, buf, w, h)
}

// What decodeJPEG did: jpegOK, or why it left the file to cv::imdecode:
// jpegbgr.h's codes, and jpegNotTried for a file that is not a JPEG or when the probe turned the direct
// road off.
const (
	jpegOK         = int(C.DETPARITY_JPEG_OK)
	jpegNotTried   = -1
	jpegError      = int(C.DETPARITY_JPEG_ERROR)
	jpegWarning    = int(C.DETPARITY_JPEG_WARNING)
	jpegAPP1       = int(C.DETPARITY_JPEG_APP1)
	jpegComponents = int(C.DETPARITY_JPEG_COMPONENTS)
	jpegNoTables   = int(C.DETPARITY_JPEG_NO_TABLES)
	jpegSize       = int(C.DETPARITY_JPEG_SIZE)
)

// decodeJPEG decodes data, a w x h image, into buf (w*h*3 bytes) with libjpeg
// directly when it is a JPEG for which that gives cv::imdecode's bytes; it
// reports whether it did and, when it did not, why (jpegNotTried, jpegError, ...).
func decodeJPEG(data, buf []byte, w, h int) (bool, int) {
	if !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) || !directJPEGAgrees() {
		return false, jpegNotTried
	}
	rc := jpegBGR(data, buf, w, h)
	return rc == jpegOK, rc
}

// jpegBGR is detparity_jpeg_bgr (jpegbgr.c) on data into buf (w*h*3 bytes).
func jpegBGR(data, buf []byte, w, h int) int {
	// Both slices are Go memory without Go pointers, used by C only during the call.
	return int(C.detparity_jpeg_bgr((*C.uchar)(unsafe.Pointer(&data[0])), C.size_t(len(data)),
		(*C.uchar)(unsafe.Pointer(&buf[0])), C.int(w), C.int(h)))
}

// imdecode decodes data, a w x h image, into buf (w*h*3 bytes) with cv::imdecode.
func imdecode(path string, data, buf []byte, w, h int) (frame.Image, error) {
	var gotW, gotH, gotType C.int
	var msg [512]C.char
	// Both slices are Go memory without Go pointers, used by C only during the call.
	rc := C.detparity_imdecode((*C.uchar)(unsafe.Pointer(&data[0])), C.size_t(len(data)), (*C.uchar)(unsafe.Pointer(&buf[0])),
		C.int(w), C.int(h), &gotW, &gotH, &gotType, &msg[0], C.size_t(len(msg)))
	switch rc {
	case C.DETPARITY_IMDECODE_OK:
	case C.DETPARITY_IMDECODE_EMPTY:
		return frame.Image{}, fmt.Errorf("opencv: cannot decode %s (corrupt or unsupported): cv::imdecode returned an empty image", path)
	case C.DETPARITY_IMDECODE_EXCEPTION:
		return frame.Image{}, fmt.Errorf("opencv: cannot decode %s: cv::imdecode: %s", path, C.GoString(&msg[0]))
	default:
		return frame.Image{}, fmt.Errorf("opencv: decode %s: OpenCV returned a %dx%d image of type %d but the header says %dx%d, expected a continuous CV_8UC3 (type 16) of that size",
			path, gotW, gotH, gotType, w, h)
	}
	im := frame.Image{W: w, H: h, Pix: buf, Order: frame.BGR}
	if err := im.Validate(); err != nil {
		return frame.Image{}, fmt.Errorf("opencv: decode %s: %w", path, err)
	}
	return im, nil
}

// checkJPEGComplete fails when b, the content of path, is a JPEG with no EOI marker (FF D9) after its first
// SOS: inside entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so
// the first FF D9 after the scans starts is the end of the image. A thumbnail's EOI
// lives inside an APP1 segment before the SOS and is skipped with it. Other formats pass.
func checkJPEGComplete(path string, b []byte) error {
	if !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
		return nil
	}
	i := 2
	for {
		for i < len(b) && b[i] == 0xFF && i+1 < len(b) && b[i+1] == 0xFF {
			i++ // fill bytes
		}
		if i+1 >= len(b) || b[i] != 0xFF {
			return fmt.Errorf("opencv: cannot decode %s (corrupt or truncated JPEG): bad marker structure at byte %d", path, i)
		}
		m := b[i+1]
		if m == 0x01 || (m >= 0xD0 && m <= 0xD7) {
			i += 2
			continue
		}
		if m == 0xD9 {
			return fmt.Errorf("opencv: cannot decode %s (corrupt JPEG): end of image before any scan", path)
		}
		if i+4 > len(b) {
			return fmt.Errorf("opencv: cannot decode %s (truncated JPEG): file ends in the header at byte %d", path, len(b))
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if m == 0xDA {
			if i+2+n <= len(b) && bytes.Contains(b[i+2+n:], []byte{0xFF, 0xD9}) {
				return nil
			}
			return fmt.Errorf("opencv: cannot decode %s (truncated JPEG): no end-of-image marker after the scan data (%d bytes)", path, len(b))
		}
		i += 2 + n
	}
}

// directJPEGAgrees reports whether libjpeg called directly decodes probe JPEGs
// to exactly cv::imdecode's bytes in this process, checked once: a colour
// image in 4:2:0 (the subsampling most files use, and the one whose
// upsampling differs between libjpeg versions) and a gray one, both of odd
// sizes. They differ when OpenCV was built with a libjpeg of its own.
var directJPEGAgrees = sync.OnceValue(func() bool {
	for _, im := range probeImages() {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, im, &jpeg.Options{Quality: 85}); err != nil {
			return false
		}
		data, r := b.Bytes(), im.Bounds()
		w, h := r.Dx(), r.Dy()
		direct, viaCV := make([]byte, w*h*3), make([]byte, w*h*3)
		if jpegBGR(data, direct, w, h) != jpegOK {
			return false
		}
		if _, err := imdecode("probe", data, viaCV, w, h); err != nil || !bytes.Equal(direct, viaCV) {
			return false
		}
	}
	return true
})

// probeImages are the images directJPEGAgrees checks: sharp edges and a
// pseudo-random texture, so that chroma upsampling and the IDCT both matter.
func probeImages() []image.Image {
	const w, h = 45, 29
	rgb := image.NewRGBA(image.Rect(0, 0, w, h))
	gray := image.NewGray(image.Rect(0, 0, w+6, h+8))
	s := uint32(1)
	next := func() uint8 { s = s*1664525 + 1013904223; return uint8(s >> 24) }
	for y := range h {
		for x := range w {
			rgb.Set(x, y, color.RGBA{uint8(x * 255 / w), next(), uint8(255 * ((x/7 + y/5) % 2)), 255})
		}
	}
	for y := range h + 8 {
		for x := range w + 6 {
			gray.SetGray(x, y, color.Gray{next()/2 + uint8(64*((x/3+y/4)%2))})
		}
	}
	return []image.Image{rgb, gray}
}
