package parity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/detparity/detparity/box"
)

// ParseShard reads a shard as "i/n" (1 <= i <= n), e.g. "2/4".
func ParseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(a)
		if err == nil {
			n, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("parity: shard %q, expected i/n with 1 <= i <= n (e.g. 1/4)", s)
	}
	return i, n, nil
}

// Merge combines the results of the shards 1..n of one run (Config.Shard; each
// read back with ReadJSON, in any order) into the result of the unsharded run:
// the same numbers and the same JSON bytes. It recomputes every summary (counts,
// AP, histograms, distances and, when the run had one, the agreement with the
// reference, which it reads again from Result.Reference) from the per-image
// records. It fails when a shard is missing or given twice, when the shards were
// run with different settings, or when a result has no per-image boxes (written
// by an older detparity).
func Merge(shards []*Result) (*Result, error) {
	if len(shards) == 0 {
		return nil, errors.New("parity: merge: no result given")
	}
	first := shards[0]
	_, n, err := ParseShard(first.Shard)
	if err != nil {
		return nil, fmt.Errorf("parity: merge: the first result is not a shard (run with --shard i/n): %w", err)
	}
	if len(shards) != n {
		return nil, fmt.Errorf("parity: merge: %d results for %d shards, expected all of 1/%d..%d/%d", len(shards), n, n, n, n)
	}
	seen := make([]bool, n+1)
	for k, s := range shards {
		i, m, err := ParseShard(s.Shard)
		if err != nil {
			return nil, fmt.Errorf("parity: merge: result %d is not a shard (run with --shard i/n): %w", k+1, err)
		}
		if m != n {
			return nil, fmt.Errorf("parity: merge: result %d is shard %s, the first %s; expected shards of the same split", k+1, s.Shard, first.Shard)
		}
		if seen[i] {
			return nil, fmt.Errorf("parity: merge: shard %d/%d given twice", i, n)
		}
		seen[i] = true
		if err := sameRun(first, s); err != nil {
			return nil, fmt.Errorf("parity: merge: shard %s and shard %s: %w", first.Shard, s.Shard, err)
		}
	}
	images := 0
	for _, s := range shards {
		images += s.Images
	}
	if images != first.DatasetImages {
		return nil, fmt.Errorf("parity: merge: the shards hold %d images, the dataset %d", images, first.DatasetImages)
	}

	cfg := Settings{Conf: first.Conf, MatchIoU: first.MatchIoU, NMSIoU: first.NMSIoU, Floor: first.Floor,
		Bins: len(first.Pipelines[0].HistEdges) - 1, ReferenceFloor: first.ReferenceFloor}
	res := &Result{
		Format: ResultFormat, Model: first.Model, Models: first.Models, ModelSHA256: first.ModelSHA256, Data: first.Data,
		DataSHA256: first.DataSHA256, InputW: first.InputW, InputH: first.InputH, Classes: first.Classes,
		Conf: first.Conf, MatchIoU: first.MatchIoU, NMSIoU: first.NMSIoU, Floor: first.Floor,
		Bins: first.Bins, Layout: first.Layout, StrictLabels: first.StrictLabels, ReferenceSHA256: first.ReferenceSHA256,
		ClassesKept: first.ClassesKept, SingleLabel: first.SingleLabel, ClassAgnostic: first.ClassAgnostic,
		Images: images, Failed: []FailedImage{}, Orphans: first.Orphans, DataWarnings: first.DataWarnings,
	}
	var ref *reference
	if first.Reference != "" {
		// The agreement is recomputed from the reference file: it must still
		// be the one the shards were compared with.
		h, err := fileSHA256(context.Background(), "reference", first.Reference)
		if err != nil {
			return nil, fmt.Errorf("parity: merge: %w", err)
		}
		if h != first.ReferenceSHA256 {
			return nil, fmt.Errorf("parity: merge: the reference %s changed since the shards ran (sha256 %.12s, the shards %.12s): %w", first.Reference, h, first.ReferenceSHA256, ErrDifferentRuns)
		}
		rs, err := first.mergeSettings(cfg)
		if err != nil {
			return nil, err
		}
		if ref, err = readReference(first.Reference, mergeIndex(shards, images), rs); err != nil {
			return nil, err
		}
	}
	col, err := newCollector(cfg, ref, res, first.Pipelines)
	if err != nil {
		return nil, err
	}
	// Every image by id: a failure or its records in each pipeline.
	type entry struct {
		failed *FailedImage
		shard  *Result
		k      int // index into PerImage
	}
	byID := make([]entry, images+1)
	put := func(id int64, e entry, what string) error {
		if id < 1 || id > int64(images) {
			return fmt.Errorf("parity: merge: shard %s: %s has id %d, expected 1..%d", e.shard.Shard, what, id, images)
		}
		if byID[id].shard != nil {
			return fmt.Errorf("parity: merge: image id %d (%s) is in shard %s and shard %s", id, what, byID[id].shard.Shard, e.shard.Shard)
		}
		byID[id] = e
		return nil
	}
	for _, s := range shards {
		for f := range s.Failed {
			if err := put(s.Failed[f].ID, entry{failed: &s.Failed[f], shard: s}, s.Failed[f].Image); err != nil {
				return nil, err
			}
		}
		for k, im := range s.Pipelines[0].PerImage {
			for _, p := range s.Pipelines {
				pi := p.PerImage[k]
				if pi.ID != im.ID || len(pi.DetBoxes) != len(pi.DetScores) || len(pi.DetClasses) != len(pi.DetScores) ||
					len(pi.GTBoxes) != len(pi.GTClasses) {
					return nil, fmt.Errorf("parity: merge: shard %s, pipeline %s, image %s: per-image record without boxes or out of order (written by an older detparity?)", s.Shard, p.Name, pi.Image)
				}
			}
			if err := put(im.ID, entry{shard: s, k: k}, im.Image); err != nil {
				return nil, err
			}
		}
	}
	for id := 1; id <= images; id++ {
		e := byID[id]
		if e.shard == nil {
			return nil, fmt.Errorf("parity: merge: no shard holds image id %d", id)
		}
		if e.failed != nil {
			if err := col.add(&outcome{pos: id - 1, name: e.failed.Image, err: errors.New(e.failed.Error), failAt: e.failed.Stage}); err != nil {
				return nil, err
			}
			continue
		}
		im := e.shard.Pipelines[0].PerImage[e.k]
		o := &outcome{pos: id - 1, name: im.Image, w: im.W, h: im.H, truth: imageTruth(im),
			dets: make([][]box.Detection, len(e.shard.Pipelines))}
		for p := range e.shard.Pipelines {
			pi := e.shard.Pipelines[p].PerImage[e.k]
			dets := make([]box.Detection, len(pi.DetBoxes))
			for d, b := range pi.DetBoxes {
				dets[d] = box.Detection{Box: box64(b), Score: float64(pi.DetScores[d]), Class: int(pi.DetClasses[d])}
			}
			o.dets[p] = dets
		}
		if err := col.add(o); err != nil {
			return nil, err
		}
	}
	if err := col.finish(); err != nil {
		return nil, err
	}
	return res, nil
}

