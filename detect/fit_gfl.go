package detect

import (
	"fmt"
	"math"
)

// GFL heads (Generalized Focal Loss: NanoDet, NanoDet-Plus, PicoDet): sigmoid class scores and, per box side, a
// distribution over the bins 0..R whose expectation times the stride is the distance from the cell's centre.
// Sources are cited on LayoutNanoDetPlus, LayoutNanoDet and LayoutPicoDet.

var gflStrideSets = [][]int{{8, 16, 32}, {8, 16, 32, 64}}

// gflCells finds the stride set whose ceil-sized grids have n cells.
func (s *Signature) gflCells(n int64) ([]int, bool) {
	for _, st := range gflStrideSets {
		if int64(gridCells(s.Width, s.Height, st, true)) == n {
			return st, true
		}
	}
	return nil, false
}

func (s *Signature) gflCellsError(n int64) error {
	return s.bad("a GFL head on a %dx%d input has %d (strides 8/16/32) or %d (8..64) cells of ceil(size/stride) "+
		"grids, the output has %d rows", s.Width, s.Height, gridCells(s.Width, s.Height, gflStrideSets[0], true),
		gridCells(s.Width, s.Height, gflStrideSets[1], true), n)
}

// fitGFLConcat checks one [B,N,C+4*(R+1)] output; the split of the last dimension is read from values.
func fitGFLConcat(s *Signature) error {
	x, y, err := s.oneRank3()
	if err != nil {
		return err
	}
	if y < 9 {
		return s.bad("want [B,N,C+4*(R+1)] with C >= 1 and R >= 1, got %v", s.Outputs[0].Shape)
	}
	s.Anchors = max(0, int(x))
	if s.RegMax == 0 {
		s.p.needValues = true
	}
	if !s.sized() || x < 0 {
		return nil
	}
	st, ok := s.gflCells(x)
	if !ok {
		return s.gflCellsError(x)
	}
	s.Strides, s.p.cellsFixed = st, true
	return nil
}

// gflSplit reads the class count from a probe run: the leading columns whose values all lie in [0, 1] (sigmoid
// scores; the distribution logits that follow do not). The rest must be 4*(R+1) columns with R >= 1; a count that
// leaves anything else is refused rather than cut to fit (a YOLOX row, whose x offset may stay in [0, 1] on a zero
// input, must not pass as a one-class GFL head).
func gflSplit(s *Signature, outs []Output) error {
	o := outs[0]
	v := imageOf(o, 0)
	d := int(o.Shape[2])
	n := len(v) / d
	c := 0
	for c < d {
		if _, _, bad := outsideUnit(v, n, d, c); bad {
			break
		}
		c++
	}
	if c >= 1 && (d-c)%4 == 0 && (d-c)/4 >= 2 {
		s.NumClasses, s.RegMax = c, (d-c)/4-1
		return nil
	}
	return s.bad("on a zero run the first %d of the %d columns lie in [0, 1] (sigmoid class scores); the %d after "+
		"them are not 4*(R+1) distribution logits with R >= 1", c, d, d-c)
}

func gflEvidence(s *Signature) (bool, string) {
	if !s.p.cellsFixed {
		return false, ""
	}
	return true, fmt.Sprintf("%s wants N = %d cells of ceil grids over strides %s, got %d", s.Layout,
		gridCells(s.Width, s.Height, s.Strides, true), stridesText(s.Strides), s.Anchors)
}

// integral is the expectation of the distribution softmax(logits) over bins 0..R, in float32.
func integral(logits []float32) float32 {
	p := make([]float32, len(logits))
	copy(p, logits)
	softmax32(p)
	sum := float32(0)
	for i, x := range p {
		sum += x * float32(i)
	}
	return sum
}

// gflCentres lists each cell's (x, y, stride), levels in stride order, rows then columns.
func gflCentres(w, h int, strides []int) []gridCell {
	var cells []gridCell
	for _, st := range strides {
		for y := range (h + st - 1) / st {
			for x := range (w + st - 1) / st {
				cells = append(cells, gridCell{float32(x), float32(y), float32(st)})
			}
		}
	}
	return cells
}

