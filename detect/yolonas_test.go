package detect

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinyReference is testdata/tiny_reference.json.
type tinyReference struct {
	Model string `json:"model"`
	Input struct {
		Seed   uint64 `json:"seed"`
		Shape  []int  `json:"shape"`
		SHA256 string `json:"sha256"`
	} `json:"input"`
	N            int         `json:"num_anchors"`
	C            int         `json:"num_classes"`
	Boxes        []float32   `json:"boxes"`
	Scores       []float32   `json:"scores"`
	BoxesSHA256  string      `json:"boxes_sha256"`
	ScoresSHA256 string      `json:"scores_sha256"`
	IoUMargin    float64     `json:"iou_margin"`
	References   []refConfig `json:"references"`
}

func loadTiny(t *testing.T) tinyReference {
	t.Helper()
	var r tinyReference
	readJSON(t, "tiny_reference.json", &r)
	// The JSON values are the PyTorch float32 outputs bit for bit (shortest round-trip decimals, parsed as float32).
	require.Len(t, r.Boxes, 4*r.N)
	require.Len(t, r.Scores, r.N*r.C)
	require.Equal(t, r.BoxesSHA256, sha256F32(r.Boxes), "boxes in tiny_reference.json")
	require.Equal(t, r.ScoresSHA256, sha256F32(r.Scores), "scores in tiny_reference.json")
	require.NotEmpty(t, r.References)
	return r
}

// TestDecodeMatchesSuperGradients: DecodeYOLONAS on PyTorch's own raw outputs reproduces the Python post-processing
// (super-gradients' callback steps with torchvision batched_nms) exactly: same detections, same order, same float32
// boxes and scores (tolerance 0: the decode copies values and NMS uses the same float32 arithmetic). Covers
// multi-label, single-label (>= threshold), pre-NMS top-k, MaxDet, class-agnostic.
func TestDecodeMatchesSuperGradients(t *testing.T) {
	r := loadTiny(t)
	for _, ref := range r.References {
		t.Run(ref.Name, func(t *testing.T) {
			got, err := DecodeYOLONAS(r.Boxes, r.Scores, r.N, r.C, ref.options())
			require.NoError(t, err)
			requireDetections(t, ref.Detections, got, 0, 0)
		})
	}
}

// TestDecodeThreshold: the hand-made cases around conf 0.3 (a score equal to float32(0.3) passes single-label >= but
// not multi-label >; equal 0.9 scores resolved by the lower index), against Python.
func TestDecodeThreshold(t *testing.T) {
	var f nmsFile
	readJSON(t, "nms_cases.json", &f)
	d := f.Decode
	require.Len(t, d.References, 4)
	for _, ref := range d.References {
		got, err := DecodeYOLONAS(d.Boxes, d.Scores, d.N, d.C, ref.options())
		require.NoError(t, err)
		requireDetections(t, ref.Detections, got, 0, 0)
	}
}

// TestDecodeRejectsNonFinite: NaN or Inf anywhere, even in a score far below the threshold, is an error naming the
// anchor.
func TestDecodeRejectsNonFinite(t *testing.T) {
	const n, c = 6, 3
	boxes := make([]float32, 4*n)
	scores := make([]float32, n*c)
	for i := range boxes {
		boxes[i] = float32(i)
	}
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))

	s := append([]float32(nil), scores...)
	s[4*c+2] = nan
	_, err := DecodeYOLONAS(boxes, s, n, c, DefaultOptions())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "anchor 4")
	assert.Contains(t, err.Error(), "NaN")

	b := append([]float32(nil), boxes...)
	b[4*3+1] = -inf
	_, err = DecodeYOLONAS(b, scores, n, c, DefaultOptions())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "anchor 3")
	assert.Contains(t, err.Error(), "-Inf")

	b[4*3+1] = nan
	_, err = DecodeYOLONAS(b, scores, n, c, DefaultOptions())
	require.ErrorContains(t, err, "anchor 3: box coordinate 1 is NaN")
}

