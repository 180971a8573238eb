package parity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/metrics"
)

// DiagnoseConfig says what Diagnose sweeps. Zero fields take defaults.
type DiagnoseConfig struct {
	Model string // ONNX model path
	Data  string // YOLO dataset directory
	// Candidates are the user's pipelines (specs as Parse reads them): each is
	// evaluated and the report says what it loses against the best.
	Candidates []string
	// Reference, when set, ranks by agreement with these reference predictions
	// (Agreement.Fraction) instead of F1; ReferenceFloor as in Config.
	Reference      string
	ReferenceFloor float64
	// Limit > 0 uses at most that many images, evenly spaced over the dataset.
	Limit int
	// Screen is the number of images (evenly spaced) the coarse stages use (0: 32);
	// Finalists the number of best screened specs re-evaluated on every image (0: 6).
	Screen, Finalists int
	// Conf, MatchIoU, NMSIoU, Floor, Workers, Threads as in Config.
	Conf, MatchIoU, NMSIoU, Floor float64
	Workers, Threads              int
	// Progress, when set, is called after each (spec batch, image) with the work
	// done so far and the work known so far (the total grows as the search goes).
	Progress func(done, total int)
}

// Trial is one preprocessing spec as Diagnose evaluated it.
type Trial struct {
	// Spec is the canonical spec (adapted to the model input); Origin says where it
	// came from: "preset", "candidate" (a user's pipeline) or "grid".
	Spec   string `json:"spec"`
	Origin string `json:"origin"`
	// Images is the number of images it was evaluated on (the screening subset, or
	// every selected image for a finalist); Failed those that failed for it.
	Images int `json:"images"`
	Failed int `json:"failed"`
	// Counts at Conf, COCO AP50 over every detection above the floor.
	GT, TP, FP, FN int
	F1, AP50       float64
	// Agreement with the reference, when one is given.
	Agreement *Agreement `json:"agreement,omitempty"`
	// Score is what the ranking uses: F1, or Agreement.Fraction with a reference.
	Score float64 `json:"score"`
	// Final is true for specs evaluated on every selected image.
	Final bool `json:"final"`
	// Err is why the spec could not be evaluated (invalid for this model, every
	// image failed); such trials rank last.
	Err string `json:"error,omitempty"`

	order   int // search order: the prior preference among equal scores
	results []metrics.ImageResult
}

// Diagnosis is the outcome of Diagnose.
type Diagnosis struct {
	Model, Data string
	// Images is the number of images of the final ranking, Screened of the coarse stages.
	Images, Screened int
	// ByReference is true when the ranking is by agreement with Reference.
	ByReference bool
	Reference   string
	Conf        float64
	// Ranked are the finalists, best first; Screened trials follow (best first).
	Ranked []*Trial
	// Best is the verdict: among the finalists indistinguishable from the top scorer
	// (paired bootstrap of F1 not significant at 0.05, or agreement within 0.5 %),
	// the one searched first (framework presets first, then the generic ones, then
	// the grid). Equivalent lists the others of that group.
	Best       *Trial
	Equivalent []*Trial
	// Next is the best finalist not equivalent to Best (nil if none), and Gap the
	// paired bootstrap of its F1 against Best (without a reference).
	Next *Trial
	Gap  *metrics.BootstrapDelta
	// Candidates are the user's pipelines with their loss against Best.
	Candidates []*Trial
	// Elapsed is the wall time of the sweep.
	Elapsed time.Duration

	stretch, seed *Trial // the presets of SeedRecovery
}

// presetPreference orders the presets by how likely a model was trained with
// them: framework pipelines first, then the generic and ad-hoc ones (the seed's
// fix is no framework's training pipeline, stretch is the seed's bug).
var presetPreference = []string{"sg-coco", "sg-custom", "sg-custom-train", "ultralytics", "ultralytics-auto", "yolox", "yolox-legacy", "letterbox", "seed-center", "stretch"}

