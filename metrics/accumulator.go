package metrics

import (
	"fmt"
	"math"
	"slices"

	"github.com/detparity/detparity/box"
)

// Accumulator sums matched images at one confidence and one IoU threshold into
// [Counts], overall and per class, and keeps the raw score samples (ground-truth best
// scores, all detection scores, TP and FP scores) for histograms and [KS2].
//
// Accumulators over disjoint shards of a data set merge exactly: merging the shards'
// accumulators in the order of the shards gives a value identical (counts and samples,
// sample order included) to one accumulator fed every image in that order. Counts,
// histograms and KS statistics do not depend on sample order at all.
//
// An Accumulator is not safe for concurrent use; give each goroutine its own and
// [Accumulator.Merge] them.
type Accumulator struct {
	conf, iouThr float64
	total        Counts
	perClass     []Counts
	gtBest       []float64
	det          []float64
	tp, fp       []float64
}

// ScoreHistograms are the score samples of an [Accumulator] binned alike.
type ScoreHistograms struct {
	// GTBest bins [ImageResult.GTBestScores]: one value per ground truth, 0 when the
	// model gave the object nothing.
	GTBest Histogram
	// Det bins the scores of all detections, regardless of conf.
	Det Histogram
	// TP and FP bin the scores of the detections counted TP and FP at conf.
	TP, FP Histogram
}

// NewAccumulator returns an empty accumulator for detections with Score > conf, matched
// at IoU >= iouThr, with classes 0..numClasses-1. It fails when conf is NaN, iouThr is
// not in (0, 1] or numClasses < 1.
func NewAccumulator(conf, iouThr float64, numClasses int) (*Accumulator, error) {
	if math.IsNaN(conf) {
		return nil, fmt.Errorf("metrics: accumulator conf is NaN, want a number")
	}
	if !(iouThr > 0 && iouThr <= 1) {
		return nil, fmt.Errorf("metrics: accumulator IoU threshold %v, want 0 < t <= 1", iouThr)
	}
	if numClasses < 1 {
		return nil, fmt.Errorf("metrics: accumulator with %d classes, want at least 1", numClasses)
	}
	return &Accumulator{
		conf:     conf,
		iouThr:   iouThr,
		perClass: make([]Counts, numClasses),
		gtBest:   []float64{},
		det:      []float64{},
		tp:       []float64{},
		fp:       []float64{},
	}, nil
}

// Conf is the confidence threshold: detections with Score > Conf are matched.
func (a *Accumulator) Conf() float64 { return a.conf }

// IoUThr is the IoU threshold a match needs to reach (>=).
func (a *Accumulator) IoUThr() float64 { return a.iouThr }

// NumClasses is the number of classes.
func (a *Accumulator) NumClasses() int { return len(a.perClass) }

// Add matches one image with [MatchImage] at the accumulator's thresholds and adds the
// result. It fails, adding nothing, when a class is outside 0..NumClasses-1; the error
// names the image by its 0-based position in this accumulator.
func (a *Accumulator) Add(gts []box.Object, dets []box.Detection) error {
	return a.AddResult(MatchImage(gts, dets, a.conf, a.iouThr))
}

