package paritytest

import (
	"context"
	"fmt"
	"strings"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/explain"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/parity"
)

// RequireTensorParity fails the test now unless your preprocessing makes,
// for every image given, the tensor the spec makes (e.g. "sg-coco": the
// training preprocessing) — every value within tolerance (0: bit-exact;
// explain.DefaultTolerance allows float32 rounding). The tensor pre writes is
// read in the spec's size, layout and element type (a dtype=uint8 spec asks for
// integer values 0..255). A failure says, in words, which differences account
// for the tensor (stretch vs letterbox, inner size and rounding, pad value and
// position, interpolation, channel order, scale and mean/std, layout, dtype,
// JPEG decoder, EXIF rotation: package explain), with the error metrics.
//
// It checks the tensor, not the model: use it beside Run's metrics to pin a
// preprocessing down before it ships.
func RequireTensorParity(t TB, pre parity.Preprocessor, spec string, tolerance float64, images ...string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Errorf("paritytest: RequireTensorParity(%s, %s): "+format, append([]any{pre.Name, spec}, args...)...)
		t.FailNow()
	}
	s, err := letterbox.Parse(spec)
	switch {
	case err != nil:
		fail("%v", err)
		return
	case pre.Prepare == nil:
		fail("the Preprocessor has no Prepare function")
		return
	case len(images) == 0:
		fail("no image given")
		return
	}
	w, h := s.Dims()
	tgt := parity.Target{W: w, H: h, Layout: s.Layout, Uint8: s.DType == letterbox.Uint8}
	shape := []int{1, 3, h, w}
	if s.Layout == letterbox.NHWC {
		shape = []int{1, h, w, 3}
	}
	for _, path := range images {
		tensor, err := prepareOne(pre, path, tgt)
		if err != nil {
			fail("%s: %v", path, err)
			return
		}
		e, err := explain.Compare(context.Background(), path, tensor, shape, s, tolerance)
		if err != nil {
			fail("%s: %v", path, err)
			return
		}
		if !e.Identical {
			fail("%s differs from what %s makes of it:\n  %s", path, s.String(), strings.Join(e.Words(), "\n  "))
			return
		}
	}
}

// prepareOne runs pre on one image file.
func prepareOne(pre parity.Preprocessor, path string, tgt parity.Target) ([]float32, error) {
	in := parity.Input{Path: path, Name: path, Target: tgt}
	var err error
	if pre.Decoder == "" {
		in.W, in.H, err = dataset.CheckSize(path, 0)
	} else {
		var dec dataset.Decoder
		if dec, err = dataset.DecoderByName(pre.Decoder); err == nil {
			if in.Image, err = dec.Decode(path); err == nil {
				in.W, in.H = in.Image.W, in.Image.H
			}
		}
	}
	if err != nil {
		return nil, err
	}
	dst := make([]float32, tgt.Len())
	if _, err := pre.Prepare(in, dst); err != nil {
		return nil, fmt.Errorf("%s: %w", pre.Name, err)
	}
	return dst, nil
}
