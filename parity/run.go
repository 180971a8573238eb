// Package parity runs one ONNX detector over a labelled dataset through several
// preprocessing pipelines and compares what comes out. It sits at the end of the
// detparity data path and drives every step before it:
//
//	dataset (decode + labels) → letterbox (Plan/Apply) → detect (ORT, decode, NMS)
//	→ letterbox (UnmapBox to source pixels) → metrics (match, P/R/F1, histograms, KS)
//
// Every image is decoded once and fed to every pipeline, so the pipelines differ
// only in preprocessing. An image that cannot be decoded or whose labels are bad is
// reported as failed (with the error naming the file) and counted; it is never
// dropped silently, and it is excluded from every pipeline alike.
package parity

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/dataset/opencv"
	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
)

// Config says what to run. Zero fields take the defaults of DefaultConfig.
type Config struct {
	Model string // ONNX model path
	// Models, when set, are several ONNX models run through every pipeline (for
	// example an FP32 model and its quantised copy). Model, when also set, runs first.
	// With more than one model each run is named "MODEL/PIPELINE" (see
	// PipelineResult.Name).
	Models []string
	Data   string // YOLO dataset directory (images/, labels/, class names)
	// Pipelines are preprocessing specs as letterbox.Parse reads them: a preset
	// ("sg-coco"), a preset with overrides ("sg-coco:decoder=go") or a free spec
	// ("letterbox:size=640,inner=636,anchor=center,pad=114,order=rgb,scale=1/255").
	// Each is adapted to the model's input size (letterbox.Spec.ForInput).
	Pipelines []string
	// Conf is the confidence threshold of the thresholded metrics: a detection counts
	// when its score is > Conf (super-gradients and Ultralytics keep score > conf).
	Conf float64
	// MatchIoU is the IoU a detection needs with a same-class ground truth to be a TP.
	MatchIoU float64
	// NMSIoU is the class-aware NMS IoU (torchvision batched_nms semantics).
	NMSIoU float64
	// Floor is the lowest score kept from the model, so that confidence
	// distributions see what lies below Conf. Matching at Conf is unaffected: NMS
	// keeps the same boxes above Conf whatever lower-scored boxes exist.
	Floor float64
	// Workers is the number of images processed at once, each worker with its own
	// ONNX Runtime session. Results do not depend on it.
	Workers int
	// Threads is ONNX Runtime's intra-op thread count per session (0: its default).
	Threads int
	// Bins is the number of fixed histogram bins on [0,1].
	Bins int
	// Reference, when set, is a COCO results json of reference predictions (e.g.
	// scripts/dump_reference.py: the PyTorch model run in Python) with image_id the
	// 1-based position of the image in the dataset and category_id the class index.
	// Every run is then compared with it detection by detection (PipelineResult.Reference).
	Reference string
	// ReferenceFloor is the score floor the reference was dumped with: only
	// detections scoring above it, on both sides, are compared (0: 0.05, the
	// default of scripts/dump_reference.py). It must be >= Floor.
	ReferenceFloor float64
	// Progress, when set, is called after each image with the number done so far.
	Progress func(done, total int)
}

// DefaultReferenceFloor is the default Config.ReferenceFloor.
const DefaultReferenceFloor = 0.05

// DefaultConfig returns the defaults: conf 0.5, match IoU 0.5, NMS IoU 0.7 (the
// super-gradients COCO default), floor 0.01, 1 worker, 20 bins.
func DefaultConfig() Config {
	return Config{Conf: 0.5, MatchIoU: 0.5, NMSIoU: 0.7, Floor: 0.01, Workers: 1, Bins: 20}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Conf == 0 {
		c.Conf = d.Conf
	}
	if c.MatchIoU == 0 {
		c.MatchIoU = d.MatchIoU
	}
	if c.NMSIoU == 0 {
		c.NMSIoU = d.NMSIoU
	}
	if c.Floor == 0 {
		c.Floor = d.Floor
	}
	if c.Workers <= 0 {
		c.Workers = d.Workers
	}
	if c.Bins <= 0 {
		c.Bins = d.Bins
	}
	if c.ReferenceFloor == 0 {
		c.ReferenceFloor = DefaultReferenceFloor
	}
	return c
}

// modelList is Model (when set) followed by Models.
func (c Config) modelList() []string {
	var out []string
	if c.Model != "" {
		out = append(out, c.Model)
	}
	return append(out, c.Models...)
}

