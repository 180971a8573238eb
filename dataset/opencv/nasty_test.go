package opencv_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/internal/imgtest"
	"github.com/detparity/detparity/dataset/opencv"
	"github.com/detparity/detparity/frame"
)

// cvNasty is what the OpenCV decoder answers for each file of imgtest.Nasty: the exact
// error (%[1]s is the path) or "" for a file that decodes (to the size GoDecoder gives).
// Header problems are caught in Go before OpenCV sees the file (dataset.CheckSize), so
// their text is the Go decoder's; a truncated JPEG is refused before libjpeg would
// pad it with gray.
var cvNasty = map[string]string{
	"jpeg-truncated-scan.jpg":   "opencv: cannot decode %[1]s (truncated JPEG): no end-of-image marker after the scan data (705 bytes)",
	"jpeg-truncated-header.jpg": "dataset: decode %[1]s: bad jpeg header: unexpected EOF",
	"jpeg-soi-only.jpg":         "dataset: decode %[1]s: bad jpeg header: unexpected EOF",
	"jpeg-huge-header.jpg":      "dataset: decode %[1]s: jpeg header says 65535x65535 = 4294836225 pixels, more than the limit of 100000000 (MaxPixels)",
	"jpeg-zero-height.jpg":      "dataset: decode %[1]s: jpeg header says 64x0, expected a positive size",
	"png-truncated.png":         "opencv: cannot decode %[1]s (corrupt or unsupported): cv::imdecode returned an empty image",
	"png-bad-crc.png":           "opencv: cannot decode %[1]s (corrupt or unsupported): cv::imdecode returned an empty image",
	"png-huge-header.png":       "dataset: decode %[1]s: png header says 100000x100000 = 10000000000 pixels, more than the limit of 100000000 (MaxPixels)",
	"png-zero-size.png":         "dataset: decode %[1]s: bad png header: png: invalid format: non-positive dimension",
	"png-header-only.png":       "opencv: cannot decode %[1]s (corrupt or unsupported): cv::imdecode returned an empty image",
	"empty.jpg":                 "dataset: decode %[1]s: not a JPEG, PNG or BMP file (starts with )",
	"text.jpg":                  "dataset: decode %[1]s: not a JPEG, PNG or BMP file (starts with 30 20 30 2e 35 20 30 2e)",
	"gif.png":                   "dataset: decode %[1]s: not a JPEG, PNG or BMP file (starts with 47 49 46 38 39 61 01 00)",
	"jpeg-bad-exif.jpg":         "",
	"jpeg-gray.jpg":             "",
	"png-gray.png":              "",
	"png-gray16.png":            "",
	"png-rgba.png":              "",
	"png-palette.png":           "",
	"png-palette-trns.png":      "",
	"png-palette-alpha.png":     "",
	"jpeg-xmp-then-exif.jpg":    "",
	"jpeg-exif-then-xmp.jpg":    "",
	"png-1x1.png":               "",
	"bmp-rgb.bmp":               "",
	"png-content.jpg":           "",
}

// TestNastyFiles: the bad-image catalogue (docs/bad-inputs.md) through OpenCV. OpenCV is
// kept out of fuzzing (a hostile file may abort the process inside the C++ library), so
// this fixed table is its robustness test: every bad file is an error naming it, every
// valid unusual layout decodes to BGR of the same size as GoDecoder's, and for the
// lossless formats to exactly the same pixels.
func TestNastyFiles(t *testing.T) {
	dir := t.TempDir()
	files := imgtest.Nasty(t)
	require.Len(t, files, len(cvNasty), "every catalogue file has an expectation")
	for _, f := range files {
		want, ok := cvNasty[f.Name]
		require.True(t, ok, f.Name)
		p := imgtest.Write(t, filepath.Join(dir, f.Name), f.Data)
		im, err := opencv.Decoder{}.Decode(p)
		if want != "" {
			assert.EqualError(t, err, fmt.Sprintf(want, p), f.Name)
			continue
		}
		require.NoError(t, err, f.Name)
		require.NoError(t, im.Validate(), f.Name)
		assert.Equal(t, frame.BGR, im.Order, f.Name)
		goIm, err := dataset.GoDecoder{}.Decode(p)
		require.NoError(t, err, f.Name)
		require.Equal(t, [2]int{goIm.W, goIm.H}, [2]int{im.W, im.H}, f.Name)
		if filepath.Ext(f.Name) != ".jpg" || f.Name == "png-content.jpg" {
			assert.Equal(t, goIm.Pix, im.In(frame.RGB).Pix, "%s: lossless, must agree exactly", f.Name)
		}
	}
}
