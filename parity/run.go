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
//
// Images are streamed (decode → preprocess → infer → summarise) through a fixed
// number of workers and summarised in dataset order as they complete, so the
// result does not depend on the number of workers and nothing proportional to
// the dataset is kept but the compact per-image records (PipelineResult.PerImage:
// float32 boxes and scores) and the COCO evaluator's per-detection entries. A run
// can be split into shards (Config.Shard) and the shards merged (Merge) into
// exactly the result of one run.
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
	"time"

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
	// Workers is the number of images run through the model at once, each worker
	// with its own ONNX Runtime session. Results do not depend on it.
	Workers int
	// Loaders is the number of goroutines that decode and preprocess images ahead
	// of the workers, so that the model does not wait for pixels (0: one more
	// than workers, so that the next image is ready while a loader is still busy
	// with the one after). Results do not depend on it.
	Loaders int
	// Threads is ONNX Runtime's intra-op thread count per session (0: the cores
	// the loaders leave, shared equally between the workers, at least 1).
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
	// Shard and Shards, when Shards > 0, restrict the run to shard Shard of Shards
	// (1 <= Shard <= Shards): the images whose 0-based position p in the sorted
	// list has p % Shards == Shard-1. Each image keeps its position as its id, so
	// Merge of the results of shards 1..Shards gives exactly the unsharded result.
	Shard, Shards int
	// Progress, when set, is called after each image with the number done so far.
	Progress func(done, total int)
}

// GCPercent is the garbage-collection target (GOGC) the detparity command runs
// with unless the GOGC environment variable is set; the library leaves the
// setting to its program. What a run keeps is its compact per-image records,
// pointer-free float32 and int32 slices that the collector marks at almost no
// cost, while every image passes through megabytes of short-lived pixels. At
// Go's default of 100 the heap grows to twice the records between collections,
// at 25 to 1.25 times: on 10 000 images (1.7 M detections kept) peak RSS drops
// from 343 to 267 MiB for 5 % more wall time (BENCHMARKS.md). Programs
// making large runs through the library can call debug.SetGCPercent(GCPercent).
const GCPercent = 25

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
	case c.Shards < 0 || (c.Shards > 0 && (c.Shard < 1 || c.Shard > c.Shards)) || (c.Shards == 0 && c.Shard != 0):
		return fmt.Errorf("parity: shard %d/%d, expected 1 <= i <= n", c.Shard, c.Shards)
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

