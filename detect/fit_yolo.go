package detect

import (
	"fmt"
	"math"
	"strings"

	"github.com/detparity/detparity/box"
)

// The YOLO-style layouts: YOLO-NAS (raw, FLAT, BATCH), Ultralytics YOLOv8, YOLOv5, YOLOX, YOLOv6, end-to-end
// heads, Ultralytics NMS exports and Ultralytics RT-DETR. Their sources are cited on the Layout constants.

func isF(t TensorInfo) bool { return t.Type == "float32" }
func isI(t TensorInfo) bool { return t.Type == "int64" || t.Type == "int32" }

// batchOK reports whether an output's first dimension can be the input batch.
func (s *Signature) batchOK(t TensorInfo) bool {
	return t.Shape[0] == -1 || s.Batch == 0 || t.Shape[0] == int64(s.Batch)
}

// dimOK accepts a fixed positive dimension, or an unknown one when the input size is symbolic (row counts follow
// the size; Decode checks them on each run's shapes).
func (s *Signature) dimOK(d int64) bool { return d > 0 || (d == -1 && s.DynamicSize) }

// oneRank3 checks for one float32 output [B,X,Y] and returns X and Y (-1 when unknown).
func (s *Signature) oneRank3() (x, y int64, err error) {
	outs := s.Outputs
	if len(outs) != 1 || !isF(outs[0]) || len(outs[0].Shape) != 3 {
		return 0, 0, s.bad("want one float32 output of rank 3")
	}
	o := outs[0]
	x, y = o.Shape[1], o.Shape[2]
	if !s.dimOK(x) || !s.dimOK(y) {
		return 0, 0, s.bad("output %q has dynamic dimensions %v, want fixed [B,X,Y]", o.Name, o.Shape)
	}
	if !s.batchOK(o) {
		return 0, 0, s.bad("output batch differs from the input batch %d", s.Batch)
	}
	s.role["out"] = 0
	return x, y, nil
}

// gridMatch finds the stride set (P3-P5 first, then P3-P6) whose cells times perCell are n rows.
func (s *Signature) gridMatch(n int64, perCell int, sets ...[]int) ([]int, bool) {
	for _, st := range sets {
		if int64(perCell*gridCells(s.Width, s.Height, st, false)) == n {
			return st, true
		}
	}
	return nil, false
}

// gridRows checks a YOLO row count against the grids when the size and the count are known.
func (s *Signature) gridRows(n int64, perCell int, name string, sets ...[]int) error {
	if !s.sized() || n < 0 {
		return nil
	}
	st, ok := s.gridMatch(n, perCell, sets...)
	if !ok {
		var want []string
		for _, set := range sets {
			c := gridCells(s.Width, s.Height, set, false)
			if perCell > 1 {
				want = append(want, fmt.Sprintf("%dx%d = %d (strides %s)", perCell, c, perCell*c, stridesText(set)))
			} else {
				want = append(want, fmt.Sprintf("%d (strides %s)", c, stridesText(set)))
			}
		}
		return s.bad("a %s head on a %dx%d input has %s rows, the output has %d", name, s.Width, s.Height,
			strings.Join(want, " or "), n)
	}
	s.Strides = st
	s.p.cellsFixed = true
	return nil
}

func stridesText(st []int) string {
	p := make([]string, len(st))
	for i, x := range st {
		p[i] = fmt.Sprint(x)
	}
	return strings.Join(p, "/")
}

// gridEvidence is the evidence of a grid layout: its row count matched the grids.
func gridEvidence(name string, perCell int) func(s *Signature) (bool, string) {
	return func(s *Signature) (bool, string) {
		if !s.p.cellsFixed {
			return false, ""
		}
		g := gridCells(s.Width, s.Height, s.Strides, false)
		if perCell > 1 {
			return true, fmt.Sprintf("%s wants A = %dx%d = %d, got %d", name, perCell, g, perCell*g, s.Anchors)
		}
		return true, fmt.Sprintf("%s wants A = %d grid cells, got %d", name, g, s.Anchors)
	}
}

// ---- yolo-nas ----

