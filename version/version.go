// Package version says which build of detparity is running: the module version and
// the version-control revision the go command stamped into the binary, read with
// runtime/debug.ReadBuildInfo. It sits beside the data path, not on it: `detparity
// version` prints it, and a report can carry Get().String() in its header so that a
// result names the code that produced it.
//
// What the go command records depends on how the binary was built:
//
//   - go install github.com/detparity/detparity/cmd/detparity@v0.1.0: Version "v0.1.0",
//     no revision (a module download has no version-control data);
//   - go build in a git checkout: Version a pseudo-version derived from the commit
//     (Go ≥ 1.24; "+dirty" when the checkout has changes), Revision, Time and Modified
//     from git;
//   - go build -buildvcs=false, or outside a checkout: Version "(devel)", no revision;
//   - detparity used as a library: the version of the detparity module the program
//     required, no revision (the stamped revision is the program's, not detparity's).
package version

import (
	"runtime/debug"
	"strings"
	"sync"
)

// Module is detparity's module path.
const Module = "github.com/detparity/detparity"

// Devel is the version the go command records when it knows none.
const Devel = "(devel)"

// Info identifies a build of detparity.
type Info struct {
	// Version is the module version: a release tag ("v0.1.0"), a pseudo-version, Devel,
	// or "" when the binary carries no build information.
	Version string `json:"version"`
	// Revision is the commit the binary was built from (vcs.revision), "" when unknown.
	Revision string `json:"revision,omitempty"`
	// Time is that commit's time (vcs.time, RFC 3339), "" when unknown.
	Time string `json:"time,omitempty"`
	// Modified reports that the checkout had uncommitted changes at build time
	// (vcs.modified).
	Modified bool `json:"modified"`
	// Go is the version of the Go toolchain that built the binary ("go1.26.0").
	Go string `json:"go"`
}

// Get returns the running binary's Info. It reads the build information once.
func Get() Info { return get() }

var get = sync.OnceValue(func() Info { return fromBuildInfo(debug.ReadBuildInfo()) })

// fromBuildInfo extracts detparity's Info from a binary's build information: the main
// module's when detparity is the main module, else the required detparity module's.
func fromBuildInfo(bi *debug.BuildInfo, ok bool) Info {
	if !ok || bi == nil {
		return Info{}
	}
	info := Info{Go: bi.GoVersion}
	if bi.Main.Path != Module {
		for _, dep := range bi.Deps {
			if dep.Path != Module {
				continue
			}
			info.Version = dep.Version
			if r := dep.Replace; r != nil {
				info.Version = r.Version // "" for a directory replacement
			}
			if info.Version == "" {
				info.Version = Devel
			}
			return info
		}
		return info
	}
	info.Version = bi.Main.Version
	if info.Version == "" {
		info.Version = Devel
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// shortRevision is how many characters of the revision String shows (as git's
// abbreviated hashes and Go's pseudo-versions do).
const shortRevision = 12

// String is one line for a header: "detparity v0.1.0 (rev 9829ee932056, modified)";
// without a revision "detparity (devel)", without build information "detparity
// (unknown version)".
func (i Info) String() string {
	var b strings.Builder
	b.WriteString("detparity ")
	if i.Version == "" {
		b.WriteString("(unknown version)")
	} else {
		b.WriteString(i.Version)
	}
	if i.Revision != "" {
		rev := i.Revision
		if len(rev) > shortRevision {
			rev = rev[:shortRevision]
		}
		b.WriteString(" (rev ")
		b.WriteString(rev)
		if i.Modified {
			b.WriteString(", modified")
		}
		b.WriteString(")")
	}
	return b.String()
}