// rawNanoDet decodes image b of the concatenated NanoDet output: centre (x+off)*stride, distances
// integral*stride, boxes clamped to the input (distance2bbox with max_shape).
func rawNanoDet(s *Signature, outs []Output, b int, off float32) ([]float32, []float32, int, int) {
	o := outs[0]
	v := imageOf(o, b)
	d := int(o.Shape[2])
	c, bins := s.NumClasses, s.RegMax+1
	cells := gflCentres(s.Width, s.Height, s.Strides)
	n := len(cells)
	boxes, scores := make([]float32, 4*n), make([]float32, n*c)
	fw, fh := float32(s.Width), float32(s.Height)
	for i, g := range cells {
		r := v[i*d : (i+1)*d]
		copy(scores[i*c:(i+1)*c], r[:c])
		cx, cy := (g.x+off)*g.stride, (g.y+off)*g.stride
		var dist [4]float32
		for k := range 4 {
			dist[k] = integral(r[c+k*bins:c+(k+1)*bins]) * g.stride
		}
		clamp := func(x, hi float32) float32 { return min(hi, max(0, x)) }
		boxes[4*i] = clamp(cx-dist[0], fw)
		boxes[4*i+1] = clamp(cy-dist[1], fh)
		boxes[4*i+2] = clamp(cx+dist[2], fw)
		boxes[4*i+3] = clamp(cy+dist[3], fh)
	}
	return boxes, scores, n, c
}

func sanityGFLConcat(s *Signature, outs []Output, b int) error {
	o := outs[0]
	v := imageOf(o, b)
	d := int(o.Shape[2])
	if p := unitCheck("class score", v, len(v)/d, d, 0, s.NumClasses); p != "" {
		return s.implausible(b, "%s", p)
	}
	return nil
}

var famNanoDetPlus = &family{
	layout:   LayoutNanoDetPlus,
	describe: "[B,N,C+4*(R+1)] sigmoid scores + box distributions, centres at cell corners (NanoDet-Plus)",
	fit:      fitGFLConcat,
	evidence: gflEvidence,
	values:   gflSplit,
	sanity:   sanityGFLConcat,
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		return rawNanoDet(s, outs, b, 0)
	},
}

var famNanoDet = &family{
	layout:   LayoutNanoDet,
	describe: "[B,N,C+4*(R+1)] sigmoid scores + box distributions, centres at cell centres (NanoDet GFL head)",
	fit:      fitGFLConcat,
	evidence: gflEvidence,
	values:   gflSplit,
	sanity:   sanityGFLConcat,
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		return rawNanoDet(s, outs, b, 0.5)
	},
}

// ---- picodet: per-level class and distribution outputs ----

func fitPicoDet(s *Signature) error {
	outs := s.Outputs
	l := len(outs) / 2
	if len(outs)%2 != 0 || l < 3 || l > 4 {
		return s.bad("want per level a class-score output [B,L,C] then per level a distribution output " +
			"[B,L,4*(R+1)], 3 or 4 levels")
	}
	for _, o := range outs {
		if !isF(o) || len(o.Shape) != 3 || !s.batchOK(o) || o.Shape[2] <= 0 || !s.dimOK(o.Shape[1]) {
			return s.bad("want float32 outputs [B,L,C] and [B,L,4*(R+1)]")
		}
	}
	c, d := outs[0].Shape[2], outs[l].Shape[2]
	if d%4 != 0 || d < 8 {
		return s.bad("distribution outputs end in %d, want 4*(R+1) with R >= 1", d)
	}
	var total int64
	for i := range l {
		if outs[i].Shape[2] != c || outs[l+i].Shape[2] != d || outs[i].Shape[1] != outs[l+i].Shape[1] {
			return s.bad("level %d: want class scores [B,L,%d] and distributions [B,L,%d] with the same L", i, c, d)
		}
		total += outs[i].Shape[1]
	}
	s.NumClasses, s.RegMax, s.Anchors = int(c), int(d/4-1), max(0, int(total))
	if !s.sized() || total < 0 {
		return nil
	}
	st := gflStrideSets[l-3]
	for i, stride := range st {
		want := int64(((s.Height + stride - 1) / stride) * ((s.Width + stride - 1) / stride))
		if outs[i].Shape[1] != want {
			return s.bad("level %d (stride %d) of a %dx%d input has %d cells, output %q has %d", i, stride, s.Width,
				s.Height, want, outs[i].Name, outs[i].Shape[1])
		}
	}
	s.Strides, s.p.cellsFixed = st, true
	return nil
}

