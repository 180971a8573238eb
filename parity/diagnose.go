package parity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/metrics"
)

// DiagnoseConfig says what Diagnose sweeps. Start from DefaultDiagnoseConfig.
type DiagnoseConfig struct {
	Settings
	Model string // ONNX model path
	Data  string // labelled dataset (dataset.Open)
	// Candidates are the user's pipelines (specs as ParsePipeline reads them):
	// each is evaluated on every image and the report says what it loses
	// against the best.
	Candidates []string
	// Reference, when set, ranks by agreement with these reference predictions
	// (Agreement.Fraction; the settings' ReferenceFloor) instead of COCO AP.
	Reference string
	// Screen is the number of images (evenly spaced) the search screens specs on
	// (>= 1); every spec the screening cannot tell from the best then runs on
	// every image.
	Screen int
	// Progress, when set, is called after each image of each phase, in image
	// passes: "screening N images × K specs" (K the specs the search expects to
	// try, revised as it goes), then "full set: N images × K specs" (the
	// finalists on every selected image, when the screening did not use them all).
	Progress func(Progress)
}

// DefaultDiagnoseConfig returns DefaultSettings with 32 screening images.
func DefaultDiagnoseConfig() DiagnoseConfig {
	return DiagnoseConfig{Settings: DefaultSettings(), Screen: 32}
}

// Trial is one preprocessing spec as Diagnose evaluated it.
type Trial struct {
	// Spec is the canonical spec (adapted to the model input); Origin says where
	// it came from: "preset", "candidate" (a user's pipeline) or "grid".
	Spec   string `json:"spec"`
	Origin string `json:"origin"`
	// Family is what the spec does in the respects that decide a deployment:
	// mode, anchor, channel order and value normalisation (see Diagnosis.Named).
	Family string `json:"family"`
	// Images is the number of images it was evaluated on (the screening subset,
	// or every selected image for a finalist); Failed those that failed for it.
	Images int `json:"images"`
	Failed int `json:"failed"`
	// Counts and F1 at Conf; COCO AP (IoU 0.50:0.95) and AP50 over every
	// detection above the floor; GTScore the mean best score a ground truth got
	// (IoU >= the match IoU; 0 when nothing overlapped it).
	GT, TP, FP, FN int
	F1, AP, AP50   float64
	GTScore        float64    `json:"gt_score"`
	Agreement      *Agreement `json:"agreement,omitempty"`
	// Score is what the ranking uses: AP, or Agreement.Fraction with a reference.
	Score float64 `json:"score"`
	// Final is true for specs evaluated on every selected image.
	Final bool `json:"final"`
	// Err is why the spec could not be evaluated (it cannot feed this model,
	// every image failed); such trials rank last.
	Err string `json:"error,omitempty"`

	spec  letterbox.Spec
	order int             // search order, the last tie-break of the ranking
	pr    *PipelineResult // the latest evaluation
	ratio []metrics.Ratio // per image: GT score, or reference agreement
	byIoU [][]metrics.ImageResult
}

// Diagnosis is the outcome of Diagnose.
type Diagnosis struct {
	Model, Data string
	// Images is the number of images of the final ranking, Screened of the search.
	Images, Screened int
	// ByReference is true when the ranking is by agreement with Reference.
	ByReference bool
	Reference   string
	Conf        float64
	// Ranked are the finalists, best first, then the specs screened out (best first).
	Ranked []*Trial
	// Best is the top finalist; Tied the other finalists no test finds worse
	// (paired image bootstraps of AP over IoU 0.50:0.95 and of the mean
	// ground-truth score, or of the reference agreement, at 0.05 over the
	// number of specs evaluated: Bonferroni, since the best was chosen among
	// them).
	Best *Trial
	Tied []*Trial
	// Named is the answer when there is one: Best, when every tied spec has its
	// family (the tied specs then differ only in details this data does not
	// decide, listed in Undecided). It is nil when the tied specs span families
	// or Best scores poorly: CannotTell then says why.
	Named      *Trial
	Undecided  []string
	CannotTell string
	// Next is the best finalist a test does tell from Best, Gap that test (B is
	// Next, A is Best) and GapMetric what it measured.
	Next      *Trial
	Gap       *metrics.BootstrapDelta
	GapMetric string
	// Candidates are the user's pipelines with their scores.
	Candidates []*Trial
	// Prior is the trial of the pipeline the model's metadata names
	// (DefaultPipeline), nil without such metadata; PriorWhy says where it came
	// from. It is a prior only: it is named when the data cannot tell it from
	// the best (the verdict then rests on the metadata, and says so), and the
	// text says so when the data contradicts it.
	Prior    *Trial
	PriorWhy string
	// Elapsed is the wall time of the sweep.
	Elapsed time.Duration

	stretch, center *Trial // the presets of LetterboxRecovery
}

