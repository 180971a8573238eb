package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/detparity/detparity/parity"
)

func init() {
	register("diagnose", "find which preprocessing the model behaves as trained with (presets + a grid over the free spec)", cmdDiagnose)
}

func cmdDiagnose(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("diagnose", flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := parity.DefaultConfig()
	model := fs.String("model", "", "ONNX model `file`")
	data := fs.String("data", "", "dataset `dir` with images/, labels/ (YOLO txt) and class names")
	pipes := fs.String("pipeline", "", "your candidate `specs`, comma-separated: each is ranked and the loss against the best is printed")
	reference := fs.String("reference", "", "rank by agreement with these reference predictions (COCO results `json`, e.g. from scripts/dump_reference.py) instead of F1")
	refFloor := fs.Float64("reference-floor", parity.DefaultReferenceFloor, "score floor the reference was dumped with")
	limit := fs.Int("limit", 0, "use at most `N` images, evenly spaced (0: all)")
	screen := fs.Int("screen", 32, "images (evenly spaced) the coarse search runs on")
	finalists := fs.Int("finalists", 6, "best screened specs re-run on every image")
	conf := fs.Float64("conf", d.Conf, "confidence `threshold` of F1 (score > conf)")
	iou := fs.Float64("iou", d.MatchIoU, "IoU a detection needs with a same-class ground truth")
	nmsIoU := fs.Float64("nms-iou", d.NMSIoU, "class-aware NMS IoU")
	floor := fs.Float64("floor", d.Floor, "lowest score kept (<= conf)")
	workers := fs.Int("workers", 2, "ONNX Runtime sessions working at once")
	threads := fs.Int("threads", 1, "ONNX Runtime intra-op threads per session (0: its default)")
	quiet := fs.Bool("quiet", false, "no progress bar on stderr (it is only drawn when stderr is a terminal)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity diagnose --model M.onnx --data DIR [--reference REF.json] [--pipeline CANDIDATES] [flags]

Answers "what preprocessing was this model trained with?". Sweeps every known preset and a
grid over the free spec (mode, anchor, channel order, value scaling, pad value, inner size,
size rounding, interpolation), ranks by F1 at --conf (or by agreement with --reference), and
prints the preprocessing the model behaves as trained with, the gap to the next one (paired
bootstrap), what each of your --pipeline candidates loses, and how much the seed's own fix
(seed-center) recovers against the best. Specs that tie within noise are listed; the verdict
names the known training pipeline among them.

Cost: each screening image is decoded once and reused by every spec; the grid is searched one
key at a time from the best preset on --screen images; only --finalists specs (plus your
candidates, stretch and seed-center) run on every image. About a minute on the 160 fixture
images with 2 cores; --limit N caps the images.

Examples:
  detparity diagnose --model fixtures/model/detector.onnx --data fixtures/eval --conf 0.8 --pipeline stretch,seed-center
  detparity diagnose --model fixtures/model/detector.onnx --data fixtures/eval --reference fixtures/model/reference_sg_coco.json --limit 40

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
	if *model == "" || *data == "" {
		return fmt.Errorf("%w: diagnose needs --model and --data (see detparity diagnose -h)", errUsage)
	}
	if *limit < 0 || *screen < 0 || *finalists < 0 {
		return fmt.Errorf("%w: --limit, --screen and --finalists must be >= 0", errUsage)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	res, err := parity.Diagnose(ctx, parity.DiagnoseConfig{
		Model: *model, Data: *data, Candidates: parity.SplitPipelines(*pipes),
		Reference: *reference, ReferenceFloor: *refFloor, Limit: *limit, Screen: *screen, Finalists: *finalists,
		Conf: *conf, MatchIoU: *iou, NMSIoU: *nmsIoU, Floor: *floor, Workers: *workers, Threads: *threads,
		Progress: progressBar(stderr, *quiet, "image passes"),
	})
	if err != nil {
		return err
	}
	return res.WriteText(stdout)
}
