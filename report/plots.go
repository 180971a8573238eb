package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/detparity/detparity/metrics"
)

// Plot is one figure of the report.
type Plot struct {
	// ID is a stable anchor ("hist-detections", "hist-gt-best", "pr", "f1-conf",
	// "p-conf", "r-conf").
	ID string
	// Title heads the figure; Caption explains how to read it; Alt describes it for
	// screen readers (the numbers it shows are also in the tables).
	Title, Caption, Alt string
	// PNG is the rendered figure; W and H its size in pixels.
	PNG  []byte
	W, H int
}

// Plot size: 6 x 3.4 inches at 144 dpi, shown at 96 px per inch (2/3 of its pixels)
// so text keeps its point size on the page and stays sharp on high-density screens
// and in print.
const (
	plotW, plotH = 6 * vg.Inch, 3.4 * vg.Inch
	plotDPI      = 144
)

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// palette is the Okabe–Ito colour-blind-safe set; each pipeline also gets its own
// dash pattern (dashes), so lines are told apart without colour.
var palette = []color.RGBA{
	{0x00, 0x72, 0xb2, 0xff}, // blue
	{0xd5, 0x5e, 0x00, 0xff}, // vermillion
	{0x00, 0x9e, 0x73, 0xff}, // bluish green
	{0xcc, 0x79, 0xa7, 0xff}, // reddish purple
	{0xe6, 0x9f, 0x00, 0xff}, // orange
	{0x56, 0xb4, 0xe9, 0xff}, // sky blue
	{0x00, 0x00, 0x00, 0xff}, // black
}

var dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}

func lineStyle(i int) draw.LineStyle {
	return draw.LineStyle{Color: palette[i%len(palette)], Width: vg.Points(1.8), Dashes: dashes[i%len(dashes)]}
}

func fill(i int) color.Color {
	c := palette[i%len(palette)]
	// 20 % opacity, premultiplied as color.RGBA requires.
	return color.RGBA{uint8(uint16(c.R) * 51 / 255), uint8(uint16(c.G) * 51 / 255), uint8(uint16(c.B) * 51 / 255), 51}
}

