package withoutopencv_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/explain"
	"github.com/detparity/detparity/frame"
	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/npy"
)

const fixtures = "../../../fixtures/explain"

// TestWithoutOpenCV: explain builds without gocv, and when the "opencv"
// decoder is not registered it says that the libjpeg hypothesis could not be
// checked and does not call a JPEG tensor identical to an OpenCV-decoded
// spec; PNG files, which every decoder reads alike, are still judged.
func TestWithoutOpenCV(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/detparity/detparity/explain").CombinedOutput()
	require.NoError(t, err, string(out))
	assert.NotContains(t, string(out), "gocv.io", "explain must not depend on gocv")
	assert.NotContains(t, dataset.Registered(), "opencv")

	a, err := npy.ReadFile(filepath.Join(fixtures, "exact_a.npy"))
	require.NoError(t, err)
	sg, err := letterbox.Parse("sg-coco")
	require.NoError(t, err)
	e, err := explain.Compare(context.Background(), filepath.Join(fixtures, "a.jpg"), a.Float32(), a.Shape, sg, explain.DefaultTolerance)
	require.NoError(t, err)
	assert.False(t, e.Identical)
	notes := strings.Join(e.Notes, "\n")
	assert.Contains(t, notes, `the JPEG decoder could not be checked: libjpeg via OpenCV (cv2.imread) is not available here (dataset: decoder "opencv" is not registered in this program: import _ "github.com/detparity/detparity/dataset/opencv"`)
	assert.Contains(t, notes, "sg-coco:size=64,inner=60 decodes with libjpeg via OpenCV (cv2.imread), which is not available here: it was rendered with Go's image/jpeg")

	// A PNG: the same pixels for every decoder, so the verdict stands.
	im := frame.New(40, 30, frame.RGB)
	for i := range im.Pix {
		im.Pix[i] = uint8(i * 7 % 256)
	}
	path := filepath.Join(t.TempDir(), "x.png")
	require.NoError(t, writePNG(path, im))
	spec, err := letterbox.Parse("sg-coco:size=32,inner=28")
	require.NoError(t, err)
	p, err := spec.Plan(im.W, im.H)
	require.NoError(t, err)
	tensor := make([]float32, p.TensorLen())
	require.NoError(t, p.Apply(im, tensor))
	e, err = explain.Compare(context.Background(), path, tensor, []int{1, 3, 32, 32}, spec, 0)
	require.NoError(t, err)
	assert.True(t, e.Identical, e.Words())
	assert.Empty(t, e.Notes)
}
