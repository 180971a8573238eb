package metrics

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// epsTol: pycocotools' precision is tp/(tp+fp+2⁻⁵²), so a precision of 1 comes out as
// 1−2⁻⁵² and means of such values differ from the exact fractions by a few ulps.
const epsTol = 1e-15

func ann(id, img, cat int64, x, y, w, h, area float64, crowd bool) COCOAnnotation {
	return COCOAnnotation{ID: id, ImageID: img, CategoryID: cat, BBox: [4]float64{x, y, w, h}, Area: area, IsCrowd: crowd}
}

func cdet(img, cat int64, x, y, w, h, score float64) COCODetection {
	return COCODetection{ImageID: img, CategoryID: cat, BBox: [4]float64{x, y, w, h}, Score: score}
}

func summarize(t *testing.T, cats []int64, images map[int64][2]any) COCOSummary {
	t.Helper()
	e, err := NewCOCOEvaluator(cats)
	require.NoError(t, err)
	for id, im := range images {
		gts, _ := im[0].([]COCOAnnotation)
		dts, _ := im[1].([]COCODetection)
		require.NoError(t, e.AddImage(id, gts, dts))
	}
	return e.Summarize()
}

func TestCOCOLinspaceLikeNumpy(t *testing.T) {
	// np.linspace(.5, .95, 10) as numpy prints it: the 9th value is not 0.9.
	want := []float64{0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95}
	for i, w := range want {
		assert.Equal(t, w, COCOIoUThreshold(i), "threshold %d", i)
	}
	assert.Equal(t, 0.07, cocoRecThrs[7]) // np.linspace(0, 1, 101)[7] prints 0.07
}

func TestCOCOOnePerfectDetection(t *testing.T) {
	// One small object found exactly: every AP and AR with ground truth in range is 1
	// (up to the 2⁻⁵²), medium and large have no ground truth: -1.
	s := summarize(t, []int64{1}, map[int64][2]any{
		1: {[]COCOAnnotation{ann(1, 1, 1, 0, 0, 10, 10, 100, false)}, []COCODetection{cdet(1, 1, 0, 0, 10, 10, 0.9)}},
	})
	want := COCOStats{AP: 1, AP50: 1, AP75: 1, APs: 1, APm: -1, APl: -1, AR1: 1, AR10: 1, AR100: 1, ARs: 1, ARm: -1, ARl: -1}
	got, w := s.Stats.Array(), want.Array()
	for i := range w {
		assert.InDelta(t, w[i], got[i], epsTol, COCOStatNames[i])
	}
}

func TestCOCOCrowdAbsorbsSeveralDetections(t *testing.T) {
	// Regular A (small) and a crowd region C. Two detections inside C score above the
	// one on A. Crowd IoU is intersection / detection area = 1, so both match C, which
	// may be matched any number of times, and are ignored: the only non-ignored
	// detections are d(A) TP then an FP, precision 1 at recall 1: AP = 1.
	// Were they false positives, precision at the TP would be 1/3 and AP 1/3.
	s := summarize(t, []int64{1}, map[int64][2]any{
		1: {[]COCOAnnotation{
			ann(1, 1, 1, 0, 0, 10, 10, 100, false),
			ann(2, 1, 1, 100, 100, 100, 100, 10000, true),
		}, []COCODetection{
			cdet(1, 1, 110, 110, 20, 20, 0.95),
			cdet(1, 1, 150, 150, 10, 10, 0.93),
			cdet(1, 1, 0, 0, 10, 10, 0.9),
			cdet(1, 1, 300, 300, 10, 10, 0.6),
		}},
	})
	assert.InDelta(t, 1, s.Stats.AP, epsTol)
	assert.InDelta(t, 1, s.Stats.AR100, epsTol)
	// The crowd's area is large but a crowd is always ignored: no large ground truth.
	assert.Equal(t, -1.0, s.Stats.APl)
	assert.Equal(t, 1, s.PerCategory[0].GT, "crowds are not counted as ground truth")
}

