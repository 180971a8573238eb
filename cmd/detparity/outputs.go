package main

import (
	"context"
	"fmt"
	"io"

	"github.com/detparity/detparity/internal/outset"
	"github.com/detparity/detparity/internal/textsafe"
	"github.com/detparity/detparity/parity"
)

// safeText is an error or message made safe for the terminal (textsafe.Text):
// file and class names in it keep their control characters escaped.
func safeText(s string) string { return textsafe.Text(s) }

// checkOutputs refuses, as a usage error before any work, an output that is one
// of the inputs or another output (outset.Distinct), then finishes or cleans
// what an interrupted write left beside the outputs (outset.Recover).
func checkOutputs(outs, ins []outset.Path) error {
	if err := outset.Distinct(outs, ins); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	var names []string
	for _, o := range outs {
		if o.Name != "" {
			names = append(names, o.Name)
		}
	}
	return outset.Recover(names...)
}

// runInputs are the inputs of a run known before the dataset is opened: the
// models, the reference and the data path (a data YAML).
func runInputs(cfg parity.Config) []outset.Path {
	var in []outset.Path
	for _, m := range append([]string{cfg.Model}, cfg.Models...) {
		in = append(in, outset.Path{Role: "the --model file", Name: m})
	}
	in = append(in, outset.Path{Role: "the --reference file", Name: cfg.Reference}, outset.Path{Role: "--data", Name: cfg.Data})
	return in
}

// refuseInputs is a parity.Config.CheckInputs refusing outputs among the files
// the run reads (images, label files, the names file, ...), as a usage error.
func refuseInputs(outs []outset.Path) func([]parity.InputFile) error {
	return func(files []parity.InputFile) error {
		ins := make([]outset.Path, len(files))
		for i, f := range files {
			ins[i] = outset.Path{Role: f.Role, Name: f.Path}
		}
		if err := outset.Distinct(outs, ins); err != nil {
			return fmt.Errorf("%w: %w", errUsage, err)
		}
		return nil
	}
}

// writeOutputs writes files as one set (outset.Write): all of them come from
// this run, or all stay as they were.
func writeOutputs(ctx context.Context, files []outset.File) error {
	return outset.Write(ctx, files)
}

// resultFiles are the run JSON at out (when set), the ground truth as COCO at
// gtOut (when set) and, when predOut is set, one COCO results file per
// pipeline (parity.PredictionsPath).
func resultFiles(res *parity.Result, out, predOut, gtOut string) []outset.File {
	var files []outset.File
	if out != "" {
		files = append(files, outset.File{Path: out, Write: res.WriteJSON})
	}
	if gtOut != "" {
		files = append(files, outset.File{Path: gtOut, Write: res.WriteCOCOGroundTruth})
	}
	if predOut != "" {
		for _, p := range res.Pipelines {
			name := p.Name
			files = append(files, outset.File{Path: parity.PredictionsPath(predOut, name),
				Write: func(w io.Writer) error { return res.WriteCOCOResults(w, name) }})
		}
	}
	return files
}

// predictionPaths are the --predictions-out files of cfg's runs, each an output
// checked like --out; two runs whose names clean to the same file are refused.
func predictionPaths(cfg parity.Config, predOut string) ([]outset.Path, error) {
	if predOut == "" {
		return nil, nil
	}
	var out []outset.Path
	seen := map[string]string{}
	for _, name := range cfg.RunNames() {
		path := parity.PredictionsPath(predOut, name)
		if other, dup := seen[path]; dup {
			return nil, fmt.Errorf("%w: --predictions-out: pipelines %q and %q would both write %s; rename one", errUsage, other, name, path)
		}
		seen[path] = name
		out = append(out, outset.Path{Role: fmt.Sprintf("the --predictions-out file of %s", name), Name: path})
	}
	return out, nil
}

// writtenThenInterrupted is the error of a command that got SIGINT or SIGTERM
// once its n outputs were committed (outset.Write completes a committed set):
// it stops there, exits 130 or 143, and says the outputs are whole.
func writtenThenInterrupted(ctx context.Context, n int) error {
	if ctx.Err() == nil {
		return nil
	}
	if n == 0 {
		return fmt.Errorf("interrupted after the run: %w", context.Cause(ctx))
	}
	return fmt.Errorf("%w received while the outputs were written: they were committed and hold the complete new run", context.Cause(ctx))
}
