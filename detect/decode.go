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
// images 0..n-1 of the batch (a fixed-batch model run on fewer images has padding images after them, ignored). A
// model with a symbolic input size is decoded with the signature At(w, h) gives for the run's size.
//
// First every image's raw outputs are checked against the layout (each layout's checks hold for any input: scores
// in [0, 1], softmax rows summing to 1, boxes in pixels or normalised as the layout says, x1 <= x2 where the
// layout guarantees it, a constant objectness column, ...): implausible values are an error saying what looked
// wrong and which layouts' checks the same outputs pass, never decoded into nonsense.
//
// Raw layouts are then converted to boxes x1y1x2y2 in input pixels and per-class scores in float32, the way each
// family's own code does it (see the Layout constants), and post-processed with opts exactly like DecodeYOLONAS
// (super-gradients predict(): threshold, multi-label, top-k, torchvision batched_nms, MaxDet).
//
// NMS-baked and end-to-end layouts already are detections: Decode keeps the rows with score > opts.Conf (float32
// comparison), stably sorted by score descending, at most opts.MaxDet. Their class ids must be integers >= 0 and,
// when opts.NumClasses > 0, below it; counts must lie in range; FLAT image indices must be integers in
// [0, batch).
//
// A NaN or infinite value in any box or score is an error naming the image and the row; so are the class id and
// count violations above. Errors name the layout decoded. Inverted boxes are counted in the returned Warnings.
func (s *Signature) Decode(outs []Output, n int, opts Options) ([][]box.Detection, Warnings, error) {
	var w Warnings
	if err := opts.Validate(); err != nil {
		return nil, w, err
	}
	f := familyOf(s.Layout)
	if f == nil {
		return nil, w, fmt.Errorf("detect: model %s: no decoder for layout %q", s.Path, s.Layout)
	}
	if !s.sized() {
		return nil, w, fmt.Errorf("detect: model %s (%s): the input size is symbolic; decode with the signature "+
			"At(w, h) gives for the run's size", s.Path, s.Layout)
	}
	if err := s.checkShapes(outs, n); err != nil {
		return nil, w, err
	}
	s, err := s.forRun(outs)
	if err != nil {
		return nil, w, err
	}
	for b := range n {
		if err := f.sanity(s, outs, b); err != nil {
			return nil, w, s.withAlternatives(err, outs, b)
		}
	}
	var res [][]box.Detection
	if f.rows != nil {
		if res, err = f.rows(s, outs, n, opts); err != nil {
			return nil, w, err
		}
		for b := range res {
			res[b] = finishBaked(res[b], opts)
		}
	} else {
		res = make([][]box.Detection, n)
		for b := range n {
			boxes, scores, a, c := f.raw(s, outs, b)
			if err := validateRaw(decoderName(s.Layout), boxes, scores, a, c); err != nil {
				return nil, w, fmt.Errorf("detect: model %s (%s): image %d of the batch: %w", s.Path, s.Layout, b, err)
			}
			res[b] = postprocess(boxes, scores, a, c, opts)
		}
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

// forRun returns the signature fitted to this run's output shapes when the declared shapes leave dimensions
// unknown (symbolic input size), so that every row count is checked against the run's size; s itself otherwise.
func (s *Signature) forRun(outs []Output) (*Signature, error) {
	unknown := false
	for _, o := range s.Outputs {
		for _, d := range o.Shape[min(1, len(o.Shape)):] {
			unknown = unknown || d < 0
		}
	}
	if !unknown || s.Layout.Baked() && !s.DynamicSize {
		return s, nil
	}
	t := s.clone()
	t.Outputs = slices.Clone(s.Outputs)
	for i, o := range outs {
		t.Outputs[i].Shape = slices.Clone(o.Shape)
		if s.Outputs[i].Shape[0] < 0 {
			t.Outputs[i].Shape[0] = -1
		}
	}
	t.role = map[string]int{}
	if err := familyOf(s.Layout).check(t); err != nil {
		return nil, err
	}
	return t, nil
}

// checkShapes verifies that outs are this signature's outputs and hold at least n images.
func (s *Signature) checkShapes(outs []Output, n int) error {
	if len(outs) != len(s.Outputs) {
		return fmt.Errorf("detect: model %s: decode got %d outputs, the model has %d", s.Path, len(outs), len(s.Outputs))
	}
	if n < 1 || (s.p.squeezed && n > 1) {
		return fmt.Errorf("detect: model %s: decode of %d images, want >= 1 (1 when the outputs have no batch "+
			"dimension)", s.Path, n)
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
		if !s.rowsNotImages(i) && o.Shape[0] < int64(n) {
			return fmt.Errorf("detect: model %s: output %q has batch %d, want >= %d images", s.Path, o.Name, o.Shape[0], n)
		}
		if (want.Type == "float32") != (o.Float != nil) {
			return fmt.Errorf("detect: model %s: output %q: want element type %s", s.Path, o.Name, want.Type)
		}
	}
	return nil
}

// rowsNotImages reports whether output i's first dimension counts rows of all images rather than images (FLAT,
// PaddleDetection's NMS rows, and outputs whose batch the exporter squeezed away).
func (s *Signature) rowsNotImages(i int) bool {
	switch s.Layout {
	case LayoutYOLONASFlat:
		return true
	case LayoutPaddleNMS:
		return i == s.role["rows"]
	}
	return len(s.Outputs[i].Shape) == 2 && s.p.squeezed
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

func rowsFlat(s *Signature, outs []Output, n int, opts Options) ([][]box.Detection, error) {
	o := outs[0]
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
	return per, nil
}

func rowsBatch(s *Signature, outs []Output, n int, opts Options) ([][]box.Detection, error) {
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
	}
	return per, nil
}

func rowsEndToEnd(s *Signature, outs []Output, n int, opts Options) ([][]box.Detection, error) {
	o := outs[0]
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
	}
	return per, nil
}

// decoderName is how validateRaw names a layout's decoder.
func decoderName(l Layout) string {
	if l == LayoutYOLONAS {
		return "YOLO-NAS"
	}
	return string(l)
}
