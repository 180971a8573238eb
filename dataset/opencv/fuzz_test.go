package opencv_test

import (
	"testing"

	"github.com/detparity/detparity/dataset/internal/imgtest"
	"github.com/detparity/detparity/dataset/opencv"
	"github.com/detparity/detparity/frame"
)

// FuzzOpenCVDecoder: any bytes as an image file through OpenCV (libjpeg, libpng and
// OpenCV's BMP reader behind cv::imdecode). A crash in C would end a whole run, so
// every input must come back as an error naming the file or as a valid BGR image of
// the size the Go header reader reports, within MaxPixels.
func FuzzOpenCVDecoder(f *testing.F) {
	const maxPixels = 1 << 14 // keep one input's decode small, as FuzzGoDecoder does
	imgtest.FuzzDecoder(f, opencv.Decoder{MaxPixels: maxPixels}, frame.BGR, maxPixels)
}
