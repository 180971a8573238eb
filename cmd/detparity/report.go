package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/detparity/detparity/internal/outset"
	"github.com/detparity/detparity/parity"
	"github.com/detparity/detparity/report"
	"github.com/detparity/detparity/version"
)

func init() {
	register("report", "run the pipelines and write a self-contained HTML report, Markdown, JSON and JUnit XML", cmdReport)
}

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ro := report.DefaultOptions()
	rf := addRunFlags(fs, "a preset with overrides or a free spec; the first is the one the others are compared with",
		"the confidence distributions and curves")
	out := fs.String("out", "", "output `dir` for index.html, report.md, report.json and junit.xml (created if missing)")
	gallery := fs.Int("gallery", ro.Gallery, "number of images drawn where the pipelines disagree most (0: none)")
	minF1 := fs.Float64("min-f1", 0, "check that every pipeline reaches this F1; exit 1 when one does not (0: no check; 0 <= F1 <= 1)")
	f1Tol := fs.Float64("f1-tolerance", ro.F1Tolerance, "largest |ΔF1| between two pipelines still called agreement (0 <= tolerance <= 1)")
	ff := addFailureFlags(fs)
	failOnDrift := fs.Bool("fail-on-drift", false, "exit 1 when the pipelines disagree (the report is written first)")
	title := fs.String("title", ro.Title, "page `title`")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity report --model M.onnx [--model M2.onnx] --data DIR --pipeline P1,P2 --out DIR [--reference REF.json] [flags]

Runs each model over every image of DIR once per pipeline (as 'detparity run') and writes to --out:
  index.html   one self-contained page (no network needed): the verdict, P/R/F1, AP and AP50 per
               pipeline, confidence histograms with KS/W1/JS/PSI, PR and F1 curves, the agreement
               with --reference predictions, a per-class table and a gallery of the images where
               the pipelines disagree most, boxes drawn in source pixels
  report.md    the same tables in Markdown
  report.json  the run, exactly as 'detparity run --out' writes it (byte-identical for the same inputs)
  junit.xml    one test case per pipeline (F1 >= --min-f1 when given), per comparison with the
               first pipeline (no drift) and for the dataset (every image evaluated)
The four files are one set: after a failure, a full disk, Ctrl-C, SIGTERM or a kill they are
all from the new run or all as they were (an interrupted write is completed or cleaned at the
next start). No file of --out may be an input of the run.
Exit status: 0 written, 1 the run failed, no image was evaluated, more than --max-failed
failed, or a check requested by --min-f1/--fail-on-drift failed, 2 bad usage, 130/143
interrupted by SIGINT/SIGTERM (nothing written).

Everything is compared with the first pipeline (of the first model); with several models each
row is MODEL/PIPELINE.

Examples (the shipped fixtures):
  detparity report --model fixtures/model/detector.onnx --data fixtures/eval --pipeline stretch,sg-coco --conf 0.8 --out out/report
  detparity report --model fixtures/model/detector.onnx --data fixtures/eval --pipeline sg-coco,stretch \
      --reference fixtures/model/reference_sg_coco.json --out out/report
  detparity report --model fixtures/model/detector.onnx --model fixtures/model/detector_fp16.onnx \
      --data fixtures/eval --pipeline sg-coco --conf 0.8 --out out/fp16

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
	if len(rf.models) == 0 || rf.cfg.Data == "" || *out == "" {
		return fmt.Errorf("%w: report needs --model, --data and --out (see detparity report -h)", errUsage)
	}
	if *gallery < 0 {
		return fmt.Errorf("%w: --gallery %d, expected >= 0", errUsage, *gallery)
	}
	if err := checkFloat("min-f1", *minF1, *minF1 >= 0 && *minF1 <= 1, "0 <= F1 <= 1"); err != nil {
		return err
	}
	if err := checkFloat("f1-tolerance", *f1Tol, *f1Tol >= 0 && *f1Tol <= 1, "0 <= tolerance <= 1"); err != nil {
		return err
	}
	if err := ff.validate(); err != nil {
		return err
	}
	if st, err := os.Stat(*out); err == nil && !st.IsDir() {
		return fmt.Errorf("%w: --out %s is a file, expected a folder", errUsage, *out)
	}
	cfg, err := rf.config(stderr)
	if err != nil {
		return err
	}
	var outs []outset.Path
	for _, p := range report.Paths(*out) {
		outs = append(outs, outset.Path{Role: "--out file", Name: p})
	}
	if err := checkOutputs(outs, runInputs(cfg)); err != nil {
		return err
	}
	// An unwritable --out is found before any work.
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("cannot write %s: %w", *out, err)
	}
	for _, p := range report.Paths(*out) {
		if err := checkWritable(p); err != nil {
			return err
		}
	}
	cfg.CheckInputs = refuseInputs(outs)
	started := time.Now()
	res, err := parity.Run(ctx, cfg)
	rf.bar.clear()
	if err != nil {
		return interrupted(err)
	}
	opt := report.Options{Title: *title, MinF1: *minF1, F1Tolerance: *f1Tol, Gallery: *gallery,
		Command: "detparity report " + strings.Join(args, " "), Version: version.Get().String(), Time: started,
		Inputs: res.InputImage}
	rep, err := report.Build(res, opt)
	if err != nil {
		return err
	}
	if err := rep.WriteDir(ctx, *out); err != nil {
		return err
	}
	if err := writtenThenInterrupted(ctx, 4); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", safeText(rep.Verdict.Headline))
	for _, dt := range rep.Verdict.Details {
		fmt.Fprintf(stdout, "  %s\n", safeText(dt))
	}
	fmt.Fprintf(stdout, "wrote %s (also report.md, report.json, junit.xml)\n", filepath.Join(*out, report.FileHTML))
	var failed []string
	for _, c := range rep.Failed() {
		if (c.Class == "pipeline" && *minF1 > 0) || (c.Class == "drift" && *failOnDrift) {
			failed = append(failed, c.Name+": "+c.Message)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d check(s) failed:\n  %s", len(failed), strings.Join(failed, "\n  "))
	}
	return ff.check(res)
}
