package outset

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDistinct: the same file under another name (a relative path, a symbolic
// link, a hard link, a linked folder) is refused; a new file is compared by path.
func TestDistinct(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.onnx")
	require.NoError(t, os.WriteFile(model, []byte("x"), 0o644))
	require.NoError(t, os.Symlink(model, filepath.Join(dir, "link.onnx")))
	require.NoError(t, os.Link(model, filepath.Join(dir, "hard.onnx")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "real"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "alias")))
	in := []Path{{"the --model file", model}}
	for _, c := range []struct {
		out  []Path
		want string
	}{
		{[]Path{{"--out", model}}, "--out " + model + " is also the --model file " + model},
		{[]Path{{"--out", filepath.Join(dir, "link.onnx")}}, "--out " + filepath.Join(dir, "link.onnx") + " is also the --model file " + model},
		{[]Path{{"--out", filepath.Join(dir, "hard.onnx")}}, "--out " + filepath.Join(dir, "hard.onnx") + " is also the --model file " + model},
		{[]Path{{"--out", filepath.Join(dir, "x", "..", "m.onnx")}}, "--out " + filepath.Join(dir, "x", "..", "m.onnx") + " is also the --model file " + model},
		{[]Path{{"--out", filepath.Join(dir, "real", "a.json")}, {"--predictions-out file", filepath.Join(dir, "alias", "a.json")}},
			"--predictions-out file " + filepath.Join(dir, "alias", "a.json") + " is also --out " + filepath.Join(dir, "real", "a.json")},
		{[]Path{{"--out", filepath.Join(dir, "run.json")}, {"--predictions-out file", filepath.Join(dir, "p.json")}}, ""},
		{[]Path{{"--out", ""}, {"--geometry-out", ""}}, ""},
	} {
		err := Distinct(c.out, in)
		if c.want == "" {
			assert.NoError(t, err)
			continue
		}
		require.ErrorIs(t, err, ErrCollision)
		assert.Equal(t, c.want+": "+ErrCollision.Error(), err.Error())
	}
}
