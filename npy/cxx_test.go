package npy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCxxWriter compiles the README's C++ .npy writer (scripts/npy_write.cc),
// runs it, and reads its file back: the shape and every value as written. The
// README's snippet is the file's save_npy, verbatim (checked here too), so the
// example users copy is the one that was tested.
func TestCxxWriter(t *testing.T) {
	src, err := filepath.Abs("../scripts/npy_write.cc")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "npy_write")
	out, err := exec.Command("g++", "-O1", "-Wall", "-o", bin, src).CombinedOutput()
	require.NoError(t, err, "g++ (scripts/setup.sh installs it): %s", out)
	file := filepath.Join(t.TempDir(), "t.npy")
	out, err = exec.Command(bin, file, "4", "5").CombinedOutput()
	require.NoError(t, err, string(out))
	a, err := ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 3, 4, 5}, a.Shape)
	assert.Equal(t, Float32, a.DType)
	for i, v := range a.Float32() {
		require.Equal(t, float32(i)/8-1.5, v, "value %d", i)
	}

	cc, err := os.ReadFile(src)
	require.NoError(t, err)
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	fn := string(cc)
	fn = fn[strings.Index(fn, "// Writes n float32"):strings.Index(fn, "int main(")]
	assert.Contains(t, string(readme), strings.TrimSpace(fn), "the README shows save_npy as scripts/npy_write.cc has it")
}
