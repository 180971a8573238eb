package detect

import (
	"fmt"
	"math"
)

// PriorBoxes says how an SSD-style head's priors (default boxes) are generated for an input size, as the
// family's own code does it. The generator is general: any input size, any strides and sizes; UltraFacePriors and
// RetinaFacePriors are the two families' configurations.
type PriorBoxes struct {
	// Name identifies the configuration in messages.
	Name string
	// Strides are the feature strides, one per level; a level's map is ceil(H/stride) x ceil(W/stride).
	Strides []int
	// MinSizes are each level's square prior sizes in input pixels.
	MinSizes [][]float64
	// MapCentres places centres at (i+0.5)/map_size (UltraFace's generate_priors: shrinkage = size/map) rather
	// than (i+0.5)*stride/size (RetinaFace's PriorBox); they differ where the size is not a multiple of the stride.
	MapCentres bool
	// Clip clamps the priors to [0, 1].
	Clip bool
	// Variances are the centre and size variances the offsets are scaled by.
	Variances [2]float32
	// X2FromX1 computes the corner as x2 = x1 + w (RetinaFace's decode) instead of cx + w/2 (UltraFace's
	// center_form_to_corner_form).
	X2FromX1 bool
}

// UltraFacePriors is Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB's configuration
// (vision/ssd/config/fd_config.py: min_boxes, shrinkage from the feature maps of strides 8, 16, 32, 64,
// center_variance 0.1, size_variance 0.2; vision/utils/box_utils.py generate_priors with clamp=True).
var UltraFacePriors = PriorBoxes{Name: "UltraFace", Strides: []int{8, 16, 32, 64},
	MinSizes: [][]float64{{10, 16, 24}, {32, 48}, {64, 96}, {128, 192, 256}}, MapCentres: true, Clip: true,
	Variances: [2]float32{0.1, 0.2}}

// RetinaFacePriors is biubug6/Pytorch_Retinaface's configuration (data/config.py cfg_mnet and cfg_re50:
// min_sizes [[16, 32], [64, 128], [256, 512]], steps 8, 16, 32, variance 0.1, 0.2, clip False;
// layers/functions/prior_box.py; utils/box_utils.py decode).
var RetinaFacePriors = PriorBoxes{Name: "RetinaFace", Strides: []int{8, 16, 32},
	MinSizes: [][]float64{{16, 32}, {64, 128}, {256, 512}}, Variances: [2]float32{0.1, 0.2}, X2FromX1: true}

// Count is the number of priors for a w x h input.
func (p *PriorBoxes) Count(w, h int) int {
	n := 0
	for k, st := range p.Strides {
		n += ((h + st - 1) / st) * ((w + st - 1) / st) * len(p.MinSizes[k])
	}
	return n
}

// Generate returns the priors for a w x h input as [n*4] cx, cy, w, h normalised to 0..1, in the family's order
// (level, row, column, size) and float32 rounding of the float64 values (torch.Tensor of Python floats).
func (p *PriorBoxes) Generate(w, h int) []float32 {
	out := make([]float32, 0, 4*p.Count(w, h))
	fw, fh := float64(w), float64(h)
	for k, st := range p.Strides {
		mw, mh := (w+st-1)/st, (h+st-1)/st
		// UltraFace: scale = size / shrinkage with shrinkage = size / map, in float64 as Python computes it.
		sw, sh := fw/(fw/float64(mw)), fh/(fh/float64(mh))
		for j := range mh {
			for i := range mw {
				var cx, cy float64
				if p.MapCentres {
					cx, cy = (float64(i)+0.5)/sw, (float64(j)+0.5)/sh
				} else {
					cx, cy = (float64(i)+0.5)*float64(st)/fw, (float64(j)+0.5)*float64(st)/fh
				}
				for _, m := range p.MinSizes[k] {
					v := [4]float64{cx, cy, m / fw, m / fh}
					for _, x := range v {
						if p.Clip {
							x = min(1, max(0, x))
						}
						out = append(out, float32(x))
					}
				}
			}
		}
	}
	return out
}

