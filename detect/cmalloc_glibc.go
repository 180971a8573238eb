//go:build linux && cgo

package detect

/*
#include <malloc.h>

// detparity_fix_mmap_threshold is mallopt(M_MMAP_THRESHOLD, n) on glibc, and
// 0 (nothing done) on another C library.
static int detparity_fix_mmap_threshold(int n) {
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
	return mallopt(M_MMAP_THRESHOLD, n);
#else
	(void)n;
	return 0;
#endif
}
*/
import "C"

func fixMmapThreshold(n int) bool { return C.detparity_fix_mmap_threshold(C.int(n)) == 1 }
