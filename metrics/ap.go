package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/detparity/detparity/box"
)

// COCOMaxDets is pycocotools' maxDets for the AP it reports: at most this many
// detections per image and class, the highest-scored, are evaluated.
const COCOMaxDets = 100

// cocoRecallPoints is the number of recall thresholds 0, 0.01, ..., 1 of pycocotools.
const cocoRecallPoints = 101

// AP50Accumulator computes AP50 by the pycocotools definition (COCOeval.evaluate +
// accumulate + summarize, the number printed as "AP @[ IoU=0.50 | area=all |
// maxDets=100 ]", stats[1]) and nothing else: one IoU threshold 0.5, area range "all",
// no crowd or ignored ground truth, no conf threshold (every detection counts, however
// low its score).
//
// Per image and class, detections are sorted by descending score (stable) and cut to
// [COCOMaxDets]; each in turn takes the unmatched ground truth with the highest
// IoU >= 0.5, where, as in pycocotools' evaluateImg, an IoU tie goes to the LATER ground
// truth (unlike [MatchImage], which picks the lowest index). Per class, the kept
// detections of all images are sorted by descending score (stable: on equal scores the
// earlier-added image first), precision is made non-increasing from the right and
// sampled at the 101 recall points r = i·0.01 (the first detection reaching recall >= r;
// 0 beyond the largest recall reached), with pycocotools' precision tp/(tp+fp+2⁻⁵²).
// Classes with no ground truth are left out; a class with ground truth but no
// detection scores 0. AP50 is the mean over the 101 points of all remaining classes.
//
// IoU is [box.IoU] on corner coordinates, pycocotools computes it from x,y,w,h, and it
// averages with numpy's pairwise summation: results agree to rounding (~1e-15), not
// bit for bit. The rules are pycocotools' (github.com/cocodataset/cocoapi at
// 8c9bcc3, PythonAPI/pycocotools/cocoeval.py: evaluateImg, accumulate). This is not
// the Ultralytics mAP50, a trapezoid integral over an interpolated curve
// (compute_ap in ultralytics/utils/metrics.py, github.com/ultralytics/ultralytics at
// e42b006d; see [UltralyticsAccumulator]).
type AP50Accumulator struct {
	gt     []int       // per class: number of ground truths
	scores [][]float64 // per class: kept detection scores, image by image, each in matching order
	tp     [][]bool    // per class: whether the detection at the same index is a true positive
	images int
}

// NewAP50Accumulator returns an empty AP50 accumulator for classes 0..numClasses-1. It
// fails when numClasses < 1.
func NewAP50Accumulator(numClasses int) (*AP50Accumulator, error) {
	if numClasses < 1 {
		return nil, fmt.Errorf("metrics: AP50 accumulator with %d classes, want at least 1", numClasses)
	}
	a := &AP50Accumulator{
		gt:     make([]int, numClasses),
		scores: make([][]float64, numClasses),
		tp:     make([][]bool, numClasses),
	}
	for c := range a.scores {
		a.scores[c] = []float64{}
		a.tp[c] = []bool{}
	}
	return a, nil
}

// Images is the number of images added.
func (a *AP50Accumulator) Images() int { return a.images }

// Add matches one image and adds it. It fails, adding nothing, when a class is outside
// 0..numClasses-1 or a detection score is NaN (pycocotools' sort order is undefined
// then); the error names the image by its 0-based position in this accumulator.
func (a *AP50Accumulator) Add(gts []box.Object, dets []box.Detection) error {
	img, nc := a.images, len(a.gt)
	for i, g := range gts {
		if g.Class < 0 || g.Class >= nc {
			return fmt.Errorf("metrics: AP50 image %d: ground truth %d has class %d, want 0..%d", img, i, g.Class, nc-1)
		}
	}
	for j, d := range dets {
		if d.Class < 0 || d.Class >= nc {
			return fmt.Errorf("metrics: AP50 image %d: detection %d has class %d, want 0..%d", img, j, d.Class, nc-1)
		}
		if math.IsNaN(d.Score) {
			return fmt.Errorf("metrics: AP50 image %d: detection %d has a NaN score, want a number", img, j)
		}
	}
	gtByClass := make([][]int, nc)
	for i, g := range gts {
		gtByClass[g.Class] = append(gtByClass[g.Class], i)
	}
	detByClass := make([][]int, nc)
	for j, d := range dets {
		detByClass[d.Class] = append(detByClass[d.Class], j)
	}
	for c := range nc {
		a.gt[c] += len(gtByClass[c])
		ds := detByClass[c]
		slices.SortStableFunc(ds, func(x, y int) int { return cmp.Compare(dets[y].Score, dets[x].Score) })
		ds = ds[:min(len(ds), COCOMaxDets)]
		matched := make([]bool, len(gtByClass[c]))
		for _, j := range ds {
			best, bestIoU := -1, 0.5
			for k, i := range gtByClass[c] {
				if matched[k] {
					continue
				}
				// pycocotools: "if ious[d,g] < iou: continue" then take it, so an equal
				// IoU replaces the earlier ground truth.
				if v := box.IoU(gts[i].Box, dets[j].Box); v >= bestIoU {
					best, bestIoU = k, v
				}
			}
			if best >= 0 {
				matched[best] = true
			}
			a.scores[c] = append(a.scores[c], dets[j].Score)
			a.tp[c] = append(a.tp[c], best >= 0)
		}
	}
	a.images++
	return nil
}

