package report

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detparity/detparity/box"
	"github.com/detparity/detparity/metrics"
	"github.com/detparity/detparity/parity"
)

const (
	fixtureModel = "../fixtures/model/detector.onnx"
	fixtureData  = "../fixtures/eval"
	fixtureConf  = 0.8
	// fixtureRef is the fixture model's PyTorch predictions dumped by
	// scripts/dump_reference.py through sg-coco's preprocessing.
	fixtureRef = "../fixtures/model/reference_sg_coco.json"
)

var (
	fixtureOnce sync.Once
	fixtureRes  *parity.Result
	fixtureErr  error
)

// fixtureResult runs the fixture detector over the 160 fixture images through
// stretch and sg-coco, compared with the Python reference, once per test binary
// (about 5 s on 2 cores).
func fixtureResult(t *testing.T) *parity.Result {
	t.Helper()
	fixtureOnce.Do(func() {
		cfg := parity.DefaultConfig()
		cfg.Model, cfg.Data, cfg.Pipelines = fixtureModel, fixtureData, []string{"stretch", "sg-coco"}
		cfg.Conf, cfg.Workers, cfg.Reference = fixtureConf, 2, fixtureRef
		fixtureRes, fixtureErr = parity.Run(context.Background(), cfg)
	})
	require.NoError(t, fixtureErr)
	return fixtureRes
}

func fixtureReport(t *testing.T, opt Options) *Report {
	t.Helper()
	r, err := Build(fixtureResult(t), opt)
	require.NoError(t, err)
	return r
}

func TestVerdictOnFixtures(t *testing.T) {
	res := fixtureResult(t)
	r := fixtureReport(t, DefaultOptions())
	st, sg := res.Pipeline("stretch"), res.Pipeline("sg-coco")
	require.NotNil(t, st)
	require.NotNil(t, sg)
	// The seed's numbers (SPEC §5): stretch collapses, sg-coco is the training
	// preprocessing. Wide bounds: the fixture model may be retrained.
	require.Less(t, st.F1, 0.3)
	require.Greater(t, sg.F1, 0.85)

	assert.Equal(t, "drift", r.Verdict.Status)
	assert.Equal(t, fmt.Sprintf("sg-coco F1 %.3f vs stretch %.3f: preprocessing drift — the pipelines disagree (%s)", sg.F1, st.F1,
		strings.Join(r.Comparisons[0].Why, "; ")), r.Verdict.Headline)
	assert.Contains(t, r.Verdict.Headline, "(|ΔF1| 0.818 > 0.02; ground truths' best scores: major shift (PSI ")
	assert.Contains(t, r.Verdict.Details[0], "best with sg-coco")
	assert.Contains(t, strings.Join(r.Verdict.Details, "\n"), "Closest to the reference predictions: sg-coco")
	assert.Contains(t, r.Verdict.Thresholds, "|ΔF1| > 0.02")
	assert.Contains(t, r.Verdict.Thresholds, "PSI >= 0.25")

	require.Len(t, r.Comparisons, 1)
	c := r.Comparisons[0]
	assert.Equal(t, "stretch", c.A)
	assert.Equal(t, "sg-coco", c.B)
	assert.InDelta(t, sg.F1-st.F1, c.DF1, 1e-12)
	require.NotNil(t, c.GTBest)
	assert.Equal(t, metrics.MajorDrift, c.GTBest.Level, "stretch leaves most objects unseen: %s", c.GTBest)
	assert.True(t, c.Disagree)
	assert.Equal(t, [2]int{st.GT, sg.GT}, c.GTBestN)
	require.NotNil(t, c.Detections)
	assert.Equal(t, [2]int{len(st.DetectionScores()), len(sg.DetectionScores())}, c.DetectionsN)
}

