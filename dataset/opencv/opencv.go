// Package opencv is the OpenCV image decoder of the detparity data path's first step
// (dataset): it decodes files the way cv2.imread(path, cv2.IMREAD_COLOR) does, with
// OpenCV 4.6's cv::imdecode (cgo, pkg-config opencv4, as gocv links it), so a Go
// pipeline can be fed the exact pixels a Python pipeline saw. It is a separate package
// so that pure-Go users of dataset need no cgo.
package opencv

/*
#cgo pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include <stdlib.h>
#include "imdecode.h"
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
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
