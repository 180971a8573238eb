package detect

import (
	"fmt"
	"math"
	"strings"

	"github.com/detparity/detparity/box"
)

// Per-stride face heads (SCRFD, YuNet) and the multi-input exports (RT-DETR / D-FINE, PaddleDetection with NMS).
// Sources are cited on the Layout constants.

// ---- scrfd ----

// scrfdConfigs are insightface's SCRFD.\_init\_vars cases: output count -> strides, anchors per cell, keypoints.
var scrfdConfigs = map[int]struct {
	strides []int
	perCell int
	kps     bool
}{
	6: {[]int{8, 16, 32}, 2, false}, 9: {[]int{8, 16, 32}, 2, true},
	10: {[]int{8, 16, 32, 64, 128}, 1, false}, 15: {[]int{8, 16, 32, 64, 128}, 1, true},
}

func fitSCRFD(s *Signature) error {
	outs := s.Outputs
	cfg, ok := scrfdConfigs[len(outs)]
	if !ok {
		return s.bad("want 6 or 9 outputs (3 strides: scores, boxes, keypoints) or 10 or 15 (5 strides)")
	}
	l := len(cfg.strides)
	rank := len(outs[0].Shape)
	if rank != 2 && rank != 3 {
		return s.bad("want per-stride outputs [n,k] or [B,n,k]")
	}
	s.p.squeezed = rank == 2
	if s.p.squeezed && s.Batch != 1 {
		return s.bad("outputs without a batch dimension need an input of batch 1, the input's batch is %s",
			map[bool]string{true: "dynamic", false: fmt.Sprint(s.Batch)}[s.Batch == 0])
	}
	total := int64(0)
	for i, o := range outs {
		k := []int64{1, 4, 10}[i/l]
		n := o.Shape[rank-2]
		if !isF(o) || len(o.Shape) != rank || o.Shape[rank-1] != k || !s.dimOK(n) || (rank == 3 && !s.batchOK(o)) {
			return s.bad("output %d %q is %s %v, want [..,n,%d] (scores, then boxes, then keypoints, per stride)", i,
				o.Name, o.Type, o.Shape, k)
		}
		if n != outs[i%l].Shape[rank-2] {
			return s.bad("output %q has %d rows, its stride's scores %d", o.Name, n, outs[i%l].Shape[rank-2])
		}
		if i < l {
			total += n
			if s.sized() && n >= 0 {
				st := cfg.strides[i]
				if want := int64(cfg.perCell * (s.Height / st) * (s.Width / st)); n != want {
					return s.bad("stride %d of a %dx%d input has %dx%d = %d anchors, output %q has %d", st, s.Width,
						s.Height, cfg.perCell, want/int64(cfg.perCell), want, o.Name, n)
				}
			}
		}
	}
	s.NumClasses, s.Strides, s.p.perCell = 1, cfg.strides, cfg.perCell
	s.Anchors = max(0, int(total))
	s.p.cellsFixed = s.sized() && total >= 0
	return nil
}

// levelData is output o's values for image b (the whole tensor when the batch was squeezed away).
func (s *Signature) levelData(o Output, b int) []float32 {
	if s.p.squeezed {
		return o.Float
	}
	return imageOf(o, b)
}

var famSCRFD = &family{
	layout:   LayoutSCRFD,
	describe: "per stride scores [B,n,1], box distances [B,n,4] (and keypoints [B,n,10]) (SCRFD)",
	fit:      fitSCRFD,
	evidence: func(s *Signature) (bool, string) {
		return s.p.cellsFixed, fmt.Sprintf("scrfd: %d outputs, %d anchors per cell over strides %s", len(s.Outputs),
			s.p.perCell, stridesText(s.Strides))
	},
	sanity: func(s *Signature, outs []Output, b int) error {
		for _, o := range outs[:len(s.Strides)] {
			v := s.levelData(o, b)
			if p := unitCheck("score", v, len(v), 1, 0, 1); p != "" {
				return s.implausible(b, "output %q: %s", o.Name, p)
			}
		}
		return nil
	},
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		l := len(s.Strides)
		var boxes, scores []float32
		for i, st := range s.Strides {
			sc, bb := s.levelData(outs[i], b), s.levelData(outs[l+i], b)
			cols := s.Width / st
			fs := float32(st)
			for k := range sc {
				cell := k / s.p.perCell
				cx, cy := float32(cell%cols)*fs, float32(cell/cols)*fs
				d := bb[4*k : 4*k+4]
				boxes = append(boxes, cx-d[0]*fs, cy-d[1]*fs, cx+d[2]*fs, cy+d[3]*fs)
				scores = append(scores, sc[k])
			}
		}
		return boxes, scores, len(scores), 1
	},
}

// ---- yunet ----

var yunetStrides = []int{8, 16, 32}