// TestCurvesAgreeWithRun pins the report's curve accumulators, fed from the
// records, to the run's own thresholded counts: CurveAccumulator.At(conf) is exact
// (metrics' doc), so any difference means the records and the counts disagree.
func TestCurvesAgreeWithRun(t *testing.T) {
	r := fixtureReport(t, DefaultOptions())
	for i, p := range r.Pipelines {
		total, perClass := p.curves.At(r.Result.Conf)
		assert.Equal(t, p.Result.TP, total.TP, p.Label)
		assert.Equal(t, p.Result.FP, total.FP, p.Label)
		assert.Equal(t, p.Result.FN, total.FN, p.Label)
		assert.Equal(t, p.Result.GT, total.GT, p.Label)
		require.Len(t, r.Classes, len(perClass))
		sum := metrics.Counts{}
		for k, row := range r.Classes {
			assert.Equal(t, perClass[k], row.Counts[i])
			sum.TP += row.Counts[i].TP
			sum.FP += row.Counts[i].FP
			sum.GT += row.Counts[i].GT
		}
		assert.Equal(t, p.Result.TP, sum.TP)
		assert.Equal(t, p.Result.FP, sum.FP)
		assert.Equal(t, p.Result.GT, sum.GT)
		// The best F1 over all thresholds is at least the F1 at the run's threshold.
		assert.GreaterOrEqual(t, p.BestF1.F1, p.Result.F1-1e-12, p.Label)
		for k, row := range r.Classes {
			pc := p.Result.PerClass[k]
			assert.Equal(t, [3]int{pc.TP, pc.FP, pc.GT}, [3]int{row.Counts[i].TP, row.Counts[i].FP, row.Counts[i].GT}, "%s class %s", p.Label, row.Name)
			assert.Equal(t, pc.AP50, row.AP50[i])
			assert.Equal(t, pc.AP, row.AP[i])
		}
	}
	assert.Greater(t, r.Pipelines[1].Result.AP50, r.Pipelines[0].Result.AP50, "sg-coco ranks better than stretch")
}

func TestGalleryOnFixtures(t *testing.T) {
	opt := DefaultOptions()
	r := fixtureReport(t, opt)
	require.Len(t, r.Gallery, opt.Gallery)
	res := r.Result
	index := map[string]int{}
	for k, rec := range res.Records() {
		index[rec.Name] = k
	}
	prevTP, prevFP := math.MaxInt, math.MaxInt
	for _, g := range r.Gallery {
		k, ok := index[g.Name]
		require.True(t, ok, g.Name)
		a, b := res.Pipelines[0].PerImage[k], res.Pipelines[1].PerImage[k]
		dTP, dFP := abs(a.TP-b.TP), abs(a.FP-b.FP)
		// Ordered by |TP difference|, then |FP difference|.
		assert.True(t, dTP < prevTP || (dTP == prevTP && dFP <= prevFP), "%s out of order", g.Name)
		prevTP, prevFP = dTP, dFP
		require.Len(t, g.Panels, 2)
		for i, p := range g.Panels {
			// The drawn counts are the run's counts for that image.
			pc := res.Pipelines[i].PerImage[k]
			assert.Equal(t, [3]int{pc.TP, pc.FP, pc.FN}, [3]int{p.TP, p.FP, p.FN}, "%s %s", g.Name, p.Pipeline)
			img, err := jpeg.Decode(bytes.NewReader(p.JPEG))
			require.NoError(t, err)
			assert.Equal(t, image.Rect(0, 0, p.W, p.H), img.Bounds())
			assert.LessOrEqual(t, max(p.W, p.H), opt.PanelSize)
			assert.InDelta(t, float64(g.W)*g.Scale, float64(p.W), 1, "panel width is the source width × scale, rounded")
			assert.Contains(t, p.Alt, g.Name)
		}
	}
	// The top image differs in true positives: the fixtures' stretch misses objects sg-coco finds.
	assert.Positive(t, abs(res.Pipelines[0].PerImage[index[r.Gallery[0].Name]].TP-res.Pipelines[1].PerImage[index[r.Gallery[0].Name]].TP))
}

