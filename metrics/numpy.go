package metrics

import (
	"math"
	"sort"
)

// This file reproduces, operation for operation, the few numpy routines whose floating
// point results the reference evaluators (pycocotools, Ultralytics) print, so that our
// numbers agree with theirs to the last bit where the inputs do.

// pairwiseSum is numpy's float64 add.reduce of a contiguous 1-D array
// (numpy/core/src/umath/loops_utils.h, pairwise_sum): fewer than 8 values are added
// left to right; up to 128 values go through 8 interleaved partial sums combined as
// ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) and the remainder added in order; longer arrays
// are split at n/2 rounded down to a multiple of 8 and the halves summed recursively.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		s := 0.0
		for _, v := range a {
			s += v
		}
		return s
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range 8 {
				r[j] += a[i+j]
			}
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += a[i]
		}
		return s
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}

// npBufSize is numpy's default ufunc buffer size: a reduction over a longer array is
// fed to the inner loop in chunks of this many elements.
const npBufSize = 8192

// npSum is np.add.reduce of a contiguous float64 array: starting from 0, the pairwise
// sum of each chunk of [npBufSize] values is added in turn.
func npSum(a []float64) float64 {
	s := 0.0
	for len(a) > 0 {
		n := min(len(a), npBufSize)
		s += pairwiseSum(a[:n])
		a = a[n:]
	}
	return s
}

// npMean is np.mean of a float64 array: [npSum] divided by the length. It is NaN for
// an empty array, as numpy's.
func npMean(a []float64) float64 {
	return npSum(a) / float64(len(a))
}

// linspace is np.linspace(start, stop, num) (endpoint included, num >= 2): value i is
// i*step + start with step = (stop-start)/(num-1), and the last value is exactly stop.
func linspace(start, stop float64, num int) []float64 {
	out := make([]float64, num)
	step := (stop - start) / float64(num-1)
	for i := range out {
		out[i] = float64(i)*step + start
	}
	out[num-1] = stop
	return out
}

// interp is np.interp(x, xp, fp, left, right) for one x and increasing xp (len >= 1),
// following numpy's compiled arr_interp: below xp[0] left, above xp[last] right, at or
// beyond the last knot fp[last], on a knot its fp, otherwise the line through the knots
// j and j+1 where j is the last index with xp[j] <= x.
func interp(x float64, xp, fp []float64, left, right float64) float64 {
	n := len(xp)
	if math.IsNaN(x) {
		return x
	}
	if x < xp[0] {
		return left
	}
	if x > xp[n-1] {
		return right
	}
	j := sort.Search(n, func(i int) bool { return xp[i] > x }) - 1
	if j == n-1 || xp[j] == x {
		return fp[j]
	}
	slope := (fp[j+1] - fp[j]) / (xp[j+1] - xp[j])
	v := slope*(x-xp[j]) + fp[j]
	if math.IsNaN(v) {
		v = slope*(x-xp[j+1]) + fp[j+1]
		if math.IsNaN(v) && fp[j] == fp[j+1] {
			v = fp[j]
		}
	}
	return v
}

// trapz is np.trapz(y, x): the pairwise sum of (x[i+1]-x[i]) * (y[i+1]+y[i]) / 2.
func trapz(y, x []float64) float64 {
	if len(y) < 2 {
		return 0
	}
	terms := make([]float64, len(y)-1)
	for i := range terms {
		terms[i] = (x[i+1] - x[i]) * (y[i+1] + y[i]) / 2.0
	}
	return npSum(terms)
}
