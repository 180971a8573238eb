package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
)

// writeRandomPNG writes a w x h PNG of random RGB pixels and returns the
// pixels as an RGB frame (PNG is lossless: both decoders return them exactly).
func writeRandomPNG(t *testing.T, path string, w, h int, seed int64) frame.Image {
	t.Helper()
	im := frame.New(w, h, frame.RGB)
	rand.New(rand.NewSource(seed)).Read(im.Pix)
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, j := 0, 0; i < len(im.Pix); i, j = i+3, j+4 {
		copy(rgba.Pix[j:j+3], im.Pix[i:i+3])
		rgba.Pix[j+3] = 255
	}
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, rgba))
	require.NoError(t, f.Close())
	return im
}

// readPNG returns the PNG's R, G, B bytes interleaved.
func readPNG(t *testing.T, path string) (int, int, []uint8) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	b := img.Bounds()
	out := make([]uint8, 0, b.Dx()*b.Dy()*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out = append(out, uint8(r>>8), uint8(g>>8), uint8(bl>>8))
		}
	}
	return b.Dx(), b.Dy(), out
}

// TestPreprocessSGCoco: the PNG is the letterbox plan's 8-bit image (itself
// byte-equal to OpenCV, see the letterbox tests) in RGB, and the geometry
// JSON is SPEC §1's worked example for 1920x1080.
func TestPreprocessSGCoco(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.png")
	src := writeRandomPNG(t, in, 1920, 1080, 1)
	out, geo := filepath.Join(dir, "out.png"), filepath.Join(dir, "g.json")
	var stdout, stderr bytes.Buffer
	code := realMain(context.Background(), []string{"preprocess", "--pipeline", "sg-coco", "--in", in, "--out", out, "--geometry-out", geo}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stdout.String(), "1920x1080 -> 640x640 (resized 636x358, pad t/l/b/r 141/2/141/2), rgb order, decoder opencv")

	w, h, pix := readPNG(t, out)
	require.Equal(t, [2]int{640, 640}, [2]int{w, h})
	spec, err := letterbox.Preset("sg-coco")
	require.NoError(t, err)
	p, err := spec.Plan(1920, 1080)
	require.NoError(t, err)
	want, err := p.Image(src)
	require.NoError(t, err)
	require.Equal(t, want.Pix, pix)
	// Pad is 114 everywhere around; the image's top-left pixel is a real sample.
	assert.Equal(t, []uint8{114, 114, 114}, pix[:3])

	raw, err := os.ReadFile(geo)
	require.NoError(t, err)
	var g map[string]any
	require.NoError(t, json.Unmarshal(raw, &g))
	assert.Equal(t, map[string]any{
		"pipeline": "sg-coco", "decoder": "opencv", "src_w": 1920.0, "src_h": 1080.0, "dst_w": 640.0, "dst_h": 640.0,
		"scale_x": 0.33125, "scale_y": 0.33125, "resized_w": 636.0, "resized_h": 358.0,
		"pad_top": 141.0, "pad_left": 2.0, "pad_bottom": 141.0, "pad_right": 2.0, "order": "rgb",
	}, g)
}

// TestPreprocessBGRModel: for a BGR-fed pipeline (sg-custom) the PNG's red
// channel holds blue: it is the RGB-model PNG with channels reversed, placed
// top-left; the go decoder reads a PNG to the same pixels.
func TestPreprocessBGRModel(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.png")
	writeRandomPNG(t, in, 320, 200, 2)
	run := func(pipe, out string) []uint8 {
		var stdout, stderr bytes.Buffer
		code := realMain(context.Background(), []string{"preprocess", "--pipeline", pipe, "--in", in, "--out", out}, &stdout, &stderr)
		require.Equal(t, 0, code, stderr.String())
		_, _, pix := readPNG(t, out)
		return pix
	}
	bgr := run("sg-custom", filepath.Join(dir, "bgr.png"))
	rgb := run("sg-custom:order=rgb,decoder=go", filepath.Join(dir, "rgb.png"))
	require.Len(t, bgr, 640*640*3)
	for i := 0; i < len(bgr); i += 3 {
		require.Equal(t, [3]uint8{rgb[i+2], rgb[i+1], rgb[i]}, [3]uint8{bgr[i], bgr[i+1], bgr[i+2]}, "pixel %d", i/3)
	}
	// Top-left placement: 320x200 -> 640x400, pad rows from y=400 on.
	assert.Equal(t, []uint8{114, 114, 114}, bgr[(400*640)*3:(400*640)*3+3])
}

// TestPreprocessErrors: usage errors exit 2 and name the problem; a missing
// file exits 1 naming it.
func TestPreprocessErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"preprocess", "--in", "x.png"}, 2, "preprocess needs --in and --out"},
		{[]string{"preprocess", "--in", "x.png", "--out", "y.png", "--pipeline", "sg-coco:pda=1"}, 2, `unknown key "pda"`},
		{[]string{"preprocess", "--in", filepath.Join(dir, "missing.png"), "--out", filepath.Join(dir, "y.png")}, 1, "missing.png"},
		{[]string{"preprocess", "--in", "a", "--out", "b", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := realMain(context.Background(), c.args, &stdout, &stderr)
		assert.Equal(t, c.code, code, c.args)
		assert.Contains(t, stderr.String(), c.want, c.args)
	}
}
