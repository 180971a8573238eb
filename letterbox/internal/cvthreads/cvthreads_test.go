package cvthreads_test

import (
	"fmt"
	"testing"

	"github.com/detparity/detparity/letterbox/internal/cvthreads"
)

func TestSetGet(t *testing.T) {
	def := cvthreads.Get()
	defer cvthreads.Set(-1)
	for _, n := range []int{1, 2} {
		cvthreads.Set(n)
		if got := cvthreads.Get(); got != n {
			t.Fatalf("after Set(%d), Get() = %d", n, got)
		}
	}
	cvthreads.Set(-1)
	if got := cvthreads.Get(); got != def {
		t.Fatalf("after Set(-1), Get() = %d, want the default %d", got, def)
	}
}

// Example: run OpenCV on one thread, then back to its default.
func Example() {
	cvthreads.Set(1)
	fmt.Println(cvthreads.Get())
	cvthreads.Set(-1)
	// Output: 1
}
