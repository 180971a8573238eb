package metrics

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// confusionCase is one file of testdata/confusion_cases: images and the matrix the
// real Ultralytics ConfusionMatrix.process_batch built from them (see the README there
// for the Ultralytics commit and how the numbers were made).
type confusionCase struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	NumClasses  int        `json:"num_classes"`
	Conf        float64    `json:"conf"`
	IoU         float64    `json:"iou"`
	Images      []refImage `json:"images"`
	// Expected is Ultralytics' matrix[pred][true], background last.
	Expected [][]int `json:"expected"`
}

// TestConfusionMatrixReference holds ConfusionMatrix to Ultralytics' own numbers,
// image by image accumulated, and checks that accumulating in two halves and merging
// gives the same matrix.
func TestConfusionMatrixReference(t *testing.T) {
	for _, c := range loadCases[confusionCase](t, "confusion_cases") {
		t.Run(c.Name, func(t *testing.T) {
			cm, err := NewConfusionMatrix(c.NumClasses, c.Conf, c.IoU)
			require.NoError(t, err)
			a, _ := NewConfusionMatrix(c.NumClasses, c.Conf, c.IoU)
			b, _ := NewConfusionMatrix(c.NumClasses, c.Conf, c.IoU)
			for i, im := range c.Images {
				gts, dets := im.boxes()
				require.NoError(t, cm.Add(gts, dets))
				half := a
				if i%2 == 1 {
					half = b
				}
				require.NoError(t, half.Add(gts, dets))
			}
			assert.Equal(t, c.Expected, cm.M, c.Description)
			require.NoError(t, a.Merge(b))
			assert.Equal(t, cm.M, a.M)
			total := 0
			for _, row := range cm.M {
				for _, v := range row {
					total += v
				}
			}
			assert.Positive(t, total)
		})
	}
}