func TestCOCORegularMatchNotTradedForIgnored(t *testing.T) {
	// Det D = [0,0,10,6.2] overlaps regular R = [0,0,10,10] with IoU 62/100 = 0.62 and
	// crowd C = D with crowd IoU 1. R comes first (regular before ignored); once D holds
	// R the walk stops at the first ignored ground truth, so at t = 0.50, 0.55, 0.60 D
	// is a TP (precision 1 at recall 1: AP_t = 1). At t >= 0.65 R fails and D matches C
	// and is ignored: no TP, AP_t = 0. AP = 3/10, AP50 = 1, AP75 = 0. Trading R for C at
	// 0.5 (IoU 1 > 0.62) would give AP50 = 0.
	s := summarize(t, []int64{1}, map[int64][2]any{
		1: {[]COCOAnnotation{
			ann(1, 1, 1, 0, 0, 10, 6.2, 62, true),
			ann(2, 1, 1, 0, 0, 10, 10, 100, false),
		}, []COCODetection{cdet(1, 1, 0, 0, 10, 6.2, 0.9)}},
	})
	assert.InDelta(t, 0.3, s.Stats.AP, epsTol)
	assert.InDelta(t, 1, s.Stats.AP50, epsTol)
	assert.InDelta(t, 0, s.Stats.AP75, epsTol)
	assert.InDelta(t, 0.3, s.Stats.AR100, epsTol) // recall 1 at three of ten thresholds
}

func TestCOCOMaxDetsCut(t *testing.T) {
	// Category 1: 99 FPs scored 0.99, 0.989, ... above the TP, which is the 100th
	// detection: kept, precision 1/100 at recall 1 at every point: AP = 0.01. Category 2: the same
	// with one more FP, the TP is the 101st and cut: AP = 0. AR100 = (1+0)/2; AR10 and
	// AR1 see only FPs: 0.
	var dts []COCODetection
	for c := int64(1); c <= 2; c++ {
		nfp := 98 + int(c) // 99 or 100 FPs
		for i := range nfp {
			dts = append(dts, cdet(1, c, 500+float64(i), 500, 5, 5, 0.99-float64(i)*0.001))
		}
		dts = append(dts, cdet(1, c, 0, 0, 10, 10, 0.5))
	}
	s := summarize(t, []int64{1, 2}, map[int64][2]any{
		1: {[]COCOAnnotation{ann(1, 1, 1, 0, 0, 10, 10, 100, false), ann(2, 1, 2, 0, 0, 10, 10, 100, false)}, dts},
	})
	assert.InDelta(t, 0.01, s.PerCategory[0].AP, epsTol)
	assert.Equal(t, 0.0, s.PerCategory[1].AP)
	assert.InDelta(t, 0.005, s.Stats.AP, epsTol)
	assert.Equal(t, 0.5, s.Stats.AR100)
	assert.Equal(t, 0.0, s.Stats.AR10)
	assert.Equal(t, 0.0, s.Stats.AR1)
	assert.Equal(t, 100, s.PerCategory[0].Dets)
	assert.Equal(t, 100, s.PerCategory[1].Dets, "101 given, 100 kept")
}

