// Package metrics is the Match and Summarise steps of the detparity data path:
//
//	detect (detections in source pixels) ──▶ metrics ──▶ parity (compare pipelines)
//
// It receives, per image, the ground-truth objects (from dataset/) and the detections
// already mapped back to source pixels (detect/ + letterbox/), and reduces them to
// numbers two pipelines can be compared on. It imports only box/ and gonum; nothing
// upstream imports it.
//
// # Matching
//
// [MatchImage] matches one image at one confidence and one IoU threshold with the
// greedy, class-aware rule used by pycocotools and super-gradients: detections in
// descending score order each take the best still-unmatched ground truth of their class.
// Only detections with Score > conf take part (super-gradients and Ultralytics keep
// score > conf). The result also records, per ground truth, the best score any detection
// of its class reached on it regardless of conf ("what the model gave each real object"),
// which is the quantity that collapses when preprocessing is wrong (super-gradients #1952).
//
// # Summaries
//
// An [Accumulator] adds images up into [Counts] (overall and per class), keeps the raw
// score samples and bins them into [Histogram]s on demand. Accumulators built on shards
// of a data set [Accumulator.Merge] into exactly the accumulator of one run over all of
// it. [KS2] is the two-sample Kolmogorov–Smirnov test on raw samples, e.g. the ground
// truth best scores of pipeline A against those of pipeline B.
//
// The numbers here are thresholded detection metrics (one conf, one IoU threshold), not
// COCO mAP. The one average precision offered is [AP50Accumulator]: AP at IoU 0.5 by
// the pycocotools definition (101-point interpolation, maxDets 100, no conf), which is
// not Ultralytics' mAP50.
package metrics
