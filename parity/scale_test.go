package parity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/fixtures/scene"
	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// subsetDir copies the first n fixture images (and labels) into a new dataset
// directory, plus one truncated JPEG (a decode failure) and one label file
// without an image, so that failures and orphans travel through every path.
func subsetDir(t *testing.T, n int) string {
	t.Helper()
	const src = "../fixtures/eval"
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "labels"), 0o755))
	cp := func(from, to string, keep func([]byte) []byte) {
		b, err := os.ReadFile(from)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(to, keep(b), 0o644))
	}
	all := func(b []byte) []byte { return b }
	cp(filepath.Join(src, "classes.txt"), filepath.Join(dir, "classes.txt"), all)
	for i := range n {
		name := fmt.Sprintf("%05d", i)
		cp(filepath.Join(src, "images", name+".jpg"), filepath.Join(dir, "images", name+".jpg"), all)
		cp(filepath.Join(src, "labels", name+".txt"), filepath.Join(dir, "labels", name+".txt"), all)
	}
	// "00003b.jpg" sorts between 00003 and 00004: a failure inside the list.
	cp(filepath.Join(src, "images", "00100.jpg"), filepath.Join(dir, "images", "00003b.jpg"), func(b []byte) []byte { return b[:len(b)/3] })
	cp(filepath.Join(src, "labels", "00100.txt"), filepath.Join(dir, "labels", "00003b.txt"), all)
	cp(filepath.Join(src, "labels", "00101.txt"), filepath.Join(dir, "labels", "lost.txt"), all)
	return dir
}

func subsetConfig(dir string) Config {
	cfg := DefaultConfig()
	cfg.Model = fixtureModel
	cfg.Data = dir
	cfg.Pipelines = []string{"sg-coco", "stretch"}
	cfg.Conf = 0.8
	return cfg
}

func jsonBytes(t *testing.T, r *Result) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, r.WriteJSON(&b))
	return b.Bytes()
}

// TestWorkersDeterministic: the run JSON does not depend on the number of
// workers (images are summarised in dataset order whatever order they finish in).
func TestWorkersDeterministic(t *testing.T) {
	dir := subsetDir(t, 12)
	cfg := subsetConfig(dir)
	one, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, 2, one.Timing().Loaders)
	require.Len(t, one.Failed, 1)
	assert.Equal(t, FailedImage{Image: "00003b.jpg", ID: 5, Stage: "decode"}, FailedImage{Image: one.Failed[0].Image, ID: one.Failed[0].ID, Stage: one.Failed[0].Stage})
	assert.Equal(t, []string{"lost.txt"}, one.Orphans)
	for _, wl := range [][2]int{{2, Auto}, {1, 3}, {3, 1}} {
		cfg.Workers, cfg.Loaders = wl[0], wl[1]
		other, err := Run(context.Background(), cfg)
		require.NoError(t, err)
		tm := other.Timing()
		assert.Equal(t, wl[0], tm.Workers)
		if wl[1] == Auto {
			wl[1] = wl[0] + 1 // one loader more than workers
		}
		assert.Equal(t, wl[1], tm.Loaders)
		assert.Equal(t, 12+1, tm.Images)
		assert.Equal(t, string(jsonBytes(t, one)), string(jsonBytes(t, other)), "%d workers and %d loaders give the JSON of 1 and 1", tm.Workers, tm.Loaders)
	}
}

