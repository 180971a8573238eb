package explain

import (
	"context"
	"sort"

	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
)

// param is one setting of the geometry keys of a spec (mode, inner,
// rounding, anchor) that produces a geom for the image.
type param struct {
	mode   letterbox.Mode
	inner  int
	round  letterbox.Rounding
	anchor letterbox.Anchor
}

// cand is a geometry hypothesis: where the content sits, and every spec
// setting that puts it there (none: no spec can, e.g. off-by-one placements).
type cand struct {
	g      geom
	params []param
	// sized lists settings that give the same resized size but another
	// placement, for describing an unusual placement relative to them.
	sized []param
}

// searcher holds what the search reuses: the canvas, the decoded sources
// and the resized images already rendered.
type searcher struct {
	ctx     context.Context
	c       *canvas
	box     padBox
	specs   []letterbox.Spec // the pipelines compared against, at the tensor's size
	resized map[rkey]frame.Image
}

type rkey struct {
	src    *source
	w, h   int
	interp letterbox.Interp
}

// render returns src resized to w x h with interp (cached).
func (s *searcher) render(src *source, w, h int, in letterbox.Interp) frame.Image {
	k := rkey{src, w, h, in}
	if r, ok := s.resized[k]; ok {
		return r
	}
	r := letterbox.Resize(src.img, w, h, in)
	s.resized[k] = r
	return r
}

// candidates lists the geometry hypotheses for a sw x sh source: the
// geometries of the specs compared against first, then stretch and every
// letterbox with an inner side the specs or the content box suggest, each
// rounding and each anchor, then the content box found in the tensor
// itself, and centre placements with the odd pixel on the other side.
func (s *searcher) candidates(sw, sh int) []cand {
	W, H := s.c.w, s.c.h
	var out []cand
	index := map[geom]int{}
	add := func(g geom, p *param) {
		i, ok := index[g]
		if !ok {
			i = len(out)
			index[g] = i
			out = append(out, cand{g: g})
		}
		if p != nil {
			out[i].params = append(out[i].params, *p)
		}
	}
	inners := []int{}
	for _, sp := range s.specs {
		if sp.Mode == letterbox.Letterbox {
			inners = append(inners, sp.Inner)
		}
	}
	if W == H {
		long := s.box.w
		if sh > sw {
			long = s.box.h
		}
		inners = append(inners, 0, long, long+1, long-1)
	} else {
		inners = append(inners, 0)
	}
	params := []param{}
	for _, sp := range s.specs {
		params = append(params, param{sp.Mode, sp.Inner, sp.Round, sp.Anchor})
	}
	params = append(params, param{mode: letterbox.Stretch})
	for _, in := range inners {
		if in < 0 || in > W || (in > 0 && W != H) {
			continue
		}
		for _, r := range []letterbox.Rounding{letterbox.RoundHalfEven, letterbox.Truncate, letterbox.Ceil} {
			for _, a := range []letterbox.Anchor{letterbox.Center, letterbox.TopLeft, letterbox.BottomRight} {
				params = append(params, param{letterbox.Letterbox, in, r, a})
			}
		}
	}
	for i := range params {
		if g, ok := geometryOf(params[i], sw, sh, W, H); ok {
			add(g, &params[i])
		}
	}
	n := len(out)
	for i := 0; i < n; i++ {
		g := out[i].g
		if g.rw < W || g.rh < H { // centre with the odd pixel top/left instead
			add(geom{g.rw, g.rh, (W - g.rw + 1) / 2, (H - g.rh + 1) / 2}, nil)
		}
	}
	add(geom{s.box.w, s.box.h, s.box.x0, s.box.y0}, nil)
	for i := range out {
		if len(out[i].params) > 0 {
			continue
		}
		for j := range out {
			if out[j].g.rw == out[i].g.rw && out[j].g.rh == out[i].g.rh {
				out[i].sized = append(out[i].sized, out[j].params...)
			}
		}
	}
	return out
}

// geometryOf is where a spec with the geometry keys p puts a sw x sh image
// in a W x H tensor, computed by letterbox itself (false when the spec
// refuses the image).
func geometryOf(p param, sw, sh, W, H int) (geom, bool) {
	sp := letterbox.Spec{Name: "candidate", Mode: p.mode, Inner: p.inner, Round: p.round, Anchor: p.anchor,
		Order: frame.RGB, Scale: 1}
	if W == H {
		sp.Size = W
	} else {
		sp.Width, sp.Height = W, H
	}
	pl, err := sp.Plan(sw, sh)
	if err != nil {
		return geom{}, false
	}
	g := pl.Geometry()
	if g.DstW != W || g.DstH != H {
		return geom{}, false
	}
	return geom{g.ResizedW, g.ResizedH, g.PadLeft, g.PadTop}, true
}

// geometry returns the candidate that fits the tensor best for src with
// interpolation in (the first among equals). Every candidate is scored with
// interpolation pre (the spec's own, cheap to render for linear); when in is
// another, the closest few (residual within 4 times the best, at most 4)
// are fitted again with in, which is where interpolations differ least
// from pre's ranking and cost most to render.
func (s *searcher) geometry(src *source, cands []cand, pre, in letterbox.Interp) (int, fitted) {
	scores := make([]float64, len(cands))
	bi, bf := -1, fitted{}
	for i, cd := range cands {
		if s.ctx.Err() != nil {
			return max(bi, 0), bf
		}
		f := s.c.fit(cd.g, s.render(src, cd.g.rw, cd.g.rh, pre))
		scores[i] = f.sse
		if bi < 0 || better(f.sse, bf.sse) {
			bi, bf = i, f
		}
	}
	if in == pre {
		return bi, bf
	}
	short := make([]int, 0, len(cands))
	for i := range cands {
		if scores[i] <= 4*scores[bi]+1e-12 {
			short = append(short, i)
		}
	}
	sort.SliceStable(short, func(x, y int) bool { return scores[short[x]] < scores[short[y]] })
	short = short[:min(len(short), 4)]
	sort.Ints(short) // back to candidate order, so equals resolve as in the first pass
	bi = -1
	for _, i := range short {
		cd := cands[i]
		f := s.c.fit(cd.g, s.render(src, cd.g.rw, cd.g.rh, in))
		if bi < 0 || better(f.sse, bf.sse) {
			bi, bf = i, f
		}
	}
	return bi, bf
}

// interps are the interpolations tried, in order of preference among equals.
var interps = []letterbox.Interp{letterbox.Linear, letterbox.Area, letterbox.Cubic, letterbox.PILLinear,
	letterbox.Nearest, letterbox.NearestExact}

// bestInterp fits g for src with every interpolation (the spec's own first)
// and returns the best.
func (s *searcher) bestInterp(src *source, g geom, prefer letterbox.Interp) (letterbox.Interp, fitted) {
	list := append([]letterbox.Interp{prefer}, interps...)
	bi, bf := prefer, fitted{}
	for i, in := range list {
		if i > 0 && in == prefer {
			continue
		}
		f := s.c.fit(g, s.render(src, g.rw, g.rh, in))
		if i == 0 || better(f.sse, bf.sse) {
			bi, bf = in, f
		}
	}
	return bi, bf
}
