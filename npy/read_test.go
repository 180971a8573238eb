package npy_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/npy"
)

// The files in testdata/ were written by numpy 1.24.2 (Debian bookworm's
// python3-numpy) with scripts/make_npy_testdata.py; see testdata/README.md.

// base is np.arange(120).reshape(2, 3, 4, 5) * 0.25 - 7, the content of the
// f32/f16/f64 files.
func base() []float32 {
	v := make([]float32, 120)
	for i := range v {
		v[i] = float32(float64(i)*0.25 - 7)
	}
	return v
}

func TestReadNumpyFiles(t *testing.T) {
	for _, tc := range []struct {
		file, dtype string
	}{
		{"f32_v1.npy", npy.Float32}, {"f32_v2.npy", npy.Float32}, {"f32_v3.npy", npy.Float32},
		{"f32_big_endian.npy", npy.Float32}, {"f64.npy", npy.Float64}, {"f16.npy", npy.Float16},
		{"f16_big_endian.npy", npy.Float16},
	} {
		t.Run(tc.file, func(t *testing.T) {
			a, err := npy.ReadFile(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			assert.Equal(t, []int{2, 3, 4, 5}, a.Shape)
			assert.Equal(t, tc.dtype, a.DType)
			assert.Equal(t, 120, a.Len())
			// Every value of base is exact in float16 too (quarters below 64).
			assert.Equal(t, base(), a.Float32())
			assert.Equal(t, tc.dtype+" (2, 3, 4, 5)", a.String())
		})
	}
	a, err := npy.ReadFile("testdata/u8.npy")
	require.NoError(t, err)
	assert.Equal(t, npy.Uint8, a.DType)
	for i, v := range a.Uint8() {
		require.Equal(t, uint8(i), v)
	}
	a, err = npy.ReadFile("testdata/scalar.npy")
	require.NoError(t, err)
	assert.Equal(t, []int{}, a.Shape)
	assert.Equal(t, []float32{3.5}, a.Float32())
	a, err = npy.ReadFile("testdata/empty.npy")
	require.NoError(t, err)
	assert.Equal(t, []int{0, 3}, a.Shape)
	assert.Equal(t, 0, a.Len())
	a, err = npy.ReadFile("testdata/vector.npy")
	require.NoError(t, err)
	assert.Equal(t, []int{5}, a.Shape)
	assert.Equal(t, "float32 (5,)", a.String())
}

func TestRefusedNumpyFiles(t *testing.T) {
	for file, want := range map[string]string{
		"fortran.npy":    "fortran_order is True (column-major data), expected C order: save np.ascontiguousarray(a) instead",
		"int64.npy":      `dtype "<i8", expected float32 ('<f4'), float16 ('<f2'), uint8 ('|u1') or float64 ('<f8')`,
		"structured.npy": "structured dtype (descr is a list of fields)",
	} {
		p := filepath.Join("testdata", file)
		_, err := npy.ReadFile(p)
		require.Error(t, err, file)
		assert.Contains(t, err.Error(), p, "the error names the file")
		assert.Contains(t, err.Error(), want)
	}
}

// TestHalfOfMatchesNumpy: HalfOf rounds float32 to float16 exactly as
// numpy's astype(np.float16) (ties to even, subnormals, overflow to inf) on
// 8 000 values, and Half.Float32 is exact: every non-NaN half value survives
// the round trip through float32.
func TestHalfOfMatchesNumpy(t *testing.T) {
	in, err := npy.ReadFile("testdata/half_in.npy")
	require.NoError(t, err)
	out, err := npy.ReadFile("testdata/half_out.npy")
	require.NoError(t, err)
	x, want := in.Float32(), out.Float32()
	require.Equal(t, len(x), len(want))
	require.Greater(t, len(x), 7000)
	for i, v := range x {
		got := npy.HalfOf(v).Float32()
		require.Equal(t, math.Float32bits(want[i]), math.Float32bits(got), "HalfOf(%g) = %g, numpy %g", v, got, want[i])
	}
	for h := 0; h < 1<<16; h++ {
		f := npy.Half(h).Float32()
		if f != f {
			assert.Equal(t, f != f, npy.HalfOf(f).Float32() != npy.HalfOf(f).Float32(), "NaN stays NaN")
			continue
		}
		require.Equal(t, npy.Half(h), npy.HalfOf(f), "half %#04x", h)
	}
}

func TestWriteRoundTrip(t *testing.T) {
	dir := t.TempDir()
	v := base()
	half := make([]npy.Half, len(v))
	f64 := make([]float64, len(v))
	u8 := make([]uint8, len(v))
	for i, x := range v {
		half[i], f64[i], u8[i] = npy.HalfOf(x), float64(x), uint8(i)
	}
	for name, data := range map[string]any{"f32": v, "f16": half, "f64": f64, "u8": u8} {
		p := filepath.Join(dir, name+".npy")
		require.NoError(t, npy.WriteFile(p, []int{2, 3, 4, 5}, data))
		a, err := npy.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, []int{2, 3, 4, 5}, a.Shape)
		if name == "u8" {
			assert.Equal(t, u8, a.Uint8())
		} else {
			assert.Equal(t, v, a.Float32(), name)
		}
	}
	// Same bytes as numpy's np.save for the same array (format 1.0, sorted
	// keys, 64-byte alignment; numpy adds spare spaces for growing the first
	// axis, which only changes the padding).
	var b bytes.Buffer
	require.NoError(t, npy.Write(&b, []int{2, 3, 4, 5}, v))
	ref, err := os.ReadFile("testdata/f32_v1.npy")
	require.NoError(t, err)
	assert.Equal(t, ref[128:], b.Bytes()[len(b.Bytes())-480:], "data bytes")
	assert.Equal(t, 0, (len(b.Bytes())-480)%64, "header aligned to 64 bytes")
	assert.ErrorContains(t, npy.Write(&b, []int{2, 2}, v), "120 values for shape (2, 2), expected 4")
	assert.ErrorContains(t, npy.Write(&b, []int{2}, []int{1, 2}), "data is []int")
	assert.ErrorContains(t, npy.WriteFile(filepath.Join(dir, "no", "x.npy"), []int{1}, []float32{1}), filepath.Join(dir, "no", "x.npy"))
}

