package parity

import (
	"fmt"
	"math"
)

// NA is what tables print for a statistic that was not measured: a precision
// without any detection, a recall without ground truth, a COCO AP without
// ground truth (pycocotools' -1), a distance between empty samples. A number
// there would read as measured.
const NA = "n/a"

// statCell formats v with format when it is defined, else NA, right-aligned to
// the width of format's output for 0.
func statCell(format string, v float64, defined bool) string {
	if !defined || math.IsNaN(v) {
		return fmt.Sprintf("%*s", len(fmt.Sprintf(format, 0.0)), NA)
	}
	return fmt.Sprintf(format, v)
}

// Defined statistics of a pipeline: precision needs a detection at conf,
// recall a ground truth, F1 either, AP a ground truth (COCO gives -1 without).
func (p *PipelineResult) precisionDefined() bool { return p.TP+p.FP > 0 }
func (p *PipelineResult) recallDefined() bool    { return p.GT > 0 }
func (p *PipelineResult) f1Defined() bool        { return p.TP+p.FP+p.FN > 0 }
func apDefined(v float64) bool                   { return v >= 0 }
