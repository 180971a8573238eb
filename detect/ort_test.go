package detect

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLibraryPathEnv: DETPARITY_ORT_LIB wins when it names a file, and is an error (never skipped) when it does not.
func TestLibraryPathEnv(t *testing.T) {
	f := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	require.NoError(t, os.WriteFile(f, []byte("x"), 0o644))
	t.Setenv(EnvLibrary, f)
	p, err := LibraryPath()
	require.NoError(t, err)
	assert.Equal(t, f, p)

	missing := filepath.Join(t.TempDir(), "missing.so")
	t.Setenv(EnvLibrary, missing)
	_, err = LibraryPath()
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), EnvLibrary)
	assert.Contains(t, err.Error(), missing)
	assert.Contains(t, err.Error(), libraryHint)

	t.Setenv(EnvLibrary, t.TempDir())
	_, err = LibraryPath()
	require.ErrorContains(t, err, "not a regular file")
}

// TestLibraryPathSearch: without the variable, the checkout's .deps/ort is found from this package directory (a
// child of the checkout), and findLibrary walks up from each start directory in order.
func TestLibraryPathSearch(t *testing.T) {
	t.Setenv(EnvLibrary, "")
	p, err := LibraryPath()
	require.NoError(t, err)
	wd, err := os.Getwd()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(filepath.Dir(wd), ".deps", "ort", "libonnxruntime.so.1"), p)

	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	require.NoError(t, os.MkdirAll(deep, 0o755))
	lib := filepath.Join(root, "a", ".deps", "ort", "libonnxruntime.so.1")
	require.NoError(t, os.MkdirAll(filepath.Dir(lib), 0o755))
	require.NoError(t, os.WriteFile(lib, []byte("x"), 0o644))
	other := t.TempDir()
	got, err := findLibrary([]string{other, deep})
	require.NoError(t, err)
	assert.Equal(t, lib, got)
}

// TestLibraryNotFound: the error says exactly how to get the library.
func TestLibraryNotFound(t *testing.T) {
	_, err := findLibrary([]string{t.TempDir()})
	require.ErrorIs(t, err, ErrLibraryNotFound)
	assert.Contains(t, err.Error(), "run `make setup` (or bash scripts/fetch_ort.sh) in the detparity checkout, "+
		"or set DETPARITY_ORT_LIB to libonnxruntime.so.1 (ONNX Runtime >= 1.24)")
}

// TestInitConcurrent: Init from many goroutines succeeds once and reports the loaded 1.24 library.
func TestInitConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() { errs[i] = Init() })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	p, v := LoadedLibrary()
	assert.True(t, strings.HasSuffix(p, "libonnxruntime.so.1"), p)
	assert.True(t, strings.HasPrefix(v, "1.24"), v)
}

// childEnv marks the re-executed test binary of TestInitBadLibrary.
const childEnv = "DETECT_TEST_INIT_CHILD"

// TestInitBadLibrary: a file that is not a shared library gives an Init error naming it and the needed version.
// ONNX Runtime's environment is process-global, so this runs in a fresh copy of the test binary.
func TestInitBadLibrary(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		err := Init()
		require.Error(t, err)
		assert.Contains(t, err.Error(), os.Getenv(EnvLibrary))
		assert.Contains(t, err.Error(), "need ONNX Runtime >= 1.24")
		return
	}
	junk := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	require.NoError(t, os.WriteFile(junk, []byte("not an ELF file"), 0o644))
	cmd := exec.Command(os.Args[0], "-test.run=^TestInitBadLibrary$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1", EnvLibrary+"="+junk)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child test failed:\n%s", out)
	assert.Contains(t, string(out), "--- PASS: TestInitBadLibrary")
}