// decode turns one row's offsets into a box x1y1x2y2 in input pixels, in float32 as the family's decode does.
func (p *PriorBoxes) decode(dst []float32, loc, prior []float32, w, h int) {
	v0, v1 := p.Variances[0], p.Variances[1]
	cx := float32(float32(loc[0]*v0)*prior[2]) + prior[0]
	cy := float32(float32(loc[1]*v0)*prior[3]) + prior[1]
	bw := float32(math.Exp(float64(float32(loc[2]*v1)))) * prior[2]
	bh := float32(math.Exp(float64(float32(loc[3]*v1)))) * prior[3]
	var x1, y1, x2, y2 float32
	if p.X2FromX1 {
		x1, y1 = cx-bw/2, cy-bh/2
		x2, y2 = x1+bw, y1+bh
	} else {
		x1, y1, x2, y2 = cx-bw/2, cy-bh/2, cx+bw/2, cy+bh/2
	}
	fw, fh := float32(w), float32(h)
	dst[0], dst[1], dst[2], dst[3] = x1*fw, y1*fh, x2*fw, y2*fh
}

// ---- ssd (decoded) ----

var famSSD = &family{
	layout:          LayoutSSD,
	describe:        "scores [B,N,C+1] softmax with background column 0 + boxes [B,N,4] x1y1x2y2 normalised (SSD)",
	autoNeedsValues: true,
	fit: func(s *Signature) error {
		_, so, err := s.boxesAndScores("scores")
		if err != nil {
			return err
		}
		if so.Shape[2] < 2 {
			return s.bad("want scores [B,N,C+1] with a background column and C >= 1, got %v", so.Shape)
		}
		s.NumClasses = int(so.Shape[2]) - 1
		return nil
	},
	sanity: func(s *Signature, outs []Output, b int) error {
		bo, so := imageOf(outs[s.role["boxes"]], b), imageOf(outs[s.role["scores"]], b)
		n, w := len(bo)/4, s.NumClasses+1
		if err := s.softmaxCheck(b, so, n, w, 0); err != nil {
			return err
		}
		if i, ok := orderedBoxes(bo, n, 4, 0); !ok {
			return s.implausible(b, "row %d has x2 < x1 or y2 < y1 (%v): decoded SSD boxes are centre -/+ "+
				"exp(.)*prior/2; offsets to priors look like this", i, bo[4*i:4*i+4])
		}
		if p := unitBoxesCheck(maxAbs(bo, n, 4, 0, 4)); p != "" {
			return s.implausible(b, "%s", p)
		}
		return nil
	},
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		bo, so := imageOf(outs[s.role["boxes"]], b), imageOf(outs[s.role["scores"]], b)
		n, c := len(bo)/4, s.NumClasses
		fw, fh := float32(s.Width), float32(s.Height)
		boxes, scores := make([]float32, 4*n), make([]float32, n*c)
		for i := range n {
			boxes[4*i], boxes[4*i+1], boxes[4*i+2], boxes[4*i+3] = bo[4*i]*fw, bo[4*i+1]*fh, bo[4*i+2]*fw, bo[4*i+3]*fh
			copy(scores[i*c:(i+1)*c], so[i*(c+1)+1:(i+1)*(c+1)])
		}
		return boxes, scores, n, c
	},
}

// softmaxCheck refuses scores outside [0, 1] or rows (columns off..off+w-1 of rows of stride) not summing to 1.
func (s *Signature) softmaxCheck(b int, v []float32, n, stride, off int) error {
	w := s.NumClasses + 1
	if p := unitCheck("score", v, n, stride, off, off+w); p != "" {
		return s.implausible(b, "%s", p)
	}
	if n > 0 && !rowsSumToOne(v, n, stride, off, off+w) {
		return s.implausible(b, "the %d score columns do not sum to 1 in every row: not softmax scores with a "+
			"background column", w)
	}
	return nil
}

