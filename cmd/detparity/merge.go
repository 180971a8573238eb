package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/detparity/detparity/internal/outset"
	"github.com/detparity/detparity/parity"
)

func init() {
	register("merge", "combine the --out files of 'run --shard i/n' into the result of one unsharded run", cmdMerge)
}

func cmdMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the merged result as JSON to this `file` (written atomically; not one of the shards)")
	format := addFormatFlag(fs)
	ff := addFailureFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity merge SHARD1.json SHARD2.json ... [--out RUN.json] [--format text|json]

Combines the results of 'detparity run --shard i/n --out SHARDi.json' for i = 1..n (in any
order) into the result of the unsharded run: the same counts, AP, histograms, distances and
reference agreement (recomputed from the per-image records of each file, not averaged), and
the same JSON bytes. Fails when a shard is missing or given twice, or when the shards were run
with different settings.

A shard's --out NAME.json is written as NAME-shard-0000i-of-0000n.json, so a glob names them all.
docs/scale.md runs the shards as a Kubernetes Indexed Job or a GitHub Actions matrix.

Example:
  detparity run --model fixtures/model/detector.onnx --data fixtures/eval --shard 1/2 --out out/run.json
  detparity run --model fixtures/model/detector.onnx --data fixtures/eval --shard 2/2 --out out/run.json
  detparity merge out/run-shard-*-of-00002.json --out out/merged.json

Flags:
`)
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: merge needs the shard results (see detparity merge -h)", errUsage)
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if err := ff.validate(); err != nil {
		return err
	}
	var ins []outset.Path
	for _, f := range files {
		ins = append(ins, outset.Path{Role: "a shard given to merge,", Name: f})
	}
	if err := checkOutputs([]outset.Path{{Role: "--out", Name: *out}}, ins); err != nil {
		return err
	}
	if *out != "" {
		if err := checkWritable(*out); err != nil {
			return err
		}
	}
	shards := make([]*parity.Result, len(files))
	for i, f := range files {
		if shards[i], err = parity.ReadJSON(f); err != nil {
			return err
		}
	}
	res, err := parity.Merge(shards)
	if err != nil {
		return err
	}
	return emitResult(ctx, res, resultFiles(res, *out, "", ""), *format, ff, stdout)
}