var famPicoDet = &family{
	layout:   LayoutPicoDet,
	describe: "per level scores [B,L,C] (sigmoid) then per level distributions [B,L,4*(R+1)] (PicoDet)",
	fit:      fitPicoDet,
	evidence: gflEvidence,
	sanity: func(s *Signature, outs []Output, b int) error {
		c := s.NumClasses
		for _, o := range outs[:len(outs)/2] {
			v := imageOf(o, b)
			if p := unitCheck("class score", v, len(v)/c, c, 0, c); p != "" {
				return s.implausible(b, "output %q: %s", o.Name, p)
			}
		}
		return nil
	},
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		l := len(outs) / 2
		c, bins := s.NumClasses, s.RegMax+1
		var boxes, scores []float32
		for i, st := range s.Strides {
			cv, dv := imageOf(outs[i], b), imageOf(outs[l+i], b)
			cols := (s.Width + st - 1) / st
			fs := float32(st)
			for k := range len(cv) / c {
				ax, ay := float32(k%cols)+0.5, float32(k/cols)+0.5
				var dist [4]float32
				for j := range 4 {
					dist[j] = integral(dv[k*4*bins+j*bins : k*4*bins+(j+1)*bins])
				}
				boxes = append(boxes, (ax-dist[0])*fs, (ay-dist[1])*fs, (ax+dist[2])*fs, (ay+dist[3])*fs)
				scores = append(scores, cv[k*c:(k+1)*c]...)
			}
		}
		return boxes, scores, len(boxes) / 4, c
	},
}

// ---- fastestdet ----

var famFastestDet = &family{
	layout:   LayoutFastestDet,
	describe: "[B,5+C,H',W'] per cell obj, box (tanh xy, sigmoid wh, normalised), softmax classes (FastestDet)",
	fit: func(s *Signature) error {
		outs := s.Outputs
		if len(outs) != 1 || !isF(outs[0]) || len(outs[0].Shape) != 4 {
			return s.bad("want one float32 output of rank 4 [B,5+C,H',W']")
		}
		o := outs[0]
		ch, gh, gw := o.Shape[1], o.Shape[2], o.Shape[3]
		if ch < 6 || !s.dimOK(gh) || !s.dimOK(gw) || !s.batchOK(o) {
			return s.bad("want [B,5+C,H',W'] with C >= 1, got %v", o.Shape)
		}
		s.NumClasses = int(ch - 5)
		s.role["out"] = 0
		if !s.sized() || gh < 0 || gw < 0 {
			return nil
		}
		if s.Width%int(gw) != 0 || s.Height%int(gh) != 0 || s.Width/int(gw) != s.Height/int(gh) {
			return s.bad("a %dx%d map is not a whole-stride grid of the %dx%d input", gw, gh, s.Width, s.Height)
		}
		s.Strides, s.Anchors, s.p.cellsFixed = []int{s.Width / int(gw)}, int(gw*gh), true
		return nil
	},
	evidence: func(s *Signature) (bool, string) {
		return s.p.cellsFixed, fmt.Sprintf("fastestdet: one rank-4 map, stride %v", s.Strides)
	},
	sanity: func(s *Signature, outs []Output, b int) error {
		o := outs[0]
		v := imageOf(o, b)
		cells := int(o.Shape[2] * o.Shape[3])
		if p := unitCheck("objectness", v[:cells], cells, 1, 0, 1); p != "" {
			return s.implausible(b, "%s", p)
		}
		if p := unitCheck("class score", v[5*cells:], s.NumClasses*cells, 1, 0, 1); p != "" {
			return s.implausible(b, "%s", p)
		}
		return nil
	},
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		o := outs[0]
		v := imageOf(o, b)
		gh, gw := int(o.Shape[2]), int(o.Shape[3])
		cells, c := gh*gw, s.NumClasses
		boxes, scores := make([]float32, 4*cells), make([]float32, cells*c)
		fw, fh := float32(s.Width), float32(s.Height)
		at := func(ch, i int) float32 { return v[ch*cells+i] }
		for i := range cells {
			gy, gx := i/gw, i%gw
			bw, bh := sigmoid32(at(3, i)), sigmoid32(at(4, i))
			bcx := (tanh32(at(1, i)) + float32(gx)) / float32(gw)
			bcy := (tanh32(at(2, i)) + float32(gy)) / float32(gh)
			x1, y1 := bcx-0.5*bw, bcy-0.5*bh
			x2, y2 := bcx+0.5*bw, bcy+0.5*bh
			boxes[4*i], boxes[4*i+1], boxes[4*i+2], boxes[4*i+3] = x1*fw, y1*fh, x2*fw, y2*fh
			obj := pow32(at(0, i), 0.6)
			for k := range c {
				scores[i*c+k] = obj * pow32(at(5+k, i), 0.4)
			}
		}
		return boxes, scores, cells, c
	},
}

func sigmoid32(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }
func tanh32(x float32) float32    { return float32(math.Tanh(float64(x))) }
func pow32(x, y float32) float32  { return float32(math.Pow(float64(x), float64(y))) }
