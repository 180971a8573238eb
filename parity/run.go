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
// One engine walks that path for every consumer — Run, Diagnose,
// CompareBackends and package paritytest — and a pipeline is anything that turns
// a decoded image into the model's input and says how boxes map back: a
// letterbox spec, the user's own Go function (Preprocessor), or tensors another
// program wrote ("tensors:dir=DIR,unmap=SPEC"). Images are streamed (decode →
// preprocess → infer → summarise) through loaders, workers and post-processing
// goroutines and summarised in dataset order as they complete, so the result
// does not depend on the number of workers and nothing proportional to the
// dataset is kept but the compact per-image records (PipelineResult.PerImage:
// float32 boxes and scores). A run can be split into shards (Config.Shard) and
// the shards merged (Merge) into exactly the result of one run.
//
// The package needs ONNX Runtime only. The OpenCV image decoder (pipelines'
// default, cv2.imread semantics) and the OpenCV DNN backend register
// themselves when their packages are imported:
//
//	import _ "github.com/detparity/detparity/dataset/opencv" // decoder=opencv
//	import _ "github.com/detparity/detparity/detect/cvdnn"   // CompareBackends with OpenCV DNN
package parity

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/internal/faults"
)

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
// proceed (bad config, dataset, model, or a pipeline that cannot feed the model)
// or ctx is cancelled; per-image problems are in the result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Data == "" {
		return nil, errors.New("parity: no dataset directory given")
	}
	refs, err := cfg.inspectModels()
	if err != nil {
		return nil, err
	}
	opts := cfg.Settings.dataOptions()
	if md := refs[0].sig.Metadata; md != nil && len(md.Names) > 0 {
		// A dataset without a names file takes the model's own class names.
		opts.Names, opts.NamesSource = md.Names, "the metadata of "+refs[0].path
	}
	ds, err := dataset.Open(ctx, cfg.Data, opts)
	if err != nil {
		return nil, err
	}
	if cfg.CheckInputs != nil {
		if err := cfg.CheckInputs(cfg.inputFiles(ds)); err != nil {
			return nil, err
		}
	}
	hash, err := ds.Hash(ctx, opts)
	if err != nil {
		return nil, err
	}
	res, err := runLoader(ctx, cfg, datasetLoader{ds: ds, data: cfg.Data}, ds.Orphans, refs)
	if err != nil {
		return nil, err
	}
	res.DataSHA256 = hash
	res.DataWarnings = ds.Warnings
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
// source's pixels whatever decoder it names (PipelineResult.Decoder reads
// "source").
func RunSource(ctx context.Context, cfg Config, src Source) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if src == nil || src.Len() == 0 {
		return nil, errors.New("parity: the source has no image")
	}
	refs, err := cfg.inspectModels()
	if err != nil {
		return nil, err
	}
	if cfg.CheckInputs != nil {
		if err := cfg.CheckInputs(cfg.inputFiles(nil)); err != nil {
			return nil, err
		}
	}
	return runLoader(ctx, cfg, sourceLoader{src: src, data: cfg.Data}, nil, refs)
}

// inspectModels reads every model's signature once.
func (c Config) inspectModels() ([]modelRef, error) {
	var refs []modelRef
	for _, m := range c.modelList() {
		sig, err := inspect(m, c.Settings)
		if err != nil {
			return nil, err
		}
		refs = append(refs, modelRef{path: m, backend: detect.BackendONNXRuntime, sig: sig})
	}
	return refs, nil
}

// DefaultPipeline is the preprocessing a model's metadata says it was trained
// with, and why: an Ultralytics (or YOLOv5) export is letterboxed as its
// predictor does — centre, pad 114, RGB, /255 — to its full input when the size
// is fixed, to a multiple of its stride at its export size when the size is
// symbolic (LetterBox(auto=True)). A model whose metadata says nothing gets an
// error: no preprocessing is guessed.
func DefaultPipeline(sig *detect.Signature) (pipeline, why string, err error) {
	md := sig.Metadata
	if md == nil || (md.Family != "ultralytics" && md.Family != "yolov5") {
		return "", "", fmt.Errorf("parity: %s: no pipeline given, and the model's metadata names no training preprocessing: give one (see detparity presets), or find it with detparity diagnose", sig.Path)
	}
	why = "the model's metadata: " + md.Producer() + " export"
	if !sig.DynamicSize {
		return "ultralytics", why, nil
	}
	if len(md.ImgSz) != 2 {
		return "", "", fmt.Errorf("parity: %s: no pipeline given, and the symbolic-size model's metadata gives no imgsz to run it at", sig.Path)
	}
	stride := md.Stride
	if stride <= 0 {
		stride = 32
	}
	return fmt.Sprintf("ultralytics-auto:size=%dx%d,stride=%d", md.ImgSz[1], md.ImgSz[0], stride), why, nil
}

// shardOrder is the loader positions the run evaluates: those Limit selects
// (every position without one), then, for a shard, the sorted positions p
// (0-based) with p % n == i-1.
func (c Config) shardOrder(total int) []int {
	all := make([]int, total)
	for p := range all {
		all[p] = p
	}
	var order []int
	for _, p := range spread(all, c.Limit) {
		if c.Shards == 0 || p%c.Shards == c.Shard-1 {
			order = append(order, p)
		}
	}
	return order
}

