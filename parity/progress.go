package parity

import (
	"fmt"
	"slices"
	"strings"

	"github.com/detparity/detparity/letterbox"
)

// Progress is how far Run, Diagnose or CompareBackends has got; their
// Progress callback receives one after each image (from one goroutine at a
// time, in order).
//
// Work comes in phases. Run and CompareBackends have one ("evaluating 160
// images × 2 pipelines", counted in images). Diagnose has two, counted in
// image passes (one image through one spec): "screening 32 images × 40
// specs", where the count of specs is what the search expects to try and
// grows or shrinks as it goes, then "full set: 160 images × 6 specs" for the
// specs the screening could not tell apart. Done starts at 0 in every phase;
// Done == Total ends it, but a phase whose Total was an estimate may end
// before (the next phase, or the return of the call, says it ended).
type Progress struct {
	// Phase says what is being done, with the sizes that make the work.
	Phase string
	// Done and Total count the work of the phase, in Unit.
	Done, Total int
	// Unit is what Done counts: "images" or "image passes".
	Unit string
}

// String is a one-line reading, e.g. "screening 32 images × 40 specs: 96/1280 image passes".
func (p Progress) String() string {
	return fmt.Sprintf("%s: %d/%d %s", p.Phase, p.Done, p.Total, p.Unit)
}

// Progress units.
const (
	unitImages = "images"
	unitPasses = "image passes"
)

// plural is "1 pipeline" or "2 pipelines".
func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// imageProgress adapts the engine's per-image count to a one-phase Progress
// callback (nil when report is nil) and reports the phase's start (0 of
// total images).
func imageProgress(report func(Progress), phase string, total int) func(done, total int) {
	if report == nil {
		return nil
	}
	report(Progress{Phase: phase, Total: total, Unit: unitImages})
	return func(done, total int) {
		report(Progress{Phase: phase, Done: done, Total: total, Unit: unitImages})
	}
}

// startPhase starts a Diagnose phase of total image passes.
func (dg *diagnoser) startPhase(phase string, total int) {
	dg.phase, dg.phaseDone, dg.phaseTot = phase, 0, total
	dg.report()
}

// planScreening sizes the screening phase before a batch of trials runs: the
// specs screened so far, those of the batch that can run, and those the grid
// search still expects from spec's values of the dimensions from gridDims[from]
// on: the values not tried yet once the search is under way (from > 0), every
// value before it (from == 0: the best spec is not known yet, spec stands in
// for it). It is an estimate: the search may adopt a better spec, or stop
// after its first pass. With another pass to come (again), the values of
// every dimension not tried yet are added, and a pass for each family still to
// be tuned (SearchFamilies). The phase starts with the first batch.
func (dg *diagnoser) planScreening(batch []*Trial, spec letterbox.Spec, from int, again bool) {
	specs := dg.screened
	for _, t := range batch {
		if t.Err == "" {
			specs++
		}
	}
	dims := gridDims[from:]
	if again {
		dims = append(slices.Clone(dims), gridDims...)
	}
	specs += dg.variants(spec, dims, from > 0)
	// The families still to be tuned after this search: each a pass of about as
	// many variants as one from spec (their starts are not known yet).
	specs += dg.familiesLeft * dg.variants(spec, gridDims, false)
	phase := "screening " + plural(dg.screening, "image") + " × " + plural(specs, "spec")
	if dg.phase != phase || dg.screened == 0 {
		done := dg.phaseDone
		dg.phase, dg.phaseTot = phase, specs*dg.screening
		if dg.screened == 0 {
			done = 0
		}
		dg.phaseDone = done
		dg.report()
	}
}

// variants counts the distinct specs that varying spec along dims gives and
// that can adapt to the model input, leaving out those tried already when
// skipTried.
func (dg *diagnoser) variants(spec letterbox.Spec, dims []gridDim, skipTried bool) int {
	n := 0
	for _, dim := range dims {
		seen := map[string]bool{}
		for _, s := range dim.values(spec) {
			k := dg.key(s)
			_, tried := dg.trials[k]
			if seen[k] || strings.HasPrefix(k, "invalid:") || (tried && skipTried) {
				continue
			}
			seen[k] = true
			n++
		}
	}
	return n
}

// report calls the Progress callback with the phase's state.
func (dg *diagnoser) report() {
	if dg.cfg.Progress != nil {
		dg.cfg.Progress(Progress{Phase: dg.phase, Done: dg.phaseDone, Total: max(dg.phaseTot, dg.phaseDone), Unit: unitPasses})
	}
}
