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
	InputName   string              `json:"input_name,omitempty"`
	InputType   string              `json:"input_type,omitempty"`
	InputLayout string              `json:"input_layout,omitempty"`
	Width       int                 `json:"width,omitempty"`
	Height      int                 `json:"height,omitempty"`
	DynamicSize bool                `json:"dynamic_size"`
	Batch       int                 `json:"batch"`
	DynamicAxes []string            `json:"dynamic_axes"`
	Aux         []detect.AuxInput   `json:"aux_inputs,omitempty"`
	NumClasses  int                 `json:"num_classes"`
	Anchors     int                 `json:"anchors"`
	Strides     []int               `json:"strides,omitempty"`
	RegMax      int                 `json:"reg_max,omitempty"`
	Probed      bool                `json:"probed"`
	Producer    string              `json:"producer,omitempty"`
	Metadata    *detect.Metadata    `json:"metadata,omitempty"`
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
shapes, element types, the model's metadata and the output values of one run on a zero input,
or the one --layout names after checking every dimension against it), why, the input the model
expects (element type, NCHW or NHWC, size or symbolic size, batch, dynamic axes, the inputs
detect feeds itself) and what the file's metadata_props say (Ultralytics' keys are parsed:
class names, imgsz, stride, task, end2end, nms; keys no known exporter writes are shown, never
used). See docs/layouts.md. A model whose outputs fit several layouts (NanoDet and NanoDet-Plus
heads differ only in the cell centre) is refused with the candidates: rerun with --layout.
Exit status 1 when the model cannot be read or its layout is ambiguous or unknown.

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
		rep.InputName, rep.InputType, rep.InputLayout = sig.InputName, sig.InputType, sig.InputLayout
		rep.Width, rep.Height, rep.DynamicSize, rep.Batch = sig.Width, sig.Height, sig.DynamicSize, sig.Batch
		rep.DynamicAxes = append(rep.DynamicAxes, sig.DynamicAxes()...)
		rep.Aux, rep.NumClasses, rep.Anchors = sig.Aux, sig.NumClasses, sig.Anchors
		rep.Strides, rep.RegMax, rep.Probed = sig.Strides, sig.RegMax, sig.Probed
		rep.Producer, rep.Metadata = sig.Metadata.Producer(), sig.Metadata
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
	row("expects", describeInput(r))
	for _, a := range r.Aux {
		row("feeds", fmt.Sprintf("%s = %s of the input tensor (%s), filled by detect for every run", a.Name, a.Value,
			a.Type))
	}
	classes := fmt.Sprint(r.NumClasses)
	if r.NumClasses == 0 {
		classes = "not in the shapes (class ids are checked against the dataset's names)"
	}
	row("classes", classes)
	rows := fmt.Sprint(r.Anchors)
	if r.Anchors == 0 {
		rows = "dynamic"
	}
	if len(r.Strides) > 0 {
		rows += fmt.Sprintf(", strides %v", r.Strides)
	}
	if r.RegMax > 0 {
		rows += fmt.Sprintf(", reg_max %d", r.RegMax)
	}
	row("rows", rows+" per image")
	for i, line := range describeMetadata(r.Metadata) {
		row(map[bool]string{true: "metadata", false: ""}[i == 0], line)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// describeInput is the "expects" line: element type, layout, size, batch, dynamic axes.
func describeInput(r inspectReport) string {
	size := fmt.Sprintf("3x%dx%d", r.Height, r.Width)
	if r.InputLayout == "nhwc" {
		size = fmt.Sprintf("%dx%dx3", r.Height, r.Width)
	}
	if r.DynamicSize {
		size = "symbolic H and W (runs at the size the preprocessing gives)"
		if r.Metadata != nil && len(r.Metadata.ImgSz) == 2 {
			size += fmt.Sprintf("; exported at %dx%d", r.Metadata.ImgSz[1], r.Metadata.ImgSz[0])
		}
	}
	batch := fmt.Sprintf("batch %d", r.Batch)
	if r.Batch == 0 {
		batch = "dynamic batch (runs --batch images at once)"
	}
	dyn := "none"
	if len(r.DynamicAxes) > 0 {
		dyn = strings.Join(r.DynamicAxes, ", ")
	}
	s := fmt.Sprintf("%s %s %s, %s; dynamic axes: %s", r.InputType, strings.ToUpper(r.InputLayout), size, batch, dyn)
	if r.InputType == "uint8" {
		s += "; values 0..255 (the graph casts and scales: preprocess without /255)"
	}
	return s
}

// describeMetadata lists what the metadata says: the recognised exporter's fields, then every key no exporter
// detect knows writes (shown, not used).
func describeMetadata(m *detect.Metadata) []string {
	if m == nil || len(m.Props) == 0 {
		return []string{"none"}
	}
	var lines []string
	if p := m.Producer(); p != "" {
		var f []string
		if m.Task != "" {
			f = append(f, "task "+m.Task)
		}
		if len(m.ImgSz) == 2 {
			f = append(f, fmt.Sprintf("imgsz %dx%d", m.ImgSz[1], m.ImgSz[0]))
		}
		if m.Stride > 0 {
			f = append(f, fmt.Sprintf("stride %d", m.Stride))
		}
		if m.Head != "" {
			f = append(f, "head "+m.Head)
		}
		for _, b := range []struct {
			name string
			v    *bool
		}{{"end2end", m.EndToEnd}, {"nms", m.NMS}, {"dynamic", m.Dynamic}} {
			if b.v != nil {
				f = append(f, fmt.Sprintf("%s %v", b.name, *b.v))
			}
		}
		lines = append(lines, p+": "+strings.Join(f, ", "))
		if m.Names != nil {
			names := m.Names
			more := ""
			if len(names) > 8 {
				names, more = names[:8], fmt.Sprintf(", ... (%d more)", len(m.Names)-8)
			}
			lines = append(lines, fmt.Sprintf("%d class names: %q%s", len(m.Names), names, more))
		}
	}
	for _, k := range m.Unknown {
		v := m.Props[k]
		if len(v) > 80 {
			v = v[:80] + "..."
		}
		lines = append(lines, fmt.Sprintf("%s = %q (no known exporter writes this key: shown, not used)", k, v))
	}
	if len(lines) == 0 {
		lines = []string{"none detect reads"}
	}
	return lines
}

// layoutNames lists the --layout values.
func layoutNames() string {
	var s []string
	for _, l := range detect.Layouts() {
		s = append(s, string(l))
	}
	return strings.Join(s, ", ")
}
