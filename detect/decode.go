package detect

import (
	"fmt"
	"math"
	"slices"

	"github.com/detparity/detparity/box"
)

// Output is one raw output tensor of a run, copied out of the runtime.
type Output struct {
	// Name is the output's name in the graph.
	Name string
	// Shape is the actual shape of this run's output.
	Shape []int64
	// Float holds the values of a float32 output (nil otherwise), row-major.
	Float []float32
	// Int holds the values of an integer output (int64, or int32 widened), row-major (nil otherwise).
	Int []int64
}

// Len is the number of values.
func (o Output) Len() int {
	if o.Float != nil {
		return len(o.Float)
	}
	return len(o.Int)
}

// At returns value i as float64, whatever the element type.
func (o Output) At(i int) float64 {
	if o.Float != nil {
		return float64(o.Float[i])
	}
	return float64(o.Int[i])
}

// Warnings counts output oddities that do not stop decoding but must not pass silently.
type Warnings struct {
	// InvertedBoxes counts returned detections whose box has x2 < x1 or y2 < y1. They are kept (torchvision and the
	// Python pipelines keep them; such a box has a negative area and matches nothing) but reported.
	InvertedBoxes int
}

// Add adds o's counts to w.
func (w *Warnings) Add(o Warnings) { w.InvertedBoxes += o.InvertedBoxes }

// Any reports whether any warning was counted.
func (w Warnings) Any() bool { return w.InvertedBoxes > 0 }

// Decode turns the raw outputs of one run (in the order of s.Outputs) into detections in input-tensor pixels for
// images 0..n-1 of the batch (a fixed-batch model run on fewer images has padding images after them, ignored).
//
// Raw layouts (yolo-nas, yolov8, yolov5, yolox) are first converted to boxes x1y1x2y2 and per-class scores in
// float32, as the Python decoders do (x1 = cx - w/2; yolov5 and yolox score = cls*obj; yolox xy = (xy+grid)*stride,
// wh = exp(wh)*stride), then post-processed with opts exactly like DecodeYOLONAS (super-gradients predict():
// threshold, multi-label, top-k, torchvision batched_nms, MaxDet).
//
// NMS-baked and end-to-end layouts (yolo-nas-flat, yolo-nas-batch, end2end) already are detections: Decode keeps
// the rows with score > opts.Conf (float32 comparison), stably sorted by score descending, at most opts.MaxDet.
// Their class ids must be integers >= 0 and, when opts.NumClasses > 0, below it; num_predictions must lie in
// [0, K]; FLAT image indices must be integers in [0, batch).
//
// A NaN or infinite value in any box or score is an error naming the image and the row; so are the class id and
// count violations above. Inverted boxes are counted in the returned Warnings.
func (s *Signature) Decode(outs []Output, n int, opts Options) ([][]box.Detection, Warnings, error) {
	var w Warnings
	if err := opts.Validate(); err != nil {
		return nil, w, err
	}
	if err := s.checkOutputs(outs, n); err != nil {
		return nil, w, err
	}
	res := make([][]box.Detection, n)
	var err error
	switch s.Layout {
	case LayoutYOLONAS, LayoutYOLOv8, LayoutYOLOv5, LayoutYOLOX:
		for b := range n {
			boxes, scores, a, c := s.rawImage(outs, b)
			if res[b], err = DecodeYOLONAS(boxes, scores, a, c, opts); err != nil {
				return nil, w, fmt.Errorf("detect: model %s (%s): image %d of the batch: %w", s.Path, s.Layout, b, err)
			}
		}
	case LayoutYOLONASFlat:
		res, err = s.decodeFlat(outs[0], n, opts)
	case LayoutYOLONASBatch:
		res, err = s.decodeBatch(outs, n, opts)
	case LayoutEndToEnd:
		res, err = s.decodeEndToEnd(outs[0], n, opts)
	default:
		err = fmt.Errorf("detect: model %s: no decoder for layout %q", s.Path, s.Layout)
	}
	if err != nil {
		return nil, w, err
	}
	for _, dets := range res {
		for _, d := range dets {
			if d.X2 < d.X1 || d.Y2 < d.Y1 {
				w.InvertedBoxes++
			}
		}
	}
	return res, w, nil
}