// TestDrawMatched checks the box drawing on a blank canvas: a found ground truth in
// its colour 3 px thick, a missed one in the missed colour, a true positive solid and
// a false positive dashed, boxes in source pixels times the scale.
func TestDrawMatched(t *testing.T) {
	dst := image.NewRGBA(image.Rect(0, 0, 100, 100))
	gts := []box.Object{{Box: box.Box{X1: 20, Y1: 20, X2: 80, Y2: 80}}, {Box: box.Box{X1: 120, Y1: 120, X2: 160, Y2: 180}}}
	dets := []box.Detection{
		{Box: box.Box{X1: 24, Y1: 24, X2: 76, Y2: 76}, Score: 0.9},     // TP of the first GT
		{Box: box.Box{X1: 100, Y1: 10, X2: 190, Y2: 50}, Score: 0.7},   // FP
		{Box: box.Box{X1: 120, Y1: 120, X2: 160, Y2: 180}, Score: 0.1}, // below conf: not drawn
	}
	m := metrics.MatchImage(gts, dets, 0.5, 0.5)
	require.Equal(t, [3]int{1, 1, 1}, [3]int{m.TP, m.FP, m.FN})
	drawMatched(dst, gts, dets, m, 0.5)
	// First GT: x 10..39 at scale 0.5; its left edge at x=10 is 3 px thick (9, 10, 11).
	for _, x := range []int{9, 10, 11} {
		assert.Equal(t, colGT, dst.RGBAAt(x, 25), "x=%d", x)
	}
	assert.Equal(t, color.RGBA{}, dst.RGBAAt(13, 25), "inside the box stays blank")
	// Missed GT: left edge at x=60, y 60..89.
	assert.Equal(t, colMissed, dst.RGBAAt(60, 75))
	// TP at 12..37: its right edge (x=37) is solid along y, below its score label (y 0..11).
	for y := 12; y <= 37; y++ {
		assert.Equal(t, colTP, dst.RGBAAt(37, y), "y=%d", y)
	}
	assert.Equal(t, colTP, dst.RGBAAt(12, 30), "left edge")
	// FP at x 50..94, y 5..24: its bottom edge (y=24) is dashed, 4 on, 4 off.
	assert.Equal(t, colFP, dst.RGBAAt(50, 24))
	assert.Equal(t, colFP, dst.RGBAAt(53, 24))
	assert.Equal(t, color.RGBA{}, dst.RGBAAt(54, 24))
	assert.Equal(t, color.RGBA{}, dst.RGBAAt(57, 24))
	assert.Equal(t, colFP, dst.RGBAAt(58, 24))
}

// readDir reads every report file written into dir.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []string{FileHTML, FileMarkdown, FileJSON, FileJUnit} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		require.NotEmpty(t, b, f)
		out[f] = b
	}
	return out
}

