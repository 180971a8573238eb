package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const collision = ": an output may not overwrite an input or another output of the same command\n"

// TestOutputIsInput: an output path that is an input of the same command (the
// model, the reference, the data YAML, a label file, an image, the names file,
// a shard, the --in image) or another of its outputs — by name, through a
// symbolic link or a hard link — is refused before any work with exit 2, and
// every file is left as it was.
func TestOutputIsInput(t *testing.T) {
	data := smallDir(t, 2)
	tmp := t.TempDir()
	model := filepath.Join(tmp, "m.onnx")
	copyFile(t, fixtureModel, model)
	ref := filepath.Join(tmp, "ref.json")
	copyFile(t, fixtureReference, ref)
	require.NoError(t, os.Symlink(model, filepath.Join(tmp, "latest.onnx")))
	require.NoError(t, os.Link(filepath.Join(data, "labels", "00001.txt"), filepath.Join(tmp, "hard.txt")))
	yaml := filepath.Join(tmp, "d.yaml")
	require.NoError(t, os.WriteFile(yaml, []byte("path: "+data+"\nval: images\nnames: [person]\n"), 0o644))
	shard := filepath.Join(tmp, "a.json")
	require.NoError(t, os.WriteFile(shard, []byte("{}"), 0o644))
	img := filepath.Join(data, "images", "00000.jpg")
	label := filepath.Join(data, "labels", "00000.txt")
	names := filepath.Join(data, "classes.txt")
	watched := []string{model, ref, yaml, shard, img, label, names, filepath.Join(data, "labels", "00001.txt")}
	before := readAll(t, watched...)
	run := func(extra ...string) []string {
		return append([]string{"run", "--pipeline", "sg-coco", "--model", model, "--data", data, "--quiet"}, extra...)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{run("--out", model), "--out " + model + " is also the --model file " + model},
		{run("--out", filepath.Join(tmp, "latest.onnx")), "--out " + filepath.Join(tmp, "latest.onnx") + " is also the --model file " + model},
		{run("--reference", ref, "--out", ref), "--out " + ref + " is also the --reference file " + ref},
		{run("--out", label), "--out " + label + " is also a label file of the dataset " + label},
		{run("--out", filepath.Join(tmp, "hard.txt")), "--out " + filepath.Join(tmp, "hard.txt") + " is also a label file of the dataset " + filepath.Join(data, "labels", "00001.txt")},
		{run("--out", img), "--out " + img + " is also an image of the dataset " + img},
		{run("--out", names), "--out " + names + " is also the class names file " + names},
		{[]string{"run", "--pipeline", "sg-coco", "--model", model, "--data", yaml, "--out", yaml}, "--out " + yaml + " is also --data " + yaml},
		{run("--pipeline", "sg-coco", "--out", filepath.Join(tmp, "p.sg-coco.json"), "--predictions-out", filepath.Join(tmp, "p.json")),
			"the --predictions-out file of sg-coco " + filepath.Join(tmp, "p.sg-coco.json") + " is also --out " + filepath.Join(tmp, "p.sg-coco.json")},
		{[]string{"merge", shard, "--out", shard}, "--out " + shard + " is also a shard given to merge, " + shard},
		{[]string{"preprocess", "--in", img, "--out", img}, "--out " + img + " is also the --in image " + img},
		{[]string{"preprocess", "--in", img, "--out", filepath.Join(tmp, "x.png"), "--geometry-out", filepath.Join(tmp, "x.png")},
			"--geometry-out " + filepath.Join(tmp, "x.png") + " is also --out " + filepath.Join(tmp, "x.png")},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		assert.Equal(t, 2, code, "%v: %s", c.args, stderr)
		assert.Equal(t, "detparity: usage: "+c.want+collision, stderr, "%v", c.args)
		assert.Empty(t, stdout, "%v", c.args)
	}
	// A report folder holding the reference as report.json.
	repDir := filepath.Join(tmp, "rep")
	require.NoError(t, os.Mkdir(repDir, 0o755))
	repRef := filepath.Join(repDir, "report.json")
	copyFile(t, fixtureReference, repRef)
	code, _, stderr := runCLI(t, "report", "--pipeline", "sg-coco", "--model", model, "--data", data, "--reference", repRef, "--out", repDir, "--quiet")
	assert.Equal(t, 2, code)
	assert.Equal(t, "detparity: usage: --out file "+repRef+" is also the --reference file "+repRef+collision, stderr)
	assert.Equal(t, before, readAll(t, watched...), "no input was touched")
	assert.Empty(t, hiddenFiles(t, tmp, data, filepath.Join(data, "labels")))
}

