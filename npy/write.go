package npy

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Write writes data as a version 1.0 .npy array of the given shape, as
// np.save does: data is a []float32 ('<f4'), []Half ('<f2'), []uint8 ('|u1')
// or []float64 ('<f8') in C order, and len(data) must be the product of
// shape. The header lists the keys in numpy's sorted order and is padded with
// spaces to a multiple of 64 bytes; the same input gives the same bytes.
func Write(w io.Writer, shape []int, data any) error {
	var descr string
	var n int
	switch d := data.(type) {
	case []float32:
		descr, n = "<f4", len(d)
	case []Half:
		descr, n = "<f2", len(d)
	case []uint8:
		descr, n = "|u1", len(d)
	case []float64:
		descr, n = "<f8", len(d)
	default:
		return fmt.Errorf("npy: Write: data is %T, expected []float32, []npy.Half, []uint8 or []float64", data)
	}
	want, err := count(shape)
	if err != nil {
		return fmt.Errorf("npy: Write: shape %s: %w", ShapeString(shape), err)
	}
	if int64(n) != want {
		return fmt.Errorf("npy: Write: %d values for shape %s, expected %d", n, ShapeString(shape), want)
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, ShapeString(shape))
	// magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64.
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	if len(hdr) > math.MaxUint16 {
		return fmt.Errorf("npy: Write: header of %d bytes does not fit format 1.0", len(hdr))
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(magic)
	bw.Write([]byte{1, 0})
	binary.Write(bw, binary.LittleEndian, uint16(len(hdr)))
	bw.WriteString(hdr)
	var buf [8]byte
	switch d := data.(type) {
	case []float32:
		for _, v := range d {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			bw.Write(buf[:4])
		}
	case []Half:
		for _, v := range d {
			binary.LittleEndian.PutUint16(buf[:], uint16(v))
			bw.Write(buf[:2])
		}
	case []uint8:
		bw.Write(d)
	case []float64:
		for _, v := range d {
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			bw.Write(buf[:8])
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("npy: Write: %w", err)
	}
	return nil
}

// WriteFile writes data (see Write) to path through a temporary file in the
// same folder renamed into place, so a reader never sees half a file.
func WriteFile(path string, shape []int, data any) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("npy: cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := Write(tmp, shape, data); err != nil {
		tmp.Close()
		return fmt.Errorf("%w (writing %s)", err, path)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("npy: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("npy: writing %s: %w", path, err)
	}
	return nil
}
