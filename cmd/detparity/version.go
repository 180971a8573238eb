package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/detparity/detparity/detect"
	"github.com/detparity/detparity/detect/cvdnn"
	"github.com/detparity/detparity/version"
)

func init() {
	register("version", "print detparity's version and revision and the Go, ONNX Runtime and OpenCV versions it runs with", cmdVersion)
}

// versionReport is the JSON form of `detparity version`.
type versionReport struct {
	version.Info
	Platform           string `json:"platform"`                      // GOOS/GOARCH
	ONNXRuntime        string `json:"onnxruntime"`                   // the loaded library's version, or "not found"
	ONNXRuntimeLibrary string `json:"onnxruntime_library,omitempty"` // where it was loaded from
	ONNXRuntimeError   string `json:"onnxruntime_error,omitempty"`   // why it could not be loaded
	OpenCV             string `json:"opencv"`                        // the OpenCV gocv is linked against
}

// ortNotFound is what version reports for an ONNX Runtime library that could not be loaded.
const ortNotFound = "not found"

func cmdVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := addFormatFlag(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity version [--format text|json]

Prints detparity's module version and the commit it was built from (the go command
stamps both into the binary: a release installed with go install ...@vX.Y.Z has its
tag and no commit; a build in a git checkout has the commit, and "modified" when the
checkout had uncommitted changes), the Go toolchain, the ONNX Runtime library it finds
(as the other commands do: DETPARITY_ORT_LIB, then .deps/ort; "not found" when none
loads, which is not an error here) and the OpenCV version gocv is linked against.

Example:
  detparity version --format json

Flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	rep := versionReport{
		Info:     version.Get(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
		OpenCV:   cvdnn.Version(),
	}
	if rep.Go == "" { // a binary without build information
		rep.Go = runtime.Version()
	}
	rep.ONNXRuntime = ortNotFound
	if err := detect.Init(); err != nil {
		rep.ONNXRuntimeError = err.Error()
	} else if path, v := detect.LoadedLibrary(); v != "" {
		rep.ONNXRuntime, rep.ONNXRuntimeLibrary = v, path
	} else {
		rep.ONNXRuntime = "loaded by another package (version unknown)"
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintln(stdout, rep.Info)
	switch {
	case rep.Revision == "":
		fmt.Fprintln(stdout, "revision     unknown (built without version-control data)")
	default:
		state := "clean"
		if rep.Modified {
			state = "modified"
		}
		fmt.Fprintf(stdout, "revision     %s (%s, %s)\n", rep.Revision, rep.Time, state)
	}
	fmt.Fprintf(stdout, "go           %s %s\n", rep.Go, rep.Platform)
	switch {
	case rep.ONNXRuntimeError != "":
		fmt.Fprintf(stdout, "onnxruntime  %s (%s)\n", rep.ONNXRuntime, rep.ONNXRuntimeError)
	case rep.ONNXRuntimeLibrary != "":
		fmt.Fprintf(stdout, "onnxruntime  %s (%s)\n", rep.ONNXRuntime, rep.ONNXRuntimeLibrary)
	default:
		fmt.Fprintf(stdout, "onnxruntime  %s\n", rep.ONNXRuntime)
	}
	fmt.Fprintf(stdout, "opencv       %s\n", rep.OpenCV)
	return nil
}
