package dataset

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNamesFromOptions: a dataset without a names file takes Options.Names (the
// model's metadata names), and a names file, when there is one, still wins.
func TestNamesFromOptions(t *testing.T) {
	dir := t.TempDir()
	o := DefaultOptions()
	o.Names, o.NamesSource = []string{"person", "car"}, "the model's metadata"
	names, src, err := readNames([]string{dir}, o)
	require.NoError(t, err)
	assert.Equal(t, []string{"person", "car"}, names)
	assert.Equal(t, "the model's metadata", src)
	_, _, err = readNames([]string{dir}, DefaultOptions())
	assert.ErrorContains(t, err, "no class names file")
}