func TestCOCOScoreTiesFollowImageIDs(t *testing.T) {
	// Two images, one object each; image P holds an FP at 0.5, image Q a TP at 0.5.
	// Ties go to the lower image id first.
	// FP first: pr = [0, 1/2] → non-increasing [1/2, 1/2], rc = [0, 1/2]: the 51 recall
	// points 0..0.50 read 1/2, the rest 0: AP = 25.5/101.
	// TP first: pr = [1, 1/2], rc = [1/2, 1/2]: the 51 points read 1: AP = 51/101.
	for _, c := range []struct {
		fpImage, tpImage int64
		want             float64
	}{{1, 2, 25.5 / 101}, {2, 1, 51.0 / 101}} {
		s := summarize(t, []int64{1}, map[int64][2]any{
			c.fpImage: {[]COCOAnnotation{ann(1, c.fpImage, 1, 0, 0, 10, 10, 100, false)}, []COCODetection{cdet(c.fpImage, 1, 50, 50, 10, 10, 0.5)}},
			c.tpImage: {[]COCOAnnotation{ann(2, c.tpImage, 1, 0, 0, 10, 10, 100, false)}, []COCODetection{cdet(c.tpImage, 1, 0, 0, 10, 10, 0.5)}},
		})
		assert.InDelta(t, c.want, s.Stats.AP50, epsTol, "FP in image %d", c.fpImage)
	}
	// Within one image a tie keeps file order: FP listed first -> 25.5/101 again.
	s := summarize(t, []int64{1}, map[int64][2]any{
		1: {[]COCOAnnotation{ann(1, 1, 1, 0, 0, 10, 10, 100, false), ann(2, 1, 1, 100, 100, 10, 10, 100, false)},
			[]COCODetection{cdet(1, 1, 50, 50, 10, 10, 0.5), cdet(1, 1, 0, 0, 10, 10, 0.5)}},
	})
	assert.InDelta(t, 25.5/101, s.Stats.AP50, epsTol)
}

func TestCOCOEmptyImagesAndClassesWithoutDetections(t *testing.T) {
	// Category 1 found perfectly (AP 1), category 2 has ground truth but no detection
	// (AP 0, counted), category 3 has neither (−1, left out), plus an empty image:
	// AP = (1+0)/2.
	s := summarize(t, []int64{1, 2, 3}, map[int64][2]any{
		1: {[]COCOAnnotation{ann(1, 1, 1, 0, 0, 10, 10, 100, false), ann(2, 1, 2, 20, 20, 10, 10, 100, false)},
			[]COCODetection{cdet(1, 1, 0, 0, 10, 10, 0.9)}},
		2: {nil, nil},
	})
	assert.InDelta(t, 0.5, s.Stats.AP, epsTol)
	assert.Equal(t, []float64{1, 0, -1}, []float64{roundTo(s.PerCategory[0].AP, 12), s.PerCategory[1].AP, s.PerCategory[2].AP})
	assert.Equal(t, 2, s.Images)
	// No category at all: every number is −1, as pycocotools prints.
	s = summarize(t, nil, map[int64][2]any{1: {nil, nil}})
	for i, v := range s.Stats.Array() {
		assert.Equal(t, -1.0, v, COCOStatNames[i])
	}
}

