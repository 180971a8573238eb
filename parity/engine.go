package parity

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/internal/faults"
)

// The engine walks the data path for every consumer — Run, Diagnose,
// CompareBackends, paritytest — in three stages, so that the model is not kept
// waiting:
//
//	loaders:   decode each image once per decoder its pipelines need, read its
//	           labels, prepare every run's tensor (pipeline stage.prepare)
//	workers:   run each run's model on the tensors (detect.Runner.RunBatch)
//	post:      decode the outputs, NMS (detect.Signature.Decode), map boxes
//	           back (Unmapper), round them to float32 (the precision the run
//	           JSON keeps, so that merged shards recompute the same numbers)
//
// and hands each image's outcome to the consumer in the order given, whatever
// order images finish in, so results do not depend on the number of workers or
// loaders. Tensor sets come from a pool of loaders+workers sets and go back once
// the model has run, which bounds the images in flight.

// engineModel is one model on one backend: a runner per worker and the
// signature and options its outputs are decoded with.
type engineModel struct {
	path    string
	backend string
	sig     *detect.Signature
	opts    detect.Options
	runners []detect.Runner // per worker
	// classMap maps the model's class ids to the label set's (-1: dropped);
	// nil when they are the same (Settings.Classes).
	classMap []int
	atMu     sync.Mutex
	at       map[[2]int]*detect.Signature // per tensor size, for symbolic-size models
}

// engineRun is one (model, pipeline) pair: the pipeline bound to the model's input.
type engineRun struct {
	model int
	stage stage
	dec   int // index into engine.decoders
}

type engine struct {
	ld       loader
	models   []*engineModel
	runs     []engineRun
	decoders []dataset.Decoder // nil: the size only
	workers  int
	loaders  int
	batch    int  // images per RunBatch
	keepRaw  bool // keep each image's raw outputs (CompareBackends)
	progress func(done, total int)
	frames   frames // decoded frames' buffers, reused across images and streams

	warnMu sync.Mutex
	warn   []detect.Warnings // per model
}

// outcome is what one image produced in every run, or why it failed: as a
// whole (err: decoding, labels) or in one run (runErr: preprocessing,
// inference, output decoding).
type outcome struct {
	pos       int // position in the loader
	name      string
	path      string
	err       error
	failAt    string // "decode", "labels", "load", or a run's failAt for merged
	runErr    []error
	runFailAt []string // "preprocess", "infer"
	w, h      int
	truth                       // objects (rounded to float32), crowd regions, COCO areas
	dets      [][]box.Detection // per run, source pixels, rounded to float32
	raw       [][]detect.Output // per run, when keepRaw
	sizes     [][2]int          // per run: the tensor's w, h
}

// ok says whether run r has the image's detections.
func (o *outcome) ok(r int) bool { return o.err == nil && o.runErr[r] == nil }

// merged is o with its first failing run's error as the failure of the whole
// image: Run and CompareBackends exclude a failed image from every pipeline
// alike, so that the pipelines are compared on the same images.
func (o *outcome) merged() *outcome {
	if o.err != nil {
		return o
	}
	for r, err := range o.runErr {
		if err != nil {
			m := *o
			m.err, m.failAt, m.dets, m.raw = err, o.runFailAt[r], nil, nil
			return &m
		}
	}
	return o
}

// only is o as run r saw it, failing only with its own or the image's errors
// (Diagnose: each spec answers for its own failures), its detections at index 0.
func (o *outcome) only(r int) *outcome {
	m := *o
	switch {
	case o.err != nil:
	case o.runErr[r] != nil:
		m.err, m.failAt = o.runErr[r], o.runFailAt[r]
	default:
		m.dets = [][]box.Detection{o.dets[r]}
	}
	m.runErr, m.runFailAt = nil, nil
	if m.err != nil {
		m.dets = nil
	}
	return &m
}

// close releases every runner; a second call does nothing.
func (e *engine) close() {
	for _, m := range e.models {
		for i, r := range m.runners {
			if r != nil {
				r.Close()
				m.runners[i] = nil
			}
		}
	}
}

