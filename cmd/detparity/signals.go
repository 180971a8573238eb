package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// signalCause is the cause of a run cancelled by SIGINT (Ctrl-C) or SIGTERM. It
// unwraps to context.Canceled, so every error of a cancelled run is one.
type signalCause struct{ sig syscall.Signal }

func (c signalCause) Error() string {
	if c.sig == syscall.SIGTERM {
		return "signal SIGTERM"
	}
	return "signal SIGINT"
}

func (c signalCause) Unwrap() error { return context.Canceled }

// exitCode is the shell's convention for a process ended by the signal: 128+n
// (130 for SIGINT, 143 for SIGTERM).
func (c signalCause) exitCode() int { return 128 + int(c.sig) }

// cancellable are the commands that honour a cancelled context at every stage
// and write their outputs through internal/outset: they catch SIGINT and
// SIGTERM (withSignals). A command not listed is ended by a signal at once, as
// any program: one that ignored the context would otherwise ignore Ctrl-C.
var cancellable = map[string]bool{"run": true, "report": true, "merge": true, "preprocess": true, "diagnose": true, "compare-backends": true}

// withSignals returns ctx cancelled, with a signalCause, at the first SIGINT or
// SIGTERM: the command stops at the stage it is in, writes nothing and exits
// 130 or 143. A second signal exits at once with its code; an output set being
// written then is completed or cleaned at the next start (internal/outset).
func withSignals(parent context.Context, stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		var first signalCause
		select {
		case s := <-ch:
			first = signalCause{s.(syscall.Signal)}
			cancel(first)
		case <-done:
			return
		}
		select {
		case s := <-ch:
			second := signalCause{s.(syscall.Signal)}
			fmt.Fprintf(stderr, "\ndetparity: second %s: exiting at once\n", second)
			os.Exit(second.exitCode())
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// interruptedCode is the exit status of a command whose context was cancelled:
// 128 + the signal's number, or 130 (as for Ctrl-C) when no signal caused it.
func interruptedCode(ctx context.Context) int {
	var sc signalCause
	if errors.As(context.Cause(ctx), &sc) {
		return sc.exitCode()
	}
	return 130
}
