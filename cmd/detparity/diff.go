package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/detparity/detparity/parity"
)

func init() {
	register("diff", "compare two runs (or two pipelines of one run) like benchstat, and gate on thresholds", cmdDiff)
}

// errGate marks a comparison that ran but failed a threshold (exit status 1).
var errGate = errors.New("thresholds failed")

func cmdDiff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nameA := fs.String("a", "", "pipeline `NAME` of side A (needed when A's file holds several pipelines)")
	nameB := fs.String("b", "", "pipeline `NAME` of side B")
	var th parity.Thresholds
	fs.Float64Var(&th.MaxF1Drop, "max-f1-drop", 0, "fail when F1 drops by more than this (0: not checked)")
	fs.Float64Var(&th.MaxAPDrop, "max-ap-drop", 0, "fail when COCO AP (0.50:0.95) drops by more than this (0: not checked)")
	fs.Float64Var(&th.MaxAP50Drop, "max-ap50-drop", 0, "fail when COCO AP50 drops by more than this (0: not checked)")
	fs.Float64Var(&th.MaxPSI, "max-psi", 0, "fail when the PSI of either confidence sample exceeds this (0: not checked; 0.1 minor, 0.25 major shift)")
	fs.Float64Var(&th.MaxKS, "max-ks", 0, "fail when the KS statistic D of either confidence sample exceeds this (0: not checked)")
	fs.Float64Var(&th.MaxW1, "max-w1", 0, "fail when the Wasserstein-1 distance of either confidence sample exceeds this (0: not checked)")
	fs.StringVar(&th.FailOnDrift, "fail-on-drift", "", "fail when either sample's drift verdict is at least `LEVEL`: minor or major")
	fs.BoolVar(&th.Significant, "significant", false, "an F1/AP50 drop beyond its limit fails only if the paired bootstrap finds it significant")
	fs.BoolVar(&th.AllowDifferent, "allow-different", false, "compare two runs of different models or datasets (by content: their sha256 in the run JSON) instead of refusing")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity diff A.json [B.json] [--a NAME] [--b NAME] [thresholds]

Compares pipeline B with pipeline A on the same images, like benchstat: F1 at the run's
conf and AP50 with a paired bootstrap (95% interval, p-value, '~' when the change is not
significant), precision, recall, COCO AP50 and AP, then the distances between the two
confidence distributions (KS, Wasserstein-1, Jensen-Shannon, PSI) and the drift verdict.
Files are written by 'detparity run --out' (or a report's report.json). With one file, --a
and --b name two pipelines inside it; with two, each file's only pipeline is used unless
--a / --b name one. Exit status 1 when a threshold fails, with the reasons printed.

Two files must be runs of the same model bytes on the same dataset (the sha256 each run
JSON records; paths may differ), else diff refuses unless --allow-different. Settings the
runs did not share (conf, score floor, NMS IoU, ...) are printed as DIFFERS lines with the
value each side used; runs matched at different --iou are refused.

Examples:
  detparity run --model fixtures/model/detector.onnx --data fixtures/eval --pipeline stretch,sg-coco --conf 0.8 --out run.json
  detparity diff run.json --a sg-coco --b stretch --max-f1-drop 0.05
  detparity diff baseline.json new.json --max-f1-drop 0.01 --max-psi 0.1

Flags:
`)
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := th.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	var fileA, fileB string
	switch len(files) {
	case 1:
		fileA, fileB = files[0], files[0]
		if *nameA == "" || *nameB == "" {
			return fmt.Errorf("%w: diff with one file needs --a and --b naming two of its pipelines", errUsage)
		}
	case 2:
		fileA, fileB = files[0], files[1]
	default:
		return fmt.Errorf("%w: diff needs one or two run files (see detparity diff -h)", errUsage)
	}
	ra, err := parity.ReadJSON(fileA)
	if err != nil {
		return err
	}
	rb := ra
	if fileB != fileA {
		if rb, err = parity.ReadJSON(fileB); err != nil {
			return err
		}
	}
	pa, err := pickPipeline(fileA, ra, *nameA, "--a")
	if err != nil {
		return err
	}
	pb, err := pickPipeline(fileB, rb, *nameB, "--b")
	if err != nil {
		return err
	}
	c, err := parity.Compare(fileA+":"+pa.Name, ra, pa, fileB+":"+pb.Name, rb, pb, th)
	if err != nil {
		return err
	}
	if err := c.WriteTable(stdout); err != nil {
		return err
	}
	if !c.Passed() {
		return fmt.Errorf("%w: %s", errGate, strings.Join(c.Failures, "; "))
	}
	return nil
}

func pickPipeline(file string, r *parity.Result, name, flagName string) (*parity.PipelineResult, error) {
	names := make([]string, len(r.Pipelines))
	for i, p := range r.Pipelines {
		names[i] = p.Name
	}
	if name == "" {
		if len(r.Pipelines) != 1 {
			return nil, fmt.Errorf("%w: %s holds %d pipelines (%s); name one with %s", errUsage, file, len(names), strings.Join(names, ", "), flagName)
		}
		return &r.Pipelines[0], nil
	}
	if p := r.Pipeline(name); p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("%s %q: %s has no such pipeline, expected one of: %s", flagName, name, file, strings.Join(names, ", "))
}
