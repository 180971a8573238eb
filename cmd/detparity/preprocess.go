package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/internal/outset"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

func init() {
	register("preprocess", "write the resized, padded 8-bit model input of one image as PNG (+ geometry JSON)", cmdPreprocess)
}

// preprocessGeometry is the --geometry-out JSON: the letterbox.Geometry of the
// image under the pipeline, with snake_case keys in a fixed order.
type preprocessGeometry struct {
	Pipeline  string  `json:"pipeline"`
	Decoder   string  `json:"decoder"`
	SrcW      int     `json:"src_w"`
	SrcH      int     `json:"src_h"`
	DstW      int     `json:"dst_w"`
	DstH      int     `json:"dst_h"`
	ScaleX    float64 `json:"scale_x"`
	ScaleY    float64 `json:"scale_y"`
	ResizedW  int     `json:"resized_w"`
	ResizedH  int     `json:"resized_h"`
	PadTop    int     `json:"pad_top"`
	PadLeft   int     `json:"pad_left"`
	PadBottom int     `json:"pad_bottom"`
	PadRight  int     `json:"pad_right"`
	Order     string  `json:"order"`
}

func cmdPreprocess(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("preprocess", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pipe := fs.String("pipeline", "sg-coco", "preprocessing `spec`: a preset ("+strings.Join(letterbox.Presets(), ", ")+
		") optionally with :key=value overrides, e.g. sg-coco:pad=0,decoder=go")
	in := fs.String("in", "", "input image `file` (JPEG, PNG or BMP)")
	out := fs.String("out", "", "output PNG `file`")
	geoOut := fs.String("geometry-out", "", "also write the geometry as JSON to this `file` (it is also a tensors: pipeline's sidecar)")
	tensorOut := fs.String("tensor-out", "", "also write the tensor exactly as the model is fed it (values scaled and normalised, in the spec's layout and dtype) as a NumPy .npy `file`")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity preprocess --pipeline P --in IMG --out OUT.png [--geometry-out G.json] [--tensor-out T.npy]

Decodes IMG with the pipeline's decoder (opencv unless the spec says decoder=go), resizes and
pads it exactly as the pipeline does, and writes the 8-bit result in the channel order the model
is fed: the PNG's first (red) channel is the model's channel 0, so an RGB-fed model's PNG shows
true colours and a BGR-fed model's PNG has blue in its red channel. Normalisation (scale, mean,
std) is not applied. The geometry JSON has scale_x, scale_y, resized_w, resized_h, pad_top,
pad_left, pad_bottom, pad_right, src/dst sizes, the canonical pipeline spec and the decoder.
--tensor-out writes the model's input itself, (1, 3, H, W) or (1, H, W, 3), float32 (uint8 for a
dtype=uint8 spec): the reference to compare your own pipeline's tensor with (detparity explain, or
numpy in your language), and with the geometry JSON beside it a tensors: pipeline folder.

Example:
  detparity preprocess --pipeline sg-coco --in fixtures/eval/images/00000.jpg --out /tmp/in.png --geometry-out /tmp/g.json

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
	if *in == "" || *out == "" {
		return fmt.Errorf("%w: preprocess needs --in and --out (see detparity preprocess -h)", errUsage)
	}
	spec, err := letterbox.Parse(*pipe)
	if err != nil {
		return fmt.Errorf("%w: --pipeline: %v", errUsage, err)
	}
	outs := []outset.Path{{Role: "--out", Name: *out}, {Role: "--geometry-out", Name: *geoOut}, {Role: "--tensor-out", Name: *tensorOut}}
	if err := checkOutputs(outs, []outset.Path{{Role: "the --in image", Name: *in}}); err != nil {
		return err
	}
	for _, o := range outs {
		if o.Name != "" {
			if err := os.MkdirAll(filepath.Dir(o.Name), 0o755); err != nil {
				return fmt.Errorf("cannot write %s: %w", o.Name, err)
			}
			if err := checkWritable(o.Name); err != nil {
				return err
			}
		}
	}
	dec, err := dataset.DecoderByName(spec.DecoderName())
	if err != nil {
		return err
	}
	img, err := dec.Decode(*in)
	if err != nil {
		return err
	}
	plan, err := spec.Plan(img.W, img.H)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	res, err := plan.Image(img)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	// Channel k of the model's order goes to PNG channel k (R, G, B).
	rgba := image.NewRGBA(image.Rect(0, 0, res.W, res.H))
	for i, j := 0, 0; i < len(res.Pix); i, j = i+3, j+4 {
		rgba.Pix[j], rgba.Pix[j+1], rgba.Pix[j+2], rgba.Pix[j+3] = res.Pix[i], res.Pix[i+1], res.Pix[i+2], 255
	}
	files := []outset.File{{Path: *out, Write: func(w io.Writer) error { return png.Encode(w, rgba) }}}
	g := plan.Geometry()
	if *tensorOut != "" {
		shape, data, err := modelTensor(plan, img)
		if err != nil {
			return fmt.Errorf("%s: %w", *in, err)
		}
		files = append(files, outset.File{Path: *tensorOut, Write: func(w io.Writer) error { return npy.Write(w, shape, data) }})
	}
	if *geoOut != "" {
		pg := preprocessGeometry{
			Pipeline: spec.String(), Decoder: dec.Name(), SrcW: g.SrcW, SrcH: g.SrcH, DstW: g.DstW, DstH: g.DstH,
			ScaleX: g.ScaleX, ScaleY: g.ScaleY, ResizedW: g.ResizedW, ResizedH: g.ResizedH,
			PadTop: g.PadTop, PadLeft: g.PadLeft, PadBottom: g.PadBottom, PadRight: g.PadRight, Order: spec.Order.String(),
		}
		files = append(files, outset.File{Path: *geoOut, Write: func(w io.Writer) error {
			b, err := json.MarshalIndent(pg, "", "  ")
			if err != nil {
				return err
			}
			_, err = w.Write(append(b, '\n'))
			return err
		}})
	}
	if err := writeOutputs(ctx, files); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %dx%d -> %dx%d (resized %dx%d, pad t/l/b/r %d/%d/%d/%d), %s order, decoder %s\n",
		*out, g.SrcW, g.SrcH, g.DstW, g.DstH, g.ResizedW, g.ResizedH, g.PadTop, g.PadLeft, g.PadBottom, g.PadRight, spec.Order, dec.Name())
	return nil
}

// modelTensor is the tensor plan makes of img, for a .npy file: float32, or
// the bytes of a dtype=uint8 spec, shaped (1, 3, H, W) or (1, H, W, 3).
func modelTensor(plan *letterbox.Plan, img frame.Image) ([]int, any, error) {
	g := plan.Geometry()
	shape := []int{1, 3, g.DstH, g.DstW}
	if plan.Spec.Layout == letterbox.NHWC {
		shape = []int{1, g.DstH, g.DstW, 3}
	}
	var data any
	if plan.Spec.DType == letterbox.Uint8 {
		t := make([]uint8, plan.TensorLen())
		if err := plan.ApplyUint8(img, t); err != nil {
			return nil, nil, err
		}
		data = t
	} else {
		t := make([]float32, plan.TensorLen())
		if err := plan.Apply(img, t); err != nil {
			return nil, nil, err
		}
		data = t
	}
	return shape, data, nil
}