// checkOutputs verifies that outs are this signature's outputs and hold at least n images.
func (s *Signature) checkOutputs(outs []Output, n int) error {
	if len(outs) != len(s.Outputs) {
		return fmt.Errorf("detect: model %s: decode got %d outputs, the model has %d", s.Path, len(outs), len(s.Outputs))
	}
	if n < 1 {
		return fmt.Errorf("detect: model %s: decode of %d images, want >= 1", s.Path, n)
	}
	for i, o := range outs {
		want := s.Outputs[i]
		// The product is checked for overflow: a shape like [2^62+1, 3, 4] would
		// otherwise wrap to 12 and pass as a 12-value tensor.
		size, ok := 1, true
		for _, d := range o.Shape {
			if d < 0 || (d > 0 && size > math.MaxInt/int(d)) {
				ok = false
				break
			}
			size *= int(d)
		}
		if !ok {
			return fmt.Errorf("detect: model %s: output %q has shape %v, want non-negative dimensions whose product fits an int",
				s.Path, o.Name, o.Shape)
		}
		if len(o.Shape) != len(want.Shape) || size != o.Len() {
			return fmt.Errorf("detect: model %s: output %q has shape %v and %d values, want rank %d as %v",
				s.Path, o.Name, o.Shape, o.Len(), len(want.Shape), want.Shape)
		}
		for k, d := range want.Shape {
			if d >= 0 && o.Shape[k] != d {
				return fmt.Errorf("detect: model %s: output %q has shape %v, want %v", s.Path, o.Name, o.Shape, want.Shape)
			}
		}
		if s.Layout != LayoutYOLONASFlat && o.Shape[0] < int64(n) {
			return fmt.Errorf("detect: model %s: output %q has batch %d, want >= %d images", s.Path, o.Name, o.Shape[0], n)
		}
		if (want.Type == "float32") != (o.Float != nil) {
			return fmt.Errorf("detect: model %s: output %q: want element type %s", s.Path, o.Name, want.Type)
		}
	}
	return nil
}

// rawImage converts image b of a raw layout's outputs to boxes [a*4] x1y1x2y2 and scores [a*c], float32.
func (s *Signature) rawImage(outs []Output, b int) (boxes, scores []float32, a, c int) {
	switch s.Layout {
	case LayoutYOLONAS:
		bo, so := outs[s.role["boxes"]], outs[s.role["scores"]]
		a, c = int(bo.Shape[1]), int(so.Shape[2])
		return bo.Float[b*a*4 : (b+1)*a*4], so.Float[b*a*c : (b+1)*a*c], a, c
	case LayoutYOLOv8:
		o := outs[0]
		rows, cols := int(o.Shape[1]), int(o.Shape[2]) // [4+C, A]
		a, c = cols, rows-4
		v := o.Float[b*rows*cols : (b+1)*rows*cols]
		boxes, scores = make([]float32, 4*a), make([]float32, a*c)
		for i := range a {
			cxcywh(boxes[4*i:], v[i], v[cols+i], v[2*cols+i], v[3*cols+i])
			for k := range c {
				scores[i*c+k] = v[(4+k)*cols+i]
			}
		}
		return boxes, scores, a, c
	default: // LayoutYOLOv5, LayoutYOLOX: [A, 5+C]
		o := outs[0]
		a, w := int(o.Shape[1]), int(o.Shape[2])
		c = w - 5
		v := o.Float[b*a*w : (b+1)*a*w]
		boxes, scores = make([]float32, 4*a), make([]float32, a*c)
		var grid []yoloxCell
		if s.Layout == LayoutYOLOX {
			grid = yoloxGrid(s.Width, s.Height)
		}
		for i := range a {
			r := v[i*w : (i+1)*w]
			cx, cy, bw, bh := r[0], r[1], r[2], r[3]
			if grid != nil {
				g := grid[i]
				cx = float32(cx+g.x) * g.stride
				cy = float32(cy+g.y) * g.stride
				bw = float32(math.Exp(float64(bw))) * g.stride
				bh = float32(math.Exp(float64(bh))) * g.stride
			}
			cxcywh(boxes[4*i:], cx, cy, bw, bh)
			for k := range c {
				scores[i*c+k] = r[5+k] * r[4]
			}
		}
		return boxes, scores, a, c
	}
}

// cxcywh writes x1, y1, x2, y2 = cx -/+ w/2, cy -/+ h/2 in float32 (each operation rounded, as torch does).
func cxcywh(dst []float32, cx, cy, w, h float32) {
	hw, hh := w/2, h/2
	dst[0], dst[1], dst[2], dst[3] = float32(cx-hw), float32(cy-hh), float32(cx+hw), float32(cy+hh)
}

// yoloxCell is one row of the YOLOX grids: the cell's x, y and its stride.
type yoloxCell struct{ x, y, stride float32 }

// yoloxGrid lists the cells of the stride 8, 16, 32 grids of a w x h input, row-major per grid, grids in stride
// order: YOLOX demo_postprocess (hsize = h // stride, wsize = w // stride; meshgrid(arange(wsize), arange(hsize))).
func yoloxGrid(w, h int) []yoloxCell {
	cells := make([]yoloxCell, 0, GridAnchors(w, h))
	for _, s := range yoloxStrides {
		for y := range h / s {
			for x := range w / s {
				cells = append(cells, yoloxCell{float32(x), float32(y), float32(s)})
			}
		}
	}
	return cells
}

// maxClassID bounds the class ids read from NMS-baked and end-to-end outputs when Options.NumClasses is unset.
const maxClassID = 1 << 31

// bakedRow is one final detection row read from an NMS-baked or end-to-end output.
type bakedRow struct {
	b     [4]float64
	score float64
	class float64
}