// imageOutcome is what one image produced in every pipeline. Boxes and scores
// are rounded to float32 (roundDet, roundObj): the precision the run JSON keeps,
// so that a result merged from shards (Merge) recomputes exactly the same numbers.
type imageOutcome struct {
	name   string // Item.Name or the source's name
	err    error
	w, h   int
	gts    []box.Object
	dets   [][]box.Detection // per pipeline, source pixels
	failAt string            // "decode", "labels", "preprocess", "infer", "load"
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

// Source is an in-memory stream of labelled images for RunSource (for example
// scenes generated on the fly): nothing is read from disk. Image is called from
// several goroutines at once (one per worker) and must be safe for that.
type Source interface {
	// Classes are the class names, index = class id.
	Classes() []string
	// Len is the number of images.
	Len() int
	// Image returns image i (0 <= i < Len): its name (unique in the source), its
	// pixels and its ground truth in source pixels. An error marks the image as
	// failed (stage "load"); the run goes on.
	Image(i int) (name string, img frame.Image, gt []box.Object, err error)
}

// loader is where a run's images come from: a dataset directory or a Source.
type loader interface {
	classes() []string
	len() int
	// load returns image i's name, its pixels as each decoder gives them, and its
	// ground truth; on failure the stage and the error.
	load(i int, decoders []dataset.Decoder) (name string, imgs []frame.Image, gts []box.Object, stage string, err error)
	// path is what errors about image i name: its file ("" for a Source: its name).
	path(i int) string
	// name is image i's name when load could not tell it (it panicked).
	name(i int) string
}

type datasetLoader struct{ ds *dataset.Dataset }

func (l datasetLoader) classes() []string { return l.ds.Names }
func (l datasetLoader) len() int          { return len(l.ds.Items) }
func (l datasetLoader) path(i int) string { return l.ds.Items[i].ImagePath }
func (l datasetLoader) name(i int) string { return l.ds.Items[i].Name }

func (l datasetLoader) load(i int, decoders []dataset.Decoder) (string, []frame.Image, []box.Object, string, error) {
	it := l.ds.Items[i]
	imgs := make([]frame.Image, len(decoders))
	for k, dec := range decoders {
		img, err := dec.Decode(it.ImagePath)
		if err != nil {
			return it.Name, nil, nil, "decode", err
		}
		if k > 0 && (img.W != imgs[0].W || img.H != imgs[0].H) {
			return it.Name, nil, nil, "decode", fmt.Errorf("%s: decoder %s gives %dx%d, decoder %s %dx%d", it.ImagePath,
				dec.Name(), img.W, img.H, decoders[0].Name(), imgs[0].W, imgs[0].H)
		}
		imgs[k] = img
	}
	gts, err := l.ds.Labels(it, imgs[0].W, imgs[0].H)
	if err != nil {
		return it.Name, imgs, nil, "labels", err
	}
	return it.Name, imgs, gts, "", nil
}

type sourceLoader struct{ src Source }

func (l sourceLoader) classes() []string { return l.src.Classes() }
func (l sourceLoader) len() int          { return l.src.Len() }
func (l sourceLoader) path(int) string   { return "" }
func (l sourceLoader) name(i int) string { return fmt.Sprintf("image %d", i+1) }

func (l sourceLoader) load(i int, decoders []dataset.Decoder) (string, []frame.Image, []box.Object, string, error) {
	name, img, gts, err := l.src.Image(i)
	if name == "" {
		name = l.name(i)
	}
	if err != nil {
		return name, nil, nil, "load", fmt.Errorf("%s: %w", name, err)
	}
	if err := img.Validate(); err != nil {
		return name, nil, nil, "load", fmt.Errorf("%s: %w", name, err)
	}
	nc := len(l.src.Classes())
	for g, o := range gts {
		if o.Class < 0 || o.Class >= nc {
			return name, nil, nil, "load", fmt.Errorf("%s: ground truth %d has class %d, expected 0..%d", name, g, o.Class, nc-1)
		}
		if !(o.W() > 0 && o.H() > 0) {
			return name, nil, nil, "load", fmt.Errorf("%s: ground truth %d box %v, expected a positive width and height", name, g, o.Box)
		}
	}
	imgs := make([]frame.Image, len(decoders))
	for k := range imgs {
		imgs[k] = img
	}
	return name, imgs, slices.Clone(gts), "", nil
}

// Run evaluates cfg. It returns an error only when the run as a whole cannot
// proceed (bad config, dataset or model) or ctx is cancelled; per-image problems
// are in the result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Data == "" {
		return nil, errors.New("parity: no dataset directory given")
	}
	ds, err := dataset.Open(ctx, cfg.Data, dataset.DefaultOptions())
	if err != nil {
		return nil, err
	}
	res, err := runLoader(ctx, cfg, datasetLoader{ds}, ds.NamesFile, ds.Orphans)
	if err != nil {
		return nil, err
	}
	// Image names are relative to the dataset's image folder (JPEGImages/ for VOC).
	res.imageDir = ds.ImagesDir()
	if ds.CategoryIDs != nil {
		// A COCO dataset: predictions carry its own image and category ids.
		res.cocoIDs = func(pos int64, class int) (int64, int64) { return ds.Items[pos-1].ID, ds.CategoryIDs[class] }
	}
	return res, nil
}

// RunSource is Run over an in-memory source instead of a dataset directory
// (cfg.Data is then only a label for the result). Every pipeline gets the
// source's pixels whatever decoder its spec names (PipelineResult.Decoder reads
// "source").
func RunSource(ctx context.Context, cfg Config, src Source) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if src == nil || src.Len() == 0 {
		return nil, errors.New("parity: the source has no image")
	}
	return runLoader(ctx, cfg, sourceLoader{src}, "the source's class list", nil)
}