func plots(r *Report) ([]Plot, error) {
	var out []Plot
	n := len(r.Pipelines)
	for _, h := range []struct {
		id, title, caption, what string
		log                      bool
		counts                   func(p Pipeline) []int
	}{
		{"hist-detections", "Confidence of every detection",
			fmt.Sprintf("Scores of all detections the model kept (score > %g), after NMS; counts on a log scale. A pipeline that feeds the model what it was trained on has a heavier tail near 1.", r.Result.Floor),
			"detections", true, func(p Pipeline) []int { return p.Result.HistDetections }},
		{"hist-gt-best", "Best score each ground-truth object received",
			fmt.Sprintf("For each labelled object, the highest same-class score among detections overlapping it with IoU >= %g (0 when none). Mass near 0: objects the model did not see; near 1: objects it found with confidence.", r.Result.MatchIoU),
			"ground truths", false, func(p Pipeline) []int { return p.Result.HistGTBest }},
	} {
		p := newPlot("confidence", "count")
		var alt []string
		top := 1
		for i, pl := range r.Pipelines {
			edges, counts := pl.Result.HistEdges, h.counts(pl)
			if len(counts) == 0 || len(edges) != len(counts)+1 {
				return nil, fmt.Errorf("report: pipeline %s: %d histogram edges for %d bins", pl.Label, len(edges), len(counts))
			}
			xy := make(plotter.XYs, 0, len(counts)+1)
			total := 0
			for b, c := range counts {
				y := float64(c)
				if h.log && c == 0 {
					y = logFloor // an empty bin sits on the axis
				}
				xy = append(xy, plotter.XY{X: edges[b], Y: y})
				total += c
				top = max(top, c)
			}
			// Close the last step at the right edge.
			xy = append(xy, plotter.XY{X: edges[len(edges)-1], Y: xy[len(xy)-1].Y})
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, fmt.Errorf("report: %s histogram of %s: %w", h.what, pl.Label, err)
			}
			l.StepStyle = plotter.PostStep
			l.LineStyle = lineStyle(i)
			l.FillColor = fill(i)
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s (n=%d)", pl.Label, total), l)
			alt = append(alt, fmt.Sprintf("%s: %d %s, %s", pl.Label, total, h.what, histSummary(edges, counts)))
		}
		p.X.Min, p.X.Max = 0, 1
		p.X.Tick.Marker = unitTicks
		if h.log {
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
			p.Y.Min = logFloor
			// Headroom measured along the log axis.
			p.Y.Max = math.Exp(math.Log(logFloor) + headroom(n)*(math.Log(float64(top))-math.Log(logFloor)))
			p.Y.Label.Text = "count (log)"
		} else {
			p.Y.Min, p.Y.Max = 0, float64(top)*headroom(n)
			p.Y.Tick.Marker = countTicks(top)
		}
		png, w, hh, err := render(p)
		if err != nil {
			return nil, fmt.Errorf("report: plot %s: %w", h.id, err)
		}
		out = append(out, Plot{ID: h.id, Title: h.title, Caption: h.caption, PNG: png, W: w, H: hh,
			Alt: "Overlaid histograms of confidence from 0 to 1, one per pipeline. " + strings.Join(alt, "; ") + "."})
	}

	// Precision–recall curves with the run's operating point marked.
	{
		p := newPlot("recall", "precision")
		var alt []string
		for i, pl := range r.Pipelines {
			pr := pl.curves.PR(metrics.AllClasses)
			xy := make(plotter.XYs, 0, len(pr)+1)
			for _, q := range pr {
				xy = append(xy, plotter.XY{X: q.Recall, Y: q.Precision})
			}
			if len(xy) == 0 {
				xy = append(xy, plotter.XY{X: 0, Y: 0})
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, fmt.Errorf("report: PR curve of %s: %w", pl.Label, err)
			}
			l.LineStyle = lineStyle(i)
			p.Add(l)
			pt, err := plotter.NewScatter(plotter.XYs{{X: pl.Result.Recall, Y: pl.Result.Precision}})
			if err != nil {
				return nil, fmt.Errorf("report: PR point of %s: %w", pl.Label, err)
			}
			pt.GlyphStyle = draw.GlyphStyle{Color: palette[i%len(palette)], Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
			p.Add(pt)
			p.Legend.Add(fmt.Sprintf("%s (dot: conf > %g, P %.2f, R %.2f)", pl.Label, r.Result.Conf, pl.Result.Precision, pl.Result.Recall), l, pt)
			alt = append(alt, fmt.Sprintf("%s reaches recall %.3f at most; at conf > %g precision %.3f, recall %.3f", pl.Label, maxRecall(pr), r.Result.Conf, pl.Result.Precision, pl.Result.Recall))
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, headroom(n)
		p.X.Tick.Marker, p.Y.Tick.Marker = unitTicks, unitTicks
		png, w, h, err := render(p)
		if err != nil {
			return nil, fmt.Errorf("report: PR plot: %w", err)
		}
		out = append(out, Plot{ID: "pr", Title: "Precision–recall (all classes pooled)", PNG: png, W: w, H: h,
			Caption: fmt.Sprintf("One point per detection score s (detections with score >= s kept), matched at IoU >= %g; the dot is the run's threshold. Detections at or below the score floor %g are not in the run, so the curves end there.", r.Result.MatchIoU, r.Result.Floor),
			Alt:     "Precision against recall, one curve per pipeline. " + strings.Join(alt, "; ") + "."})
	}

	// F1, precision and recall against the confidence threshold, the run's threshold marked.
	for _, m := range []struct {
		id, title, y, caption string
		value                 func(metrics.OperatingPoint) float64
		legend                func(pl Pipeline) string
	}{
		{"f1-conf", "F1 vs confidence threshold", "F1",
			"F1 with the detections of score > threshold kept; the dotted line is the run's threshold. A pipeline whose curve lies low everywhere feeds the model inputs it was not trained on; one whose best F1 sits at a much lower threshold than the others' makes it unsure.",
			func(q metrics.OperatingPoint) float64 { return q.F1 },
			func(pl Pipeline) string {
				return fmt.Sprintf("%s (best F1 %.3f at score >= %.3f)", pl.Label, pl.BestF1.F1, pl.BestF1.Conf)
			}},
		{"p-conf", "Precision vs confidence threshold", "precision",
			"Precision, TP / (TP + FP), of the detections with score > threshold (0 where none is kept). Low precision at high thresholds: the model is confidently wrong on these inputs.",
			func(q metrics.OperatingPoint) float64 { return q.Precision },
			func(pl Pipeline) string {
				return fmt.Sprintf("%s (P %.3f at conf > %g)", pl.Label, pl.Result.Precision, r.Result.Conf)
			}},
		{"r-conf", "Recall vs confidence threshold", "recall",
			"Recall, TP / (TP + FN), with the detections of score > threshold kept. A pipeline whose recall falls early loses objects the model would find with its training preprocessing.",
			func(q metrics.OperatingPoint) float64 { return q.Recall },
			func(pl Pipeline) string {
				return fmt.Sprintf("%s (R %.3f at conf > %g)", pl.Label, pl.Result.Recall, r.Result.Conf)
			}},
	} {
		pl, err := confPlot(r, m.y, m.value, m.legend)
		if err != nil {
			return nil, fmt.Errorf("report: %s plot: %w", m.y, err)
		}
		pl.ID, pl.Title, pl.Caption = m.id, m.title, m.caption
		out = append(out, pl)
	}
	return out, nil
}

// confPlot draws one metric of every pipeline against the confidence threshold (200
// steps, none at or below the score floor), with the run's threshold as a dotted line.
func confPlot(r *Report, y string, value func(metrics.OperatingPoint) float64, legend func(Pipeline) string) (Plot, error) {
	p := newPlot("confidence threshold (score > threshold kept)", y)
	grid := metrics.ConfidenceGrid(200)
	var alt []string
	for i, pl := range r.Pipelines {
		pts := pl.curves.VsConfidence(metrics.AllClasses, grid)
		xy := make(plotter.XYs, 0, len(pts))
		top, at := -1.0, 0.0
		for _, q := range pts {
			if q.Conf < r.Result.Floor {
				continue // the run kept nothing at or below the floor: the curve would be wrong there
			}
			v := value(q)
			xy = append(xy, plotter.XY{X: q.Conf, Y: v})
			if v > top {
				top, at = v, q.Conf
			}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return Plot{}, fmt.Errorf("%s curve of %s: %w", y, pl.Label, err)
		}
		l.LineStyle = lineStyle(i)
		p.Add(l)
		p.Legend.Add(legend(pl), l)
		alt = append(alt, fmt.Sprintf("%s: highest %s %.3f at threshold %.3f", pl.Label, y, top, at))
	}
	thr, err := plotter.NewLine(plotter.XYs{{X: r.Result.Conf, Y: 0}, {X: r.Result.Conf, Y: 1}})
	if err != nil {
		return Plot{}, fmt.Errorf("threshold line: %w", err)
	}
	thr.LineStyle = draw.LineStyle{Color: color.Gray{0x60}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(1), vg.Points(2.5)}}
	p.Add(thr)
	p.Legend.Add(fmt.Sprintf("run threshold %g", r.Result.Conf), thr)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, headroom(len(r.Pipelines)+1)
	p.X.Tick.Marker, p.Y.Tick.Marker = unitTicks, unitTicks
	png, w, h, err := render(p)
	if err != nil {
		return Plot{}, err
	}
	return Plot{PNG: png, W: w, H: h,
		Alt: fmt.Sprintf("%s against the confidence threshold, one curve per pipeline, a dotted vertical line at the run's threshold %g. %s.",
			strings.ToUpper(y[:1])+y[1:], r.Result.Conf, strings.Join(alt, "; "))}, nil
}

