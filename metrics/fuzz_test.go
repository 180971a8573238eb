package metrics_test

import (
	"math"
	"strings"
	"testing"

	"github.com/detparity/detparity/metrics"
)

// FuzzCOCO: any bytes as a COCO instances file and a COCO results file. Invariants: no
// panic; every error names the file it is about (gt.json or dt.json); when both parse
// and the evaluation runs, every summary number is -1 (no ground truth in that range)
// or in [0, 1], and the image count is the ground truth's. Seeds: the f.Add calls and
// testdata/fuzz/FuzzCOCO. Run with
// `go test ./metrics -run '^$' -fuzz '^FuzzCOCO$' -fuzztime 60s` or scripts/fuzz.sh.
func FuzzCOCO(f *testing.F) {
	gt := `{"images":[{"id":1},{"id":2.0}],"categories":[{"id":3,"name":"cat"},{"id":4}],
"annotations":[{"id":1,"image_id":1,"category_id":3,"bbox":[0,0,10,10],"area":100,"iscrowd":0},
{"id":2,"image_id":2,"category_id":3,"bbox":[0,0,40,40],"area":1600,"iscrowd":true},
{"id":3,"image_id":2,"category_id":4,"bbox":[5,5,100,100],"area":10000}]}`
	dt := `[{"image_id":1,"category_id":3,"bbox":[1,1,10,10],"score":0.9},
{"image_id":2,"category_id":3,"bbox":[0,0,10,10],"score":0.5},{"image_id":2,"category_id":4,"bbox":[5,5,90,100],"score":0.7},
{"image_id":2,"category_id":7,"bbox":[5,5,90,100],"score":0.7}]`
	f.Add([]byte(gt), []byte(dt))
	f.Add([]byte(gt), []byte("[]"))
	f.Add([]byte(gt[:len(gt)/2]), []byte(dt[:len(dt)/2]))
	f.Add([]byte(`{"images":[{"id":0}],"categories":[{"id":0}],"annotations":[{"id":0,"image_id":0,"category_id":0,"bbox":[0,0,0,0],"area":0}]}`),
		[]byte(`[{"image_id":0,"category_id":0,"bbox":[0,0,0,0],"score":-1e308}]`))
	f.Fuzz(func(t *testing.T, gtData, dtData []byte) {
		g, err := metrics.ParseCOCOGroundTruth("gt.json", gtData)
		if err != nil {
			if !strings.Contains(err.Error(), "gt.json") {
				t.Fatalf("ground-truth error does not name the file: %v", err)
			}
			return
		}
		seen := map[int64]bool{}
		for _, im := range g.Images {
			if seen[im.ID] {
				t.Fatalf("duplicate image id %d accepted", im.ID)
			}
			seen[im.ID] = true
		}
		dts, err := metrics.ParseCOCOResults("dt.json", dtData, g)
		if err != nil {
			if !strings.Contains(err.Error(), "dt.json") {
				t.Fatalf("results error does not name the file: %v", err)
			}
			return
		}
		for i, d := range dts {
			if !seen[d.ImageID] {
				t.Fatalf("result %d: image %d not in the ground truth accepted", i, d.ImageID)
			}
		}
		if len(g.Categories) > 20 {
			return // keep one input's evaluation small: [T][R][K] arrays grow with K
		}
		s, err := metrics.EvaluateCOCO(g, dts)
		if err != nil {
			if !strings.Contains(err.Error(), "gt.json") {
				t.Fatalf("evaluation error does not name the ground truth: %v", err)
			}
			return
		}
		if s.Images != len(g.Images) {
			t.Fatalf("evaluated %d images, ground truth has %d", s.Images, len(g.Images))
		}
		check := func(what string, v float64) {
			if math.IsNaN(v) || !(v == -1 || (v >= 0 && v <= 1)) {
				t.Fatalf("%s = %v, want -1 or a number in [0, 1]", what, v)
			}
		}
		for i, v := range s.Stats.Array() {
			check(metrics.COCOStatNames[i], v)
		}
		for _, c := range s.PerCategory {
			check("AP", c.AP)
			check("AP50", c.AP50)
			check("AP75", c.AP75)
			check("AR100", c.AR100)
		}
	})
}
