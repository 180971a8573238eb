package main

import (
	"flag"
	"fmt"
	"math"

	"github.com/detparity/detparity/parity"
)

// failureFlags say when failed images make a command that summarises a run
// (run, report, merge) exit 1. A run in which no image could be evaluated
// always does: its numbers would measure nothing.
type failureFlags struct {
	maxFailed   float64
	failOnError bool
}

func addFailureFlags(fs *flag.FlagSet) *failureFlags {
	f := &failureFlags{maxFailed: 1}
	fs.Float64Var(&f.maxFailed, "max-failed", f.maxFailed, "exit 1 when more than this `share` of the images failed to evaluate (0 <= share <= 1; 1: failures are reported only; a run with no evaluated image always exits 1)")
	fs.BoolVar(&f.failOnError, "fail-on-error", false, "exit 1 when any image failed to evaluate (--max-failed 0)")
	return f
}

// validate refuses a --max-failed that cannot be meant, as a usage error.
func (f *failureFlags) validate() error {
	return checkFloat("max-failed", f.maxFailed, f.maxFailed >= 0 && f.maxFailed <= 1, "0 <= share <= 1")
}

// check is the error a result's failures give, or nil: the outputs are written
// first (they list the failures).
func (f *failureFlags) check(res *parity.Result) error {
	failed := len(res.Failed)
	switch {
	case res.Evaluated == 0 && failed > 0:
		first := res.Failed[0]
		return fmt.Errorf("no image could be evaluated: %d of %d failed (first: %s (%s): %s)", failed, res.Images, first.Image, first.Stage, first.Error)
	case res.Evaluated == 0:
		return fmt.Errorf("no image was evaluated (%d images)", res.Images)
	case f.failOnError && failed > 0:
		return fmt.Errorf("%d of %d images failed (--fail-on-error)", failed, res.Images)
	case float64(failed) > f.maxFailed*float64(res.Images):
		return fmt.Errorf("%d of %d images failed (%.1f%%), more than --max-failed %g", failed, res.Images, 100*float64(failed)/float64(res.Images), f.maxFailed)
	}
	return nil
}

// checkFloat is the usage error of a float flag that is NaN, ±Inf or outside
// its range (ok false), naming the flag and what is expected.
func checkFloat(flagName string, v float64, ok bool, want string) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || !ok {
		return fmt.Errorf("%w: --%s %v, expected %s", errUsage, flagName, v, want)
	}
	return nil
}
