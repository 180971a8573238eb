package metrics

import (
	"fmt"
	"math"
	"slices"

	"github.com/detparity/detparity/box"
)

// COCO evaluation: pycocotools' COCOeval (iouType "bbox", default Params) rewritten
// so that shards merge, with the same numbers. Reference: cocodataset/cocoapi,
// PythonAPI/pycocotools/cocoeval.py (evaluateImg, accumulate, summarize), coco.py
// (loadRes) and common/maskApi.c (bbIou).

// COCOAnnotation is one ground-truth object of a COCO instances file.
type COCOAnnotation struct {
	// ID is the annotation id. pycocotools records matches by id and treats id 0 as
	// "unmatched" in accumulate, so a detection matched to a ground truth with ID 0
	// counts as a false positive there; [COCOEvaluator] reproduces that.
	ID int64
	// ImageID and CategoryID say where the object is and what it is.
	ImageID, CategoryID int64
	// BBox is x, y, width, height in pixels (continuous coordinates).
	BBox [4]float64
	// Area is the annotation's "area" field (for a polygon annotation the mask area, not
	// the box area); the small/medium/large ranges test this value.
	Area float64
	// IsCrowd marks a crowd region: it is ignored, absorbs any number of detections,
	// and its IoU with a detection uses the detection's area as the union.
	IsCrowd bool
}

// COCODetection is one entry of a COCO results file (bbox results).
type COCODetection struct {
	// ImageID and CategoryID say where and what was detected.
	ImageID, CategoryID int64
	// BBox is x, y, width, height in pixels; its area w*h is the detection's area (as
	// pycocotools' loadRes sets it).
	BBox [4]float64
	// Score is the confidence.
	Score float64
}

// COCO evaluation parameters: pycocotools' Params.setDetParams, fixed.
const (
	// COCOIoUThresholds is the number of IoU thresholds 0.50, 0.55, ..., 0.95.
	COCOIoUThresholds = 10
	// COCORecallPoints is the number of recall thresholds 0, 0.01, ..., 1.
	COCORecallPoints = 101
)

// COCOMaxDetsList are the per-image, per-category detection limits of the summary
// (AR1, AR10, AR100; every AP uses the last).
var COCOMaxDetsList = [3]int{1, 10, 100}

// COCOAreaRanges are the area ranges all, small, medium, large, as closed intervals
// [lo, hi] on the ground truth's Area field (pycocotools' areaRng: an area of exactly
// 32² is both small and medium).
var COCOAreaRanges = [4][2]float64{{0, 1e10}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e10}}

// COCOAreaNames are the labels of [COCOAreaRanges].
var COCOAreaNames = [4]string{"all", "small", "medium", "large"}

// cocoIoUThrs are np.linspace(.5, 0.95, 10) exactly as numpy computes them (the 9th is
// 0.8999999999999999), and cocoRecThrs np.linspace(0, 1, 101).
var (
	cocoIoUThrs = linspace(0.5, 0.95, COCOIoUThresholds)
	cocoRecThrs = linspace(0, 1, COCORecallPoints)
)

// COCOIoUThreshold returns IoU threshold t (0..9) as pycocotools has it.
func COCOIoUThreshold(t int) float64 { return cocoIoUThrs[t] }

const (
	numAreas   = 4
	numMaxDets = 3
)

// cocoDet is one kept detection of one image and category after matching: its score,
// image, rank among the image's detections of that category (score order), and per area
// range bit masks over the IoU thresholds: bit t of tp is a true positive at threshold t,
// bit t of ig is ignored there (matched to an ignored ground truth, or unmatched and
// outside the area range). A detection neither tp nor ig at t is a false positive.
//
// An evaluator keeps one per detection evaluated (up to COCOMaxDets per image and
// category; a 10 000-image run about a million, and Summarize's sort a copy of them),
// so the entry is packed into 24 bytes: the score stays a float64 (results files may
// hold any double, and the sort must see exactly pycocotools' order), the image is an
// index into [COCOEvaluator]'s imageIDs rather than the 8-byte id, the rank, below
// COCOMaxDets, fits a byte, and the eight 10-bit masks fill 80 bits (masks, setMasks).
type cocoDet struct {
	score float64
	image uint32 // index into COCOEvaluator.imageIDs
	rank  uint8  // 0..COCOMaxDets-1
	// Area range a's tp mask is bits 20a..20a+9 of the 80-bit number hi<<64 | lo,
	// its ig mask bits 20a+10..20a+19.
	hi uint16
	lo uint64
}

// The masks fill 80 bits exactly: this fails to compile (constant index out of
// range) should the area ranges or IoU thresholds change.
var _ = [1]struct{}{}[2*numAreas*COCOIoUThresholds-80]

