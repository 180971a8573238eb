package parity

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/detect"
)

// modelRef is a model file on a backend (detect.BackendByName), with its
// signature when it was inspected already.
type modelRef struct {
	path, backend string
	sig           *detect.Signature
}

// inspect reads a model's signature once (detect.Inspect: layout from the
// outputs, values and metadata, or the layout the settings name).
func inspect(path string, s Settings) (*detect.Signature, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("parity: model %s is %s, %w: refused before reading", path, dataset.DescribeMode(st.Mode()), dataset.ErrNotRegular)
	}
	if err := detect.Init(); err != nil {
		return nil, err
	}
	layout, err := detect.ParseLayout(s.Layout)
	if err != nil {
		return nil, fmt.Errorf("parity: --layout: %w", err)
	}
	return detect.Inspect(path, layout)
}

// openEngine opens every model once per worker (n images to run bounds the
// workers) and maps its classes onto the label set (Settings.Classes).
func openEngine(ld loader, models []modelRef, s Settings, n int) (*engine, error) {
	if err := detect.Init(); err != nil {
		return nil, err
	}
	workers, loaders, threads := s.counts(n)
	e := &engine{ld: ld, workers: workers, loaders: loaders, batch: 1, warn: make([]detect.Warnings, len(models))}
	for _, mr := range models {
		m, err := openModel(mr, s, threads, workers, ld.classes())
		if m != nil {
			e.models = append(e.models, m)
		}
		if err != nil {
			e.close()
			return nil, fmt.Errorf("parity: model for %s (%d classes in %s): %w", ld.dataName(), len(ld.classes()), ld.namesFile(), err)
		}
	}
	return e, nil
}

// openModel inspects the model (unless mr carries its signature), maps its
// classes onto the labels' and opens one runner per worker: ONNX Runtime
// sessions (detect.Open), or the named backend.
func openModel(mr modelRef, s Settings, threads, workers int, labels []string) (*engineModel, error) {
	sig := mr.sig
	if sig == nil {
		var err error
		if sig, err = inspect(mr.path, s); err != nil {
			return nil, err
		}
	}
	classMap, nc, err := mapClasses(sig, s.Classes, labels)
	if err != nil {
		return nil, err
	}
	opts := detect.DefaultOptions()
	// The sessions share the cores with the loaders (Settings.counts) and idle
	// intra-op threads sleep rather than spin. Layouts whose outputs do not tell
	// the class count (NMS inside, end-to-end) check each detection's class id
	// against the model's class count instead.
	opts.Conf, opts.IoU, opts.Threads, opts.NoSpin, opts.Layout, opts.NumClasses = s.Floor, s.NMSIoU, threads, true,
		sig.Layout, nc
	opts.MultiLabel, opts.ClassAgnostic = !s.SingleLabel, s.ClassAgnostic
	m := &engineModel{path: mr.path, backend: mr.backend, sig: sig, opts: opts, classMap: classMap,
		runners: make([]detect.Runner, workers), at: map[[2]int]*detect.Signature{}}
	if m.backend == "" {
		m.backend = detect.BackendONNXRuntime
	}
	open, err := detect.BackendByName(m.backend)
	if err != nil {
		return nil, err
	}
	for w := range m.runners {
		if m.runners[w], err = open(sig, opts); err != nil {
			return m, err
		}
	}
	return m, nil
}

// mapClasses maps the model's class ids onto the label set's. Without
// --classes the model must score exactly the labels' classes (when its outputs
// or metadata tell how many it scores). --classes lists, for each label class in
// order, the model class it is: an index, or a name of the model's metadata; the
// model's other classes are dropped. nc is the model's class count (0: unknown).
func mapClasses(sig *detect.Signature, keep, labels []string) (classMap []int, nc int, err error) {
	nc = sig.NumClasses
	var names []string
	if sig.Metadata != nil {
		names = sig.Metadata.Names
	}
	if nc == 0 {
		nc = len(names)
	}
	if len(keep) == 0 {
		if nc > 0 && nc != len(labels) {
			return nil, 0, fmt.Errorf("detect: model %s (%s) scores %d classes but the label set has %d (%s)%s",
				sig.Path, sig.Layout, nc, len(labels), strings.Join(labels, ", "), classesHint(names, labels))
		}
		return nil, nc, nil
	}
	if len(keep) != len(labels) {
		return nil, 0, fmt.Errorf("--classes names %d model classes but the label set has %d (%s): give one model class per label class, in order",
			len(keep), len(labels), strings.Join(labels, ", "))
	}
	size := max(nc, 1)
	idx := make([]int, len(keep))
	for i, k := range keep {
		if idx[i], err = strconv.Atoi(k); err != nil {
			if idx[i] = slices.Index(names, k); idx[i] < 0 {
				return nil, 0, fmt.Errorf("--classes %q: not a class index nor a class name of the model's metadata (%s)", k, namesList(names))
			}
		}
		if idx[i] < 0 || (nc > 0 && idx[i] >= nc) {
			return nil, 0, fmt.Errorf("--classes %q: class %d, the model scores classes 0..%d", k, idx[i], nc-1)
		}
		size = max(size, idx[i]+1)
	}
	classMap = make([]int, size)
	for k := range classMap {
		classMap[k] = -1
	}
	for i, k := range idx {
		classMap[k] = i
	}
	return classMap, nc, nil
}

// classesHint suggests --classes when every label class is a class of the
// model's metadata.
func classesHint(names, labels []string) string {
	for _, l := range labels {
		if !slices.Contains(names, l) {
			return ""
		}
	}
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("; to evaluate only those classes of the model, give --classes %s", strings.Join(labels, ","))
}

func namesList(names []string) string {
	if len(names) == 0 {
		return "the model has no names in its metadata: use indices"
	}
	if len(names) > 12 {
		return strings.Join(names[:12], ", ") + ", ..."
	}
	return strings.Join(names, ", ")
}

// sigAt is the signature to decode a w x h run with (detect.Signature.At),
// kept per size.
func (m *engineModel) sigAt(w, h int) (*detect.Signature, error) {
	if !m.sig.DynamicSize {
		return m.sig, nil
	}
	m.atMu.Lock()
	defer m.atMu.Unlock()
	if s, ok := m.at[[2]int{w, h}]; ok {
		return s, nil
	}
	s, err := m.sig.At(w, h)
	if err != nil {
		return nil, err
	}
	m.at[[2]int{w, h}] = s
	return s, nil
}
