package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"unicode/utf8"
)

// magic is the first six bytes of every .npy file.
const magic = "\x93NUMPY"

// ReadFile reads the .npy file at path. It refuses anything that is not a
// regular file (a FIFO or a device could block or never end) before opening
// it, and checks the header's shape and element type against the file size
// before allocating: a file must hold exactly the header and the array's
// bytes. Errors name the file and say what was expected.
func ReadFile(path string) (*Array, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("npy: %s is not a regular file (%s), expected a .npy file", path, st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	defer f.Close()
	return read(f, path, st.Size())
}

// Read reads one .npy array from r; name identifies the source in errors.
// The reader must end right after the array's bytes. Memory grows with the
// bytes actually read, so a header claiming a huge array costs nothing
// before the data is there.
func Read(r io.Reader, name string) (*Array, error) { return read(r, name, -1) }

// header is the parsed .npy header.
type header struct {
	major, minor int
	descr        string
	fortran      bool
	shape        []int
	dataOffset   int64 // bytes before the array data
}

// read reads an array; size is the total byte count when known (a file), else -1.
func read(r io.Reader, name string, size int64) (*Array, error) {
	h, err := readHeader(r, name)
	if err != nil {
		return nil, err
	}
	dtype, itemSize, order, err := parseDescr(h.descr)
	if err != nil {
		return nil, fmt.Errorf("npy: %s: %w", name, err)
	}
	if h.fortran {
		return nil, fmt.Errorf("npy: %s: fortran_order is True (column-major data), expected C order: save np.ascontiguousarray(a) instead", name)
	}
	n, err := count(h.shape)
	if err != nil {
		return nil, fmt.Errorf("npy: %s: shape %s: %w", name, ShapeString(h.shape), err)
	}
	if n > MaxDataBytes/int64(itemSize) {
		return nil, fmt.Errorf("npy: %s: %s array of shape %s is %d bytes, more than the limit of %d (MaxDataBytes)",
			name, dtype, ShapeString(h.shape), n*int64(itemSize), int64(MaxDataBytes))
	}
	nbytes := n * int64(itemSize)
	if size >= 0 && size != h.dataOffset+nbytes {
		return nil, fmt.Errorf("npy: %s: file is %d bytes, expected %d (a %d-byte header and %d bytes of %s data for shape %s)",
			name, size, h.dataOffset+nbytes, h.dataOffset, nbytes, dtype, ShapeString(h.shape))
	}
	data, err := io.ReadAll(io.LimitReader(r, nbytes+1))
	if err != nil {
		return nil, fmt.Errorf("npy: %s: reading the data: %w", name, err)
	}
	if int64(len(data)) != nbytes {
		what := "more"
		if int64(len(data)) < nbytes {
			what = "only " + strconv.Itoa(len(data))
		}
		return nil, fmt.Errorf("npy: %s: %s bytes of data after the header, expected %d (%s, shape %s)",
			name, what, nbytes, dtype, ShapeString(h.shape))
	}
	a := &Array{Shape: h.shape, DType: dtype}
	decode(a, data, int(n), order)
	return a, nil
}

// decode fills a's values from the raw data.
func decode(a *Array, data []byte, n int, order binary.ByteOrder) {
	switch a.DType {
	case Uint8:
		a.u8 = data
	case Float16:
		a.f16 = make([]Half, n)
		for i := range a.f16 {
			a.f16[i] = Half(order.Uint16(data[2*i:]))
		}
	case Float32:
		a.f32 = make([]float32, n)
		for i := range a.f32 {
			a.f32[i] = math.Float32frombits(order.Uint32(data[4*i:]))
		}
	case Float64:
		a.f64 = make([]float64, n)
		for i := range a.f64 {
			a.f64[i] = math.Float64frombits(order.Uint64(data[8*i:]))
		}
	}
}

// count is the number of elements of shape, refusing negative dimensions
// and products beyond int64.
func count(shape []int) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, errors.New("negative dimension, expected sizes >= 0")
		}
		if d != 0 && n > math.MaxInt64/int64(d) {
			return 0, errors.New("too many elements")
		}
		n *= int64(d)
	}
	return n, nil
}

