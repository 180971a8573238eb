package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/detect/cvdnn"
	"github.com/detparity/detparity/version"
)

func TestVersionCommand(t *testing.T) {
	require.NoError(t, detect.Init())
	lib, ortVersion := detect.LoadedLibrary()
	require.NotEmpty(t, ortVersion)

	code, stdout, stderr := runCLI(t, "version")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.Len(t, lines, 5, stdout)
	assert.Equal(t, version.Get().String(), lines[0])
	assert.Equal(t, "go           "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH, lines[2])
	assert.Equal(t, "onnxruntime  "+ortVersion+" ("+lib+")", lines[3])
	assert.Equal(t, "opencv       "+cvdnn.Version(), lines[4])

	code, stdout, stderr = runCLI(t, "version", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var rep versionReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.Equal(t, versionReport{Info: version.Get(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
		ONNXRuntime: ortVersion, ONNXRuntimeLibrary: lib, OpenCV: cvdnn.Version()}, rep)

	for _, bad := range [][]string{{"extra"}, {"--no-such-flag"}} {
		code, _, stderr = runCLI(t, append([]string{"version"}, bad...)...)
		assert.Equal(t, 2, code, "version %v is bad usage: %s", bad, stderr)
	}
	code, _, stderr = runCLI(t, "version", "--format", "xml")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--format "xml", expected text or json`)
}

// builtVersion builds cmd/detparity from the module rooted at dir with the given
// -buildvcs value and runs `detparity version` (JSON, then text) with env added.
func builtVersion(t *testing.T, dir, buildvcs string, env ...string) (versionReport, string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "detparity")
	build := exec.Command(goTool, "build", "-buildvcs="+buildvcs, "-o", bin, "./cmd/detparity")
	build.Dir = dir
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build in %s: %s", dir, out)
	run := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		require.NoError(t, cmd.Run(), "detparity %v: %s", args, e.String())
		return o.String()
	}
	var rep versionReport
	require.NoError(t, json.Unmarshal([]byte(run("version", "--format", "json")), &rep))
	return rep, run("version")
}

// git runs git in dir and returns its trimmed output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=detparity test", "-c", "user.email=test@example.com",
		"-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v in %s: %s", args, dir, out)
	return strings.TrimSpace(string(out))
}

// TestVersionBinaryRevision builds the binary the way users do and checks what
// `detparity version` says against git. It copies the module's Go sources into a
// fresh git repository (so the code under test is the working tree's, whatever the
// checkout's state) and builds there: from a commit, from a tagged commit with an
// uncommitted change, and without version-control data.
func TestVersionBinaryRevision(t *testing.T) {
	ortLib, err := detect.LibraryPath()
	require.NoError(t, err)
	env := detect.EnvLibrary + "=" + ortLib
	repo := t.TempDir()
	copyGoSources(t, "../..", repo)
	git(t, repo, "init", "-q")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "test")
	head := git(t, repo, "rev-parse", "HEAD")
	commitTime, err := time.Parse(time.RFC3339, git(t, repo, "log", "-1", "--format=%cI"))
	require.NoError(t, err)

	rep, text := builtVersion(t, repo, "true", env)
	assert.Equal(t, head, rep.Revision)
	assert.False(t, rep.Modified)
	stamped, err := time.Parse(time.RFC3339, rep.Time)
	require.NoError(t, err)
	assert.True(t, commitTime.Equal(stamped), "vcs.time %s, commit %s", stamped, commitTime)
	assert.True(t, strings.HasPrefix(rep.Version, "v0.0.0-") && strings.HasSuffix(rep.Version, head[:12]),
		"an untagged commit gives a pseudo-version naming it: %s", rep.Version)
	assert.Contains(t, text, "\nrevision     "+head+" (")
	assert.Contains(t, text, ", clean)\n")
	require.NoError(t, detect.Init())
	_, ortVersion := detect.LoadedLibrary()
	assert.Equal(t, ortVersion, rep.ONNXRuntime, "the library found through %s", env)

	// A release tag on the commit, and a change not committed yet.
	git(t, repo, "tag", "v0.9.9")
	require.NoError(t, os.WriteFile(filepath.Join(repo, "NOTES"), []byte("uncommitted\n"), 0o644))
	rep, text = builtVersion(t, repo, "true", env)
	assert.Equal(t, head, rep.Revision)
	assert.True(t, rep.Modified)
	assert.Equal(t, "v0.9.9+dirty", rep.Version)
	assert.True(t, strings.HasPrefix(text, "detparity v0.9.9+dirty (rev "+head[:12]+", modified)\n"), text)

	// No version-control data: "(devel)", no revision, and no ONNX Runtime is no error.
	rep, text = builtVersion(t, repo, "false", detect.EnvLibrary+"="+filepath.Join(repo, "no-such-lib.so"))
	assert.Equal(t, version.Devel, rep.Version)
	assert.Empty(t, rep.Revision)
	assert.Equal(t, ortNotFound, rep.ONNXRuntime)
	assert.Contains(t, rep.ONNXRuntimeError, "no-such-lib.so")
	assert.True(t, strings.HasPrefix(text, "detparity (devel)\nrevision     unknown (built without version-control data)\n"), text)
	assert.Contains(t, text, "\nonnxruntime  not found (")
	assert.Contains(t, text, "\nopencv       "+cvdnn.Version()+"\n")
}

// TestVersionInCheckout builds in the repository itself: in a git checkout the
// binary names the checkout's HEAD. Go stamps only when .git is a directory; in a
// linked worktree (.git is a file) it stamps nothing (golang/go#58218).
func TestVersionInCheckout(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	ortLib, err := detect.LibraryPath()
	require.NoError(t, err)
	head, headErr := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	statusBefore, _ := exec.Command("git", "-C", root, "status", "--porcelain").Output()
	rep, _ := builtVersion(t, root, "auto", detect.EnvLibrary+"="+ortLib)
	statusAfter, _ := exec.Command("git", "-C", root, "status", "--porcelain").Output()
	st, statErr := os.Stat(filepath.Join(root, ".git"))
	switch {
	case headErr != nil || statErr != nil: // not a git checkout (a module download, an export)
		t.Logf("%s is not a git checkout: no revision expected", root)
		assert.Empty(t, rep.Revision)
	case !st.IsDir():
		t.Logf("%s is a linked git worktree: go build stamps no revision there (golang/go#58218)", root)
		assert.Empty(t, rep.Revision, "a worktree nested in another checkout gets that checkout's revision")
	default:
		assert.Equal(t, strings.TrimSpace(string(head)), rep.Revision)
		if bytes.Equal(statusBefore, statusAfter) { // unless something changed the tree meanwhile
			assert.Equal(t, len(statusBefore) > 0, rep.Modified, "git status --porcelain:\n%s", statusBefore)
		}
	}
}

// copyGoSources copies go.mod, go.sum and the non-test Go files of the module at src
// to dst, skipping testdata and folders the go command ignores.
func copyGoSources(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != src && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		// Go sources, assembly and the cgo C/C++ files the build needs.
		src := strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".s") || strings.HasSuffix(name, ".cpp") ||
			strings.HasSuffix(name, ".h") || strings.HasSuffix(name, ".c")
		if rel != "go.mod" && rel != "go.sum" && (!src || strings.HasSuffix(name, "_test.go")) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	require.NoError(t, err)
}

// TestReadmeVersionTable holds the README's "unreleased" row of the release table to
// what this build uses: the gocv and onnxruntime_go versions in go.mod, the OpenCV
// gocv links against, the ONNX Runtime that loads and the go directive.
func TestReadmeVersionTable(t *testing.T) {
	f, err := os.Open("../../README.md")
	require.NoError(t, err)
	defer f.Close()
	var header, row []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(strings.Trim(strings.TrimSpace(sc.Text()), "|"), "|")
		for i := range cells {
			cells[i] = strings.Trim(strings.TrimSpace(cells[i]), "`")
		}
		switch {
		case len(cells) > 1 && cells[0] == "release":
			header = cells
		case header != nil && len(cells) == len(header) && strings.HasPrefix(cells[0], "unreleased"):
			row = cells
		}
	}
	require.NoError(t, sc.Err())
	require.NotNil(t, row, "README.md has a | release | … | table with an unreleased row")
	got := map[string]string{}
	for i, h := range header {
		got[h] = row[i]
	}

	bi, ok := debug.ReadBuildInfo()
	require.True(t, ok)
	dep := map[string]string{}
	for _, d := range bi.Deps {
		dep[d.Path] = d.Version
	}
	require.NoError(t, detect.Init())
	_, ortVersion := detect.LoadedLibrary()
	majorMinor := func(v string) string {
		parts := strings.SplitN(strings.TrimPrefix(v, "go"), ".", 3)
		return parts[0] + "." + parts[1]
	}
	goMod, err := os.ReadFile("../../go.mod")
	require.NoError(t, err)
	var goDirective string
	for _, line := range strings.Split(string(goMod), "\n") {
		if v, ok := strings.CutPrefix(line, "go "); ok {
			goDirective = strings.TrimSpace(v)
		}
	}
	assert.Equal(t, dep["gocv.io/x/gocv"], got["gocv"])
	assert.Equal(t, dep["github.com/yalue/onnxruntime_go"], got["onnxruntime_go"])
	assert.Equal(t, majorMinor(cvdnn.Version()), got["OpenCV"])
	assert.Equal(t, majorMinor(ortVersion)+".x", got["ONNX Runtime"])
	assert.Equal(t, "≥ "+majorMinor(goDirective), got["Go"])
}
