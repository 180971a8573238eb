package main

import (
	"flag"
	"io"
	"strings"

	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/parity"
)

// runFlags are the flags of every command that runs models over a dataset
// (run, report): they become a parity.Config.
type runFlags struct {
	models                             stringList
	data, pipes, reference             *string
	conf, iou, nmsIoU, floor, refFloor *float64
	workers, loaders, threads          *int
	quiet                              *bool
}

// addRunFlags registers the shared flags on fs; pipelineNote ends the
// --pipeline help and floorUse says what the score floor feeds.
func addRunFlags(fs *flag.FlagSet, pipelineNote, floorUse string) *runFlags {
	d := parity.DefaultConfig()
	f := &runFlags{}
	fs.Var(&f.models, "model", "ONNX model `file`; repeat to run several models through the same pipelines (e.g. FP32 and FP16)")
	f.data = fs.String("data", "", "dataset `dir` or Ultralytics data .yaml (its val: split): YOLO (images/, labels/, classes.txt|names.txt|data.yaml|config.yaml), COCO (images/, annotations.json), VOC (JPEGImages/, Annotations/) or a split folder (images/val)")
	f.pipes = fs.String("pipeline", "sg-coco", "comma-separated preprocessing `specs`: a preset ("+strings.Join(letterbox.Presets(), ", ")+"), "+pipelineNote)
	f.conf = fs.Float64("conf", d.Conf, "confidence `threshold` of P/R/F1 (a detection counts when score > conf)")
	f.iou = fs.Float64("iou", d.MatchIoU, "IoU a detection needs with a same-class ground truth to be a true positive")
	f.nmsIoU = fs.Float64("nms-iou", d.NMSIoU, "class-aware NMS IoU (torchvision batched_nms)")
	f.floor = fs.Float64("floor", d.Floor, "lowest score kept for "+floorUse+" (<= conf)")
	f.workers = fs.Int("workers", d.Workers, "images run through the model at once (one ONNX Runtime session each)")
	f.loaders = fs.Int("loaders", 0, "goroutines decoding and preprocessing images ahead of the workers (0: one more than workers)")
	f.threads = fs.Int("threads", 0, "ONNX Runtime intra-op threads per session (0: the cores the loaders leave, shared between the workers, at least 1)")
	f.quiet = fs.Bool("quiet", false, "no progress bar on stderr (it is only drawn when stderr is a terminal)")
	f.reference = fs.String("reference", "", "COCO results `json` of reference predictions (scripts/dump_reference.py) to compare every pipeline with, detection by detection")
	f.refFloor = fs.Float64("reference-floor", parity.DefaultReferenceFloor, "score floor the reference was dumped with; only detections above it are compared")
	return f
}

// config is the parity.Config the flags describe, with a progress bar on stderr.
func (f *runFlags) config(stderr io.Writer) parity.Config {
	return parity.Config{
		Models: f.models, Data: *f.data, Pipelines: parity.SplitPipelines(*f.pipes),
		Conf: *f.conf, MatchIoU: *f.iou, NMSIoU: *f.nmsIoU, Floor: *f.floor,
		Workers: *f.workers, Loaders: *f.loaders, Threads: *f.threads, Reference: *f.reference, ReferenceFloor: *f.refFloor,
		Progress: progressBar(stderr, *f.quiet, "images"),
	}
}
