// Command detparity measures whether an exported ONNX detector is fed the
// preprocessing it was trained with. It is a thin CLI over package parity.
//
// Usage:
//
//	detparity run --model M.onnx [--model M2.onnx] --data DIR --pipeline stretch,sg-coco [--conf 0.8]
//	              [--format text|json] [--out RUN.json] [--reference REF.json] [--predictions-out P.json] [--gt-out G.json]
//	detparity run ... --shard 1/2 --out R.json; detparity run ... --shard 2/2 --out R.json
//	detparity merge R-shard-00001-of-00002.json R-shard-00002-of-00002.json --out RUN.json
//	detparity diff A.json [B.json] [--a NAME] [--b NAME] [--max-f1-drop 0.05] ...
//	detparity diagnose --model M.onnx --data DIR [--reference REF.json] [--pipeline candidates] [--limit N]
//
// DIR holds images/ and YOLO labels/ (plus classes.txt, names.txt or data.yaml).
// Exit status: 0 done, 1 the run could not be done (no image evaluated, more
// failed than --max-failed, or any with --fail-on-error), 2 bad usage (an output
// that is an input included), 130 / 143 interrupted by SIGINT / SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	// The command decodes images as cv2.imread does (decoder=opencv) and can
	// compare ONNX Runtime with OpenCV DNN: both register themselves.
	_ "github.com/detparity/detparity/dataset/opencv"
	"github.com/detparity/detparity/detect"
	_ "github.com/detparity/detparity/detect/cvdnn"
	"github.com/detparity/detparity/internal/faults"
	"github.com/detparity/detparity/internal/outset"
	"github.com/detparity/detparity/internal/suggest"
	"github.com/detparity/detparity/parity"
)

// command is one subcommand. Each lives in its own file and registers itself in
// commands from an init function, so adding a command touches no other file.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	if _, dup := commands[name]; dup {
		panic("detparity: command registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func init() {
	register("run", "evaluate one model through one or more preprocessing pipelines on a labelled dataset", cmdRun)
}

func usage() string {
	var b strings.Builder
	b.WriteString("detparity: is your exported detector fed what it was trained on?\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-16s %s\n", n, commands[n].summary)
	}
	b.WriteString("\nRun 'detparity COMMAND -h' for the flags and an example of a command.\n")
	return b.String()
}

func main() {
	// A run keeps pointer-free records and churns through pixels: collect at 25 %
	// heap growth (parity.GCPercent) unless the user chose a GOGC.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(parity.GCPercent)
	}
	// Large C blocks (ONNX Runtime's, OpenCV's) go back to the system when freed.
	detect.UnmapLargeAllocations()
	os.Exit(mainWithSignals(os.Args[1:], os.Stdout, os.Stderr))
}

// mainWithSignals is realMain with SIGINT and SIGTERM handled (withSignals)
// for the commands that stop on a cancelled context (cancellable); the others
// keep the default: a signal ends them at once.
func mainWithSignals(args []string, stdout, stderr io.Writer) int {
	ctx := context.Background()
	if len(args) > 0 && cancellable[args[0]] {
		var stop func()
		ctx, stop = withSignals(ctx, stderr)
		defer stop()
	}
	return realMain(ctx, args, stdout, stderr)
}

// errUsage marks errors that should exit with status 2.
var errUsage = errors.New("usage")

func realMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	var err error
	switch c, ok := commands[args[0]]; {
	case ok:
		faults.At("cmd.start")
		err = c.run(ctx, args[1:], stdout, stderr)
	case args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help":
		fmt.Fprint(stdout, usage())
		return 0
	default:
		names := make([]string, 0, len(commands))
		for n := range commands {
			names = append(names, n)
		}
		fmt.Fprintf(stderr, "detparity: unknown command %q%s\n\n%s", args[0], suggest.DidYouMean(args[0], "", names), usage())
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "detparity:", safeText(err.Error()))
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "detparity:", safeText(err.Error()))
		return interruptedCode(ctx)
	default:
		fmt.Fprintln(stderr, "detparity:", safeText(err.Error()))
		return 1
	}
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rf := addRunFlags(fs, "a preset with overrides (sg-coco:decoder=go) or a free spec (letterbox:size=640,inner=636,anchor=center,pad=114,order=rgb,scale=1/255)",
		"the confidence distributions")
	format := addFormatFlag(fs)
	out := fs.String("out", "", "also write the full result as JSON to this `file` (with --predictions-out and --gt-out: one set, all new or all as before)")
	ff := addFailureFlags(fs)
	predOut := fs.String("predictions-out", "", "write each pipeline's detections (source pixels) as COCO results json: `P.json` becomes P.NAME.json per pipeline")
	gtOut := fs.String("gt-out", "", "write the ground truth of the evaluated images as a COCO instances `json` with the ids of --predictions-out (for pycocotools, FiftyOne, 'detparity eval')")
	timing := fs.Bool("timing", false, "print on stderr where the wall time went (workers: ONNX Runtime run, waiting; post-processing: output decoding, accumulation; loaders: image decoding, preprocessing) and the share of the workers' time outside ONNX Runtime's Run")
	shard := fs.String("shard", "", "run only shard `i/n` (1 <= i <= n): the images whose 0-based position p in the sorted list has p % n == i-1; or env: shard k+1 of --shards, k read from $"+parity.EnvJobIndex+" (Kubernetes Indexed Job); outputs go to NAME-shard-0000i-of-0000n.EXT; 'detparity merge' combines the n --out files into the result of one run")
	shards := fs.Int("shards", 0, "the number of shards of --shard env")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity run --model M.onnx [--model M2.onnx] --data DIR --pipeline P1,P2 [flags]