func (c Config) validate() error {
	switch {
	case len(c.modelList()) == 0:
		return errors.New("parity: no model given")
	case c.Data == "":
		return errors.New("parity: no dataset directory given")
	case len(c.Pipelines) == 0:
		return errors.New("parity: no pipeline given")
	case c.Conf < 0 || c.Conf >= 1:
		return fmt.Errorf("parity: confidence threshold %v, expected 0 <= conf < 1", c.Conf)
	case c.Floor < 0 || c.Floor > c.Conf:
		return fmt.Errorf("parity: score floor %v, expected 0 <= floor <= conf (%v)", c.Floor, c.Conf)
	case c.MatchIoU <= 0 || c.MatchIoU > 1:
		return fmt.Errorf("parity: match IoU %v, expected 0 < iou <= 1", c.MatchIoU)
	case c.NMSIoU <= 0 || c.NMSIoU > 1:
		return fmt.Errorf("parity: NMS IoU %v, expected 0 < iou <= 1", c.NMSIoU)
	case c.Reference != "" && (c.ReferenceFloor < c.Floor || c.ReferenceFloor >= 1):
		return fmt.Errorf("parity: reference floor %v, expected score floor (%v) <= reference floor < 1", c.ReferenceFloor, c.Floor)
	}
	seenModel := map[string]bool{}
	for _, m := range c.modelList() {
		if seenModel[m] {
			return fmt.Errorf("parity: model %q given twice", m)
		}
		seenModel[m] = true
	}
	seen := map[string]bool{}
	for _, p := range c.Pipelines {
		if seen[p] {
			return fmt.Errorf("parity: pipeline %q given twice", p)
		}
		seen[p] = true
	}
	return nil
}

func decoderFor(name string) (dataset.Decoder, error) {
	switch name {
	case letterbox.DecoderOpenCV:
		return opencv.Decoder{}, nil
	case letterbox.DecoderGo:
		return dataset.GoDecoder{}, nil
	}
	return nil, fmt.Errorf("parity: decoder %q, expected %s or %s", name, letterbox.DecoderOpenCV, letterbox.DecoderGo)
}

// imageOutcome is what one image produced in every pipeline.
type imageOutcome struct {
	err    error
	w, h   int
	gts    []box.Object
	dets   [][]box.Detection // per pipeline, source pixels
	failAt string            // "decode", "labels", "preprocess", "infer"
}

// run is one (model, pipeline) pair of a Run.
type run struct {
	model    int            // index into the model list
	pipeline int            // index into Config.Pipelines
	name     string         // PipelineResult.Name
	spec     letterbox.Spec // as adapted to the model's input size; reported
	tensor   letterbox.Spec // what makes the float32 tensor (see tensorSpec)
	decoder  int            // index of its decoder
}

// runNames names each (model, pipeline) pair: the pipeline alone with one model,
// else MODEL/PIPELINE with MODEL the file's base name, or its path when two models
// share a base name.
func runNames(models, pipelines []string) [][]string {
	labels := make([]string, len(models))
	bases := map[string]int{}
	for _, m := range models {
		bases[filepath.Base(m)]++
	}
	for i, m := range models {
		labels[i] = filepath.Base(m)
		if bases[labels[i]] > 1 {
			labels[i] = filepath.ToSlash(m)
		}
	}
	out := make([][]string, len(models))
	for i := range models {
		for _, p := range pipelines {
			if len(models) == 1 {
				out[i] = append(out[i], p)
			} else {
				out[i] = append(out[i], labels[i]+"/"+p)
			}
		}
	}
	return out
}

