package opencv_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/internal/imgtest"
	"github.com/detparity/detparity/dataset/opencv"
	"github.com/detparity/detparity/frame"
)

// FuzzOpenCVDecoder: any bytes as an image file through OpenCV (libjpeg, libpng and
// OpenCV's BMP reader behind cv::imdecode). A crash in C would end a whole run, so
// every input must come back as an error naming the file or as a valid BGR image of
// the size the Go header reader reports, within MaxPixels.
func FuzzOpenCVDecoder(f *testing.F) {
	for _, nf := range imgtest.Nasty(f) { // the bad-image catalogue
		f.Add(nf.Data)
	}
	f.Add(imgtest.WithOrientation(imgtest.JPEG(f, imgtest.GrayRamp(7, 3), 90), 6, true))
	f.Add(imgtest.PNG(f, imgtest.Smooth(9, 5)))
	const maxPixels = 1 << 14 // keep one input's decode small, as FuzzGoDecoder does
	p := filepath.Join(f.TempDir(), "img.jpg")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		im, err := opencv.Decoder{MaxPixels: maxPixels}.Decode(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := im.Validate(); err != nil || im.Order != frame.BGR || im.W*im.H > maxPixels {
			t.Fatalf("decoded %dx%d order %v: %v", im.W, im.H, im.Order, err)
		}
		w, h, err := dataset.DecodeConfig(p)
		if err != nil || w != im.W || h != im.H {
			t.Fatalf("DecodeConfig %dx%d (%v), Decode %dx%d", w, h, err, im.W, im.H)
		}
	})
}