func roundTo(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

func TestCOCOAreaRangesUseAreaField(t *testing.T) {
	// The ground truth box is 100x100 (box area 10000: large) but its area field is
	// 500: small. An unmatched medium detection (50x50 = 2500) scores higher.
	// all: FP then TP: precision 1/2 at recall 1: AP = 1/2.
	// small: the FP is unmatched and outside [0, 32²]: ignored: AP = 1.
	// medium, large: no ground truth in range: −1.
	s := summarize(t, []int64{1}, map[int64][2]any{
		1: {[]COCOAnnotation{ann(1, 1, 1, 0, 0, 100, 100, 500, false)},
			[]COCODetection{cdet(1, 1, 300, 300, 50, 50, 0.9), cdet(1, 1, 0, 0, 100, 100, 0.8)}},
	})
	assert.InDelta(t, 0.5, s.Stats.AP, epsTol)
	assert.InDelta(t, 1, s.Stats.APs, epsTol)
	assert.Equal(t, -1.0, s.Stats.APm)
	assert.Equal(t, -1.0, s.Stats.APl)
	// Boundaries are closed: area exactly 32² is small and medium.
	s = summarize(t, []int64{1}, map[int64][2]any{
		1: {[]COCOAnnotation{ann(1, 1, 1, 0, 0, 32, 32, 1024, false)}, []COCODetection{cdet(1, 1, 0, 0, 32, 32, 0.8)}},
	})
	assert.InDelta(t, 1, s.Stats.APs, epsTol)
	assert.InDelta(t, 1, s.Stats.APm, epsTol)
	assert.Equal(t, -1.0, s.Stats.APl)
}

func TestCOCOGroundTruthIDZeroCountsAsUnmatched(t *testing.T) {
	// pycocotools stores the matched ground truth's id and reads 0 as "no match": a
	// detection matched to annotation id 0 is a false positive (and still takes it).
	s := summarize(t, []int64{1}, map[int64][2]any{
		1: {[]COCOAnnotation{ann(0, 1, 1, 0, 0, 10, 10, 100, false)}, []COCODetection{cdet(1, 1, 0, 0, 10, 10, 0.9), cdet(1, 1, 0, 0, 10, 10, 0.8)}},
	})
	assert.Equal(t, 0.0, s.Stats.AP)
}

// randomCOCOImages makes n images with ground truths (some crowd) and detections over
// categories 1..3, ids shuffled, scores with ties.
func randomCOCOImages(seed uint64, n int) (ids []int64, gts [][]COCOAnnotation, dts [][]COCODetection) {
	rng := rand.New(rand.NewPCG(seed, 1))
	id := int64(1)
	for i := range n {
		img := int64(rng.IntN(1000)*n + i) // unique, not sorted
		ids = append(ids, img)
		var g []COCOAnnotation
		var d []COCODetection
		for range rng.IntN(6) {
			w, h := 4+rng.Float64()*150, 4+rng.Float64()*150
			b := [4]float64{rng.Float64() * 300, rng.Float64() * 300, w, h}
			c := int64(1 + rng.IntN(3))
			g = append(g, COCOAnnotation{ID: id, ImageID: img, CategoryID: c, BBox: b, Area: w * h * 0.8, IsCrowd: rng.IntN(15) == 0})
			id++
			for range rng.IntN(3) {
				bb := b
				for k := range bb {
					bb[k] += rng.NormFloat64() * 0.1 * b[2+k%2]
				}
				d = append(d, COCODetection{ImageID: img, CategoryID: c, BBox: bb, Score: float64(rng.IntN(20)) / 20})
			}
		}
		for range rng.IntN(5) {
			d = append(d, COCODetection{ImageID: img, CategoryID: int64(1 + rng.IntN(4)), BBox: [4]float64{rng.Float64() * 300, rng.Float64() * 300, 5 + rng.Float64()*100, 5 + rng.Float64()*100}, Score: float64(rng.IntN(20)) / 20})
		}
		gts, dts = append(gts, g), append(dts, d)
	}
	return ids, gts, dts
}

func TestCOCOShardMergeEqualsOneRun(t *testing.T) {
	ids, gts, dts := randomCOCOImages(7, 300)
	cats := []int64{3, 1, 2}
	one, err := NewCOCOEvaluator(cats)
	require.NoError(t, err)
	for i := range ids {
		require.NoError(t, one.AddImage(ids[i], gts[i], dts[i]))
	}
	want := one.Summarize()
	require.Greater(t, want.Stats.AP, 0.05, "the data must exercise matching")
	require.Greater(t, want.DroppedDets, 0, "category 4 detections are dropped")

	// Three shards, images dealt round robin (so image ids interleave across shards),
	// merged in reverse order: numbers must be identical, not merely close.
	shards := make([]*COCOEvaluator, 3)
	for k := range shards {
		shards[k], err = NewCOCOEvaluator(cats)
		require.NoError(t, err)
	}
	for i := range ids {
		require.NoError(t, shards[i%3].AddImage(ids[i], gts[i], dts[i]))
	}
	require.NoError(t, shards[2].Merge(shards[1]))
	require.NoError(t, shards[2].Merge(shards[0]))
	got := shards[2].Summarize()
	// The merged shards' images are indexed in another order than one's; the sorted
	// detections, read back as image ids, must still come out in the same order.
	assert.Equal(t, sortedCOCODets(one), sortedCOCODets(shards[2]))
	assert.Equal(t, want.Stats, got.Stats)
	assert.Equal(t, want.PerCategory, got.PerCategory)
	assert.Equal(t, want.precision, got.precision)
	assert.Equal(t, want.recall, got.recall)
	assert.Equal(t, want.DroppedDets, got.DroppedDets)
}

func TestCOCOShardMergePycocotoolsCase(t *testing.T) {
	// A pycocotools-produced case split in two by image parity equals the reference.
	for _, c := range loadCases[cocoCase](t, "coco_cases") {
		if c.Name != "random_maxdets" {
			continue
		}
		gt, err := ParseCOCOGroundTruth(c.Name, c.GT)
		require.NoError(t, err)
		dts, err := ParseCOCOResults(c.Name, c.DT, gt)
		require.NoError(t, err)
		var half [2]*COCOGroundTruth
		for k := range half {
			half[k] = &COCOGroundTruth{Path: gt.Path, Categories: gt.Categories}
		}
		for i, im := range gt.Images {
			half[i%2].Images = append(half[i%2].Images, im)
		}
		var evs [2]*COCOEvaluator
		for k := range evs {
			evs[k], err = NewCOCOEvaluatorFor(gt)
			require.NoError(t, err)
			for _, im := range half[k].Images {
				var g []COCOAnnotation
				var d []COCODetection
				for _, a := range gt.Annotations {
					if a.ImageID == im.ID {
						g = append(g, a)
					}
				}
				for _, x := range dts {
					if x.ImageID == im.ID {
						d = append(d, x)
					}
				}
				require.NoError(t, evs[k].AddImage(im.ID, g, d))
			}
		}
		require.NoError(t, evs[1].Merge(evs[0]))
		got := evs[1].Summarize().Stats.Array()
		for i, want := range c.Expected.Stats {
			assert.InDelta(t, want, got[i], pycocoTol, COCOStatNames[i])
		}
		return
	}
	t.Fatal("case random_maxdets not found")
}

func TestCOCOEvaluatorErrors(t *testing.T) {
	_, err := NewCOCOEvaluator([]int64{1, 2, 1})
	require.ErrorContains(t, err, "category id 1 given twice")
	e, err := NewCOCOEvaluator([]int64{1})
	require.NoError(t, err)
	require.NoError(t, e.AddImage(5, nil, nil))
	require.ErrorContains(t, e.AddImage(5, nil, nil), "image 5 added twice")
	require.ErrorContains(t, e.AddImage(6, []COCOAnnotation{ann(1, 7, 1, 0, 0, 1, 1, 1, false)}, nil), "image_id 7")
	require.ErrorContains(t, e.AddImage(6, nil, []COCODetection{cdet(6, 1, 0, 0, 1, 1, nanScore())}), "want finite numbers")
	o, err := NewCOCOEvaluator([]int64{1})
	require.NoError(t, err)
	require.NoError(t, o.AddImage(5, nil, nil))
	require.NoError(t, o.AddImage(7, nil, []COCODetection{cdet(7, 1, 0, 0, 1, 1, 0.5)}))
	require.ErrorContains(t, e.Merge(o), "both hold image 5")
	require.ErrorContains(t, e.Merge(e), "into itself")
	p, err := NewCOCOEvaluator([]int64{2})
	require.NoError(t, err)
	require.ErrorContains(t, e.Merge(p), "want equal")
	assert.Equal(t, 1, e.Images(), "failed calls add nothing")
	assert.Equal(t, []int64{5}, e.imageIDs, "failed calls add nothing")
	assert.Empty(t, e.cats[0].dets, "failed calls add nothing")
	assert.Len(t, e.images, 1, "failed calls add nothing")
}

// cocoDetKey is a cocoDet with its image index resolved to the image id.
type cocoDetKey struct {
	score  float64
	image  int64
	rank   uint8
	tp, ig [numAreas]uint16
}

// sortedCOCODets returns e's detections per category in Summarize's order.
func sortedCOCODets(e *COCOEvaluator) [][]cocoDetKey {
	e.Summarize()
	out := make([][]cocoDetKey, len(e.cats))
	for k, c := range e.cats {
		for _, d := range c.dets {
			key := cocoDetKey{score: d.score, image: e.imageIDs[d.image], rank: d.rank}
			for a := range numAreas {
				key.tp[a], key.ig[a] = d.masks(a)
			}
			out[k] = append(out[k], key)
		}
	}
	return out
}

func TestCOCODetEntrySize(t *testing.T) {
	// An evaluator keeps one entry per detection evaluated (about a million for 10 000
	// images, and a copy of them during Summarize's sort); it was 40 bytes with an
	// int64 image id and an int32 rank, 32 with a uint16 per mask.
	assert.LessOrEqual(t, unsafe.Sizeof(cocoDet{}), uintptr(24))
}

// TestCOCODetMasks: every area range's two masks are stored and read back
// independently of the others, whatever was set before.
func TestCOCODetMasks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var d cocoDet
	var want [numAreas][2]uint16
	const m = 1<<COCOIoUThresholds - 1
	for range 2000 {
		a := rng.IntN(numAreas)
		tp, ig := uint16(rng.IntN(m+1)), uint16(rng.IntN(m+1))
		d.setMasks(a, tp, ig)
		want[a] = [2]uint16{tp, ig}
		for b := range numAreas {
			gotTP, gotIG := d.masks(b)
			require.Equal(t, want[b], [2]uint16{gotTP, gotIG}, "area %d after setting area %d", b, a)
		}
	}
	for a := range numAreas {
		d.setMasks(a, m, m)
	}
	assert.Equal(t, [2]uint64{^uint64(0), 0xFFFF}, [2]uint64{d.lo, uint64(d.hi)}, "all 80 bits set")
	d.setMasks(numAreas-1, 0, 0)
	assert.Equal(t, [2]uint64{1<<60 - 1, 0}, [2]uint64{d.lo, uint64(d.hi)}, "the last area's 20 bits: lo's top 4, all of hi")
}

