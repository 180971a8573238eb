package npy_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detparity/detparity/npy"
)

// FuzzRead: any bytes as a .npy stream. Invariants: no panic; an error names
// the source; a success has Len() equal to the product of Shape, a
// supported DType, and writes back (Write) to a file that reads to the same
// shape and values. Seeds: every file of testdata/ plus testdata/fuzz/FuzzRead.
// Run with `go test ./npy -run '^$' -fuzz '^FuzzRead$' -fuzztime 60s` or
// scripts/fuzz.sh.
func FuzzRead(f *testing.F) {
	files, err := filepath.Glob("testdata/*.npy")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files in testdata/: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fz/tensor.npy"
		a, err := npy.Read(bytes.NewReader(data), name)
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error does not name the source: %v", err)
			}
			return
		}
		n := 1
		for _, d := range a.Shape {
			n *= d
		}
		if a.Len() != n {
			t.Fatalf("Len %d, shape %v has %d elements", a.Len(), a.Shape, n)
		}
		var out bytes.Buffer
		var werr error
		switch a.DType {
		case npy.Float32, npy.Float16, npy.Float64:
			werr = npy.Write(&out, a.Shape, a.Float32())
		case npy.Uint8:
			werr = npy.Write(&out, a.Shape, a.Uint8())
		default:
			t.Fatalf("unknown dtype %q", a.DType)
		}
		if werr != nil {
			t.Fatalf("write back: %v", werr)
		}
		b, err := npy.Read(&out, "back")
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
		if len(b.Shape) != len(a.Shape) || b.Len() != a.Len() {
			t.Fatalf("read back %v, want %v", b, a)
		}
		av, bv := a.Float32(), b.Float32()
		for i := range av {
			if math.Float32bits(av[i]) != math.Float32bits(bv[i]) {
				t.Fatalf("value %d: %g back as %g", i, av[i], bv[i])
			}
		}
	})
}