var famYOLONAS = &family{
	layout:   LayoutYOLONAS,
	describe: "boxes [B,N,4] x1y1x2y2 + scores [B,N,C] (YOLO-NAS raw)",
	fit:      fitYOLONAS,
	sanity:   sanityYOLONAS,
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		bo, so := outs[s.role["boxes"]], outs[s.role["scores"]]
		a, c := int(bo.Shape[1]), int(so.Shape[2])
		return bo.Float[b*a*4 : (b+1)*a*4], so.Float[b*a*c : (b+1)*a*c], a, c
	},
}

// boxesAndScores finds two float32 outputs [B,N,4] (boxes) and [B,N,C] and sets roles "boxes" and "scores"; when
// both end in 4, names containing "box" and "score" (or "loc" and "conf") decide.
func (s *Signature) boxesAndScores(what string) (bo, so TensorInfo, err error) {
	outs := s.Outputs
	if len(outs) != 2 || !isF(outs[0]) || !isF(outs[1]) || len(outs[0].Shape) != 3 || len(outs[1].Shape) != 3 {
		return bo, so, s.bad("want two float32 outputs [B,N,4] (boxes) and [B,N,C] (%s)", what)
	}
	has := func(t TensorInfo, w ...string) bool {
		for _, x := range w {
			if strings.Contains(strings.ToLower(t.Name), x) {
				return true
			}
		}
		return false
	}
	bi := -1
	switch a, b := outs[0].Shape[2] == 4, outs[1].Shape[2] == 4; {
	case a && !b:
		bi = 0
	case b && !a:
		bi = 1
	case a && b:
		switch {
		case has(outs[0], "box", "loc") && has(outs[1], "score", "conf"):
			bi = 0
		case has(outs[1], "box", "loc") && has(outs[0], "score", "conf"):
			bi = 1
		default:
			return bo, so, s.bad(`both outputs end in 4, so boxes and %s are told apart by names containing "box" `+
				`and "score", which these are not`, what)
		}
	default:
		return bo, so, s.bad("no output has last dimension 4 (the boxes)")
	}
	bo, so = outs[bi], outs[1-bi]
	if !s.dimOK(bo.Shape[1]) || so.Shape[2] <= 0 || bo.Shape[1] != so.Shape[1] {
		return bo, so, s.bad("boxes %q has %d anchors but %s %q has %d; want the same fixed N > 0", bo.Name,
			bo.Shape[1], what, so.Name, so.Shape[1])
	}
	if !s.batchOK(bo) || !s.batchOK(so) {
		return bo, so, s.bad("output batch differs from the input batch %d", s.Batch)
	}
	s.role["boxes"], s.role["scores"] = bi, 1-bi
	s.Anchors = max(0, int(bo.Shape[1]))
	return bo, so, nil
}

func fitYOLONAS(s *Signature) error {
	_, so, err := s.boxesAndScores("scores")
	if err != nil {
		return err
	}
	s.NumClasses = int(so.Shape[2])
	return nil
}

func sanityYOLONAS(s *Signature, outs []Output, b int) error {
	bo, so := imageOf(outs[s.role["boxes"]], b), imageOf(outs[s.role["scores"]], b)
	n, c := len(bo)/4, s.NumClasses
	if i, ok := orderedBoxes(bo, n, 4, 0); !ok {
		return s.implausible(b, "anchor %d has x2 < x1 or y2 < y1 (%v): YOLO-NAS boxes are centre -/+ non-negative "+
			"distances", i, bo[4*i:4*i+4])
	}
	if p := firstProblem(s.pixelBoxesCheck(maxAbs(bo, n, 4, 0, 4)), unitCheck("score", so, n, c, 0, c)); p != "" {
		return s.implausible(b, "%s", p)
	}
	if rowsSumToOne(so, n, c, 0, c) {
		return s.implausible(b, "every row of the %d scores sums to 1: softmax scores with a background column (an "+
			"SSD head), not sigmoid class scores", c)
	}
	return nil
}

// ---- yolo-nas-flat and yolo-nas-batch ----

