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
// [CurveAccumulator] keeps every detection's outcome at one IoU so that P, R and F1
// can be read at any confidence: PR curve, best-F1 confidence, F1-, P- and
// R-vs-confidence curves. [ConfusionMatrix] is Ultralytics' class confusion with a
// background row and column.
//
// # Average precision: two definitions
//
// [COCOEvaluator] (with [ReadCOCOGroundTruth], [ReadCOCOResults], [EvaluateCOCO]; the
// readers stream the JSON files, see [DecodeCOCOResults]) is pycocotools' COCOeval
// for boxes: the 12 summary numbers and per-category AP, crowds, area ranges,
// maxDets, equal to pycocotools to the last bit on the committed cases
// (testdata/coco_cases). [AP50Accumulator] is its AP50 alone on box.Objects.
// [UltralyticsAccumulator] is the second, different definition Ultralytics' `yolo val`
// prints (IoU-first matching, trapezoid integral, P/R at the best mean F1). A number
// is always labelled with the definition it follows.
//
// # Distributions, significance, errors
//
// [Wasserstein1], [JensenShannon], [PSI] and [KS2] are plain distances between two
// confidence samples or histograms; [CompareScores] grades a drift with conventional,
// overridable thresholds. [PairedBootstrap] says whether a change in F1 or AP50
// between two runs over the same images is significant ("~" when not).
// [TIDEAccumulator] breaks errors down TIDE's way (classification, localisation,
// both, duplicate, background, missed) with the AP50 each would recover.
//
// Every accumulator merges: shards evaluated apart and merged give the same numbers
// as one run.
package metrics