Runs each model over every image of DIR once per pipeline and prints images, GT, TP, FP, FN,
precision, recall and F1 per pipeline at --conf, COCO AP50 and AP, and the distances (KS, W1,
JS, PSI) between the pipelines' confidence distributions. Images that fail (decode, labels)
are listed and counted. With several models each row is MODEL/PIPELINE.

--out writes the full result (with per-image matching) for 'detparity diff'. --reference
compares each pipeline detection by detection with reference predictions (a Python pipeline:
super-gradients or Ultralytics predict(), Ultralytics val(save_json=True) or a plain ONNX loop;
recipes in scripts/reference/). --predictions-out writes COCO results
files (image_id = 1-based position of the image in the sorted list, category_id = class index)
for pycocotools, FiftyOne or 'detparity eval'.

--gt-out writes the ground truth the run evaluated as a COCO instances file with the same ids,
so 'detparity eval --gt G.json --dt P.NAME.json' and pycocotools give the run's own AP.
--reference ids may be 1-based positions, file stems (Ultralytics' predictions.json) or COCO
image ids, category ids class indices, index + 1 or COCO ids (--reference-ids,
--reference-categories; auto picks the one that resolves every id and refuses a file where
none or several different ones do, naming the id).

--shard i/n runs a deterministic share of the images (sorted position p with
p % n == i-1; each image keeps its position as its id); 'detparity merge' of the
n --out files gives exactly the numbers and the JSON bytes of one unsharded run.
--shard env --shards n takes i-1 from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job;
docs/scale.md). A shard writes NAME-shard-0000i-of-0000n.EXT for each output NAME.EXT.
--limit N runs N images spread evenly over the sorted list (ids kept).
Results do not depend on --workers: the same inputs give byte-identical JSON.
Ctrl-C (or SIGTERM) stops the run at any stage within one image per worker,
prints how many images were done and exits 130 (143) without writing anything;
a second Ctrl-C exits at once. --out and the --predictions-out files are one set:
after any failure, a full disk or a kill they all hold the new run or all stay
as they were (an interrupted write is completed or cleaned at the next start).
No output may be an input (the model, the reference, a file of the dataset) or
another output. A run in which no image could be evaluated exits 1.

Examples (the shipped fixtures):
  detparity run --model fixtures/model/detector.onnx --data fixtures/eval --pipeline stretch,sg-coco --conf 0.8
  detparity run --model fixtures/model/detector.onnx --data fixtures/eval --pipeline sg-coco,stretch \
      --reference fixtures/model/reference_sg_coco.json --out out/run.json --predictions-out out/pred.json --gt-out out/gt.json
  detparity run --model fixtures/model/detector.onnx --model fixtures/model/detector_fp16.onnx \
      --data fixtures/eval --pipeline sg-coco --conf 0.8 --limit 40
  JOB_COMPLETION_INDEX=2 detparity run --model fixtures/model/detector.onnx --data fixtures/eval \
      --shard env --shards 4 --out out/run.json        # writes out/run-shard-00003-of-00004.json

Flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if len(rf.models) == 0 || rf.cfg.Data == "" {
		return fmt.Errorf("%w: run needs --model and --data (see detparity run -h)", errUsage)
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	cfg, err := rf.config(stderr)
	if err != nil {
		return err
	}
	if err := ff.validate(); err != nil {
		return err
	}
	if cfg.Shard, cfg.Shards, err = shardFlags(*shard, *shards); err != nil {
		return err
	}
	if cfg.Shards > 0 && cfg.Limit > 0 {
		return fmt.Errorf("%w: --shard with --limit: a limited run cannot be sharded (merge needs every image); drop one", errUsage)
	}
	// A shard writes its own files: run.json → run-shard-00002-of-00004.json.
	for _, p := range []*string{out, predOut, gtOut} {
		if *p != "" && cfg.Shards > 0 {
			*p = parity.ShardPath(*p, cfg.Shard, cfg.Shards)
		}
	}
	// Outputs are checked before any work: none may be an input or another
	// output, each must be writable.
	outs, err := predictionPaths(cfg, *predOut)
	if err != nil {
		return err
	}
	outs = append([]outset.Path{{Role: "--out", Name: *out}, {Role: "--gt-out", Name: *gtOut}}, outs...)
	if err := checkOutputs(outs, runInputs(cfg)); err != nil {
		return err
	}
	for _, o := range outs {
		if o.Name != "" {
			if err := checkWritable(o.Name); err != nil {
				return err
			}
		}
	}
	cfg.CheckInputs = refuseInputs(outs)
	res, err := parity.Run(ctx, cfg)
	rf.bar.clear()
	if err != nil {
		return interrupted(err)
	}
	if *timing {
		tm := res.Timing()
		fmt.Fprintf(stderr, "timing: %s\n", tm)
	}
	return emitResult(ctx, res, resultFiles(res, *out, *predOut, *gtOut), *format, ff, stdout)
}

// shardFlags reads --shard (i/n, or env with --shards n) and --shards.
func shardFlags(shard string, shards int) (i, n int, err error) {
	switch {
	case shard == "" && shards != 0:
		return 0, 0, fmt.Errorf("%w: --shards %d without --shard env", errUsage, shards)
	case shard == "":
		return 0, 0, nil
	case shard == "env":
		if shards < 1 {
			return 0, 0, fmt.Errorf("%w: --shard env needs --shards N (N >= 1, the Job's completions)", errUsage)
		}
		i, err := parity.ShardFromEnv(parity.EnvJobIndex, shards, nil)
		if err != nil {
			return 0, 0, fmt.Errorf("%w: --shard env: %v", errUsage, err)
		}
		return i, shards, nil
	}
	i, n, err = parity.ParseShard(shard)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: --shard: %v", errUsage, err)
	}
	if shards != 0 && shards != n {
		return 0, 0, fmt.Errorf("%w: --shard %s with --shards %d: the counts differ", errUsage, shard, shards)
	}
	return i, n, nil
}

// emitResult writes a run's output files as one set, prints the result in
// format, and turns failed images into an error (failureFlags.check).
func emitResult(ctx context.Context, res *parity.Result, files []outset.File, format string, ff *failureFlags, stdout io.Writer) error {
	if err := writeOutputs(ctx, files); err != nil {
		return err
	}
	if err := writtenThenInterrupted(ctx, len(files)); err != nil {
		return err
	}
	var err error
	if format == "json" {
		err = res.WriteJSON(stdout)
	} else {
		err = res.WriteTable(stdout)
	}
	if err != nil {
		return err
	}
	return ff.check(res)
}

// checkWritable fails, naming path, when a file cannot be created at path: its
// folder is missing, is not a folder or is not writable, or path is a folder.
func checkWritable(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("cannot write %s: %w", path, err)
	case !st.IsDir():
		return fmt.Errorf("cannot write %s: %s is a file, expected a folder", path, dir)
	}
	if err := outset.CheckTarget(path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, ".detparity-check-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: folder %s is not writable: %w", path, dir, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// interrupted adds to a run cancelled by Ctrl-C that nothing was written.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w; nothing written (previous outputs left as they were)", err)
	}
	return err
}

// parseFlags parses a command's flags; a bad flag is a usage error (exit status
// 2), with the nearest flag name when the bad one looks like a typo of it. The
// flag package has already printed the problem and the command's usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	hint := ""
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		hint = suggest.DidYouMean(strings.TrimLeft(name, "-"), "--", names)
	}
	return fmt.Errorf("%w: %v%s", errUsage, err, hint)
}

// checkPipelines refuses a pipeline spec that cannot parse (an unknown preset
// or key, a bad value) as a usage error, before any work.
func checkPipelines(specs []string) error {
	for _, p := range specs {
		if err := parity.ParsePipeline(p); err != nil {
			return fmt.Errorf("%w: --pipeline: %v", errUsage, err)
		}
	}
	return nil
}