// sameRun checks that two shard results come from the same settings.
func sameRun(a, b *Result) error {
	diff := func(what string, x, y any) error {
		return fmt.Errorf("%s %v vs %v, expected the same run settings", what, x, y)
	}
	if err := sameInputs("shard "+a.Shard, a, "shard "+b.Shard, b); err != nil {
		return err
	}
	switch {
	case len(a.Models) != len(b.Models):
		return diff("models", a.Models, b.Models)
	case a.InputW != b.InputW || a.InputH != b.InputH:
		return diff("input size", fmt.Sprintf("%dx%d", a.InputW, a.InputH), fmt.Sprintf("%dx%d", b.InputW, b.InputH))
	case !slices.Equal(a.Classes, b.Classes):
		return diff("classes", a.Classes, b.Classes)
	case a.Conf != b.Conf || a.MatchIoU != b.MatchIoU || a.NMSIoU != b.NMSIoU || a.Floor != b.Floor:
		return diff("conf/match IoU/NMS IoU/floor", []float64{a.Conf, a.MatchIoU, a.NMSIoU, a.Floor}, []float64{b.Conf, b.MatchIoU, b.NMSIoU, b.Floor})
	case a.Bins != b.Bins || a.Layout != b.Layout || a.StrictLabels != b.StrictLabels:
		return diff("bins/layout/strict labels", fmt.Sprint(a.Bins, " ", a.Layout, " ", a.StrictLabels), fmt.Sprint(b.Bins, " ", b.Layout, " ", b.StrictLabels))
	case !slices.Equal(a.ClassesKept, b.ClassesKept) || a.SingleLabel != b.SingleLabel || a.ClassAgnostic != b.ClassAgnostic:
		return diff("classes/single label/class-agnostic NMS", fmt.Sprint(a.ClassesKept, " ", a.SingleLabel, " ", a.ClassAgnostic),
			fmt.Sprint(b.ClassesKept, " ", b.SingleLabel, " ", b.ClassAgnostic))
	case a.ReferenceSHA256 != b.ReferenceSHA256 || a.ReferenceFloor != b.ReferenceFloor || a.ReferenceIDs != b.ReferenceIDs || a.ReferenceCategories != b.ReferenceCategories:
		return diff("reference (sha256, floor, id schemes)", fmt.Sprintf("%.12s %g %s %s", a.ReferenceSHA256, a.ReferenceFloor, a.ReferenceIDs, a.ReferenceCategories),
			fmt.Sprintf("%.12s %g %s %s", b.ReferenceSHA256, b.ReferenceFloor, b.ReferenceIDs, b.ReferenceCategories))
	case a.DatasetImages != b.DatasetImages:
		return diff("dataset images", a.DatasetImages, b.DatasetImages)
	case !slices.Equal(a.Orphans, b.Orphans):
		return diff("orphan label files", a.Orphans, b.Orphans)
	case len(a.Pipelines) != len(b.Pipelines):
		return diff("pipeline count", len(a.Pipelines), len(b.Pipelines))
	}
	for i := range a.Pipelines {
		p, q := &a.Pipelines[i], &b.Pipelines[i]
		if p.Name != q.Name || p.Pipeline != q.Pipeline || p.Spec != q.Spec || p.Size != q.Size ||
			p.Decoder != q.Decoder || len(p.HistEdges) != len(q.HistEdges) {
			return diff(fmt.Sprintf("pipeline %d", i+1), p.Name+" "+p.Spec, q.Name+" "+q.Spec)
		}
	}
	return nil
}