// notDecodedCheck refuses offsets to priors that look like decoded boxes (every row x1 <= x2, y1 <= y2).
func (s *Signature) notDecodedCheck(b int, v []float32, n, stride, off int) error {
	if _, ordered := orderedBoxes(v, n, stride, off); ordered && n >= 8 {
		return s.implausible(b, "every row has x1 <= x2 and y1 <= y2 like decoded boxes; offsets to priors "+
			"(dx, dy, dw, dh) have no such order")
	}
	return nil
}

// priorsFor generates the priors of cfg for s's size and checks their count against n rows.
func (s *Signature) priorsFor(cfg *PriorBoxes, n int64) error {
	s.p.priors = cfg
	if !s.sized() || n < 0 {
		return nil
	}
	if c := cfg.Count(s.Width, s.Height); int64(c) != n {
		return s.bad("%s priors for a %dx%d input number %d (strides %s), the outputs have %d rows", cfg.Name,
			s.Width, s.Height, c, stridesText(cfg.Strides), n)
	}
	s.Strides = cfg.Strides
	s.p.cellsFixed = true
	return nil
}

func priorEvidence(s *Signature) (bool, string) {
	if !s.p.cellsFixed {
		return false, ""
	}
	return true, fmt.Sprintf("%s wants N = %d %s priors, got %d", s.Layout, s.Anchors, s.p.priors.Name, s.Anchors)
}

// rawPriors decodes image b: loc rows (stride ls, offset lo) and score rows (stride ss, offset so, background
// first) against s's priors; logits are soft-maxed first.
func (s *Signature) rawPriors(loc []float32, ls, lo int, sc []float32, ss, so int, logits bool) ([]float32,
	[]float32, int, int) {
	pri := s.p.priors.Generate(s.Width, s.Height)
	n, c := len(pri)/4, s.NumClasses
	boxes, scores := make([]float32, 4*n), make([]float32, n*c)
	row := make([]float32, c+1)
	for i := range n {
		s.p.priors.decode(boxes[4*i:], loc[i*ls+lo:], pri[4*i:], s.Width, s.Height)
		copy(row, sc[i*ss+so:i*ss+so+c+1])
		if logits {
			softmax32(row)
		}
		copy(scores[i*c:(i+1)*c], row[1:])
	}
	return boxes, scores, n, c
}

// softmax32 is torch's float32 softmax of a small vector: exp(x - max) / sum.
func softmax32(v []float32) {
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	sum := float32(0)
	for i, x := range v {
		v[i] = float32(math.Exp(float64(x - m)))
		sum += v[i]
	}
	for i := range v {
		v[i] /= sum
	}
}

// ---- ssd-priors (UltraFace without post-processing) ----

var famSSDPriors = &family{
	layout:   LayoutSSDPriors,
	describe: "scores [B,N,C+1] softmax + boxes [B,N,4] offsets to UltraFace priors (SSD without decode)",
	fit: func(s *Signature) error {
		bo, so, err := s.boxesAndScores("scores")
		if err != nil {
			return err
		}
		if so.Shape[2] < 2 {
			return s.bad("want scores [B,N,C+1] with a background column and C >= 1, got %v", so.Shape)
		}
		s.NumClasses = int(so.Shape[2]) - 1
		return s.priorsFor(&UltraFacePriors, bo.Shape[1])
	},
	evidence: priorEvidence,
	sanity: func(s *Signature, outs []Output, b int) error {
		bo, so := imageOf(outs[s.role["boxes"]], b), imageOf(outs[s.role["scores"]], b)
		n := len(bo) / 4
		if err := s.softmaxCheck(b, so, n, s.NumClasses+1, 0); err != nil {
			return err
		}
		return s.notDecodedCheck(b, bo, n, 4, 0)
	},
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		bo, so := imageOf(outs[s.role["boxes"]], b), imageOf(outs[s.role["scores"]], b)
		return s.rawPriors(bo, 4, 0, so, s.NumClasses+1, 0, false)
	},
}