type junitDoc struct {
	XMLName  xml.Name `xml:"testsuite"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Cases    []struct {
		ClassName string `xml:"classname,attr"`
		Name      string `xml:"name,attr"`
		Failure   *struct {
			Message string `xml:"message,attr"`
		} `xml:"failure"`
	} `xml:"testcase"`
}

func TestWriteDirOnFixtures(t *testing.T) {
	res := fixtureResult(t)
	opt := DefaultOptions()
	opt.MinF1 = 0.5
	dir := filepath.Join(t.TempDir(), "out", "report") // created by WriteDir
	r := fixtureReport(t, opt)
	require.NoError(t, r.WriteDir(context.Background(), dir))
	files := readDir(t, dir)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 4, "no temporary file left behind")

	// report.json is exactly the run's JSON.
	var want bytes.Buffer
	require.NoError(t, res.WriteJSON(&want))
	assert.Equal(t, want.Bytes(), files[FileJSON])

	// Rendering is deterministic: a second report of the same run gives the same bytes.
	dir2 := t.TempDir()
	require.NoError(t, fixtureReport(t, opt).WriteDir(context.Background(), dir2))
	for name, b := range readDir(t, dir2) {
		assert.True(t, bytes.Equal(files[name], b), "%s differs between two renderings", name)
	}

	// junit.xml: 2 pipeline cases (F1 >= 0.5), 1 drift case, 2 reference cases (they
	// record the agreement), 1 dataset case; stretch fails the F1 floor and the drift
	// case fails.
	var j junitDoc
	require.NoError(t, xml.Unmarshal(files[FileJUnit], &j))
	assert.Equal(t, "detparity", j.Name)
	assert.Equal(t, 6, j.Tests)
	require.Len(t, j.Cases, 6)
	assert.Equal(t, 2, j.Failures)
	failed := map[string]string{}
	for _, c := range j.Cases {
		if c.Failure != nil {
			failed[c.Name] = c.Failure.Message
		}
	}
	assert.Contains(t, failed, "stretch: F1 >= 0.5")
	assert.Contains(t, failed["stretch: F1 >= 0.5"], fmt.Sprintf("F1 %.4f < 0.5", res.Pipeline("stretch").F1))
	assert.Contains(t, failed, "sg-coco vs stretch: no drift")
	assert.Contains(t, failed["sg-coco vs stretch: no drift"], "|ΔF1|")
	assert.Equal(t, "detparity.reference", j.Cases[3].ClassName)
	assert.Equal(t, "stretch vs reference", j.Cases[3].Name)
	assert.Equal(t, "detparity.dataset", j.Cases[5].ClassName)
	assert.Nil(t, j.Cases[5].Failure)

	// report.md holds the pipeline table with the run's numbers.
	md := string(files[FileMarkdown])
	assert.Contains(t, md, "| pipeline | images | GT | TP | FP | FN | precision | recall | F1 | AP | AP50 | best F1 (at score >=) |")
	for _, p := range res.Pipelines {
		assert.Contains(t, md, fmt.Sprintf("| %s | %d | %d | %d | %d | %d | %.3f | %.3f | **%.3f** | %.3f | %.3f |", p.Name, p.Images, p.GT, p.TP, p.FP, p.FN, p.Precision, p.Recall, p.F1, p.AP, p.AP50))
		require.NotNil(t, p.Reference)
		assert.Contains(t, md, fmt.Sprintf("| %s | %.2f %% | %d | %d | %d |", p.Name, 100*p.Reference.Fraction, p.Reference.Matched, p.Reference.RefOnly, p.Reference.Only))
	}
	assert.Contains(t, md, "## Against the reference predictions")
	assert.Contains(t, md, "**Drift.** sg-coco F1")
	assert.NotContains(t, md, "http")

	// index.html is self-contained: no external reference, no script.
	html := string(files[FileHTML])
	assert.NotContains(t, html, "http://")
	assert.NotContains(t, html, "https://")
	assert.NotContains(t, html, "<script")
	assert.Equal(t, len(r.Plots)+2*len(r.Gallery), strings.Count(html, "<img "))
	assert.Equal(t, strings.Count(html, "<img "), strings.Count(html, `src="data:image/`))
}

// TestBuildRejectsResultWithoutRecords: the report needs the run's in-memory records.
func TestBuildRejectsResultWithoutRecords(t *testing.T) {
	res := fixtureResult(t)
	// A Result with counts but no records (as read back from JSON) is refused with a reason.
	bare := &parity.Result{Evaluated: res.Evaluated, Classes: res.Classes, Pipelines: res.Pipelines, MatchIoU: res.MatchIoU}
	_, err := Build(bare, DefaultOptions())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "0 image records for 160 evaluated images")
	_, err = Build(nil, DefaultOptions())
	require.Error(t, err)
}

// subsetData links the first n fixture images, their labels and the class names into
// a temporary dataset, for runs that need real detections but not all 160 images.
func subsetData(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"images", "labels"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, sub), 0o755))
	}
	src, err := filepath.Abs(fixtureData)
	require.NoError(t, err)
	require.NoError(t, os.Symlink(filepath.Join(src, "classes.txt"), filepath.Join(dir, "classes.txt")))
	for i := range n {
		name := fmt.Sprintf("%05d", i)
		require.NoError(t, os.Symlink(filepath.Join(src, "images", name+".jpg"), filepath.Join(dir, "images", name+".jpg")))
		require.NoError(t, os.Symlink(filepath.Join(src, "labels", name+".txt"), filepath.Join(dir, "labels", name+".txt")))
	}
	return dir
}

