package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDiagnoseCLI: on fixture images ranked by agreement with the Python
// reference the verdict is the training preprocessing, with what the user's
// candidates lose and how much the plain centre letterbox recovers. 24 images
// keep it short (parity's TestDiagnoseWithoutReferenceIsHonest covers the
// ranking without a reference).
func TestDiagnoseCLI(t *testing.T) {
	code, stdout, stderr := runCLI(t, "diagnose", "--model", fixtureModel, "--data", fixtureData, "--conf", "0.8",
		"--pipeline", "stretch,seed-center", "--limit", "24", "--screen", "8", "--reference", fixtureReference)
	require.Equal(t, 0, code, stderr)
	t.Log("\n" + stdout)
	assert.Contains(t, stdout, "behaves as trained with: sg-coco ")
	assert.Contains(t, stdout, "your pipeline stretch: ")
	assert.Contains(t, stdout, "loses 0.")
	assert.Contains(t, stdout, "plain centre letterbox (")
	assert.Contains(t, stdout, "24 images (screened on 8)")

	code, _, stderr = runCLI(t, "diagnose", "--data", fixtureData)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "diagnose needs --model and --data")
	code, _, stderr = runCLI(t, "diagnose", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "squash")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--pipeline: letterbox: spec "squash": unknown preset "squash"`)
}
