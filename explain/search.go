package explain

import (
	"context"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

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

// trial is one hypothesis to fit: a geometry and an interpolation.
type trial struct {
	g  geom
	in letterbox.Interp
}

// fitAll fits the trials for src on every core: the renders it lacks are
// made in parallel, then the fits; the results come back in trial order, so
// whatever picks among them is deterministic.
func (s *searcher) fitAll(src *source, trials []trial) []fitted {
	out := make([]fitted, len(trials))
	if s.ctx.Err() != nil {
		return out // the caller's search ends with the context's error
	}
	var keys []rkey
	seen := map[rkey]bool{}
	for _, t := range trials {
		k := rkey{src, t.g.rw, t.g.rh, t.in}
		if _, ok := s.resized[k]; !ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	imgs := make([]frame.Image, len(keys))
	parallel(len(keys), func(i int) { k := keys[i]; imgs[i] = letterbox.Resize(k.src.img, k.w, k.h, k.interp) })
	for i, k := range keys {
		s.resized[k] = imgs[i]
	}
	parallel(len(trials), func(i int) {
		t := trials[i]
		out[i] = s.c.fit(t.g, s.resized[rkey{src, t.g.rw, t.g.rh, t.in}])
	})
	return out
}

// parallel runs f(0..n-1) on GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
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
		Order: frame.RGB, Scale: 1, Std: [3]float64{1, 1, 1}}
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

// score fits every candidate for src with interpolation pre (the spec's
// own, cheap to render for linear) and returns the residuals and the best
// (the first among equals).
func (s *searcher) score(src *source, cands []cand, pre letterbox.Interp) ([]float64, int, fitted) {
	trials := make([]trial, len(cands))
	for i, cd := range cands {
		trials[i] = trial{cd.g, pre}
	}
	fits := s.fitAll(src, trials)
	scores := make([]float64, len(cands))
	bi := 0
	for i, f := range fits {
		scores[i] = f.sse
		if better(f.sse, fits[bi].sse) {
			bi = i
		}
	}
	return scores, bi, fits[bi]
}

// shortlist is the candidates worth fitting with every interpolation: the
// three best by score and those that put the image exactly where the
// tensor's padding says it is (with another interpolation than the tensor's
// a near miss can score better than the right geometry), in candidate order.
func (s *searcher) shortlist(cands []cand, scores []float64) []int {
	idx := make([]int, len(cands))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool { return scores[idx[x]] < scores[idx[y]] })
	short := idx[:min(len(idx), 3)]
	box := geom{s.box.w, s.box.h, s.box.x0, s.box.y0}
	for i, cd := range cands {
		if s.box.hasPad && cd.g == box && !slices.Contains(short, i) {
			short = append(short, i)
		}
	}
	sort.Ints(short)
	return short
}

// interps are the interpolations tried, in order of preference among equals.
var interps = []letterbox.Interp{letterbox.Linear, letterbox.Area, letterbox.Cubic, letterbox.PILLinear,
	letterbox.Nearest, letterbox.NearestExact}

// joint fits every shortlisted geometry with every interpolation (pre, the
// spec's own, first) and returns the best pair (the first among equals).
func (s *searcher) joint(src *source, cands []cand, short []int, pre letterbox.Interp) (int, letterbox.Interp, fitted) {
	list := []letterbox.Interp{pre}
	for _, in := range interps {
		if in != pre {
			list = append(list, in)
		}
	}
	var trials []trial
	var who []int
	for _, i := range short {
		for _, in := range list {
			trials = append(trials, trial{cands[i].g, in})
			who = append(who, i)
		}
	}
	fits := s.fitAll(src, trials)
	b := 0
	for j, f := range fits {
		if better(f.sse, fits[b].sse) {
			b = j
		}
	}
	return who[b], trials[b].in, fits[b]
}

// search fits src's candidates (scoring, shortlist, joint fit).
func (s *searcher) search(src *source, cands []cand, pre letterbox.Interp) (int, letterbox.Interp, fitted) {
	scores, _, _ := s.score(src, cands, pre)
	return s.joint(src, cands, s.shortlist(cands, scores), pre)
}
