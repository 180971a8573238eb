package dataset_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/internal/imgtest"
	"github.com/detparity/detparity/frame"
)

// goNasty is what GoDecoder answers for each file of imgtest.Nasty: the exact error
// (%[1]s is the file path) or, for a file that decodes, "" and its size.
var goNasty = map[string]struct {
	err  string
	w, h int
}{
	"jpeg-truncated-scan.jpg":   {err: "dataset: decode %[1]s (jpeg, 64x48): invalid JPEG format: short Huffman data"},
	"jpeg-truncated-header.jpg": {err: "dataset: decode %[1]s: bad jpeg header: unexpected EOF"},
	"jpeg-soi-only.jpg":         {err: "dataset: decode %[1]s: bad jpeg header: unexpected EOF"},
	"jpeg-huge-header.jpg":      {err: "dataset: decode %[1]s: jpeg header says 65535x65535 = 4294836225 pixels, more than the limit of 100000000 (MaxPixels)"},
	"jpeg-zero-height.jpg":      {err: "dataset: decode %[1]s: jpeg header says 64x0, expected a positive size"},
	"jpeg-bad-exif.jpg":         {w: 64, h: 48}, // a broken EXIF block is ignored (orientation 1), as OpenCV does
	"png-truncated.png":         {err: "dataset: decode %[1]s (png, 64x48): png: invalid format: not enough pixel data"},
	"png-bad-crc.png":           {err: "dataset: decode %[1]s (png, 64x48): png: invalid format: bad filter type"},
	"png-huge-header.png":       {err: "dataset: decode %[1]s: png header says 100000x100000 = 10000000000 pixels, more than the limit of 100000000 (MaxPixels)"},
	"png-zero-size.png":         {err: "dataset: decode %[1]s: bad png header: png: invalid format: non-positive dimension"},
	"png-header-only.png":       {err: "dataset: decode %[1]s (png, 64x48): png: invalid format: chunk out of order"},
	"empty.jpg":                 {err: "dataset: decode %[1]s: not a JPEG, PNG or BMP file (starts with )"},
	"text.jpg":                  {err: "dataset: decode %[1]s: not a JPEG, PNG or BMP file (starts with 30 20 30 2e 35 20 30 2e)"},
	"gif.png":                   {err: "dataset: decode %[1]s: not a JPEG, PNG or BMP file (starts with 47 49 46 38 39 61 01 00)"},
	"jpeg-gray.jpg":             {w: 9, h: 5},
	"png-gray.png":              {w: 9, h: 5},
	"png-gray16.png":            {w: 9, h: 5},
	"png-rgba.png":              {w: 9, h: 5},
	"png-palette.png":           {w: 9, h: 5},
	"png-palette-trns.png":      {w: 9, h: 5},
	"png-palette-alpha.png":     {w: 16, h: 16},
	"jpeg-xmp-then-exif.jpg":    {w: 64, h: 48}, // orientation behind an XMP APP1: not applied (OpenCV 4.6)
	"jpeg-exif-then-xmp.jpg":    {w: 48, h: 64}, // orientation 6 in the first APP1: applied
	"png-1x1.png":               {w: 1, h: 1},
	"bmp-rgb.bmp":               {w: 9, h: 5},
	"png-content.jpg":           {w: 9, h: 5},
}

// TestGoDecoderNastyFiles: the bad-image catalogue (docs/bad-inputs.md) through the Go
// decoder: each bad file is an error naming it and saying what is wrong; each unusual
// but valid layout decodes to 3-channel RGB of its size.
func TestGoDecoderNastyFiles(t *testing.T) {
	dir := t.TempDir()
	files := imgtest.Nasty(t)
	require.Len(t, files, len(goNasty), "every catalogue file has an expectation")
	for _, f := range files {
		want, ok := goNasty[f.Name]
		require.True(t, ok, f.Name)
		p := imgtest.Write(t, filepath.Join(dir, f.Name), f.Data)
		im, err := dataset.GoDecoder{}.Decode(p)
		if want.err != "" {
			assert.EqualError(t, err, fmt.Sprintf(want.err, p), f.Name)
			continue
		}
		require.NoError(t, err, f.Name)
		require.NoError(t, im.Validate(), f.Name)
		assert.Equal(t, frame.RGB, im.Order, f.Name)
		assert.Equal(t, [2]int{want.w, want.h}, [2]int{im.W, im.H}, f.Name)
	}
}