// TestShardMerge: shards 1/2 and 2/2 merged give exactly the unsharded run (the
// same JSON bytes, hence the same counts, AP, histograms and distances), and
// Merge refuses incomplete or repeated shards.
func TestShardMerge(t *testing.T) {
	dir := subsetDir(t, 20)
	cfg := subsetConfig(dir)
	whole, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Equal(t, 21, whole.Images)
	var shards []*Result
	for i := 1; i <= 2; i++ {
		c := cfg
		c.Shard, c.Shards = i, 2
		r, err := Run(context.Background(), c)
		require.NoError(t, err)
		assert.Equal(t, strconv.Itoa(i)+"/2", r.Shard)
		assert.Equal(t, 21, r.DatasetImages)
		// Written and read back, as `detparity merge` does.
		path := filepath.Join(t.TempDir(), "shard.json")
		require.NoError(t, os.WriteFile(path, jsonBytes(t, r), 0o644))
		back, err := ReadJSON(path)
		require.NoError(t, err)
		shards = append(shards, back)
	}
	assert.Equal(t, 11, shards[0].Images, "positions 0,2,...,20")
	assert.Equal(t, 10, shards[1].Images, "positions 1,3,...,19")
	assert.Len(t, shards[0].Failed, 1, "the broken image is at position 4 (id 5)")
	merged, err := Merge([]*Result{shards[1], shards[0]})
	require.NoError(t, err)
	assert.Equal(t, string(jsonBytes(t, whole)), string(jsonBytes(t, merged)), "merged shards == one run, byte for byte")
	assert.Equal(t, whole.Pipeline("sg-coco").AP, merged.Pipeline("sg-coco").AP)

	_, err = Merge(shards[:1])
	require.Error(t, err)
	assert.Equal(t, "parity: merge: 1 results for 2 shards, expected all of 1/2..2/2", err.Error())
	_, err = Merge([]*Result{shards[0], shards[0]})
	require.Error(t, err)
	assert.Equal(t, "parity: merge: shard 1/2 given twice", err.Error())
	_, err = Merge([]*Result{whole, shards[0]})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `parity: merge: the first result is not a shard (run with --shard i/n): parity: shard "", expected i/n`)
	other := *shards[1]
	other.Conf = 0.5
	_, err = Merge([]*Result{shards[0], &other})
	require.Error(t, err)
	assert.Equal(t, "parity: merge: shard 1/2 and shard 2/2: conf/match IoU/NMS IoU/floor [0.8 0.5 0.7 0.01] vs [0.5 0.5 0.7 0.01], expected the same run settings", err.Error())

	_, _, err = ParseShard("3/2")
	assert.EqualError(t, err, `parity: shard "3/2", expected i/n with 1 <= i <= n (e.g. 1/4)`)
	c := cfg
	c.Shard, c.Shards = 0, 2
	_, err = Run(context.Background(), c)
	assert.EqualError(t, err, "parity: shard 0/2, expected 1 <= i <= n")
}

// TestInterrupted: cancelling the context stops the run where it is — no image
// is consumed after it (the loaders, workers and post-processing check it too)
// — and returns an error saying how far the run got (and no result).
func TestInterrupted(t *testing.T) {
	dir := subsetDir(t, 12)
	cfg := subsetConfig(dir)
	cfg.Workers = 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	cfg.Progress = func(p Progress) {
		if p.Done == 0 {
			return // the start
		}
		calls.Add(1)
		if p.Done == 3 {
			cancel()
		}
	}
	res, err := Run(ctx, cfg)
	require.Error(t, err)
	assert.Nil(t, res)
	assert.ErrorIs(t, err, context.Canceled)
	// Cancelled while the third image was summarised: no other is.
	assert.Equal(t, int32(3), calls.Load())
	assert.Equal(t, "parity: interrupted after 3 of 13 images: context canceled", err.Error())
}

// sceneSource generates fixture scenes on the fly (fixtures/scene): nothing is
// read from or written to disk.
type sceneSource struct {
	cfg scene.Config
	n   int
}

func (s sceneSource) Classes() []string { return []string{"person"} }
func (s sceneSource) Len() int          { return s.n }

func (s sceneSource) Image(i int) (string, frame.Image, []box.Object, error) {
	name := fmt.Sprintf("scene-%06d", i)
	sc, err := scene.Generate(s.cfg, i)
	if err != nil {
		return name, frame.Image{}, nil, err
	}
	b := sc.Image.Bounds()
	img := frame.New(b.Dx(), b.Dy(), frame.RGB)
	for y := range img.H {
		row := sc.Image.Pix[y*sc.Image.Stride:]
		for x := range img.W {
			copy(img.Pix[(y*img.W+x)*3:(y*img.W+x)*3+3], row[x*4:x*4+3])
		}
	}
	return name, img, sc.Persons(), nil
}

