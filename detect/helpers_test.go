package detect

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

// mustInit loads ONNX Runtime once for the test process (Init is idempotent and process-global).
func mustInit(t testing.TB) {
	t.Helper()
	require.NoError(t, Init())
}

// readJSON decodes testdata/name into v.
func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err, "run /usr/bin/python3 scripts/make_detect_testdata.py from the repository root")
	require.NoError(t, json.Unmarshal(data, v), name)
}

// sha256F32 hashes values as little-endian float32, like numpy's astype("<f4").tobytes().
func sha256F32(v []float32) string {
	buf := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(x))
	}
	s := sha256.Sum256(buf)
	return hex.EncodeToString(s[:])
}

// tinyInput regenerates the [1,3,640,640] input of scripts/make_detect_testdata.py (tiny_input): element i is the
// top 24 bits of splitmix64(seed+i) divided by 2^24, exact in float32.
func tinyInput(seed uint64) []float32 {
	out := make([]float32, 3*640*640)
	for i := range out {
		z := (uint64(i) + seed) * 0x9E3779B97F4A7C15
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		z ^= z >> 31
		out[i] = float32(z>>40) / (1 << 24)
	}
	return out
}

// refDetection is one detection in tiny_reference.json / nms_cases.json (float32 values from PyTorch).
type refDetection struct {
	Box    [4]float32 `json:"box"`
	Score  float32    `json:"score"`
	Class  int        `json:"class"`
	Anchor int        `json:"anchor"`
}

// refConfig is one post-processing configuration and its Python result.
type refConfig struct {
	Name          string         `json:"name"`
	Conf          float64        `json:"conf"`
	IoU           float64        `json:"iou"`
	TopK          int            `json:"top_k"`
	MaxPred       int            `json:"max_pred"`
	MultiLabel    bool           `json:"multi_label"`
	ClassAgnostic bool           `json:"class_agnostic"`
	Candidates    int            `json:"candidates"`
	ScoreMargin   float64        `json:"min_score_margin"`
	Detections    []refDetection `json:"detections"`
}

func (c refConfig) options() Options {
	return Options{Conf: c.Conf, IoU: c.IoU, PreNMSTopK: c.TopK, MaxDet: c.MaxPred, MultiLabel: c.MultiLabel,
		ClassAgnostic: c.ClassAgnostic}
}

// requireDetections compares Go detections with Python's: same count, order and classes; boxes within boxTol px
// and scores within scoreTol.
func requireDetections(t *testing.T, want []refDetection, got []box.Detection, boxTol, scoreTol float64) {
	t.Helper()
	require.Len(t, got, len(want))
	for i, w := range want {
		g := got[i]
		require.Equal(t, w.Class, g.Class, "detection %d (anchor %d)", i, w.Anchor)
		require.InDelta(t, float64(w.Score), g.Score, scoreTol, "detection %d (anchor %d) score", i, w.Anchor)
		gb := [4]float64{g.X1, g.Y1, g.X2, g.Y2}
		for k := range 4 {
			require.InDelta(t, float64(w.Box[k]), gb[k], boxTol, "detection %d (anchor %d) coordinate %d", i, w.Anchor, k)
		}
	}
}

// iouF64 is the IoU of two detections' boxes in float64 (box.IoU).
func iouF64(a, b box.Detection) float64 { return box.IoU(a.Box, b.Box) }