func runLoader(ctx context.Context, cfg Config, ld loader, orphans []string, refs []modelRef) (*Result, error) {
	id, err := identify(ctx, cfg)
	if err != nil {
		return nil, err
	}
	order := cfg.shardOrder(ld.len())
	models := cfg.modelList()
	var from string
	if len(cfg.Pipelines)+len(cfg.Preprocessors) == 0 {
		p, why, err := DefaultPipeline(refs[0].sig)
		if err != nil {
			return nil, err
		}
		cfg.Pipelines, from = []string{p}, why
	}
	e, err := openEngine(ld, refs, cfg.Settings, len(order))
	if err != nil {
		return nil, err
	}
	defer e.close()
	runs, heads, err := bindRuns(e, cfg)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(heads))
	for i, h := range heads {
		names[i] = h.Name
	}
	if err := e.setRuns(runs, names); err != nil {
		return nil, err
	}
	if _, ok := ld.(sourceLoader); ok {
		for i := range heads {
			heads[i].Decoder = "source"
		}
	}
	phase := "evaluating " + plural(len(order), "image") + " × " + plural(len(cfg.pipelineNames()), "pipeline")
	if len(models) > 1 {
		phase += " × " + plural(len(models), "model")
	}
	e.progress = imageProgress(cfg.Progress, phase, len(order))
	sig := e.models[0].sig
	res := &Result{
		Model: models[0], Models: models, Data: cfg.Data, InputW: sig.Width, InputH: sig.Height, Classes: ld.classes(),
		Conf: cfg.Conf, MatchIoU: cfg.MatchIoU, NMSIoU: cfg.NMSIoU, Floor: cfg.Floor,
		Images: len(order), Failed: []FailedImage{}, Orphans: orphans, fromRun: true,
	}
	id.stamp(res, cfg.Settings)
	if res.Orphans == nil {
		res.Orphans = []string{}
	}
	res.PipelineFrom = from
	res.DataWarnings = []dataset.Warning{}
	if cfg.Shards > 0 {
		res.Shard, res.DatasetImages = fmt.Sprintf("%d/%d", cfg.Shard, cfg.Shards), ld.len()
	}
	if len(order) < ld.len() && cfg.Limit > 0 {
		res.DatasetImages = ld.len()
	}
	var ref *reference
	if cfg.Reference != "" {
		if ref, err = readReference(cfg.Reference, loaderIndex(ld), cfg.Settings); err != nil {
			return nil, err
		}
	}
	col, err := newCollector(cfg.Settings, ref, res, heads)
	if err != nil {
		return nil, err
	}
	tm, err := e.stream(ctx, order, func(o *outcome) error { return col.add(o.merged()) })
	if err != nil {
		return nil, err
	}
	// The end-of-run totals (the COCO evaluation over every record) are the
	// run's memory peak: the sessions are closed and the images' garbage given
	// back to the system first, so that the two do not add up (BENCHMARKS.md).
	e.close()
	debug.FreeOSMemory()
	faults.At(pointFinish)
	if err := col.finish(); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		// Cancelled while the totals were computed: no result either.
		return nil, interruptedError(ctx, len(order), len(order))
	}
	res.timing = tm
	res.keepStages(e)
	return res, nil
}

// bindRuns binds every pipeline to every model's input, in result order (the
// pipelines of the first model, then of the second, ...), and names the runs.
// A pipeline that cannot feed a model is refused here, before any image runs.
func bindRuns(e *engine, cfg Config) ([]engineRun, []PipelineResult, error) {
	models := cfg.modelList()
	pipes := cfg.pipelineNames()
	names := runNames(models, pipes)
	var runs []engineRun
	var heads []PipelineResult
	for m, em := range e.models {
		sig := em.sig
		for p, name := range pipes {
			var st stage
			var err error
			if p < len(cfg.Pipelines) {
				st, err = bindPipeline(name, sig)
			} else {
				var tgt Target
				if tgt, err = fixedTarget(sig); err == nil {
					st = &funcStage{p: cfg.Preprocessors[p-len(cfg.Pipelines)], tgt: tgt}
				}
			}
			if err != nil {
				return nil, nil, fmt.Errorf("parity: pipeline %q for %s (input %dx%d): %w", name, em.path, sig.Width, sig.Height, err)
			}
			runs = append(runs, engineRun{model: m, stage: st})
			h := PipelineResult{Name: names[m][p], Model: models[m], Pipeline: name}
			st.describe(&h)
			heads = append(heads, h)
		}
	}
	return runs, heads, nil
}

// SplitPipelines splits a command-line list of pipeline specs. Specs are separated
// by ';' or ','; since a spec's own options are comma-separated too, a piece of
// the form key=value (no ':') continues the spec before it, and so does a
// tensors pipeline's unmap=SPEC (whose spec may have its own ':'):
//
//	"stretch,letterbox:size=640,inner=636" → ["stretch", "letterbox:size=640,inner=636"]
//	"sg-coco,tensors:dir=t,unmap=sg-coco:pad=0" → ["sg-coco", "tensors:dir=t,unmap=sg-coco:pad=0"]
func SplitPipelines(s string) []string {
	var out []string
	for _, group := range strings.Split(s, ";") {
		for _, p := range strings.Split(group, ",") {
			p = strings.TrimSpace(p)
			switch {
			case p == "":
			case len(out) > 0 && strings.HasPrefix(p, "unmap=") && strings.HasPrefix(out[len(out)-1], tensorsPrefix):
				out[len(out)-1] += "," + p
			case len(out) > 0 && strings.Contains(p, "=") && !strings.Contains(p, ":") && strings.Contains(out[len(out)-1], ":"):
				out[len(out)-1] += "," + p
			default:
				out = append(out, p)
			}
		}
	}
	return out
}