// outputSet runs detparity with --out and --predictions-out (two pipelines, so
// three files) into dir.
func outputSetArgs(data, dir string) []string {
	return []string{"run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", data, "--pipeline", "sg-coco,stretch", "--quiet",
		"--out", filepath.Join(dir, "run.json"), "--predictions-out", filepath.Join(dir, "p.json")}
}

func outputSetFiles(dir string) []string {
	return []string{filepath.Join(dir, "run.json"), filepath.Join(dir, "p.sg-coco.json"), filepath.Join(dir, "p.stretch.json")}
}

// TestOutputSetKilled kills a real detparity process (SIGKILL) at each point of
// writing run --out with --predictions-out. Killed before the commit, the old
// files are untouched; the next start (a run that then fails: its model is
// missing) discards what was staged or, from the commit on, completes the set:
// every file then holds exactly what an uninterrupted run writes.
func TestOutputSetKilled(t *testing.T) {
	data := smallDir(t, 4)
	whole := t.TempDir()
	code, _, stderr := runCLI(t, outputSetArgs(data, whole)...)
	require.Equal(t, 0, code, stderr)
	want := readAll(t, outputSetFiles(whole)...)
	previous := []string{"previous run\n", "previous sg-coco\n", "previous stretch\n"}
	for _, c := range []struct {
		point string
		nth   int
		after string // "old" or "new" after the next start
	}{
		{"outset.staged", 1, "old"},
		{"outset.staged", 3, "old"},
		{"outset.pointers", 1, "old"},
		{"outset.committed", 1, "new"},
		{"outset.swapped", 1, "new"},
		{"outset.swapped", 2, "new"},
		{"outset.done", 1, "new"},
	} {
		t.Run(fmt.Sprintf("%s-%d", c.point, c.nth), func(t *testing.T) {
			dir := t.TempDir()
			files := outputSetFiles(dir)
			writeAll(t, previous, files...)
			code, stderr := runChild(t, fmt.Sprintf("kill:%s:%d", c.point, c.nth), outputSetArgs(data, dir)...)
			require.Equal(t, -1, code, stderr)
			if c.after == "old" {
				assert.Equal(t, previous, readAll(t, files...), "untouched before the commit")
			}
			next := outputSetArgs(data, dir)
			next[slices.Index(next, "--model")+1] = filepath.Join(dir, "gone.onnx")
			code, _, stderr = runCLI(t, next...)
			require.Equal(t, 1, code)
			assert.Contains(t, stderr, "gone.onnx: no such file or directory")
			if c.after == "old" {
				assert.Equal(t, previous, readAll(t, files...))
			} else {
				assert.Equal(t, want, readAll(t, files...))
			}
			assert.Empty(t, hiddenFiles(t, dir))
		})
	}
}

