package explain

import (
	"fmt"
	"math"

	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

// Tensor is the tensor to explain as a program produced it: its values in
// memory order, the shape it was given with and the element type it was
// stored in.
type Tensor struct {
	// Values are the elements in C order of Shape, converted to float32
	// (exact for uint8 and float16; float64 rounded).
	Values []float32
	// Shape is (1, 3, H, W) or (3, H, W) for planar data, (1, H, W, 3) or
	// (H, W, 3) for interleaved data. The values may still be laid out the
	// other way: explain checks both.
	Shape []int
	// DType is the element type the tensor was stored in: npy.Float32 (also
	// ""), npy.Float16, npy.Uint8 or npy.Float64.
	DType string
}

// FromNPY returns the Tensor of an array read with npy.ReadFile.
func FromNPY(a *npy.Array) Tensor {
	return Tensor{Values: a.Float32(), Shape: append([]int(nil), a.Shape...), DType: a.DType}
}

// dtype is the stored element type with "" read as float32.
func (t Tensor) dtype() string {
	if t.DType == "" {
		return npy.Float32
	}
	return t.DType
}

// layoutOf reads the declared layout and the image size from a shape: a
// leading batch axis of 1 is allowed; the channel axis (3) is first for
// NCHW, last for NHWC (first wins when both are 3).
func layoutOf(shape []int, n int) (letterbox.Layout, int, int, error) {
	count := 1
	for _, d := range shape {
		count *= max(d, 0)
		if count > 1<<31 {
			return 0, 0, 0, fmt.Errorf("shape %s is too large", npy.ShapeString(shape))
		}
	}
	first, w, h, err := npy.ImageShape(shape)
	if err != nil {
		return 0, 0, 0, err
	}
	if count != n {
		return 0, 0, 0, fmt.Errorf("shape %s holds %d values, but the tensor has %d", npy.ShapeString(shape), count, n)
	}
	if first {
		return letterbox.NCHW, w, h, nil
	}
	return letterbox.NHWC, w, h, nil
}

// planes returns the three channel planes (H*W each, row-major) of values
// read with the given layout.
func planes(values []float32, l letterbox.Layout, w, h int) [3][]float32 {
	n := w * h
	var p [3][]float32
	if l == letterbox.NCHW {
		for k := range p {
			p[k] = values[k*n : (k+1)*n]
		}
		return p
	}
	for k := range p {
		p[k] = make([]float32, n)
	}
	for i := 0; i < n; i++ {
		p[0][i], p[1][i], p[2][i] = values[3*i], values[3*i+1], values[3*i+2]
	}
	return p
}

// checkFinite refuses NaN and infinite values, naming the first.
func checkFinite(v []float32) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("value %d is %v, expected finite values", i, x)
		}
	}
	return nil
}

// padBox is the content box found from the tensor: the rectangle left when
// the border lines of one constant colour are taken away.
type padBox struct {
	x0, y0, w, h int
	pad          [3]float32 // the border colour in tensor units, when hasPad
	hasPad       bool
}

// findBox walks in from each edge over lines whose every value equals the
// line's first value in all three planes (a padding border is written with
// one value per channel). Content whose edge has the exact padding colour
// makes the box smaller; the geometry search tries the sizes the specs give
// too, so the box is a hint, not a verdict.
func findBox(p [3][]float32, w, h int) padBox {
	at := func(x, y int) [3]float32 { i := y*w + x; return [3]float32{p[0][i], p[1][i], p[2][i]} }
	row := func(y, x0, x1 int, c [3]float32) bool {
		for x := x0; x < x1; x++ {
			if at(x, y) != c {
				return false
			}
		}
		return true
	}
	col := func(x, y0, y1 int, c [3]float32) bool {
		for y := y0; y < y1; y++ {
			if at(x, y) != c {
				return false
			}
		}
		return true
	}
	b := padBox{w: w, h: h}
	var colours [][3]float32
	top, bottom, left, right := 0, 0, 0, 0
	if c := at(0, 0); row(0, 0, w, c) {
		for top < h && row(top, 0, w, c) {
			top++
		}
		colours = append(colours, c)
	}
	if c := at(0, h-1); top < h && row(h-1, 0, w, c) {
		for bottom < h-top && row(h-1-bottom, 0, w, c) {
			bottom++
		}
		colours = append(colours, c)
	}
	if top+bottom >= h {
		return b // a constant tensor: no content to find
	}
	if c := at(0, top); col(0, top, h-bottom, c) {
		for left < w && col(left, top, h-bottom, c) {
			left++
		}
		colours = append(colours, c)
	}
	if c := at(w-1, top); left < w && col(w-1, top, h-bottom, c) {
		for right < w-left && col(w-1-right, top, h-bottom, c) {
			right++
		}
		colours = append(colours, c)
	}
	if left+right >= w || len(colours) == 0 {
		return b
	}
	b.x0, b.y0, b.w, b.h = left, top, w-left-right, h-top-bottom
	b.pad, b.hasPad = colours[0], true
	return b
}
