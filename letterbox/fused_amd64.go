package letterbox

import "golang.org/x/sys/cpu"

// haveAVX2 selects fusedPairsAVX2 for the interior columns of fusedRow. Tests
// switch it off to check the pure-Go loop gives the same bits.
var haveAVX2 = cpu.X86.HasAVX2

// fusedPairsAVX2 is the interior loop of fusedRow for columns [0, n), n a
// multiple of 8, eight columns per step: per source row, one 64-bit load per
// column brings its left and right pixel (bytes o..o+5 of the row, read as
// o..o+7), byte shuffles spread them into per-channel int16 pairs, VPMADDWD
// with the (a0, a1) pairs makes the horizontal sums, VResizeLinear's products
// run in 32-bit lanes, and a gather from each channel's value table gives the
// floats. offs and wts are the columns' byte offsets and weights a0 | a1<<16;
// out and lut are per source channel. Every o+8 must be within the rows.
//
//go:noescape
func fusedPairsAVX2(r0, r1 *uint8, offs *int32, wts *uint32, n int, b0, b1 int32, out0, out1, out2, lut0, lut1, lut2 *float32)
