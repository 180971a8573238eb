package detect

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Runner runs a model: a batch of input tensors in (each as Model.RunBatch takes it), the raw outputs out, in the
// order of the model's Signature().Outputs, for Signature.Decode. The ONNX Runtime session (*Model) and the OpenCV
// DNN net (package detect/cvdnn) both implement it, so the same tensors can go through either runtime and their
// outputs be decoded by the same code.
type Runner interface {
	// RunBatch runs len(tensors) images, each a w x h tensor in the model's input layout (w x h is the model's
	// input size, or for a model with symbolic height and width any size the spec gives), and returns the raw
	// outputs.
	RunBatch(w, h int, tensors [][]float32) ([]Output, error)
	// Close releases the runtime's resources.
	Close() error
}

// Backend opens a Runner for a model whose signature Inspect (or Model.Signature) gave.
type Backend func(sig *Signature, opts Options) (Runner, error)

// BackendONNXRuntime is the built-in backend: an ONNX Runtime session (Open).
const BackendONNXRuntime = "onnxruntime"

// Backends register themselves by name when their package is imported, as database/sql drivers do: ONNX Runtime
// is built in, and importing github.com/detparity/detparity/detect/cvdnn adds "opencv-dnn" (cgo, OpenCV 4.6).
var (
	backendMu     sync.RWMutex
	backendLabels = map[string]string{}
	backends      = map[string]Backend{
		BackendONNXRuntime: func(sig *Signature, opts Options) (Runner, error) {
			if opts.Layout == LayoutAuto {
				opts.Layout = sig.Layout
			}
			return Open(sig.Path, opts)
		},
	}
	backendHints = map[string]string{
		"opencv-dnn": `import _ "github.com/detparity/detparity/detect/cvdnn" (cgo, OpenCV 4.6)`,
	}
)

// RegisterBackend makes b available as BackendByName(name), described in reports by label (the runtime and its
// version, e.g. "OpenCV DNN 4.6.0 (CPU)"). It panics when the name is empty or taken.
func RegisterBackend(name, label string, b Backend) {
	backendMu.Lock()
	defer backendMu.Unlock()
	if name == "" || b == nil {
		panic("detect: RegisterBackend with an empty name or a nil backend")
	}
	if _, dup := backends[name]; dup {
		panic("detect: backend " + name + " registered twice")
	}
	backends[name] = b
	backendLabels[name] = label
}

// BackendLabel describes a registered backend for reports: the label it registered with ("ONNX Runtime 1.24.3" for
// the built-in one, once Init has loaded the library), or its name.
func BackendLabel(name string) string {
	if name == BackendONNXRuntime {
		if _, v := LoadedLibrary(); v != "" {
			return "ONNX Runtime " + v
		}
		return "ONNX Runtime"
	}
	backendMu.RLock()
	defer backendMu.RUnlock()
	if l := backendLabels[name]; l != "" {
		return l
	}
	return name
}

// BackendByName returns the backend registered as name; for a known backend nobody registered in this program
// the error names the import that registers it.
func BackendByName(name string) (Backend, error) {
	backendMu.RLock()
	defer backendMu.RUnlock()
	if b, ok := backends[name]; ok {
		return b, nil
	}
	if hint, ok := backendHints[name]; ok {
		return nil, fmt.Errorf("detect: backend %q is not registered in this program: %s", name, hint)
	}
	names := make([]string, 0, len(backends))
	for n := range backends {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("detect: unknown backend %q, expected one of: %s", name, strings.Join(names, ", "))
}
