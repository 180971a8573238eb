package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/parity"
)

func init() {
	register("compare-backends", "run one model through ONNX Runtime and OpenCV DNN on the same tensors and report the differences", cmdCompareBackends)
}

func cmdCompareBackends(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare-backends", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := parity.DefaultBackendsConfig()
	fs.StringVar(&cfg.Model, "model", "", "ONNX model `file` (float32 input)")
	addDataFlag(fs, &cfg.Data)
	fs.StringVar(&cfg.Pipeline, "pipeline", cfg.Pipeline, "preprocessing `spec` both runtimes are fed: "+strings.Join(letterbox.Presets(), ", ")+", or a free spec")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "images per run for a dynamic-batch model (a fixed-batch model runs its own batch)")
	other := fs.String("backend", cfg.Backends[1], "the runtime compared with ONNX Runtime")
	addSettingsFlags(fs, &cfg.Settings, "nothing: compare-backends compares the detections above --conf")
	format := addFormatFlag(fs)
	quiet := addQuietFlag(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity compare-backends --model M.onnx --data DIR [--pipeline sg-coco] [--limit N] [flags]

Preprocesses every image of DIR once (the pipeline's letterbox, bit-exact with cv2), feeds the same
tensor to ONNX Runtime (the reference) and to OpenCV DNN (gocv ReadNetFromONNX, CPU), and reports:
per output, the max / mean / std of |ORT - OpenCV| and the max / mean relative difference
|ORT - OpenCV| / |ORT| (Polygraphy's definitions) with a histogram of the absolute difference;
then, after the same decode + NMS (detections scoring above --conf), how many detections match
(same class, IoU >= 0.5) and by how much their boxes (source pixels) and scores differ. Graphs
OpenCV cannot run (NMS inside, TopK, 5-D reshapes) and uint8-input models are reported as errors.

Example (the shipped fixtures):
  detparity compare-backends --model fixtures/model/detector.onnx --data fixtures/eval --limit 20

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
		return fmt.Errorf("%w: compare-backends needs --model and --data (see detparity compare-backends -h)", errUsage)
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if cfg.Batch < 1 {
		return fmt.Errorf("%w: --batch %d, expected >= 1", errUsage, cfg.Batch)
	}
	if err := checkSettings(cfg.Settings); err != nil {
		return err
	}
	if err := checkPipelines([]string{cfg.Pipeline}); err != nil {
		return err
	}
	cfg.Backends[1] = *other
	bar := progressBar(stderr, *quiet)
	cfg.Progress = bar.callback()
	rep, err := parity.CompareBackends(ctx, cfg)
	bar.clear()
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteTable(stdout)
}