// countTicks labels 0 to top in about five steps of 1, 2 or 5 × 10^k, whole numbers
// only, none in the legend's headroom above top.
func countTicks(top int) plot.ConstantTicks {
	step := 1.0
	for float64(top)/step > 6 {
		switch m := step / math.Pow(10, math.Floor(math.Log10(step))); {
		case m < 1.5:
			step *= 2
		case m < 3:
			step *= 2.5
		default:
			step *= 2
		}
	}
	var t plot.ConstantTicks
	for v := 0.0; v <= float64(top); v += step {
		t = append(t, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return t
}

// logFloor is where an empty bin is drawn on a log-count axis (below a count of 1).
const logFloor = 0.5

// newPlot makes an untitled plot (the figure caption carries the title) in sans
// serif, legend top right: callers leave headroom above the data for it (headroom).
func newPlot(x, y string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = x
	p.Y.Label.Text = y
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Tick.Label.Font = font.From(sans, 10)
	}
	p.Legend.TextStyle.Font = font.From(sans, 10)
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(plotter.NewGrid())
	return p
}

// headroom is the factor the top of the y axis is raised by above the data so that a
// legend of n entries does not cover it.
func headroom(n int) float64 { return 1.08 + 0.11*float64(n) }

// unitTicks marks 0, 0.2, …, 1 only, leaving the headroom above 1 unlabelled.
var unitTicks = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 0.2, Label: "0.2"}, {Value: 0.4, Label: "0.4"},
	{Value: 0.6, Label: "0.6"}, {Value: 0.8, Label: "0.8"}, {Value: 1, Label: "1"}}

func render(p *plot.Plot) (png []byte, w, h int, err error) {
	c := vgimg.NewWith(vgimg.UseWH(plotW, plotH), vgimg.UseDPI(plotDPI), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, 0, 0, err
	}
	b := c.Image().Bounds()
	return buf.Bytes(), b.Dx(), b.Dy(), nil
}

// histSummary describes a histogram in words: where most of it lies.
func histSummary(edges []float64, counts []int) string {
	total, mode := 0, 0
	for b, c := range counts {
		total += c
		if c > counts[mode] {
			mode = b
		}
	}
	if total == 0 {
		return "empty"
	}
	above := 0
	for b, c := range counts {
		if edges[b] >= 0.5 {
			above += c
		}
	}
	return fmt.Sprintf("most in [%.2f, %.2f), %.0f%% at 0.5 or above", edges[mode], edges[mode+1], 100*float64(above)/float64(total))
}

func maxRecall(pr []metrics.OperatingPoint) float64 {
	m := 0.0
	for _, q := range pr {
		m = max(m, q.Recall)
	}
	return m
}
