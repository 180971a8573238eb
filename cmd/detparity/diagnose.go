package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/detparity/detparity/parity"
)

func init() {
	register("diagnose", "find which preprocessing the model behaves as trained with (presets + a grid over the free spec)", cmdDiagnose)
}

func cmdDiagnose(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("diagnose", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := parity.DefaultDiagnoseConfig()
	fs.StringVar(&cfg.Model, "model", "", "ONNX model `file`")
	addDataFlag(fs, &cfg.Data)
	pipes := fs.String("pipeline", "", "your candidate `specs`, comma-separated: each runs on every image and what it loses against the best is printed")
	addReferenceFlag(fs, &cfg.Reference, "rank the specs by agreement with, instead of by COCO AP")
	fs.IntVar(&cfg.Screen, "screen", cfg.Screen, "images (evenly spaced) the search screens every spec on")
	addSettingsFlags(fs, &cfg.Settings, "AP and the ground-truth scores")
	quiet := addQuietFlag(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity diagnose --model M.onnx --data DIR [--reference REF.json] [--pipeline CANDIDATES] [flags]

Answers "what preprocessing was this model trained with?" with evidence only. Screens every
known preset and your candidates on --screen images, searches a grid over the free spec from
the best (mode, anchor, channel order, normalisation: none, /255, ImageNet mean/std,
(x-127.5)/128, (x-127)/128; pad value, inner size, size rounding, interpolation), then runs
every spec the screening cannot tell from the best — plus your candidates, stretch and the
plain centre letterbox — on every image. Specs rank by COCO AP (IoU 0.50:0.95), or by
agreement with --reference; a paired image bootstrap (mean ground-truth score and AP, or
agreement) decides which specs are indistinguishable from the best.

The answer names a spec only when every indistinguishable spec shares its family (mode,
anchor, channel order, normalisation) and it scores well; it then lists what the data leaves
undecided (pad value, inner size, ...). Otherwise it says "cannot tell" and why: give
--reference (predictions of the Python pipeline) or more images.

Examples:
  detparity diagnose --model fixtures/model/detector.onnx --data fixtures/eval --conf 0.8 --pipeline stretch,center-int-pad0 --limit 24
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
	if cfg.Model == "" || cfg.Data == "" {
		return fmt.Errorf("%w: diagnose needs --model and --data (see detparity diagnose -h)", errUsage)
	}
	if cfg.Screen < 1 {
		return fmt.Errorf("%w: --screen %d, expected >= 1", errUsage, cfg.Screen)
	}
	if err := checkSettings(cfg.Settings); err != nil {
		return err
	}
	cfg.Candidates = parity.SplitPipelines(*pipes)
	if err := checkPipelines(cfg.Candidates); err != nil {
		return err
	}
	bar := progressBar(stderr, *quiet)
	cfg.Progress = bar.callback()
	res, err := parity.Diagnose(ctx, cfg)
	bar.clear()
	if err != nil {
		return err
	}
	return res.WriteText(stdout)
}