// TestReportKilled: the report's four files are one set too.
func TestReportKilled(t *testing.T) {
	data := smallDir(t, 3)
	runDir := t.TempDir()
	code, _, stderr := runCLI(t, "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", data, "--pipeline", "sg-coco,stretch", "--out", filepath.Join(runDir, "run.json"))
	require.Equal(t, 0, code, stderr)
	runJSONBytes := readAll(t, filepath.Join(runDir, "run.json"))[0]
	names := []string{"report.json", "report.md", "junit.xml", "index.html"}
	for _, c := range []struct {
		point string
		nth   int
		after string
	}{{"outset.staged", 3, "old"}, {"outset.swapped", 2, "new"}} {
		t.Run(fmt.Sprintf("%s-%d", c.point, c.nth), func(t *testing.T) {
			dir := t.TempDir()
			var files, previous []string
			for _, n := range names {
				files = append(files, filepath.Join(dir, n))
				previous = append(previous, "previous "+n+"\n")
			}
			writeAll(t, previous, files...)
			args := []string{"report", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", data, "--pipeline", "sg-coco,stretch", "--gallery", "1", "--out", dir, "--quiet"}
			code, stderr := runChild(t, fmt.Sprintf("kill:%s:%d", c.point, c.nth), args...)
			require.Equal(t, -1, code, stderr)
			args[slices.Index(args, "--model")+1] = filepath.Join(dir, "gone.onnx")
			code, _, _ = runCLI(t, args...)
			require.Equal(t, 1, code)
			got := readAll(t, files...)
			for i := range got {
				if c.after == "old" {
					assert.Equal(t, previous[i], got[i], names[i])
				} else {
					assert.NotEqual(t, previous[i], got[i], names[i])
				}
			}
			if c.after == "new" {
				assert.Equal(t, runJSONBytes, got[0], "report.json is the run")
			}
			assert.Empty(t, hiddenFiles(t, dir))
		})
	}
}

// TestOutputDiskFull: the outputs go to a real, small file system (a tmpfs
// mounted for the test; the CI runs as root) that fills up while the set is
// staged: exit 1 naming the file and the error, and every file as it was.
func TestOutputDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root; internal/outset.TestFileSizeLimit covers a failing write without it")
	}
	data := smallDir(t, 4)
	small := t.TempDir()
	require.NoError(t, syscall.Mount("tmpfs", small, "tmpfs", 0, "size=48k"))
	t.Cleanup(func() { syscall.Unmount(small, 0) })
	big := t.TempDir()
	// run.json on the big disk, the predictions files in the tmpfs.
	files := []string{filepath.Join(big, "run.json"), filepath.Join(small, "p.sg-coco.json"), filepath.Join(small, "p.stretch.json")}
	previous := []string{"previous run\n", "previous sg-coco\n", "previous stretch\n"}
	writeAll(t, previous, files...)
	code, _, stderr := runCLI(t, "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", data, "--pipeline", "sg-coco,stretch", "--quiet",
		"--out", files[0], "--predictions-out", filepath.Join(small, "p.json"))
	assert.Equal(t, 1, code)
	assert.Regexp(t, `^detparity: writing `+small+`/p\.(sg-coco|stretch)\.json: write .*: no space left on device; nothing written \(previous outputs left as they were\)\n$`, stderr)
	assert.Equal(t, previous, readAll(t, files...))
	assert.Empty(t, hiddenFiles(t, small, big))

	// A report folder in the tmpfs.
	rep := filepath.Join(small, "rep")
	require.NoError(t, os.Mkdir(rep, 0o755))
	var repFiles, repPrev []string
	for _, n := range []string{"report.json", "report.md", "junit.xml", "index.html"} {
		repFiles = append(repFiles, filepath.Join(rep, n))
		repPrev = append(repPrev, "previous "+n+"\n")
	}
	writeAll(t, repPrev, repFiles...)
	code, _, stderr = runCLI(t, "report", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", data, "--pipeline", "sg-coco,stretch", "--out", rep, "--quiet")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no space left on device; nothing written (previous outputs left as they were)\n")
	assert.Equal(t, repPrev, readAll(t, repFiles...))
	assert.Empty(t, hiddenFiles(t, rep))
}

// TestOutputMode: outputs are created 0644 less the umask, like any file the
// user's shell makes.
func TestOutputMode(t *testing.T) {
	data := smallDir(t, 1)
	dir := t.TempDir()
	for _, c := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}} {
		old := syscall.Umask(c.umask)
		code, _, stderr := runCLI(t, "run", "--pipeline", "sg-coco", "--model", fixtureModel, "--data", data, "--quiet",
			"--out", filepath.Join(dir, "run.json"), "--predictions-out", filepath.Join(dir, "p.json"))
		syscall.Umask(old)
		require.Equal(t, 0, code, stderr)
		for _, n := range []string{"run.json", "p.sg-coco.json"} {
			st, err := os.Stat(filepath.Join(dir, n))
			require.NoError(t, err)
			assert.Equal(t, c.want, st.Mode().Perm(), "umask %o: %s", c.umask, n)
		}
	}
}