// Merge adds everything in o to a, as if o's images had been added to a after a's own
// (o is left unchanged). It fails, changing nothing, when the numbers of classes differ.
func (a *AP50Accumulator) Merge(o *AP50Accumulator) error {
	if len(o.gt) != len(a.gt) {
		return fmt.Errorf("metrics: merging an AP50 accumulator with %d classes into one with %d, want equal", len(o.gt), len(a.gt))
	}
	gt := slices.Clone(o.gt) // o may be a itself
	for c := range a.gt {
		s, t := slices.Clone(o.scores[c]), slices.Clone(o.tp[c])
		a.scores[c] = append(a.scores[c], s...)
		a.tp[c] = append(a.tp[c], t...)
		a.gt[c] += gt[c]
	}
	a.images += o.images
	return nil
}

// PerClass returns the AP50 of each class, indexed by class; NaN for a class with no
// ground truth (left out of [AP50Accumulator.AP50]).
func (a *AP50Accumulator) PerClass() []float64 {
	ap := make([]float64, len(a.gt))
	for c := range ap {
		if a.gt[c] == 0 {
			ap[c] = math.NaN()
			continue
		}
		ap[c] = sumPrecisionAtRecallPoints(a.scores[c], a.tp[c], a.gt[c]) / cocoRecallPoints
	}
	return ap
}

// AP50 is the mean AP50 over the classes with ground truth. It fails when no class has
// any (pycocotools prints -1 then).
func (a *AP50Accumulator) AP50() (float64, error) {
	sum, k := 0.0, 0
	for c, n := range a.gt {
		if n == 0 {
			continue
		}
		sum += sumPrecisionAtRecallPoints(a.scores[c], a.tp[c], n)
		k++
	}
	if k == 0 {
		return 0, fmt.Errorf("metrics: AP50 over %d images: no class has ground truth, want at least one object", a.images)
	}
	return sum / float64(k*cocoRecallPoints), nil
}

// sumPrecisionAtRecallPoints returns the sum over pycocotools' 101 recall points of
// the interpolated precision of one class (npig > 0 ground truths).
func sumPrecisionAtRecallPoints(scores []float64, tp []bool, npig int) float64 {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(scores[y], scores[x]) })
	nd := len(order)
	rc := make([]float64, nd)
	pr := make([]float64, nd)
	eps := math.Nextafter(1, 2) - 1 // np.spacing(1) = 2⁻⁵²
	ntp, nfp := 0, 0
	for k, i := range order {
		if tp[i] {
			ntp++
		} else {
			nfp++
		}
		rc[k] = float64(ntp) / float64(npig)
		pr[k] = float64(ntp) / (float64(nfp+ntp) + eps)
	}
	for k := nd - 1; k > 0; k-- {
		pr[k-1] = max(pr[k-1], pr[k])
	}
	sum := 0.0
	for r := range cocoRecallPoints {
		thr := float64(r) * 0.01 // np.linspace(0, 1, 101): i*step, last exactly 1
		if r == cocoRecallPoints-1 {
			thr = 1
		}
		// np.searchsorted(rc, thr, side="left"): first k with rc[k] >= thr.
		k, _ := slices.BinarySearch(rc, thr)
		if k == nd {
			break // recall never reaches thr: this and all later points are 0
		}
		sum += pr[k]
	}
	return sum
}
