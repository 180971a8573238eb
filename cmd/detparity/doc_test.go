package main

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/detect"
)

// readmeCommands returns the detparity command lines of the ```sh blocks of the
// README (continuation lines joined, comments dropped), in order, without the
// program name; a "mkdir -p DIR..." line comes as {"mkdir", "-p", DIR...}.
func readmeCommands(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var cmds [][]string
	inSh, cont := false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "```"):
			inSh = !inSh && strings.TrimPrefix(line, "```") == "sh"
			continue
		case !inSh:
			continue
		}
		if cont != "" {
			line = cont + " " + line
			cont = ""
		}
		if strings.HasSuffix(line, "\\") {
			cont = strings.TrimSuffix(line, "\\")
			continue
		}
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		switch {
		case len(fields) > 2 && fields[0] == "mkdir" && fields[1] == "-p":
			cmds = append(cmds, fields)
		case len(fields) == 0 || (fields[0] != "detparity" && fields[0] != "bin/detparity"):
			continue // make targets and other shell lines
		default:
			cmds = append(cmds, fields[1:])
		}
	}
	require.NoError(t, sc.Err())
	return cmds
}

// TestReadmeExamples runs every detparity command of the README's ```sh blocks
// through realMain (benchstat's doc_test habit), in a scratch folder where
// fixtures/ is the repository's, so commands that write files (--out) do not
// touch the checkout and later commands can read them. Every file an example
// writes goes under out/ (ignored by git): the flags that name outputs name a
// path there, and nothing else appears in the folder.
func TestReadmeExamples(t *testing.T) {
	readme, err := filepath.Abs("../../README.md")
	require.NoError(t, err)
	fixtures, err := filepath.Abs("../../fixtures")
	require.NoError(t, err)
	cmds := readmeCommands(t, readme)
	require.NotEmpty(t, cmds, "the README shows at least one detparity command")
	// Found from the checkout before leaving it: the scratch folder has no .deps/.
	lib, err := detect.LibraryPath()
	require.NoError(t, err)
	t.Setenv(detect.EnvLibrary, lib)
	dir := t.TempDir()
	require.NoError(t, os.Symlink(fixtures, filepath.Join(dir, "fixtures")))
	t.Chdir(dir)
	outputs := map[string]bool{"--out": true, "--predictions-out": true, "--gt-out": true, "--geometry-out": true}
	for _, args := range cmds {
		if args[0] == "mkdir" {
			for _, d := range args[2:] {
				require.NoError(t, os.MkdirAll(d, 0o755))
			}
			continue
		}
		for i, a := range args[:len(args)-1] {
			if outputs[a] {
				assert.True(t, strings.HasPrefix(args[i+1], "out/"), "README: detparity %s: %s %s is not under out/", strings.Join(args, " "), a, args[i+1])
			}
		}
		code, _, stderr := runCLI(t, append(args, "--quiet")...)
		if code == 2 && strings.Contains(stderr, "flag provided but not defined: -quiet") {
			code, _, stderr = runCLI(t, args...)
		}
		assert.Equal(t, 0, code, "README: detparity %s\n%s", strings.Join(args, " "), stderr)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"fixtures", "out"}, names, "the examples write under out/ only")
}

func TestReadmeCommandsParsing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "R.md")
	require.NoError(t, os.WriteFile(p, []byte("x\n```sh\nmake demo\nmkdir -p out\nbin/detparity run --a 1 \\\n  --b 2  # note\n```\n```\ndetparity not-sh\n```\n```sh\ndetparity diff x.json\n```\n"), 0o644))
	assert.Equal(t, [][]string{{"mkdir", "-p", "out"}, {"run", "--a", "1", "--b", "2"}, {"diff", "x.json"}}, readmeCommands(t, p))
}

// TestReadmeGoSnippets: every ```go block of the README is code a test runs —
// its lines (trimmed, blank lines dropped) appear in that order, one after the
// other, in one of the module's _test.go files (an Example or a test).
func TestReadmeGoSnippets(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	norm := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	var tests [][]string
	require.NoError(t, filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		tests = append(tests, norm(string(b)))
		return err
	}))
	blocks := strings.Split(string(readme), "```go\n")[1:]
	require.NotEmpty(t, blocks)
	for _, b := range blocks {
		snippet := norm(b[:strings.Index(b, "```")])
		found := false
		for _, lines := range tests {
			for i := 0; i+len(snippet) <= len(lines) && !found; i++ {
				found = slices.Equal(lines[i:i+len(snippet)], snippet)
			}
		}
		assert.True(t, found, "README Go snippet not in any test file:\n%s", strings.Join(snippet, "\n"))
	}
}
