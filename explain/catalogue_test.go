package explain_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/detparity/detparity/dataset/opencv" // registers the "opencv" decoder: libjpeg, as cv2.imread
	"github.com/detparity/detparity/explain"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

const catalogue = "../fixtures/explain"

// entry is one line of fixtures/explain/manifest.json.
type entry struct {
	Tensor, Image, Against, Best, What string
	Faults                             []string
}

func loadManifest(t *testing.T) []entry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(catalogue, "manifest.json"))
	require.NoError(t, err)
	var m []entry
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// explainFile explains one committed tensor against one spec string.
func explainFile(t *testing.T, image, tensor, against string) *explain.Explanation {
	t.Helper()
	a, err := npy.ReadFile(filepath.Join(catalogue, tensor))
	require.NoError(t, err)
	spec, err := letterbox.Parse(against)
	require.NoError(t, err)
	e, err := explain.Explain(context.Background(), explain.Input{ImagePath: filepath.Join(catalogue, image),
		Tensor: explain.FromNPY(a), Against: []letterbox.Spec{spec}}, explain.DefaultOptions())
	require.NoError(t, err)
	return e
}

func keys(fs []explain.Finding) []string {
	k := []string{}
	for _, f := range fs {
		k = append(k, f.Key)
	}
	slices.Sort(k)
	return k
}

// TestCatalogue: every tensor of fixtures/explain, written by
// scripts/make_explain_catalogue.py with cv2, PIL and numpy (28 pipelines:
// 26 wrong, 5 of them in several ways, and 2 exact), is
// explained with exactly the faults the manifest lists, by a pipeline that
// reproduces it within the default tolerance (the spec string the manifest
// names, plus a note for what a spec cannot say), and the exact ones are
// "identical to" their spec.
func TestCatalogue(t *testing.T) {
	m := loadManifest(t)
	require.GreaterOrEqual(t, len(m), 16)
	wrong := 0
	for _, c := range m {
		t.Run(strings.TrimSuffix(c.Tensor, ".npy"), func(t *testing.T) {
			e := explainFile(t, c.Image, c.Tensor, c.Against)
			words := strings.Join(e.Words(), "\n")
			want := slices.Clone(c.Faults)
			slices.Sort(want)
			assert.Equal(t, want, keys(e.Findings), "%s (%s):\n%s", c.Tensor, c.What, words)
			assert.Equal(t, c.Best, e.Best, words)
			assert.True(t, e.BestExact, words)
			last := e.Words()[len(e.Words())-1]
			if len(c.Faults) == 0 {
				assert.True(t, e.Identical, words)
				assert.True(t, strings.HasPrefix(last, "identical to "+e.Against+" "), last)
				assert.Zero(t, e.VsAgainst.Differing)
			} else {
				assert.False(t, e.Identical, words)
				assert.True(t, strings.HasPrefix(last, "this accounts for all of it: the tensor is "+c.Best), last)
				if e.DType != npy.Float64 { // float64 values equal sg-coco's once read as float32
					assert.Positive(t, e.VsAgainst.MaxAbs)
				}
			}
		})
		if len(c.Faults) > 0 {
			wrong++
		}
	}
	assert.GreaterOrEqual(t, wrong, 15)
}