func TestCOCOMergeRemapsImages(t *testing.T) {
	// Image ids in the reverse of the order added, equal scores across images: the tie
	// order must follow the ids (30 before 40 before 50), whichever evaluator each
	// image came from and whatever its index there.
	img := func(id int64) ([]COCOAnnotation, []COCODetection) {
		return []COCOAnnotation{ann(id, id, 1, 0, 0, 10, 10, 100, false)},
			[]COCODetection{cdet(id, 1, 0, 0, 10, 10, 0.5), cdet(id, 1, 50, 50, 10, 10, 0.5)}
	}
	a, err := NewCOCOEvaluator([]int64{1})
	require.NoError(t, err)
	b, err := NewCOCOEvaluator([]int64{1})
	require.NoError(t, err)
	for _, id := range []int64{50, 30} {
		g, d := img(id)
		require.NoError(t, b.AddImage(id, g, d))
	}
	g, d := img(40)
	require.NoError(t, a.AddImage(40, g, d))
	require.NoError(t, a.Merge(b))
	assert.Equal(t, []int64{40, 50, 30}, a.imageIDs)
	var got []int64
	for _, d := range sortedCOCODets(a)[0] {
		got = append(got, d.image, int64(d.rank))
	}
	assert.Equal(t, []int64{30, 0, 30, 1, 40, 0, 40, 1, 50, 0, 50, 1}, got)
	assert.Equal(t, []int64{50, 30}, b.imageIDs, "o is left unchanged")
	assert.Equal(t, uint32(0), b.cats[0].dets[0].image, "o is left unchanged")
}

