//go:build !amd64

package letterbox

// haveAVX2 is false off amd64: fusedRow runs its pure-Go loop.
var haveAVX2 = false

func fusedPairsAVX2(r0, r1 *uint8, offs *int32, wts *uint32, n int, b0, b1 int32, out0, out1, out2, lut0, lut1, lut2 *float32) {
	panic("letterbox: fusedPairsAVX2 called without AVX2")
}
