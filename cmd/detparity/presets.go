package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/detparity/detparity/letterbox"
)

func init() {
	register("presets", "list the preprocessing presets: every parameter, what each reproduces and its public source", cmdPresets)
}

// presetEntry is one listed pipeline: a preset, or a spec given on the command
// line (its base preset's description and source, its own parameters).
type presetEntry struct {
	// Name is the canonical spec ("sg-coco", "sg-coco:pad=0").
	Name string `json:"name"`
	// Preset is the preset the spec starts from; Aliases its former names.
	Preset      string   `json:"preset"`
	Aliases     []string `json:"aliases"`
	Description string   `json:"description"`
	Source      string   `json:"source"`
	// Expanded is the spec with every parameter (letterbox.Spec.Expand).
	Expanded string            `json:"expanded"`
	Params   []letterbox.Param `json:"params"`
}

func cmdPresets(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("presets", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := addFormatFlag(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity presets [--format text|json] [SPEC ...]

Lists every preprocessing preset (or only the SPECs given: presets, presets with overrides,
free specs) with all its parameters and what each value does, what pipeline it reproduces
and the public source and version it was read from. The expanded line is a free spec that
runs exactly the same preprocessing, for --pipeline.

Examples:
  detparity presets
  detparity presets sg-coco:pad=0 seed-center
  detparity presets --format json

Flags:
`)
		fs.PrintDefaults()
	}
	// Flags may come before or after the specs (detparity presets sg-coco --format json).
	var specs []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		specs = append(specs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	entries, err := presetEntries(specs)
	if err != nil {
		return err
	}
	if *format == "json" {
		b, err := json.MarshalIndent(entries, "", "  ")
		if err != nil {
			return err
		}
		_, err = stdout.Write(append(b, '\n'))
		return err
	}
	return writePresets(stdout, entries)
}

// presetEntries lists every preset when specs is empty, else each spec.
func presetEntries(specs []string) ([]presetEntry, error) {
	infos := map[string]letterbox.PresetInfo{}
	var all []string
	for _, p := range letterbox.PresetInfos() {
		infos[p.Name] = p
		all = append(all, p.Name)
	}
	if len(specs) == 0 {
		specs = all
	}
	out := make([]presetEntry, 0, len(specs))
	for _, str := range specs {
		s, err := letterbox.Parse(str)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		base, _, _ := strings.Cut(s.Name, ":")
		p := infos[base]
		aliases := p.Aliases
		if aliases == nil {
			aliases = []string{}
		}
		out = append(out, presetEntry{Name: s.Name, Preset: base, Aliases: aliases, Description: p.Description,
			Source: p.Source, Expanded: s.Expand(), Params: s.Params()})
	}
	return out, nil
}

func writePresets(w io.Writer, entries []presetEntry) error {
	for i, e := range entries {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, e.Name)
		if e.Name != e.Preset {
			fmt.Fprintf(w, "  preset %s with %s\n", e.Preset, strings.TrimPrefix(e.Name, e.Preset+":"))
		}
		if len(e.Aliases) > 0 {
			fmt.Fprintf(w, "  former name: %s (still accepted)\n", strings.Join(e.Aliases, ", "))
		}
		wrapText(w, "  ", e.Description, 100)
		wrapText(w, "  source: ", e.Source, 100)
		fmt.Fprintf(w, "  expanded: %s\n", e.Expanded)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, p := range e.Params {
			fmt.Fprintf(tw, "    %s\t%s\t%s\n", p.Key, p.Value, p.Meaning)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// wrapText writes s word-wrapped to width columns, the first line after
// prefix, the others indented as deep.
func wrapText(w io.Writer, prefix, s string, width int) {
	indent := strings.Repeat(" ", len(prefix))
	line := prefix
	for _, word := range strings.Fields(s) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			fmt.Fprintln(w, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	fmt.Fprintln(w, line)
}