func TestCOCOReserve(t *testing.T) {
	e, err := NewCOCOEvaluator([]int64{1, 2})
	require.NoError(t, err)
	e.Reserve(9, 1000) // unknown category: nothing
	e.Reserve(2, -1)   // nothing
	e.Reserve(2, 0)
	assert.Zero(t, cap(e.cats[1].dets))

	// 150 detections of category 1 on image 1 (100 kept), 30 on image 2: 130 kept.
	var d1, d2 []COCODetection
	for j := range 150 {
		d1 = append(d1, cdet(1, 1, float64(j), 0, 10, 10, float64(j)/150))
	}
	for j := range 30 {
		d2 = append(d2, cdet(2, 1, float64(j), 0, 10, 10, 0.5), cdet(2, 2, 0, 0, 1, 1, 0.1))
	}
	e.Reserve(1, 130)
	c := &e.cats[0]
	before, data := cap(c.dets), unsafe.SliceData(c.dets)
	require.GreaterOrEqual(t, before, 130)
	require.NoError(t, e.AddImage(1, nil, d1))
	require.NoError(t, e.AddImage(2, nil, d2))
	assert.Len(t, c.dets, 130)
	assert.Equal(t, before, cap(c.dets), "no reallocation after Reserve")
	assert.Same(t, data, unsafe.SliceData(c.dets), "no reallocation after Reserve")

	// Reserve then Merge: o's detections fit too.
	d3 := slices.Clone(d1[:40])
	for j := range d3 {
		d3[j].ImageID = 3
	}
	o, err := NewCOCOEvaluator([]int64{1, 2})
	require.NoError(t, err)
	require.NoError(t, o.AddImage(3, nil, d3))
	e.Reserve(1, 40)
	before, data = cap(c.dets), unsafe.SliceData(c.dets)
	require.NoError(t, e.Merge(o))
	assert.Len(t, c.dets, 170)
	assert.Equal(t, before, cap(c.dets), "no reallocation after Reserve")
	assert.Same(t, data, unsafe.SliceData(c.dets), "no reallocation after Reserve")
}

