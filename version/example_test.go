package version_test

import (
	"fmt"
	"runtime"

	"github.com/detparity/detparity/version"
)

// A report header line: the module version and the abbreviated revision.
func ExampleInfo_String() {
	info := version.Info{
		Version:  "v0.1.0",
		Revision: "9829ee932056078afd96f19a56993024197e2ac3",
		Modified: true,
	}
	fmt.Println(info)
	// Output: detparity v0.1.0 (rev 9829ee932056, modified)
}

// Get describes the running binary.
func ExampleGet() {
	info := version.Get()
	fmt.Println(info.Go == runtime.Version(), info.Version != "")
	// Output: true true
}
