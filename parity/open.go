package parity

import (
	"fmt"

	"github.com/detparity/detparity/detect"
)

// modelRef is a model file on a backend (detect.BackendByName).
type modelRef struct {
	path, backend string
}

// openEngine opens every model once per worker (n images to run bounds the
// workers) and checks the class count its outputs give against the label set.
func openEngine(ld loader, models []modelRef, s Settings, n int) (*engine, error) {
	if err := detect.Init(); err != nil {
		return nil, err
	}
	workers, loaders, threads := s.counts(n)
	classes := ld.classes()
	e := &engine{ld: ld, workers: workers, loaders: loaders, batch: 1, warn: make([]detect.Warnings, len(models))}
	layout, err := detect.ParseLayout(s.Layout)
	if err != nil {
		return nil, fmt.Errorf("parity: --layout: %w", err)
	}
	opts := detect.DefaultOptions()
	// The sessions share the cores with the loaders (Settings.counts) and idle
	// intra-op threads sleep rather than spin. Layouts whose outputs do not tell
	// the class count (NMS inside, end-to-end) check each detection's class id
	// against the label set instead.
	opts.Conf, opts.IoU, opts.Threads, opts.NoSpin, opts.Layout, opts.NumClasses = s.Floor, s.NMSIoU, threads, true,
		layout, len(classes)
	for _, mr := range models {
		m, err := openModel(mr, opts, workers)
		if m != nil {
			e.models = append(e.models, m)
		}
		if err != nil {
			e.close()
			return nil, fmt.Errorf("parity: model for %s (%d classes in %s): %w", ld.dataName(), len(classes), ld.namesFile(), err)
		}
		if nc := m.sig.NumClasses; nc > 0 && nc != len(classes) {
			e.close()
			return nil, fmt.Errorf("parity: %s: detect: model %s (%s) scores %d classes but the label set names %d (%v)",
				ld.dataName(), mr.path, m.sig.Layout, nc, len(classes), classes)
		}
	}
	return e, nil
}

// openModel opens one runner per worker: ONNX Runtime sessions (detect.Open),
// or the named backend on the signature ONNX Runtime reads.
func openModel(mr modelRef, opts detect.Options, workers int) (*engineModel, error) {
	m := &engineModel{path: mr.path, backend: mr.backend, opts: opts, runners: make([]detect.Runner, workers)}
	if mr.backend == "" || mr.backend == detect.BackendONNXRuntime {
		m.backend = detect.BackendONNXRuntime
		for w := range m.runners {
			s, err := detect.Open(mr.path, opts)
			if err != nil {
				return m, err
			}
			m.runners[w], m.sig = s, s.Signature()
		}
		return m, nil
	}
	open, err := detect.BackendByName(mr.backend)
	if err != nil {
		return nil, err
	}
	if m.sig, err = detect.Inspect(mr.path, opts.Layout); err != nil {
		return nil, err
	}
	for w := range m.runners {
		if m.runners[w], err = open(m.sig, opts); err != nil {
			return m, err
		}
	}
	return m, nil
}