// Diagnose answers "what preprocessing was this model trained with?" with
// evidence only. It evaluates every known preset and the user's candidates on
// Screen images (each decoded once and reused by every spec), then searches a
// grid over the free spec from the best (mode, anchor, channel order,
// normalisation, pad, inner size, rounding, interpolation; one key at a time,
// at most two passes). Every spec the screening cannot tell from the best —
// plus the candidates, stretch and the plain centre letterbox — then runs on
// every selected image. Specs rank by COCO AP (or agreement with a reference);
// the tied set is every finalist a paired image bootstrap cannot separate from
// the top. The answer names a spec only when the tied set shares one family and
// the best scores well; otherwise it says it cannot tell and why. No preset is
// preferred over another.
func Diagnose(ctx context.Context, cfg DiagnoseConfig) (*Diagnosis, error) {
	start := time.Now()
	dg, err := newDiagnoser(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer dg.e.close()
	selected := spread(dg.all, cfg.Limit)
	screen := spread(selected, cfg.Screen)
	dg.e.ld = newCachedLoader(dg.e.ld, screen)
	dg.screening = len(screen)
	if err := dg.screenPresets(ctx, screen); err != nil {
		return nil, err
	}
	if err := dg.screenPrior(ctx, screen); err != nil {
		return nil, err
	}
	if err := dg.searchGrid(ctx, screen); err != nil {
		return nil, err
	}
	finals, err := dg.finalists(screen)
	if err != nil {
		return nil, err
	}
	for _, t := range finals {
		t.Final = true
	}
	if len(selected) != len(screen) {
		dg.screening = 0
		dg.startPhase("full set: "+plural(len(selected), "image")+" × "+plural(len(finals), "spec"), len(selected)*len(finals))
		if err := dg.evaluate(ctx, finals, selected); err != nil {
			return nil, err
		}
	}
	d, err := dg.verdict(finals, len(selected), len(screen))
	if err != nil {
		return nil, err
	}
	d.Elapsed = time.Since(start)
	return d, nil
}

type diagnoser struct {
	cfg      DiagnoseConfig
	prior    *Trial
	priorWhy string
	e        *engine
	ds       *dataset.Dataset
	ref      *reference
	all      []int
	trials   map[string]*Trial
	order    int
	// Progress: the phase, its work done and expected (image passes); during
	// the screening, its image count and the specs screened so far.
	phase               string
	phaseDone, phaseTot int
	screening, screened int
	familiesLeft        int // families searchGrid expects to tune after the current search
}

func newDiagnoser(ctx context.Context, cfg DiagnoseConfig) (*diagnoser, error) {
	if err := cfg.Settings.validate(cfg.Reference != ""); err != nil {
		return nil, err
	}
	switch {
	case cfg.Model == "" || cfg.Data == "":
		return nil, errors.New("parity: diagnose needs a model and a dataset")
	case cfg.Screen < 1 || cfg.Limit < 0:
		return nil, fmt.Errorf("parity: diagnose: --screen %d, --limit %d; expected screen >= 1 and limit >= 0", cfg.Screen, cfg.Limit)
	}
	for _, c := range cfg.Candidates {
		if err := ParsePipeline(c); err != nil {
			return nil, fmt.Errorf("parity: candidate pipeline %q: %w", c, err)
		}
	}
	sig, err := inspect(cfg.Model, cfg.Settings)
	if err != nil {
		return nil, err
	}
	opts := cfg.Settings.dataOptions()
	if md := sig.Metadata; md != nil && len(md.Names) > 0 {
		opts.Names, opts.NamesSource = md.Names, "the metadata of "+cfg.Model
	}
	ds, err := dataset.Open(ctx, cfg.Data, opts)
	if err != nil {
		return nil, err
	}
	dg := &diagnoser{cfg: cfg, ds: ds, trials: map[string]*Trial{}}
	dg.all = make([]int, len(ds.Items))
	for i := range dg.all {
		dg.all[i] = i
	}
	if dg.e, err = openEngine(datasetLoader{ds: ds, data: cfg.Data}, []modelRef{{path: cfg.Model, sig: sig}}, cfg.Settings, len(ds.Items)); err != nil {
		return nil, err
	}
	if cfg.Reference != "" {
		if dg.ref, err = readReference(cfg.Reference, datasetIndex(ds, cfg.Data), cfg.Settings); err != nil {
			dg.e.close()
			return nil, err
		}
	}
	return dg, nil
}

// spread picks n items evenly spaced over s (all of s when n <= 0 or n >= len(s)).
func spread[T any](s []T, n int) []T {
	if n <= 0 || n >= len(s) {
		return s
	}
	out := make([]T, n)
	for i := range out {
		out[i] = s[i*len(s)/n]
	}
	return out
}

// screenPresets evaluates every preset and candidate on the screening images.
func (dg *diagnoser) screenPresets(ctx context.Context, screen []int) error {
	var specs []letterbox.Spec
	var origins []string
	for _, name := range letterbox.Presets() {
		s, err := letterbox.Preset(name)
		if err != nil {
			return err
		}
		specs, origins = append(specs, s), append(origins, "preset")
	}
	for _, c := range dg.cfg.Candidates {
		s, err := letterbox.Parse(c)
		if err != nil {
			return fmt.Errorf("parity: candidate pipeline %q: %w", c, err)
		}
		specs, origins = append(specs, s), append(origins, "candidate")
	}
	batch := dg.trialsFor(specs, origins)
	dg.planScreening(batch, specs[0], 0, false)
	return dg.evaluate(ctx, batch, screen)
}

// screenPrior evaluates the pipeline the model's metadata names, if any.
func (dg *diagnoser) screenPrior(ctx context.Context, screen []int) error {
	p, why, err := DefaultPipeline(dg.e.models[0].sig)
	if err != nil {
		return nil // no metadata: no prior
	}
	s, err := letterbox.Parse(p)
	if err != nil {
		return err
	}
	if err := dg.evaluate(ctx, dg.trialsFor([]letterbox.Spec{s}, []string{"metadata"}), screen); err != nil {
		return err
	}
	dg.prior, dg.priorWhy = dg.trials[dg.key(s)], why
	return nil
}

// searchGrid varies one key of the free spec at a time from the best screened
// spec, adopting any improvement, for at most two passes; then, for a single
// pass each, from the best spec of each of the next best families (at most
// SearchFamilies in all): a family is compared at its own best, not as
// whichever preset happened to stand for it (FastestDet's plain stretch with
// INTER_AREA would otherwise lose to a tuned letterbox as an untuned stretch).
func (dg *diagnoser) searchGrid(ctx context.Context, screen []int) error {
	best := dg.best()
	if best == nil {
		return nil
	}
	dg.familiesLeft = SearchFamilies - 1
	defer func() { dg.familiesLeft = 0 }()
	if err := dg.searchFrom(ctx, screen, best, 2, true); err != nil {
		return err
	}
	seen := map[string]bool{dg.best().Family: true}
	for _, t := range dg.sorted(func(t *Trial) bool { return t.Err == "" && t.Score > 0 }) {
		if len(seen) >= SearchFamilies || ctx.Err() != nil {
			break
		}
		if !seen[t.Family] {
			seen[t.Family] = true
			dg.familiesLeft = SearchFamilies - len(seen)
			if err := dg.searchFrom(ctx, screen, t, 1, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// SearchFamilies is how many families (Trial.Family) Diagnose's grid search
// tunes: the best one, and the next best ones up to this count.
const SearchFamilies = 3

// searchFrom is the coordinate search from start for at most passes passes;
// unless anyFamily, it stays in start's family (a variant of another family is
// evaluated but not adopted: each family is tuned on its own).
func (dg *diagnoser) searchFrom(ctx context.Context, screen []int, start *Trial, passes int, anyFamily bool) error {
	best := start
	for pass := 0; pass < passes && ctx.Err() == nil; pass++ {
		improved := false
		for d, dim := range gridDims {
			specs := dim.values(best.spec)
			origins := slices.Repeat([]string{"grid"}, len(specs))
			batch := dg.trialsFor(specs, origins)
			dg.planScreening(batch, best.spec, d+1, pass == 0 && improved)
			if err := dg.evaluate(ctx, batch, screen); err != nil {
				return err
			}
			for _, t := range batch {
				if t.Err == "" && t.Score > best.Score && (anyFamily || t.Family == start.Family) {
					best, improved = t, true
				}
			}
		}
		if !improved {
			break
		}
	}
	return nil
}

// finalists are the screened specs no test tells from the best, the user's
// candidates, stretch and the plain centre letterbox.
func (dg *diagnoser) finalists(screen []int) ([]*Trial, error) {
	ranked := dg.sorted(func(*Trial) bool { return true })
	if len(ranked) == 0 || ranked[0].Err != "" {
		first := "no spec"
		if len(ranked) > 0 {
			first = ranked[0].Err
		}
		return nil, fmt.Errorf("parity: diagnose: no preprocessing could be evaluated on %s with %s (first error: %s)", dg.cfg.Data, dg.cfg.Model, first)
	}
	var finals []*Trial
	for _, t := range ranked {
		if t.Err != "" {
			continue
		}
		tied, _, _, err := dg.tied(ranked[0], t, 1)
		if err != nil {
			return nil, err
		}
		if tied || t.Origin == "candidate" || t == dg.prior {
			finals = append(finals, t)
		}
	}
	for _, name := range []string{"stretch", "seed-center"} {
		if t := dg.presetTrial(name); t != nil && t.Err == "" && !slices.Contains(finals, t) {
			finals = append(finals, t)
		}
	}
	return finals, nil
}

// presetTrial is the trial of a preset (or alias), nil when it was not tried.
func (dg *diagnoser) presetTrial(name string) *Trial {
	s, err := letterbox.Parse(name)
	if err != nil {
		return nil
	}
	return dg.trials[dg.key(s)]
}

// key is a spec's canonical string once adapted to the model input.
func (dg *diagnoser) key(s letterbox.Spec) string {
	sig := dg.e.models[0].sig
	f, err := s.ForInput(sig.Width, sig.Height)
	if err != nil {
		return "invalid:" + s.String()
	}
	return f.String()
}

// trialsFor returns the trials of the specs not tried yet (deduplicated by
// canonical spec after adapting to the model input); a spec that cannot feed
// the model gets its reason in Err.
func (dg *diagnoser) trialsFor(specs []letterbox.Spec, origins []string) []*Trial {
	var out []*Trial
	sig := dg.e.models[0].sig
	for i, s := range specs {
		k := dg.key(s)
		if t, done := dg.trials[k]; done {
			if origins[i] == "candidate" || origins[i] == "metadata" {
				t.Origin = origins[i]
			}
			continue
		}
		t := &Trial{Spec: k, Origin: origins[i], Family: family(s), spec: s, order: dg.order}
		dg.order++
		if _, err := bindSpec(s, sig); err != nil {
			t.Spec, t.Err, t.Score = s.String(), fmt.Sprintf("cannot feed the %dx%d %s input: %v", sig.Width, sig.Height, sig.InputType, err), -1
		}
		dg.trials[k] = t
		out = append(out, t)
	}
	return out
}

// evaluate runs the trials that can run on the images at the given positions,
// through the engine and the collector Run uses, and fills their numbers.
func (dg *diagnoser) evaluate(ctx context.Context, batch []*Trial, images []int) error {
	var live []*Trial
	var runs []engineRun
	var heads []PipelineResult
	for _, t := range batch {
		if t.Err != "" {
			continue
		}
		st, err := bindSpec(t.spec, dg.e.models[0].sig)
		if err != nil {
			t.Err, t.Score = err.Error(), -1
			continue
		}
		live, runs = append(live, t), append(runs, engineRun{stage: st})
		h := PipelineResult{Name: t.Spec, Model: dg.cfg.Model, Pipeline: t.Spec}
		st.describe(&h)
		heads = append(heads, h)
	}
	if len(live) == 0 {
		return nil
	}
	results, err := dg.run(ctx, runs, heads, images)
	if err != nil {
		return err
	}
	for k, t := range live {
		dg.score(t, results[k])
	}
	return nil
}

// run streams the runs over the images into one Result per run, each through
// the collector Run uses; an image that fails in one run fails in that run's
// result only, so that each spec answers for its own failures.
func (dg *diagnoser) run(ctx context.Context, runs []engineRun, heads []PipelineResult, images []int) ([]*Result, error) {
	names := make([]string, len(heads))
	for i, h := range heads {
		names[i] = h.Name
	}
	if err := dg.e.setRuns(runs, names); err != nil {
		return nil, err
	}
	base, passes := dg.phaseDone, len(runs)
	if dg.cfg.Progress != nil {
		dg.e.progress = func(done, _ int) {
			dg.phaseDone = base + done*passes
			dg.report()
		}
	}
	sig := dg.e.models[0].sig
	results := make([]*Result, len(heads))
	cols := make([]*collector, len(heads))
	for k, h := range heads {
		results[k] = &Result{Model: dg.cfg.Model, Models: []string{dg.cfg.Model}, Data: dg.cfg.Data, InputW: sig.Width,
			InputH: sig.Height, Classes: dg.ds.Names, Conf: dg.cfg.Conf, MatchIoU: dg.cfg.MatchIoU, NMSIoU: dg.cfg.NMSIoU,
			Floor: dg.cfg.Floor, Images: len(images), Failed: []FailedImage{}, fromRun: true}
		var err error
		if cols[k], err = newCollector(dg.cfg.Settings, dg.ref, results[k], []PipelineResult{h}); err != nil {
			return nil, err
		}
	}
	consume := func(o *outcome) error {
		for k, c := range cols {
			if err := c.add(o.only(k)); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := dg.e.stream(ctx, images, consume); err != nil {
		return nil, fmt.Errorf("parity: diagnose: %w", err)
	}
	dg.phaseDone = base + len(images)*passes
	if dg.screening > 0 {
		dg.screened += len(runs)
	}
	for _, c := range cols {
		if err := c.finish(); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// score reads trial t's numbers from its result.
func (dg *diagnoser) score(t *Trial, res *Result) {
	p := &res.Pipelines[0]
	t.pr, t.byIoU = p, nil
	t.Images, t.Failed = res.Images, len(res.Failed)
	if res.Evaluated == 0 {
		t.Err, t.Score = fmt.Sprintf("every one of %d images failed; first: %s", res.Images, res.Failed[0].Error), -1
		return
	}
	t.GT, t.TP, t.FP, t.FN, t.F1, t.AP, t.AP50 = p.GT, p.TP, p.FP, p.FN, p.F1, p.AP, p.AP50
	t.ratio = make([]metrics.Ratio, len(p.PerImage))
	var sum float64
	for i, im := range p.PerImage {
		var s float64
		for _, v := range im.GTBest {
			s += float64(v)
		}
		sum += s
		t.ratio[i] = metrics.Ratio{Num: s, Den: float64(len(im.GTBest))}
	}
	if p.GT > 0 {
		t.GTScore = sum / float64(p.GT)
	}
	t.Score = t.AP
	if dg.ref != nil {
		for i, im := range p.PerImage {
			m := compareImage(dg.ref.dets[im.ID], imageDetections(im), dg.cfg.ReferenceFloor)
			t.ratio[i] = metrics.Ratio{Num: float64(len(m.boxErr)), Den: float64(len(m.boxErr) + m.refOnly + m.only)}
		}
		t.Agreement = p.Reference
		t.Score = p.Reference.Fraction
	}
	if t.Failed > 0 {
		// Failing images count against a spec.
		t.Score *= float64(t.Images-t.Failed) / float64(t.Images)
	}
}

// sorted returns the trials keep selects, best first: evaluable first, then
// score, GT score, AP50, F1, search order.
func (dg *diagnoser) sorted(keep func(*Trial) bool) []*Trial {
	var out []*Trial
	for _, t := range dg.trials {
		if keep(t) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *Trial) int {
		if (a.Err == "") != (b.Err == "") {
			if a.Err == "" {
				return -1
			}
			return 1
		}
		for _, v := range [][2]float64{{a.Score, b.Score}, {a.GTScore, b.GTScore}, {a.AP50, b.AP50}, {a.F1, b.F1}} {
			if c := cmp.Compare(v[1], v[0]); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.order, b.order)
	})
	return out
}

func (dg *diagnoser) best() *Trial {
	s := dg.sorted(func(t *Trial) bool { return t.Err == "" })
	if len(s) == 0 {
		return nil
	}
	return s[0]
}

// BootstrapSeedDiagnose seeds Diagnose's paired bootstraps (results are
// deterministic).
const BootstrapSeedDiagnose = 0x6469616721

// tied says whether the evidence puts t below top, at level 0.05/m for m
// comparisons (Bonferroni): the best was chosen among every spec evaluated, on
// these same images, so a test at 0.05 per pair would call a lucky winner
// significant (on FastestDet and 64 COCO images a centre letterbox "beat" its
// plain-stretch training at p = 0.022, and at p = 0.0033 against the 15
// finalists alone; m is every spec evaluated); the screening uses m = 1,
// keeping more finalists.
// The bootstrap draws 80·m resamples (at least 1000), so that its p-value can
// reach the level. With a reference: a paired image bootstrap of the agreement
// finds t worse. Without: the
// bootstrap finds t's AP over IoU 0.50:0.95 (the ranking's measure) worse, or
// finds the mean score its ground truths get worse while t's AP is no better —
// the score a real object gets has power where AP saturates, but a higher
// confidence alone does not make a pipeline the training one, so it never
// separates specs whose AP says otherwise. gap is the test that separates them
// and what it measured (nil when tied, or when t failed on other images than
// top: a difference in itself).
func (dg *diagnoser) tied(top, t *Trial, m int) (bool, *metrics.BootstrapDelta, string, error) {
	if top == t {
		return true, nil, "", nil
	}
	if t.Images != top.Images || t.Failed != top.Failed || len(t.ratio) != len(top.ratio) {
		return false, nil, "", nil
	}
	m = max(m, 1)
	opts := metrics.DefaultBootstrapOptions()
	opts.Conf, opts.Seed = dg.cfg.Conf, BootstrapSeedDiagnose
	opts.Alpha, opts.Resamples = opts.Alpha/float64(m), max(opts.Resamples, 80*m)
	g, err := metrics.PairedBootstrapRatio(top.ratio, t.ratio, opts)
	if err != nil {
		return false, nil, "", fmt.Errorf("parity: diagnose: %s vs %s: %w", top.Spec, t.Spec, err)
	}
	worse := func(d metrics.BootstrapDelta) bool { return d.Significant() && d.Delta < 0 }
	if dg.ref != nil {
		if worse(g) {
			return false, &g, "agreement", nil
		}
		return true, nil, "", nil
	}
	apOpts := opts
	apOpts.Conf = 0 // the AP ranks every detection above 0
	ap, err := metrics.PairedBootstrapAP(top.iouResults(), t.iouResults(), apOpts)
	if err != nil {
		return false, nil, "", fmt.Errorf("parity: diagnose: %s vs %s: %w", top.Spec, t.Spec, err)
	}
	switch {
	case worse(ap):
		return false, &ap, "AP (IoU 0.50:0.95)", nil
	case worse(g) && ap.Delta <= 0:
		return false, &g, "GT score", nil
	}
	return true, nil, "", nil
}

// iouResults are the trial's images matched again from their boxes at IoU
// 0.50, 0.55, ..., 0.95 with every detection (conf −Inf), for
// PairedBootstrapAP; computed once per evaluation.
func (t *Trial) iouResults() [][]metrics.ImageResult {
	if t.byIoU != nil {
		return t.byIoU
	}
	for k := range 10 {
		thr := 0.5 + 0.05*float64(k)
		rs := make([]metrics.ImageResult, len(t.pr.PerImage))
		for i, im := range t.pr.PerImage {
			tr := imageTruth(im)
			rs[i] = metrics.MatchImageCrowd(tr.gts, tr.crowds, imageDetections(im), math.Inf(-1), thr)
		}
		t.byIoU = append(t.byIoU, rs)
	}
	return t.byIoU
}

// PoorScore is the score below which a best spec (AP50 without a reference,
// agreement with one) explains too little for a verdict: the model, its output
// layout, the class mapping or the labels are more likely wrong than the
// preprocessing.
const PoorScore = 0.2

// verdict ranks the finalists and decides what can be said.
func (dg *diagnoser) verdict(finals []*Trial, images, screened int) (*Diagnosis, error) {
	d := &Diagnosis{Model: dg.cfg.Model, Data: dg.cfg.Data, Images: images, Screened: screened,
		ByReference: dg.ref != nil, Reference: dg.cfg.Reference, Conf: dg.cfg.Conf}
	d.Ranked = dg.sorted(func(t *Trial) bool { return t.Final })
	d.Ranked = append(d.Ranked, dg.sorted(func(t *Trial) bool { return !t.Final })...)
	d.Best = d.Ranked[0]
	if d.Best.Err != "" {
		return nil, fmt.Errorf("parity: diagnose: no preprocessing could be evaluated on every image of %s (first error: %s)", dg.cfg.Data, d.Best.Err)
	}
	// The best was chosen among every spec evaluated, not only the finalists:
	// each comparison is at 0.05 over that many.
	m := 0
	for _, t := range d.Ranked[1:] {
		if t.Err == "" {
			m++
		}
	}
	for _, t := range d.Ranked[1:] {
		if !t.Final || t.Err != "" {
			continue
		}
		tied, gap, name, err := dg.tied(d.Best, t, m)
		if err != nil {
			return nil, err
		}
		switch {
		case tied:
			d.Tied = append(d.Tied, t)
		case d.Next == nil:
			d.Next, d.Gap, d.GapMetric = t, gap, name
		}
	}
	d.Prior, d.PriorWhy = dg.prior, dg.priorWhy
	d.decide(dg.ref != nil)
	for _, t := range d.Ranked {
		if t.Origin == "candidate" {
			d.Candidates = append(d.Candidates, t)
		}
	}
	d.stretch, d.center = dg.presetTrial("stretch"), dg.presetTrial("seed-center")
	return d, nil
}

// decide names Best when it scores well and every tied spec shares its family,
// and lists what the tied specs leave undecided; otherwise it says why it
// cannot tell.
func (d *Diagnosis) decide(byRef bool) {
	b := d.Best
	poor, measure := b.AP50 < PoorScore, fmt.Sprintf("AP50 %.3f", b.AP50)
	if byRef {
		poor, measure = b.Score < PoorScore, fmt.Sprintf("agreement %.1f%%", 100*b.Score)
	}
	if poor {
		d.CannotTell = fmt.Sprintf("even the best spec scores poorly (%s < %g): check the model's output layout, its class mapping and the labels before the preprocessing", measure, PoorScore)
		return
	}
	var families []string
	for _, t := range append([]*Trial{b}, d.Tied...) {
		if !slices.Contains(families, t.Family) {
			families = append(families, t.Family)
		}
	}
	if p := d.Prior; p != nil && p.Err == "" && (p == b || slices.Contains(d.Tied, p)) {
		// The data cannot tell the metadata's pipeline from the best: the
		// metadata decides, and the text says the verdict rests on it.
		d.Named = p
		d.Undecided = undecided(p, append([]*Trial{b}, d.Tied...))
		return
	}
	if len(families) > 1 {
		d.CannotTell = fmt.Sprintf("%d specs of %d families are indistinguishable on these %d images (%s) — give --reference or more images",
			1+len(d.Tied), len(families), d.Images, strings.Join(families, "; "))
		return
	}
	d.Named = b
	d.Undecided = undecided(b, d.Tied)
}

// undecided lists the spec keys on which the tied specs differ from best.
func undecided(best *Trial, tied []*Trial) []string {
	var keys []string
	for _, t := range tied {
		for _, k := range letterbox.DiffKeys(best.spec, t.spec) {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// family names what a spec does in the respects that decide a deployment:
// stretch or letterbox and where the image sits, channel order, and the value
// normalisation, e.g. "letterbox anchor=center order=rgb scale=1/255".
func family(s letterbox.Spec) string {
	f := []string{s.Mode.String()}
	if s.Mode == letterbox.Letterbox {
		f = append(f, "anchor="+s.Value("anchor"))
	}
	f = append(f, "order="+s.Value("order"), "scale="+s.Value("scale"))
	if s.Mean != ([3]float64{}) || s.Std != ([3]float64{1, 1, 1}) {
		f = append(f, "mean="+s.Value("mean"), "std="+s.Value("std"))
	}
	return strings.Join(f, " ")
}

// LetterboxRecovery is how much of the F1 lost to stretching the plain centre
// letterbox (int() sizes, pad 0: the fix proposed in super-gradients #1952)
// wins back against the best spec: (F1(centre) − F1(stretch)) / (F1(best) −
// F1(stretch)); ok is false when either preset was not evaluated on every image
// or stretch is as good as the best.
func (d *Diagnosis) LetterboxRecovery() (frac float64, stretch, center *Trial, ok bool) {
	stretch, center = d.stretch, d.center
	if stretch == nil || center == nil || !stretch.Final || !center.Final || d.Best == nil || d.Best.F1 <= stretch.F1 {
		return 0, stretch, center, false
	}
	return (center.F1 - stretch.F1) / (d.Best.F1 - stretch.F1), stretch, center, true
}

// presetStretch is the stretch preset's trial (nil when not evaluated).
func (d *Diagnosis) presetStretch() *Trial { return d.stretch }

// gridDim is one key of the free spec the search varies.
type gridDim struct {
	name   string
	values func(s letterbox.Spec) []letterbox.Spec
}

// variants returns s changed by each of set, its unmapping kept consistent with
// where each variant puts the image (see consistentUnmap).
func variants(s letterbox.Spec, set ...func(*letterbox.Spec)) []letterbox.Spec {
	var out []letterbox.Spec
	for _, f := range set {
		v := s
		f(&v)
		v.Unmap = consistentUnmap(v)
		out = append(out, v)
	}
	return out
}

// consistentUnmap keeps a grid variant's box unmapping true to its geometry:
// Ultralytics' scale_boxes assumes a centred letterbox and YOLOX's a top-left
// one; any other placement (or a stretch) is mapped back by the exact per-axis
// inverse.
func consistentUnmap(s letterbox.Spec) letterbox.Unmapping {
	switch {
	case s.Mode == letterbox.Stretch:
		return letterbox.PerAxis
	case s.Unmap == letterbox.Ultralytics && s.Anchor != letterbox.Center:
		return letterbox.PerAxis
	case s.Unmap == letterbox.YOLOX && s.Anchor != letterbox.TopLeft:
		return letterbox.PerAxis
	}
	return s.Unmap
}

// norm sets a value normalisation: scale, then (x - mean)/std per channel.
func norm(scale float64, mean, std [3]float64) func(*letterbox.Spec) {
	return func(v *letterbox.Spec) { v.Scale, v.Mean, v.Std = scale, mean, std }
}

var (
	imagenetMean = [3]float64{0.485, 0.456, 0.406}
	imagenetStd  = [3]float64{0.229, 0.224, 0.225}
)

// gridDims are the keys the search varies, each with its usual values (from
// super-gradients, Ultralytics, YOLOX and the common Caffe/TF conventions):
// every value is tried with the other keys fixed.
var gridDims = []gridDim{
	{"mode", func(s letterbox.Spec) []letterbox.Spec {
		return variants(s, func(v *letterbox.Spec) { v.Mode = letterbox.Letterbox }, func(v *letterbox.Spec) { v.Mode = letterbox.Stretch })
	}},
	{"anchor", func(s letterbox.Spec) []letterbox.Spec {
		return variants(s, func(v *letterbox.Spec) { v.Anchor = letterbox.Center }, func(v *letterbox.Spec) { v.Anchor = letterbox.TopLeft },
			func(v *letterbox.Spec) { v.Anchor = letterbox.BottomRight })
	}},
	{"order", func(s letterbox.Spec) []letterbox.Spec {
		return variants(s, func(v *letterbox.Spec) { v.Order = frame.RGB }, func(v *letterbox.Spec) { v.Order = frame.BGR })
	}},
	{"normalisation", func(s letterbox.Spec) []letterbox.Spec {
		return variants(s,
			norm(1/255.0, [3]float64{}, [3]float64{1, 1, 1}),                    // /255 (Ultralytics, super-gradients COCO)
			norm(1, [3]float64{}, [3]float64{1, 1, 1}),                          // 0..255 (YOLOX, super-gradients custom)
			norm(1/255.0, imagenetMean, imagenetStd),                            // ImageNet mean/std (YOLOX legacy, torchvision)
			norm(1, [3]float64{127.5, 127.5, 127.5}, [3]float64{128, 128, 128}), // (x-127.5)/128 (TF/MobileNet SSD)
			norm(1, [3]float64{127, 127, 127}, [3]float64{128, 128, 128}),       // (x-127)/128 (UltraFace, many face detectors)
		)
	}},
	{"pad", func(s letterbox.Spec) []letterbox.Spec {
		return variants(s, func(v *letterbox.Spec) { v.Pad = [3]uint8{114, 114, 114} }, func(v *letterbox.Spec) { v.Pad = [3]uint8{} },
			func(v *letterbox.Spec) { v.Pad = [3]uint8{127, 127, 127} })
	}},
	{"inner", func(s letterbox.Spec) []letterbox.Spec {
		w, h := s.Dims()
		if w != h {
			return nil
		}
		return variants(s, func(v *letterbox.Spec) { v.Inner = 0 }, func(v *letterbox.Spec) { v.Inner = w - 4 })
	}},
	{"round", func(s letterbox.Spec) []letterbox.Spec {
		return variants(s, func(v *letterbox.Spec) { v.Round = letterbox.RoundHalfEven }, func(v *letterbox.Spec) { v.Round = letterbox.Truncate })
	}},
	{"interp", func(s letterbox.Spec) []letterbox.Spec {
		return variants(s, func(v *letterbox.Spec) { v.Interp = letterbox.Linear }, func(v *letterbox.Spec) { v.Interp = letterbox.Nearest },
			func(v *letterbox.Spec) { v.Interp = letterbox.Area }, func(v *letterbox.Spec) { v.Interp = letterbox.Cubic })
	}},
}