// setRuns binds the engine to a set of runs: the decoders they need, each
// image decoded once per distinct decoder.
func (e *engine) setRuns(runs []engineRun, names []string) error {
	e.decoders = nil
	for i := range runs {
		name := runs[i].stage.decoder()
		k := slices.IndexFunc(e.decoders, func(d dataset.Decoder) bool { return decoderKey(d) == name })
		if k < 0 {
			var d dataset.Decoder
			if name != "" {
				var err error
				if d, err = dataset.DecoderByName(name); err != nil {
					return fmt.Errorf("parity: pipeline %s: %w", names[i], err)
				}
			}
			e.decoders = append(e.decoders, d)
			k = len(e.decoders) - 1
		}
		runs[i].dec = k
	}
	if len(e.decoders) == 0 {
		e.decoders = []dataset.Decoder{nil}
	}
	e.runs = runs
	return nil
}

// job is a group of up to batch consecutive images of the order.
type job struct {
	k     int // group index
	items []*prepared
	set   [][][]float32 // [item][run] tensors from the pool
}

// prepared is one image decoded and preprocessed for every run.
type prepared struct {
	o    outcome
	maps []Unmapper // per run
}

// stream runs every run on the images at the given loader positions and calls
// consume with each image's outcome, in that order. It returns the timing and,
// when ctx is cancelled before it returns — at any stage, also after the last
// image was queued or consumed — an error saying how far it got. Every stage
// checks ctx before each image: a cancelled run stops within one image per
// worker, and nothing is consumed after the cancellation.
func (e *engine) stream(ctx context.Context, order []int, consume func(*outcome) error) (Timing, error) {
	var tm Timing
	tm.Images, tm.Workers, tm.Loaders = len(order), e.workers, e.loaders
	batch := max(1, e.batch)
	groups := (len(order) + batch - 1) / batch
	if n := e.loaders * max(1, len(e.decoders)); cap(e.frames) < n {
		e.frames = make(frames, n)
	}
	free := make(chan [][][]float32, e.loaders+e.workers)
	for range e.loaders + e.workers {
		free <- e.newSet(batch)
	}
	jobs := make(chan int)
	ready := make(chan *job)
	c := &collectState{consume: consume, pending: map[int]*job{}, total: len(order), progress: e.progress}
	start := time.Now()
	var lwg sync.WaitGroup
	for range e.loaders {
		lwg.Add(1)
		go func() {
			defer lwg.Done()
			for k := range jobs {
				if ctx.Err() != nil {
					continue // cancelled: drain the queue without loading
				}
				j := &job{k: k, set: <-free}
				for i, pos := range order[k*batch : min(len(order), (k+1)*batch)] {
					faults.At(pointLoad)
					p, load, pre := e.prepareImage(pos, j.set[i])
					c.addLoad(load, pre)
					j.items = append(j.items, p)
				}
				ready <- j
			}
		}()
	}
	go func() {
		lwg.Wait()
		close(ready)
	}()
	var wwg, pwg sync.WaitGroup
	for w := range e.workers {
		posts := make(chan ranJob, 1)
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			defer close(posts)
			// The worker's session runs on one OS thread for the whole run. Unlocked,
			// the goroutine resumes on whichever thread is free after each wait for
			// a job, and ONNX Runtime's per-thread state (its single intra-op thread is
			// the caller's; glibc's malloc arena) follows it cold: +2.6 % images/s on
			// the fixture run locked (BENCHMARKS.md, issue 17).
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			e.work(ctx, w, ready, posts, free, c)
		}()
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			for r := range posts {
				if ctx.Err() != nil {
					continue // cancelled: nothing more is summarised
				}
				faults.At(pointPost)
				t0 := time.Now()
				e.postJob(r)
				c.collect(ctx, r.j, time.Since(t0))
			}
		}()
	}
	for k := range groups {
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
	faults.At(pointFed)
	wwg.Wait()
	pwg.Wait()
	tm.Wall = time.Since(start)
	c.timing(&tm)
	if ctx.Err() != nil {
		// Whatever got done: a cancelled run gives no result, even when it was
		// cancelled after the last image was queued or summarised.
		return tm, interruptedError(ctx, c.doneCount(), len(order))
	}
	return tm, c.err
}

