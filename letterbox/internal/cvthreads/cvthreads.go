// Package cvthreads sets the number of threads OpenCV's parallel loops use
// (cv::setNumThreads), which gocv v0.31.0 does not expose. It exists for the
// letterbox benchmarks, which compare the Go plan with OpenCV at equal thread
// counts; it links OpenCV (cgo, pkg-config opencv4) like gocv does.
package cvthreads

/*
#cgo pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include "cvthreads.h"
*/
import "C"

// Set is cv::setNumThreads(n): n <= 0 restores OpenCV's default.
func Set(n int) { C.cvthreads_set(C.int(n)) }

// Get is cv::getNumThreads(): the threads OpenCV's parallel loops use.
func Get() int { return int(C.cvthreads_get()) }