// header builds a .npy file with the given version, header text and data.
func header(major byte, dict string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{major, 0})
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(dict)))
	}
	b.WriteString(dict)
	b.Write(data)
	return b.Bytes()
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	four := make([]byte, 16)
	ok := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n"
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"empty":          {nil, "0 bytes, expected a .npy file"},
		"not npy":        {[]byte("PK\x03\x04 zip archive"), `starts with "PK\x03\x04 z", expected the .npy magic`},
		"version 4":      {header(4, ok, four), "format version 4.0, expected 1.0, 2.0 or 3.0"},
		"short header":   {header(1, ok, nil)[:30], "header is 60 bytes long but the file ends after 20"},
		"truncated data": {header(1, ok, four[:10]), "file is 80 bytes, expected 86 (a 70-byte header and 16 bytes of float32 data for shape (2, 2))"},
		"trailing bytes": {header(1, ok, append(four, 0)), "file is 87 bytes, expected 86"},
		"keys reordered": {header(2, "{'shape': (2, 2), 'fortran_order': False, 'descr': '<f4'}\n", four), ""},
		"double quotes":  {header(3, `{"descr": "<f4", "fortran_order": False, "shape": (4,)}`+"\n", four), ""},
		"python2 ints":   {header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 2L), }\n", four), ""},
		"missing key":    {header(1, "{'descr': '<f4', 'shape': (2, 2), }\n", four), `missing key "fortran_order"`},
		"extra key":      {header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}\n", four), `unknown key "x"`},
		"twice":          {header(1, "{'descr': '<f4', 'descr': '<f4', }\n", four), `key "descr" given twice`},
		"int not tuple":  {header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4), }\n", four), "(4) is an int in Python, not a tuple: expected (4,)"},
		"negative":       {header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }\n", four), "expected a non-negative integer"},
		"huge":           {header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }\n", four), "more than the limit of 1073741824 (MaxDataBytes)"},
		"overflow":       {header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776, 1099511627776), }\n", four), "too many elements"},
		"bad bool":       {header(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (4,), }\n", four), "fortran_order: expected True or False"},
		"after dict":     {header(1, ok[:len(ok)-1]+"x\n", four), `unexpected "x\n" after the dict`},
		"long header":    {header(2, ok+strings.Repeat(" ", 20000), four), "header length 20060, expected at most 10000"},
		"not utf8 v3":    {header(3, "{'descr': '<f4\xff', 'fortran_order': False, 'shape': (4,), }\n", four), "not valid UTF-8"},
		"latin1 v1":      {header(1, "{'descr': '<f4\xff', 'fortran_order': False, 'shape': (4,), }\n", four), `dtype "<f4ÿ"`},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".npy")
		require.NoError(t, os.WriteFile(p, tc.data, 0o644))
		a, err := npy.ReadFile(p)
		_, rerr := npy.Read(bytes.NewReader(tc.data), p)
		if tc.want == "" {
			require.NoError(t, err, name)
			require.NoError(t, rerr, name)
			assert.Equal(t, 4, a.Len(), name)
			continue
		}
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), p, name)
		assert.Contains(t, err.Error(), tc.want, name)
		if !strings.HasPrefix(tc.want, "file is") {
			require.Error(t, rerr, name)
			assert.Contains(t, rerr.Error(), tc.want, name)
		}
	}
}

// TestReadStream: Read on a stream (no size known) reports missing and extra
// data in its own words.
func TestReadStream(t *testing.T) {
	ok := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n"
	_, err := npy.Read(bytes.NewReader(header(1, ok, make([]byte, 10))), "pipe")
	assert.EqualError(t, err, "npy: pipe: only 10 bytes of data after the header, expected 16 (float32, shape (2, 2))")
	_, err = npy.Read(bytes.NewReader(header(1, ok, make([]byte, 17))), "pipe")
	assert.EqualError(t, err, "npy: pipe: more bytes of data after the header, expected 16 (float32, shape (2, 2))")
}

// TestNotRegular: a FIFO (which would block a reader forever) and a folder
// are refused before they are opened.
func TestNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "t.npy")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	_, err := npy.ReadFile(fifo)
	assert.EqualError(t, err, "npy: "+fifo+" is not a regular file (p---------), expected a .npy file")
	_, err = npy.ReadFile(dir)
	assert.ErrorContains(t, err, dir+" is not a regular file (d---------)")
	_, err = npy.ReadFile(filepath.Join(dir, "missing.npy"))
	assert.ErrorContains(t, err, "missing.npy: no such file or directory")
}
