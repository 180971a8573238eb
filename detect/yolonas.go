package detect

import (
	"fmt"
	"math"
	"slices"

	"github.com/detparity/detparity/box"
)

// Options are the post-processing settings of super-gradients' predict() for YOLO-NAS
// (PPYoloEPostPredictionCallback: score_threshold, nms_threshold, nms_top_k, max_predictions, multi_label_per_box,
// class_agnostic_nms) plus the ONNX Runtime thread count.
type Options struct {
	// Conf keeps candidates with score > Conf (multi-label) or score >= Conf (single-label arg-max): super-gradients
	// uses these two comparisons. Like torch comparing a float32 tensor with a Python float, the comparison is in
	// float32, so a score equal to float32(Conf) fails ">".
	Conf float64
	// IoU is the NMS threshold: a box is suppressed when its IoU with a kept box is strictly greater.
	IoU float64
	// PreNMSTopK keeps only the PreNMSTopK highest-scoring candidates before NMS; <= 0 means no limit.
	PreNMSTopK int
	// MaxDet keeps at most MaxDet detections after NMS (the highest scores); <= 0 means no limit.
	MaxDet int
	// MultiLabel lets one anchor yield a candidate for every class above Conf (super-gradients' default); otherwise
	// each anchor yields at most its arg-max class.
	MultiLabel bool
	// ClassAgnostic runs one NMS over all classes (torchvision.ops.nms) instead of per class (batched_nms).
	ClassAgnostic bool
	// Threads is ONNX Runtime's intra-op thread count; 0 leaves ORT's default.
	Threads int
	// NoSpin makes ONNX Runtime's intra-op threads sleep instead of spinning
	// while they wait for work (session.intra_op.allow_spinning = 0): for a
	// session that shares the cores with other work, such as image decoding.
	NoSpin bool
	// Layout is the output layout; LayoutAuto ("") detects it from the outputs (see DetectLayout).
	Layout Layout
	// Batch is how many images one ONNX Runtime run takes for a model with a dynamic batch dimension (InferBatch
	// splits its input in runs of Batch); 0 means 1. A fixed-batch model always runs its own batch size.
	Batch int
	// NumClasses is the size of the label set (the dataset's class names); 0 leaves it unchecked. Open fails when a
	// model's output shapes give a different class count, and Decode fails on a class id outside [0, NumClasses)
	// in the layouts that output class ids (NMS-baked, end-to-end).
	NumClasses int
}

// DefaultOptions returns super-gradients' predict() defaults for the COCO YOLO-NAS models: conf 0.25, IoU 0.7,
// top-k 1024, at most 300 detections, multi-label, class-aware NMS, ORT's default thread count.
func DefaultOptions() Options {
	return Options{Conf: 0.25, IoU: 0.7, PreNMSTopK: 1024, MaxDet: 300, MultiLabel: true}
}

// Validate reports options that cannot be meant: a non-finite Conf, an IoU outside [0, 1], negative Threads, Batch
// or NumClasses, an unknown Layout.
func (o Options) Validate() error {
	if math.IsNaN(o.Conf) || math.IsInf(o.Conf, 0) {
		return fmt.Errorf("detect: options: Conf = %v, want a finite number", o.Conf)
	}
	if !(o.IoU >= 0 && o.IoU <= 1) {
		return fmt.Errorf("detect: options: IoU = %v, want 0 <= IoU <= 1", o.IoU)
	}
	if o.Threads < 0 {
		return fmt.Errorf("detect: options: Threads = %d, want >= 0 (0 = ONNX Runtime default)", o.Threads)
	}
	if o.Batch < 0 {
		return fmt.Errorf("detect: options: Batch = %d, want >= 0 (0 = one image per run)", o.Batch)
	}
	if o.NumClasses < 0 {
		return fmt.Errorf("detect: options: NumClasses = %d, want >= 0 (0 = unchecked)", o.NumClasses)
	}
	if _, err := ParseLayout(string(o.Layout)); err != nil {
		return fmt.Errorf("detect: options: %w", err)
	}
	return nil
}

// candidate is one (anchor, class) pair that passed the score threshold.
type candidate struct {
	anchor, class int
	score         float32
}