// Fault points (internal/faults) of the engine, for the tests of cancellation.
const (
	pointLoad   = "parity.load"   // a loader is about to load an image
	pointInfer  = "parity.infer"  // a worker is about to run the model on a job
	pointPost   = "parity.post"   // a post-processing goroutine is about to decode a job
	pointFed    = "parity.fed"    // every image has been queued
	pointFinish = "parity.finish" // every image was summarised; the totals are next
)

// interruptedError says how far a cancelled run got; it wraps
// context.Cause(ctx) (context.Canceled, or the signal that cancelled it).
func interruptedError(ctx context.Context, done, total int) error {
	return fmt.Errorf("parity: interrupted after %d of %d images: %w", done, total, context.Cause(ctx))
}

// newSet allocates one job's tensors: batch images x runs, each the run's
// largest tensor.
func (e *engine) newSet(batch int) [][][]float32 {
	set := make([][][]float32, batch)
	for i := range set {
		set[i] = make([][]float32, len(e.runs))
		for r, rn := range e.runs {
			set[i][r] = make([]float32, rn.stage.target().Len())
		}
	}
	return set
}

// prepareImage loads the image at pos and prepares its tensor for every run
// into set (one slice per run). It returns the times spent loading and
// preprocessing. A panic (a bug in a decoder, a Source or a user's
// Preprocessor) fails the image with the panic's value instead of ending the run.
func (e *engine) prepareImage(pos int, set [][]float32) (p *prepared, load, pre time.Duration) {
	n := len(e.runs)
	p = &prepared{o: outcome{pos: pos, runErr: make([]error, n), runFailAt: make([]string, n), sizes: make([][2]int, n)},
		maps: make([]Unmapper, n)}
	stage := "load"
	defer func() {
		if v := recover(); v != nil {
			p.o.name, p.o.failAt = e.ld.name(pos), stage
			p.o.err = fmt.Errorf("%s: internal error while %s (please report it): panic: %v", e.ld.where(pos), stageVerb(stage), v)
		}
	}()
	t0 := time.Now()
	ld, failAt, err := e.ld.load(pos, e.decoders, e.frames)
	defer ld.recycle(e.frames) // every run has read the frames when this returns (a Preprocessor must not keep them)
	load = time.Since(t0)
	p.o.name, p.o.path, p.o.w, p.o.h = ld.name, ld.path, ld.w, ld.h
	if err != nil {
		p.o.err, p.o.failAt = err, failAt
		return p, load, 0
	}
	p.o.truth = ld.truth
	for k := range p.o.gts {
		p.o.gts[k].Box = roundBox(p.o.gts[k].Box)
	}
	for k := range p.o.crowds {
		p.o.crowds[k].Box = roundBox(p.o.crowds[k].Box)
	}
	where := ld.path
	if where == "" {
		where = ld.name
	}
	stage = "preprocess"
	t1 := time.Now()
	for r, rn := range e.runs {
		in := Input{Image: ld.imgs[rn.dec], Path: ld.path, Name: ld.name, W: ld.w, H: ld.h, Target: rn.stage.target()}
		w, h, u, err := e.prepareRun(rn, in, set[r])
		if err != nil {
			p.o.runErr[r], p.o.runFailAt[r] = fmt.Errorf("%s: %w", where, err), "preprocess"
			continue
		}
		p.maps[r], p.o.sizes[r] = u, [2]int{w, h}
	}
	return p, load, time.Since(t1)
}

// prepareRun is one run's stage.prepare, with a panic (a bug in a user's
// Preprocessor) turned into that run's error.
func (e *engine) prepareRun(rn engineRun, in Input, dst []float32) (w, h int, u Unmapper, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("internal error while preprocessing (please report it): panic: %v", v)
		}
	}()
	return rn.stage.prepare(in, dst)
}

func stageVerb(stage string) string {
	if stage == "preprocess" {
		return "preprocessing"
	}
	return "loading"
}

// ranJob is a job the model has run on: per run, its batches' raw outputs.
type ranJob struct {
	j    *job
	outs [][]ranBatch // per run
}

// ranBatch is one RunBatch: the items of the job it ran and the outputs.
type ranBatch struct {
	items []int
	outs  []detect.Output
}