// Run evaluates cfg. It returns an error only when the run as a whole cannot
// proceed (bad config, dataset or model); per-image problems are in the result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	modelPaths := cfg.modelList()
	specs := make([]letterbox.Spec, len(cfg.Pipelines))
	var err error
	for i, name := range cfg.Pipelines {
		if specs[i], err = letterbox.Parse(name); err != nil {
			return nil, fmt.Errorf("parity: pipeline %q: %w", name, err)
		}
	}
	// Each image is decoded once per distinct decoder the pipelines name.
	var decoders []dataset.Decoder
	decoderOf := make([]int, len(specs))
	for i, s := range specs {
		name := s.DecoderName()
		k := slices.IndexFunc(decoders, func(d dataset.Decoder) bool { return d.Name() == name })
		if k < 0 {
			d, err := decoderFor(name)
			if err != nil {
				return nil, fmt.Errorf("parity: pipeline %q: %w", cfg.Pipelines[i], err)
			}
			decoders = append(decoders, d)
			k = len(decoders) - 1
		}
		decoderOf[i] = k
	}
	ds, err := dataset.Open(cfg.Data)
	if err != nil {
		return nil, err
	}
	if err := detect.Init(); err != nil {
		return nil, err
	}
	opts := detect.DefaultOptions()
	opts.Conf = cfg.Floor
	opts.IoU = cfg.NMSIoU
	opts.Threads = cfg.Threads
	// Layouts whose outputs do not tell the class count (NMS inside, end-to-end)
	// check each detection's class id against the label set instead.
	opts.NumClasses = len(ds.Names)
	workers := min(cfg.Workers, max(1, len(ds.Items)), runtime.NumCPU()*4)
	// sessions[w][m] is worker w's session of model m.
	sessions := make([][]*detect.Model, workers)
	defer func() {
		for _, ms := range sessions {
			for _, m := range ms {
				if m != nil {
					m.Close()
				}
			}
		}
	}()
	for w := range sessions {
		sessions[w] = make([]*detect.Model, len(modelPaths))
		for m, path := range modelPaths {
			if sessions[w][m], err = detect.Open(path, opts); err != nil {
				return nil, fmt.Errorf("parity: model for %s (%d classes in %s): %w", cfg.Data, len(ds.Names), ds.NamesFile, err)
			}
		}
	}
	names := runNames(modelPaths, cfg.Pipelines)
	var runs []run
	for m, path := range modelPaths {
		mw, mh := sessions[0][m].InputSize()
		if err := sessions[0][m].CheckClasses(ds.Names); err != nil {
			return nil, fmt.Errorf("parity: %s: %w", cfg.Data, err)
		}
		for p, s := range specs {
			// A preset follows the model's fixed input size (sg-coco keeps its 4-pixel
			// inner margin); the spec actually used is reported in the result.
			sp, err := s.ForInput(mw, mh)
			if err != nil {
				return nil, fmt.Errorf("parity: pipeline %q for %s (input %dx%d): %w", cfg.Pipelines[p], path, mw, mh, err)
			}
			tensor, err := tensorSpec(sp, sessions[0][m].InputType())
			if err != nil {
				return nil, fmt.Errorf("parity: pipeline %q for %s: %w", cfg.Pipelines[p], path, err)
			}
			runs = append(runs, run{model: m, pipeline: p, name: names[m][p], spec: sp, tensor: tensor, decoder: decoderOf[p]})
		}
	}

	plans := newPlanCache(runs)
	outcomes := make([]imageOutcome, len(ds.Items))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(ms []*detect.Model) {
			defer wg.Done()
			tensors := make([][]float32, len(ms))
			for m := range ms {
				mw, mh := ms[m].InputSize()
				tensors[m] = make([]float32, 3*mw*mh)
			}
			for i := range jobs {
				outcomes[i] = evalImage(ds, ds.Items[i], decoders, plans, ms, tensors)
				if cfg.Progress != nil {
					mu.Lock()
					done++
					cfg.Progress(done, len(ds.Items))
					mu.Unlock()
				}
			}
		}(sessions[w])
	}
	interrupted := false
