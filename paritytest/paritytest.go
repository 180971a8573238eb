// Package paritytest lets a Go test assert that an exported detector is fed its
// training preprocessing, in the user's own repository. It sits on top of the
// detparity data path (dataset → letterbox → detect → metrics → parity) and turns
// a parity run into test assertions:
//
//	func TestDetectorParity(t *testing.T) {
//		cfg := paritytest.DefaultConfig()
//		cfg.Model, cfg.Data, cfg.Pipeline, cfg.Conf = "model.onnx", "testdata/eval", "sg-coco", 0.8
//		res := paritytest.Run(t, cfg)
//		res.RequireF1AtLeast(0.85)
//		res.RequireNoDrift("testdata/parity_baseline.json", parity.Thresholds{MaxF1Drop: 0.02, MaxPSI: 0.1})
//	}
//
// Failures print the metric table (and for drift the benchstat-like comparison).
// Baselines are the run's JSON (detparity run --out); `go test
// -paritytest.update` (or PARITYTEST_UPDATE=1, or the package's own -update
// flag) rewrites them from the current run. Runs are cached per Config within a
// test binary, so several tests may share one.
//
// The package needs ONNX Runtime only. Specs decode images with OpenCV
// (cv2.imread semantics) unless they say decoder=go: import
// _ "github.com/detparity/detparity/dataset/opencv" in the test for that.
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

	"github.com/detparity/detparity/internal/outset"
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

// Config says what to run: one model through one pipeline — a spec, or your
// own Go preprocessing — with the settings every detparity command shares.
// Start from DefaultConfig.
type Config struct {
	parity.Settings
	Model string // ONNX model file
	Data  string // labelled dataset (YOLO, COCO or VOC directory)
	// Pipeline is a preprocessing spec (parity.ParsePipeline), e.g. "sg-coco",
	// or "tensors:dir=DIR,unmap=sg-coco" for tensors another program wrote.
	Pipeline string
	// Preprocess, when set, is your own preprocessing, run instead of Pipeline
	// and measured exactly like a spec.
	Preprocess *parity.Preprocessor
	// Reference, when set, compares with reference predictions (parity.Config.Reference).
	Reference string
}

// DefaultConfig returns parity.DefaultSettings (the CLI's defaults: conf 0.5,
// floor 0.01, ...) and nothing to run yet.
func DefaultConfig() Config { return Config{Settings: parity.DefaultSettings()} }

// Result is a finished run with assertion methods bound to the test.
type Result struct {
	t   TB
	cfg Config
	// Run is the full parity result; Pipeline its only pipeline.
	Run      *parity.Result
	Pipeline *parity.PipelineResult
}

// UpdateFlag is the flag that makes RequireNoDrift rewrite its baselines from
// the current run: go test -paritytest.update (or PARITYTEST_UPDATE=1). A test
// package that defines its own -update flag gets that one honoured too, so
// `go test -update` keeps working without the two flags colliding.
const UpdateFlag = "paritytest.update"

var updateFlag = flag.Bool(UpdateFlag, false, "paritytest: rewrite parity baselines from the current run")

func updating() bool {
	if os.Getenv("PARITYTEST_UPDATE") == "1" || *updateFlag {
		return true
	}
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*parity.Result{}
)

// key identifies a Config in the run cache (a Preprocess by its address: the
// same *Preprocessor value runs once).
func (c Config) key() string {
	p := c.Preprocess
	c.Preprocess = nil
	return fmt.Sprintf("%#v %p", c, p)
}

// config is the parity.Config of c.
func (c Config) config() parity.Config {
	pc := parity.DefaultConfig()
	pc.Settings, pc.Model, pc.Data, pc.Reference = c.Settings, c.Model, c.Data, c.Reference
	if c.Preprocess != nil {
		pc.Preprocessors = []parity.Preprocessor{*c.Preprocess}
	} else {
		pc.Pipelines = []string{c.Pipeline}
	}
	return pc
}

func (c Config) pipelineName() string {
	if c.Preprocess != nil {
		return c.Preprocess.Name
	}
	return c.Pipeline
}

// Run runs cfg (once per test binary for equal configs) and fails the test now
// when the run cannot be done or an image failed to evaluate.
func Run(t TB, cfg Config) *Result {
	t.Helper()
	k := cfg.key()
	cacheMu.Lock()
	res, ok := cache[k]
	cacheMu.Unlock()
	if !ok {
		var err error
		res, err = parity.Run(context.Background(), cfg.config())
		if err != nil {
			t.Errorf("paritytest: run %s on %s through %s: %v", cfg.Model, cfg.Data, cfg.pipelineName(), err)
			t.FailNow()
			return nil
		}
		cacheMu.Lock()
		cache[k] = res
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
// comparison table and the reasons, when one fails. With -paritytest.update
// (or PARITYTEST_UPDATE=1, or the package's own -update) it writes the baseline
// from this run instead and passes.
// A missing baseline fails, saying how to create it; so does a baseline of
// another model or dataset (by content: Result.ModelSHA256, Result.DataSHA256)
// unless th.AllowDifferent, and a baseline written by an older detparity.
func (r *Result) RequireNoDrift(baseline string, th parity.Thresholds) {
	r.t.Helper()
	if updating() {
		err := os.MkdirAll(filepath.Dir(baseline), 0o755)
		if err == nil {
			// Atomically: a baseline is never left half-written.
			err = outset.Write(context.Background(), []outset.File{{Path: baseline, Write: r.Run.WriteJSON}})
		}
		if err == nil {
			r.t.Logf("paritytest: baseline %s updated (F1 %.4f)", baseline, r.Pipeline.F1)
			return
		}
		r.t.Errorf("paritytest: cannot update baseline %s: %v", baseline, err)
		r.t.FailNow()
		return
	}
	base, err := parity.ReadJSON(baseline)
	if err != nil {
		hint := ""
		if errors.Is(err, os.ErrNotExist) {
			hint = "\n(no baseline yet: run the test once with -paritytest.update, or PARITYTEST_UPDATE=1, to create it)"
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
		r.t.Errorf("paritytest: %v\n(re-create the baseline with -paritytest.update if the model or the data set changed on purpose)", err)
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
