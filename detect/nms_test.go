package detect

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

type nmsCase struct {
	Name        string       `json:"name"`
	Boxes       [][4]float32 `json:"boxes"`
	Scores      []float32    `json:"scores"`
	Classes     []int        `json:"classes"`
	IoU         float64      `json:"iou"`
	Ties        bool         `json:"ties"`
	BatchedPath string       `json:"batched_path"`
	NMS         []int        `json:"nms"`
	BatchedNMS  []int        `json:"batched_nms"`
}

type nmsFile struct {
	Torchvision string    `json:"torchvision"`
	Cases       []nmsCase `json:"cases"`
	Decode      struct {
		Boxes      []float32   `json:"boxes"`
		Scores     []float32   `json:"scores"`
		N          int         `json:"num_anchors"`
		C          int         `json:"num_classes"`
		References []refConfig `json:"references"`
	} `json:"decode"`
}

func (c nmsCase) dets() []box.Detection {
	d := make([]box.Detection, len(c.Boxes))
	for i, b := range c.Boxes {
		d[i] = box.Detection{
			Box:   box.Box{X1: float64(b[0]), Y1: float64(b[1]), X2: float64(b[2]), Y2: float64(b[3])},
			Score: float64(c.Scores[i]),
			Class: c.Classes[i],
		}
	}
	return d
}

// TestNMSMatchesTorchvision: every committed case (exact ties, duplicates, degenerate and inverted boxes, IoU exactly
// at the threshold, several classes, both batched_nms code paths) gives the same kept indices in the same order as
// torchvision.ops.nms and batched_nms. Exact equality: the arithmetic is the same float32 arithmetic.
func TestNMSMatchesTorchvision(t *testing.T) {
	var f nmsFile
	readJSON(t, "nms_cases.json", &f)
	require.GreaterOrEqual(t, len(f.Cases), 30)
	paths := map[string]int{}
	ties := 0
	for _, c := range f.Cases {
		paths[c.BatchedPath]++
		if c.Ties {
			ties++
		}
		t.Run(c.Name, func(t *testing.T) {
			d := c.dets()
			assert.Equal(t, c.NMS, NMS(d, c.IoU, false), "torchvision.ops.nms")
			assert.Equal(t, c.BatchedNMS, NMS(d, c.IoU, true), "torchvision.ops.batched_nms (%s)", c.BatchedPath)
		})
	}
	// The data must exercise what it claims to.
	assert.Positive(t, paths["vanilla"], "cases with > 1000 boxes (per-class path)")
	assert.Positive(t, paths["coordinate_trick"], "cases with <= 1000 boxes (offset path)")
	assert.Positive(t, ties, "cases with exactly equal scores")
}

// TestNMSTieRule pins the documented tie rule on its own: of two identical boxes with equal scores the lower index
// is kept, whatever the input order.
func TestNMSTieRule(t *testing.T) {
	b := box.Box{X1: 10, Y1: 10, X2: 50, Y2: 50}
	d := []box.Detection{{Box: box.Box{X1: 200, Y1: 0, X2: 210, Y2: 10}, Score: 0.4}, {Box: b, Score: 0.5}, {Box: b, Score: 0.5}}
	assert.Equal(t, []int{1, 0}, NMS(d, 0.5, false))
	assert.Equal(t, []int{1, 0}, NMS(d, 0.5, true))
	d[1].Class = 1 // different classes: both kept class-aware, lower index first
	assert.Equal(t, []int{1, 2, 0}, NMS(d, 0.5, true))
	assert.Equal(t, []int{1, 0}, NMS(d, 0.5, false))
	assert.Empty(t, NMS(nil, 0.5, true))
}

// TestNMSBatchedPathsAgree: the two torchvision batched paths are both per-class NMS; on random boxes with pixel-
// grid coordinates (so the class offset adds no rounding) the offset path equals the per-class path.
func TestNMSBatchedPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		n := 50 + rng.IntN(400)
		d := make([]box.Detection, n)
		for i := range d {
			x, y := float64(rng.IntN(300)), float64(rng.IntN(300))
			d[i] = box.Detection{Box: box.Box{X1: x, Y1: y, X2: x + float64(5+rng.IntN(80)), Y2: y + float64(5+rng.IntN(80))},
				Score: float64(rng.Float32()), Class: rng.IntN(4)}
		}
		r := make([]rect32, n)
		s := make([]float32, n)
		for i, x := range d {
			r[i] = rect32{float32(x.X1), float32(x.Y1), float32(x.X2), float32(x.Y2)}
			s[i] = float32(x.Score)
		}
		require.Equal(t, batchedVanilla(r, s, d, 0.5), batchedOffset(r, s, d, 0.5), "trial %d", trial)
	}
}
