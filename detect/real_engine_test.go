//go:build realmodels

package detect_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/dataset"
	"github.com/detparity/detparity/parity"
)

// The engine-level half of the real-model suite: parity.Run and parity.Diagnose, the way users run detparity,
// on the models and references of realCases.

const (
	// realAPTol is how far parity.Run's COCO AP may be from pycocotools' on the same detections: the reference
	// runs the model through OpenCV DNN, whose scores and boxes differ from ONNX Runtime's by ~1e-6, which can
	// reorder near-equal scores in the precision/recall curve.
	realAPTol = 1e-4
	// realPolicyTol bounds the difference from the authors' own metrics (metrics.json). It is not a rounding
	// tolerance: parity's engine post-processes every model the same way (multi-label, class-aware NMS,
	// detect.DefaultOptions), where YOLOX's demo and FastestDet's runtime take the arg-max class and run one
	// class-agnostic NMS; parity.Settings has no switch for either. On the same decoded outputs with the engine's
	// post-processing (metrics_engine.json) the numbers are equal; the post-processing alone moves them by up to
	// 0.024 (YOLOX-Nano's precision). 0.03 still catches a wrong box or class mapping, which moves AP by far more.
	realPolicyTol = 0.03
)

// realMetrics is a reference's own metrics (metrics.json, metrics_engine.json; scripts/reference/real_metrics.py).
type realMetrics struct {
	AP50_95 float64 `json:"ap50_95"`
	AP50    float64 `json:"ap50"`
	AP75    float64 `json:"ap75"`
	Dets    int     `json:"detections"`
	PRF     struct {
		Conf, IoU, Precision, Recall, F1 float64
		GT, TP, FP, FN                   int
	} `json:"prf"`
}

// refFiles are the reference and metrics files of case c that use the engine's post-processing: the authors'
// own where their post-processing is the engine's (one class), else the *_engine.json files computed from the
// same decoded outputs (real_<family>.py --post engine).
func (c realCase) refFiles() (ref, metrics string) {
	if c.engineRef {
		return "reference_engine.json", "metrics_engine.json"
	}
	return "reference.json", "metrics.json"
}

// conf is the confidence of the thresholded metrics: that of metrics.json where the images have labels, else
// the reference's floor.
func (c realCase) conf(t *testing.T) float64 {
	if !c.labels {
		return c.opts.Conf
	}
	var m realMetrics
	readRealJSON(t, filepath.Join(c.name, "metrics.json"), &m)
	return m.PRF.Conf
}

// realSettings are the engine settings of case c: the reference's floor (also the floor of the reference
// comparison) and NMS IoU, conf for the thresholded metrics, the layout Inspect names.
func realSettings(t *testing.T, c realCase) parity.Settings {
	s := parity.DefaultSettings()
	s.Conf, s.Floor, s.NMSIoU, s.ReferenceFloor, s.Layout = c.conf(t), c.opts.Conf, c.opts.IoU, c.opts.Conf, string(c.layout)
	return s
}

// realReferencePath is the path of case c's reference file in detparity's conventions: the committed file, or
// a copy mapped by c.refScore and c.refRescale.
func realReferencePath(t *testing.T, root string, c realCase, file string) string {
	t.Helper()
	if c.refScore == nil && c.refRescale == nil {
		return filepath.Join("testdata", "real", c.name, file)
	}
	rows, _ := realReference(t, root, c, file)
	data, err := json.Marshal(rows)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), c.name+"_"+file)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

// realDataset is the dataset folder parity opens for case c: the data folder when it is labelled, else a folder
// of our own holding a link to its images/ and a one-class names file, so that every image is a background
// image (no label file).
func realDataset(t *testing.T, root string, c realCase) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(root, c.data))
	require.NoError(t, err)
	if c.labels {
		return dir
	}
	tmp := t.TempDir()
	require.NoError(t, os.Symlink(filepath.Join(dir, "images"), filepath.Join(tmp, "images")))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "classes.txt"), []byte("face\n"), 0o644))
	return tmp
}

// perImageDetections are the detections parity kept for one image (source pixels).
func perImageDetections(im parity.ImageCounts) []box.Detection {
	dets := make([]box.Detection, len(im.DetBoxes))
	for k, b := range im.DetBoxes {
		dets[k] = box.Detection{Box: box.Box{X1: float64(b[0]), Y1: float64(b[1]), X2: float64(b[2]), Y2: float64(b[3])},
			Score: float64(im.DetScores[k]), Class: int(im.DetClasses[k])}
	}
	return dets
}

