package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	_ "github.com/detparity/detparity/dataset/opencv" // the "opencv" decoder: libjpeg, as cv2.imread
	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/explain"
	"github.com/detparity/detparity/internal/outset"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

func init() {
	register("explain", "say why a tensor (.npy) differs from what a preprocessing spec makes of the same image", cmdExplain)
}

// explainUsage is the text of 'detparity explain -h' before the flags.
const explainUsage = `Usage: detparity explain --image IMG --tensor T.npy (--model M.onnx | --size WxH) [--against SPEC]
                         [--heatmap out.png] [--format text|json] [--tolerance 1e-5] [--require-identical]

Finds the preprocessing that turns IMG into the tensor T.npy (written by your own pipeline, in
any language: np.save(path, x) in Python) and says how it differs from SPEC: stretch or
letterbox, inner size and rounding, padding value, anchor and offset, interpolation (OpenCV
linear/area/cubic/nearest, PIL bilinear), channel order, scale and mean/std, layout, dtype,
JPEG decoder (libjpeg or Go) and EXIF orientation; then how far the tensor is from SPEC's
(max and mean |difference|, share of differing values, PSNR), ending with "identical to SPEC"
when it is. A spec is adapted to the model's input size (sg-coco's 636-in-640 becomes
60-in-64 at 64x64). Exit status: 0 explained, 1 a file cannot be read (or, with
--require-identical, the tensor is not identical), 2 bad usage.

Example:
  detparity explain --image fixtures/explain/b.jpg --tensor fixtures/explain/stretch_bgr_b.npy --size 64x64 --against sg-coco

Flags:
`

// errNotIdentical is --require-identical's failure (exit status 1).
var errNotIdentical = errors.New("the tensor is not identical to the spec (--require-identical)")

func cmdExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	image := fs.String("image", "", "image `file` the tensor was made from (JPEG, PNG or BMP)")
	tensor := fs.String("tensor", "", "the tensor, a NumPy `.npy` file (float32, float16, uint8 or float64; NCHW or NHWC, with or without the batch axis)")
	model := fs.String("model", "", "ONNX model `file` whose input size (and uint8 input type) the tensor is for")
	size := fs.String("size", "", "model input size `WxH` (or N for NxN), instead of --model")
	var against stringList
	fs.Var(&against, "against", "preprocessing `spec` the tensor should equal, e.g. sg-coco (a preset or a spec string); repeat for several; default: every preset")
	heatmap := fs.String("heatmap", "", "also write a PNG `file` of where the values differ (grey levels, log scale: black none, red, yellow, white 64+)")
	format := fs.String("format", "text", "output format: text or json")
	tol := fs.Float64("tolerance", explain.DefaultTolerance, "largest |difference| per value still counted identical (0: bit-exact; the default allows float32 rounding)")
	require := fs.Bool("require-identical", false, "exit 1 when the tensor is not identical to the (best) --against spec")
	fs.Usage = func() {
		fmt.Fprint(stderr, explainUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *image == "" || *tensor == "" || (*model == "") == (*size == "") {
		return fmt.Errorf("%w: explain needs --image, --tensor and one of --model or --size (see detparity explain -h)", errUsage)
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("%w: --format %q, expected text or json", errUsage, *format)
	}
	opts := explain.DefaultOptions()
	opts.Tolerance = *tol
	if err := explainOptionsOK(opts); err != nil {
		return err
	}
	in := explain.Input{ImagePath: *image}
	for _, a := range against {
		s, err := letterbox.Parse(a)
		if err != nil {
			return fmt.Errorf("%w: --against: %v", errUsage, err)
		}
		in.Against = append(in.Against, s)
	}
	if err := modelInput(&in, *model, *size); err != nil {
		return err
	}
	if *heatmap != "" {
		outs := []outset.Path{{Role: "--heatmap", Name: *heatmap}}
		if err := checkOutputs(outs, []outset.Path{{Role: "--image", Name: *image}, {Role: "--tensor", Name: *tensor}, {Role: "--model", Name: *model}}); err != nil {
			return err
		}
		if err := checkWritable(*heatmap); err != nil {
			return err
		}
	}
	a, err := npy.ReadFile(*tensor)
	if err != nil {
		return err
	}
	in.Tensor = explain.FromNPY(a)
	e, err := explain.Explain(ctx, in, opts)
	if err != nil {
		return err
	}
	if *heatmap != "" {
		if err := writeOutputs(ctx, []outset.File{{Path: *heatmap, Write: e.WriteHeatmap}}); err != nil {
			return err
		}
	}
	if err := printExplanation(stdout, e, *tensor, a, *format); err != nil {
		return err
	}
	if *require && !e.Identical {
		return errNotIdentical
	}
	return nil
}

// explainOptionsOK refuses a tolerance that is NaN, infinite or negative, naming the flag.
func explainOptionsOK(o explain.Options) error {
	if o.Tolerance < 0 || o.Tolerance != o.Tolerance || o.Tolerance > 1e300 {
		return fmt.Errorf("%w: --tolerance %v, expected a finite value >= 0", errUsage, o.Tolerance)
	}
	return nil
}

// modelInput fills the model's input size from --size or from the model
// (detect.Inspect); a model that takes uint8 makes the specs uint8 too.
func modelInput(in *explain.Input, model, size string) error {
	if size != "" {
		w, h, err := parseSize(size)
		if err != nil {
			return fmt.Errorf("%w: --size: %v", errUsage, err)
		}
		in.Width, in.Height = w, h
		return nil
	}
	sig, err := detect.Inspect(model, detect.LayoutAuto)
	var amb *detect.AmbiguousError
	if errors.As(err, &amb) {
		return fmt.Errorf("%w (explain only needs the input size: pass --size WxH instead of --model)", err)
	}
	if err != nil {
		return err
	}
	in.Width, in.Height = sig.Width, sig.Height
	if sig.InputType == "uint8" {
		for i := range in.Against {
			in.Against[i].DType = letterbox.Uint8
		}
	}
	return nil
}

// parseSize reads "WxH" or "N".
func parseSize(s string) (int, int, error) {
	ws, hs, ok := strings.Cut(s, "x")
	if !ok {
		hs = ws
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 || w > 1<<15 || h > 1<<15 {
		return 0, 0, fmt.Errorf("%q, expected WxH or N with positive sizes, e.g. 640x640 or 640", s)
	}
	return w, h, nil
}

// printExplanation writes the words (text) or the explanation (json).
func printExplanation(w io.Writer, e *explain.Explanation, tensorPath string, a *npy.Array, format string) error {
	if format == "json" {
		b, err := json.MarshalIndent(e, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	fmt.Fprintf(w, "%s (%s) made from %s, compared with %s:\n", tensorPath, a, e.Image, e.Against)
	for _, s := range e.Words() {
		fmt.Fprintf(w, "  - %s\n", s)
	}
	best := e.Best
	if best == "" {
		best = "(none)"
	}
	_, err := fmt.Fprintf(w, "best matching spec: %s\n", best)
	return err
}