// readHeader reads the magic, the version, the header length and the header
// dictionary.
func readHeader(r io.Reader, name string) (header, error) {
	var pre [10]byte
	if n, err := io.ReadFull(r, pre[:8]); err != nil {
		return header{}, fmt.Errorf("npy: %s: %d bytes, expected a .npy file (at least 10 bytes starting with \\x93NUMPY)", name, n)
	}
	if string(pre[:6]) != magic {
		return header{}, fmt.Errorf("npy: %s: starts with %q, expected the .npy magic \\x93NUMPY (is it a .npy file? .npz archives are not read)", name, pre[:6])
	}
	h := header{major: int(pre[6]), minor: int(pre[7])}
	var hlen int
	switch {
	case h.major == 1 && h.minor == 0:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return header{}, fmt.Errorf("npy: %s: truncated before the header length", name)
		}
		hlen = int(binary.LittleEndian.Uint16(pre[8:10]))
		h.dataOffset = 10
	case (h.major == 2 || h.major == 3) && h.minor == 0:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return header{}, fmt.Errorf("npy: %s: truncated before the header length", name)
		}
		v := binary.LittleEndian.Uint32(l[:])
		if v > MaxHeaderLen {
			return header{}, fmt.Errorf("npy: %s: header length %d, expected at most %d (MaxHeaderLen, numpy's own limit)", name, v, MaxHeaderLen)
		}
		hlen = int(v)
		h.dataOffset = 12
	default:
		return header{}, fmt.Errorf("npy: %s: format version %d.%d, expected 1.0, 2.0 or 3.0", name, h.major, h.minor)
	}
	if hlen > MaxHeaderLen {
		return header{}, fmt.Errorf("npy: %s: header length %d, expected at most %d (MaxHeaderLen, numpy's own limit)", name, hlen, MaxHeaderLen)
	}
	buf := make([]byte, hlen)
	if n, err := io.ReadFull(r, buf); err != nil {
		return header{}, fmt.Errorf("npy: %s: header is %d bytes long but the file ends after %d", name, hlen, n)
	}
	h.dataOffset += int64(hlen)
	if h.major < 3 {
		buf = latin1ToUTF8(buf)
	} else if !utf8.Valid(buf) {
		return header{}, fmt.Errorf("npy: %s: version 3.0 header is not valid UTF-8", name)
	}
	d, err := parseDict(buf)
	if err != nil {
		return header{}, fmt.Errorf("npy: %s: header %q: %w", name, clip(buf), err)
	}
	h.descr, h.fortran, h.shape = d.descr, d.fortran, d.shape
	return h, nil
}

// clip shortens a header for an error message.
func clip(b []byte) string {
	b = bytes.TrimRight(b, " \n")
	if len(b) > 120 {
		return string(b[:120]) + "..."
	}
	return string(b)
}

// latin1ToUTF8 maps each byte to the code point of the same value.
func latin1ToUTF8(b []byte) []byte {
	ascii := true
	for _, c := range b {
		ascii = ascii && c < 0x80
	}
	if ascii {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

// parseDescr maps a numpy dtype string to one of the supported types: a
// byte-order character ('<' little, '>' big, '|' not applicable, '='
// native, which numpy never writes but is little-endian here) and f4, f2, u1
// or f8.
func parseDescr(d string) (dtype string, size int, order binary.ByteOrder, err error) {
	bad := fmt.Errorf("dtype %q, expected float32 ('<f4'), float16 ('<f2'), uint8 ('|u1') or float64 ('<f8'): convert with a.astype(np.float32)", d)
	if len(d) != 3 {
		return "", 0, nil, bad
	}
	switch d[0] {
	case '<', '|', '=':
		order = binary.LittleEndian
	case '>':
		order = binary.BigEndian
	default:
		return "", 0, nil, bad
	}
	switch d[1:] {
	case "f4":
		return Float32, 4, order, nil
	case "f2":
		return Float16, 2, order, nil
	case "f8":
		return Float64, 8, order, nil
	case "u1":
		return Uint8, 1, order, nil
	}
	return "", 0, nil, bad
}