var famYOLONASFlat = &family{
	layout:   LayoutYOLONASFlat,
	describe: "[K,7] image, x1, y1, x2, y2, score, class (YOLO-NAS with NMS, FLAT)",
	fit: func(s *Signature) error {
		outs := s.Outputs
		if len(outs) != 1 || !isF(outs[0]) || len(outs[0].Shape) != 2 || outs[0].Shape[1] != 7 {
			return s.bad("want one float32 output [K,7]")
		}
		s.role["rows"] = 0
		s.Anchors = max(0, int(outs[0].Shape[0]))
		return nil
	},
	sanity: func(s *Signature, outs []Output, b int) error {
		v := outs[0].Float
		var boxes []float32
		for i := range len(v) / 7 {
			if r := v[7*i : 7*i+7]; r[0] == float32(b) {
				boxes = append(boxes, r[1:5]...)
			}
		}
		return s.rowsPixelCheck(b, boxes)
	},
	rows: rowsFlat,
}

var famYOLONASBatch = &family{
	layout:   LayoutYOLONASBatch,
	describe: "num_predictions [B,1], boxes [B,K,4], scores [B,K], classes [B,K] (YOLO-NAS with NMS, BATCH)",
	fit:      fitBatch,
	sanity: func(s *Signature, outs []Output, b int) error {
		bx := imageOf(outs[s.role["boxes"]], b)
		cnt := int(min(max(0, outs[s.role["num"]].At(b)), float64(len(bx)/4)))
		return s.rowsPixelCheck(b, bx[:4*cnt])
	},
	rows: rowsBatch,
}

func fitBatch(s *Signature) error {
	outs := s.Outputs
	if len(outs) != 4 {
		return s.bad("want four outputs num_predictions [B,1], boxes [B,K,4], scores [B,K], classes [B,K]")
	}
	num, bx := -1, -1
	var pairs []int
	for i, t := range outs {
		switch {
		case len(t.Shape) == 2 && t.Shape[1] == 1 && isI(t) && num < 0:
			num = i
		case len(t.Shape) == 3 && t.Shape[2] == 4 && isF(t) && bx < 0:
			bx = i
		case len(t.Shape) == 2 && (isF(t) || isI(t)):
			pairs = append(pairs, i)
		}
	}
	if num < 0 || bx < 0 || len(pairs) != 2 {
		return s.bad("want an integer [B,1] (num_predictions), a float32 [B,K,4] (boxes) and two [B,K] (scores, " +
			"classes)")
	}
	sc, cl := pairs[0], pairs[1]
	has := func(i int, w string) bool { return strings.Contains(strings.ToLower(outs[i].Name), w) }
	switch {
	case isF(outs[sc]) && isI(outs[cl]):
	case isI(outs[sc]) && isF(outs[cl]):
		sc, cl = cl, sc
	case has(sc, "class") || has(cl, "score"):
		sc, cl = cl, sc
	case has(sc, "score") || has(cl, "class"):
	default:
		return s.bad("two [B,K] outputs of the same type: names containing \"score\" and \"class\" must tell them apart")
	}
	if !isF(outs[sc]) {
		return s.bad("scores %q is %s, want float32", outs[sc].Name, outs[sc].Type)
	}
	k := outs[bx].Shape[1]
	if outs[sc].Shape[1] != k || outs[cl].Shape[1] != k {
		return s.bad("boxes, scores and classes must share K (%d)", k)
	}
	for _, i := range []int{num, bx, sc, cl} {
		if !s.batchOK(outs[i]) {
			return s.bad("output %q batch differs from the input batch %d", outs[i].Name, s.Batch)
		}
	}
	s.role["num"], s.role["boxes"], s.role["scores"], s.role["classes"] = num, bx, sc, cl
	s.Anchors = max(0, int(k))
	return nil
}

// ---- yolov8 ----