func TestEvaluateCOCOEqualsAddImage(t *testing.T) {
	// EvaluateCOCO reserves each category's kept detections up front; its results are
	// those of adding the images one by one, in id order, without.
	ids, gts, dts := randomCOCOImages(11, 200)
	gt := &COCOGroundTruth{Path: "gt.json"}
	for _, c := range []int64{1, 2, 3} {
		gt.Categories = append(gt.Categories, COCOCategory{ID: c})
	}
	var all []COCODetection
	for i, id := range ids {
		gt.Images = append(gt.Images, COCOImage{ID: id})
		gt.Annotations = append(gt.Annotations, gts[i]...)
		all = append(all, dts[i]...)
	}
	got, err := EvaluateCOCO(gt, all)
	require.NoError(t, err)
	e, err := NewCOCOEvaluator([]int64{1, 2, 3})
	require.NoError(t, err)
	order := slices.Clone(ids)
	slices.Sort(order)
	for _, id := range order {
		i := slices.Index(ids, id)
		require.NoError(t, e.AddImage(id, gts[i], dts[i]))
	}
	want := e.Summarize()
	assert.Equal(t, want, got)

	// Results written image by image are evaluated in place; results interleaved
	// across images are grouped first. Both give the same numbers.
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3 {
		shuffled := slices.Clone(all)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got, err := EvaluateCOCO(gt, shuffled)
		require.NoError(t, err)
		// Within an image, the order of equal scores decides matches: compare with
		// the images added one by one in the shuffled order.
		e, err := NewCOCOEvaluator([]int64{1, 2, 3})
		require.NoError(t, err)
		for _, id := range order {
			var d []COCODetection
			for _, x := range shuffled {
				if x.ImageID == id {
					d = append(d, x)
				}
			}
			require.NoError(t, e.AddImage(id, gts[slices.Index(ids, id)], d))
		}
		assert.Equal(t, e.Summarize(), got)
	}
}

func nanScore() float64 { var z float64; return z / z }

