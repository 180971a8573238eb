package withoutopencv_test

import (
	"image"
	"image/png"
	"os"

	"github.com/detparity/detparity/frame"
)

func writePNG(path string, im frame.Image) error {
	m := image.NewRGBA(image.Rect(0, 0, im.W, im.H))
	for i := 0; i < im.W*im.H; i++ {
		copy(m.Pix[4*i:4*i+3], im.Pix[3*i:3*i+3])
		m.Pix[4*i+3] = 255
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, m); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