// TestRunSource: an in-memory source runs like a dataset: every generated
// person is a ground truth, and the trained pipeline finds most of them (the
// fixture detector reaches F1 >= 0.85 on its own eval set; 8 fresh scenes of the
// same generator are looser, so >= 0.7).
func TestRunSource(t *testing.T) {
	src := sceneSource{cfg: scene.DefaultConfig(77), n: 8}
	cfg := DefaultConfig()
	cfg.Model = fixtureModel
	cfg.Data = "scenes(seed 77)"
	cfg.Pipelines = []string{"sg-coco"}
	cfg.Conf = 0.8
	res, err := RunSource(context.Background(), cfg, src)
	require.NoError(t, err)
	gt := 0
	for i := range src.n {
		_, _, objs, err := src.Image(i)
		require.NoError(t, err)
		gt += len(objs)
	}
	p := res.Pipelines[0]
	assert.Equal(t, 8, res.Evaluated)
	assert.Equal(t, gt, p.GT)
	assert.Equal(t, "source", p.Decoder)
	assert.GreaterOrEqual(t, p.F1, 0.7)
	assert.Equal(t, "scene-000003", res.Records()[3].Name)
	tm := res.Timing()
	assert.Equal(t, 8, tm.Images)
	assert.Positive(t, tm.Run)
	assert.Less(t, tm.Run, tm.Wall, "ORT Run is part of the wall time (1 worker)")
}

// panickySource is a sceneSource whose image 2 panics (a bug in a decoder or
// a user's Source).
type panickySource struct{ sceneSource }

func (s panickySource) Image(i int) (string, frame.Image, []box.Object, error) {
	if i == 2 {
		var pix []byte
		_ = pix[7] // index out of range
	}
	return s.sceneSource.Image(i)
}

// TestPanicFailsOneImage: a panic while loading an image fails that image
// (stage "load", the panic in the error) and the run goes on with the others,
// whatever the number of workers.
func TestPanicFailsOneImage(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Model = fixtureModel
	cfg.Data = "scenes(seed 5)"
	cfg.Pipelines = []string{"sg-coco", "stretch"}
	for _, workers := range []int{1, 2} {
		cfg.Workers = workers
		res, err := RunSource(context.Background(), cfg, panickySource{sceneSource{cfg: scene.DefaultConfig(5), n: 4}})
		require.NoError(t, err)
		assert.Equal(t, 4, res.Images)
		assert.Equal(t, 3, res.Evaluated)
		require.Len(t, res.Failed, 1)
		assert.Equal(t, FailedImage{Image: "image 3", ID: 3, Stage: "load",
			Error: "image 3: internal error while loading (please report it): panic: runtime error: index out of range [7] with length 0"}, res.Failed[0])
		for _, p := range res.Pipelines {
			assert.Equal(t, 3, p.Images, p.Name)
			assert.Equal(t, 1, p.Failed, p.Name)
		}
	}
}

// vmHWM is the process's peak resident set size (VmHWM of /proc/self/status), in MiB.
func vmHWM(tb testing.TB) float64 {
	b, err := os.ReadFile("/proc/self/status")
	require.NoError(tb, err)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.Atoi(f[1])
			require.NoError(tb, err)
			return float64(kb) / 1024
		}
	}
	tb.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// BenchmarkRunScenes runs the fixture detector through sg-coco over
// DETPARITY_SCENES scenes (default 200) generated on the fly, with
// DETPARITY_WORKERS workers (default 1) and DETPARITY_THREADS ONNX Runtime
// threads per session (default 0: what the loaders leave), with the command's
// GOGC (parity.GCPercent) unless GOGC is set and its C heap setting
// (detect.UnmapLargeAllocations, process-wide: it stays for the benchmarks run
// after), and reports images/s, the peak RSS of the process (MiB) and the share
// of the workers' time outside ONNX Runtime's Run:
//
//	DETPARITY_SCENES=1000 go test ./parity -run '^$' -bench BenchmarkRunScenes -benchtime 1x
func BenchmarkRunScenes(b *testing.B) {
	// As the detparity command does (parity.GCPercent), unless GOGC is set.
	gc := os.Getenv("GOGC")
	if gc == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(GCPercent))
		gc = strconv.Itoa(GCPercent)
	}
	if !detect.UnmapLargeAllocations() {
		b.Log("not glibc: the C heap keeps its default mmap threshold")
	}
	n, workers := 200, 1
	n = envInt(b, "DETPARITY_SCENES", n)
	workers = envInt(b, "DETPARITY_WORKERS", workers)
	cfg := DefaultConfig()
	cfg.Threads = envInt(b, "DETPARITY_THREADS", cfg.Threads)
	cfg.Model = fixtureModel
	cfg.Data = "scenes"
	cfg.Pipelines = []string{"sg-coco"}
	cfg.Workers = workers
	var tm Timing
	var dets int
	start := time.Now()
	for b.Loop() {
		res, err := RunSource(context.Background(), cfg, sceneSource{cfg: scene.DefaultConfig(1), n: n})
		if err != nil {
			b.Fatal(errors.Unwrap(err))
		}
		tm = res.Timing()
		dets = len(res.Pipelines[0].DetectionScores())
	}
	el := time.Since(start)
	b.Logf("%s; GOGC %s", tm, gc)
	b.ReportMetric(float64(n*b.N)/el.Seconds(), "images/s")
	b.ReportMetric(vmHWM(b), "peak-RSS-MiB")
	b.ReportMetric(100*tm.Overhead(), "overhead-%")
	b.ReportMetric(100*tm.HarnessOverhead(), "harness-overhead-%")
	b.ReportMetric(float64(dets)/float64(n), "dets/image")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-inuse-MiB")
}

