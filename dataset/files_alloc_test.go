package dataset

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadImageFileAllocatesOnce: a file is read into one buffer of its size
// (plus bytes.MinRead), not grown to twice its size to read the end of file.
func TestReadImageFileAllocatesOnce(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.jpg")
	// 100 bytes short of a multiple of 8 KiB (large allocations are rounded up
	// to pages): room for the file but not for bytes.MinRead after it.
	data := make([]byte, 37*8192-100)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	got, err := ReadImageFile(p)
	require.NoError(t, err)
	assert.Len(t, got, len(data))
	assert.Less(t, cap(got), len(data)+8192+512, "one buffer of the file's size, not twice it")
}