func TestAgreeingPipelines(t *testing.T) {
	// The same pipeline twice under two spellings agrees with itself exactly (24
	// images: enough detections for every distance, a fraction of the full run).
	cfg := parity.DefaultConfig()
	cfg.Model, cfg.Data, cfg.Pipelines = fixtureModel, subsetData(t, 24), []string{"sg-coco", "sg-coco:decoder=opencv"}
	cfg.Conf, cfg.Workers = fixtureConf, 2
	res, err := parity.Run(context.Background(), cfg)
	require.NoError(t, err)
	r, err := Build(res, DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, "agree", r.Verdict.Status, r.Verdict.Headline)
	assert.True(t, strings.HasPrefix(r.Verdict.Headline, "The pipelines agree"), r.Verdict.Headline)
	require.Len(t, r.Comparisons, 1)
	assert.Zero(t, r.Comparisons[0].DF1)
	assert.Equal(t, metrics.NoDrift, r.Comparisons[0].GTBest.Level)
	assert.False(t, r.Checks[2].Failed)
	assert.Empty(t, r.Result.Reference)
	assert.NotContains(t, strings.Join(r.Verdict.Details, " "), "reference")
	// With identical pipelines no image differs; the gallery shows the images with the most errors.
	for _, g := range r.Gallery {
		assert.Contains(t, g.Why, "TP differs by up to 0, FP by up to 0")
	}
}

func TestPlotsArePNGs(t *testing.T) {
	r := fixtureReport(t, DefaultOptions())
	ids := []string{}
	for _, p := range r.Plots {
		ids = append(ids, p.ID)
		img, err := png.Decode(bytes.NewReader(p.PNG))
		require.NoError(t, err, p.ID)
		// 6 x 3.4 in at 144 dpi.
		assert.Equal(t, image.Rect(0, 0, 864, 490), img.Bounds(), p.ID)
		assert.NotEmpty(t, p.Alt)
		for _, pl := range r.Pipelines {
			assert.Contains(t, p.Alt, pl.Label, "%s alt text names every pipeline", p.ID)
		}
	}
	assert.Equal(t, []string{"hist-detections", "hist-gt-best", "pr", "f1-conf", "p-conf", "r-conf"}, ids)
}

// TestSpecsSpelledOut: the report spells every pipeline's spec out, parameter by
// parameter, and marks the parameters where the pipelines differ.
func TestSpecsSpelledOut(t *testing.T) {
	r := fixtureReport(t, DefaultOptions())
	st, sg := r.Pipelines[0], r.Pipelines[1]
	assert.Equal(t, "letterbox:size=640,inner=636,anchor=center,round=round,stride=0,scaleup=true,interp=linear,pad=114,"+
		"order=rgb,scale=1/255,mean=0,std=1,layout=nchw,dtype=float32,unmap=super-gradients,decoder=opencv", sg.Expanded)
	assert.Equal(t, "stretch:size=640,interp=linear,order=rgb,scale=1/255,mean=0,std=1,layout=nchw,dtype=float32,unmap=per-axis,decoder=opencv", st.Expanded)
	assert.Empty(t, sg.SpecErr)
	rows := r.ParamRows()
	var keys, differ []string
	for _, row := range rows {
		keys = append(keys, row.Key)
		if row.Differs {
			differ = append(differ, row.Key)
		}
		require.Len(t, row.Values, 2)
	}
	assert.Equal(t, []string{"mode", "size", "inner", "anchor", "round", "stride", "scaleup", "interp", "pad", "order",
		"scale", "mean", "std", "layout", "dtype", "unmap", "decoder"}, keys)
	assert.Equal(t, []string{"mode", "inner", "anchor", "round", "stride", "scaleup", "pad", "unmap"}, differ)
	assert.Equal(t, []string{"–", "636"}, rows[2].Values, "stretch has no inner box")
	assert.Contains(t, rows[2].Meanings[1], "636x636")

	var html, md bytes.Buffer
	require.NoError(t, r.WriteHTML(&html))
	require.NoError(t, r.WriteMarkdown(&md))
	assertHas(t, html.String(), `<th scope="row" class="diff">inner</th><td class="diff"><code>–</code></td><td class="diff"><code>636</code></td>`+
		`<td class="what diff"><strong>sg-coco</strong>: the image is fitted into 636x636, then padded to the input size<br></td>`)
	assertHas(t, html.String(), `<th scope="row">interp</th><td><code>linear</code></td><td><code>linear</code></td><td class="what">cv2.resize with cv2.INTER_LINEAR<br></td>`)
	assertHas(t, html.String(), "sg-coco as one free spec: <code>"+sg.Expanded+"</code>")
	assertHas(t, md.String(), "| inner ≠ | `–` | `636` |")
	assertHas(t, md.String(), "| interp | `linear` | `linear` |")
}