// masks returns area range a's tp and ig masks.
func (d *cocoDet) masks(a int) (tp, ig uint16) {
	const m = 1<<COCOIoUThresholds - 1
	v := d.lo >> (20 * a)
	if a == numAreas-1 {
		v |= uint64(d.hi) << 4
	}
	return uint16(v & m), uint16(v >> COCOIoUThresholds & m)
}

// setMasks sets area range a's tp and ig masks (each below 1<<COCOIoUThresholds).
func (d *cocoDet) setMasks(a int, tp, ig uint16) {
	v := uint64(tp) | uint64(ig)<<COCOIoUThresholds
	sh := 20 * a
	d.lo = d.lo&^((1<<20-1)<<sh) | v<<sh
	if a == numAreas-1 {
		d.hi = uint16(v >> 4)
	}
}

// cocoDet.rank is a uint8: this fails to compile (negative array length) should
// COCOMaxDets ever exceed 256.
var _ [256 - COCOMaxDets]struct{}

// cocoCat is everything accumulate needs of one category.
type cocoCat struct {
	npig [numAreas]int // ground truths not ignored, per area range
	gt   int           // non-crowd ground truths (any area)
	dets []cocoDet
}

// COCOEvaluator is pycocotools' COCOeval for boxes (evaluate + accumulate +
// summarize, default parameters) as a mergeable accumulator: add images one at a time
// ([COCOEvaluator.AddImage]), on as many evaluators as you like, [COCOEvaluator.Merge]
// them, and [COCOEvaluator.Summarize]. The result is the same whatever the split and
// order, and the same as pycocotools on the same data.
//
// Memory: 32 bytes per detection evaluated (at most [COCOMaxDets] per image and
// category) plus a few words per image; a caller that knows its detection counts up
// front can [COCOEvaluator.Reserve] them and spare the garbage of append growth.
//
// Rules (cocoeval.py): per image and category, ground truths are ordered regular first,
// ignored last (stable), where ignored means crowd or Area outside the range being
// evaluated; detections are sorted by descending score (stable, so ties keep their
// input order) and cut to 100. For each IoU threshold t each detection in turn starts
// from the bar min(t, 1−1e-10) and walks the ground truths: one already matched is
// skipped unless it is a crowd; once a regular one is matched the walk stops at the
// first ignored one (a regular match is never traded for an ignored one); any IoU not
// below the bar becomes the match and raises the bar (so an equal IoU later in the list
// wins). A detection matched to an ignored ground truth is ignored; an unmatched one
// whose own area w*h is outside the range is ignored. IoU is maskApi.c's bbIou on x, y,
// w, h; for a crowd the union is the detection's area. Accumulate: per category, area
// range and maxDets (the image's first 1, 10 or 100 detections, matched once with 100),
// the detections of all images sorted by descending score (ties: lower image id first,
// then image order), cumulative TP and FP, recall tp/npig (npig = ground truths not
// ignored), precision tp/(tp+fp+2⁻⁵²) made non-increasing from the right and read at
// the first detection whose recall reaches each of the 101 recall thresholds (0 where
// none does). A category without a non-ignored ground truth in the range gets −1 and
// is left out of the means; a mean over nothing is −1. Means use numpy's pairwise
// summation so that the summary agrees with pycocotools' to the last bit.
//
// Categories are fixed at construction; ground truths and detections of other
// categories are counted in [COCOSummary.DroppedGT] / DroppedDets and otherwise not
// used (pycocotools filters them out silently).
//
// Not safe for concurrent use; give each goroutine its own and merge.
type COCOEvaluator struct {
	catIDs   []int64
	catIndex map[int64]int
	catDense []int32 // when every id is in [0, maxDenseCategory): index+1 by id, 0 for none
	cats     []cocoCat
	images   map[int64]struct{} // the ids of imageIDs, for the duplicate check
	// imageIDs are the image ids in the order added (merged evaluators' appended);
	// cocoDet.image indexes it. Summarize breaks score ties by these ids, not by the
	// indices, so the order of AddImage and Merge calls does not matter.
	imageIDs []int64

	droppedGT, droppedDets int

	// scratch, reused between images
	ious                   []float64
	gi, gk, di, dk, gp, dp []int
	gs, ds, order          []int
	ign, crowd, matched    []bool
	dscore                 []float64
	ntr                    []uint8
}

