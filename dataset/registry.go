package dataset

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Decoders register themselves by name, as image formats do with image.RegisterFormat and
// database/sql drivers with sql.Register: the pure-Go decoder ("go") is always there, and
// importing github.com/detparity/detparity/dataset/opencv adds "opencv" (cv2.imread
// semantics, cgo). A program that asks for a decoder nobody registered gets an error
// naming the import to add, so that the library itself never requires OpenCV.
var (
	registryMu sync.RWMutex
	registry   = map[string]Decoder{"go": GoDecoder{}}
	// registryHints tells, for the decoders detparity knows, which package registers them.
	registryHints = map[string]string{
		"opencv": `import _ "github.com/detparity/detparity/dataset/opencv" (cgo, OpenCV 4.6)`,
	}
)

// RegisterDecoder makes d available as DecoderByName(name). It panics when name is empty
// or already registered (a program importing two packages that claim one name).
func RegisterDecoder(name string, d Decoder) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if name == "" || d == nil {
		panic("dataset: RegisterDecoder with an empty name or a nil decoder")
	}
	if _, dup := registry[name]; dup {
		panic("dataset: decoder " + name + " registered twice")
	}
	registry[name] = d
}

// DecoderByName returns the registered decoder called name ("go", "opencv", ...). For a
// name nobody registered the error says which import registers it, or that decoder=go
// needs nothing.
func DecoderByName(name string) (Decoder, error) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	if d, ok := registry[name]; ok {
		return d, nil
	}
	if hint, ok := registryHints[name]; ok {
		return nil, fmt.Errorf("dataset: decoder %q is not registered in this program: %s, or use decoder=go (pure Go, no cgo)", name, hint)
	}
	return nil, fmt.Errorf("dataset: unknown decoder %q, expected one of: %s", name, strings.Join(registeredLocked(), ", "))
}

// Registered lists the registered decoder names, sorted.
func Registered() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return registeredLocked()
}

func registeredLocked() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
