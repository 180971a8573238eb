// Package frame holds the decoded 8-bit image that enters the detparity data path
// (dataset decodes into it, letterbox reads it). It is a leaf package with no cgo.
package frame

import (
	"fmt"
	"image"
)

// Order names the channel order of interleaved 8-bit pixels.
type Order int

const (
	// BGR is OpenCV's native order (cv2.imread).
	BGR Order = iota
	// RGB is the order of PIL and of most "RGB" training pipelines.
	RGB
)

// String returns "bgr" or "rgb".
func (o Order) String() string {
	if o == RGB {
		return "rgb"
	}
	return "bgr"
}

// Image is an 8-bit, 3-channel, row-major HWC image: the pixel at (x, y) channel c
// is Pix[(y*W+x)*3+c]. Order says what the three channels are.
type Image struct {
	W, H  int
	Pix   []uint8
	Order Order
}

// New allocates a zeroed W x H image in the given order.
func New(w, h int, o Order) Image {
	return Image{W: w, H: h, Pix: make([]uint8, w*h*3), Order: o}
}

// Validate checks that the dimensions are positive and match the pixel buffer.
func (im Image) Validate() error {
	if im.W <= 0 || im.H <= 0 {
		return fmt.Errorf("frame: image size %dx%d, expected positive width and height", im.W, im.H)
	}
	if len(im.Pix) != im.W*im.H*3 {
		return fmt.Errorf("frame: %dx%d image has %d bytes, expected %d (3 channels)", im.W, im.H, len(im.Pix), im.W*im.H*3)
	}
	return nil
}

// Swapped returns a copy with the first and third channel exchanged and Order flipped.
func (im Image) Swapped() Image {
	out := Image{W: im.W, H: im.H, Pix: make([]uint8, len(im.Pix)), Order: RGB}
	if im.Order == RGB {
		out.Order = BGR
	}
	for i := 0; i+2 < len(im.Pix); i += 3 {
		out.Pix[i], out.Pix[i+1], out.Pix[i+2] = im.Pix[i+2], im.Pix[i+1], im.Pix[i]
	}
	return out
}

// In returns a copy in the requested order (the image itself when already in it).
func (im Image) In(o Order) Image {
	if im.Order == o {
		return im
	}
	return im.Swapped()
}

// ToRGBA converts the image to a standard library *image.RGBA (opaque), whatever
// its channel order: the form golang.org/x/image/draw and most Go image code
// take, e.g. for a user's own preprocessing (parity.Preprocessor).
func (im Image) ToRGBA() *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, im.W, im.H))
	r, b := 0, 2
	if im.Order == BGR {
		r, b = 2, 0
	}
	for i, j := 0, 0; i+2 < len(im.Pix); i, j = i+3, j+4 {
		out.Pix[j], out.Pix[j+1], out.Pix[j+2], out.Pix[j+3] = im.Pix[i+r], im.Pix[i+1], im.Pix[i+b], 255
	}
	return out
}
