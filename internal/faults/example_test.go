package faults_test

import (
	"fmt"

	"github.com/detparity/detparity/internal/faults"
)

// A test sets Hook to see (or act at) the points a piece of work passes.
func ExampleAt() {
	faults.Hook = func(point string) { fmt.Println("at", point) }
	defer func() { faults.Hook = nil }()
	faults.At("outset.staged")
	// Output:
	// at outset.staged
}
