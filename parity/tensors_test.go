package parity

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

// dumpTensors writes, for every image of data, the tensor spec makes of it as
// another program would dump it: form says the dtype and axes ("f32-nchw-batch",
// "f16-nhwc", "u8-nchw"), and with sidecar true a STEM.json geometry beside it.
func dumpTensors(t *testing.T, data, spec, form string, sidecar bool) string {
	t.Helper()
	ds, err := dataset.Open(context.Background(), data, dataset.DefaultOptions())
	require.NoError(t, err)
	dec, err := dataset.DecoderByName("opencv")
	require.NoError(t, err)
	s, err := letterbox.Parse(spec)
	require.NoError(t, err)
	out := t.TempDir()
	for _, it := range ds.Items {
		img, err := dec.Decode(it.ImagePath)
		require.NoError(t, err)
		pl, err := s.Plan(img.W, img.H)
		require.NoError(t, err)
		v := make([]float32, pl.TensorLen())
		require.NoError(t, pl.Apply(img, v))
		g := pl.Geometry()
		n := g.DstW * g.DstH
		shape := []int{3, g.DstH, g.DstW}
		if strings.Contains(form, "nhwc") {
			hwc := make([]float32, len(v))
			for i := range n {
				for c := range 3 {
					hwc[3*i+c] = v[c*n+i]
				}
			}
			v, shape = hwc, []int{g.DstH, g.DstW, 3}
		}
		if strings.HasSuffix(form, "batch") {
			shape = append([]int{1}, shape...)
		}
		var data any = v
		switch {
		case strings.HasPrefix(form, "f16"):
			h := make([]npy.Half, len(v))
			for i, x := range v {
				h[i] = npy.HalfOf(x)
			}
			data = h
		case strings.HasPrefix(form, "u8"):
			u := make([]uint8, len(v))
			for i, x := range v {
				u[i] = uint8(x*255 + 0.5)
			}
			data = u
		}
		stem := strings.TrimSuffix(it.Name, filepath.Ext(it.Name))
		require.NoError(t, npy.WriteFile(filepath.Join(out, stem+".npy"), shape, data))
		if sidecar {
			js := fmt.Sprintf(`{"scale_x": %v, "scale_y": %v, "pad_left": %d, "pad_top": %d}`, g.ScaleX, g.ScaleY, g.PadLeft, g.PadTop)
			require.NoError(t, os.WriteFile(filepath.Join(out, stem+".json"), []byte(js), 0o644))
		}
	}
	return out
}

// TestTensorsPipeline: tensors dumped by "another program" run through the same
// engine as specs. The exact sg-coco tensors, as float32 with a batch axis and
// boxes mapped back by unmap=sg-coco, give exactly sg-coco's detections and
// numbers; as float16 channels-last they give the same counts within float16
// rounding; a sidecar geometry replaces unmap=.
func TestTensorsPipeline(t *testing.T) {
	data := smallSet(t, 6)
	exact := dumpTensors(t, data, "sg-coco", "f32-nchw-batch", false)
	half := dumpTensors(t, data, "sg-coco", "f16-nhwc", true)
	cfg := withConf(testConfig(fixtureModel, data, SplitPipelines("sg-coco,tensors:dir="+exact+",unmap=sg-coco;tensors:dir="+half)...), 0.8)
	require.Len(t, cfg.Pipelines, 3)
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Empty(t, res.Failed)
	sg, tx, th := res.Pipelines[0], res.Pipelines[1], res.Pipelines[2]
	assert.Equal(t, "none", tx.Decoder)
	assert.Equal(t, "640x640", tx.Size)
	assert.Equal(t, []int{sg.TP, sg.FP, sg.FN}, []int{tx.TP, tx.FP, tx.FN})
	assert.Equal(t, sg.AP, tx.AP, "the same tensors and the same unmapping give the same AP, to the bit")
	for k := range sg.PerImage {
		assert.Equal(t, sg.PerImage[k].DetBoxes, tx.PerImage[k].DetBoxes, sg.PerImage[k].Image)
		assert.Equal(t, sg.PerImage[k].DetScores, tx.PerImage[k].DetScores)
	}
	assert.Equal(t, []int{sg.TP, sg.FP, sg.FN}, []int{th.TP, th.FP, th.FN}, "float16 rounding (< 1/2048 relative) moves no detection across conf 0.8")
	assert.InDelta(t, sg.AP, th.AP, 0.01)
}

