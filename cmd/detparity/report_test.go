package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readReport(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []string{"index.html", "report.md", "report.json", "junit.xml"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err, "report file %s", f)
		require.NotEmpty(t, b, f)
		out[f] = b
	}
	return out
}

type junitCounts struct {
	XMLName  xml.Name `xml:"testsuite"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Cases    []struct {
		Name    string    `xml:"name,attr"`
		Failure *struct{} `xml:"failure"`
	} `xml:"testcase"`
}

// TestReportOnFixtures runs `detparity report` twice on the fixtures: once with an F1
// floor that stretch misses (exit 1, report still written), once without (exit 0).
// The two report.json files must be byte-identical (same inputs; --min-f1 changes the
// checks, not the run), and a third, failing run must leave the report as it was.
func TestReportOnFixtures(t *testing.T) {
	base := []string{"report", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "stretch,sg-coco", "--conf", "0.8", "--workers", "2"}
	dir1 := filepath.Join(t.TempDir(), "r1")
	code, stdout, stderr := runCLI(t, append(base, "--out", dir1, "--min-f1", "0.5")...)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "1 check(s) failed")
	assert.Contains(t, stderr, "stretch: F1 >= 0.5: F1 0.1")
	assert.Contains(t, stdout, "preprocessing drift — the pipelines disagree")
	assert.Contains(t, stdout, filepath.Join(dir1, "index.html"))
	r1 := readReport(t, dir1)

	dir2 := filepath.Join(t.TempDir(), "r2")
	code, stdout, stderr = runCLI(t, append(base, "--out", dir2)...)
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "sg-coco F1 0.9"), stdout)
	r2 := readReport(t, dir2)
	assert.Equal(t, string(r1["report.json"]), string(r2["report.json"]), "report.json is deterministic")

	for _, c := range []struct {
		files            map[string][]byte
		tests, failures  int
		failedCases      []string
		pipelineCaseOfSt string
	}{
		{r1, 4, 2, []string{"stretch: F1 >= 0.5", "sg-coco vs stretch: no drift"}, "stretch: F1 >= 0.5"},
		{r2, 4, 1, []string{"sg-coco vs stretch: no drift"}, "stretch"},
	} {
		var j junitCounts
		require.NoError(t, xml.Unmarshal(c.files["junit.xml"], &j))
		assert.Equal(t, c.tests, j.Tests)
		assert.Len(t, j.Cases, c.tests)
		assert.Equal(t, c.failures, j.Failures)
		var failed []string
		for _, tc := range j.Cases {
			if tc.Failure != nil {
				failed = append(failed, tc.Name)
			}
		}
		assert.Equal(t, c.failedCases, failed)
		assert.Equal(t, c.pipelineCaseOfSt, j.Cases[0].Name)
	}
	md := string(r2["report.md"])
	assert.Contains(t, md, "| pipeline | images | GT | TP | FP | FN | precision | recall | F1 | AP | AP50 | best F1 (at score >=) |")
	assert.Contains(t, md, "| sg-coco | 160 | ")
	assert.Contains(t, md, "| stretch | 160 | ")
	html := string(r2["index.html"])
	assert.Contains(t, html, "<title>detparity report — sg-coco F1 0.9")

	// A failing run (missing model) leaves the previous report byte for byte, and no
	// temporary file behind.
	missing := filepath.Join(t.TempDir(), "nope.onnx")
	code, _, stderr = runCLI(t, "report", "--model", missing, "--data", fixtureData, "--pipeline", "stretch,sg-coco", "--out", dir2)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, missing)
	after := readReport(t, dir2)
	for name, b := range r2 {
		assert.Equal(t, string(b), string(after[name]), "%s changed by a failed run", name)
	}
	entries, err := os.ReadDir(dir2)
	require.NoError(t, err)
	assert.Len(t, entries, 4)
}

func TestReportUsage(t *testing.T) {
	code, _, stderr := runCLI(t, "report", "--model", fixtureModel, "--data", fixtureData)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "report needs --model, --data and --out")
	code, _, stderr = runCLI(t, "report", "--model", fixtureModel, "--data", fixtureData, "--out", t.TempDir(), "--gallery", "-1")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--gallery -1, expected >= 0")
	file := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	code, _, stderr = runCLI(t, "report", "--model", fixtureModel, "--data", fixtureData, "--out", file)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "is a file, expected a folder")
	code, _, stderr = runCLI(t, "report", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "Usage: detparity report")
	assert.Contains(t, stderr, "--out out/report")
	code, stdout, _ := runCLI(t, "help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "report ")
}

// TestReportTwoModelsWithReference: the FP32 fixture model and its FP16 copy through
// sg-coco, both compared with the Python reference. FP16 changes scores by ~1e-3 at
// most, so the two runs must agree (no drift case failed) and the reference section
// lists both.
func TestReportTwoModelsWithReference(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fp16")
	code, stdout, stderr := runCLI(t, "report", "--model", fixtureModel, "--model", "../../fixtures/model/detector_fp16.onnx",
		"--data", fixtureData, "--pipeline", "sg-coco", "--conf", "0.8", "--workers", "2",
		"--reference", "../../fixtures/model/reference_sg_coco.json", "--out", dir)
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "The pipelines agree: F1 0.9"), stdout)
	assert.Contains(t, stdout, "Closest to the reference predictions: detector.onnx/sg-coco")
	files := readReport(t, dir)
	var j junitCounts
	require.NoError(t, xml.Unmarshal(files["junit.xml"], &j))
	var names []string
	for _, c := range j.Cases {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"detector.onnx/sg-coco", "detector_fp16.onnx/sg-coco",
		"detector_fp16.onnx/sg-coco vs detector.onnx/sg-coco: no drift",
		"detector.onnx/sg-coco vs reference", "detector_fp16.onnx/sg-coco vs reference",
		"every image evaluated"}, names)
	assert.Zero(t, j.Failures)
	md := string(files["report.md"])
	assert.Contains(t, md, "## Against the reference predictions")
	assert.Contains(t, md, "| detector.onnx/sg-coco | 100.00 % |", "FP32 ONNX matches the PyTorch reference detection for detection")
	html := string(files["index.html"])
	assert.Contains(t, html, "Models <code>../../fixtures/model/detector.onnx</code>, <code>../../fixtures/model/detector_fp16.onnx</code>")
}
