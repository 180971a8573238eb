package parity

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// WriteCOCOResults writes the detections of the named pipeline, in source pixels,
// as a COCO results array [{"image_id", "category_id", "bbox": [x, y, w, h],
// "score"}, ...] that pycocotools' loadRes, FiftyOne or `detparity eval` read:
// For a COCO dataset image_id and category_id are the dataset's own; otherwise
// image_id is the image's 1-based position in the dataset's sorted image list
// (ImageRecord.ID; the convention of `detparity eval` for YOLO directories) and
// category_id the class index. Every detection above the run's score floor is
// written, images in dataset order, each image's detections in NMS order
// (descending score). Numbers are the shortest decimal that reads back exactly.
// It needs the in-memory records (a result from Run, not ReadJSON).
func (r *Result) WriteCOCOResults(w io.Writer, pipeline string) error {
	k := -1
	for i := range r.Pipelines {
		if r.Pipelines[i].Name == pipeline {
			k = i
		}
	}
	if k < 0 {
		return fmt.Errorf("parity: no pipeline %q in the result", pipeline)
	}
	recs := r.Records()
	if recs == nil && r.Evaluated > 0 {
		return fmt.Errorf("parity: pipeline %q: no detections kept (a result read from JSON has none; run it again)", pipeline)
	}
	bw := bufio.NewWriter(w)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	bw.WriteString("[")
	first := true
	for _, rec := range recs {
		for _, d := range rec.Dets[k] {
			if !first {
				bw.WriteString(",")
			}
			first = false
			id, cat := rec.ID, int64(d.Class)
			if r.cocoIDs != nil {
				id, cat = r.cocoIDs(rec.ID, d.Class)
			}
			fmt.Fprintf(bw, "\n{\"image_id\":%d,\"category_id\":%d,\"bbox\":[%s,%s,%s,%s],\"score\":%s}",
				id, cat, f(d.X1), f(d.Y1), f(d.W()), f(d.H()), f(d.Score))
		}
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

// PredictionsPath is the file `detparity run --predictions-out OUT` writes the
// named pipeline's detections to: OUT with ".NAME" inserted before its extension
// (P.json → P.sg-coco.json), NAME with every character other than letters,
// digits, '.', '-' and '_' replaced by '_' (b.onnx/sg-coco → b.onnx_sg-coco).
func PredictionsPath(out, pipeline string) string {
	ext := filepath.Ext(out)
	if ext == "" {
		ext = ".json"
	}
	clean := strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			return c
		}
		return '_'
	}, pipeline)
	return strings.TrimSuffix(out, filepath.Ext(out)) + "." + clean + ext
}

// WriteCOCOGroundTruth writes the ground truth of the evaluated images as a
// COCO instances file {"images", "annotations", "categories"} with the image
// and category ids WriteCOCOResults gives the detections, so that pycocotools,
// FiftyOne and `detparity eval` take the pair as it is and evaluate what the
// run evaluated: the boxes as the run keeps them (float32 corners; bbox [x, y,
// w, h] in source pixels, area w*h, iscrowd 0; crowd regions of a COCO
// dataset are not in the run), every class as a category (named), images in
// dataset order with file_name (relative to the images folder), width and
// height. Failed images are left out, as they are of the metrics. It needs the
// in-memory records (a result from Run, not ReadJSON).
func (r *Result) WriteCOCOGroundTruth(w io.Writer) error {
	recs := r.Records()
	if recs == nil && r.Evaluated > 0 {
		return errors.New("parity: no ground truth kept (a result read from JSON has none; run it again)")
	}
	ids := func(pos int64, class int) (int64, int64) {
		if r.cocoIDs != nil {
			return r.cocoIDs(pos, class)
		}
		return pos, int64(class)
	}
	bw := bufio.NewWriter(w)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	str := func(s string) string {
		b, _ := json.Marshal(s) // a string always marshals
		return string(b)
	}
	bw.WriteString("{\"images\": [")
	for k, rec := range recs {
		if k > 0 {
			bw.WriteString(",")
		}
		id, _ := ids(rec.ID, 0)
		fmt.Fprintf(bw, "\n{\"id\":%d,\"file_name\":%s,\"width\":%d,\"height\":%d}", id, str(rec.Name), rec.W, rec.H)
	}
	bw.WriteString("\n],\n\"annotations\": [")
	ann := int64(1) // pycocotools treats annotation id 0 as "no match"
	for _, rec := range recs {
		for _, g := range rec.GT {
			if ann > 1 {
				bw.WriteString(",")
			}
			id, cat := ids(rec.ID, g.Class)
			fmt.Fprintf(bw, "\n{\"id\":%d,\"image_id\":%d,\"category_id\":%d,\"bbox\":[%s,%s,%s,%s],\"area\":%s,\"iscrowd\":0}",
				ann, id, cat, f(g.X1), f(g.Y1), f(g.W()), f(g.H()), f(g.W()*g.H()))
			ann++
		}
	}
	bw.WriteString("\n],\n\"categories\": [")
	for c, name := range r.Classes {
		if c > 0 {
			bw.WriteString(",")
		}
		_, cat := ids(1, c)
		fmt.Fprintf(bw, "\n{\"id\":%d,\"name\":%s}", cat, str(name))
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}
