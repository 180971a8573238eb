package main

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/detparity/detparity/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	seedRunOnce sync.Once
	seedRunDir  string
	seedRunErr  string
	seedRunOut  string
)

// seedRunFiles runs the seed's pipelines once per test binary through the CLI with
// --out, --reference and --predictions-out, and returns the folder of the files.
func seedRunFiles(t *testing.T) string {
	t.Helper()
	seedRunOnce.Do(func() {
		dir, err := os.MkdirTemp("", "detparity-cli")
		if err != nil {
			seedRunErr = err.Error()
			return
		}
		seedRunDir = dir
		code, stdout, stderr := runCLI(t, "run", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "stretch,sg-coco", "--conf", "0.8",
			"--out", filepath.Join(dir, "run.json"), "--reference", "../../fixtures/model/reference_sg_coco.json",
			"--predictions-out", filepath.Join(dir, "pred.json"))
		if code != 0 {
			seedRunErr = stderr
		}
		seedRunOut = stdout
	})
	require.Empty(t, seedRunErr)
	return seedRunDir
}

// TestDiffAcceptance is issue 6's acceptance: stretch against sg-coco fails
// --max-f1-drop 0.05 with the reason printed; a run against itself passes and
// shows "~".
func TestDiffAcceptance(t *testing.T) {
	run := filepath.Join(seedRunFiles(t), "run.json")
	code, stdout, stderr := runCLI(t, "diff", run, "--a", "sg-coco", "--b", "stretch", "--max-f1-drop", "0.05")
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "FAIL\n  F1 dropped by 0.8178 (0.9216 -> 0.1038), more than --max-f1-drop 0.05")
	assert.Contains(t, stderr, "thresholds failed: F1 dropped by 0.8178")
	assert.Regexp(t, `F1\s+0\.9216\s+0\.1038\s+-0\.8178\s+\[-0\.\d+, -0\.\d+\]\s+p<0\.002`, stdout)
	assert.Regexp(t, `gt_best\s+406\s+406\s+0\.8498`, stdout)

	code, stdout, stderr = runCLI(t, "diff", run, run, "--a", "sg-coco", "--b", "sg-coco", "--max-f1-drop", "0.05", "--max-psi", "0.1", "--fail-on-drift", "minor")
	assert.Equal(t, 0, code, stderr)
	assert.Regexp(t, `F1\s+0\.9216\s+0\.9216\s+~`, stdout)
	assert.Regexp(t, `AP50 \(bootstrap\)\s+0\.9982\s+0\.9982\s+~`, stdout)
	assert.Contains(t, stdout, "PASS")

	// Without a threshold a big drop is reported but does not fail.
	code, stdout, _ = runCLI(t, "diff", run, "--a", "sg-coco", "--b", "stretch")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "PASS")
	// --significant keeps a significant drop failing.
	code, _, _ = runCLI(t, "diff", run, "--a", "sg-coco", "--b", "stretch", "--max-f1-drop", "0.05", "--significant")
	assert.Equal(t, 1, code)
}

func TestDiffUsage(t *testing.T) {
	run := filepath.Join(seedRunFiles(t), "run.json")
	code, _, stderr := runCLI(t, "diff", run)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "needs --a and --b")
	code, _, stderr = runCLI(t, "diff", run, run)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "holds 2 pipelines (stretch, sg-coco); name one with --a")
	code, _, stderr = runCLI(t, "diff", run, "--a", "sg-coco", "--b", "letterbox")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `--b "letterbox": `+run+` has no such pipeline, expected one of: stretch, sg-coco`)
	code, _, stderr = runCLI(t, "diff", run, "--a", "sg-coco", "--b", "stretch", "--fail-on-drift", "big")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--fail-on-drift "big", expected minor or major`)
	missing := filepath.Join(t.TempDir(), "nope.json")
	code, _, stderr = runCLI(t, "diff", missing, run, "--b", "sg-coco")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, missing)
	code, _, stderr = runCLI(t, "diff", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "Examples:")
}

// TestRunPredictionsAndReference: --predictions-out writes one COCO results file
// per pipeline that `detparity eval` scores like the run's own AP50; --reference
// prints the agreement.
func TestRunPredictionsAndReference(t *testing.T) {
	dir := seedRunFiles(t)
	for _, name := range []string{"stretch", "sg-coco"} {
		path := filepath.Join(dir, "pred."+name+".json")
		code, stdout, stderr := runCLI(t, "eval", "--gt", fixtureData, "--dt", path, "--format", "json")
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, `"gt_format": "yolo"`)
		gt, _, err := yoloGroundTruth(t.Context(), fixtureData)
		require.NoError(t, err)
		dts, err := metrics.ReadCOCOResults(path, gt)
		require.NoError(t, err)
		sum, err := metrics.EvaluateCOCO(gt, dts)
		require.NoError(t, err)
		if name == "sg-coco" {
			assert.InDelta(t, 0.998, sum.Stats.AP50, 0.001)
		} else {
			assert.InDelta(t, 0.202, sum.Stats.AP50, 0.001)
		}
	}
	assert.Contains(t, seedRunOut, "sg-coco  100.00% agree (766 matched, 0 reference only, 0 pipeline only")
	assert.Regexp(t, `stretch  \d\.\d\d% agree`, seedRunOut)
}
