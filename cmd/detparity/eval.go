package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/internal/textsafe"
	"github.com/detparity/detparity/metrics"
	"github.com/detparity/detparity/parity"
)

func init() {
	register("eval", "COCO mAP (pycocotools-exact) and Ultralytics mAP of a COCO results file against COCO or YOLO ground truth", cmdEval)
}

// evalOutput is the JSON of `detparity eval`. Field order is fixed and every slice is
// sorted, so the same inputs give the same bytes.
type evalOutput struct {
	GT       string `json:"gt"`
	GTFormat string `json:"gt_format"`
	DT       string `json:"dt"`
	Images   int    `json:"images"`
	// UnlabelledImages are YOLO images without a label file, evaluated as background.
	UnlabelledImages []string `json:"unlabelled_images,omitempty"`
	Detections       int      `json:"detections"`
	// Definitions say which definition each block follows.
	Definitions map[string]string         `json:"definitions"`
	COCO        metrics.COCOStats         `json:"coco"`
	PerCategory []evalCategory            `json:"coco_per_category"`
	Dropped     evalDropped               `json:"dropped"`
	Ultralytics metrics.UltralyticsResult `json:"ultralytics"`
}

type evalCategory struct {
	metrics.COCOCategoryResult
	Name string `json:"name"`
}

type evalDropped struct {
	GT   int `json:"gt"`
	Dets int `json:"dets"`
}

const (
	defCOCO        = "pycocotools COCOeval, iouType bbox, default Params: IoU 0.50:0.05:0.95, 101 recall points, maxDets 1/10/100, areas on the GT area field; -1 where a category has no GT"
	defUltralytics = "Ultralytics ap_per_class: IoU-first matching, 101-point interpolation + trapezoid, P/R at the max smoothed mean-F1 confidence; crowd GT removed; class = index of the category id in ascending order"
)

func cmdEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	gtPath := fs.String("gt", "", "ground truth: a COCO instances `json` file, or a YOLO dataset dir (images/, labels/, names)")
	dtPath := fs.String("dt", "", "detections: a COCO results `json` file [{image_id, category_id, bbox, score}, ...]")
	format := addFormatFlag(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: detparity eval --gt GT --dt DT.json [--format text|json]

Evaluates COCO-format detections two ways: the 12 COCO numbers exactly as pycocotools'
COCOeval prints them (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl) with
per-category AP, and Ultralytics' P, R, mAP50 and mAP50-95 (a different definition).

GT is a COCO instances json, or a YOLO dataset dir; for a dir, image_id is the 1-based
position of the image in the name-sorted list of images, category_id the class index
(0-based), each box's area its w*h and iscrowd 0. Images without a label file count as
background and are listed.

Example:
  detparity eval --gt instances_val.json --dt detections.json --format json

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
	if *gtPath == "" || *dtPath == "" {
		return fmt.Errorf("%w: eval needs --gt and --dt (see detparity eval -h)", errUsage)
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	out := evalOutput{GT: *gtPath, DT: *dtPath, Definitions: map[string]string{"coco": defCOCO, "ultralytics": defUltralytics}}
	var gt *metrics.COCOGroundTruth
	st, err := os.Stat(*gtPath)
	if err != nil {
		return fmt.Errorf("--gt: %w", err)
	}
	if st.IsDir() {
		out.GTFormat = "yolo"
		if gt, out.UnlabelledImages, err = yoloGroundTruth(ctx, *gtPath); err != nil {
			return err
		}
	} else {
		out.GTFormat = "coco"
		if gt, err = metrics.ReadCOCOGroundTruth(*gtPath); err != nil {
			return err
		}
	}
	dts, err := metrics.ReadCOCOResults(*dtPath, gt)
	if err != nil {
		return err
	}
	out.Images, out.Detections = len(gt.Images), len(dts)
	// The two definitions are independent: evaluate them side by side.
	var ultra metrics.UltralyticsResult
	var ultraErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		ultra, ultraErr = ultralyticsFromCOCO(gt, dts)
	}()
	sum, err := metrics.EvaluateCOCO(gt, dts)
	<-done
	if err != nil {
		return err
	}
	if ultraErr != nil {
		return ultraErr
	}
	out.Ultralytics = ultra
	out.COCO = sum.Stats
	out.Dropped = evalDropped{GT: sum.DroppedGT, Dets: sum.DroppedDets}
	names := map[int64]string{}
	for _, c := range gt.Categories {
		names[c.ID] = c.Name
	}
	for _, c := range sum.PerCategory {
		out.PerCategory = append(out.PerCategory, evalCategory{COCOCategoryResult: c, Name: names[c.CategoryID]})
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return writeEvalTable(stdout, out)
}

// yoloGroundTruth converts a YOLO dataset dir to a COCO ground truth (see cmdEval's
// usage for the id conventions).
func yoloGroundTruth(ctx context.Context, dir string) (*metrics.COCOGroundTruth, []string, error) {
	opts := dataset.DefaultOptions()
	opts.StrictLabels = true // eval lists unlabelled images itself (ErrNoLabel below)
	ds, err := dataset.Open(ctx, dir, opts)
	if err != nil {
		return nil, nil, err
	}
	gt := &metrics.COCOGroundTruth{Path: dir}
	for c, n := range ds.Names {
		gt.Categories = append(gt.Categories, metrics.COCOCategory{ID: int64(c), Name: n})
	}
	var unlabelled []string
	annID := int64(1)
	for i, it := range ds.Items {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		w, h, err := dataset.DecodeConfig(it.ImagePath)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", it.ImagePath, err)
		}
		id := int64(i + 1)
		gt.Images = append(gt.Images, metrics.COCOImage{ID: id, FileName: it.Name, Width: w, Height: h})
		objs, err := ds.Labels(it, w, h)
		if errors.Is(err, dataset.ErrNoLabel) {
			unlabelled = append(unlabelled, it.Name)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		for _, o := range objs {
			bw, bh := o.W(), o.H()
			gt.Annotations = append(gt.Annotations, metrics.COCOAnnotation{
				ID: annID, ImageID: id, CategoryID: int64(o.Class),
				BBox: [4]float64{o.X1, o.Y1, bw, bh}, Area: bw * bh,
			})
			annID++
		}
	}
	return gt, unlabelled, nil
}

// ultralyticsFromCOCO runs the Ultralytics definition on COCO data: class = index of
// the category id in ascending order, crowd annotations removed (Ultralytics' COCO
// converter skips them), annotations and detections of unlisted images or categories
// left out, images in ascending id order.
func ultralyticsFromCOCO(gt *metrics.COCOGroundTruth, dts []metrics.COCODetection) (metrics.UltralyticsResult, error) {
	cats := make([]int64, len(gt.Categories))
	for i, c := range gt.Categories {
		cats[i] = c.ID
	}
	slices.Sort(cats)
	if len(cats) == 0 {
		return metrics.UltralyticsResult{}, nil
	}
	class := map[int64]int{}
	for i, id := range cats {
		class[id] = i
	}
	ids := make([]int64, len(gt.Images))
	for i, im := range gt.Images {
		ids[i] = im.ID
	}
	slices.Sort(ids)
	pos := map[int64]int{}
	for i, id := range ids {
		pos[id] = i
	}
	objs := make([][]box.Object, len(ids))
	for _, a := range gt.Annotations {
		i, okI := pos[a.ImageID]
		c, okC := class[a.CategoryID]
		if !okI || !okC || a.IsCrowd {
			continue
		}
		b := a.BBox
		objs[i] = append(objs[i], box.Object{Box: box.Box{X1: b[0], Y1: b[1], X2: b[0] + b[2], Y2: b[1] + b[3]}, Class: c})
	}
	// The detections of each image, as indices into dts in file order (a counting sort
	// by image), converted one image at a time.
	imageOf := make([]int32, len(dts))
	start := make([]int, len(ids)+1)
	for j, d := range dts {
		var i int
		if j > 0 && d.ImageID == dts[j-1].ImageID {
			i = int(imageOf[j-1]) // results come grouped by image: look each up once
		} else {
			i = pos[d.ImageID]
		}
		imageOf[j] = int32(i)
		start[i+1]++
	}
	for i := range ids {
		start[i+1] += start[i]
	}
	byImage, next := make([]int32, len(dts)), slices.Clone(start)
	for j, i := range imageOf {
		byImage[next[i]] = int32(j)
		next[i]++
	}
	u, err := metrics.NewUltralyticsAccumulator(len(cats))
	if err != nil {
		return metrics.UltralyticsResult{}, err
	}
	var dets []box.Detection
	for i := range ids {
		dets = dets[:0]
		for _, j := range byImage[start[i]:start[i+1]] {
			d := &dts[j]
			c, ok := class[d.CategoryID]
			if !ok {
				continue
			}
			b := d.BBox
			dets = append(dets, box.Detection{Box: box.Box{X1: b[0], Y1: b[1], X2: b[0] + b[2], Y2: b[1] + b[3]}, Score: d.Score, Class: c})
		}
		if err := u.Add(objs[i], dets); err != nil {
			return metrics.UltralyticsResult{}, fmt.Errorf("image %d: %w", ids[i], err)
		}
	}
	res := u.Result()
	for k := range res.Classes {
		res.Classes[k].Class = int(cats[res.Classes[k].Class]) // report category ids
	}
	return res, nil
}

func writeEvalTable(w io.Writer, out evalOutput) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "ground truth %s (%s), %d images; detections %s, %d\n", textsafe.Name(out.GT), out.GTFormat, out.Images, textsafe.Name(out.DT), out.Detections)
	if n := len(out.UnlabelledImages); n > 0 {
		fmt.Fprintf(tw, "%d images without a label file, evaluated as background (first: %s)\n", n, textsafe.Name(out.UnlabelledImages[0]))
	}
	if out.Dropped.GT+out.Dropped.Dets > 0 {
		fmt.Fprintf(tw, "not evaluated (unlisted image or category): %d annotations, %d detections\n", out.Dropped.GT, out.Dropped.Dets)
	}
	fmt.Fprintln(tw, "\nCOCO (pycocotools definition)")
	labels := [12]string{
		"Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
		"Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]",
		"Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ]",
		"Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
		"Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
		"Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
		"Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]",
		"Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]",
		"Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
		"Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
		"Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
		"Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
	}
	// pycocotools prints -1.000 where nothing was measured (no ground truth in
	// the area range or category); the table says n/a (the JSON keeps -1).
	for i, v := range out.COCO.Array() {
		fmt.Fprintf(tw, "  %-5s\t%s = %s\n", metrics.COCOStatNames[i], labels[i], cocoStat(v))
	}
	fmt.Fprintln(tw, "\n  category\tname\tGT\tdets\tAP\tAP50\tAP75\tAR100")
	for _, c := range out.PerCategory {
		fmt.Fprintf(tw, "  %d\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", c.CategoryID, textsafe.Name(c.Name), c.GT, c.Dets, cocoStat(c.AP), cocoStat(c.AP50), cocoStat(c.AP75), cocoStat(c.AR100))
	}
	u := out.Ultralytics
	fmt.Fprintln(tw, "\nUltralytics (ap_per_class definition; not comparable with the COCO numbers)")
	fmt.Fprintf(tw, "  all\tP %.3f\tR %.3f\tmAP50 %.3f\tmAP50-95 %.3f\t(P, R at conf %.3f)\n", u.P, u.R, u.MAP50, u.MAP50_95, u.Conf)
	for _, c := range u.Classes {
		fmt.Fprintf(tw, "  %d\tP %.3f\tR %.3f\tmAP50 %.3f\tmAP50-95 %.3f\t(%d GT)\n", c.Class, c.P, c.R, c.AP50, c.AP, c.GT)
	}
	return tw.Flush()
}

// cocoStat prints a COCO statistic, n/a for pycocotools' -1 (not measured).
func cocoStat(v float64) string {
	if v < 0 {
		return parity.NA
	}
	return fmt.Sprintf("%.3f", v)
}
