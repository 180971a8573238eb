package detect

// MmapThreshold is the block size from which UnmapLargeAllocations has the C
// library map and unmap each allocation: glibc's own initial threshold.
const MmapThreshold = 128 << 10

// UnmapLargeAllocations makes the C heap (ONNX Runtime's, OpenCV's) give large
// blocks back to the system when they are freed: on glibc it sets the mmap
// threshold to MmapThreshold and so turns off glibc's dynamic threshold
// (mallopt(3), M_MMAP_THRESHOLD), as MALLOC_MMAP_THRESHOLD_=131072 in the
// environment would. Dynamically, glibc raises the threshold to the largest
// mapped block freed (up to 32 MiB on 64-bit), after which blocks of that size
// come from its per-thread arenas, which keep them when freed: a session's
// creation frees tens of MB of such blocks, and in a long run the arenas of the
// loader and worker threads keep what they held at their peaks. It reports
// whether the setting was applied (false where the C library is not glibc). The
// detparity command calls it at start; it is process-wide, so the library leaves
// it to its program. BENCHMARKS.md has its effect on a 10 000-image run.
func UnmapLargeAllocations() bool { return fixMmapThreshold(MmapThreshold) }