// NewCOCOEvaluator returns an empty evaluator for the given category ids (in any
// order; a COCO file's "categories"). It fails on a duplicate id. No category at all is
// allowed: every number is then −1, as in pycocotools.
func NewCOCOEvaluator(categoryIDs []int64) (*COCOEvaluator, error) {
	ids := slices.Clone(categoryIDs)
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return nil, fmt.Errorf("metrics: COCO evaluator: category id %d given twice, want unique ids", ids[i])
		}
	}
	e := &COCOEvaluator{
		catIDs:   ids,
		catIndex: make(map[int64]int, len(ids)),
		cats:     make([]cocoCat, len(ids)),
		images:   map[int64]struct{}{},
	}
	for k, id := range ids {
		e.catIndex[id] = k
	}
	if len(ids) > 0 && ids[0] >= 0 && ids[len(ids)-1] < maxDenseCategory {
		e.catDense = make([]int32, ids[len(ids)-1]+1)
		for k, id := range ids {
			e.catDense[id] = int32(k + 1)
		}
	}
	return e, nil
}

// maxDenseCategory bounds the category ids looked up in a table rather than a map
// (COCO's run to 90).
const maxDenseCategory = 1 << 12

// category returns the index of category id, if it is one of the evaluator's.
func (e *COCOEvaluator) category(id int64) (int, bool) {
	if e.catDense != nil {
		if uint64(id) < uint64(len(e.catDense)) {
			k := int(e.catDense[id]) - 1
			return k, k >= 0
		}
		return 0, false
	}
	k, ok := e.catIndex[id]
	return k, ok
}

// CategoryIDs returns the evaluator's category ids, ascending (a copy).
func (e *COCOEvaluator) CategoryIDs() []int64 { return slices.Clone(e.catIDs) }

// Images is the number of images added.
func (e *COCOEvaluator) Images() int { return len(e.imageIDs) }

// Reserve grows the detection store of category categoryID so that n more of its
// detections (as kept by AddImage: at most [COCOMaxDets] per image) can be added, here
// or by [COCOEvaluator.Merge], without reallocating it. It changes no result; it only
// spares the garbage that append growth leaves behind (up to about twice the final
// store) when the counts are known up front, e.g. from a results file. An unknown
// category id, or n <= 0, does nothing.
func (e *COCOEvaluator) Reserve(categoryID int64, n int) {
	k, ok := e.catIndex[categoryID]
	if !ok || n <= 0 {
		return
	}
	e.cats[k].dets = slices.Grow(e.cats[k].dets, n)
}

// AddImage evaluates one image: its ground truths and detections (all of them; the
// cut to 100 per category happens here). Every annotation and detection must carry
// imageID. It fails, adding nothing, when the image was added before (here or in a
// merged evaluator), an ImageID differs, a score or box value is NaN or infinite, a
// ground truth's Area is NaN, or the evaluator already holds 2³² images.
func (e *COCOEvaluator) AddImage(imageID int64, gts []COCOAnnotation, dts []COCODetection) error {
	if _, dup := e.images[imageID]; dup {
		return fmt.Errorf("metrics: COCO image %d added twice, want each image once", imageID)
	}
	if uint64(len(e.imageIDs)) > math.MaxUint32 {
		return fmt.Errorf("metrics: COCO image %d: the evaluator holds %d images, want at most 2³² (detections index their image with a uint32)", imageID, len(e.imageIDs))
	}
	for i, g := range gts {
		if g.ImageID != imageID {
			return fmt.Errorf("metrics: COCO image %d: annotation %d (id %d) has image_id %d", imageID, i, g.ID, g.ImageID)
		}
		if !finite4(g.BBox) || math.IsNaN(g.Area) {
			return fmt.Errorf("metrics: COCO image %d: annotation %d (id %d) has bbox %v area %v, want finite numbers", imageID, i, g.ID, g.BBox, g.Area)
		}
	}
	for j, d := range dts {
		if d.ImageID != imageID {
			return fmt.Errorf("metrics: COCO image %d: detection %d has image_id %d", imageID, j, d.ImageID)
		}
		if !finite4(d.BBox) || math.IsNaN(d.Score) || math.IsInf(d.Score, 0) {
			return fmt.Errorf("metrics: COCO image %d: detection %d has bbox %v score %v, want finite numbers", imageID, j, d.BBox, d.Score)
		}
	}
	e.images[imageID] = struct{}{}
	img := uint32(len(e.imageIDs))
	e.imageIDs = append(e.imageIDs, imageID)

	// Group by category index; stable sorts keep file order inside a category, and
	// detections of one category come out in pycocotools' mergesort order by -score.
	gi, gk := e.gi[:0], e.gk[:0]
	for i, g := range gts {
		if k, ok := e.category(g.CategoryID); ok {
			gi, gk = append(gi, i), append(gk, k)
		} else {
			e.droppedGT++
		}
	}
	di, dk := e.di[:0], e.dk[:0]
	for j, d := range dts {
		if k, ok := e.category(d.CategoryID); ok {
			di, dk = append(di, j), append(dk, k)
		} else {
			e.droppedDets++
		}
	}
	e.gi, e.gk, e.di, e.dk = gi, gk, di, dk
	// Sort positions (into gi/gk) rather than looking categories up in the comparators;
	// equal keys keep their positions' order (a stable sort).
	gp := e.gp[:0]
	for p := range gi {
		gp = append(gp, p)
	}
	slices.SortFunc(gp, func(a, b int) int {
		if gk[a] != gk[b] {
			return gk[a] - gk[b]
		}
		return a - b
	})
	dp, sc := e.dp[:0], e.dscore[:0]
	for p, j := range di {
		dp = append(dp, p)
		sc = append(sc, dts[j].Score)
	}
	slices.SortFunc(dp, func(a, b int) int {
		switch {
		case dk[a] != dk[b]:
			return dk[a] - dk[b]
		case sc[a] > sc[b]:
			return -1
		case sc[a] < sc[b]:
			return 1
		}
		return a - b
	})
	e.dscore = sc
	e.gp, e.dp = gp, dp
	gs, ds := e.gs[:0], e.ds[:0]
	for _, p := range gp {
		gs = append(gs, gi[p])
	}
	for _, p := range dp {
		ds = append(ds, di[p])
	}
	e.gs, e.ds = gs, ds
	var g0, d0 int
	for g0 < len(gs) || d0 < len(ds) {
		k := math.MaxInt
		if g0 < len(gs) {
			k = gk[gp[g0]]
		}
		if d0 < len(ds) {
			k = min(k, dk[dp[d0]])
		}
		g1 := g0
		for g1 < len(gs) && gk[gp[g1]] == k {
			g1++
		}
		d1 := d0
		for d1 < len(ds) && dk[dp[d1]] == k {
			d1++
		}
		e.evalImageCat(img, &e.cats[k], gts, gs[g0:g1], dts, ds[d0:d1])
		g0, d0 = g1, d1
	}
	return nil
}