func TestCOCOLoaders(t *testing.T) {
	gtJSON := `{"images":[{"id":1},{"id":2.0}],"categories":[{"id":3,"name":"cat"}],
"annotations":[{"id":1,"image_id":1,"category_id":3,"bbox":[0,0,10,10],"area":100,"iscrowd":0},
{"id":2,"image_id":2,"category_id":3,"bbox":[0,0,10,10],"area":100,"iscrowd":true},
{"id":3,"image_id":2,"category_id":3,"bbox":[5,5,10,10],"area":100}]}`
	gt, err := ParseCOCOGroundTruth("gt.json", []byte(gtJSON))
	require.NoError(t, err)
	require.Len(t, gt.Images, 2)
	assert.Equal(t, int64(2), gt.Images[1].ID, "2.0 is an integer id")
	assert.True(t, gt.Annotations[1].IsCrowd)
	assert.False(t, gt.Annotations[2].IsCrowd, "iscrowd absent: 0")
	assert.Equal(t, "cat", gt.Categories[0].Name)

	dts, err := ParseCOCOResults("dt.json", []byte(`[{"image_id":1,"category_id":3,"bbox":[0,0,10,10],"score":0.9,"extra":1}]`), gt)
	require.NoError(t, err)
	assert.Equal(t, []COCODetection{cdet(1, 3, 0, 0, 10, 10, 0.9)}, dts)
	dts, err = ParseCOCOResults("dt.json", []byte("[]"), gt)
	require.NoError(t, err)
	assert.Empty(t, dts)
	s, err := EvaluateCOCO(gt, dts)
	require.NoError(t, err)
	assert.Equal(t, 0.0, s.Stats.AP, "no detections: AP 0, not an error")

	for _, c := range []struct{ name, data, want string }{
		{"malformed", "{\"images\": [\n{\"id\": 1},\n]}", "gt.json:3: malformed JSON"},
		{"no images", `{"categories":[]}`, `no "images"`},
		{"no categories", `{"images":[]}`, `no "categories"`},
		{"dup image", `{"images":[{"id":1},{"id":1}],"categories":[]}`, "images[0] and images[1] have the same id 1"},
		{"dup cat", `{"images":[],"categories":[{"id":1},{"id":1}]}`, "same id 1"},
		{"missing area", `{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,1,1]}]}`, "annotations[0]: area (id 1): missing"},
		{"bbox len", `{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,1],"area":1}]}`, "bbox (id 1): 3 numbers"},
		{"missing id", `{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"area":1}]}`, "annotations[0]: id: missing"},
		{"dup ann", `{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":4,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"area":1},{"id":4,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"area":1}]}`, "same id 4"},
		{"float id", `{"images":[{"id":1.5}],"categories":[]}`, "1.5, want an integer"},
		{"type", `{"images":[{"id":"x"}],"categories":[]}`, `images[0]: id: a JSON string, want an integer`},
	} {
		_, err := ParseCOCOGroundTruth("gt.json", []byte(c.data))
		require.Error(t, err, c.name)
		assert.Contains(t, err.Error(), c.want, c.name)
		assert.True(t, strings.HasPrefix(err.Error(), "metrics: gt.json"), "%s: names the file: %v", c.name, err)
	}
	for _, c := range []struct{ name, data, want string }{
		{"unknown image", "[\n{\"image_id\":9,\"category_id\":3,\"bbox\":[0,0,1,1],\"score\":1}]", "dt.json:2: result 0: image_id 9 is not an image of gt.json"},
		{"no score", `[{"image_id":1,"category_id":3,"bbox":[0,0,1,1]}]`, "result 0: score: missing"},
		{"not array", `{"image_id":1}`, "want a COCO results array"},
		{"truncated", `[{"image_id":1,"category_id":3,"bbox":[0,0,1,1],"score":1}`, "dt.json"},
		{"bbox", `[{"image_id":1,"category_id":3,"bbox":[0,0,1,1,1],"score":1}]`, "bbox: 5 numbers"},
	} {
		_, err := ParseCOCOResults("dt.json", []byte(c.data), gt)
		require.Error(t, err, c.name)
		assert.Contains(t, err.Error(), c.want, c.name)
	}
}
