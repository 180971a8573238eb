package parity

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
)

const (
	metaModel  = "../detect/testdata/families/yolov8_meta.onnx"  // Ultralytics metadata, 3 named classes, 320x320
	dynhwModel = "../detect/testdata/families/yolov8_dynhw.onnx" // symbolic batch, height and width
	nhwcModel  = "../detect/testdata/families/yolov8_nhwc.onnx"  // [1,256,320,3] input
)

// TestMetadataDrivesRun: an Ultralytics export's metadata gives the class names
// (the dataset has no names file) and the pipeline (none given): the run says
// where both came from.
func TestMetadataDrivesRun(t *testing.T) {
	data := smallSet(t, 3)
	require.NoError(t, os.Remove(filepath.Join(data, "classes.txt")))
	res, err := Run(context.Background(), testConfig(metaModel, data))
	require.NoError(t, err)
	require.Empty(t, res.Failed)
	assert.Equal(t, []string{"person", "o'clock tower", `café "noir" \ n`}, res.Classes)
	require.Len(t, res.Pipelines, 1)
	assert.Equal(t, "ultralytics:size=320", res.Pipelines[0].Spec, "the predictor's LetterBox at the model's fixed 320x320")
	assert.Equal(t, "the model's metadata: ultralytics 8.3.40 export", res.PipelineFrom)

	// The fixture detector has no metadata: no pipeline is guessed for it.
	_, err = Run(context.Background(), testConfig(fixtureModel, smallSet(t, 2)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the model's metadata names no training preprocessing")
}

// TestClassesFilter: a 3-class model on person-only labels is refused with the
// fix; --classes person (or its index) keeps exactly the model's person
// detections, as label class 0.
func TestClassesFilter(t *testing.T) {
	data := smallSet(t, 4) // classes.txt: person
	_, err := Run(context.Background(), testConfig(metaModel, data, "ultralytics"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scores 3 classes but the label set has 1 (person); to evaluate only those classes of the model, give --classes person")

	byName := testConfig(metaModel, data, "ultralytics")
	byName.Classes = []string{"person"}
	a, err := Run(context.Background(), byName)
	require.NoError(t, err)
	byIndex := byName
	byIndex.Classes = []string{"0"}
	b, err := Run(context.Background(), byIndex)
	require.NoError(t, err)
	assert.Equal(t, []string{"person"}, a.ClassesKept, "the run records what it kept")
	assert.Equal(t, a.Pipelines[0].PerImage, b.Pipelines[0].PerImage, "a name and its index select the same class")
	assert.Equal(t, a.Pipelines[0].AP, b.Pipelines[0].AP)

	// The unfiltered run (names from the metadata) has the same class-0 detections.
	all := smallSet(t, 4)
	require.NoError(t, os.Remove(filepath.Join(all, "classes.txt")))
	full, err := Run(context.Background(), testConfig(metaModel, all, "ultralytics"))
	require.NoError(t, err)
	kept := 0
	for k, im := range full.Pipelines[0].PerImage {
		var want [][4]float32
		for d, c := range im.DetClasses {
			if c == 0 {
				want = append(want, im.DetBoxes[d])
			}
		}
		got := a.Pipelines[0].PerImage[k]
		assert.Equal(t, len(want), len(got.DetBoxes), im.Image)
		if len(want) > 0 {
			assert.Equal(t, want, got.DetBoxes, im.Image)
		}
		for _, c := range got.DetClasses {
			assert.Zero(t, c)
		}
		kept += len(got.DetBoxes)
	}
	assert.Positive(t, kept)

	bad := byName
	bad.Classes = []string{"giraffe"}
	_, err = Run(context.Background(), bad)
	assert.ErrorContains(t, err, `--classes "giraffe": not a class index nor a class name of the model's metadata (person, o'clock tower,`)
	bad.Classes = []string{"7"}
	_, err = Run(context.Background(), bad)
	assert.ErrorContains(t, err, "--classes \"7\": class 7, the model scores classes 0..2")
}

// TestSymbolicSizeAndNHWC: a model with symbolic height and width runs at the
// spec's size, with Ultralytics' minimal stride-32 padding when the spec asks
// for it (tensors then differ from image to image); an NHWC-input model takes
// a layout=nhwc spec and refuses an NCHW one before the run, saying what to add.
func TestSymbolicSizeAndNHWC(t *testing.T) {
	data := smallSet(t, 4)
	cfg := testConfig(dynhwModel, data, "ultralytics-auto:size=320", "ultralytics:size=320")
	cfg.Classes = []string{"0"}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Empty(t, res.Failed)
	assert.Equal(t, "<=320x320", res.Pipelines[0].Size)
	assert.NotEqual(t, res.Pipelines[0].PerImage[0].DetBoxes, res.Pipelines[1].PerImage[0].DetBoxes,
		"minimal padding feeds another tensor than the full letterbox")

	cfg = testConfig(nhwcModel, data, "ultralytics")
	cfg.Classes = []string{"0"}
	_, err = Run(context.Background(), cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the spec writes nchw tensors but the model takes nhwc input: add layout=nhwc")
	cfg.Pipelines = []string{"ultralytics:layout=nhwc"}
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Empty(t, res.Failed)
	assert.Equal(t, "320x256", res.Pipelines[0].Size)
}

// TestPostProcessingSettings: --single-label keeps one class per candidate box
// and --nms-agnostic suppresses across classes, as the YOLOX and FastestDet
// demos post-process; by default a box may carry several classes and NMS runs
// per class (super-gradients' predict()).
func TestPostProcessingSettings(t *testing.T) {
	data := smallSet(t, 3)
	require.NoError(t, os.Remove(filepath.Join(data, "classes.txt")))
	overlaps := func(res *Result, iou float64) (sameBox, crossClass int) {
		for _, im := range res.Pipelines[0].PerImage {
			for i := range im.DetBoxes {
				for j := i + 1; j < len(im.DetBoxes); j++ {
					v := box.IoU(box64(im.DetBoxes[i]), box64(im.DetBoxes[j]))
					if im.DetClasses[i] != im.DetClasses[j] {
						if v == 1 {
							sameBox++
						}
						if v > iou {
							crossClass++
						}
					}
				}
			}
		}
		return sameBox, crossClass
	}
	cfg := testConfig(metaModel, data, "ultralytics")
	cfg.Floor = 0.3
	def, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	same, cross := overlaps(def, cfg.NMSIoU)
	assert.Positive(t, same, "multi-label: one box with several classes")
	assert.Positive(t, cross)

	cfg.SingleLabel = true
	single, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	same, _ = overlaps(single, cfg.NMSIoU)
	assert.Zero(t, same, "one class per box")

	cfg.SingleLabel, cfg.ClassAgnostic = false, true
	agn, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	_, cross = overlaps(agn, cfg.NMSIoU)
	assert.Zero(t, cross, "no two kept boxes overlap above the NMS IoU, whatever their classes")
}