func runLoader(ctx context.Context, cfg Config, ld loader, namesFile string, orphans []string) (*Result, error) {
	modelPaths := cfg.modelList()
	specs := make([]letterbox.Spec, len(cfg.Pipelines))
	var err error
	for i, name := range cfg.Pipelines {
		if specs[i], err = letterbox.Parse(name); err != nil {
			return nil, fmt.Errorf("parity: pipeline %q: %w", name, err)
		}
	}
	_, isSource := ld.(sourceLoader)
	// Each image is decoded once per distinct decoder the pipelines name.
	var decoders []dataset.Decoder
	decoderOf := make([]int, len(specs))
	for i, s := range specs {
		if isSource {
			decoders = []dataset.Decoder{nil}
			continue
		}
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
	classes := ld.classes()
	total := ld.len()
	// The shard's images: sorted position p (0-based) with p % n == i-1.
	var order []int
	for p := range total {
		if cfg.Shards == 0 || p%cfg.Shards == cfg.Shard-1 {
			order = append(order, p)
		}
	}
	if err := detect.Init(); err != nil {
		return nil, err
	}
	opts := detect.DefaultOptions()
	opts.Conf = cfg.Floor
	opts.IoU = cfg.NMSIoU
	workers := min(cfg.Workers, max(1, len(order)), runtime.NumCPU()*4)
	loaders := cfg.Loaders
	if loaders <= 0 {
		loaders = workers + 1
	}
	loaders = min(loaders, max(1, len(order)), runtime.NumCPU()*4)
	// The sessions share the cores with the loaders: by default each gets an
	// equal part of what the loaders leave (at least one thread), and idle
	// intra-op threads sleep rather than spin.
	opts.Threads = cfg.Threads
	if opts.Threads == 0 {
		opts.Threads = max(1, (runtime.NumCPU()-loaders)/workers)
	}
	opts.NoSpin = true
	// Layouts whose outputs do not tell the class count (NMS inside, end-to-end)
	// check each detection's class id against the label set instead.
	opts.NumClasses = len(classes)
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
				return nil, fmt.Errorf("parity: model for %s (%d classes in %s): %w", cfg.Data, len(classes), namesFile, err)
			}
		}
	}
	names := runNames(modelPaths, cfg.Pipelines)
	var runs []run
	for m, path := range modelPaths {
		mw, mh := sessions[0][m].InputSize()
		if err := sessions[0][m].CheckClasses(classes); err != nil {
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

	w0, h0 := sessions[0][0].InputSize()
	res := &Result{
		Model: modelPaths[0], Models: modelPaths, Data: cfg.Data, InputW: w0, InputH: h0, Classes: classes,
		Conf: cfg.Conf, MatchIoU: cfg.MatchIoU, NMSIoU: cfg.NMSIoU, Floor: cfg.Floor,
		Images: len(order), Failed: []FailedImage{}, Orphans: orphans, fromRun: true,
	}
	if res.Orphans == nil {
		res.Orphans = []string{}
	}
	if cfg.Shards > 0 {
		res.Shard, res.DatasetImages = fmt.Sprintf("%d/%d", cfg.Shard, cfg.Shards), total
	}
	heads := make([]PipelineResult, len(runs))
	for r, rn := range runs {
		heads[r] = PipelineResult{Name: rn.name, Model: modelPaths[rn.model], Pipeline: cfg.Pipelines[rn.pipeline],
			Spec: rn.spec.String(), Size: sizeString(rn.spec), Decoder: rn.spec.DecoderName()}
		if isSource {
			heads[r].Decoder = "source"
		}
	}
	col, err := newCollector(cfg, res, heads, total)
	if err != nil {
		return nil, err
	}

	plans := newPlanCache(runs)
	// Three stages, so that the model is not kept waiting: loaders decode each
	// image and preprocess it for every run into a tensor set, workers run the
	// model on it, and each worker's post-processing goroutine decodes the
	// outputs and summarises. A tensor set is taken from a pool of
	// loaders+workers sets and returned once the model has run, which bounds the
	// images in flight. Outcomes are consumed in shard order (so the result does
	// not depend on the number of workers or loaders) and dropped once summarised.
	free := make(chan [][]float32, loaders+workers)
	for range loaders + workers {
		set := make([][]float32, len(runs))
		for r, rn := range runs {
			mw, mh := sessions[0][rn.model].InputSize()
			set[r] = make([]float32, 3*mw*mh)
		}
		free <- set
	}
	jobs := make(chan int)
	ready := make(chan prepared)
	var tm Timing
	var mu sync.Mutex // guards tm, pending, next, colErr, done
	start := time.Now()
	var lwg sync.WaitGroup
	for range loaders {
		lwg.Add(1)
		go func() {
			defer lwg.Done()
			for k := range jobs {
				set := <-free
				p, load, pre := prepareImage(ld, order[k], decoders, plans, set)
				p.k = k
				mu.Lock()
				tm.Load += load
				tm.Preprocess += pre
				mu.Unlock()
				ready <- p
			}
		}()
	}
	go func() {
		lwg.Wait()
		close(ready)
	}()
	pending := map[int]imageOutcome{}
	next := 0
	var colErr error
	done := 0
	// Each worker hands the raw outputs to its own post-processing goroutine
	// (output decoding, NMS, unmapping, summarising), so that the session can
	// start the next image at once.
	var wwg, pwg sync.WaitGroup
	for w := range workers {
		posts := make(chan ranImage, 1)
		wwg.Add(1)
		go func(ms []*detect.Model) {
			defer wwg.Done()
			defer close(posts)
			for {
				t0 := time.Now()
				p, ok := <-ready
				wait := time.Since(t0)
				if !ok {
					mu.Lock()
					tm.Wait += wait
					mu.Unlock()
					return
				}
				r, run := runImage(p, plans.runs, ms)
				free <- p.tensors
				r.p.tensors = nil
				t1 := time.Now()
				posts <- r
				wait += time.Since(t1)
				mu.Lock()
				tm.Wait += wait
				tm.Run += run
				mu.Unlock()
			}
		}(sessions[w])
		pwg.Add(1)
		go func(ms []*detect.Model) {
			defer pwg.Done()
			for r := range posts {
				o, post := postImage(r, plans.runs, ms)
				mu.Lock()
				tm.Post += post
				t1 := time.Now()
				pending[r.p.k] = o
				for {
					o, ok := pending[next]
					if !ok {
						break
					}
					delete(pending, next)
					if colErr == nil {
						colErr = col.add(order[next], o)
					}
					next++
				}
				tm.Collect += time.Since(t1)
				done++
				if cfg.Progress != nil {
					cfg.Progress(done, len(order))
				}
				mu.Unlock()
			}
		}(sessions[w])
	}
	for k := range order {
		// Check first: when both cases are ready select picks at random.
		if ctx.Err() != nil {
			break
		}
		select {
		case jobs <- k:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wwg.Wait()
	pwg.Wait()
	if err := ctx.Err(); err != nil && done < len(order) {
		return nil, fmt.Errorf("parity: interrupted after %d of %d images: %w", done, len(order), err)
	}
	if colErr != nil {
		return nil, colErr
	}
	tm.Images, tm.Workers, tm.Loaders, tm.Wall = len(order), workers, loaders, time.Since(start)
	t0 := time.Now()
	if err := col.finish(); err != nil {
		return nil, err
	}
	tm.Finish = time.Since(t0)
	res.timing = tm
	return res, nil
}

// prepared is one image decoded and preprocessed for every run: the loaders'
// output and the workers' input.
type prepared struct {
	k       int          // position in the run's image order
	o       imageOutcome // name, size and ground truth; or the failure
	where   string       // what errors name: the file, or the source's name
	tensors [][]float32  // per run: the model's input (a set from the pool)
	geoms   []letterbox.Geometry
}

// prepareImage decodes image i once per decoder and preprocesses it for every
// run into set. It returns the times spent loading and preprocessing.
//
// A panic (a bug in a decoder or a Source) fails the image, stage "load", with
// the panic's value instead of ending the run.
func prepareImage(ld loader, i int, decoders []dataset.Decoder, plans *planCache, set [][]float32) (p prepared, load, pre time.Duration) {
	p = prepared{tensors: set}
	defer func() {
		if v := recover(); v != nil {
			where := ld.path(i)
			if where == "" {
				where = ld.name(i)
			}
			p.o = imageOutcome{name: ld.name(i), err: fmt.Errorf("%s: internal error while loading (please report it): panic: %v", where, v), failAt: "load"}
		}
	}()
	t0 := time.Now()
	name, imgs, gts, stage, err := ld.load(i, decoders)
	load = time.Since(t0)
	if err != nil {
		p.o = imageOutcome{name: name, err: err, failAt: stage}
		if len(imgs) > 0 {
			p.o.w, p.o.h = imgs[0].W, imgs[0].H
		}
		return p, load, 0
	}
	p.o = imageOutcome{name: name, w: imgs[0].W, h: imgs[0].H, gts: gts}
	for k := range p.o.gts {
		p.o.gts[k].Box = roundBox(p.o.gts[k].Box)
	}
	p.where = ld.path(i)
	if p.where == "" {
		p.where = name
	}
	p.geoms = make([]letterbox.Geometry, len(plans.runs))
	t1 := time.Now()
	for r, rn := range plans.runs {
		img := imgs[rn.decoder]
		plan, err := plans.get(r, img.W, img.H)
		if err == nil {
			err = plan.Apply(img, set[r])
		}
		if err != nil {
			p.o = imageOutcome{name: name, err: fmt.Errorf("%s: %w", p.where, err), failAt: "preprocess", w: img.W, h: img.H}
			break
		}
		p.geoms[r] = plan.Geometry()
	}
	return p, load, time.Since(t1)
}

// ranImage is an image the model has run on: the workers' output and the
// post-processing goroutines' input.
type ranImage struct {
	p    prepared
	outs [][]detect.Output // per run
	err  error             // the failure of Run, if any
}

// runImage runs the model of every run on p's tensors and returns the raw
// outputs (copies: the tensors can go back to the pool) and the time spent
// inside ONNX Runtime's Run. A panic fails the image, stage "infer".
func runImage(p prepared, runs []run, ms []*detect.Model) (r ranImage, took time.Duration) {
	r.p = p
	if p.o.err != nil {
		return r, 0
	}
	defer func() {
		if v := recover(); v != nil {
			r.err = fmt.Errorf("internal error while running the model (please report it): panic: %v", v)
		}
	}()
	r.outs = make([][]detect.Output, len(runs))
	for i, rn := range runs {
		t0 := time.Now()
		outs, err := ms[rn.model].Run(p.tensors[i])
		took += time.Since(t0)
		if err != nil {
			r.err = err
			return r, took
		}
		r.outs[i] = outs
	}
	return r, took
}

// postImage decodes r's outputs for every run and maps the boxes back to
// source pixels; it also returns the time it took. A panic (a bug in output
// decoding) fails the image, stage "infer".
func postImage(r ranImage, runs []run, ms []*detect.Model) (out imageOutcome, took time.Duration) {
	p := r.p
	out = p.o
	if out.err != nil {
		return out, 0
	}
	fail := func(err error) imageOutcome {
		return imageOutcome{name: out.name, err: fmt.Errorf("%s: %w", p.where, err), failAt: "infer", w: out.w, h: out.h}
	}
	if r.err != nil {
		return fail(r.err), 0
	}
	t0 := time.Now()
	defer func() {
		if v := recover(); v != nil {
			out = fail(fmt.Errorf("internal error after inference (please report it): panic: %v", v))
		}
		took = time.Since(t0)
	}()
	out.dets = make([][]box.Detection, len(runs))
	for i, rn := range runs {
		dd, err := ms[rn.model].Decode(r.outs[i], 1)
		if err != nil {
			return fail(err), 0
		}
		dets := dd[0]
		for k := range dets {
			dets[k].Box = roundBox(p.geoms[i].UnmapBox(dets[k].Box))
			dets[k].Score = float64(float32(dets[k].Score))
		}
		out.dets[i] = dets
	}
	return out, 0
}

// roundBox rounds each coordinate to float32, the precision the run JSON keeps.
func roundBox(b box.Box) box.Box {
	return box.Box{X1: float64(float32(b.X1)), Y1: float64(float32(b.Y1)), X2: float64(float32(b.X2)), Y2: float64(float32(b.Y2))}
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