var famYOLOv8 = &family{
	layout:   LayoutYOLOv8,
	describe: "[B,4+C,A] cx, cy, w, h, class scores (YOLOv8/YOLO11)",
	fit: func(s *Signature) error {
		x, y, err := s.oneRank3()
		if err != nil {
			return err
		}
		if x < 5 || (y > 0 && y <= x) {
			return s.bad("want [B,4+C,A] with A > 4+C >= 5, got %v", s.Outputs[0].Shape)
		}
		s.NumClasses, s.Anchors = int(x-4), max(0, int(y))
		return s.gridRows(y, 1, "YOLOv8", yoloStrides, yoloStridesP6)
	},
	evidence: gridEvidence("yolov8", 1),
	sanity: func(s *Signature, outs []Output, b int) error {
		v := imageOf(outs[0], b)
		a := int(outs[0].Shape[2])
		for ch := 4; ch < 4+s.NumClasses; ch++ {
			if x, i, bad := outsideUnit(v[ch*a:], a, 1, 0); bad {
				return s.implausible(b, "class score %v (class %d, anchor %d) is outside [0, 1]", x, ch-4, i)
			}
		}
		for ch := 2; ch < 4; ch++ {
			for i, x := range v[ch*a : (ch+1)*a] {
				if finite(x) && x < 0 {
					return s.implausible(b, "anchor %d has a negative box %s (%v)", i, map[int]string{2: "width",
						3: "height"}[ch], x)
				}
			}
		}
		if p := s.pixelBoxesCheck(maxAbs(v[:4*a], 4*a, 1, 0, 1)); p != "" {
			return s.implausible(b, "%s", p)
		}
		return nil
	},
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		o := outs[0]
		rows, cols := int(o.Shape[1]), int(o.Shape[2]) // [4+C, A]
		a, c := cols, rows-4
		v := imageOf(o, b)
		boxes, scores := make([]float32, 4*a), make([]float32, a*c)
		for i := range a {
			cxcywh(boxes[4*i:], v[i], v[cols+i], v[2*cols+i], v[3*cols+i])
			for k := range c {
				scores[i*c+k] = v[(4+k)*cols+i]
			}
		}
		return boxes, scores, a, c
	},
}

// ---- yolov5, yolox, yolov6: [B,A,5+C] ----

// fitA5C checks [B,A,5+C] and returns A.
func (s *Signature) fitA5C() (int64, error) {
	x, y, err := s.oneRank3()
	if err != nil {
		return 0, err
	}
	if y < 6 || (x > 0 && x <= y) {
		return 0, s.bad("want [B,A,5+C] with A > 5+C >= 6, got %v", s.Outputs[0].Shape)
	}
	s.NumClasses, s.Anchors = int(y-5), max(0, int(x))
	return x, nil
}

// sanityA5C checks image b of [A,5+C]: objectness and class scores in [0, 1]; for decoded boxes (yolov5,
// yolov6) non-negative w, h in input pixels.
func (s *Signature) sanityA5C(b int, v []float32, decodedBoxes bool) error {
	w := 5 + s.NumClasses
	a := len(v) / w
	if p := unitCheck("objectness or class score", v, a, w, 4, w); p != "" {
		return s.implausible(b, "%s", p)
	}
	if !decodedBoxes {
		return nil
	}
	for i := range a {
		if x, y := v[i*w+2], v[i*w+3]; finite(x) && x < 0 || finite(y) && y < 0 {
			return s.implausible(b, "row %d has a negative width or height (%v, %v)", i, x, y)
		}
	}
	if p := s.pixelBoxesCheck(maxAbs(v, a, w, 0, 4)); p != "" {
		return s.implausible(b, "%s", p)
	}
	return nil
}

// rawA5C decodes image b of [A,5+C] rows: grid nil for decoded boxes (yolov5, yolov6), the YOLOX cells otherwise.
func rawA5C(o Output, b int, grid []gridCell) ([]float32, []float32, int, int) {
	a, w := int(o.Shape[1]), int(o.Shape[2])
	c := w - 5
	v := imageOf(o, b)
	boxes, scores := make([]float32, 4*a), make([]float32, a*c)
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

const yolov6Objectness = "YOLOv6 writes a constant 1 there (effidehead.py: torch.ones)"

var famYOLOv5 = &family{
	layout:   LayoutYOLOv5,
	describe: "[B,A,5+C] cx, cy, w, h, objectness, class probabilities (YOLOv5)",
	fit: func(s *Signature) error {
		x, err := s.fitA5C()
		if err != nil {
			return err
		}
		return s.gridRows(x, 3, "3-anchor YOLOv5", yoloStrides, yoloStridesP6)
	},
	evidence: gridEvidence("yolov5", 3),
	sanity: func(s *Signature, outs []Output, b int) error {
		v := imageOf(outs[0], b)
		if err := s.sanityA5C(b, v, true); err != nil {
			return err
		}
		if constantColumn(v, len(v)/(5+s.NumClasses), 5+s.NumClasses, 4, 1) {
			return s.implausible(b, "the objectness (column 4) is 1 in every row: %s", yolov6Objectness)
		}
		return nil
	},
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		return rawA5C(outs[0], b, nil)
	},
}