// TestRealEngine runs every real detector through parity.Run with its right spec on its images, with its
// reference as Config.Reference, and asserts:
//   - the detections agree with the reference (the suite's comparison, >= 99.5 %, pairs the same detection) and
//     parity's own reference comparison (IoU >= 0.9) agrees >= 99.5 %, or, where the reference truncates its
//     corners to integers, its matched pairs are within 1 px and 1e-4 in score;
//   - labelled images: GT, TP, FP, FN equal to the reference's own at the same conf, P/R/F1 equal, COCO AP, AP50,
//     AP75 within realAPTol of pycocotools on the reference, all with the engine's post-processing; and within
//     realPolicyTol of the authors' own metrics.json (see realPolicyTol for why they are not equal);
//   - face images (no box labels): nothing can be measured against ground truth — every image is a background
//     image (counted in the dataset warnings), GT and TP are 0, every detection above conf is a FP and COCO AP is
//     -1 (pycocotools' value without ground truth); only the agreement with the reference says the run is right.
func TestRealEngine(t *testing.T) {
	root := realDataRoot(t)
	for _, c := range realCases {
		t.Run(c.name, func(t *testing.T) {
			refFile, metricsFile := c.refFiles()
			cfg := parity.DefaultConfig()
			cfg.Settings = realSettings(t, c)
			cfg.Model = filepath.Join(root, "models", c.model)
			cfg.Data = realDataset(t, root, c)
			cfg.Pipelines = []string{c.spec}
			cfg.Reference = realReferencePath(t, root, c, refFile)
			res, err := parity.Run(context.Background(), cfg)
			require.NoError(t, err)
			require.Len(t, res.Pipelines, 1)
			p := res.Pipelines[0]
			require.Zero(t, p.Failed, "failed images: %v", res.Failed)
			t.Logf("%s: parity.Run %s on %d images at conf %g: GT %d TP %d FP %d FN %d P %.4f R %.4f F1 %.4f "+
				"AP %.6f AP50 %.6f AP75 %.6f", c.name, p.Spec, p.Images, cfg.Conf, p.GT, p.TP, p.FP, p.FN,
				p.Precision, p.Recall, p.F1, p.AP, p.AP50, p.AP75)

			_, refBy := realReference(t, root, c, refFile)
			intCorners := c.intCorners && !c.engineRef // the engine's post-processing keeps the corners
			var a agreement
			for _, im := range p.PerImage {
				a.add(im.Image, refBy[int(im.ID)], perImageDetections(im), intCorners)
			}
			t.Logf("%s: detections vs %s: reference %d, parity %d, matched %d (agreement %.4f), %d the same "+
				"detection; parity's comparison: %s", c.name, refFile, a.ref, a.got, a.matched, a.rate(), a.same,
				p.Reference.Summary())
			require.NotZero(t, a.ref)
			require.GreaterOrEqual(t, a.rate(), realAgreementMin, "first disagreements:\n%s", strings.Join(a.firstMisses, "\n"))
			require.GreaterOrEqual(t, float64(a.same), realAgreementMin*float64(a.matched))
			if intCorners {
				// parity matches at IoU >= 0.9, which a corner truncated by up to 1 px fails on small faces.
				require.Less(t, p.Reference.BoxErrMax, 1.0, "box error of the matched pairs, px")
				require.LessOrEqual(t, p.Reference.ScoreDiffMax, realSameScore)
			} else {
				require.GreaterOrEqual(t, p.Reference.Fraction, realAgreementMin, p.Reference.Summary())
			}

			if !c.labels {
				requireBackgroundRun(t, res, p, a.got)
				return
			}
			var want realMetrics
			readRealJSON(t, filepath.Join(c.name, metricsFile), &want)
			require.Equal(t, []int{want.PRF.GT, want.PRF.TP, want.PRF.FP, want.PRF.FN}, []int{p.GT, p.TP, p.FP, p.FN},
				"GT, TP, FP, FN against %s", metricsFile)
			for _, v := range [][3]float64{{want.PRF.Precision, p.Precision}, {want.PRF.Recall, p.Recall}, {want.PRF.F1, p.F1}} {
				require.InDelta(t, v[0], v[1], 1e-12, "P/R/F1 against %s", metricsFile)
			}
			for _, v := range [][2]float64{{want.AP50_95, p.AP}, {want.AP50, p.AP50}, {want.AP75, p.AP75}} {
				require.InDelta(t, v[0], v[1], realAPTol, "AP, AP50, AP75 against %s", metricsFile)
			}
			if !c.engineRef {
				return
			}
			var authors realMetrics
			readRealJSON(t, filepath.Join(c.name, "metrics.json"), &authors)
			diffs := [][2]float64{{authors.PRF.Precision, p.Precision}, {authors.PRF.Recall, p.Recall},
				{authors.PRF.F1, p.F1}, {authors.AP50_95, p.AP}, {authors.AP50, p.AP50}, {authors.AP75, p.AP75}}
			t.Logf("%s: authors' metrics.json: GT %d TP %d FP %d P %.4f R %.4f F1 %.4f AP %.4f AP50 %.4f AP75 %.4f "+
				"(%d detections; parity %d): differences %+.4f %+.4f %+.4f %+.4f %+.4f %+.4f", c.name, authors.PRF.GT,
				authors.PRF.TP, authors.PRF.FP, authors.PRF.Precision, authors.PRF.Recall, authors.PRF.F1,
				authors.AP50_95, authors.AP50, authors.AP75, authors.Dets, a.got, diffs[0][1]-diffs[0][0],
				diffs[1][1]-diffs[1][0], diffs[2][1]-diffs[2][0], diffs[3][1]-diffs[3][0], diffs[4][1]-diffs[4][0],
				diffs[5][1]-diffs[5][0])
			require.Equal(t, authors.PRF.GT, p.GT)
			for _, v := range diffs {
				require.InDelta(t, v[0], v[1], realPolicyTol, "P, R, F1, AP, AP50, AP75 against the authors' metrics.json")
			}
		})
	}
}

