package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	fixtureModel     = "../../fixtures/model/detector.onnx"
	fixtureData      = "../../fixtures/eval"
	fixtureReference = "../../fixtures/model/reference_sg_coco.json"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = realMain(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestUsageErrors(t *testing.T) {
	code, _, stderr := runCLI(t)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "Commands:")
	code, _, stderr = runCLI(t, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown command "frobnicate"`)
	code, _, stderr = runCLI(t, "run", "--data", fixtureData)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "run needs --model and --data")
	code, _, stderr = runCLI(t, "run", "--model", fixtureModel, "--data", fixtureData, "--format", "xml")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--format "xml", expected text or json`)
	code, _, stderr = runCLI(t, "run", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "squash")
	assert.Equal(t, 2, code, "a pipeline that cannot parse is bad usage")
	assert.Contains(t, stderr, `unknown preset "squash"`)
	for _, cmd := range []string{"run", "report", "diff", "diagnose", "eval", "inspect", "compare-backends", "preprocess"} {
		code, _, stderr = runCLI(t, cmd, "--no-such-flag")
		assert.Equal(t, 2, code, "%s with an unknown flag is bad usage", cmd)
		assert.Contains(t, stderr, "flag provided but not defined: -no-such-flag", cmd)
	}
	code, stdout, _ := runCLI(t, "help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "run ")
}

func TestRunMissingModelNamesTheFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.onnx")
	code, _, stderr := runCLI(t, "run", "--model", missing, "--data", fixtureData, "--pipeline", "sg-coco")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, missing)
}

// TestRunJSONOnFixtures checks the documented JSON shape and the seed's numbers
// through the CLI (the same run `make demo` prints as a table).
func TestRunJSONOnFixtures(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.json")
	code, stdout, stderr := runCLI(t, "run", "--model", fixtureModel, "--data", fixtureData,
		"--pipeline", "stretch,sg-coco", "--conf", "0.8", "--format", "json", "--out", out)
	require.Equal(t, 0, code, stderr)
	var got struct {
		Pipelines []struct {
			Name                   string
			Images, GT, TP, FP, FN int
			Precision, Recall, F1  float64
		} `json:"pipelines"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Len(t, got.Pipelines, 2)
	assert.Equal(t, "stretch", got.Pipelines[0].Name)
	assert.Equal(t, "sg-coco", got.Pipelines[1].Name)
	for _, p := range got.Pipelines {
		assert.Equal(t, 160, p.Images)
		assert.Equal(t, p.GT, p.TP+p.FN, "%s: every ground truth is a TP or a FN", p.Name)
	}
	assert.LessOrEqual(t, got.Pipelines[0].F1, 0.15)
	assert.GreaterOrEqual(t, got.Pipelines[1].F1, 0.85)
	written, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.JSONEq(t, stdout, string(written), "--out writes the same JSON as --format json prints")
}

// TestRunReportsFailedImages: a corrupt image is listed and counted, never
// dropped; --fail-on-error turns it into exit status 1.
func TestRunReportsFailedImages(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "labels"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "classes.txt"), []byte("person\n"), 0o644))
	for _, n := range []string{"00000", "00001"} {
		copyFile(t, filepath.Join(fixtureData, "images", n+".jpg"), filepath.Join(dir, "images", n+".jpg"))
		copyFile(t, filepath.Join(fixtureData, "labels", n+".txt"), filepath.Join(dir, "labels", n+".txt"))
	}
	full, err := os.ReadFile(filepath.Join(fixtureData, "images", "00002.jpg"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "images", "broken.jpg"), full[:len(full)/3], 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "labels", "broken.txt"), nil, 0o644))

	code, stdout, stderr := runCLI(t, "run", "--model", fixtureModel, "--data", dir, "--pipeline", "sg-coco")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "3 images, 2 evaluated, 1 failed")
	assert.Contains(t, stdout, "FAILED broken.jpg (decode): ")
	assert.Contains(t, stdout, filepath.Join(dir, "images", "broken.jpg"))

	code, _, stderr = runCLI(t, "run", "--model", fixtureModel, "--data", dir, "--pipeline", "sg-coco", "--fail-on-error")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "1 of 3 images failed (--fail-on-error)")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o644))
}