type diagImage struct {
	item dataset.Item
	id   int64
	img  frame.Image // zero when not cached
	gts  []box.Object
	err  error
}

type diagnoser struct {
	cfg      DiagnoseConfig
	ds       *dataset.Dataset
	sessions []*detect.Model
	inW, inH int
	ref      *reference
	mu       sync.Mutex
	done     int
	total    int
	trials   map[string]*Trial
	order    int
}

// Diagnose sweeps the known presets and a grid over the free spec (anchor, pad,
// inner size, channel order, value scaling, size rounding, interpolation) and
// ranks them by F1 at Conf, or by agreement with a reference: which preprocessing
// the model behaves as trained with. Cost is kept down by decoding each screening
// image once and reusing it across every spec, screening on Screen images, and
// searching the grid coarse-to-fine (one key at a time from the best preset,
// adopting improvements, at most two passes); only the Finalists best specs (plus
// the user's candidates, stretch and seed-center) run on every image.
func Diagnose(ctx context.Context, cfg DiagnoseConfig) (*Diagnosis, error) {
	start := time.Now()
	// The fields shared with Config take Config's defaults.
	d := Config{Conf: cfg.Conf, MatchIoU: cfg.MatchIoU, NMSIoU: cfg.NMSIoU, Floor: cfg.Floor,
		Workers: cfg.Workers, ReferenceFloor: cfg.ReferenceFloor}.withDefaults()
	cfg.Conf, cfg.MatchIoU, cfg.NMSIoU, cfg.Floor, cfg.Workers, cfg.ReferenceFloor = d.Conf, d.MatchIoU, d.NMSIoU, d.Floor, d.Workers, d.ReferenceFloor
	if cfg.Screen <= 0 {
		cfg.Screen = 32
	}
	if cfg.Finalists <= 0 {
		cfg.Finalists = 6
	}
	if cfg.Model == "" || cfg.Data == "" {
		return nil, errors.New("parity: diagnose needs a model and a dataset")
	}
	if cfg.Conf < 0 || cfg.Conf >= 1 || cfg.Floor < 0 || cfg.Floor > cfg.Conf {
		return nil, fmt.Errorf("parity: diagnose: conf %v, floor %v; expected 0 <= floor <= conf < 1", cfg.Conf, cfg.Floor)
	}
	ds, err := dataset.Open(ctx, cfg.Data, dataset.DefaultOptions())
	if err != nil {
		return nil, err
	}
	if err := detect.Init(); err != nil {
		return nil, err
	}
	opts := detect.DefaultOptions()
	opts.Conf, opts.IoU, opts.Threads = cfg.Floor, cfg.NMSIoU, cfg.Threads
	dg := &diagnoser{cfg: cfg, ds: ds, trials: map[string]*Trial{}}
	defer func() {
		for _, m := range dg.sessions {
			m.Close()
		}
	}()
	for range min(cfg.Workers, 16) {
		m, err := detect.Open(cfg.Model, opts)
		if err != nil {
			return nil, err
		}
		dg.sessions = append(dg.sessions, m)
	}
	dg.inW, dg.inH = dg.sessions[0].InputSize()
	if nc := dg.sessions[0].NumClasses(); nc != len(ds.Names) {
		return nil, fmt.Errorf("parity: %s scores %d classes but %s names %d (%v)", cfg.Model, nc, cfg.Data, len(ds.Names), ds.Names)
	}
	if cfg.Reference != "" {
		if dg.ref, err = readReference(cfg.Reference, len(ds.Items)); err != nil {
			return nil, err
		}
	}
	all := make([]*diagImage, len(ds.Items))
	for i, it := range ds.Items {
		all[i] = &diagImage{item: it, id: int64(i + 1)}
	}
	selected := spread(all, cfg.Limit)
	screen := spread(selected, cfg.Screen)
	for _, im := range screen { // decoded once, reused by every screened spec
		dg.load(im, true)
	}

	// Stage 1: presets and candidates on the screening images.
	var first []letterbox.Spec
	var origins []string
	for _, name := range presetPreference {
		if s, err := letterbox.Preset(name); err == nil {
			first, origins = append(first, s), append(origins, "preset")
		}
	}
	for _, name := range letterbox.Presets() {
		if !slices.Contains(presetPreference, name) {
			s, _ := letterbox.Preset(name)
			first, origins = append(first, s), append(origins, "preset")
		}
	}
	var candidates []*Trial
	for _, c := range cfg.Candidates {
		s, err := letterbox.Parse(c)
		if err != nil {
			return nil, fmt.Errorf("parity: candidate pipeline %q: %w", c, err)
		}
		first, origins = append(first, s), append(origins, "candidate")
	}
	batch := dg.trialsFor(first, origins)
	if err := dg.evaluate(ctx, batch, screen); err != nil {
		return nil, err
	}
	for _, c := range cfg.Candidates {
		s, _ := letterbox.Parse(c)
		if t := dg.trials[dg.key(s)]; t != nil {
			candidates = append(candidates, t)
		}
	}

	// Stage 2: coordinate search over the free spec from the best screened spec.
	best := dg.best(false)
	for pass := 0; pass < 2 && best != nil && best.Err == "" && ctx.Err() == nil; pass++ {
		improved := false
		for _, dim := range gridDims {
			inc, err := letterbox.Parse(best.Spec)
			if err != nil {
				break
			}
			var specs []letterbox.Spec
			for _, v := range dim.values(inc) {
				specs = append(specs, v)
			}
			origins := make([]string, len(specs))
			for i := range origins {
				origins[i] = "grid"
			}
			batch := dg.trialsFor(specs, origins)
			if err := dg.evaluate(ctx, batch, screen); err != nil {
				return nil, err
			}
			for _, t := range batch {
				if t.Err == "" && t.Score > best.Score {
					best, improved = t, true
				}
			}
		}
		if !improved {
			break
		}
	}

	// Stage 3: finalists on every selected image.
	screened := dg.sorted(false)
	var finals []*Trial
	for _, t := range screened {
		if len(finals) < cfg.Finalists && t.Err == "" {
			finals = append(finals, t)
		}
	}
	for _, name := range []string{"stretch", "seed-center", "sg-coco"} {
		s, _ := letterbox.Preset(name)
		if t := dg.trials[dg.key(s)]; t != nil && !slices.Contains(finals, t) && t.Err == "" {
			finals = append(finals, t)
		}
	}
	for _, t := range candidates {
		if !slices.Contains(finals, t) && t.Err == "" {
			finals = append(finals, t)
		}
	}
	if len(finals) == 0 {
		return nil, fmt.Errorf("parity: diagnose: no preprocessing could be evaluated on %s with %s (first error: %s)", cfg.Data, cfg.Model, screened[0].Err)
	}
	if len(selected) != len(screen) {
		for _, t := range finals {
			t.Final = true
		}
		if err := dg.evaluate(ctx, finals, selected); err != nil {
			return nil, err
		}
	} else {
		for _, t := range finals {
			t.Final = true
		}
	}
	res := &Diagnosis{Model: cfg.Model, Data: cfg.Data, Images: len(selected), Screened: len(screen),
		ByReference: dg.ref != nil, Reference: cfg.Reference, Conf: cfg.Conf}
	res.Ranked = dg.sorted(true)
	for _, t := range dg.sorted(false) {
		if !t.Final {
			res.Ranked = append(res.Ranked, t)
		}
	}
	top := res.Ranked[0]
	var group []*Trial
	for _, t := range res.Ranked {
		if !t.Final || t.Err != "" {
			continue
		}
		eq, gap, err := dg.equivalent(top, t)
		if err != nil {
			return nil, err
		}
		if eq {
			group = append(group, t)
		} else if res.Next == nil {
			res.Next, res.Gap = t, gap
		}
	}
	res.Best = slices.MinFunc(group, func(a, b *Trial) int { return cmp.Compare(a.order, b.order) })
	for _, t := range group {
		if t != res.Best {
			res.Equivalent = append(res.Equivalent, t)
		}
	}
	if res.Next != nil && dg.ref == nil {
		_, gap, err := dg.equivalent(res.Best, res.Next)
		if err != nil {
			return nil, err
		}
		res.Gap = gap
	}
	res.Candidates = candidates
	for _, p := range []struct {
		name string
		t    **Trial
	}{{"stretch", &res.stretch}, {"seed-center", &res.seed}} {
		s, _ := letterbox.Preset(p.name)
		if t := dg.trials[dg.key(s)]; t != nil && t.Final && t.Err == "" {
			*p.t = t
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
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

func (dg *diagnoser) key(s letterbox.Spec) string {
	f, err := s.ForInput(dg.inW, dg.inH)
	if err != nil {
		return "invalid:" + s.String()
	}
	return f.String()
}

// trialsFor returns the trials of specs not tried yet (deduplicated by canonical
// spec after adapting to the model input).
func (dg *diagnoser) trialsFor(specs []letterbox.Spec, origins []string) []*Trial {
	var out []*Trial
	for i, s := range specs {
		k := dg.key(s)
		if _, done := dg.trials[k]; done {
			continue
		}
		t := &Trial{Spec: k, Origin: origins[i], order: dg.order}
		dg.order++
		if strings.HasPrefix(k, "invalid:") {
			_, err := s.ForInput(dg.inW, dg.inH)
			t.Spec, t.Err = s.String(), fmt.Sprintf("not applicable to a %dx%d input: %v", dg.inW, dg.inH, err)
		} else if s.DType != letterbox.Float32 {
			t.Err = "uint8 tensors: diagnose feeds float32 models only"
		}
		dg.trials[k] = t
		out = append(out, t)
	}
	return out
}

// load decodes an image and its labels (keeping the pixels when keep).
func (dg *diagnoser) load(im *diagImage, keep bool) (frame.Image, error) {
	if im.img.Pix != nil || im.err != nil {
		return im.img, im.err
	}
	img, err := decoderOpenCV.Decode(im.item.ImagePath)
	if err != nil {
		im.err = err
		return frame.Image{}, err
	}
	gts, err := dg.ds.Labels(im.item, img.W, img.H)
	if err != nil {
		im.err = err
		return frame.Image{}, err
	}
	im.gts = gts
	if keep {
		im.img = img
	}
	return img, nil
}

var decoderOpenCV, _ = decoderFor(letterbox.DecoderOpenCV)

// evaluate runs every trial of batch on every image (each image decoded once for
// the whole batch) and fills the trials' numbers.
func (dg *diagnoser) evaluate(ctx context.Context, batch []*Trial, images []*diagImage) error {
	var live []*Trial
	var specs []letterbox.Spec
	for _, t := range batch {
		if t.Err != "" {
			continue
		}
		s, err := letterbox.Parse(t.Spec)
		if err != nil {
			t.Err = err.Error()
			continue
		}
		live, specs = append(live, t), append(specs, s)
	}
	if len(live) == 0 {
		return nil
	}
	dets := make([][][]box.Detection, len(live)) // [trial][image]
	fails := make([][]error, len(live))
	for k := range live {
		dets[k] = make([][]box.Detection, len(images))
		fails[k] = make([]error, len(images))
	}
	dg.mu.Lock()
	dg.total += len(images)
	dg.mu.Unlock()
	plans := map[planKey]*letterbox.Plan{}
	var planMu sync.Mutex
	planFor := func(k, w, h int) (*letterbox.Plan, error) {
		planMu.Lock()
		defer planMu.Unlock()
		if p, ok := plans[planKey{k, w, h}]; ok {
			return p, nil
		}
		p, err := specs[k].Plan(w, h)
		if err != nil {
			return nil, err
		}
		plans[planKey{k, w, h}] = p
		return p, nil
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for _, m := range dg.sessions {
		wg.Add(1)
		go func(m *detect.Model) {
			defer wg.Done()
			tensor := make([]float32, 3*dg.inW*dg.inH)
			for i := range jobs {
				img, err := dg.load(images[i], false)
				for k := range live {
					if err != nil {
						fails[k][i] = err
						continue
					}
					dets[k][i], fails[k][i] = inferOne(planFor, k, img, m, tensor)
				}
				if dg.cfg.Progress != nil {
					dg.mu.Lock()
					dg.done++
					dg.cfg.Progress(dg.done, dg.total)
					dg.mu.Unlock()
				}
			}
		}(m)
	}
feed:
	for i := range images {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("parity: diagnose interrupted: %w", err)
	}
	for k, t := range live {
		dg.score(t, images, dets[k], fails[k])
	}
	return nil
}

// inferOne preprocesses, runs and unmaps one image for spec k; ok is false when
// the spec cannot handle the image (e.g. a side that resizes to 0 px) or the
// model refuses the tensor.
func inferOne(planFor func(k, w, h int) (*letterbox.Plan, error), k int, img frame.Image, m *detect.Model, tensor []float32) ([]box.Detection, error) {
	p, err := planFor(k, img.W, img.H)
	if err != nil {
		return nil, err
	}
	if g := p.Geometry(); p.TensorLen() != len(tensor) {
		return nil, fmt.Errorf("makes a %dx%d tensor for a %dx%d image, the model takes a fixed size", g.DstW, g.DstH, g.SrcW, g.SrcH)
	}
	if err := p.Apply(img, tensor); err != nil {
		return nil, err
	}
	ds, err := m.Infer(tensor)
	if err != nil {
		return nil, err
	}
	g := p.Geometry()
	for j := range ds {
		ds[j].Box = g.UnmapBox(ds[j].Box)
	}
	return ds, nil
}

func (dg *diagnoser) score(t *Trial, images []*diagImage, dets [][]box.Detection, fails []error) {
	nc := len(dg.ds.Names)
	cats := make([]int64, nc)
	for c := range cats {
		cats[c] = int64(c)
	}
	coco, _ := metrics.NewCOCOEvaluator(cats)
	t.Images, t.Failed, t.GT, t.TP, t.FP, t.FN = len(images), 0, 0, 0, 0, 0
	t.results = t.results[:0]
	var recs []ImageRecord
	annID := int64(1)
	var firstErr error
	for i, im := range images {
		if fails[i] != nil {
			t.Failed++
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", im.item.ImagePath, fails[i])
			}
			continue
		}
		m := metrics.MatchImage(im.gts, dets[i], math.Inf(-1), dg.cfg.MatchIoU)
		t.results = append(t.results, m)
		at := metrics.MatchImage(im.gts, dets[i], dg.cfg.Conf, dg.cfg.MatchIoU)
		t.GT += len(im.gts)
		t.TP, t.FP, t.FN = t.TP+at.TP, t.FP+at.FP, t.FN+at.FN
		gts := make([]metrics.COCOAnnotation, len(im.gts))
		for g, o := range im.gts {
			gts[g] = metrics.COCOAnnotation{ID: annID, ImageID: im.id, CategoryID: int64(o.Class), BBox: [4]float64{o.X1, o.Y1, o.W(), o.H()}, Area: o.W() * o.H()}
			annID++
		}
		_ = coco.AddImage(im.id, gts, cocoDetections(im.id, dets[i]))
		recs = append(recs, ImageRecord{ID: im.id, Dets: [][]box.Detection{dets[i]}})
	}
	if t.Failed == len(images) {
		t.Err = fmt.Sprintf("every one of %d images failed; first: %v", len(images), firstErr)
		t.Score = -1
		return
	}
	c := metrics.Counts{Images: len(recs), GT: t.GT, TP: t.TP, FP: t.FP, FN: t.FN}
	t.F1 = c.F1()
	t.AP50 = coco.Summarize().Stats.AP50
	t.Score = t.F1
	if dg.ref != nil {
		a := dg.ref.compare(recs, 0, dg.cfg.ReferenceFloor)
		t.Agreement = &a
		t.Score = a.Fraction
	}
	if t.Failed > 0 {
		t.Score *= float64(len(images)-t.Failed) / float64(len(images)) // failing images count against a spec
	}
}

// sorted returns the trials (finalists only when final), best first: score, then
// AP50, then search order.
func (dg *diagnoser) sorted(final bool) []*Trial {
	var out []*Trial
	for _, t := range dg.trials {
		if !final || t.Final {
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
		if v := cmp.Compare(b.Score, a.Score); v != 0 {
			return v
		}
		if v := cmp.Compare(b.AP50, a.AP50); v != 0 {
			return v
		}
		return cmp.Compare(a.order, b.order)
	})
	return out
}

func (dg *diagnoser) best(final bool) *Trial {
	s := dg.sorted(final)
	if len(s) == 0 {
		return nil
	}
	return s[0]
}

// ReferenceEquivalence is how close two agreement fractions must be for Diagnose
// to call the specs indistinguishable.
const ReferenceEquivalence = 0.005

// equivalent says whether t is indistinguishable from top: agreement within
// ReferenceEquivalence, or a paired bootstrap of F1 that finds no significant change.
func (dg *diagnoser) equivalent(top, t *Trial) (bool, *metrics.BootstrapDelta, error) {
	if top == t {
		return true, nil, nil
	}
	if dg.ref != nil {
		return math.Abs(top.Score-t.Score) <= ReferenceEquivalence, nil, nil
	}
	if len(top.results) != len(t.results) || t.Failed != top.Failed {
		return false, nil, nil // failing on other images is a difference in itself
	}
	b, err := metrics.PairedBootstrap(top.results, t.results, metrics.BootstrapOptions{Conf: dg.cfg.Conf, Seed: BootstrapSeed})
	if err != nil {
		return false, nil, fmt.Errorf("parity: diagnose: %s vs %s: %w", top.Spec, t.Spec, err)
	}
	return !b.F1.Significant(), &b.F1, nil
}

// gridDim is one key of the free spec the search varies.
type gridDim struct {
	name   string
	values func(s letterbox.Spec) []letterbox.Spec
}

func variants(s letterbox.Spec, set ...func(*letterbox.Spec)) []letterbox.Spec {
	var out []letterbox.Spec
	for _, f := range set {
		v := s
		f(&v)
		out = append(out, v)
	}
	return out
}

// gridDims are the keys the coarse-to-fine search varies, each with its usual
// values (SPEC.md §1): every value is tried with the other keys fixed.
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
	{"scale", func(s letterbox.Spec) []letterbox.Spec {
		return variants(s,
			func(v *letterbox.Spec) { v.Scale, v.Mean, v.Std = 1/255.0, [3]float64{}, [3]float64{} },
			func(v *letterbox.Spec) { v.Scale, v.Mean, v.Std = 1, [3]float64{}, [3]float64{} },
			func(v *letterbox.Spec) {
				v.Scale, v.Mean, v.Std = 1/255.0, [3]float64{0.485, 0.456, 0.406}, [3]float64{0.229, 0.224, 0.225}
			})
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

// SeedRecovery is how much of the F1 lost to stretching the seed's own fix
// (seed-center) wins back, against the best spec: (F1(seed-center) − F1(stretch)) /
// (F1(best) − F1(stretch)); ok is false when either preset was not evaluated or
// stretch is as good as the best.
func (d *Diagnosis) SeedRecovery() (frac float64, stretch, seed *Trial, ok bool) {
	stretch, seed = d.stretch, d.seed
	if stretch == nil || seed == nil || d.Best == nil || d.Best.Score <= stretch.Score {
		return 0, stretch, seed, false
	}
	return (seed.Score - stretch.Score) / (d.Best.Score - stretch.Score), stretch, seed, true
}

// WriteText writes the diagnosis for a person: the verdict, the gap to the next
// spec, what each candidate loses, the seed fix's recovery, then the ranking.
func (d *Diagnosis) WriteText(w io.Writer) error {
	metric := "F1 at conf > " + fmt.Sprint(d.Conf)
	if d.ByReference {
		metric = "agreement with the reference " + d.Reference
	}
	fmt.Fprintf(w, "model %s, data %s: %d images (grid screened on %d), ranked by %s; %s\n\n", d.Model, d.Data, d.Images, d.Screened, metric, d.Elapsed.Round(100*time.Millisecond))
	b := d.Best
	fmt.Fprintf(w, "behaves as trained with: %s  (%s)\n", b.Spec, d.describe(b))
	if len(d.Equivalent) > 0 {
		var names []string
		for i, t := range d.Equivalent {
			if i == 4 {
				names = append(names, fmt.Sprintf("and %d more (see the ranking)", len(d.Equivalent)-i))
				break
			}
			names = append(names, fmt.Sprintf("%s (F1 %.4f)", t.Spec, t.F1))
		}
		fmt.Fprintf(w, "  indistinguishable on this data (named first: the known training pipeline, searched first): %s\n", strings.Join(names, "; "))
	}
	if d.Next != nil {
		fmt.Fprintf(w, "next best: %s  (%s)", d.Next.Spec, d.describe(d.Next))
		if d.Gap != nil {
			fmt.Fprintf(w, "; F1 %+.4f, 95%% CI [%+.4f, %+.4f], p=%.3f", d.Gap.Delta, d.Gap.Lo, d.Gap.Hi, d.Gap.P)
		} else {
			fmt.Fprintf(w, "; score %+.4f", d.Next.Score-b.Score)
		}
		fmt.Fprintln(w)
	}
	for _, c := range d.Candidates {
		if c.Err != "" {
			fmt.Fprintf(w, "your pipeline %s: cannot run (%s)\n", c.Spec, c.Err)
			continue
		}
		verb, delta := "loses", b.Score-c.Score
		if delta < 0 {
			verb, delta = "gains", -delta
		}
		fmt.Fprintf(w, "your pipeline %s: %s; %s %.4f %s against %s\n", c.Spec, d.describe(c), verb, delta, scoreName(d), b.Spec)
	}
	if frac, st, sc, ok := d.SeedRecovery(); ok {
		fmt.Fprintf(w, "seed fix: seed-center %s %.4f vs stretch %.4f and %s %.4f: recovers %.1f%% of the loss\n",
			scoreName(d), sc.Score, st.Score, b.Spec, b.Score, 100*frac)
	}
	fmt.Fprintln(w, "\nranking:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\tspec\torigin\timages\tF1\tAP50\tscore\tnote")
	for i, t := range d.Ranked {
		note := ""
		switch {
		case t.Err != "":
			note = t.Err
		case !t.Final:
			note = "screened only"
		case t.Failed > 0:
			note = fmt.Sprintf("%d images failed", t.Failed)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%d\t%.4f\t%.4f\t%.4f\t%s\n", i+1, t.Spec, t.Origin, t.Images, t.F1, t.AP50, t.Score, note)
	}
	return tw.Flush()
}

func scoreName(d *Diagnosis) string {
	if d.ByReference {
		return "agreement"
	}
	return "F1"
}

func (d *Diagnosis) describe(t *Trial) string {
	s := fmt.Sprintf("F1 %.4f, AP50 %.4f, TP %d FP %d FN %d", t.F1, t.AP50, t.TP, t.FP, t.FN)
	if t.Agreement != nil {
		s += fmt.Sprintf(", agreement %.2f%%", 100*t.Agreement.Fraction)
	}
	return s
}
