package detect

import (
	"slices"

	"github.com/detparity/detparity/box"
)

// vanillaAbove is torchvision 0.14's switch in ops.batched_nms: on CPU, more than 4000 box values (1000 boxes) run
// one nms per class (_batched_nms_vanilla), fewer run a single nms on class-offset boxes
// (_batched_nms_coordinate_trick). torchvision/ops/boxes.py, batched_nms.
const vanillaAbove = 4000

// NMS returns the indices of dets kept by greedy non-maximum suppression, in the order torchvision returns them
// (score descending). With classAware it is torchvision.ops.batched_nms with idxs = Class (boxes of different
// classes never suppress each other); without, torchvision.ops.nms. MaxDet is not applied here.
//
// Semantics of torchvision's CPU kernel (torchvision/csrc/ops/cpu/nms_kernel.cpp), reproduced in float32 arithmetic
// as torchvision does on float32 tensors (coordinates and scores are converted to float32 first, exact for values that
// came out of a float32 model):
//   - area = (x2-x1)*(y2-y1), no +1 and no clamping (a degenerate box has area 0, an inverted one a negative area);
//   - visit boxes by score descending; a visited box that is not suppressed is kept and suppresses every later box j
//     with inter/(area_i+area_j-inter) > iou (strictly greater; a 0/0 ratio is NaN and suppresses nothing), where
//     inter = max(0, min(x2)-max(x1)) * max(0, min(y2)-max(y1));
//   - batched (classAware): like torchvision 0.14, up to 1000 boxes run one nms on boxes shifted by
//     class*(max coordinate+1) (the float32 rounding of that shift included), more run one nms per class and sort
//     the union by score descending.
//
// Tie rule: equal scores are visited lower index first (a stable sort). torchvision sorts with
// `scores.sort(0, descending=True)`, which in torch 1.13 on CPU is std::sort: stable (insertion sort) for at most 16
// boxes, an implementation-defined order of equal scores beyond. So with more than 16 boxes and exactly equal scores
// the result can differ from torchvision's, but only when two equal-score boxes overlap above iou (which one is kept)
// or in the output order among equal scores. Scores must not be NaN (DecodeYOLONAS rejects them).
func NMS(dets []box.Detection, iou float64, classAware bool) []int {
	n := len(dets)
	if n == 0 {
		return []int{}
	}
	rects := make([]rect32, n)
	scores := make([]float32, n)
	for i, d := range dets {
		rects[i] = rect32{float32(d.X1), float32(d.Y1), float32(d.X2), float32(d.Y2)}
		scores[i] = float32(d.Score)
	}
	if !classAware {
		return nms32(rects, scores, iou)
	}
	if 4*n > vanillaAbove {
		return batchedVanilla(rects, scores, dets, iou)
	}
	return batchedOffset(rects, scores, dets, iou)
}

// rect32 is x1, y1, x2, y2 in float32, the precision torchvision computes in.
type rect32 [4]float32

// byScoreDesc returns 0..n-1 (or the given indices) stably sorted by score descending.
func byScoreDesc(idx []int, scores []float32) []int {
	slices.SortStableFunc(idx, func(a, b int) int {
		switch sa, sb := scores[a], scores[b]; {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return 0
	})
	return idx
}

// nms32 is torchvision's nms_kernel_impl<float>. Every float32 operation is written so that it rounds on its own
// (explicit conversions forbid the compiler from fusing a multiply-add), like the C++ built without FMA contraction.
func nms32(r []rect32, scores []float32, iou float64) []int {
	n := len(r)
	areas := make([]float32, n)
	for i, b := range r {
		areas[i] = float32(b[2]-b[0]) * float32(b[3]-b[1])
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	byScoreDesc(order, scores)
	suppressed := make([]bool, n)
	keep := make([]int, 0, n)
	for oi, i := range order {
		if suppressed[i] {
			continue
		}
		keep = append(keep, i)
		bi, ai := r[i], areas[i]
		for _, j := range order[oi+1:] {
			if suppressed[j] {
				continue
			}
			bj := r[j]
			w := max(0, float32(min(bi[2], bj[2])-max(bi[0], bj[0])))
			h := max(0, float32(min(bi[3], bj[3])-max(bi[1], bj[1])))
			inter := float32(w * h)
			ovr := inter / float32(float32(ai+areas[j])-inter)
			if float64(ovr) > iou {
				suppressed[j] = true
			}
		}
	}
	return keep
}

// batchedOffset is torchvision's _batched_nms_coordinate_trick: offsets = float32(class) * (boxes.max() + 1), added
// to every coordinate in float32, then one nms.
func batchedOffset(r []rect32, scores []float32, dets []box.Detection, iou float64) []int {
	maxc := r[0][0]
	for _, b := range r {
		for _, v := range b {
			maxc = max(maxc, v)
		}
	}
	step := float32(maxc + 1)
	shifted := make([]rect32, len(r))
	for i, b := range r {
		off := float32(float32(dets[i].Class) * step)
		shifted[i] = rect32{float32(b[0] + off), float32(b[1] + off), float32(b[2] + off), float32(b[3] + off)}
	}
	return nms32(shifted, scores, iou)
}

// batchedVanilla is torchvision's _batched_nms_vanilla: one nms per class, then the kept indices (ascending) sorted
// by score descending.
func batchedVanilla(r []rect32, scores []float32, dets []box.Detection, iou float64) []int {
	byClass := map[int][]int{}
	for i, d := range dets {
		byClass[d.Class] = append(byClass[d.Class], i)
	}
	keepMask := make([]bool, len(dets))
	for _, idx := range byClass {
		sr := make([]rect32, len(idx))
		ss := make([]float32, len(idx))
		for k, i := range idx {
			sr[k], ss[k] = r[i], scores[i]
		}
		for _, k := range nms32(sr, ss, iou) {
			keepMask[idx[k]] = true
		}
	}
	keep := make([]int, 0, len(dets))
	for i, k := range keepMask {
		if k {
			keep = append(keep, i)
		}
	}
	return byScoreDesc(keep, scores)
}
