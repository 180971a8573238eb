package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/detparity/detparity/detect"
)

func init() {
	register("inspect", "show a model's inputs, outputs, detected output layout and the input it expects", cmdInspect)
}

// inspectReport is the JSON form of `detparity inspect` (field order fixed, so the output is deterministic).
type inspectReport struct {
	Model       string              `json:"model"`
	Inputs      []detect.TensorInfo `json:"inputs"`
	Outputs     []detect.TensorInfo `json:"outputs"`
	Layout      string              `json:"layout"`
	Description string              `json:"description,omitempty"`
	Explicit    bool                `json:"explicit"`
	Evidence    string              `json:"evidence,omitempty"`
	Candidates  []string            `json:"candidates,omitempty"`
	InputType   string              `json:"input_type,omitempty"`
	Width       int                 `json:"width,omitempty"`
	Height      int                 `json:"height,omitempty"`
	Batch       int                 `json:"batch"`
	DynamicAxes []string            `json:"dynamic_axes"`
	NumClasses  int                 `json:"num_classes"`
	Anchors     int                 `json:"anchors"`
	Error       string              `json:"error,omitempty"`
}

func cmdInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "ONNX model `file`")
	layout := fs.String("layout", "auto", "output `layout`: auto or one of "+layoutNames())
	format := addFormatFlag(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity inspect --model M.onnx [--layout NAME] [--format text|json]

Prints the model's inputs and outputs, the output layout (detected from output count, names,
shapes and element types, or the one --layout names after checking that the outputs fit it),
why, and the input the model expects: element type (float32, or uint8 when the graph casts and
scales itself), size, batch and dynamic axes. A model whose outputs fit several layouts (YOLOv5
and YOLOX share [B,A,5+C]) is refused with the candidates: rerun with --layout. Exit status 1
when the model cannot be read or its layout is ambiguous or unknown.

Example:
  detparity inspect --model fixtures/model/detector.onnx

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
	if *model == "" {
		return fmt.Errorf("%w: inspect needs --model (see detparity inspect -h)", errUsage)
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	want, err := detect.ParseLayout(*layout)
	if err != nil {
		return fmt.Errorf("%w: --layout: %v", errUsage, err)
	}
	rep := inspectReport{Model: *model, Layout: "", DynamicAxes: []string{}}
	sig, ierr := detect.Inspect(*model, want)
	var amb *detect.AmbiguousError
	switch {
	case ierr == nil:
		rep.Inputs, rep.Outputs = sig.Inputs, sig.Outputs
		rep.Layout, rep.Description, rep.Explicit, rep.Evidence = string(sig.Layout), sig.Describe(), sig.Explicit,
			sig.Evidence
		rep.InputType, rep.Width, rep.Height, rep.Batch = sig.InputType, sig.Width, sig.Height, sig.Batch
		rep.DynamicAxes = append(rep.DynamicAxes, sig.DynamicAxes()...)
		rep.NumClasses, rep.Anchors = sig.NumClasses, sig.Anchors
	case errors.As(ierr, &amb):
		rep.Inputs, rep.Outputs, rep.Layout, rep.Evidence = amb.Inputs, amb.Outputs, "ambiguous", amb.Why
		for _, c := range amb.Candidates {
			rep.Candidates = append(rep.Candidates, string(c))
		}
		rep.Error = ierr.Error()
	default:
		return ierr
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := writeInspectTable(stdout, rep); err != nil {
		return err
	}
	return ierr
}

func writeInspectTable(w io.Writer, r inspectReport) error {
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%-10s %s\n", k, v) }
	row("model", r.Model)
	for i, in := range r.Inputs {
		row(map[bool]string{true: "input", false: ""}[i == 0], in.String())
	}
	for i, o := range r.Outputs {
		row(map[bool]string{true: "outputs", false: ""}[i == 0], o.String())
	}
	if r.Layout == "ambiguous" {
		row("layout", "ambiguous: candidates "+strings.Join(r.Candidates, ", ")+"; rerun with --layout NAME")
		row("evidence", r.Evidence)
		_, err := io.WriteString(w, b.String())
		return err
	}
	how := "detected"
	if r.Explicit {
		how = "requested"
	}
	row("layout", fmt.Sprintf("%s (%s): %s", r.Layout, how, r.Description))
	row("evidence", r.Evidence)
	batch := fmt.Sprintf("batch %d", r.Batch)
	if r.Batch == 0 {
		batch = "dynamic batch (runs --batch images at once)"
	}
	dyn := "none"
	if len(r.DynamicAxes) > 0 {
		dyn = strings.Join(r.DynamicAxes, ", ")
	}
	expects := fmt.Sprintf("%s NCHW 3x%dx%d, %s; dynamic axes: %s", r.InputType, r.Height, r.Width, batch, dyn)
	if r.InputType == "uint8" {
		expects += "; values 0..255 (the graph casts and scales: preprocess without /255)"
	}
	row("expects", expects)
	classes := fmt.Sprint(r.NumClasses)
	if r.NumClasses == 0 {
		classes = "not in the shapes (class ids are checked against the dataset's names)"
	}
	row("classes", classes)
	rows := fmt.Sprint(r.Anchors)
	if r.Anchors == 0 {
		rows = "dynamic"
	}
	row("rows", rows+" per image")
	_, err := io.WriteString(w, b.String())
	return err
}

// layoutNames lists the --layout values.
func layoutNames() string {
	var s []string
	for _, l := range detect.Layouts() {
		s = append(s, string(l))
	}
	return strings.Join(s, ", ")
}