// TestDecodeRejectsBadShapes: lengths that do not match N and C are errors that say what was expected.
func TestDecodeRejectsBadShapes(t *testing.T) {
	_, err := DecodeYOLONAS(make([]float32, 7), make([]float32, 4), 2, 2, DefaultOptions())
	require.ErrorContains(t, err, "boxes has 7 values, want N*4 = 8")
	_, err = DecodeYOLONAS(make([]float32, 8), make([]float32, 5), 2, 2, DefaultOptions())
	require.ErrorContains(t, err, "scores has 5 values, want N*C = 2*2 = 4")
	_, err = DecodeYOLONAS(nil, nil, 0, 0, DefaultOptions())
	require.ErrorContains(t, err, "C >= 1")
	o := DefaultOptions()
	o.IoU = 1.5
	_, err = DecodeYOLONAS(nil, nil, 0, 1, o)
	require.ErrorContains(t, err, "IoU = 1.5")
	got, err := DecodeYOLONAS(nil, nil, 0, 80, DefaultOptions())
	require.NoError(t, err)
	assert.Empty(t, got)
}

// randomRaw makes YOLO-NAS-like raw outputs for an 8400-anchor, 80-class 640x640 model: boxes around the grid
// centres, scores mostly low with a few confident anchors, like a trained COCO detector.
func randomRaw(seed uint64) (boxes, scores []float32, n, c int) {
	n, c = 8400, 80
	rng := rand.New(rand.NewPCG(seed, 99))
	boxes = make([]float32, 4*n)
	scores = make([]float32, n*c)
	for a := range n {
		cx, cy := rng.Float32()*640, rng.Float32()*640
		w, h := 8+rng.Float32()*200, 8+rng.Float32()*200
		copy(boxes[4*a:], []float32{cx - w/2, cy - h/2, cx + w/2, cy + h/2})
		for k := range c {
			scores[a*c+k] = rng.Float32() * rng.Float32() * rng.Float32() * rng.Float32()
		}
	}
	return boxes, scores, n, c
}

// TestDecodeTopKAndMaxDet: on COCO-sized outputs, more candidates than PreNMSTopK exist, the result never exceeds
// MaxDet, is sorted by score and every kept pair of the same class overlaps at most IoU.
func TestDecodeTopKAndMaxDet(t *testing.T) {
	boxes, scores, n, c := randomRaw(1)
	opts := DefaultOptions()
	got, err := DecodeYOLONAS(boxes, scores, n, c, opts)
	require.NoError(t, err)
	above := 0
	for _, s := range scores {
		if s > float32(opts.Conf) {
			above++
		}
	}
	require.Greater(t, above, opts.PreNMSTopK, "the data must exercise the pre-NMS top-k")
	require.NotEmpty(t, got)
	require.LessOrEqual(t, len(got), opts.MaxDet)
	for i := range got {
		if i > 0 {
			require.GreaterOrEqual(t, got[i-1].Score, got[i].Score, "score order at %d", i)
		}
		for j := range i {
			if got[i].Class == got[j].Class {
				// float64 IoU vs the float32 kernel: equal within ~1e-6, far from any pair at exactly 0.7 here.
				require.LessOrEqual(t, iouF64(got[i], got[j]), opts.IoU+1e-6, "pair %d,%d", j, i)
			}
		}
	}
}

func BenchmarkDecodeYOLONAS8400x80(b *testing.B) {
	boxes, scores, n, c := randomRaw(2)
	opts := DefaultOptions()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeYOLONAS(boxes, scores, n, c, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignatureDecodeYOLONAS8400x80 is BenchmarkDecodeYOLONAS8400x80 through Signature.Decode: the same
// outputs with the layout's value checks before the decode (compare the two in one run for their cost).
func BenchmarkSignatureDecodeYOLONAS8400x80(b *testing.B) {
	boxes, scores, n, c := randomRaw(2)
	s := sigFor(b, LayoutYOLONAS, []int64{1, 3, 640, 640}, ti("boxes", "float32", 1, int64(n), 4),
		ti("scores", "float32", 1, int64(n), int64(c)))
	outs := []Output{{Name: "boxes", Shape: []int64{1, int64(n), 4}, Float: boxes},
		{Name: "scores", Shape: []int64{1, int64(n), int64(c)}, Float: scores}}
	opts := DefaultOptions()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.Decode(outs, 1, opts); err != nil {
			b.Fatal(err)
		}
	}
}
