package metrics

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseCOCOResultEntries: integer and string image ids (Ultralytics writes
// the file stem as a string when it is not a number) are kept as written, with
// the line of each entry; ParseCOCOResults refuses a string id.
func TestParseCOCOResultEntries(t *testing.T) {
	data := []byte("[\n{\"image_id\":397133,\"category_id\":1,\"bbox\":[1,2,3,4],\"score\":0.5},\n" +
		"{\"image_id\":\"cam_b_007\",\"category_id\":3,\"bbox\":[5,6,7,8],\"score\":0.25},\n\n" +
		"  {\"image_id\":7.0,\"category_id\":2.0,\"bbox\":[0,0,1,1],\"score\":1}\n]\n")
	es, err := ParseCOCOResultEntries("p.json", data)
	require.NoError(t, err)
	assert.Equal(t, []COCOResultEntry{
		{Image: "397133", CategoryID: 1, BBox: [4]float64{1, 2, 3, 4}, Score: 0.5, Index: 0, Line: 2},
		{Image: "cam_b_007", ImageIsString: true, CategoryID: 3, BBox: [4]float64{5, 6, 7, 8}, Score: 0.25, Index: 1, Line: 3},
		{Image: "7", CategoryID: 2, BBox: [4]float64{0, 0, 1, 1}, Score: 1, Index: 2, Line: 5},
	}, es)
	gt := &COCOGroundTruth{Path: "gt.json", Images: []COCOImage{{ID: 397133}, {ID: 7}}}
	_, err = ParseCOCOResults("p.json", data, gt)
	require.Error(t, err)
	assert.Equal(t, `metrics: p.json:3: result 1: image_id: a JSON string, want a number`, err.Error())
	for _, c := range []struct{ json, want string }{
		{`[{"image_id":true,"category_id":1,"bbox":[1,2,3,4],"score":1}]`, "p.json:1: result 0: image_id: a JSON boolean, want an integer or a string"},
		{`[{"image_id":1.5,"category_id":1,"bbox":[1,2,3,4],"score":1}]`, "result 0: image_id: 1.5, want an integer"},
		{`[{"category_id":1,"bbox":[1,2,3,4],"score":1}]`, "result 0: image_id: missing, want an integer or a string"},
		{`[{"image_id":null,"category_id":1,"bbox":[1,2,3,4],"score":1}]`, "result 0: image_id: missing, want an integer or a string"},
	} {
		_, err := ParseCOCOResultEntries("p.json", []byte(c.json))
		require.Error(t, err, c.json)
		assert.Contains(t, err.Error(), c.want)
	}
}
