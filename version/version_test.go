package version

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromBuildInfo(t *testing.T) {
	const rev = "9829ee932056078afd96f19a56993024197e2ac3"
	vcs := []debug.BuildSetting{
		{Key: "-buildmode", Value: "exe"},
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: rev},
		{Key: "vcs.time", Value: "2026-12-05T15:45:41Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want Info
		str  string
	}{
		{name: "no build info", bi: nil, ok: false, want: Info{}, str: "detparity (unknown version)"},
		{name: "release install",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: Module, Version: "v0.1.0"}},
			ok:   true,
			want: Info{Version: "v0.1.0", Go: "go1.26.0"}, str: "detparity v0.1.0"},
		{name: "checkout build",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: Module,
				Version: "v0.1.1-0.20261205154541-9829ee932056+dirty"}, Settings: vcs},
			ok: true,
			want: Info{Version: "v0.1.1-0.20261205154541-9829ee932056+dirty", Revision: rev,
				Time: "2026-12-05T15:45:41Z", Modified: true, Go: "go1.26.8"},
			str: "detparity v0.1.1-0.20261205154541-9829ee932056+dirty (rev 9829ee932056, modified)"},
		{name: "clean checkout",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: Module, Version: "v0.1.0"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}},
			ok:   true,
			want: Info{Version: "v0.1.0", Revision: rev, Go: "go1.26.8"}, str: "detparity v0.1.0 (rev 9829ee932056)"},
		{name: "devel without vcs",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: Module, Version: Devel}},
			ok:   true,
			want: Info{Version: Devel, Go: "go1.26.8"}, str: "detparity (devel)"},
		{name: "empty main version",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: Module}},
			ok:   true,
			want: Info{Version: Devel, Go: "go1.26.8"}, str: "detparity (devel)"},
		{name: "library in another program: its revision is not ours",
			bi: &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "example.com/app", Version: "v1.2.3"},
				Deps:     []*debug.Module{{Path: "gocv.io/x/gocv", Version: "v0.31.0"}, {Path: Module, Version: "v0.1.0"}},
				Settings: vcs},
			ok:   true,
			want: Info{Version: "v0.1.0", Go: "go1.26.1"}, str: "detparity v0.1.0"},
		{name: "library replaced by a fork",
			bi: &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "example.com/app"},
				Deps: []*debug.Module{{Path: Module, Version: "v0.1.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v0.1.1"}}}},
			ok:   true,
			want: Info{Version: "v0.1.1", Go: "go1.26.1"}, str: "detparity v0.1.1"},
		{name: "library replaced by a directory",
			bi: &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "example.com/app"},
				Deps: []*debug.Module{{Path: Module, Version: "v0.1.0", Replace: &debug.Module{Path: "../detparity"}}}},
			ok:   true,
			want: Info{Version: Devel, Go: "go1.26.1"}, str: "detparity (devel)"},
		{name: "program without detparity",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "example.com/app"}},
			ok:   true,
			want: Info{Go: "go1.26.1"}, str: "detparity (unknown version)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fromBuildInfo(tc.bi, tc.ok)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.str, got.String())
		})
	}
}

// TestGet reads this test binary's own build information: detparity is its main module
// and the toolchain is the running one. (The revision a built binary reports is checked
// against git in cmd/detparity's TestVersionBinaryRevision.)
func TestGet(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	assert.True(t, ok)
	assert.Equal(t, Module, bi.Main.Path)
	got := Get()
	assert.Equal(t, runtime.Version(), got.Go)
	assert.NotEmpty(t, got.Version)
	assert.Equal(t, got, Get(), "read once, same answer")
}
