package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/letterbox"
)

func TestPresetsCommand(t *testing.T) {
	code, stdout, stderr := runCLI(t, "presets")
	require.Equal(t, 0, code, stderr)
	for _, p := range letterbox.PresetInfos() {
		assert.True(t, strings.Contains("\n"+stdout, "\n"+p.Name+"\n"), "%s is listed", p.Name)
		assert.True(t, strings.Contains(stdout, "  expanded: "+p.Spec.Expand()+"\n"), "%s expanded", p.Name)
	}
	assert.True(t, strings.HasPrefix(stdout, "letterbox\n"), "generic presets first")
	for _, want := range []string{"former name: seed-center (still accepted)", "source: Deci-AI/super-gradients 3.7.1"} {
		assert.True(t, strings.Contains(stdout, want), want)
	}
	assert.Regexp(t, `\n    inner +636 +the image is fitted into 636x636`, stdout)

	code, stdout, stderr = runCLI(t, "presets", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var got []presetEntry
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	var names []string
	for _, e := range got {
		names = append(names, e.Name)
		assert.NotEmpty(t, e.Source, e.Name)
		assert.NotEmpty(t, e.Description, e.Name)
		assert.NotNil(t, e.Aliases, "%s: aliases is a list, empty when none", e.Name)
		s, err := letterbox.Parse(e.Expanded)
		require.NoError(t, err, e.Expanded)
		assert.Equal(t, s.Params(), e.Params, e.Name)
	}
	assert.ElementsMatch(t, letterbox.Presets(), names)
	assert.Contains(t, stdout, `"key": "inner"`)

	// Specs given on the command line: the former name prints the new one, overrides are spelled out.
	code, stdout, stderr = runCLI(t, "presets", "seed-center", "sg-coco:pad=0,decoder=go")
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "center-int-pad0\n"), stdout)
	assert.Contains(t, stdout, "\nsg-coco:pad=0,decoder=go\n  preset sg-coco with pad=0,decoder=go\n")
	assert.Contains(t, stdout, "pad=0,order=rgb")
	assert.Contains(t, stdout, "decoder  go")
	assert.NotContains(t, stdout, "\nyolox\n")

	// Flags after the specs.
	code, stdout, stderr = runCLI(t, "presets", "yolox", "--format", "json")
	require.Equal(t, 0, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Len(t, got, 1)
	assert.Equal(t, "yolox", got[0].Name)
	code, _, stderr = runCLI(t, "presets", "yolox", "--quiet")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "flag provided but not defined: -quiet")

	code, _, stderr = runCLI(t, "presets", "sgcoco")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown preset "sgcoco", expected one of: center-int-pad0, letterbox, sg-coco`)
	code, _, stderr = runCLI(t, "presets", "--format", "yaml")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--format "yaml", expected text or json`)
}

func TestWrapText(t *testing.T) {
	var b strings.Builder
	wrapText(&b, "  source: ", "aaa bbb ccc ddd", 18)
	assert.Equal(t, "  source: aaa bbb\n          ccc ddd\n", b.String())
}
