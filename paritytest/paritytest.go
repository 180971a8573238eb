// Package paritytest lets a Go test assert that an exported detector is fed its
// training preprocessing, in the user's own repository. It sits on top of the
// detparity data path (dataset → letterbox → detect → metrics → parity) and turns
// a parity run into test assertions:
//
//	func TestDetectorParity(t *testing.T) {
//		res := paritytest.Run(t, paritytest.Config{Model: "model.onnx", Data: "testdata/eval", Pipeline: "sg-coco", Conf: 0.8})
//		res.RequireF1AtLeast(0.85)
//		res.RequireNoDrift("testdata/parity_baseline.json", parity.Thresholds{MaxF1Drop: 0.02, MaxPSI: 0.1})
//	}
//
// Failures print the metric table (and for drift the benchstat-like comparison).
// Baselines are the run's JSON (detparity run --out); `go test -update` (or
// PARITYTEST_UPDATE=1) rewrites them from the current run. Runs are cached per
// Config within a test binary, so several tests may share one.
package paritytest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/detparity/detparity/parity"
)

// TB is the part of testing.TB paritytest uses; *testing.T, *testing.B and
// testing.TB satisfy it.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
	Logf(format string, args ...any)
}

// Config says what to run: one model through one pipeline.
type Config struct {
	Model    string // ONNX model file
	Data     string // YOLO dataset directory (images/, labels/, class names)
	Pipeline string // preprocessing spec (letterbox.Parse), e.g. "sg-coco"
	// Conf is the confidence threshold of F1 (0: 0.5).
	Conf float64
	// Floor is the lowest score kept (0: 0.05: detections below it cannot change F1
	// at conf >= 0.05, and baselines stay small).
	Floor float64
	// Reference, when set, compares with reference predictions (parity.Config.Reference).
	Reference string
}

// Result is a finished run with assertion methods bound to the test.
type Result struct {
	t   TB
	cfg Config
	// Run is the full parity result; Pipeline its only pipeline.
	Run      *parity.Result
	Pipeline *parity.PipelineResult
}

// updateFlag is -update; when the test binary already defines one, that one is used.
var updateFlag = func() *bool {
	if f := flag.Lookup("update"); f != nil {
		return nil
	}
	return flag.Bool("update", false, "paritytest: rewrite parity baselines from the current run")
}()