// work is one worker: it runs every run's model on each job's tensors, returns
// the tensors to the pool and hands the outputs to its post-processing goroutine.
func (e *engine) work(ctx context.Context, w int, ready <-chan *job, posts chan<- ranJob, free chan<- [][][]float32, c *collectState) {
	for {
		t0 := time.Now()
		j, ok := <-ready
		wait := time.Since(t0)
		if !ok {
			c.addWork(wait, 0)
			return
		}
		faults.At(pointInfer)
		if ctx.Err() != nil {
			// Cancelled: the model does not run again.
			free <- j.set
			continue
		}
		r, took := e.runJob(w, j)
		free <- j.set
		j.set = nil
		t1 := time.Now()
		posts <- r
		c.addWork(wait+time.Since(t1), took)
	}
}

// runJob runs the models of every run on the job's good images, in batches of
// images whose tensors have the same size, and returns the time spent inside
// the runtime. A failure or a panic fails the images of its batch, stage "infer".
func (e *engine) runJob(w int, j *job) (r ranJob, took time.Duration) {
	r = ranJob{j: j, outs: make([][]ranBatch, len(e.runs))}
	for ri, rn := range e.runs {
		for _, idx := range sameSize(j, ri) {
			tensors := make([][]float32, len(idx))
			sz := j.items[idx[0]].o.sizes[ri]
			for k, i := range idx {
				tensors[k] = j.set[i][ri][:3*sz[0]*sz[1]]
			}
			t0 := time.Now()
			outs, err := e.runOne(w, rn.model, sz, tensors)
			took += time.Since(t0)
			if err != nil {
				for _, i := range idx {
					e.fail(j.items[i], ri, "infer", err)
				}
				continue
			}
			r.outs[ri] = append(r.outs[ri], ranBatch{items: idx, outs: outs})
		}
	}
	return r, took
}

// runOne is one RunBatch, with a panic turned into an error.
func (e *engine) runOne(w, model int, sz [2]int, tensors [][]float32) (outs []detect.Output, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("internal error while running the model (please report it): panic: %v", v)
		}
	}()
	return e.models[model].runners[w].RunBatch(sz[0], sz[1], tensors)
}

// sameSize groups the job's items still good for run ri by their tensor
// size, in item order.
func sameSize(j *job, ri int) [][]int {
	var groups [][]int
	var keys [][2]int
	for i, p := range j.items {
		if !p.o.ok(ri) {
			continue
		}
		k := slices.Index(keys, p.o.sizes[ri])
		if k < 0 {
			keys, groups = append(keys, p.o.sizes[ri]), append(groups, nil)
			k = len(keys) - 1
		}
		groups[k] = append(groups[k], i)
	}
	return groups
}

// fail marks run r of an image failed at stage with err (naming its file),
// keeping the first failure.
func (e *engine) fail(p *prepared, r int, stage string, err error) {
	if !p.o.ok(r) {
		return
	}
	where := p.o.path
	if where == "" {
		where = p.o.name
	}
	p.o.runErr[r], p.o.runFailAt[r] = fmt.Errorf("%s: %w", where, err), stage
	if p.o.dets != nil {
		p.o.dets[r] = nil
	}
}

// postJob decodes every batch's outputs, maps the boxes back to source pixels
// and rounds them. A failure or panic fails the image, stage "infer".
func (e *engine) postJob(r ranJob) {
	for _, p := range r.j.items {
		if p.o.err == nil {
			p.o.dets = make([][]box.Detection, len(e.runs))
			if e.keepRaw {
				p.o.raw = make([][]detect.Output, len(e.runs))
			}
		}
	}
	for ri, batches := range r.outs {
		for _, b := range batches {
			if err := e.postBatch(r.j, ri, b); err != nil {
				for _, i := range b.items {
					e.fail(r.j.items[i], ri, "infer", err)
				}
			}
		}
	}
}

func (e *engine) postBatch(j *job, ri int, b ranBatch) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("internal error after inference (please report it): panic: %v", v)
		}
	}()
	m := e.models[e.runs[ri].model]
	sz := j.items[b.items[0]].o.sizes[ri]
	sig, err := m.sigAt(sz[0], sz[1])
	if err != nil {
		return err
	}
	dets, warn, err := sig.Decode(b.outs, len(b.items), m.opts)
	if err != nil {
		return fmt.Errorf("%s outputs (%s): %w", m.backend, m.sig.Layout, err)
	}
	e.warnMu.Lock()
	e.warn[e.runs[ri].model].Add(warn)
	e.warnMu.Unlock()
	for k, i := range b.items {
		p := j.items[i]
		if !p.o.ok(ri) {
			continue
		}
		ds := m.mapClasses(dets[k])
		for d := range ds {
			ds[d].Box = roundBox(p.maps[ri].UnmapBox(ds[d].Box))
			ds[d].Score = float64(float32(ds[d].Score))
		}
		p.o.dets[ri] = ds
		if e.keepRaw {
			p.o.raw[ri] = imageOutputs(b.outs, k, m.sig.Layout)
		}
	}
	return nil
}