var famYOLOX = &family{
	layout:   LayoutYOLOX,
	describe: "[B,A,5+C] raw grid over strides 8/16/32: xy offset, log wh, objectness, class scores (YOLOX)",
	fit: func(s *Signature) error {
		x, err := s.fitA5C()
		if err != nil {
			return err
		}
		return s.gridRows(x, 1, "YOLOX", yoloStrides)
	},
	evidence: gridEvidence("yolox", 1),
	sanity: func(s *Signature, outs []Output, b int) error {
		v := imageOf(outs[0], b)
		if err := s.sanityA5C(b, v, false); err != nil {
			return err
		}
		w := 5 + s.NumClasses
		if constantColumn(v, len(v)/w, w, 4, 1) {
			return s.implausible(b, "the objectness (column 4) is 1 in every row: %s", yolov6Objectness)
		}
		if m := maxAbs(v, len(v)/w, w, 2, 2); m > 20 {
			return s.implausible(b, "the log width/height columns reach %.4g, exp() of which is no box: these look "+
				"like decoded pixel sizes (an export with --decode_in_inference), not YOLOX's raw outputs", m)
		}
		return nil
	},
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		return rawA5C(outs[0], b, yoloxGrid(s.Width, s.Height))
	},
}

var famYOLOv6 = &family{
	layout:   LayoutYOLOv6,
	describe: "[B,A,5+C] cx, cy, w, h, constant objectness 1, class scores (YOLOv6)",
	fit: func(s *Signature) error {
		x, err := s.fitA5C()
		if err != nil {
			return err
		}
		return s.gridRows(x, 1, "YOLOv6", yoloStrides, yoloStridesP6)
	},
	evidence: gridEvidence("yolov6", 1),
	sanity: func(s *Signature, outs []Output, b int) error {
		v := imageOf(outs[0], b)
		w := 5 + s.NumClasses
		for i := range len(v) / w {
			if x := v[i*w+4]; finite(x) && (x < 1-unitTol || x > 1+unitTol) {
				return s.implausible(b, "the objectness (column 4) is %v at row %d: %s", x, i, yolov6Objectness)
			}
		}
		return s.sanityA5C(b, v, true)
	},
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		return rawA5C(outs[0], b, nil)
	},
}

// cxcywh writes x1, y1, x2, y2 = cx -/+ w/2, cy -/+ h/2 in float32 (each operation rounded, as torch does).
func cxcywh(dst []float32, cx, cy, w, h float32) {
	hw, hh := w/2, h/2
	dst[0], dst[1], dst[2], dst[3] = float32(cx-hw), float32(cy-hh), float32(cx+hw), float32(cy+hh)
}

// gridCell is one row of a row-major grid: the cell's x, y and its stride.
type gridCell struct{ x, y, stride float32 }

// yoloxGrid lists the cells of the stride 8, 16, 32 grids of a w x h input, row-major per grid, grids in stride
// order: YOLOX demo_postprocess (hsize = h // stride, wsize = w // stride; meshgrid(arange(wsize), arange(hsize))).
func yoloxGrid(w, h int) []gridCell {
	cells := make([]gridCell, 0, GridAnchors(w, h))
	for _, s := range yoloStrides {
		for y := range h / s {
			for x := range w / s {
				cells = append(cells, gridCell{float32(x), float32(y), float32(s)})
			}
		}
	}
	return cells
}

// ---- end2end, ultralytics-nms: [B,K,6] rows ----

func fitRows6(s *Signature) error {
	_, y, err := s.oneRank3()
	if err != nil {
		return err
	}
	if y != 6 {
		return s.bad("want [B,K,6], got %v", s.Outputs[0].Shape)
	}
	s.Anchors = max(0, int(s.Outputs[0].Shape[1]))
	return nil
}