// TestTensorsPipelineErrors: a missing, mis-shaped or mistyped tensor fails its
// image (the others run) with an error naming the file and what was expected;
// a bad pipeline string or a folder that is not there is refused before the run.
func TestTensorsPipelineErrors(t *testing.T) {
	data := smallSet(t, 4)
	dir := dumpTensors(t, data, "sg-coco", "f32-nchw", false)
	names, err := filepath.Glob(filepath.Join(dir, "*.npy"))
	require.NoError(t, err)
	require.Len(t, names, 4)
	require.NoError(t, os.Remove(names[0]))
	require.NoError(t, npy.WriteFile(names[1], []int{3, 320, 320}, make([]float32, 3*320*320)))
	require.NoError(t, npy.WriteFile(names[2], []int{1, 3, 640, 640}, make([]float64, 3*640*640)))
	res, err := Run(context.Background(), withConf(testConfig(fixtureModel, data, "tensors:dir="+dir+",unmap=sg-coco"), 0.8))
	require.NoError(t, err)
	require.Len(t, res.Failed, 3)
	assert.Equal(t, 1, res.Evaluated)
	msgs := []string{res.Failed[0].Error, res.Failed[1].Error, res.Failed[2].Error}
	assert.Contains(t, msgs[0], "no tensor "+names[0])
	assert.Contains(t, msgs[1], "tensor "+names[1]+": shape (3, 320, 320) is a 320x320 image, the model takes 640x640")
	assert.Contains(t, msgs[2], "tensor "+names[2]+": float64 values, expected float32, float16 or uint8")
	for _, f := range res.Failed {
		assert.Equal(t, "preprocess", f.Stage)
	}

	// No unmapping at all: every image fails saying so.
	res, err = Run(context.Background(), withConf(testConfig(fixtureModel, data, "tensors:dir="+dir), 0.8))
	require.NoError(t, err)
	require.NotEmpty(t, res.Failed)
	assert.Contains(t, res.Failed[len(res.Failed)-1].Error, "no unmap=SPEC in the pipeline")

	for _, c := range []struct{ p, want string }{
		{"tensors:unmap=sg-coco", "no dir="},
		{"tensors:dir=" + filepath.Join(dir, "nope"), "is not a folder"},
		{"tensors:dir=" + dir + ",layout=chw", `layout="chw", expected auto, nchw or nhwc`},
		{"tensors:dir=" + dir + ",unmap=sg_coco", `unmap: letterbox: spec "sg_coco"`},
		{"tensors:dir=" + dir + ",size=3", `key "size" unknown`},
	} {
		_, err := Run(context.Background(), testConfig(fixtureModel, data, c.p))
		require.Error(t, err, c.p)
		assert.Contains(t, err.Error(), c.want, c.p)
		assert.NoError(t, ParsePipeline("tensors:dir="+dir+",layout=nchw,unmap=sg-coco:pad=0,inner=640"))
	}
	// layout=nhwc on channels-first tensors is a per-image error naming the file.
	res, err = Run(context.Background(), withConf(testConfig(fixtureModel, data, "tensors:dir="+dir+",layout=nhwc,unmap=sg-coco"), 0.8))
	require.NoError(t, err)
	require.NotEmpty(t, res.Failed)
	assert.Contains(t, res.Failed[len(res.Failed)-1].Error, "is not nhwc as the pipeline says")
}