// TestVersionAndTime: the header names the tool's version and when the run was
// made; without them the page says nothing about either.
func TestVersionAndTime(t *testing.T) {
	opt := DefaultOptions()
	opt.Version = "v0.4.0 (rev 1234abcd)"
	opt.Time = time.Date(2025, 3, 1, 14, 5, 9, 0, time.FixedZone("CET", 3600))
	r := fixtureReport(t, opt)
	var html, md bytes.Buffer
	require.NoError(t, r.WriteHTML(&html))
	require.NoError(t, r.WriteMarkdown(&md))
	assertHas(t, html.String(), `<p class="meta">detparity v0.4.0 (rev 1234abcd) · run <time datetime="2025-03-01T13:05:09Z">2025-03-01 13:05:09 UTC</time></p>`)
	assertHas(t, html.String(), "Made by detparity v0.4.0 (rev 1234abcd).")
	assertHas(t, md.String(), "- detparity v0.4.0 (rev 1234abcd)\n- Run: 2025-03-01 13:05:09 UTC\n")

	html.Reset()
	require.NoError(t, fixtureReport(t, DefaultOptions()).WriteHTML(&html))
	assertHasNot(t, html.String(), "<time")
	assertHas(t, html.String(), "Made by detparity. TP")
}

func TestCountTicks(t *testing.T) {
	var got []float64
	for _, tk := range countTicks(230) {
		got = append(got, tk.Value)
	}
	assert.Equal(t, []float64{0, 50, 100, 150, 200}, got)
	got = got[:0]
	for _, tk := range countTicks(3) {
		got = append(got, tk.Value)
	}
	assert.Equal(t, []float64{0, 1, 2, 3}, got)
}

func TestMarkdownEscape(t *testing.T) {
	assert.Equal(t, `p < 0.05`, mdEscape("p < 0.05"))
	assert.Equal(t, `\<script>`, mdEscape("<script>"))
	assert.Equal(t, `a\_b \*c\*`, mdEscape("a_b *c*"))
	assert.Equal(t, `x \| y`, mdCell("x | y"))
}

// TestHeadlineNamesTheDisagreeingPair: a drift headline names the two pipelines
// that disagree and why, even when every F1 is equal (a shift of the scores
// alone) and a third pipeline has the best or worst F1. It once read "sg-coco F1
// 1.000 vs sg-coco 1.000".
func TestHeadlineNamesTheDisagreeingPair(t *testing.T) {
	res := fixtureResult(t)
	p := func(label string, f1 float64) Pipeline {
		return Pipeline{Label: label, Result: &parity.PipelineResult{Name: label, F1: f1, Spec: label}}
	}
	r := &Report{Result: res, Options: DefaultOptions().withDefaults(),
		Pipelines: []Pipeline{p("sg-coco", 1), p("sg-coco:decoder=go", 1), p("stretch", 0.5)},
		Comparisons: []Comparison{
			{A: "sg-coco", B: "sg-coco:decoder=go", A1: 1, B1: 1, Disagree: true, Why: []string{"ground truths' best scores: major shift (PSI 0.4 >= 0.25)"}},
			{A: "sg-coco", B: "stretch", A1: 1, B1: 0.5, DF1: -0.5, Disagree: true, Why: []string{"|ΔF1| 0.500 > 0.02"}},
		}}
	assert.Equal(t, "sg-coco F1 1.000 vs stretch 0.500: preprocessing drift — the pipelines disagree (|ΔF1| 0.500 > 0.02)", verdict(r).Headline)
	r.Comparisons = r.Comparisons[:1]
	r.Pipelines = r.Pipelines[:2]
	assert.Equal(t, "sg-coco F1 1.000 vs sg-coco:decoder=go 1.000: preprocessing drift — the pipelines disagree (ground truths' best scores: major shift (PSI 0.4 >= 0.25))", verdict(r).Headline)
}