// fixtureRunConfig is the fixture run of BenchmarkRunFixtures, BenchmarkORTFloor
// and BenchmarkRunVsFloor: the fixture detector through sg-coco over the 160
// committed fixture JPEGs (fixtures/eval) with DETPARITY_WORKERS workers (default
// 1), DETPARITY_LOADERS loaders (default Auto: one more than workers) and
// DETPARITY_THREADS ONNX Runtime threads per session (default Auto: what the
// loaders leave).
func fixtureRunConfig(b *testing.B) Config {
	cfg := DefaultConfig()
	cfg.Model = fixtureModel
	cfg.Data = "../fixtures/eval"
	cfg.Pipelines = []string{"sg-coco"}
	cfg.Workers = envInt(b, "DETPARITY_WORKERS", 1)
	cfg.Threads = envInt(b, "DETPARITY_THREADS", cfg.Threads)
	cfg.Loaders = envInt(b, "DETPARITY_LOADERS", Auto)
	return cfg
}

// BenchmarkRunFixtures runs fixtureRunConfig and reports images/s, the share of
// the workers' time outside ONNX Runtime's Run (overhead-%) and the share spent on
// the harness's own work after Run: output decoding, NMS, matching, accumulation
// (harness-overhead-%):
//
//	go test ./parity -run '^$' -bench BenchmarkRunFixtures -benchtime 3x
func BenchmarkRunFixtures(b *testing.B) {
	cfg := fixtureRunConfig(b)
	var sum Timing
	for b.Loop() {
		res, err := Run(context.Background(), cfg)
		require.NoError(b, err)
		tm := res.Timing()
		sum.Images, sum.Workers = sum.Images+tm.Images, tm.Workers
		sum.Wall += tm.Wall
		sum.Loaders = tm.Loaders
		sum.Load += tm.Load
		sum.Preprocess += tm.Preprocess
		sum.Wait += tm.Wait
		sum.Run += tm.Run
		sum.Post += tm.Post
		sum.Collect += tm.Collect
		sum.Finish += tm.Finish
	}
	b.Logf("%s", sum)
	b.ReportMetric(float64(sum.Images)/sum.Wall.Seconds(), "images/s")
	b.ReportMetric(100*sum.Overhead(), "overhead-%")
	b.ReportMetric(100*sum.HarnessOverhead(), "harness-overhead-%")
}

// ortFloor prepares the floor of a fixture run with cfg's settings: the same
// sessions (cfg's workers, the threads a run would give them, each on a locked
// OS thread as the engine's workers are) and the 160 fixture images' sg-coco
// tensors, made now. pass runs only ONNX Runtime on every tensor once: what a
// run would take if decoding, preprocessing, output decoding and summarising
// cost nothing. The sessions close when the benchmark ends.
func ortFloor(b *testing.B, cfg Config) (pass func(), images int) {
	ds, err := dataset.Open(context.Background(), cfg.Data, dataset.DefaultOptions())
	require.NoError(b, err)
	dec, err := dataset.DecoderByName("opencv")
	require.NoError(b, err)
	spec, err := letterbox.Parse("sg-coco")
	require.NoError(b, err)
	tensors := make([][]float32, len(ds.Items))
	for i, it := range ds.Items {
		img, err := dec.Decode(it.ImagePath)
		require.NoError(b, err)
		pl, err := spec.Plan(img.W, img.H)
		require.NoError(b, err)
		tensors[i] = make([]float32, pl.TensorLen())
		require.NoError(b, pl.Apply(img, tensors[i]))
	}
	workers, _, threads := cfg.Settings.counts(len(tensors))
	opts := detect.DefaultOptions()
	opts.Threads, opts.NoSpin = threads, true
	models := make([]*detect.Model, workers)
	for w := range models {
		models[w], err = detect.Open(cfg.Model, opts)
		require.NoError(b, err)
		b.Cleanup(func() { models[w].Close() })
	}
	pass = func() {
		jobs := make(chan []float32)
		var wg sync.WaitGroup
		for _, m := range models {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread() // as the engine's workers do: the session always runs on one thread
				defer runtime.UnlockOSThread()
				for t := range jobs {
					if _, err := m.RunBatch(640, 640, [][]float32{t}); err != nil {
						panic(err)
					}
				}
			}()
		}
		for _, t := range tensors {
			jobs <- t
		}
		close(jobs)
		wg.Wait()
	}
	return pass, len(tensors)
}

