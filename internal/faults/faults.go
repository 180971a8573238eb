// Package faults names the points of the data path where a test may inject a
// fault: a SIGKILL while outputs are being written, a signal after the last
// image was queued. It sits beside the data path, not on it: production code
// calls At("name") at each point, which does nothing unless a test process set
// Hook before starting the work (cmd/detparity's tests re-run the test binary
// as the detparity command with a Hook that kills or signals the process).
package faults

// Hook is called, when set, at every named point with the point's name. Set it
// before any work starts and never change it afterwards: it is read from
// several goroutines without a lock.
var Hook func(point string)

// At marks the named point of the data path: it calls Hook when one is set.
func At(point string) {
	if h := Hook; h != nil {
		h(point)
	}
}
