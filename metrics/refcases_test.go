package metrics

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

// loadCases reads every testdata/dir/*.json file as one T (a case of reference
// numbers made by the real tool: pycocotools, Ultralytics, tidecv), in file order.
func loadCases[T any](t testing.TB, dir string) []T {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no case in testdata/%s", dir)
	var cases []T
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var c T
		require.NoError(t, json.Unmarshal(data, &c), f)
		cases = append(cases, c)
	}
	return cases
}

// refImage is one image of a reference case (Ultralytics, tidecv): its ground truths
// and detections, corner boxes in pixels. Case types embed it, so its fields sit
// beside their own in the image's JSON object.
type refImage struct {
	GTs []struct {
		Box   [4]float64 `json:"box"`
		Class int        `json:"class"`
	} `json:"gts"`
	Dets []struct {
		Box   [4]float64 `json:"box"`
		Score float64    `json:"score"`
		Class int        `json:"class"`
	} `json:"dets"`
}

// boxes returns the image's ground truths and detections, in file order.
func (im refImage) boxes() ([]box.Object, []box.Detection) {
	gts := make([]box.Object, len(im.GTs))
	for k, g := range im.GTs {
		gts[k] = obj(g.Box[0], g.Box[1], g.Box[2], g.Box[3], g.Class)
	}
	dets := make([]box.Detection, len(im.Dets))
	for k, d := range im.Dets {
		dets[k] = det(d.Box[0], d.Box[1], d.Box[2], d.Box[3], d.Score, d.Class)
	}
	return gts, dets
}