// toDetection validates a row (finite values, integer class id >= 0 and below NumClasses when set).
func (s *Signature) toDetection(r bakedRow, where string, opts Options) (box.Detection, error) {
	for k, v := range r.b {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return box.Detection{}, fmt.Errorf("detect: model %s (%s): %s: box coordinate %d is %v, want a finite number",
				s.Path, s.Layout, where, k, v)
		}
	}
	if math.IsNaN(r.score) || math.IsInf(r.score, 0) {
		return box.Detection{}, fmt.Errorf("detect: model %s (%s): %s: score is %v, want a finite number",
			s.Path, s.Layout, where, r.score)
	}
	// Without NumClasses the id is still bounded: a float such as 2.6e20 is an integer but no class id, and int()
	// of it would wrap to a negative number (found by FuzzDecode).
	if r.class != math.Trunc(r.class) || r.class < 0 || r.class >= maxClassID ||
		(opts.NumClasses > 0 && r.class >= float64(opts.NumClasses)) {
		want := "an integer >= 0 and below 2^31"
		if opts.NumClasses > 0 {
			want = fmt.Sprintf("an integer in [0, %d) (the label set has %d classes)", opts.NumClasses, opts.NumClasses)
		}
		return box.Detection{}, fmt.Errorf("detect: model %s (%s): %s: class id %v, want %s", s.Path, s.Layout, where,
			r.class, want)
	}
	return box.Detection{Box: box.Box{X1: r.b[0], Y1: r.b[1], X2: r.b[2], Y2: r.b[3]}, Score: r.score,
		Class: int(r.class)}, nil
}

// finishBaked keeps score > Conf (in float32), sorts stably by score descending and cuts to MaxDet.
func finishBaked(dets []box.Detection, opts Options) []box.Detection {
	conf := float32(opts.Conf)
	out := dets[:0]
	for _, d := range dets {
		if float32(d.Score) > conf {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b box.Detection) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	if opts.MaxDet > 0 && len(out) > opts.MaxDet {
		out = out[:opts.MaxDet]
	}
	return slices.Clip(out)
}

func (s *Signature) decodeFlat(o Output, n int, opts Options) ([][]box.Detection, error) {
	per := make([][]box.Detection, n)
	batch := max(s.Batch, n)
	rows := int(o.Shape[0])
	for i := range rows {
		r := o.Float[7*i : 7*i+7]
		img := float64(r[0])
		if img != math.Trunc(img) || img < 0 || img >= float64(batch) {
			return nil, fmt.Errorf("detect: model %s (%s): row %d: image index %v, want an integer in [0, %d)",
				s.Path, s.Layout, i, img, batch)
		}
		if int(img) >= n { // a padding image of a fixed batch
			continue
		}
		d, err := s.toDetection(bakedRow{[4]float64{float64(r[1]), float64(r[2]), float64(r[3]), float64(r[4])},
			float64(r[5]), float64(r[6])}, fmt.Sprintf("row %d (image %d)", i, int(img)), opts)
		if err != nil {
			return nil, err
		}
		per[int(img)] = append(per[int(img)], d)
	}
	for b := range per {
		per[b] = finishBaked(per[b], opts)
	}
	return per, nil
}

func (s *Signature) decodeBatch(outs []Output, n int, opts Options) ([][]box.Detection, error) {
	num, bx, sc, cl := outs[s.role["num"]], outs[s.role["boxes"]], outs[s.role["scores"]], outs[s.role["classes"]]
	k := int(bx.Shape[1])
	per := make([][]box.Detection, n)
	for b := range n {
		cnt := num.At(b)
		if cnt != math.Trunc(cnt) || cnt < 0 || cnt > float64(k) {
			return nil, fmt.Errorf("detect: model %s (%s): image %d: %s = %v, want an integer in [0, %d]", s.Path,
				s.Layout, b, num.Name, cnt, k)
		}
		for i := range int(cnt) {
			j := b*k + i
			r := bakedRow{[4]float64{bx.At(4 * j), bx.At(4*j + 1), bx.At(4*j + 2), bx.At(4*j + 3)}, sc.At(j), cl.At(j)}
			d, err := s.toDetection(r, fmt.Sprintf("image %d, detection %d", b, i), opts)
			if err != nil {
				return nil, err
			}
			per[b] = append(per[b], d)
		}
		per[b] = finishBaked(per[b], opts)
	}
	return per, nil
}

func (s *Signature) decodeEndToEnd(o Output, n int, opts Options) ([][]box.Detection, error) {
	k := int(o.Shape[1])
	per := make([][]box.Detection, n)
	for b := range n {
		for i := range k {
			r := o.Float[(b*k+i)*6 : (b*k+i)*6+6]
			d, err := s.toDetection(bakedRow{[4]float64{float64(r[0]), float64(r[1]), float64(r[2]), float64(r[3])},
				float64(r[4]), float64(r[5])}, fmt.Sprintf("image %d, row %d", b, i), opts)
			if err != nil {
				return nil, err
			}
			per[b] = append(per[b], d)
		}
		per[b] = finishBaked(per[b], opts)
	}
	return per, nil
}