// requireBackgroundRun asserts what a run on images without box labels can say: every image is a background
// image (one dataset warning counting them all), no ground truth, every detection above conf a false positive,
// COCO AP -1.
func requireBackgroundRun(t *testing.T, res *parity.Result, p parity.PipelineResult, dets int) {
	t.Helper()
	i := slices.IndexFunc(res.DataWarnings, func(w dataset.Warning) bool { return w.Kind == dataset.WarnMissingLabel })
	require.GreaterOrEqual(t, i, 0, "no missing-label warning in %v", res.DataWarnings)
	require.Equal(t, p.Images, res.DataWarnings[i].Count)
	require.Equal(t, []int{0, 0, 0}, []int{p.GT, p.TP, p.FN})
	above := 0
	for _, im := range p.PerImage {
		for _, s := range im.DetScores {
			if float64(s) > res.Conf {
				above++
			}
		}
	}
	require.Equal(t, above, p.FP)
	require.Equal(t, dets, above, "every detection kept is above conf here (floor = conf)")
	require.Equal(t, []float64{-1, -1, -1}, []float64{p.AP, p.AP50, p.AP75})
}

// TestRealDiagnose runs parity.Diagnose on every real detector, without and with the reference's predictions,
// and asserts that it never names a family other than the one the model was trained with (realCase.family): it
// names that family, or says it cannot tell — and then the right family is among the specs it cannot tell
// apart, unless even the best spec scores poorly. On face images without box labels and without a reference
// there is no evidence at all: Diagnose must say it cannot tell.
func TestRealDiagnose(t *testing.T) {
	root := realDataRoot(t)
	for _, c := range realCases {
		for _, withRef := range []bool{false, true} {
			name := c.name + "/labels"
			if withRef {
				name = c.name + "/reference"
			}
			t.Run(name, func(t *testing.T) {
				cfg := parity.DefaultDiagnoseConfig()
				cfg.Settings = realSettings(t, c)
				cfg.Model = filepath.Join(root, "models", c.model)
				cfg.Data = realDataset(t, root, c)
				if withRef {
					cfg.Reference = realReferencePath(t, root, c, "reference.json")
				}
				d, err := parity.Diagnose(context.Background(), cfg)
				require.NoError(t, err)
				var text strings.Builder
				require.NoError(t, d.WriteText(&text))
				head, _, _ := strings.Cut(text.String(), "\nranking")
				t.Logf("%s: parity.Diagnose (%s):\n%s", name, d.Elapsed.Round(1e8), head)
				checkVerdict(t, c, d, !c.labels && !withRef)
			})
		}
	}
}

// checkVerdict asserts that d names c.family or says it cannot tell; noEvidence: it must say it cannot tell.
func checkVerdict(t *testing.T, c realCase, d *parity.Diagnosis, noEvidence bool) {
	t.Helper()
	if noEvidence {
		require.Nil(t, d.Named, "Diagnose names %v without labels or a reference", d.Named)
		require.Contains(t, d.CannotTell, "scores poorly")
		return
	}
	if d.Named != nil {
		require.Equal(t, c.family, d.Named.Family, "Diagnose names a family the model was not trained with: %s "+
			"(trained: %s, spec %s); see detect/testdata/real/README.md, Diagnose", d.Named.Spec, c.family, c.spec)
		return
	}
	require.NotEmpty(t, d.CannotTell)
	if d.Best.Score < parity.PoorScore || (!d.ByReference && d.Best.AP50 < parity.PoorScore) {
		return
	}
	families := []string{d.Best.Family}
	for _, tr := range d.Tied {
		families = append(families, tr.Family)
	}
	require.Contains(t, families, c.family, "Diagnose cannot tell, but the specs it cannot tell apart leave out "+
		"the family the model was trained with")
}