func fitYuNet(s *Signature) error {
	outs := s.Outputs
	if len(outs) != 12 {
		return s.bad("want 12 outputs cls_S, obj_S, bbox_S, kps_S for S = 8, 16, 32")
	}
	byName := map[string]int{}
	for i, o := range outs {
		byName[o.Name] = i
	}
	var levels []int
	total := int64(0)
	for _, st := range yunetStrides {
		var n int64 = -2
		for j, role := range []string{"cls", "obj", "bbox", "kps"} {
			i, ok := byName[fmt.Sprintf("%s_%d", role, st)]
			if !ok {
				return s.bad("no output named %s_%d", role, st)
			}
			o := outs[i]
			k := []int64{1, 1, 4, 10}[j]
			if !isF(o) || len(o.Shape) != 3 || o.Shape[2] != k || !s.dimOK(o.Shape[1]) || !s.batchOK(o) ||
				(n != -2 && o.Shape[1] != n) {
				return s.bad("output %q is %s %v, want [B,n,%d] with the n of its stride", o.Name, o.Type, o.Shape, k)
			}
			n = o.Shape[1]
			levels = append(levels, i)
		}
		if s.sized() && n >= 0 {
			if want := int64((s.Height / st) * (s.Width / st)); n != want {
				return s.bad("stride %d of a %dx%d input has %d cells, cls_%d has %d rows", st, s.Width, s.Height,
					want, st, n)
			}
		}
		total += n
	}
	s.NumClasses, s.Strides, s.p.levels = 1, yunetStrides, levels
	s.Anchors = max(0, int(total))
	return nil
}

var famYuNet = &family{
	layout:   LayoutYuNet,
	describe: "cls_S, obj_S [B,n,1], bbox_S [B,n,4], kps_S [B,n,10] for strides 8/16/32 (YuNet)",
	fit:      fitYuNet,
	evidence: func(s *Signature) (bool, string) { return true, "yunet: outputs named cls_S, obj_S, bbox_S, kps_S" },
	sanity:   func(*Signature, []Output, int) error { return nil },
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		var boxes, scores []float32
		for li, st := range s.Strides {
			cls := imageOf(outs[s.p.levels[4*li]], b)
			obj := imageOf(outs[s.p.levels[4*li+1]], b)
			bb := imageOf(outs[s.p.levels[4*li+2]], b)
			cols := s.Width / st
			fs := float32(st)
			for k := range cls {
				c, o := min(1, max(0, cls[k])), min(1, max(0, obj[k]))
				r := bb[4*k : 4*k+4]
				cx := (float32(k%cols) + r[0]) * fs
				cy := (float32(k/cols) + r[1]) * fs
				w := float32(math.Exp(float64(r[2]))) * fs
				h := float32(math.Exp(float64(r[3]))) * fs
				x1, y1 := cx-w/2, cy-h/2
				boxes = append(boxes, x1, y1, x1+w, y1+h)
				scores = append(scores, float32(math.Sqrt(float64(c*o))))
			}
		}
		return boxes, scores, len(scores), 1
	},
}

// ---- rtdetr (lyuwenyu RT-DETR, D-FINE) ----

func (s *Signature) hasAux(name string) bool {
	for _, a := range s.Aux {
		if a.Name == name {
			return true
		}
	}
	return false
}

func fitRTDETR(s *Signature) error {
	if !s.hasAux("orig_target_sizes") {
		return s.bad("want a second input orig_target_sizes [B,2]")
	}
	outs := s.Outputs
	if len(outs) != 3 {
		return s.bad("want outputs labels [B,Q], boxes [B,Q,4], scores [B,Q]")
	}
	bx := -1
	var pairs []int
	for i, o := range outs {
		switch {
		case len(o.Shape) == 3 && o.Shape[2] == 4 && isF(o):
			bx = i
		case len(o.Shape) == 2:
			pairs = append(pairs, i)
		}
	}
	if bx < 0 || len(pairs) != 2 {
		return s.bad("want outputs labels [B,Q], boxes [B,Q,4], scores [B,Q]")
	}
	lb, sc := pairs[0], pairs[1]
	name := func(i int) string { return strings.ToLower(outs[i].Name) }
	switch {
	case isI(outs[lb]) && isF(outs[sc]):
	case isF(outs[lb]) && isI(outs[sc]):
		lb, sc = sc, lb
	case strings.Contains(name(lb), "score") || strings.Contains(name(sc), "label"):
		lb, sc = sc, lb
	case strings.Contains(name(lb), "label") || strings.Contains(name(sc), "score"):
	default:
		return s.bad("two [B,Q] outputs of the same type: names containing \"labels\" and \"scores\" must tell them apart")
	}
	q := outs[bx].Shape[1]
	if !isF(outs[sc]) || outs[lb].Shape[1] != q || outs[sc].Shape[1] != q || q <= 0 {
		return s.bad("want float32 scores and labels, boxes, scores sharing a fixed Q")
	}
	s.role["labels"], s.role["boxes"], s.role["scores"] = lb, bx, sc
	s.Anchors = int(q)
	return nil
}

