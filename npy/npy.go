// Package npy reads and writes NumPy .npy files: the tensors a user's own
// preprocessing (Python, C++, Rust, Java) dumps so that detparity can compare
// them with a spec's tensor or feed them to the model. It sits beside the
// letterbox step of the data path:
//
//	image file -> dataset (decode) -> letterbox (tensor)   <- npy (a tensor another program wrote)
//	                                        \-> explain (what differs) / parity (the engine)
//
// The format is NumPy's own description in numpy/lib/format.py (numpy 1.24,
// as shipped by Debian bookworm's python3-numpy): the magic "\x93NUMPY", a
// major and minor version byte, a little-endian header length (uint16 for
// version 1.0, uint32 for 2.0 and 3.0), a header that is the Python literal of
// a dict {'descr': ..., 'fortran_order': ..., 'shape': (...)} (latin1 for
// 1.0/2.0, UTF-8 for 3.0) padded with spaces and ended by '\n', then the raw
// array bytes.
//
// Supported: versions 1.0, 2.0 and 3.0; element types float32 ('<f4'),
// float16 ('<f2'), uint8 ('|u1') and float64 ('<f8'); any rank (shape () is a
// single value); C order. Big-endian arrays ('>f4', '>f2', '>f8') are
// converted on reading: the byte order is part of the dtype and carries no
// meaning for a tensor, so refusing them would only make users call
// .astype('<f4'). Fortran-ordered arrays (fortran_order True) are refused
// with a message saying to save np.ascontiguousarray(a): reordering them
// silently would hide the mistake of a transposed dump. Object and structured
// dtypes, and any other element type, are refused naming the dtype found.
//
// Why not github.com/sbinet/npyio (v0.6.0, the maintained Go reader): it
// has no float16 (the natural type of a dumped half-precision tensor), no
// version 3.0, allocates whatever header length a file claims (up to 4 GiB),
// and locates the header keys by position, so a header whose keys are not in
// numpy's sorted order (the format says readers must not depend on it) is
// misread. This reader is small, checks every length against the file size
// before allocating, and is fuzzed (FuzzRead).
package npy

import (
	"math"
)

// DType names the element types this package reads and writes.
const (
	// Float32 is numpy's float32, descr '<f4'.
	Float32 = "float32"
	// Float16 is numpy's float16 (IEEE 754 half precision), descr '<f2'.
	Float16 = "float16"
	// Uint8 is numpy's uint8, descr '|u1'.
	Uint8 = "uint8"
	// Float64 is numpy's float64, descr '<f8'.
	Float64 = "float64"
)

// MaxHeaderLen is the longest header accepted, in bytes: numpy's own
// _MAX_HEADER_SIZE (numpy/lib/format.py, numpy >= 1.24), above which np.load
// refuses a header unless allow_pickle=True.
const MaxHeaderLen = 10000

// MaxDataBytes is the largest array accepted, in bytes of data: 1 GiB, about
// 200 float32 tensors of 3x640x640 in one file. Larger arrays are refused
// before anything is allocated.
const MaxDataBytes = 1 << 30

// Array is one array read from a .npy file: its shape and element type, and
// its values. The values keep their type (a float16 file is not widened
// until asked); Float32 converts.
type Array struct {
	// Shape is the array shape in C order (the last axis varies fastest).
	// An empty shape is a single value.
	Shape []int
	// DType is Float32, Float16, Uint8 or Float64.
	DType string

	f32 []float32
	f16 []Half
	u8  []uint8
	f64 []float64
}

// Len is the number of elements: the product of Shape (1 for shape ()).
func (a *Array) Len() int {
	switch a.DType {
	case Float32:
		return len(a.f32)
	case Float16:
		return len(a.f16)
	case Uint8:
		return len(a.u8)
	case Float64:
		return len(a.f64)
	}
	return 0
}

// Float32 returns the values as float32 in C order, in a new slice: float16
// and uint8 values convert exactly, float64 values are rounded to the
// nearest float32.
func (a *Array) Float32() []float32 {
	out := make([]float32, a.Len())
	switch a.DType {
	case Float32:
		copy(out, a.f32)
	case Float16:
		for i, h := range a.f16 {
			out[i] = h.Float32()
		}
	case Uint8:
		for i, v := range a.u8 {
			out[i] = float32(v)
		}
	case Float64:
		for i, v := range a.f64 {
			out[i] = float32(v)
		}
	}
	return out
}

// Uint8 returns the values of a uint8 array (shared with the Array, do not
// modify), or nil for other element types.
func (a *Array) Uint8() []uint8 { return a.u8 }

// String describes the array as numpy would print its dtype and shape:
// "float32 (1, 3, 640, 640)".
func (a *Array) String() string { return a.DType + " " + ShapeString(a.Shape) }

// Half is an IEEE 754 binary16 value (numpy's float16), as its bits.
type Half uint16

// Float32 converts h to float32 exactly (every half value is a float32
// value), including subnormals, infinities and NaN.
func (h Half) Float32() float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// Subnormal half: man * 2^-24, exact in float32.
	f := float32(man) * (1.0 / (1 << 24))
	if sign != 0 {
		return -f
	}
	return f
}

// HalfOf rounds f to the nearest IEEE 754 binary16 value, ties to even, as
// numpy's astype(np.float16) does. Values beyond the half range become ±Inf;
// NaN stays NaN.
func HalfOf(f float32) Half {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	man := b & 0x7fffff
	if exp == 0xff { // Inf or NaN
		if man != 0 {
			return Half(sign | 0x7e00)
		}
		return Half(sign | 0x7c00)
	}
	e := exp - 127 + 15 // half exponent
	if e >= 0x1f {
		return Half(sign | 0x7c00)
	}
	if e <= 0 {
		// Subnormal half (or zero): k * 2^-24 with k the 24-bit mantissa
		// (implicit 1 included) shifted right by 14-e, rounded to nearest even;
		// k = 1024 is the smallest normal, which the bits encode correctly.
		if e < -10 {
			return Half(sign) // rounds to zero (below half of the smallest subnormal)
		}
		m := man | 0x800000
		shift := uint(14 - e)
		return Half(sign | uint16(roundShift(m, shift)))
	}
	// Normal: keep 10 mantissa bits, round to nearest even; a carry into the
	// exponent (and to Inf) is handled by the addition.
	v := uint32(e)<<10 | man>>13
	rest := man & 0x1fff
	if rest > 0x1000 || (rest == 0x1000 && v&1 == 1) {
		v++
	}
	return Half(sign | uint16(v))
}

// roundShift is m >> shift rounded to the nearest integer, ties to even.
func roundShift(m uint32, shift uint) uint32 {
	q := m >> shift
	rest := m & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rest > half || (rest == half && q&1 == 1) {
		q++
	}
	return q
}
