package explain_test

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/explain"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

// TestRandomPipelines: 200 pipelines with random combinations of every key
// explain knows (geometry, interpolation, padding, order, values, layout,
// dtype, decoder; some saved as float16), rendered by letterbox on the catalogue images, are each
// reproduced exactly by the explanation against sg-coco, and every finding
// names a key the pipeline really changed (no invented faults). Keys that
// cannot be seen on an image (int() and round() giving the same size) may
// go unreported; that is the only slack.
func TestRandomPipelines(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	pick := func(opts ...string) string { return opts[rng.Intn(len(opts))] }
	for i := 0; i < 200; i++ {
		keys := map[string]string{}
		set := func(p float64, key string, opts ...string) {
			if rng.Float64() < p {
				keys[key] = pick(opts...)
			}
		}
		set(0.15, "mode", "stretch")
		set(0.2, "inner", "0", "56")
		set(0.2, "round", "int", "ceil")
		set(0.2, "anchor", "top-left", "bottom-right")
		set(0.2, "pad", "0", "127", "0/114/255")
		set(0.3, "interp", "area", "cubic", "nearest", "nearest-exact", "pil-linear")
		set(0.2, "order", "bgr")
		set(0.2, "values", "scale=1", "mean=0.485/0.456/0.406,std=0.229/0.224/0.225", "scale=1,mean=127.5,std=128", "mean=0.5,std=0.5")
		set(0.2, "layout", "nhwc")
		set(0.15, "dtype", "uint8")
		set(0.2, "decoder", "go")
		spec := "sg-coco:size=64,inner=60"
		for _, k := range []string{"mode", "inner", "round", "anchor", "pad", "interp", "order", "layout", "dtype", "decoder"} {
			if v, ok := keys[k]; ok {
				if k == "inner" {
					spec = strings.Replace(spec, "inner=60", "inner="+v, 1)
				} else {
					spec += "," + k + "=" + v
				}
			}
		}
		if v, ok := keys["values"]; ok {
			spec += "," + v
		}
		img := filepath.Join("../fixtures/explain", pick("a.jpg", "b.jpg", "c.jpg"))
		name := fmt.Sprintf("%d %s %s", i, filepath.Base(img), spec)
		s := mustSpec(t, spec)
		tensor := renderAny(t, img, s)
		if tensor.DType == npy.Float32 && rng.Float64() < 0.15 { // saved with .astype(np.float16)
			for i, v := range tensor.Values {
				tensor.Values[i] = npy.HalfOf(v).Float32()
			}
			tensor.DType, keys["dtype"] = npy.Float16, "float16"
			name += " float16"
		}
		e, err := explain.Explain(context.Background(), explain.Input{ImagePath: img, Tensor: tensor,
			Against: []letterbox.Spec{mustSpec(t, "sg-coco")}}, explain.DefaultOptions())
		require.NoError(t, err, name)
		words := strings.Join(e.Words(), "\n")
		assert.True(t, e.BestExact, "%s\n%s", name, words)
		for _, f := range e.Findings {
			k := f.Key
			if k == "offset" || k == "resize" { // a placement: comes from the geometry keys
				assert.True(t, keys["anchor"] != "" || keys["inner"] != "" || keys["round"] != "" || keys["mode"] != "", "%s: %s\n%s", name, k, words)
				continue
			}
			_, ok := keys[k]
			assert.True(t, ok, "%s: finding %q the pipeline did not change\n%s", name, k, words)
		}
	}
}

// renderAny renders spec s on the image decoded by the spec's decoder, as a
// Tensor of the spec's layout and dtype.
func renderAny(t *testing.T, path string, s letterbox.Spec) explain.Tensor {
	t.Helper()
	d, err := dataset.DecoderByName(s.DecoderName())
	require.NoError(t, err)
	im, err := d.Decode(path)
	require.NoError(t, err)
	p, err := s.Plan(im.W, im.H)
	require.NoError(t, err)
	w, h := s.Dims()
	tn := explain.Tensor{Values: make([]float32, p.TensorLen()), Shape: []int{1, 3, h, w}, DType: npy.Float32}
	if s.Layout == letterbox.NHWC {
		tn.Shape = []int{1, h, w, 3}
	}
	if s.DType == letterbox.Uint8 {
		u := make([]uint8, p.TensorLen())
		require.NoError(t, p.ApplyUint8(im, u))
		for i, v := range u {
			tn.Values[i] = float32(v)
		}
		tn.DType = npy.Uint8
		return tn
	}
	require.NoError(t, p.Apply(im, tn.Values))
	return tn
}
