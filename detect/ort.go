package detect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// EnvLibrary is the environment variable that, when set, names the ONNX Runtime shared library to load.
const EnvLibrary = "DETPARITY_ORT_LIB"

// libraryRel is where `make setup` (scripts/fetch_ort.sh) puts the library, relative to the checkout.
var libraryRel = filepath.Join(".deps", "ort", "libonnxruntime.so.1")

// libraryHint tells the user how to get the library.
const libraryHint = "run `make setup` (or bash scripts/fetch_ort.sh) in the detparity checkout, or set " +
	EnvLibrary + " to libonnxruntime.so.1 (ONNX Runtime >= 1.24)"

// ErrLibraryNotFound is wrapped by LibraryPath's error when no library was found.
var ErrLibraryNotFound = errors.New("ONNX Runtime library not found")

// LibraryPath finds libonnxruntime. Order: the environment variable DETPARITY_ORT_LIB (an error if it is set but
// names no regular file; it is never silently skipped), then <dir>/.deps/ort/libonnxruntime.so.1 for dir = the
// current directory and each of its parents, then the same for the running executable's directory and its parents.
// The error when nothing is found lists the places searched and says how to get the library.
func LibraryPath() (string, error) {
	if p, ok := os.LookupEnv(EnvLibrary); ok && p != "" {
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("detect: %s=%q: %w; %s", EnvLibrary, p, err, libraryHint)
		}
		if !st.Mode().IsRegular() {
			return "", fmt.Errorf("detect: %s=%q is not a regular file; %s", EnvLibrary, p, libraryHint)
		}
		return p, nil
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		starts = append(starts, filepath.Dir(exe))
	}
	return findLibrary(starts)
}

// findLibrary looks for libraryRel in each start directory and its parents, in order.
func findLibrary(starts []string) (string, error) {
	var searched []string
	for _, start := range starts {
		dir, err := filepath.Abs(start)
		if err != nil {
			continue
		}
		for {
			p := filepath.Join(dir, libraryRel)
			searched = append(searched, p)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p, nil
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("detect: %s: %w", p, err)
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("detect: %w (%s unset; searched %d places from %q); %s",
		ErrLibraryNotFound, EnvLibrary, len(searched), starts, libraryHint)
}

var (
	initMu   sync.Mutex
	initPath string
)

// Init loads ONNX Runtime once per process: it finds the library with LibraryPath, sets it as onnxruntime_go's
// shared library and calls InitializeEnvironment. It is idempotent and safe to call from many goroutines; after a
// failure a later call tries again (for example once DETPARITY_ORT_LIB is fixed). If another package already
// initialised onnxruntime_go, Init accepts that environment. A library that cannot be loaded, or that lacks the C API
// version onnxruntime_go v1.27.0 was built for (24, i.e. ONNX Runtime >= 1.24), gives an error naming the path.
func Init() error {
	initMu.Lock()
	defer initMu.Unlock()
	if ort.IsInitialized() {
		return nil
	}
	p, err := LibraryPath()
	if err != nil {
		return err
	}
	ort.SetSharedLibraryPath(p)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("detect: loading ONNX Runtime from %s (need ONNX Runtime >= 1.24, C API 24, for "+
			"onnxruntime_go v1.27.0; \"Error setting ORT API base: 2\" means the library is older): %w", p, err)
	}
	initPath = p
	return nil
}

// LoadedLibrary returns the path Init loaded ONNX Runtime from and its version string, or empty strings before a
// successful Init (or when another package initialised onnxruntime_go).
func LoadedLibrary() (path, version string) {
	initMu.Lock()
	defer initMu.Unlock()
	if initPath == "" || !ort.IsInitialized() {
		return "", ""
	}
	return initPath, ort.GetVersion()
}
