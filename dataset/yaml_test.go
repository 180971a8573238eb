package dataset_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
)

// TestNamesYAMLMatchesPyYAML: the class names ParseNamesYAML reads equal, case by case,
// the names Ultralytics gets from the same data YAML: PyYAML's safe_load (YAML 1.1
// typing: yes -> True, 010 -> 8, 1.50 -> 1.5, ...) then str() of each value, as written
// to testdata/pyyaml_names.json by scripts/pyyaml_names.py with the real PyYAML.
func TestNamesYAMLMatchesPyYAML(t *testing.T) {
	b, err := os.ReadFile("testdata/pyyaml_names.json")
	require.NoError(t, err)
	var file struct {
		Cases []struct {
			YAML  string   `json:"yaml"`
			Names []string `json:"names"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(b, &file))
	require.NotEmpty(t, file.Cases)
	for _, c := range file.Cases {
		names, err := dataset.ParseNamesYAML("data.yaml", c.YAML)
		require.NoError(t, err, c.YAML)
		assert.Equal(t, c.Names, names, c.YAML)
	}
}
