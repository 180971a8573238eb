//go:build linux && cgo

package detect_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/detect"
)

// TestUnmapLargeAllocations: on glibc (the machines detparity supports:
// Debian's OpenCV 4.6) mallopt accepts the threshold.
func TestUnmapLargeAllocations(t *testing.T) {
	require.True(t, detect.UnmapLargeAllocations(), "mallopt(M_MMAP_THRESHOLD, %d) refused", detect.MmapThreshold)
}