// BenchmarkORTFloor is the floor BenchmarkRunFixtures is measured against
// (ortFloor), alone:
//
//	go test ./parity -run '^$' -bench 'RunFixtures|ORTFloor' -benchtime 3x
func BenchmarkORTFloor(b *testing.B) {
	pass, n := ortFloor(b, fixtureRunConfig(b))
	var images int
	start := time.Now()
	for b.Loop() {
		pass()
		images += n
	}
	b.ReportMetric(float64(images)/time.Since(start).Seconds(), "images/s")
}

// BenchmarkRunVsFloor measures the fixture run against its floor in pairs: each
// iteration is one run (images/s over the run's stream, Timing.Wall, as
// BenchmarkRunFixtures) and one floor pass (ortFloor), in alternating order, so
// that both halves of a pair see the machine in the same state (on a shared
// machine the speed of either moves by several percent within a minute). It logs
// each pair and reports the median and lowest run/floor ratio and how many pairs
// were within 5 % of the floor (scripts/bench_floor.sh):
//
//	go test ./parity -run '^$' -bench RunVsFloor -benchtime 10x
func BenchmarkRunVsFloor(b *testing.B) {
	cfg := fixtureRunConfig(b)
	floor, n := ortFloor(b, cfg)
	var ratios []float64
	for b.Loop() {
		var runIPS, floorIPS float64
		runOnce := func() {
			res, err := Run(context.Background(), cfg)
			require.NoError(b, err)
			tm := res.Timing()
			runIPS = float64(tm.Images) / tm.Wall.Seconds()
		}
		floorOnce := func() {
			t0 := time.Now()
			floor()
			floorIPS = float64(n) / time.Since(t0).Seconds()
		}
		if len(ratios)%2 == 0 {
			runOnce()
			floorOnce()
		} else {
			floorOnce()
			runOnce()
		}
		ratios = append(ratios, runIPS/floorIPS)
		b.Logf("pair %d: run %.2f images/s, floor %.2f images/s, run/floor %.4f", len(ratios), runIPS, floorIPS,
			runIPS/floorIPS)
	}
	within := 0
	for _, r := range ratios {
		if r >= 0.95 {
			within++
		}
	}
	slices.Sort(ratios)
	k := len(ratios) / 2
	median := ratios[k]
	if len(ratios)%2 == 0 {
		median = (ratios[k-1] + ratios[k]) / 2
	}
	b.ReportMetric(median, "run/floor-median")
	b.ReportMetric(ratios[0], "run/floor-min")
	b.ReportMetric(float64(within), "pairs-within-5%")
	b.ReportMetric(float64(len(ratios)), "pairs")
}

// TestWriteJSONStreamed: the streamed writer gives exactly the bytes of
// json.Marshal + indentCompactArrays (the form it replaces), on the seed run (two
// pipelines, a reference comparison) and on a subset with a failure and an orphan.
func TestWriteJSONStreamed(t *testing.T) {
	res := seedRun(t)
	raw, err := json.Marshal(res)
	require.NoError(t, err)
	var want bytes.Buffer
	indentCompactArrays(&want, raw)
	want.WriteByte('\n')
	assert.Equal(t, want.String(), string(jsonBytes(t, res)))

	dir := subsetDir(t, 3)
	small, err := Run(context.Background(), subsetConfig(dir))
	require.NoError(t, err)
	raw, err = json.Marshal(small)
	require.NoError(t, err)
	want.Reset()
	indentCompactArrays(&want, raw)
	want.WriteByte('\n')
	assert.Equal(t, want.String(), string(jsonBytes(t, small)))
}

// envInt is the integer in environment variable name, or def when it is unset.
func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(b, err, name)
	return n
}
