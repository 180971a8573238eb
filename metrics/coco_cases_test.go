package metrics

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cocoCase is one file of testdata/coco_cases: a COCO instances file, a results
// array and what the real pycocotools (cocoeval.py) printed for them (see the README
// there for how they were produced).
type cocoCase struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	GT          json.RawMessage `json:"gt"`
	DT          json.RawMessage `json:"dt"`
	Expected    struct {
		Stats       []float64 `json:"stats"`
		PerCategory []struct {
			CategoryID int64   `json:"category_id"`
			AP         float64 `json:"AP"`
			AP50       float64 `json:"AP50"`
			AP75       float64 `json:"AP75"`
			AR100      float64 `json:"AR100"`
		} `json:"per_category"`
	} `json:"expected"`
}

// pycocoTol: the contract is 1e-6. We reproduce pycocotools' IoU arithmetic, sort order
// and numpy's chunked pairwise summation, and on amd64 all cases agree bit for bit;
// 1e-9 leaves room for a platform that fuses multiply-adds (arm64), nothing more.
const pycocoTol = 1e-9

func TestCOCOEqualsPycocotools(t *testing.T) {
	for _, c := range loadCases[cocoCase](t, "coco_cases") {
		t.Run(c.Name, func(t *testing.T) {
			gt, err := ParseCOCOGroundTruth(c.Name+"/gt", c.GT)
			require.NoError(t, err)
			dts, err := ParseCOCOResults(c.Name+"/dt", c.DT, gt)
			require.NoError(t, err)
			s, err := EvaluateCOCO(gt, dts)
			require.NoError(t, err)
			got := s.Stats.Array()
			require.Len(t, c.Expected.Stats, 12)
			for i, want := range c.Expected.Stats {
				assert.InDelta(t, want, got[i], pycocoTol, "%s: %s", c.Description, COCOStatNames[i])
			}
			require.Len(t, s.PerCategory, len(c.Expected.PerCategory))
			for k, want := range c.Expected.PerCategory {
				g := s.PerCategory[k]
				assert.Equal(t, want.CategoryID, g.CategoryID)
				assert.InDelta(t, want.AP, g.AP, pycocoTol, "category %d AP", want.CategoryID)
				assert.InDelta(t, want.AP50, g.AP50, pycocoTol, "category %d AP50", want.CategoryID)
				assert.InDelta(t, want.AP75, g.AP75, pycocoTol, "category %d AP75", want.CategoryID)
				assert.InDelta(t, want.AR100, g.AR100, pycocoTol, "category %d AR100", want.CategoryID)
			}
		})
	}
}