// DecodeYOLONAS turns YOLO-NAS raw outputs into detections, in the order of super-gradients'
// PPYoloEPostPredictionCallback.forward (super_gradients/training/models/detection_models/pp_yolo_e/
// post_prediction_callback.py), which YOLO-NAS predict() uses:
//  1. score filter: MultiLabel takes every (anchor, class) with score > Conf, in (anchor, class) row-major order
//     (torch nonzero); otherwise each anchor's arg-max class (first maximum, as torch.max) if its score >= Conf;
//  2. if more candidates than PreNMSTopK remain, the PreNMSTopK highest (torch.topk; equal scores: earlier candidate
//     first, where torch's order is unspecified);
//  3. class-aware torchvision batched_nms (or nms when ClassAgnostic) with IoU, see NMS;
//  4. the first MaxDet of the NMS result (already score-descending).
//
// boxes is [n,4] x1y1x2y2 and scores is [n,c], both row-major; the detections' boxes are in the same (input-tensor)
// pixels, unclipped. A NaN or infinite value anywhere is an error naming the anchor, even below the threshold: it
// means the tensor fed to the model or the model itself is broken.
func DecodeYOLONAS(boxes, scores []float32, n, c int, opts Options) ([]box.Detection, error) {
	if n < 0 || c <= 0 {
		return nil, fmt.Errorf("detect: YOLO-NAS decode: %d anchors x %d classes, want N >= 0 and C >= 1", n, c)
	}
	if len(boxes) != 4*n {
		return nil, fmt.Errorf("detect: YOLO-NAS decode: boxes has %d values, want N*4 = %d", len(boxes), 4*n)
	}
	if len(scores) != n*c {
		return nil, fmt.Errorf("detect: YOLO-NAS decode: scores has %d values, want N*C = %d*%d = %d",
			len(scores), n, c, n*c)
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := validateRaw("YOLO-NAS", boxes, scores, n, c); err != nil {
		return nil, err
	}
	return postprocess(boxes, scores, n, c, opts), nil
}

// validateRaw reports the first NaN or infinite box coordinate or score, naming the decoder and the anchor.
func validateRaw(decoder string, boxes, scores []float32, n, c int) error {
	for a := range n {
		for k, v := range boxes[4*a : 4*a+4] {
			if !finite32(v) {
				return fmt.Errorf("detect: %s decode: anchor %d: box coordinate %d is %v, want a finite number",
					decoder, a, k, v)
			}
		}
		for k, v := range scores[c*a : c*a+c] {
			if !finite32(v) {
				return fmt.Errorf("detect: %s decode: anchor %d: score of class %d is %v, want a finite number",
					decoder, a, k, v)
			}
		}
	}
	return nil
}

// postprocess is steps 1-4 of DecodeYOLONAS on validated, finite boxes [n*4] x1y1x2y2 and scores [n*c].
func postprocess(boxes, scores []float32, n, c int, opts Options) []box.Detection {
	conf := float32(opts.Conf)
	var cands []candidate
	for a := range n {
		row := scores[c*a : c*a+c]
		if opts.MultiLabel {
			for k, s := range row {
				if s > conf {
					cands = append(cands, candidate{a, k, s})
				}
			}
			continue
		}
		best := 0
		for k, s := range row {
			if s > row[best] {
				best = k
			}
		}
		if row[best] >= conf {
			cands = append(cands, candidate{a, best, row[best]})
		}
	}
	if opts.PreNMSTopK > 0 && len(cands) > opts.PreNMSTopK {
		slices.SortStableFunc(cands, func(x, y candidate) int {
			switch {
			case x.score > y.score:
				return -1
			case x.score < y.score:
				return 1
			}
			return 0
		})
		cands = cands[:opts.PreNMSTopK]
	}

	dets := make([]box.Detection, len(cands))
	for i, cd := range cands {
		b := boxes[4*cd.anchor : 4*cd.anchor+4]
		dets[i] = box.Detection{
			Box:   box.Box{X1: float64(b[0]), Y1: float64(b[1]), X2: float64(b[2]), Y2: float64(b[3])},
			Score: float64(cd.score),
			Class: cd.class,
		}
	}
	keep := NMS(dets, opts.IoU, !opts.ClassAgnostic)
	if opts.MaxDet > 0 && len(keep) > opts.MaxDet {
		keep = keep[:opts.MaxDet]
	}
	out := make([]box.Detection, len(keep))
	for i, k := range keep {
		out[i] = dets[k]
	}
	return out
}

func finite32(v float32) bool {
	return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
}