feed:
	for i := range ds.Items {
		select {
		case jobs <- i:
		case <-ctx.Done():
			interrupted = true
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if interrupted {
		return nil, fmt.Errorf("parity: interrupted: %w", ctx.Err())
	}
	w0, h0 := sessions[0][0].InputSize()
	return summarise(cfg, modelPaths, runs, ds, w0, h0, outcomes)
}

func evalImage(ds *dataset.Dataset, it dataset.Item, decoders []dataset.Decoder, plans *planCache, ms []*detect.Model, tensors [][]float32) imageOutcome {
	imgs := make([]frame.Image, len(decoders))
	for k, dec := range decoders {
		img, err := dec.Decode(it.ImagePath)
		if err != nil {
			return imageOutcome{err: err, failAt: "decode"}
		}
		if k > 0 && (img.W != imgs[0].W || img.H != imgs[0].H) {
			return imageOutcome{err: fmt.Errorf("%s: decoder %s gives %dx%d, decoder %s %dx%d", it.ImagePath,
				dec.Name(), img.W, img.H, decoders[0].Name(), imgs[0].W, imgs[0].H), failAt: "decode"}
		}
		imgs[k] = img
	}
	w, h := imgs[0].W, imgs[0].H
	out := imageOutcome{w: w, h: h}
	var err error
	if out.gts, err = ds.Labels(it, w, h); err != nil {
		return imageOutcome{err: err, failAt: "labels", w: w, h: h}
	}
	out.dets = make([][]box.Detection, len(plans.runs))
	for r, rn := range plans.runs {
		img := imgs[rn.decoder]
		plan, err := plans.get(r, img.W, img.H)
		if err != nil {
			return imageOutcome{err: fmt.Errorf("%s: %w", it.ImagePath, err), failAt: "preprocess", w: img.W, h: img.H}
		}
		tensor := tensors[rn.model]
		if err := plan.Apply(img, tensor); err != nil {
			return imageOutcome{err: fmt.Errorf("%s: %w", it.ImagePath, err), failAt: "preprocess", w: img.W, h: img.H}
		}
		dets, err := ms[rn.model].Infer(tensor)
		if err != nil {
			return imageOutcome{err: fmt.Errorf("%s: %w", it.ImagePath, err), failAt: "infer", w: img.W, h: img.H}
		}
		g := plan.Geometry()
		for k := range dets {
			dets[k].Box = g.UnmapBox(dets[k].Box)
		}
		out.dets[r] = dets
	}
	return out
}

// planCache holds one letterbox.Plan per (run, source size): frames of a
// dataset come in a handful of sizes, so tables are computed a handful of times.
type planCache struct {
	runs  []run
	mu    sync.Mutex
	plans map[planKey]*letterbox.Plan
}

type planKey struct{ run, w, h int }

func newPlanCache(runs []run) *planCache {
	return &planCache{runs: runs, plans: map[planKey]*letterbox.Plan{}}
}

func (c *planCache) get(r, w, h int) (*letterbox.Plan, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := planKey{r, w, h}
	if pl, ok := c.plans[k]; ok {
		return pl, nil
	}
	pl, err := c.runs[r].tensor.Plan(w, h)
	if err != nil {
		return nil, err
	}
	c.plans[k] = pl
	return pl, nil
}

// SplitPipelines splits a command-line list of pipeline specs. Specs are separated
// by ';' or ','; since a spec's own options are comma-separated too, a piece of
// the form key=value (no ':') continues the spec before it:
//
//	"stretch,letterbox:size=640,inner=636" → ["stretch", "letterbox:size=640,inner=636"]
func SplitPipelines(s string) []string {
	var out []string
	for _, group := range strings.Split(s, ";") {
		for _, p := range strings.Split(group, ",") {
			p = strings.TrimSpace(p)
			switch {
			case p == "":
			case len(out) > 0 && strings.Contains(p, "=") && !strings.Contains(p, ":") && strings.Contains(out[len(out)-1], ":"):
				out[len(out)-1] += "," + p
			default:
				out = append(out, p)
			}
		}
	}
	return out
}

// tensorSpec checks a pipeline against the model's input element type and
// returns the spec that makes its float32 tensor. A
// uint8-input model (preprocessing embedded in the graph: cast, optional channel
// swap and /255 inside) takes the resized, padded bytes unchanged: the pipeline
// must say dtype=uint8. Its bytes travel to detect as exact float32 integers
// (detect casts them back and refuses anything else), so the tensor is made by
// the same spec with scale 1 and no mean/std. A float32 model refuses a uint8
// pipeline.
func tensorSpec(s letterbox.Spec, inputType string) (letterbox.Spec, error) {
	switch {
	case inputType == "uint8" && s.DType == letterbox.Uint8:
		s.DType, s.Scale, s.Mean, s.Std = letterbox.Float32, 1, [3]float64{}, [3]float64{}
		return s, nil
	case inputType == "uint8":
		u := s
		u.DType = letterbox.Uint8
		return s, fmt.Errorf("the model takes uint8 input (its graph does the cast and scaling): add dtype=uint8 to the pipeline, e.g. %q", u.String())
	case s.DType == letterbox.Uint8:
		return s, fmt.Errorf("the pipeline makes uint8 tensors but the model takes %s input", inputType)
	}
	return s, nil
}
