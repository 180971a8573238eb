package metrics

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// benchCOCOData makes n images of 640x480 with 1..10 ground truths over 5 classes and
// 100 detections each: jittered copies of the ground truths plus random boxes.
func benchCOCOData(n int) (gts [][]COCOAnnotation, dts [][]COCODetection) {
	rng := rand.New(rand.NewPCG(4, 5))
	gts = make([][]COCOAnnotation, n)
	dts = make([][]COCODetection, n)
	id := int64(1)
	for i := range n {
		img := int64(i + 1)
		for range 1 + rng.IntN(10) {
			w, h := 5+rng.Float64()*200, 5+rng.Float64()*200
			b := [4]float64{rng.Float64() * 400, rng.Float64() * 250, w, h}
			gts[i] = append(gts[i], COCOAnnotation{ID: id, ImageID: img, CategoryID: int64(rng.IntN(5)), BBox: b, Area: w * h})
			id++
		}
		for j := range 100 {
			var b [4]float64
			c := int64(rng.IntN(5))
			if j < 2*len(gts[i]) {
				g := gts[i][j%len(gts[i])]
				c = g.CategoryID
				b = g.BBox
				for k := range b {
					b[k] += rng.NormFloat64() * 0.1 * g.BBox[2+k%2]
				}
			} else {
				b = [4]float64{rng.Float64() * 500, rng.Float64() * 350, 5 + rng.Float64()*150, 5 + rng.Float64()*150}
			}
			dts[i] = append(dts[i], COCODetection{ImageID: img, CategoryID: c, BBox: b, Score: rng.Float64()})
		}
	}
	return gts, dts
}

// BenchmarkCOCOEval5000 is the full COCO evaluation (evaluate, accumulate, summarize)
// of 5 000 images x 100 detections over 5 classes: the target is < 1 s/op.
func BenchmarkCOCOEval5000(b *testing.B) {
	gts, dts := benchCOCOData(5000)
	b.ReportAllocs()
	for b.Loop() {
		e, err := NewCOCOEvaluator([]int64{0, 1, 2, 3, 4})
		require.NoError(b, err)
		for i := range gts {
			require.NoError(b, e.AddImage(int64(i+1), gts[i], dts[i]))
		}
		s := e.Summarize()
		require.Greater(b, s.Stats.AP, 0.0)
	}
}

// benchCOCOResultsJSON writes dts as a COCO results file the way Python's json.dump
// writes one (", " and ": " separators, shortest round-trip numbers), one result per
// line.
func benchCOCOResultsJSON(dts [][]COCODetection) []byte {
	var b []byte
	b = append(b, "[\n"...)
	for _, im := range dts {
		for _, d := range im {
			if len(b) > 2 {
				b = append(b, ",\n"...)
			}
			b = append(b, `{"image_id": `...)
			b = strconv.AppendInt(b, d.ImageID, 10)
			b = append(b, `, "category_id": `...)
			b = strconv.AppendInt(b, d.CategoryID, 10)
			b = append(b, `, "bbox": [`...)
			for k, v := range d.BBox {
				if k > 0 {
					b = append(b, ", "...)
				}
				b = strconv.AppendFloat(b, v, 'g', -1, 64)
			}
			b = append(b, `], "score": `...)
			b = strconv.AppendFloat(b, d.Score, 'g', -1, 64)
			b = append(b, '}')
		}
	}
	return append(b, "\n]\n"...)
}

// BenchmarkDecodeCOCOResults5000 reads the 500 000 detections of BenchmarkCOCOEval5000
// from a COCO results file in memory (77 MB, full-precision numbers, one result per
// line), the same size as scripts/make_coco_bench.py writes.
func BenchmarkDecodeCOCOResults5000(b *testing.B) {
	_, dts := benchCOCOData(5000)
	data := benchCOCOResultsJSON(dts)
	gt := &COCOGroundTruth{Path: "gt.json"}
	for i := range dts {
		gt.Images = append(gt.Images, COCOImage{ID: int64(i + 1)})
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := ParseCOCOResults("dt.json", data, gt)
		require.NoError(b, err)
		require.Len(b, got, 500000)
	}
}
