package paritytest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detparity/detparity/parity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	model = "../fixtures/model/detector.onnx"
	data  = "../fixtures/eval"
)

// recTB records what paritytest reports instead of failing the real test, so the
// failure paths can be asserted.
type recTB struct {
	errs   []string
	logs   []string
	failed bool
}

func (r *recTB) Helper() {}
func (r *recTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recTB) FailNow() { r.failed = true }
func (r *recTB) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

// fixture is DefaultConfig on the fixtures through pipeline at conf 0.8.
func fixture(pipeline string) Config {
	c := DefaultConfig()
	c.Model, c.Data, c.Pipeline, c.Conf = model, data, pipeline, 0.8
	c.Floor = 0.05 // keeps the committed baseline small: detections below cannot change F1 at 0.8
	return c
}

var sgCoco = fixture("sg-coco")

// TestFixtureParity is what a user writes: the committed detector, fed its
// training preprocessing, keeps F1 >= 0.85 at 0.8 and does not drift from the
// committed baseline (testdata/sg-coco.json; go test -paritytest.update rewrites it).
func TestFixtureParity(t *testing.T) {
	res := Run(t, sgCoco)
	res.RequireF1AtLeast(0.85)
	res.RequireNoDrift("testdata/sg-coco.json", parity.Thresholds{MaxF1Drop: 0.01, MaxAPDrop: 0.01, MaxPSI: 0.1})
}

func TestRequireF1AtLeastFailurePrintsTable(t *testing.T) {
	rec := &recTB{}
	res := Run(rec, sgCoco)
	require.False(t, rec.failed, rec.errs)
	res.RequireF1AtLeast(0.99)
	require.True(t, rec.failed)
	require.Len(t, rec.errs, 1)
	msg := rec.errs[0]
	assert.Contains(t, msg, "F1 of ../fixtures/model/detector.onnx on ../fixtures/eval through sg-coco is 0.9216, want >= 0.9900")
	assert.Contains(t, msg, "TP 347 FP 0 FN 59 at conf > 0.8")
	assert.Contains(t, msg, "pipeline  images  failed", "the metric table is printed")
	rec2 := &recTB{}
	Run(rec2, sgCoco).RequireF1AtLeast(0.85)
	assert.False(t, rec2.failed)
	assert.Empty(t, rec2.errs)
}

func TestRequireNoDriftFailures(t *testing.T) {
	// These paths need comparing, not updating, even under go test -paritytest.update.
	for _, name := range []string{"update", UpdateFlag} {
		if f := flag.Lookup(name); f != nil {
			old := f.Value.String()
			require.NoError(t, f.Value.Set("false"))
			t.Cleanup(func() { _ = f.Value.Set(old) })
		}
	}
	t.Setenv("PARITYTEST_UPDATE", "")
	dir := t.TempDir()
	rec := &recTB{}
	res := Run(rec, sgCoco)
	res.RequireNoDrift(filepath.Join(dir, "missing.json"), parity.Thresholds{})
	require.True(t, rec.failed)
	assert.Contains(t, rec.errs[0], "-paritytest.update")

	// A baseline made from the stretch pipeline: sg-coco's confidences are another
	// distribution entirely (PSI ~8), so a PSI limit of 0.1 fails and says so.
	stretchRec := &recTB{}
	st := Run(stretchRec, fixture("stretch"))
	require.False(t, stretchRec.failed, stretchRec.errs)
	base := filepath.Join(dir, "stretch.json")
	f, err := os.Create(base)
	require.NoError(t, err)
	require.NoError(t, st.Run.WriteJSON(f))
	require.NoError(t, f.Close())
	rec = &recTB{}
	res = Run(rec, sgCoco)
	res.RequireNoDrift(base, parity.Thresholds{MaxPSI: 0.1})
	require.True(t, rec.failed)
	require.Len(t, rec.errs, 1)
	assert.Contains(t, rec.errs[0], "drift against baseline "+base)
	assert.Contains(t, rec.errs[0], "PSI of the gt_best scores is")
	assert.Contains(t, rec.errs[0], "more than --max-psi 0.1")
	assert.Contains(t, rec.errs[0], "AP50 (bootstrap)", "the comparison table is printed")

	// The other way round, a big F1 drop fails the F1 limit.
	rec = &recTB{}
	st2 := Run(rec, fixture("stretch"))
	st2.RequireNoDrift("testdata/sg-coco.json", parity.Thresholds{MaxF1Drop: 0.05})
	require.True(t, rec.failed)
	assert.True(t, strings.Contains(rec.errs[0], "F1 dropped by 0.8"), rec.errs[0])

	// A baseline of another model (its bytes: the path may be the same) or of
	// another dataset is refused, naming both; AllowDifferent compares anyway.
	committed, err := os.ReadFile("testdata/sg-coco.json")
	require.NoError(t, err)
	for _, c := range []struct{ field, want string }{
		{`"model_sha256": ["`, "testdata/other.json ran model ../fixtures/model/detector.onnx (sha256 0000c79fa34d), current run model ../fixtures/model/detector.onnx (sha256 c79fa34d098d)"},
		{`"data_sha256": "`, "testdata/other.json evaluated dataset ../fixtures/eval (sha256 0000b9a51035), current run dataset ../fixtures/eval (sha256 b9a510352644)"},
	} {
		other := filepath.Join(dir, "testdata", "other.json")
		require.NoError(t, os.MkdirAll(filepath.Dir(other), 0o755))
		require.NoError(t, os.WriteFile(other, []byte(strings.Replace(string(committed), c.field, c.field+"0000", 1)), 0o644))
		rec = &recTB{}
		Run(rec, sgCoco).RequireNoDrift(other, parity.Thresholds{MaxF1Drop: 0.01})
		require.True(t, rec.failed)
		assert.Contains(t, rec.errs[0], strings.Replace(c.want, "testdata/other.json", other, 1)+": the runs are of different models or data; compare them anyway with --allow-different")
		rec = &recTB{}
		Run(rec, sgCoco).RequireNoDrift(other, parity.Thresholds{MaxF1Drop: 0.01, AllowDifferent: true})
		assert.False(t, rec.failed, rec.errs)
	}
	// A baseline without a format version (an older detparity) is refused.
	old := filepath.Join(dir, "old.json")
	require.NoError(t, os.WriteFile(old, []byte(strings.Replace(string(committed), `"format": 2,`, "", 1)), 0o644))
	rec = &recTB{}
	Run(rec, sgCoco).RequireNoDrift(old, parity.Thresholds{})
	require.True(t, rec.failed)
	assert.Contains(t, rec.errs[0], "no format version: written by a detparity older than format 2")

	// -update writes the baseline and passes.
	t.Setenv("PARITYTEST_UPDATE", "1")
	rec = &recTB{}
	fresh := filepath.Join(dir, "sub", "fresh.json")
	Run(rec, sgCoco).RequireNoDrift(fresh, parity.Thresholds{MaxF1Drop: 0.01})
	assert.False(t, rec.failed, rec.errs)
	back, err := parity.ReadJSON(fresh)
	require.NoError(t, err)
	assert.Equal(t, res.Pipeline.F1, back.Pipelines[0].F1)
}

func TestRunFailureStopsTheTest(t *testing.T) {
	rec := &recTB{}
	cfg := fixture("sg-coco")
	cfg.Model = filepath.Join(t.TempDir(), "none.onnx")
	res := Run(rec, cfg)
	assert.Nil(t, res)
	require.True(t, rec.failed)
	assert.Contains(t, rec.errs[0], "none.onnx")
}