var famRTDETR = &family{
	layout:   LayoutRTDETR,
	describe: "inputs images + orig_target_sizes; labels [B,Q], boxes [B,Q,4] x1y1x2y2, scores [B,Q] (RT-DETR/D-FINE)",
	fit:      fitRTDETR,
	evidence: func(s *Signature) (bool, string) {
		return true, "rtdetr: an orig_target_sizes input and labels/boxes/scores outputs"
	},
	sanity: func(s *Signature, outs []Output, b int) error {
		bo, so := imageOf(outs[s.role["boxes"]], b), imageOf(outs[s.role["scores"]], b)
		if p := unitCheck("score", so, len(so), 1, 0, 1); p != "" {
			return s.implausible(b, "%s", p)
		}
		if i, ok := orderedBoxes(bo, len(bo)/4, 4, 0); !ok {
			return s.implausible(b, "query %d has x2 < x1 or y2 < y1 (%v): RT-DETR boxes are cxcywh with w, h >= 0",
				i, bo[4*i:4*i+4])
		}
		return s.rowsPixelCheck(b, bo)
	},
	rows: func(s *Signature, outs []Output, n int, opts Options) ([][]box.Detection, error) {
		lb, bx, sc := outs[s.role["labels"]], outs[s.role["boxes"]], outs[s.role["scores"]]
		q := s.Anchors
		per := make([][]box.Detection, n)
		for b := range n {
			for i := range q {
				j := b*q + i
				r := bakedRow{[4]float64{bx.At(4 * j), bx.At(4*j + 1), bx.At(4*j + 2), bx.At(4*j + 3)}, sc.At(j),
					lb.At(j)}
				d, err := s.toDetection(r, fmt.Sprintf("image %d, query %d", b, i), opts)
				if err != nil {
					return nil, err
				}
				per[b] = append(per[b], d)
			}
		}
		return per, nil
	},
}

// ---- paddle-nms ----

func fitPaddleNMS(s *Signature) error {
	if !s.hasAux("scale_factor") {
		return s.bad("want a second input scale_factor [B,2]")
	}
	outs := s.Outputs
	rows, num := -1, -1
	for i, o := range outs {
		switch {
		case len(o.Shape) == 2 && o.Shape[1] == 6 && isF(o):
			rows = i
		case len(o.Shape) == 1 && isI(o):
			num = i
		}
	}
	if len(outs) != 2 || rows < 0 || num < 0 {
		return s.bad("want outputs rows [N,6] float32 (class, score, x1, y1, x2, y2) and counts [B] int32")
	}
	if !s.batchOK(outs[num]) {
		return s.bad("output %q batch differs from the input batch %d", outs[num].Name, s.Batch)
	}
	s.role["rows"], s.role["num"] = rows, num
	return nil
}

var famPaddleNMS = &family{
	layout: LayoutPaddleNMS,
	describe: "inputs image + scale_factor (+ im_shape); rows [N,6] class, score, x1, y1, x2, y2 + counts [B] " +
		"(PaddleDetection)",
	fit: fitPaddleNMS,
	evidence: func(s *Signature) (bool, string) {
		return true, "paddle-nms: a scale_factor input and [N,6] rows with per-image counts"
	},
	sanity: func(s *Signature, outs []Output, b int) error {
		ro, num := outs[s.role["rows"]], outs[s.role["num"]]
		off := 0
		for i := range b {
			off += int(max(0, num.At(i)))
		}
		end := min(len(ro.Float)/6, off+int(max(0, num.At(b))))
		var boxes []float32
		for i := min(off, end); i < end; i++ {
			boxes = append(boxes, ro.Float[6*i+2:6*i+6]...)
		}
		return s.rowsPixelCheck(b, boxes)
	},
	rows: func(s *Signature, outs []Output, n int, opts Options) ([][]box.Detection, error) {
		ro, num := outs[s.role["rows"]], outs[s.role["num"]]
		total := int(ro.Shape[0])
		per := make([][]box.Detection, n)
		off := 0
		for b := range n {
			cnt := num.At(b)
			if cnt != math.Trunc(cnt) || cnt < 0 || float64(off)+cnt > float64(total) {
				return nil, fmt.Errorf("detect: model %s (%s): image %d: %s = %v after %d rows of earlier images, want "+
					"an integer in [0, %d]", s.Path, s.Layout, b, num.Name, cnt, off, total-off)
			}
			for i := range int(cnt) {
				r := ro.Float[6*(off+i) : 6*(off+i)+6]
				row := bakedRow{[4]float64{float64(r[2]), float64(r[3]), float64(r[4]), float64(r[5])}, float64(r[1]),
					float64(r[0])}
				d, err := s.toDetection(row, fmt.Sprintf("image %d, row %d", b, off+i), opts)
				if err != nil {
					return nil, err
				}
				per[b] = append(per[b], d)
			}
			off += int(cnt)
		}
		return per, nil
	},
}