// mapClasses keeps the detections of the classes the label set has, with the
// label set's class ids (Settings.Classes); without a map it keeps them all.
func (m *engineModel) mapClasses(ds []box.Detection) []box.Detection {
	if m.classMap == nil {
		return ds
	}
	out := ds[:0]
	for _, d := range ds {
		if d.Class >= 0 && d.Class < len(m.classMap) && m.classMap[d.Class] >= 0 {
			d.Class = m.classMap[d.Class]
			out = append(out, d)
		}
	}
	return out
}

// imageOutputs is image k's part of a batch's outputs (the whole output for
// FLAT, whose rows carry the image index, for k == 0).
func imageOutputs(outs []detect.Output, k int, l detect.Layout) []detect.Output {
	res := make([]detect.Output, len(outs))
	for i, o := range outs {
		res[i] = imagePart(o, k, l)
	}
	return res
}

func imagePart(o detect.Output, k int, l detect.Layout) detect.Output {
	if l == detect.LayoutYOLONASFlat || len(o.Shape) == 0 || o.Shape[0] == 0 {
		if k > 0 {
			return detect.Output{Name: o.Name, Shape: o.Shape, Float: []float32{}}
		}
		return o
	}
	per := o.Len() / int(o.Shape[0])
	p := detect.Output{Name: o.Name, Shape: append([]int64{1}, o.Shape[1:]...)}
	if o.Float != nil {
		p.Float = o.Float[k*per : (k+1)*per]
	} else {
		p.Int = o.Int[k*per : (k+1)*per]
	}
	return p
}

// roundBox rounds each coordinate to float32, the precision the run JSON keeps.
func roundBox(b box.Box) box.Box {
	return box.Box{X1: float64(float32(b.X1)), Y1: float64(float32(b.Y1)), X2: float64(float32(b.X2)), Y2: float64(float32(b.Y2))}
}

// collectState hands finished jobs to the consumer in order and keeps the
// timing; its lock is the only one the stages share.
type collectState struct {
	mu       sync.Mutex
	consume  func(*outcome) error
	pending  map[int]*job
	next     int // next group to consume
	done     int // images consumed
	total    int
	err      error
	progress func(done, total int)
	tm       Timing
}

func (c *collectState) addLoad(load, pre time.Duration) {
	c.mu.Lock()
	c.tm.Load += load
	c.tm.Preprocess += pre
	c.mu.Unlock()
}

func (c *collectState) addWork(wait, run time.Duration) {
	c.mu.Lock()
	c.tm.Wait += wait
	c.tm.Run += run
	c.mu.Unlock()
}

// collect takes a post-processed job and consumes every job that is now next in
// order.
func (c *collectState) collect(ctx context.Context, j *job, post time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	c.tm.Post += post
	t0 := time.Now()
	c.pending[j.k] = j
	for {
		nj, ok := c.pending[c.next]
		if !ok {
			break
		}
		delete(c.pending, c.next)
		for _, p := range nj.items {
			if ctx.Err() != nil {
				return // cancelled: nothing more is consumed
			}
			if c.err == nil {
				c.err = c.consume(&p.o)
			}
			c.done++
			if c.progress != nil {
				c.progress(c.done, c.total)
			}
		}
		c.next++
	}
	c.tm.Collect += time.Since(t0)
}

// doneCount is the number of images consumed so far.
func (c *collectState) doneCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

func (c *collectState) timing(tm *Timing) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tm.Load, tm.Preprocess, tm.Wait, tm.Run, tm.Post, tm.Collect = c.tm.Load, c.tm.Preprocess, c.tm.Wait, c.tm.Run, c.tm.Post, c.tm.Collect
}
