package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/parity"
)

// TestGTOutEval: the --gt-out ground truth and the --predictions-out results
// of one run are a pair 'detparity eval' takes as it is, and it gives the
// run's own AP, AP50 and AP75 for every pipeline, on a dataset with failed
// images (left out of both files) and a background image.
func TestGTOutEval(t *testing.T) {
	dir := messyDir(t, 6)
	tmp := t.TempDir()
	run := filepath.Join(tmp, "run.json")
	code, _, stderr := runCLI(t, "run", "--model", fixtureModel, "--data", dir, "--pipeline", "sg-coco,stretch",
		"--out", run, "--predictions-out", filepath.Join(tmp, "pred.json"), "--gt-out", filepath.Join(tmp, "gt.json"))
	require.Equal(t, 0, code, stderr)
	var res struct {
		Pipelines []struct {
			Name           string
			AP, AP50, AP75 float64
			Images, GT     int
		} `json:"pipelines"`
	}
	b, err := os.ReadFile(run)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &res))
	var gt struct {
		Images      []map[string]any `json:"images"`
		Annotations []map[string]any `json:"annotations"`
		Categories  []map[string]any `json:"categories"`
	}
	b, err = os.ReadFile(filepath.Join(tmp, "gt.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &gt))
	assert.Len(t, gt.Images, 7, "the evaluated images (9 found, 2 failed)")
	assert.Equal(t, []map[string]any{{"id": 0.0, "name": "person"}}, gt.Categories)
	for _, p := range res.Pipelines {
		assert.Len(t, gt.Annotations, p.GT)
		code, stdout, stderr := runCLI(t, "eval", "--gt", filepath.Join(tmp, "gt.json"), "--dt", filepath.Join(tmp, "pred."+p.Name+".json"), "--format", "json")
		require.Equal(t, 0, code, stderr)
		var ev struct {
			Images int
			COCO   struct{ AP, AP50, AP75 float64 } `json:"coco"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &ev))
		assert.Equal(t, p.Images, ev.Images)
		assert.Equal(t, [3]float64{p.AP, p.AP50, p.AP75}, [3]float64{ev.COCO.AP, ev.COCO.AP50, ev.COCO.AP75}, p.Name)
		assert.Positive(t, p.AP)
	}
}

// TestUsageDidYouMean: mistyped commands, flags, presets and spec keys, and
// settings out of range, are usage errors (exit 2) that say what was meant.
func TestUsageDidYouMean(t *testing.T) {
	run := []string{"run", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "sg-coco"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"diagnsoe"}, `detparity: unknown command "diagnsoe"; did you mean diagnose?`},
		{[]string{"run", "--confidence", "0.5"}, "detparity: usage: flag provided but not defined: -confidence; did you mean --conf?"},
		{[]string{"report", "--galery", "3"}, "detparity: usage: flag provided but not defined: -galery; did you mean --gallery?"},
		{[]string{"compare-backends", "--nms_iou", "0.6"}, "did you mean --nms-iou?"},
		{append(run, "--pipeline", "sg_coco"), `detparity: usage: --pipeline: letterbox: spec "sg_coco": unknown preset "sg_coco", expected one of: `},
		{append(run, "--pipeline", "sg_coco"), `(then optionally :key=value,...); did you mean sg-coco?`},
		{append(run, "--pipeline", "stretch,sg-coco:pda=0"), `unknown key "pda", expected one of: mode, size, inner, anchor, round, stride, scaleup, interp, pad, order, scale, mean, std, layout, dtype, unmap, decoder; did you mean pad?`},
		{[]string{"diagnose", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "strech"}, "did you mean stretch?"},
		{append(run, "--conf", "80"), "detparity: usage: parity: --conf 80, expected 0 <= conf < 1"},
		{append(run, "--limit", "-3"), "--limit -3, expected >= 0"},
		{append(run, "--reference-ids", "stems"), `--reference-ids "stems", expected one of auto, position, stem, coco`},
		{append(run, "--shard", "env"), "detparity: usage: --shard env needs --shards N"},
		{append(run, "--shards", "4"), "detparity: usage: --shards 4 without --shard env"},
		{append(run, "--shard", "1/4", "--shards", "3"), "--shard 1/4 with --shards 3: the counts differ"},
		{append(run, "--shard", "1/4", "--limit", "10"), "--shard with --limit: a limited run cannot be sharded"},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		assert.Equal(t, 2, code, "%v\n%s", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%v", c.args)
		assert.Empty(t, stdout)
	}
	t.Setenv(parity.EnvJobIndex, "4")
	code, _, stderr := runCLI(t, append(run, "--shard", "env", "--shards", "4")...)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `detparity: usage: --shard env: parity: JOB_COMPLETION_INDEX="4", expected an integer 0..3 (one per shard)`)
}

// TestShardEnvNames: with --shard env each output goes to its shard's file.
func TestShardEnvNames(t *testing.T) {
	dir := messyDir(t, 2)
	tmp := t.TempDir()
	t.Setenv(parity.EnvJobIndex, "1")
	code, _, stderr := runCLI(t, "run", "--model", fixtureModel, "--data", dir, "--pipeline", "sg-coco", "--shard", "env", "--shards", "3",
		"--out", filepath.Join(tmp, "run.json"), "--predictions-out", filepath.Join(tmp, "p.json"), "--gt-out", filepath.Join(tmp, "gt.json"))
	require.Equal(t, 0, code, stderr)
	var names []string
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"gt-shard-00002-of-00003.json", "p-shard-00002-of-00003.sg-coco.json", "run-shard-00002-of-00003.json"}, names)
	b, err := os.ReadFile(filepath.Join(tmp, "run-shard-00002-of-00003.json"))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"shard": "2/3"`)
	assert.Equal(t, "out/run-shard-00007-of-00064.json", parity.ShardPath("out/run.json", 7, 64))
	assert.Equal(t, "run-shard-00012-of-00012", parity.ShardPath("run", 12, 12))
}

// TestLimitRunReport: --limit N on run and report evaluates N images spread
// over the list, each under its id in the whole dataset.
func TestLimitRunReport(t *testing.T) {
	tmp := t.TempDir()
	code, _, stderr := runCLI(t, "run", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "sg-coco", "--limit", "4", "--out", filepath.Join(tmp, "run.json"))
	require.Equal(t, 0, code, stderr)
	var res struct {
		Images        int `json:"images"`
		DatasetImages int `json:"dataset_images"`
		Pipelines     []struct {
			PerImage []struct {
				Image string
				ID    int64
			} `json:"per_image"`
		} `json:"pipelines"`
	}
	b, err := os.ReadFile(filepath.Join(tmp, "run.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &res))
	assert.Equal(t, 4, res.Images)
	var got []string
	for _, im := range res.Pipelines[0].PerImage {
		got = append(got, fmt.Sprintf("%s=%d", im.Image, im.ID))
	}
	assert.Equal(t, []string{"00000.jpg=1", "00040.jpg=41", "00080.jpg=81", "00120.jpg=121"}, got, "evenly spaced, ids kept")
	assert.Equal(t, 160, res.DatasetImages)
	code, stdout, stderr := runCLI(t, "report", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "sg-coco", "--limit", "3", "--gallery", "0", "--out", filepath.Join(tmp, "rep"))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "wrote")
	b, err = os.ReadFile(filepath.Join(tmp, "rep", "report.json"))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"images": 3,`)
}

// flagDefaults runs COMMAND -h and returns each flag's default ("" when the
// help shows none) and usage, as the user reads them.
func flagDefaults(t *testing.T, command string) map[string][2]string {
	t.Helper()
	code, _, stderr := runCLI(t, command, "-h")
	require.Equal(t, 0, code, command)
	_, flags, ok := strings.Cut(stderr, "\nFlags:\n")
	require.True(t, ok, "%s -h lists its flags", command)
	out := map[string][2]string{}
	head := regexp.MustCompile(`^  -([a-z0-9-]+)`)
	def := regexp.MustCompile(` \(default (.*)\)$`)
	name := ""
	for _, line := range strings.Split(flags, "\n") {
		if m := head.FindStringSubmatch(line); m != nil {
			name = m[1]
			out[name] = [2]string{}
			continue
		}
		if name == "" || strings.TrimSpace(line) == "" {
			continue
		}
		v := out[name]
		u := strings.TrimSpace(line)
		if m := def.FindStringSubmatch(u); m != nil {
			v[0] = m[1]
			u = strings.TrimSuffix(u, m[0])
		}
		v[1] = strings.TrimSpace(v[1] + " " + u)
		out[name] = v
	}
	return out
}

// TestFlagsAgreeAcrossCommands: a flag has one default in every command that
// has it, and one help text but where its meaning depends on the command
// (listed with the reason).
func TestFlagsAgreeAcrossCommands(t *testing.T) {
	ownUsage := map[string]string{
		"out":           "a file, a folder or an image depending on the command",
		"pipeline":      "the pipelines run, the candidates of diagnose, the spec compare-backends feeds, the one preprocess applies",
		"model":         "repeatable where several models run",
		"format":        "the formats each command writes",
		"floor":         "the help says what the floor feeds in each command",
		"layout":        "inspect shows the layout it would use",
		"reference":     "what the reference is compared with in each command",
		"fail-on-drift": "diff takes a drift level, report a switch",
	}
	ownDefault := map[string]string{
		"pipeline": "diagnose has no default pipeline (its candidates are optional); the others default to sg-coco",
	}
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	type seen struct{ command, def, usage string }
	first := map[string]seen{}
	for _, c := range names {
		for f, v := range flagDefaults(t, c) {
			prev, ok := first[f]
			if !ok {
				first[f] = seen{c, v[0], v[1]}
				continue
			}
			if _, own := ownDefault[f]; !own {
				assert.Equal(t, prev.def, v[0], "--%s: default in %s vs %s", f, prev.command, c)
			}
			if _, own := ownUsage[f]; !own {
				assert.Equal(t, prev.usage, v[1], "--%s: help in %s vs %s", f, prev.command, c)
			}
		}
	}
	// The settings every command that runs a model shares.
	for _, c := range []string{"run", "report", "diagnose", "compare-backends"} {
		fl := flagDefaults(t, c)
		for _, f := range []string{"conf", "iou", "nms-iou", "floor", "limit", "workers", "loaders", "threads", "layout", "strict-labels", "quiet", "data", "model"} {
			assert.Contains(t, fl, f, "%s has --%s", c, f)
		}
		assert.Equal(t, "0.5", fl["conf"][0], c)
		assert.Equal(t, "0.01", fl["floor"][0], c)
	}
}

// TestReferenceFromPlainLoop: the fixture predictions of scripts/reference/ort_loop.py
// (the plain Python loop, run with OpenCV DNN), written with Ultralytics' ids
// (file stems: 00000.jpg is image_id 0) and categories (class index + 1), are
// read as such without a flag and agree with sg-coco detection by detection.
func TestReferenceFromPlainLoop(t *testing.T) {
	code, stdout, stderr := runCLI(t, "run", "--model", fixtureModel, "--data", fixtureData, "--pipeline", "sg-coco,stretch",
		"--reference", "../../fixtures/model/reference_ortloop_stems.json", "--format", "json", "--limit", "40")
	require.Equal(t, 0, code, stderr)
	var res struct {
		IDs       string `json:"reference_ids"`
		Cats      string `json:"reference_categories"`
		Pipelines []struct {
			Name      string
			Reference parity.Agreement
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &res))
	assert.Equal(t, "stem", res.IDs)
	assert.Equal(t, "index1", res.Cats)
	sg, st := res.Pipelines[0].Reference, res.Pipelines[1].Reference
	assert.Equal(t, 1.0, sg.Fraction, sg.Summary())
	assert.Positive(t, sg.Matched)
	assert.Less(t, sg.BoxErrMax, 0.001, "px")
	assert.Less(t, st.Fraction, 0.05, st.Summary())
}
