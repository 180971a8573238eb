package paritytest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLibraryWithoutOpenCV: a team adding paritytest to its own go test needs
// ONNX Runtime only. parity, paritytest, letterbox, detect and metrics do not
// depend on gocv (go list -deps), and a program built on parity without
// importing dataset/opencv runs decoder=go pipelines and, asked for the OpenCV
// decoder, says which import registers it.
func TestLibraryWithoutOpenCV(t *testing.T) {
	for _, pkg := range []string{"parity", "paritytest", "letterbox", "detect", "metrics", "dataset"} {
		out, err := exec.Command("go", "list", "-deps", "github.com/detparity/detparity/"+pkg).CombinedOutput()
		require.NoError(t, err, string(out))
		for _, dep := range strings.Fields(string(out)) {
			assert.False(t, strings.HasPrefix(dep, "gocv.io/"), "%s depends on %s", pkg, dep)
		}
	}
	sub := t.TempDir()
	for i, name := range []string{"00000", "00001", "00002"} {
		for _, p := range [][2]string{{"images", ".jpg"}, {"labels", ".txt"}} {
			b, err := os.ReadFile(filepath.Join(data, p[0], name+p[1]))
			require.NoError(t, err)
			require.NoError(t, os.MkdirAll(filepath.Join(sub, p[0]), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(sub, p[0], name+p[1]), b, 0o644), i)
		}
	}
	b, err := os.ReadFile(filepath.Join(data, "classes.txt"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(sub, "classes.txt"), b, 0o644))
	abs, err := filepath.Abs(model)
	require.NoError(t, err)
	out, err := exec.Command("go", "run", "./testdata/nocv", abs, sub).CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "decoder=go: 3 images evaluated")
	assert.Contains(t, string(out), `decoder=opencv: parity: pipeline sg-coco: dataset: decoder "opencv" is not registered in this program: import _ "github.com/detparity/detparity/dataset/opencv"`)
	assert.Contains(t, string(out), "or use decoder=go")
}