// grow returns (*s)[:n], reallocating *s when too short (the contents are then
// zero, otherwise what they were).
func grow[T any](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n)
	}
	return (*s)[:n]
}

func finite4(b [4]float64) bool {
	for _, v := range b {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// bbIoU is maskApi.c's bbIou for one pair (x, y, w, h boxes): 0 without positive
// overlap; intersection over the detection's area for a crowd ground truth, over the
// union otherwise. The operations are those of the C code, in its order.
func bbIoU(d, g [4]float64, crowd bool) float64 {
	w := math.Min(d[2]+d[0], g[2]+g[0]) - math.Max(d[0], g[0])
	if w <= 0 {
		return 0
	}
	h := math.Min(d[3]+d[1], g[3]+g[1]) - math.Max(d[1], g[1])
	if h <= 0 {
		return 0
	}
	i := w * h
	da := d[2] * d[3]
	if crowd {
		return i / da
	}
	ga := g[2] * g[3]
	return i / (da + ga - i)
}

// evalImageCat is evaluateImg for every area range at once. img is the image's index
// into e.imageIDs, gi lists its ground truths of the category in file order, di its
// detections sorted by score.
func (e *COCOEvaluator) evalImageCat(img uint32, c *cocoCat, gts []COCOAnnotation, gi []int, dts []COCODetection, di []int) {
	di = di[:min(len(di), COCOMaxDets)]
	G, D := len(gi), len(di)
	if cap(e.ious) < G*D {
		e.ious = make([]float64, G*D)
	}
	ious := e.ious[:G*D] // ious[d*G+g]
	// ntr[dd]: how many thresholds detection dd can pass at all: at threshold t it
	// starts from the bar min(t, 1-1e-10) and only an IoU not below it matches, so
	// from threshold ntr[dd] on it is unmatched whatever the other detections do.
	ntr := e.ntr[:0]
	for dd, j := range di {
		best := 0.0
		for gg, i := range gi {
			v := bbIoU(dts[j].BBox, gts[i].BBox, gts[i].IsCrowd)
			ious[dd*G+gg] = v
			best = math.Max(best, v)
		}
		n := uint8(0)
		for n < COCOIoUThresholds && best >= min(cocoIoUThrs[n], 1-1e-10) {
			n++
		}
		ntr = append(ntr, n)
	}
	e.ntr = ntr
	for _, i := range gi {
		if !gts[i].IsCrowd {
			c.gt++
		}
	}
	first := len(c.dets)
	for dd, j := range di {
		c.dets = append(c.dets, cocoDet{score: dts[j].Score, image: img, rank: uint8(dd)})
	}
	recs := c.dets[first:]
	// Unmatched, a detection is a false positive where its own area w*h is in the
	// range and ignored where it is not, at every threshold; matches below change that.
	for dd, j := range di {
		w, h := dts[j].BBox[2], dts[j].BBox[3]
		da := w * h
		for a := range numAreas {
			if da < COCOAreaRanges[a][0] || da > COCOAreaRanges[a][1] {
				recs[dd].setMasks(a, 0, 1<<COCOIoUThresholds-1)
			}
		}
	}
	if G == 0 {
		return
	}
	order := grow(&e.order, G) // gt positions (into gi) in evaluation order
	ign := grow(&e.ign, G)     // per position in order
	crowd := grow(&e.crowd, G)
	matched := grow(&e.matched, G)
	for a := range numAreas {
		lo, hi := COCOAreaRanges[a][0], COCOAreaRanges[a][1]
		// Stable: regular ground truths first, then ignored, each in file order.
		n := 0
		for gg, i := range gi {
			g := gts[i]
			if !(g.IsCrowd || g.Area < lo || g.Area > hi) {
				order[n] = gg
				n++
			}
		}
		c.npig[a] += n
		for gg, i := range gi {
			g := gts[i]
			if g.IsCrowd || g.Area < lo || g.Area > hi {
				order[n] = gg
				n++
			}
		}
		for p, gg := range order {
			g := gts[gi[gg]]
			ign[p] = g.IsCrowd || g.Area < lo || g.Area > hi
			crowd[p] = g.IsCrowd
		}
		for t := range COCOIoUThresholds {
			clear(matched)
			bit := uint16(1) << t
			for dd := range di {
				if int(ntr[dd]) <= t {
					continue // unmatched: as set above
				}
				bar := min(cocoIoUThrs[t], 1-1e-10)
				m := -1
				row := ious[dd*G : (dd+1)*G]
				for p, gg := range order {
					if matched[p] && !crowd[p] {
						continue
					}
					if m > -1 && !ign[m] && ign[p] {
						break
					}
					if row[gg] < bar {
						continue
					}
					bar = row[gg]
					m = p
				}
				if m < 0 {
					continue
				}
				matched[m] = true
				tp, ig := recs[dd].masks(a)
				switch {
				case ign[m]:
					recs[dd].setMasks(a, tp, ig|bit)
				case gts[gi[order[m]]].ID != 0:
					// dtm holds the ground truth's id; accumulate reads 0 as "no match",
					// which leaves the unmatched outcome.
					recs[dd].setMasks(a, tp|bit, ig&^bit)
				}
			}
		}
	}
}

// Merge adds everything in o to e (o is left unchanged; its images come after e's in
// e's image order, which no result depends on). It fails, changing nothing, when the
// category ids differ, an image was added to both, or together they hold more than 2³²
// images.
func (e *COCOEvaluator) Merge(o *COCOEvaluator) error {
	if !slices.Equal(e.catIDs, o.catIDs) {
		return fmt.Errorf("metrics: merging a COCO evaluator with categories %v into one with %v, want equal", o.catIDs, e.catIDs)
	}
	if e == o {
		return fmt.Errorf("metrics: merging a COCO evaluator into itself would add its %d images twice", len(e.images))
	}
	for id := range o.images {
		if _, dup := e.images[id]; dup {
			return fmt.Errorf("metrics: merging COCO evaluators that both hold image %d, want disjoint images", id)
		}
	}
	if n := uint64(len(e.imageIDs)) + uint64(len(o.imageIDs)); n > math.MaxUint32+1 {
		return fmt.Errorf("metrics: merging COCO evaluators would hold %d images, want at most 2³² (detections index their image with a uint32)", n)
	}
	for id := range o.images {
		e.images[id] = struct{}{}
	}
	// o's image indices shift by the number of images e already had.
	off := uint32(len(e.imageIDs))
	e.imageIDs = append(e.imageIDs, o.imageIDs...)
	for k := range e.cats {
		c, oc := &e.cats[k], &o.cats[k]
		for a := range numAreas {
			c.npig[a] += oc.npig[a]
		}
		c.gt += oc.gt
		n := len(c.dets)
		c.dets = append(c.dets, oc.dets...)
		for i := n; i < len(c.dets); i++ {
			c.dets[i].image += off
		}
	}
	e.droppedGT += o.droppedGT
	e.droppedDets += o.droppedDets
	return nil
}

// COCOStats are the 12 numbers of pycocotools' summarize() (stats[0..11]), each −1
// when no category has ground truth in its area range.
type COCOStats struct {
	AP    float64 `json:"AP"`    // AP @ IoU 0.50:0.95, area all, maxDets 100
	AP50  float64 `json:"AP50"`  // AP @ IoU 0.50
	AP75  float64 `json:"AP75"`  // AP @ IoU 0.75
	APs   float64 `json:"APs"`   // AP, small objects (area <= 32²)
	APm   float64 `json:"APm"`   // AP, medium objects (32² <= area <= 96²)
	APl   float64 `json:"APl"`   // AP, large objects (area >= 96²)
	AR1   float64 `json:"AR1"`   // AR @ IoU 0.50:0.95, maxDets 1
	AR10  float64 `json:"AR10"`  // AR, maxDets 10
	AR100 float64 `json:"AR100"` // AR, maxDets 100
	ARs   float64 `json:"ARs"`   // AR, small, maxDets 100
	ARm   float64 `json:"ARm"`   // AR, medium, maxDets 100
	ARl   float64 `json:"ARl"`   // AR, large, maxDets 100
}

// COCOStatNames are the names of the 12 stats in pycocotools' order.
var COCOStatNames = [12]string{"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"}

// Array returns the stats in pycocotools' order (stats[0..11]).
func (s COCOStats) Array() [12]float64 {
	return [12]float64{s.AP, s.AP50, s.AP75, s.APs, s.APm, s.APl, s.AR1, s.AR10, s.AR100, s.ARs, s.ARm, s.ARl}
}

// COCOCategoryResult is one category's share of a [COCOSummary]: the same means as the
// summary restricted to the category (area all, maxDets 100), −1 without ground truth.
type COCOCategoryResult struct {
	// CategoryID is the category.
	CategoryID int64 `json:"category_id"`
	// GT is the number of non-crowd ground truths.
	GT int `json:"gt"`
	// Dets is the number of detections evaluated (at most 100 per image).
	Dets int `json:"dets"`
	// AP, AP50, AP75 and AR100 as in [COCOStats].
	AP    float64 `json:"AP"`
	AP50  float64 `json:"AP50"`  // AP at IoU 0.5
	AP75  float64 `json:"AP75"`  // AP at IoU 0.75
	AR100 float64 `json:"AR100"` // AR at maxDets 100
}

// COCOSummary is the result of [COCOEvaluator.Summarize].
type COCOSummary struct {
	// Stats are the 12 summary numbers.
	Stats COCOStats
	// PerCategory has one entry per category, ascending id.
	PerCategory []COCOCategoryResult
	// Images is the number of images evaluated.
	Images int
	// DroppedGT and DroppedDets count annotations and detections whose category is
	// not one of the evaluator's (not evaluated, as in pycocotools).
	DroppedGT, DroppedDets int

	// precision[a][m] is [T][R][K] flattened; recall[a][m] is [T][K].
	precision [numAreas][numMaxDets][]float64
	recall    [numAreas][numMaxDets][]float64
}

// Precision returns pycocotools' eval["precision"][t, r, k, a, m]: the interpolated
// precision at IoU threshold t (0..9), recall threshold r (0..100), category k (index
// into the ascending ids), area range a (0..3, see [COCOAreaNames]) and maxDets m
// (0..2, see [COCOMaxDetsList]); −1 when the category has no ground truth there.
func (s *COCOSummary) Precision(t, r, k, a, m int) float64 {
	K := len(s.PerCategory)
	return s.precision[a][m][(t*COCORecallPoints+r)*K+k]
}

// Recall returns pycocotools' eval["recall"][t, k, a, m] (see [COCOSummary.Precision]).
func (s *COCOSummary) Recall(t, k, a, m int) float64 {
	return s.recall[a][m][t*len(s.PerCategory)+k]
}

// Summarize runs accumulate and summarize over everything added. It may be called
// again after more images are added or merged.
func (e *COCOEvaluator) Summarize() COCOSummary {
	K := len(e.cats)
	s := COCOSummary{Images: len(e.imageIDs), DroppedGT: e.droppedGT, DroppedDets: e.droppedDets}
	for a := range numAreas {
		for m := range numMaxDets {
			s.precision[a][m] = make([]float64, COCOIoUThresholds*COCORecallPoints*K)
			s.recall[a][m] = make([]float64, COCOIoUThresholds*K)
		}
	}
	var tmp []cocoDet
	var tpPr [COCOIoUThresholds][]float64 // per threshold: precision at each true positive, in score order
	for k := range e.cats {
		c := &e.cats[k]
		tmp = sortCOCODets(c.dets, e.imageIDs, tmp)
		for a := range numAreas {
			for m, maxDet := range COCOMaxDetsList {
				prec, rec := s.precision[a][m], s.recall[a][m]
				if c.npig[a] == 0 {
					for t := range COCOIoUThresholds {
						rec[t*K+k] = -1
						for r := range COCORecallPoints {
							prec[(t*COCORecallPoints+r)*K+k] = -1
						}
					}
					continue
				}
				accumulateCat(c.dets, a, maxDet, &tpPr)
				npig := float64(c.npig[a])
				for t := range COCOIoUThresholds {
					pr := tpPr[t]
					rec[t*K+k] = float64(len(pr)) / npig // 0 without detections, as pycocotools
					for i := len(pr) - 1; i > 0; i-- {
						if pr[i] > pr[i-1] {
							pr[i-1] = pr[i]
						}
					}
					// np.searchsorted(rc, recThrs, side="left"): the first entry with
					// rc >= thr is the n-th true positive, n the smallest with
					// n/npig >= thr (entry 0 for thr 0); none past the last: 0.
					n := 0
					for r, thr := range cocoRecThrs {
						for n < len(pr) && float64(n)/npig < thr {
							n++
						}
						if float64(n)/npig < thr || (n == 0 && len(pr) == 0) {
							break
						}
						prec[(t*COCORecallPoints+r)*K+k] = pr[max(n-1, 0)]
					}
				}
			}
		}
	}

	mean := func(vals []float64) float64 {
		kept := make([]float64, 0, len(vals))
		for _, v := range vals {
			if v > -1 {
				kept = append(kept, v)
			}
		}
		if len(kept) == 0 {
			return -1
		}
		return npMean(kept)
	}
	tRows := func(v []float64, t, width int) []float64 { return v[t*width : (t+1)*width] }
	const all, maxDet100 = 0, 2
	P := func(a int) []float64 { return s.precision[a][maxDet100] }
	s.Stats = COCOStats{
		AP:    mean(P(all)),
		AP50:  mean(tRows(P(all), 0, COCORecallPoints*K)),
		AP75:  mean(tRows(P(all), 5, COCORecallPoints*K)),
		APs:   mean(P(1)),
		APm:   mean(P(2)),
		APl:   mean(P(3)),
		AR1:   mean(s.recall[all][0]),
		AR10:  mean(s.recall[all][1]),
		AR100: mean(s.recall[all][maxDet100]),
		ARs:   mean(s.recall[1][maxDet100]),
		ARm:   mean(s.recall[2][maxDet100]),
		ARl:   mean(s.recall[3][maxDet100]),
	}
	s.PerCategory = make([]COCOCategoryResult, K)
	col := make([]float64, 0, COCOIoUThresholds*COCORecallPoints)
	for k, c := range e.cats {
		pick := func(tFrom, tTo int) float64 {
			col = col[:0]
			for t := tFrom; t < tTo; t++ {
				for r := range COCORecallPoints {
					col = append(col, P(all)[(t*COCORecallPoints+r)*K+k])
				}
			}
			return mean(col)
		}
		col2 := make([]float64, COCOIoUThresholds)
		for t := range col2 {
			col2[t] = s.recall[all][maxDet100][t*K+k]
		}
		nd := 0
		for _, d := range c.dets {
			if int(d.rank) < COCOMaxDets {
				nd++
			}
		}
		s.PerCategory[k] = COCOCategoryResult{
			CategoryID: e.catIDs[k], GT: c.gt, Dets: nd,
			AP: pick(0, COCOIoUThresholds), AP50: pick(0, 1), AP75: pick(5, 6), AR100: mean(col2),
		}
	}
	return s
}

// accumulateCat is accumulate's pass over one category's detections (sorted by
// score) for area range a and the first maxDet detections of each image: for each IoU
// threshold t, tpPr[t] gets the precision tp/(tp+fp+2⁻⁵²) at each true positive in
// turn. pycocotools' rc and pr have an entry per detection; recall only rises at true
// positives, and precision after a false positive is below the precision at the true
// positive before it, so the precision made non-increasing from the right and read at
// the first entry reaching a recall threshold is the running maximum of the
// precisions at true positives from that one on (from the first true positive for
// threshold 0). Ignored detections add nothing.
func accumulateCat(dets []cocoDet, a, maxDet int, tpPr *[COCOIoUThresholds][]float64) {
	const all = 1<<COCOIoUThresholds - 1
	for t := range tpPr {
		tpPr[t] = tpPr[t][:0]
	}
	// Most detections are false positives at every threshold (fpAll counts them once)
	// or ignored at every threshold; the rest are counted per threshold.
	fpAll := 0
	var tp, fp [COCOIoUThresholds]int
	for i := range dets {
		d := &dets[i]
		if int(d.rank) >= maxDet {
			continue
		}
		tpm, igm := d.masks(a)
		switch {
		case tpm|igm == 0:
			fpAll++
			continue
		case igm == all:
			continue
		}
		for t := range COCOIoUThresholds {
			bit := uint16(1) << t
			switch {
			case igm&bit != 0:
			case tpm&bit != 0:
				tp[t]++
				tpPr[t] = append(tpPr[t], float64(tp[t])/(float64(fpAll+fp[t]+tp[t])+0x1p-52))
			default:
				fp[t]++
			}
		}
	}
}

// sortCOCODets sorts a category's detections as accumulate orders them: by descending
// score, ties by ascending image id (ids[image]), then rank. This equals a stable sort
// by score of the detections concatenated in image id order, each image's in rank
// order ((image, rank) is unique); ties compare the image ids, not the indices, whose
// order depends on how images were added. Detections usually arrive in image order
// already (from evaluators fed images in id order); otherwise they are put in it
// first. tmp is scratch space, returned for reuse.
func sortCOCODets(dets []cocoDet, ids []int64, tmp []cocoDet) []cocoDet {
	before := func(x, y *cocoDet) bool { // (image id, rank) order
		if x.image != y.image {
			return ids[x.image] < ids[y.image]
		}
		return x.rank < y.rank
	}
	for i := 1; i < len(dets); i++ {
		if before(&dets[i], &dets[i-1]) {
			slices.SortFunc(dets, func(x, y cocoDet) int {
				switch {
				case before(&x, &y):
					return -1
				case before(&y, &x):
					return 1
				}
				return 0
			})
			break
		}
	}
	return sortByScoreDesc(dets, tmp, func(d *cocoDet) float64 { return d.score })
}

// sortByScoreDesc sorts s by descending score, stably (equal scores keep their order;
// -0 equals +0; no NaN), with a least-significant-digit radix sort on the score's 64
// bits, a byte per pass, skipping the bytes every element shares. It costs a few
// passes over s where a comparison sort with tie-breaks costs log2(len(s)). tmp is
// scratch space, grown as needed and returned for reuse.
func sortByScoreDesc[T any](s, tmp []T, score func(*T) float64) []T {
	// key is ascending for descending scores.
	key := func(x *T) uint64 {
		v := score(x)
		b := math.Float64bits(v)
		if v == 0 {
			b = 0
		}
		if b>>63 != 0 {
			return b
		}
		return ^(b | 1<<63)
	}
	if len(s) <= 32 { // insertion sort, stable
		for i := 1; i < len(s); i++ {
			x := s[i]
			kx := key(&x)
			j := i
			for ; j > 0 && key(&s[j-1]) > kx; j-- {
				s[j] = s[j-1]
			}
			s[j] = x
		}
		return tmp
	}
	var count [8][256]int
	for i := range s {
		k := key(&s[i])
		for p := range 8 {
			count[p][byte(k>>(8*p))]++
		}
	}
	if cap(tmp) < len(s) {
		tmp = make([]T, len(s))
	}
	src, dst := s, tmp[:len(s)]
	k0 := key(&s[0])
	for p := range 8 {
		cnt := &count[p]
		if cnt[byte(k0>>(8*p))] == len(s) {
			continue // every element has this byte: the pass would move none
		}
		off := 0
		for b, n := range cnt {
			cnt[b] = off
			off += n
		}
		for i := range src {
			b := byte(key(&src[i]) >> (8 * p))
			dst[cnt[b]] = src[i]
			cnt[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &s[0] {
		copy(s, src)
	}
	return tmp
}

// AddObjects adds one image given as box.Objects and box.Detections in corner
// coordinates, with category id = Class: a convenience for pipelines that do not start
// from COCO files. Ground truths get ids 1, 2, ... in order (never 0), Area = box area,
// no crowd.
func (e *COCOEvaluator) AddObjects(imageID int64, gts []box.Object, dets []box.Detection) error {
	ga := make([]COCOAnnotation, len(gts))
	for i, g := range gts {
		ga[i] = COCOAnnotation{
			ID: int64(i + 1), ImageID: imageID, CategoryID: int64(g.Class),
			BBox: [4]float64{g.X1, g.Y1, g.W(), g.H()}, Area: g.W() * g.H(),
		}
	}
	da := make([]COCODetection, len(dets))
	for j, d := range dets {
		da[j] = COCODetection{ImageID: imageID, CategoryID: int64(d.Class), BBox: [4]float64{d.X1, d.Y1, d.W(), d.H()}, Score: d.Score}
	}
	return e.AddImage(imageID, ga, da)
}
