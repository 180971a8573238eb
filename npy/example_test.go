package npy_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/detparity/detparity/npy"
)

// A tensor dumped from Python with np.save("t.npy", x.astype(np.float16))
// reads back as float32 values with its shape.
func Example() {
	dir, _ := os.MkdirTemp("", "npy")
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "t.npy")
	half := []npy.Half{npy.HalfOf(0.5), npy.HalfOf(1.0 / 3), npy.HalfOf(114.0 / 255)}
	if err := npy.WriteFile(p, []int{1, 3, 1, 1}, half); err != nil {
		fmt.Println(err)
		return
	}
	a, err := npy.ReadFile(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a, a.Float32())
	// Output: float16 (1, 3, 1, 1) [0.5 0.33325195 0.44702148]
}