// AddResult adds an image already matched with [MatchImage]. It fails, adding nothing,
// when r was matched at other thresholds, is internally inconsistent, or has a class
// outside 0..NumClasses-1.
func (a *Accumulator) AddResult(r ImageResult) error {
	img := a.total.Images
	if r.Conf != a.conf || r.IoUThr != a.iouThr {
		return fmt.Errorf("metrics: image %d matched at conf %v, IoU %v; accumulator wants conf %v, IoU %v", img, r.Conf, r.IoUThr, a.conf, a.iouThr)
	}
	ng, nd := len(r.GTClasses), len(r.DetClasses)
	if len(r.GTMatch) != ng || len(r.GTBestScores) != ng || len(r.DetScores) != nd || len(r.DetMatch) != nd ||
		r.TP+r.FN != ng || r.TP+r.FP > nd || len(r.TPScores) != r.TP || len(r.FPScores) != r.FP {
		return fmt.Errorf("metrics: image %d: inconsistent ImageResult (%d GT, %d dets, TP %d FP %d FN %d), want one made by MatchImage", img, ng, nd, r.TP, r.FP, r.FN)
	}
	for i, c := range r.GTClasses {
		if c < 0 || c >= len(a.perClass) {
			return fmt.Errorf("metrics: image %d: ground truth %d has class %d, want 0..%d", img, i, c, len(a.perClass)-1)
		}
	}
	for j, c := range r.DetClasses {
		if c < 0 || c >= len(a.perClass) {
			return fmt.Errorf("metrics: image %d: detection %d has class %d, want 0..%d", img, j, c, len(a.perClass)-1)
		}
	}
	matched, fps := 0, 0
	for _, m := range r.GTMatch {
		if m != Unmatched {
			matched++
		}
	}
	for _, m := range r.DetMatch {
		if m == Unmatched {
			fps++
		}
	}
	if matched != r.TP || fps != r.FP {
		return fmt.Errorf("metrics: image %d: ImageResult has %d matched GT and %d unmatched dets but TP %d FP %d, want equal", img, matched, fps, r.TP, r.FP)
	}

	seen := make([]bool, len(a.perClass))
	for i, c := range r.GTClasses {
		pc := &a.perClass[c]
		if !seen[c] {
			seen[c] = true
			pc.Images++
		}
		pc.GT++
		if r.GTMatch[i] == Unmatched {
			pc.FN++
		} else {
			pc.TP++
		}
	}
	for j, m := range r.DetMatch {
		if m == Unmatched {
			a.perClass[r.DetClasses[j]].FP++
		}
	}
	a.total = a.total.add(Counts{Images: 1, GT: ng, TP: r.TP, FP: r.FP, FN: r.FN})
	a.gtBest = append(a.gtBest, r.GTBestScores...)
	a.det = append(a.det, r.DetScores...)
	a.tp = append(a.tp, r.TPScores...)
	a.fp = append(a.fp, r.FPScores...)
	return nil
}

// Merge adds everything in o to a (o is left unchanged). It fails, changing nothing,
// when the thresholds or the number of classes differ.
func (a *Accumulator) Merge(o *Accumulator) error {
	if o.conf != a.conf || o.iouThr != a.iouThr || len(o.perClass) != len(a.perClass) {
		return fmt.Errorf("metrics: merging an accumulator at conf %v, IoU %v, %d classes into one at conf %v, IoU %v, %d classes, want equal",
			o.conf, o.iouThr, len(o.perClass), a.conf, a.iouThr, len(a.perClass))
	}
	// Clone first: o may be a itself.
	gtBest, det, tp, fp := slices.Clone(o.gtBest), slices.Clone(o.det), slices.Clone(o.tp), slices.Clone(o.fp)
	pc := slices.Clone(o.perClass)
	a.total = a.total.add(o.total)
	for c := range a.perClass {
		a.perClass[c] = a.perClass[c].add(pc[c])
	}
	a.gtBest = append(a.gtBest, gtBest...)
	a.det = append(a.det, det...)
	a.tp = append(a.tp, tp...)
	a.fp = append(a.fp, fp...)
	return nil
}

// Counts returns the counts over all classes.
func (a *Accumulator) Counts() Counts { return a.total }

// PerClass returns the counts of each class, indexed by class (a copy).
func (a *Accumulator) PerClass() []Counts { return slices.Clone(a.perClass) }

// GTBestScores returns the ground-truth best scores of every image added, in order of
// addition (a copy). See [ImageResult.GTBestScores].
func (a *Accumulator) GTBestScores() []float64 { return slices.Clone(a.gtBest) }

// DetScores returns the scores of all detections added, regardless of conf (a copy).
func (a *Accumulator) DetScores() []float64 { return slices.Clone(a.det) }

// TPScores returns the scores of the detections counted TP (a copy).
func (a *Accumulator) TPScores() []float64 { return slices.Clone(a.tp) }

// FPScores returns the scores of the detections counted FP (a copy).
func (a *Accumulator) FPScores() []float64 { return slices.Clone(a.fp) }

// Histograms bins the score samples into bins equal bins over [0, 1] (see
// [NewHistogram]). It fails when bins < 1.
func (a *Accumulator) Histograms(bins int) (ScoreHistograms, error) {
	var s ScoreHistograms
	for _, t := range []struct {
		h    *Histogram
		vals []float64
	}{{&s.GTBest, a.gtBest}, {&s.Det, a.det}, {&s.TP, a.tp}, {&s.FP, a.fp}} {
		h, err := NewHistogram(bins)
		if err != nil {
			return ScoreHistograms{}, err
		}
		for _, v := range t.vals {
			h.Add(v)
		}
		*t.h = h
	}
	return s, nil
}
