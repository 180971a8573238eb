// Package box holds the axis-aligned boxes and detections that travel along the
// detparity data path (detect produces them, letterbox unmaps them, metrics matches
// them). It is a leaf package with no cgo.
package box

// Box is an axis-aligned box in pixels, corners (X1, Y1) top-left and (X2, Y2)
// bottom-right, in continuous coordinates (a 1-pixel box at column 0 spans 0..1).
type Box struct {
	X1, Y1, X2, Y2 float64
}

// W is the width, 0 when X2 < X1.
func (b Box) W() float64 { return max(0, b.X2-b.X1) }

// H is the height, 0 when Y2 < Y1.
func (b Box) H() float64 { return max(0, b.Y2-b.Y1) }

// Area is W*H.
func (b Box) Area() float64 { return b.W() * b.H() }

// IoU is intersection over union with the continuous-coordinate convention of
// torchvision.ops.box_iou and pycocotools (no +1). It is 0 when the union is 0.
func IoU(a, b Box) float64 {
	iw := min(a.X2, b.X2) - max(a.X1, b.X1)
	ih := min(a.Y2, b.Y2) - max(a.Y1, b.Y1)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	union := a.Area() + b.Area() - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// Detection is one scored, classed box.
type Detection struct {
	Box
	Score float64
	Class int
}

// Object is one ground-truth box with its class.
type Object struct {
	Box
	Class int
}
