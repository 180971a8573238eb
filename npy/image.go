package npy

import (
	"fmt"
	"strings"
)

// ImageShape reads the shape of one 3-channel image tensor, as pipelines in any
// language write them: (1, 3, H, W) or (3, H, W) channels first (NCHW, PyTorch,
// ONNX), (1, H, W, 3) or (H, W, 3) channels last (NHWC, TensorFlow, numpy
// images). channelsFirst tells which; when both the first and the last axis are
// 3 (a 3-pixel-wide image) channels first wins. A batch of more than one image
// and any other rank are errors saying what was expected.
func ImageShape(shape []int) (channelsFirst bool, w, h int, err error) {
	want := "expected one image: (1, 3, H, W), (3, H, W), (1, H, W, 3) or (H, W, 3)"
	for _, d := range shape {
		if d <= 0 {
			return false, 0, 0, fmt.Errorf("shape %s has an empty axis, %s", ShapeString(shape), want)
		}
	}
	s := shape
	if len(s) == 4 {
		if s[0] != 1 {
			return false, 0, 0, fmt.Errorf("shape %s is a batch of %d images, %s", ShapeString(shape), s[0], want)
		}
		s = s[1:]
	}
	if len(s) != 3 {
		return false, 0, 0, fmt.Errorf("shape %s has %d axes, %s", ShapeString(shape), len(shape), want)
	}
	switch {
	case s[0] == 3:
		return true, s[2], s[1], nil
	case s[2] == 3:
		return false, s[1], s[0], nil
	}
	return false, 0, 0, fmt.Errorf("shape %s has no axis of 3 channels first or last, %s", ShapeString(shape), want)
}

// ShapeString prints a shape as a Python tuple, as numpy does: (), (5,), (1, 3, 640, 640).
func ShapeString(shape []int) string {
	p := make([]string, len(shape))
	for i, d := range shape {
		p[i] = fmt.Sprint(d)
	}
	if len(p) == 1 {
		return "(" + p[0] + ",)"
	}
	return "(" + strings.Join(p, ", ") + ")"
}
