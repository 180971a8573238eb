package opencv_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"

	"github.com/detparity/detparity/dataset"
	_ "github.com/detparity/detparity/dataset/opencv" // registers decoder "opencv"
)

// Example decodes a PNG with cv2.imread semantics through the registry: importing the
// package registers "opencv"; pixels come back in BGR order.
func Example() {
	dir, _ := os.MkdirTemp("", "detparity-opencv")
	defer os.RemoveAll(dir)
	m := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	m.SetNRGBA(0, 0, color.NRGBA{R: 200, G: 100, B: 50, A: 255})
	var b bytes.Buffer
	_ = png.Encode(&b, m)
	p := filepath.Join(dir, "x.png")
	_ = os.WriteFile(p, b.Bytes(), 0o644)

	dec, err := dataset.DecoderByName("opencv")
	if err != nil {
		fmt.Println(err)
		return
	}
	im, err := dec.Decode(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dec.Name(), im.W, im.H, im.Order, im.Pix[:3])
	// Output: opencv 3 2 bgr [50 100 200]
}
