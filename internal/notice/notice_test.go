package notice_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/internal/notice"
)

// repoRoot is the module root: the nearest parent of this package holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above the test's folder")
		dir = parent
	}
}

// TestThirdPartyNotice holds the repository to its THIRD_PARTY.md: every file under a
// testdata or fixtures folder is listed (with its source and licence, or the script
// that makes it), and no entry is stale.
func TestThirdPartyNotice(t *testing.T) {
	root := repoRoot(t)
	err := notice.Check(root)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			t.Error(line)
		}
	}
	// The check looked at something: the fixtures and every package's testdata.
	files, err := notice.Files(root)
	require.NoError(t, err)
	n := 0
	for _, f := range files {
		if notice.Tracked(f) {
			n++
		}
	}
	assert.Greater(t, n, 300, "files under testdata and fixtures folders")
}

// apache2SHA256 is the SHA-256 of https://www.apache.org/licenses/LICENSE-2.0.txt
// (11 358 bytes), the same bytes as Debian's /usr/share/common-licenses/Apache-2.0.
const apache2SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"

// TestLicenceIsApache2 guards LICENSE against edits: the licence the README names is the
// unmodified Apache License 2.0 (copies with added terms circulate).
func TestLicenceIsApache2(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "LICENSE"))
	require.NoError(t, err)
	sum := sha256.Sum256(b)
	assert.Equal(t, apache2SHA256, hex.EncodeToString(sum[:]), "LICENSE is not the verbatim Apache-2.0 text")
	readme, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(readme), "Apache License 2.0"), "README.md does not name the licence (Apache License 2.0)")
}

// tree writes files (relative path → content) under a new temporary root.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return root
}

const header = "# Notices\n\n## Files\n\n| Files | Made by | Third-party source | Licence |\n|---|---|---|---|\n"

func TestCheckCases(t *testing.T) {
	base := map[string]string{
		"scripts/gen.py":              "",
		"pkg/testdata/a.json":         "{}",
		"pkg/testdata/fuzz/FuzzX/abc": "go test fuzz v1\n",
		"fixtures/eval/images/1.jpg":  "",
		"fixtures/eval/labels/1.txt":  "",
		"fixtures/gen/main.go":        "package main",
		"docs/x.md":                   "not tracked",
		".git/testdata/ignored":       "hidden folders are skipped",
		"_scratch/testdata/ignored":   "underscore folders are skipped",
	}
	good := header +
		"| `pkg/testdata/a.json` | `scripts/gen.py` | numbers from tool@1.0 | BSD-3-Clause |\n" +
		"| `**/testdata/fuzz/**` | `go test -fuzz` | — | Apache-2.0 |\n" +
		"| `fixtures/eval/**`, `fixtures/gen/*.go` | `go run ./fixtures/gen` | — | Apache-2.0 |\n"
	cases := []struct {
		name   string
		notice string
		extra  map[string]string
		want   []string // substrings of the error; none: no error
	}{
		{name: "complete", notice: good},
		{name: "unlisted file", notice: good, extra: map[string]string{"pkg/sub/testdata/new.onnx": "x"},
			want: []string{"pkg/sub/testdata/new.onnx is under a testdata or fixtures folder but THIRD_PARTY.md does not list it: add it to THIRD_PARTY.md's Files table"}},
		{name: "stale entry", notice: good + "| `pkg/testdata/gone.json` | written here | — | Apache-2.0 |\n",
			want: []string{"THIRD_PARTY.md:10: `pkg/testdata/gone.json` matches no file: remove the stale entry"}},
		{name: "missing script", notice: strings.Replace(good, "scripts/gen.py", "scripts/old.py", 1),
			want: []string{"THIRD_PARTY.md:7: Made by names scripts/old.py, which does not exist"}},
		{name: "both at once", notice: strings.Replace(good, "`fixtures/eval/**`, ", "`fixtures/evl/**`, ", 1),
			want: []string{"fixtures/eval/images/1.jpg is under", "fixtures/eval/labels/1.txt is under", "THIRD_PARTY.md:9: `fixtures/evl/**` matches no file"}},
		{name: "short row", notice: header + "| `pkg/testdata/a.json` | written here | — |\n",
			want: []string{"THIRD_PARTY.md:7: 3 cells, expected 4"}},
		{name: "empty cell", notice: header + "| `pkg/testdata/a.json` | written here |  | Apache-2.0 |\n",
			want: []string{"THIRD_PARTY.md:7: empty Third-party source cell"}},
		{name: "no pattern", notice: header + "| pkg/testdata/a.json | written here | — | Apache-2.0 |\n",
			want: []string{"THIRD_PARTY.md:7: no `pattern` in the Files cell"}},
		{name: "bad pattern", notice: header + "| `pkg/testdata/[a.json` | written here | — | Apache-2.0 |\n",
			want: []string{`THIRD_PARTY.md:7: bad pattern "pkg/testdata/[a.json"`}},
		{name: "wrong header", notice: "## Files\n\n| Files | Source |\n|---|---|\n",
			want: []string{"THIRD_PARTY.md:3: table header"}},
		{name: "no table", notice: "# Notices\n\nNothing here.\n",
			want: []string{`THIRD_PARTY.md: no "## Files" section`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{notice.File: tc.notice}
			for k, v := range base {
				files[k] = v
			}
			for k, v := range tc.extra {
				files[k] = v
			}
			err := notice.Check(tree(t, files))
			if len(tc.want) == 0 {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Len(t, strings.Split(err.Error(), "\n"), max(len(tc.want), 1), "one line per problem:\n%v", err)
		})
	}
	assert.ErrorContains(t, notice.Check(t.TempDir()), "notice: open", "a root without THIRD_PARTY.md")
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"a/b.json", "a/b.json", true},
		{"a/*.json", "a/b.json", true},
		{"a/*.json", "a/c/b.json", false},
		{"a/**", "a/c/b.json", true},
		{"a/**", "a", true},
		{"**/testdata/fuzz/**", "dataset/testdata/fuzz/FuzzX/seed", true},
		{"**/testdata/fuzz/**", "testdata/fuzz/FuzzX/seed", true},
		{"**/testdata/fuzz/**", "dataset/testdata/other/seed", false},
		{"**/*.onnx", "detect/testdata/layouts/y.onnx", true},
		{"detect/testdata/*.onnx", "detect/testdata/layouts/y.onnx", false},
		{"fixtures/eval/images/*.jpg", "fixtures/eval/images/00001.jpg", true},
		{"fixtures/eval/images/*.jpg", "fixtures/eval/images/00001.png", false},
	} {
		assert.Equal(t, tc.want, notice.Match(tc.pattern, tc.name), "Match(%q, %q)", tc.pattern, tc.name)
	}
}

func TestTracked(t *testing.T) {
	assert.True(t, notice.Tracked("fixtures/eval/images/1.jpg"))
	assert.True(t, notice.Tracked("metrics/testdata/x.json"))
	assert.False(t, notice.Tracked("testdata"), "a file named testdata is not under one")
	assert.False(t, notice.Tracked("docs/testdata.md"))
	assert.False(t, notice.Tracked("README.md"))
}