// sanityRows6 checks [K,6] rows: scores in [0, 1] and box coordinates in input pixels.
func sanityRows6(s *Signature, outs []Output, b int) error {
	v := imageOf(outs[0], b)
	k := len(v) / 6
	if p := firstProblem(unitCheck("score", v, k, 6, 4, 5), s.pixelBoxesCheck(maxAbs(v, k, 6, 0, 4))); p != "" {
		return s.implausible(b, "%s", p)
	}
	return nil
}

var famEndToEnd = &family{
	layout:   LayoutEndToEnd,
	describe: "[B,K,6] x1, y1, x2, y2, score, class (end-to-end, NMS-free)",
	fit:      fitRows6,
	evidence: func(s *Signature) (bool, string) {
		if m := s.Metadata; m != nil && m.EndToEnd != nil && *m.EndToEnd {
			return true, "the Ultralytics metadata says end2end True"
		}
		if !s.sized() {
			return false, ""
		}
		g, x := GridAnchors(s.Width, s.Height), int64(s.Anchors)
		return x != int64(g) && x != int64(3*g), fmt.Sprintf("end2end wants K not a grid count (%d or %d), got %d",
			g, 3*g, x)
	},
	sanity: sanityRows6,
	rows:   rowsEndToEnd,
}

var famUltralyticsNMS = &family{
	layout:          LayoutUltralyticsNMS,
	describe:        "[B,K,6] x1, y1, x2, y2, score, class, zero-padded (Ultralytics nms=True export)",
	fit:             fitRows6,
	requireEvidence: true,
	evidence: func(s *Signature) (bool, string) {
		if m := s.Metadata; m != nil && m.NMS != nil && *m.NMS {
			return true, "the Ultralytics metadata says args nms True"
		}
		return false, "an nms=True export is told from an end-to-end head only by its metadata (args nms True), " +
			"which this model lacks"
	},
	sanity: sanityRows6,
	rows:   rowsEndToEnd,
}

// ---- rtdetr-ultralytics ----

var famRTDETRUltralytics = &family{
	layout:   LayoutRTDETRUltralytics,
	describe: "[B,Q,4+C] cx, cy, w, h normalised to 0..1, sigmoid class scores, no NMS (Ultralytics RT-DETR)",
	// [B,Q,4+C] is every rank-3 shape; normalised sigmoid boxes are what tells it apart.
	autoNeedsValues: true,
	fit: func(s *Signature) error {
		_, y, err := s.oneRank3()
		if err != nil {
			return err
		}
		if y < 5 {
			return s.bad("want [B,Q,4+C] with C >= 1, got %v", s.Outputs[0].Shape)
		}
		s.NumClasses, s.Anchors = int(y-4), max(0, int(s.Outputs[0].Shape[1]))
		return nil
	},
	evidence: func(s *Signature) (bool, string) {
		if m := s.Metadata; m != nil && m.Family == "ultralytics" {
			return true, "the Ultralytics metadata names an RT-DETR decoder"
		}
		return false, ""
	},
	sanity: func(s *Signature, outs []Output, b int) error {
		v := imageOf(outs[0], b)
		w := 4 + s.NumClasses
		if p := unitCheck("value", v, len(v)/w, w, 0, w); p != "" {
			return s.implausible(b, "%s: RT-DETR boxes and scores are sigmoids", p)
		}
		return nil
	},
	rows: func(s *Signature, outs []Output, n int, opts Options) ([][]box.Detection, error) {
		o := outs[0]
		q, w := int(o.Shape[1]), int(o.Shape[2])
		fw, fh := float32(s.Width), float32(s.Height)
		per := make([][]box.Detection, n)
		for b := range n {
			v := imageOf(o, b)
			for i := range q {
				r := v[i*w : (i+1)*w]
				best := 4
				for k := 5; k < w; k++ {
					if r[k] > r[best] {
						best = k
					}
				}
				var xy [4]float32
				cxcywh(xy[:], r[0], r[1], r[2], r[3])
				row := bakedRow{[4]float64{float64(xy[0] * fw), float64(xy[1] * fh), float64(xy[2] * fw),
					float64(xy[3] * fh)}, float64(r[best]), float64(best - 4)}
				d, err := s.toDetection(row, fmt.Sprintf("image %d, query %d", b, i), opts)
				if err != nil {
					return nil, err
				}
				per[b] = append(per[b], d)
			}
		}
		return per, nil
	},
}
