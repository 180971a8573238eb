package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/detparity/detparity/letterbox"
	"github.com/detparity/detparity/parity"
)

// addSettingsFlags binds the evaluation settings every command that runs a
// model shares (parity.Settings) to fs, with the defaults of s: one set of
// flags, one set of defaults. floorUse says what the score floor feeds.
func addSettingsFlags(fs *flag.FlagSet, s *parity.Settings, floorUse string) {
	fs.Float64Var(&s.Conf, "conf", s.Conf, "confidence `threshold` of P/R/F1 (a detection counts when score > conf; 0 <= conf < 1)")
	fs.Float64Var(&s.MatchIoU, "iou", s.MatchIoU, "IoU a detection needs with a same-class ground truth to be a true positive (0 < iou <= 1)")
	fs.Float64Var(&s.NMSIoU, "nms-iou", s.NMSIoU, "class-aware NMS IoU (torchvision batched_nms; 0 < nms-iou <= 1)")
	fs.Float64Var(&s.Floor, "floor", s.Floor, "lowest score kept for "+floorUse+" (0 <= floor <= conf)")
	fs.IntVar(&s.Bins, "bins", s.Bins, "histogram bins of the confidence distributions on [0,1]")
	fs.Float64Var(&s.ReferenceFloor, "reference-floor", s.ReferenceFloor, "score floor the --reference predictions were dumped with; only detections above it are compared")
	fs.StringVar(&s.ReferenceIDs, "reference-ids", s.ReferenceIDs, "what the --reference image_ids are: "+strings.Join(parity.ReferenceIDSchemes, ", ")+
		" (position: 1-based in the sorted image list; stem: file name without extension, Ultralytics' predictions.json; coco: the COCO dataset's ids; auto: the one under which every id resolves)")
	fs.StringVar(&s.ReferenceCategories, "reference-categories", s.ReferenceCategories, "what the --reference category_ids are: "+strings.Join(parity.ReferenceCategorySchemes, ", ")+
		" (index: class index; dataset: the COCO dataset's ids; coco91: COCO ids of the 80 COCO classes, Ultralytics' coco80_to_coco91_class; index1: class index + 1, Ultralytics val() on custom data; auto: the one under which every id resolves)")
	fs.IntVar(&s.Workers, "workers", s.Workers, "images run through the model at once (one ONNX Runtime session each)")
	fs.IntVar(&s.Loaders, "loaders", s.Loaders, fmt.Sprintf("goroutines decoding and preprocessing images ahead of the workers (%d: one more than workers)", parity.Auto))
	fs.IntVar(&s.Threads, "threads", s.Threads, fmt.Sprintf("ONNX Runtime intra-op threads per session (%d: the cores the loaders leave, shared between the workers, at least 1)", parity.Auto))
	fs.StringVar(&s.Layout, "layout", s.Layout, "model output `layout`: auto or one of "+layoutNames())
	fs.Func("classes", "evaluate a subset of the model's classes: for each label class in order, the model class it is, as an index or a name of the model's metadata (e.g. person, or 0, for person-only labels and an 80-class COCO model)", func(v string) error {
		s.Classes = nil
		for _, c := range strings.Split(v, ",") {
			s.Classes = append(s.Classes, strings.TrimSpace(c))
		}
		return nil
	})
	fs.BoolVar(&s.StrictLabels, "strict-labels", s.StrictLabels, "an image without a label file fails instead of counting as a background image")
	fs.IntVar(&s.Limit, "limit", s.Limit, "use at most `N` images, evenly spaced over the sorted list, each keeping its position as its id (0: every image)")
}

// addQuietFlag registers --quiet, the switch of the progress bar.
func addQuietFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("quiet", false, "no progress bar on stderr (it is only drawn when stderr is a terminal)")
}

// addReferenceFlag registers --reference.
func addReferenceFlag(fs *flag.FlagSet, ref *string, use string) {
	fs.StringVar(ref, "reference", "", "COCO results `json` of reference predictions (a Python pipeline: scripts/reference/) to "+use+
		"; image and category ids as --reference-ids and --reference-categories say")
}

// checkSettings turns settings that cannot be meant into a usage error (exit 2)
// naming the flag.
func checkSettings(s parity.Settings) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// runFlags are the flags of every command that runs models over a dataset
// (run, report): a parity.Config.
type runFlags struct {
	cfg    parity.Config
	models stringList
	pipes  string
	quiet  *bool
	// bar is the progress bar config made (nil when none is drawn).
	bar *bar
}

// addRunFlags registers the shared flags on fs; pipelineNote ends the
// --pipeline help and floorUse says what the score floor feeds.
func addRunFlags(fs *flag.FlagSet, pipelineNote, floorUse string) *runFlags {
	f := &runFlags{cfg: parity.DefaultConfig()}
	fs.Var(&f.models, "model", "ONNX model `file`; repeat to run several models through the same pipelines (e.g. FP32 and FP16)")
	addDataFlag(fs, &f.cfg.Data)
	fs.StringVar(&f.pipes, "pipeline", "", "comma-separated preprocessing `specs`: a preset ("+strings.Join(letterbox.Presets(), ", ")+"), "+pipelineNote+", or tensors:dir=DIR,unmap=SPEC (default: the one the model's metadata names, e.g. ultralytics for an Ultralytics export)")
	addSettingsFlags(fs, &f.cfg.Settings, floorUse)
	f.quiet = addQuietFlag(fs)
	addReferenceFlag(fs, &f.cfg.Reference, "compare every pipeline with, detection by detection")
	return f
}

// addDataFlag registers --data.
func addDataFlag(fs *flag.FlagSet, data *string) {
	fs.StringVar(data, "data", "", "dataset `dir` or Ultralytics data .yaml (its val: split): YOLO (images/, labels/, classes.txt|names.txt|data.yaml|config.yaml), COCO (images/, annotations.json), VOC (JPEGImages/, Annotations/) or a split folder (images/val)")
}

// config is the parity.Config the flags describe, with a progress bar on
// stderr (f.bar); settings and pipelines that cannot be meant are a usage
// error.
func (f *runFlags) config(stderr io.Writer) (parity.Config, error) {
	c := f.cfg
	c.Models, c.Pipelines = f.models, parity.SplitPipelines(f.pipes)
	if err := checkSettings(c.Settings); err != nil {
		return c, err
	}
	if err := checkPipelines(c.Pipelines); err != nil {
		return c, err
	}
	f.bar = progressBar(stderr, *f.quiet)
	c.Progress = f.bar.callback()
	return c, nil
}

// addFormatFlag registers --format, the same in every command: text for
// people (tables where there are numbers), json for programs.
func addFormatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", "text", "output format: text or json (table: the same as text)")
}

// checkFormat refuses a --format other than text, table or json.
func checkFormat(format string) error {
	switch format {
	case "text", "table", "json":
		return nil
	}
	return fmt.Errorf("%w: --format %q, expected text or json", errUsage, format)
}