// ---- retinaface ----

var famRetinaFace = &family{
	layout:   LayoutRetinaFace,
	describe: "loc [B,N,4] + conf [B,N,2] (+ landmarks [B,N,10]), or one [B,N,16|6], offsets to RetinaFace priors",
	fit:      fitRetinaFace,
	evidence: priorEvidence,
	values: func(s *Signature, outs []Output) error {
		if _, ok := s.role["out"]; !ok {
			return nil
		}
		o := outs[0]
		v := imageOf(o, 0)
		w := int(o.Shape[2])
		n := len(v) / w
		s.p.logits = !rowsSumToOne(v, n, w, 4, 6)
		return nil
	},
	sanity: func(s *Signature, outs []Output, b int) error {
		loc, ls, lo, sc, ss, so := s.retinaRoles(outs, b)
		n := len(loc) / ls
		if !s.p.logits {
			if err := s.softmaxCheck(b, sc, n, ss, so); err != nil {
				return err
			}
		}
		return s.notDecodedCheck(b, loc, n, ls, lo)
	},
	raw: func(s *Signature, outs []Output, b int) ([]float32, []float32, int, int) {
		loc, ls, lo, sc, ss, so := s.retinaRoles(outs, b)
		return s.rawPriors(loc, ls, lo, sc, ss, so, s.p.logits)
	},
}

// retinaRoles returns image b's loc and conf data with their row strides and column offsets.
func (s *Signature) retinaRoles(outs []Output, b int) (loc []float32, ls, lo int, sc []float32, ss, so int) {
	if i, ok := s.role["out"]; ok {
		v := imageOf(outs[i], b)
		w := int(outs[i].Shape[2])
		return v, w, 0, v, w, 4
	}
	return imageOf(outs[s.role["boxes"]], b), 4, 0, imageOf(outs[s.role["scores"]], b), s.NumClasses + 1, 0
}

func fitRetinaFace(s *Signature) error {
	outs := s.Outputs
	var n int64
	switch len(outs) {
	case 1:
		if _, y, err := s.oneRank3(); err != nil {
			return err
		} else if y != 16 && y != 6 {
			return s.bad("want one [B,N,16] (loc 4, conf 2, landmarks 10) or [B,N,6], got %v", outs[0].Shape)
		}
		s.NumClasses, n = 1, outs[0].Shape[1]
		s.p.needValues = true
	case 2:
		bo, so, err := s.boxesAndScores("conf")
		if err != nil {
			return err
		}
		if so.Shape[2] < 2 {
			return s.bad("want conf [B,N,C+1] with a background column, got %v", so.Shape)
		}
		s.NumClasses, n = int(so.Shape[2])-1, bo.Shape[1]
	case 3:
		idx := map[int64]int{}
		for i, o := range outs {
			if !isF(o) || len(o.Shape) != 3 || !s.batchOK(o) {
				return s.bad("want three float32 outputs loc [B,N,4], conf [B,N,2], landmarks [B,N,10]")
			}
			idx[o.Shape[2]] = i
		}
		l, okL := idx[4]
		c, okC := idx[2]
		k, okK := idx[10]
		if !okL || !okC || !okK || outs[l].Shape[1] != outs[c].Shape[1] || outs[l].Shape[1] != outs[k].Shape[1] ||
			!s.dimOK(outs[l].Shape[1]) {
			return s.bad("want loc [B,N,4], conf [B,N,2] and landmarks [B,N,10] with the same N")
		}
		s.role["boxes"], s.role["scores"], s.role["landmarks"] = l, c, k
		s.NumClasses, n = 1, outs[l].Shape[1]
	default:
		return s.bad("want loc, conf (and landmarks) outputs, or one concatenated [B,N,16]")
	}
	s.Anchors = max(0, int(n))
	return s.priorsFor(&RetinaFacePriors, n)
}
