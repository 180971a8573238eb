package metrics

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCOCOBadInputs: the COCO rows of the bad-input catalogue (docs/bad-inputs.md), each with its exact message:
// the file, the line where the decoder could tell, and what was expected.
func TestCOCOBadInputs(t *testing.T) {
	const wantGT = "want a COCO instances object {images, annotations, categories}"
	for _, c := range []struct{ name, data, want string }{
		{"empty", "", "metrics: gt.json: empty or truncated JSON, " + wantGT + ": EOF"},
		{"truncated", `{"images":[{"id":1},{"id":2}],"categories":[{"id":3}],"annot`,
			"metrics: gt.json: empty or truncated JSON, " + wantGT + ": unexpected EOF"},
		{"malformed", "{\"images\": [\n{\"id\": 1},\n]}",
			"metrics: gt.json:3: malformed JSON (invalid character ']' looking for beginning of value), " + wantGT},
		{"results given as ground truth", "[]",
			"metrics: gt.json:1: the file is a JSON array, " + wantGT},
		{"duplicate image ids", "{\"images\":[{\"id\":7},\n{\"id\":7}],\"categories\":[]}",
			"metrics: gt.json: images[0] and images[1] have the same id 7, want unique image ids"},
		{"number out of float64 range", `{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,1e999,1],"area":1}]}`,
			"metrics: gt.json:1: annotations[0]: bbox: 1e999 is outside the float64 range, want x, y, w, h"},
	} {
		_, err := ParseCOCOGroundTruth("gt.json", []byte(c.data))
		assert.EqualError(t, err, c.want, c.name)
	}

	gt, err := ParseCOCOGroundTruth("gt.json", []byte(`{"images":[{"id":1}],"categories":[{"id":3}]}`))
	require.NoError(t, err)
	const wantDT = "want a COCO results array [{image_id, category_id, bbox, score}, ...]"
	for _, c := range []struct{ name, data, want string }{
		{"empty", "", "metrics: dt.json: empty or truncated JSON, " + wantDT + ": EOF"},
		{"truncated", `[{"image_id":1,"category_id":3,"bbox":[0,0,1,1],"score":1}`,
			"metrics: dt.json: empty or truncated JSON, " + wantDT + ": unexpected EOF"},
		{"NaN (not JSON)", `[{"image_id":1,"category_id":3,"bbox":[0,0,1,1],"score":NaN}]`,
			"metrics: dt.json:1: malformed JSON (invalid character 'N' looking for beginning of value), " + wantDT},
		{"two arrays", `[{"image_id":1,"category_id":3,"bbox":[0,0,1,1],"score":0.5}] []`,
			"metrics: dt.json:1: data after the results array, want one array"},
	} {
		_, err := ParseCOCOResults("dt.json", []byte(c.data), gt)
		assert.EqualError(t, err, c.want, c.name)
	}
}