func updating() bool {
	if os.Getenv("PARITYTEST_UPDATE") == "1" {
		return true
	}
	if updateFlag != nil {
		return *updateFlag
	}
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

var (
	cacheMu sync.Mutex
	cache   = map[Config]*parity.Result{}
)

// Run runs cfg (once per test binary for equal configs) and fails the test now
// when the run cannot be done or an image failed to evaluate.
func Run(t TB, cfg Config) *Result {
	t.Helper()
	if cfg.Floor == 0 {
		cfg.Floor = 0.05
	}
	if cfg.Conf == 0 {
		cfg.Conf = parity.DefaultConfig().Conf
	}
	cacheMu.Lock()
	res, ok := cache[cfg]
	cacheMu.Unlock()
	if !ok {
		var err error
		res, err = parity.Run(context.Background(), parity.Config{Model: cfg.Model, Data: cfg.Data, Pipelines: []string{cfg.Pipeline},
			Conf: cfg.Conf, Floor: cfg.Floor, Reference: cfg.Reference})
		if err != nil {
			t.Errorf("paritytest: run %s on %s through %s: %v", cfg.Model, cfg.Data, cfg.Pipeline, err)
			t.FailNow()
			return nil
		}
		cacheMu.Lock()
		cache[cfg] = res
		cacheMu.Unlock()
	}
	r := &Result{t: t, cfg: cfg, Run: res, Pipeline: &res.Pipelines[0]}
	if len(res.Failed) > 0 {
		t.Errorf("paritytest: %d of %d images failed to evaluate; first: %s (%s): %s\n%s", len(res.Failed), res.Images,
			res.Failed[0].Image, res.Failed[0].Stage, res.Failed[0].Error, r.table())
		t.FailNow()
	}
	return r
}

// F1 is the pipeline's F1 at the configured confidence.
func (r *Result) F1() float64 { return r.Pipeline.F1 }

func (r *Result) table() string {
	var b bytes.Buffer
	_ = r.Run.WriteTable(&b)
	return b.String()
}

// RequireF1AtLeast fails the test now when F1 < min, printing the metric table.
func (r *Result) RequireF1AtLeast(min float64) {
	r.t.Helper()
	if r.Pipeline.F1 >= min {
		return
	}
	p := r.Pipeline
	r.t.Errorf("paritytest: F1 of %s on %s through %s is %.4f, want >= %.4f (P %.4f R %.4f, TP %d FP %d FN %d at conf > %g)\n\n%s",
		r.cfg.Model, r.cfg.Data, p.Name, p.F1, min, p.Precision, p.Recall, p.TP, p.FP, p.FN, r.Run.Conf, r.table())
	r.t.FailNow()
}

// RequireReferenceAgreement fails the test now when fewer than frac of the
// detections agree with Config.Reference or a matched box is off by more than
// maxBoxErr source pixels.
func (r *Result) RequireReferenceAgreement(frac, maxBoxErr float64) {
	r.t.Helper()
	a := r.Pipeline.Reference
	switch {
	case a == nil:
		r.t.Errorf("paritytest: RequireReferenceAgreement needs Config.Reference")
	case a.Fraction < frac || a.BoxErrMax > maxBoxErr:
		r.t.Errorf("paritytest: %s against the reference %s: %s; want >= %.2f%% agreement and box error <= %g px\n\n%s",
			r.Pipeline.Name, r.cfg.Reference, a.Summary(), 100*frac, maxBoxErr, r.table())
	default:
		return
	}
	r.t.FailNow()
}

// RequireNoDrift compares the run with the baseline file (a parity run JSON; see
// `detparity run --out`) under the thresholds and fails the test now, printing the
// comparison table and the reasons, when one fails. With -update (or
// PARITYTEST_UPDATE=1) it writes the baseline from this run instead and passes.
// A missing baseline fails, saying how to create it.
func (r *Result) RequireNoDrift(baseline string, th parity.Thresholds) {
	r.t.Helper()
	if updating() {
		var b bytes.Buffer
		if err := r.Run.WriteJSON(&b); err == nil {
			err = os.MkdirAll(filepath.Dir(baseline), 0o755)
			if err == nil {
				err = os.WriteFile(baseline, b.Bytes(), 0o644)
			}
			if err == nil {
				r.t.Logf("paritytest: baseline %s updated (F1 %.4f)", baseline, r.Pipeline.F1)
				return
			}
			r.t.Errorf("paritytest: cannot update baseline %s: %v", baseline, err)
		} else {
			r.t.Errorf("paritytest: cannot encode the run for %s: %v", baseline, err)
		}
		r.t.FailNow()
		return
	}
	base, err := parity.ReadJSON(baseline)
	if err != nil {
		hint := ""
		if errors.Is(err, os.ErrNotExist) {
			hint = "\n(no baseline yet: run the test once with -update, or PARITYTEST_UPDATE=1, to create it)"
		}
		r.t.Errorf("paritytest: baseline: %v%s", err, hint)
		r.t.FailNow()
		return
	}
	bp := base.Pipeline(r.Pipeline.Name)
	if bp == nil && len(base.Pipelines) == 1 {
		bp = &base.Pipelines[0]
	}
	if bp == nil {
		r.t.Errorf("paritytest: baseline %s has no pipeline %q", baseline, r.Pipeline.Name)
		r.t.FailNow()
		return
	}
	c, err := parity.Compare(baseline, base, bp, "current run", r.Run, r.Pipeline, th)
	if err != nil {
		r.t.Errorf("paritytest: %v\n(re-create the baseline with -update if the data set changed)", err)
		r.t.FailNow()
		return
	}
	if c.Passed() {
		return
	}
	var b bytes.Buffer
	_ = c.WriteTable(&b)
	r.t.Errorf("paritytest: drift against baseline %s:\n%s", baseline, fmt.Sprint(b.String()))
	r.t.FailNow()
}
