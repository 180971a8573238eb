package explain

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/detparity/detparity/letterbox"
)

// values is a spec's value transform: t = (v*scale - mean[c]) / std[c]
// (std 1: no division), as letterbox.Spec writes it.
type values struct {
	scale     float64
	mean, std [3]float64
}

func valuesOf(s letterbox.Spec) values { return values{s.Scale, s.Mean, s.Std} }

// affine is the transform as t = a[c]*v + b[c].
func (v values) affine() (a, b [3]float64) {
	for c := 0; c < 3; c++ {
		d := v.std[c]
		if d == 0 {
			d = 1
		}
		a[c], b[c] = v.scale/d, -v.mean[c]/d
	}
	return a, b
}

// sameAffine reports whether two transforms give values within tol of each
// other for every byte 0..255.
func sameAffine(a1, b1, a2, b2 [3]float64, tol float64) bool {
	for c := 0; c < 3; c++ {
		if math.Abs(b1[c]-b2[c]) > tol || math.Abs((a1[c]-a2[c])*255+b1[c]-b2[c]) > tol {
			return false
		}
	}
	return true
}

// snapValues expresses a fitted affine map as a spec's scale, mean and std
// with as few digits as keep every byte's value within tol of the fit: with
// scale 1/255 (mean and std in 0..1 units, ImageNet style), with scale 1
// (0..255 units, (x - 127.5)/128 style), and with the preferred scale when
// it is another; the shortest wins, ties going to prefer.
func snapValues(a, b [3]float64, prefer float64, tol float64) values {
	scales := []float64{prefer}
	for _, s := range []float64{1 / 255.0, 1} {
		if s != prefer {
			scales = append(scales, s)
		}
	}
	best, bestLen := values{scale: prefer}, math.MaxInt
	for _, sc := range scales {
		v := values{scale: sc}
		n := 0
		for c := 0; c < 3 && n < math.MaxInt/4; c++ {
			m, d, l := snapChannel(a[c], b[c], sc, tol)
			v.mean[c], v.std[c] = m, d
			n += l
		}
		if n < bestLen {
			best, bestLen = v, n
		}
	}
	return best
}

// snapChannel finds the mean and std with the fewest digits (up to 8
// each) with (v*sc - mean)/std within tol of a*v + b for v in 0..255. A std
// of 1 is returned as 0 (no division, letterbox's convention).
func snapChannel(a, b, sc, tol float64) (mean, std float64, length int) {
	if a == 0 {
		return 0, 0, math.MaxInt / 4
	}
	fs, fm := sc/a, -b*sc/a
	length = math.MaxInt / 4
	mean, std = fm, fs
	for ds := 0; ds <= 8; ds++ {
		ps := math.Pow(10, float64(ds))
		rs := math.Round(fs*ps) / ps
		if rs == 0 {
			continue
		}
		for dm := 0; dm <= 8; dm++ {
			pm := math.Pow(10, float64(dm))
			rm := math.Round(fm*pm) / pm
			if rm == 0 {
				rm = 0 // not -0
			}
			a2, b2 := sc/rs, -rm/rs
			if math.Abs(b2-b) > tol || math.Abs((a2-a)*255+b2-b) > tol {
				continue
			}
			if l := digits(rs) + digits(rm); l < length {
				mean, std, length = rm, rs, l
			}
		}
	}
	return mean, std, length
}

// digits is the length of x's shortest decimal form as significant digits
// plus decimals: 128 is 3, 127.5 is 5, 0.5 is 2, 0.229 is 6. Counting both
// prefers (x - 127.5)/128 to (x/255 - 0.5)/0.501961 and ImageNet's
// 0.485/0.229 to its 0..255 form 123.675/58.395.
func digits(x float64) int {
	s := strconv.FormatFloat(math.Abs(x), 'f', -1, 64)
	n := len(strings.Trim(strings.Replace(s, ".", "", 1), "0"))
	if _, frac, ok := strings.Cut(s, "."); ok {
		n += len(frac)
	}
	return n
}

// imagenet mean and std (torchvision's, in 0..1 units).
var (
	imagenetMean = [3]float64{0.485, 0.456, 0.406}
	imagenetStd  = [3]float64{0.229, 0.224, 0.225}
)

// describe says in words what the transform does to a byte x.
func (v values) describe() string {
	a, b := v.affine()
	if sameAffine(a, b, [3]float64{1, 1, 1}, [3]float64{}, 1e-9) {
		return "the bytes as floats 0..255 (no /255)"
	}
	d := 1 / 255.0
	if sameAffine(a, b, [3]float64{d, d, d}, [3]float64{}, 1e-9) {
		return "x/255 (0..1)"
	}
	if v.scale == 1/255.0 && close3(v.mean, imagenetMean, 5e-4) && close3(v.std, imagenetStd, 5e-4) {
		return "ImageNet normalisation (x/255 - mean " + triple(v.mean) + ") / std " + triple(v.std)
	}
	if v.scale == 1 && close3(v.mean, scaled(imagenetMean, 255), 0.1) && close3(v.std, scaled(imagenetStd, 255), 0.1) {
		return "ImageNet normalisation in 0..255 units"
	}
	x := "x"
	if v.scale != 1 {
		x = "x/" + num(1/v.scale)
		if 1/v.scale != math.Round(1/v.scale) {
			x = "x*" + num(v.scale)
		}
	}
	if v.std == [3]float64{} || v.std == [3]float64{1, 1, 1} {
		return fmt.Sprintf("%s - %s", x, triple(v.mean))
	}
	return fmt.Sprintf("(%s - %s) / %s", x, triple(v.mean), triple(v.std))
}

func close3(x, y [3]float64, tol float64) bool {
	for c := range x {
		if math.Abs(x[c]-y[c]) > tol {
			return false
		}
	}
	return true
}

func scaled(x [3]float64, s float64) [3]float64 { return [3]float64{x[0] * s, x[1] * s, x[2] * s} }

// num prints a number briefly (up to 6 significant digits).
func num(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

// triple prints one value when the three are equal, else [a, b, c].
func triple(x [3]float64) string {
	if x[0] == x[1] && x[1] == x[2] {
		return num(x[0])
	}
	return "[" + num(x[0]) + ", " + num(x[1]) + ", " + num(x[2]) + "]"
}
