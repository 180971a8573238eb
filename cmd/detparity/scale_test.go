package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/parity"
)

// yamlBlocks returns the ```yaml blocks of a Markdown file, in order.
func yamlBlocks(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var blocks []string
	var cur *strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(line) == "```yaml":
			cur = &strings.Builder{}
		case cur != nil && strings.TrimSpace(line) == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	require.NoError(t, sc.Err())
	return blocks
}

// buildBinary builds cmd/detparity into dir and returns its path.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "detparity")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// sh runs a shell command line in dir with the extra environment; it must
// exit with status code.
func sh(t *testing.T, code int, dir, line string, env ...string) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.Equal(t, code, cmd.ProcessState.ExitCode(), "%s\n%s", line, out)
	if code == 0 {
		require.NoError(t, err)
	}
	return string(out)
}

// mergeFailed: the merge of the dataset with 2 failed images exits 1 under
// --fail-on-error, after writing the merged run.
const mergeFailed = "detparity: 2 of 20 images failed (--fail-on-error)\n"

type k8sJob struct {
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Parallelism    int    `yaml:"parallelism"`
		Template       struct {
			Spec struct {
				Containers []struct {
					Command []string `yaml:"command"`
					Args    []string `yaml:"args"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// TestKubernetesIndexedJob runs the Indexed Job of docs/scale.md as Kubernetes
// would: one process of the real binary per completion index, all at once,
// each with JOB_COMPLETION_INDEX set and the Job's arguments (the model, data
// and results volumes replaced by local folders: a dataset of 20 images with
// failed images and an orphan label); then the merge Job's shell command. The
// merged run.json must be byte-identical to one unsharded run of the same
// arguments.
func TestKubernetesIndexedJob(t *testing.T) {
	blocks := yamlBlocks(t, "../../docs/scale.md")
	require.GreaterOrEqual(t, len(blocks), 3)
	var shards, merge k8sJob
	require.NoError(t, yaml.Unmarshal([]byte(blocks[0]), &shards))
	require.NoError(t, yaml.Unmarshal([]byte(blocks[1]), &merge))
	require.Equal(t, "Indexed", shards.Spec.CompletionMode)
	n := shards.Spec.Completions
	require.Greater(t, n, 1)
	require.Equal(t, n, shards.Spec.Parallelism, "every pod at once")
	args := shards.Spec.Template.Spec.Containers[0].Args
	require.Contains(t, strings.Join(args, " "), fmt.Sprintf("--shard env --shards %d", n), "--shards is the Job's completions")

	lib, err := detect.LibraryPath()
	require.NoError(t, err)
	tmp := t.TempDir()
	bin := buildBinary(t, tmp)
	results := filepath.Join(tmp, "results")
	require.NoError(t, os.Mkdir(results, 0o755))
	model, err := filepath.Abs(fixtureModel)
	require.NoError(t, err)
	local := strings.NewReplacer("/data/model.onnx", model, "/data/val", messyDir(t, 17), "/results", results)
	for i := range args {
		args[i] = local.Replace(args[i])
	}
	env := []string{detect.EnvLibrary + "=" + lib}

	var wg sync.WaitGroup
	errs := make([]error, n)
	outs := make([][]byte, n)
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), append(env, fmt.Sprintf("%s=%d", parity.EnvJobIndex, k))...)
			outs[k], errs[k] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for k := range n {
		require.NoError(t, errs[k], "pod %d: %s", k, outs[k])
		assert.FileExists(t, filepath.Join(results, fmt.Sprintf("run-shard-%05d-of-%05d.json", k+1, n)))
	}

	mc := merge.Spec.Template.Spec.Containers[0]
	require.Equal(t, []string{"sh", "-c"}, mc.Command)
	require.Len(t, mc.Args, 1)
	require.Contains(t, mc.Args[0], "--fail-on-error")
	assert.True(t, strings.HasSuffix(sh(t, 1, tmp, strings.Replace(local.Replace(mc.Args[0]), "detparity ", bin+" ", 1), env...), mergeFailed))

	// One unsharded run of the same arguments.
	var whole []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--shard", "--shards":
			i++
		case "--out":
			whole = append(whole, "--out", filepath.Join(tmp, "whole.json"))
			i++
		default:
			whole = append(whole, args[i])
		}
	}
	out, err := func() ([]byte, error) {
		cmd := exec.Command(bin, whole...)
		cmd.Env = append(os.Environ(), env...)
		return cmd.CombinedOutput()
	}()
	require.NoError(t, err, "%s", out)
	want, err := os.ReadFile(filepath.Join(tmp, "whole.json"))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(results, "run.json"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "the merge of the Job's shards is the unsharded run")
	assert.Contains(t, string(got), `"images": 20`)
}

type ghWorkflow struct {
	Jobs map[string]struct {
		Needs    string `yaml:"needs"`
		Strategy struct {
			Matrix map[string][]int `yaml:"matrix"`
		} `yaml:"strategy"`
		Steps []struct {
			Run string `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestGitHubActionsMatrix runs the detparity steps of the workflow in
// docs/scale.md: the shard step once per matrix value (the fixtures' data
// replaced by a small dataset), all writing into out/ as the artifact download
// gathers them, then the merge step; its run.json must be the unsharded run's.
func TestGitHubActionsMatrix(t *testing.T) {
	blocks := yamlBlocks(t, "../../docs/scale.md")
	var wf ghWorkflow
	require.NoError(t, yaml.Unmarshal([]byte(blocks[2]), &wf))
	shardJob, mergeJob := wf.Jobs["shard"], wf.Jobs["merge"]
	require.Equal(t, "shard", mergeJob.Needs)
	matrix := shardJob.Strategy.Matrix["shard"]
	require.Greater(t, len(matrix), 1)
	find := func(steps []struct {
		Run string `yaml:"run"`
	}, what string) string {
		for _, s := range steps {
			if strings.Contains(s.Run, what) {
				return s.Run
			}
		}
		t.Fatalf("no step runs %q", what)
		return ""
	}
	runLine, mergeLine := find(shardJob.Steps, "bin/detparity run "), find(mergeJob.Steps, "bin/detparity merge ")

	lib, err := detect.LibraryPath()
	require.NoError(t, err)
	env := []string{detect.EnvLibrary + "=" + lib}
	checkout := t.TempDir() // the workflow's working directory
	require.NoError(t, os.Mkdir(filepath.Join(checkout, "bin"), 0o755))
	buildBinary(t, filepath.Join(checkout, "bin"))
	fixtures, err := filepath.Abs("../../fixtures")
	require.NoError(t, err)
	require.NoError(t, os.Symlink(fixtures, filepath.Join(checkout, "fixtures")))
	data := messyDir(t, 17)
	require.Contains(t, runLine, "--data fixtures/eval ")
	runLine = strings.Replace(runLine, "--data fixtures/eval ", "--data "+data+" ", 1)
	start := time.Now()
	for _, v := range matrix {
		sh(t, 0, checkout, strings.ReplaceAll(runLine, "${{ matrix.shard }}", fmt.Sprint(v)), env...)
	}
	require.Contains(t, mergeLine, "--fail-on-error")
	assert.True(t, strings.HasSuffix(sh(t, 1, checkout, mergeLine, env...), mergeFailed))
	whole := strings.ReplaceAll(runLine, fmt.Sprintf("--shard ${{ matrix.shard }}/%d ", len(matrix)), "")
	require.NotEqual(t, runLine, whole)
	sh(t, 0, checkout, strings.Replace(whole, "--out out/run.json", "--out out/whole.json", 1), env...)
	want, err := os.ReadFile(filepath.Join(checkout, "out", "whole.json"))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(checkout, "out", "run.json"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	t.Logf("%d shards + merge + whole run in %s", len(matrix), time.Since(start).Round(time.Millisecond))
}
