package imgtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/frame"
)

// FuzzDecoder fuzzes dec with any bytes as an image file (named .jpg, whatever the
// content), seeded with the Nasty catalogue, an EXIF-rotated gray JPEG and a small
// PNG. Invariants: an error names the file; a success is a valid image in the order
// want, of at most maxPixels (the decoder's MaxPixels), of the size
// dataset.DecodeConfig reports.
func FuzzDecoder(f *testing.F, dec dataset.Decoder, want frame.Order, maxPixels int) {
	for _, nf := range Nasty(f) {
		f.Add(nf.Data)
	}
	f.Add(WithOrientation(JPEG(f, GrayRamp(7, 3), 90), 6, true))
	f.Add(PNG(f, Smooth(9, 5)))
	// One file per fuzzing process, rewritten for each input (a TempDir per input made the
	// fuzzing engine stall, golang/go#56238-like).
	p := filepath.Join(f.TempDir(), "img.jpg")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		im, err := dec.Decode(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := im.Validate(); err != nil || im.Order != want || im.W*im.H > maxPixels {
			t.Fatalf("decoded %dx%d order %v: %v", im.W, im.H, im.Order, err)
		}
		w, h, err := dataset.DecodeConfig(p)
		if err != nil || w != im.W || h != im.H {
			t.Fatalf("DecodeConfig %dx%d (%v), Decode %dx%d", w, h, err, im.W, im.H)
		}
	})
}
