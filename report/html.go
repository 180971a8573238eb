package report

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"

	"github.com/detparity/detparity/internal/textsafe"
	"github.com/detparity/detparity/metrics"
	"github.com/detparity/detparity/parity"
)

// WriteHTML writes index.html: one self-contained page (inline CSS, every figure a
// data: URI, no script, no external link), readable on screen and in print.
// Control characters from the data (file and class names) are escaped
// (internal/textsafe: "\x1b", "\u202e"), as html/template does not.
func (r *Report) WriteHTML(w io.Writer) error {
	var b strings.Builder
	if err := pageTemplate.Execute(&b, r); err != nil {
		return fmt.Errorf("report: rendering HTML: %w", err)
	}
	_, err := io.WriteString(w, textsafe.Text(b.String()))
	return err
}

func dataURI(mime string, b []byte) template.URL {
	// The bytes are ours (PNG/JPEG encoders), so the URL is safe to mark as such.
	return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b))
}

func f3(v float64) string {
	if math.IsNaN(v) {
		return parity.NA
	}
	return fmt.Sprintf("%.3f", v)
}

// apString prints a COCO AP, n/a for pycocotools' -1 (undefined: no ground truth).
func apString(v float64) string {
	if v < 0 || math.IsNaN(v) {
		return parity.NA
	}
	return f3(v)
}

// rateString prints a precision, recall or F1, n/a when it is undefined (its
// denominator is 0): a 0 there would read as measured.
func rateString(v float64, defined bool) string {
	if !defined {
		return parity.NA
	}
	return f3(v)
}

// precision, recall and F1 strings of counts.
func countP(c metrics.Counts) string  { return rateString(c.Precision(), c.TP+c.FP > 0) }
func countR(c metrics.Counts) string  { return rateString(c.Recall(), c.TP+c.FN > 0) }
func countF1(c metrics.Counts) string { return rateString(c.F1(), c.TP+c.FP+c.FN > 0) }

// pipelineCounts are a pipeline's totals as metrics.Counts.
func pipelineCounts(p *parity.PipelineResult) metrics.Counts {
	return metrics.Counts{Images: p.Images, GT: p.GT, TP: p.TP, FP: p.FP, FN: p.FN}
}

func pval(v float64) string {
	if v < 1e-4 {
		return fmt.Sprintf("%.1e", v)
	}
	return fmt.Sprintf("%.4f", v)
}

var funcs = template.FuncMap{
	"png":  func(b []byte) template.URL { return dataURI("image/png", b) },
	"jpeg": func(b []byte) template.URL { return dataURI("image/jpeg", b) },
	"f3":   f3,
	"pval": pval,
	"pct":  func(v float64) string { return fmt.Sprintf("%.2f %%", 100*v) },
	"css":  func(px int) int { return (px*2 + 2) / 3 }, // 144 dpi pixels → CSS px (96 per inch)
	"signed": func(v float64) string {
		return fmt.Sprintf("%+.3f", v)
	},
	"join":     strings.Join,
	"refIoU":   func() float64 { return parity.ReferenceIoU },
	"refSlack": func() float64 { return parity.ReferenceScoreSlack },
	"lower":    strings.ToLower,
	"classF1":  countF1,
	"classP":   countP,
	"classR":   countR,
	"pipeP":    func(p *parity.PipelineResult) string { return countP(pipelineCounts(p)) },
	"pipeR":    func(p *parity.PipelineResult) string { return countR(pipelineCounts(p)) },
	"pipeF1":   pipeF1,
	"ap":       apString,
	"apAt":     func(row ClassRow, i int) string { return apString(row.AP[i]) },
	"ap50At":   func(row ClassRow, i int) string { return apString(row.AP50[i]) },
	"g3":       func(v float64) string { return fmt.Sprintf("%.3g", v) },
	"countsAt": func(row ClassRow, i int) metrics.Counts { return row.Counts[i] },
	"drift": func(d *metrics.Drift) string {
		if d == nil {
			return "not compared"
		}
		return d.String()
	},
	"level": func(d *metrics.Drift) string {
		if d == nil {
			return "n/a"
		}
		return d.Level.String()
	},
	"isoTime":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"humanTime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"shade": func(share float64) string {
		return fmt.Sprintf("s%d", int(math.Ceil(share*5)))
	},
	"statusWord": func(s string) string {
		switch s {
		case "drift":
			return "Drift"
		case "agree":
			return "Agree"
		case "no-data":
			return "No data"
		}
		return "Result"
	},
}

var pageTemplate = template.Must(template.New("page").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="detparity report">
<title>{{.Options.Title}} — {{.Verdict.Headline}}</title>
<style>
:root { --fg: #1a1a1a; --muted: #555; --line: #c8c8c8; --bg-alt: #f3f4f6; --bad: #b3261e; --good: #146c2e; --note: #6b5800; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; color: var(--fg); background: #fff; margin: 0; }
main { max-width: 1120px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p, li { max-width: 80ch; }
.meta { max-width: none; }
.meta { color: var(--muted); margin: 0; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: .9em; overflow-wrap: anywhere; }
.verdict { border: 2px solid var(--line); border-left-width: 10px; border-radius: 6px; padding: .9rem 1.1rem; margin: 1.2rem 0; }
.verdict.drift, .verdict.no-data { border-color: var(--bad); }
.verdict.agree { border-color: var(--good); }
.verdict .status { display: inline-block; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; font-size: .8rem; padding: .1rem .5rem; border-radius: 3px; color: #fff; background: var(--muted); }
.verdict.drift .status, .verdict.no-data .status { background: var(--bad); }
.verdict.agree .status { background: var(--good); }
.verdict .headline { font-size: 1.2rem; font-weight: 600; margin: .4rem 0; max-width: none; }
.thresholds { color: var(--muted); font-size: .9rem; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; margin: .5rem 0; }
a { color: #0b57d0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .92rem; }
table code { overflow-wrap: break-word; }
caption { text-align: left; color: var(--muted); padding: .2rem 0; caption-side: top; }
.cm caption { color: var(--fg); font-weight: 600; }
@media (max-width: 700px) {
  /* A phone lays tables out as if they had room, and they scroll in their own box,
     rather than squeezing every column to a word; captions stay in view. */
  .table-wrap table:not(.cm) { min-width: 36rem; }
  .table-wrap table:not(.cm) td:not(.num):not(.nowrap) { min-width: 10em; }
  .table-wrap caption { position: sticky; left: 0; max-width: calc(100vw - 2.5rem); }
}
.params td code { white-space: nowrap; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; vertical-align: top; }
thead th { background: var(--bg-alt); text-align: left; }
tbody th { text-align: left; font-weight: 600; }
td.nowrap { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.fail { color: var(--bad); font-weight: 600; }
.pass { color: var(--good); font-weight: 600; }
figure { margin: 1rem 0 1.6rem; break-inside: avoid; page-break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .9rem; max-width: 90ch; }
.figs { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); gap: 0 1.5rem; }
.panels { display: flex; flex-wrap: wrap; gap: .8rem 1.2rem; align-items: flex-start; }
.panels figure { margin: .2rem 0; max-width: 100%; }
.panels figcaption { font-size: .9rem; color: var(--fg); margin: 0 0 .25rem; }
.panels .input { margin-top: .35rem; font-size: .8rem; color: var(--muted); max-width: 100%; }
.panels .input img { display: block; margin-top: .15rem; }
.panels .noinput { border: 1px dashed var(--line); padding: .4rem .5rem; max-width: 30ch; }
td.diff, th.diff { background: #fff4d6; }
td.what { font-size: .85rem; color: var(--muted); min-width: 24ch; }
.cm td { text-align: right; font-variant-numeric: tabular-nums; min-width: 2.8em; padding: .3rem .4rem; }
.cm thead th + th { writing-mode: vertical-rl; transform: rotate(180deg); text-align: left; padding: .4rem .3rem; }
.cm thead th:first-child { vertical-align: bottom; }
.cm td.correct { outline: 2px solid var(--good); outline-offset: -3px; }
.cm .s1 { background: #e3eefa; } .cm .s2 { background: #bcd6f1; } .cm .s3 { background: #7fb0e0; }
.cm .s4 { background: #3b7fc4; color: #fff; } .cm .s5 { background: #0b4f96; color: #fff; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1.4rem; padding: 0; list-style: none; font-size: .9rem; }
.swatch { display: inline-block; width: 1.6em; height: .9em; vertical-align: -.1em; margin-right: .35em; background: transparent; }
.sw-gt { border: 3px solid #009e73; }
.sw-missed { border: 3px solid #cc79a7; }
.sw-tp { border: 1px solid #56b4e9; }
.sw-fp { border: 1px dashed #e69f00; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); padding-top: .8rem; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table, figure, .verdict { break-inside: avoid; page-break-inside: avoid; }
  .figs { display: block; }
  .verdict .status { color: #000; background: none; border: 1px solid #000; }
  thead th { background: none; }
}
</style>
</head>
<body>
<main>
<header>
<h1>{{.Options.Title}}</h1>
<p class="meta">{{if gt (len .Result.Models) 1}}Models {{range $i, $m := .Result.Models}}{{if $i}}, {{end}}<code>{{$m}}</code>{{end}}{{else}}Model <code>{{.Result.Model}}</code>{{end}} · data <code>{{.Result.Data}}</code> · input {{.Result.InputW}}×{{.Result.InputH}} · classes {{join .Result.Classes ", "}}</p>
<p class="meta">{{.Result.Evaluated}} of {{.Result.Images}} images evaluated · confidence threshold: score &gt; {{.Result.Conf}} · match IoU &ge; {{.Result.MatchIoU}} · NMS IoU {{.Result.NMSIoU}} · score floor {{.Result.Floor}}</p>
{{with .Options.Command}}<p class="meta">Command: <code>{{.}}</code></p>{{end}}
{{if or .Options.Version (not .Options.Time.IsZero)}}<p class="meta">{{with .Options.Version}}detparity {{.}}{{end}}{{if and .Options.Version (not .Options.Time.IsZero)}} · {{end}}{{if not .Options.Time.IsZero}}run <time datetime="{{isoTime .Options.Time}}">{{humanTime .Options.Time}}</time>{{end}}</p>{{end}}
</header>

<section class="verdict {{.Verdict.Status}}" aria-labelledby="verdict-h" id="verdict">
<h2 id="verdict-h" class="sr-only">Verdict</h2>
<p class="headline"><span class="status">{{statusWord .Verdict.Status}}</span> {{.Verdict.Headline}}</p>
{{with .Verdict.Details}}<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
<p class="thresholds">{{.Verdict.Thresholds}}</p>
</section>

<nav aria-label="Sections"><ul>
<li><a href="#pipelines">Pipelines</a></li>
<li><a href="#preprocessing">Preprocessing</a></li>
<li><a href="#checks">Checks</a></li>
<li><a href="#distributions">Confidence distributions</a></li>
<li><a href="#curves">Curves</a></li>
{{if .Result.Reference}}<li><a href="#reference">Reference</a></li>{{end}}
<li><a href="#classes">Per class</a></li>
{{if .Confusion}}<li><a href="#confusion">Confusion</a></li>{{end}}
<li><a href="#gallery">Gallery</a></li>
</ul></nav>

<section id="pipelines" aria-labelledby="pipelines-h">
<h2 id="pipelines-h">Pipelines at the threshold</h2>
<div class="table-wrap"><table>
<caption>Counts and rates at score &gt; {{.Result.Conf}}, IoU &ge; {{.Result.MatchIoU}}; AP (IoU 0.50:0.95) and AP50 by pycocotools' definition over every detection above the floor {{.Result.Floor}}; best F1 over all thresholds.</caption>
<thead><tr><th scope="col">Pipeline</th><th scope="col">Images</th><th scope="col">GT</th><th scope="col">TP</th><th scope="col">FP</th><th scope="col">FN</th><th scope="col">Precision</th><th scope="col">Recall</th><th scope="col">F1</th><th scope="col">AP</th><th scope="col">AP50</th><th scope="col">Best F1 (at score &ge;)</th></tr></thead>
<tbody>
{{range .Pipelines}}<tr><th scope="row">{{.Label}}</th><td class="num">{{.Result.Images}}</td><td class="num">{{.Result.GT}}</td><td class="num">{{.Result.TP}}</td><td class="num">{{.Result.FP}}</td><td class="num">{{.Result.FN}}</td><td class="num">{{pipeP .Result}}</td><td class="num">{{pipeR .Result}}</td><td class="num"><strong>{{pipeF1 .Result}}</strong></td><td class="num">{{ap .Result.AP}}</td><td class="num">{{ap .Result.AP50}}</td><td class="num">{{f3 .BestF1.F1}} ({{f3 .BestF1.Conf}})</td></tr>
{{end}}</tbody>
</table></div>
<div class="table-wrap"><table>
<caption>Preprocessing as run (adapted to the model's input size).</caption>
<thead><tr><th scope="col">Pipeline</th><th scope="col">Model</th><th scope="col">Spec</th><th scope="col">Tensor</th><th scope="col">Decoder</th></tr></thead>
<tbody>
{{range .Pipelines}}<tr><th scope="row">{{.Label}}</th><td><code>{{.Result.Model}}</code></td><td><code>{{.Result.Spec}}</code></td><td>{{.Result.Size}}</td><td>{{.Result.Decoder}}</td></tr>
{{end}}</tbody>
</table></div>
{{$rows := .ParamRows}}{{if $rows}}<h3 id="preprocessing">Every preprocessing parameter</h3>
<div class="table-wrap"><table class="params">
<caption>Each pipeline's spec as run, spelled out; highlighted rows differ between the pipelines (<code>detparity presets</code> explains every preset and its source).</caption>
<thead><tr><th scope="col">Parameter</th>{{range .Pipelines}}<th scope="col">{{.Label}}</th>{{end}}<th scope="col">What the value does</th></tr></thead>
<tbody>
{{range $rows}}{{$row := .}}<tr><th scope="row"{{if .Differs}} class="diff"{{end}}>{{.Key}}</th>{{range $i, $v := .Values}}<td{{if $row.Differs}} class="diff"{{end}}><code>{{$v}}</code></td>{{end}}<td class="what{{if .Differs}} diff{{end}}">{{range .Meaning $.Pipelines}}{{if .Pipeline}}<strong>{{.Pipeline}}</strong>: {{end}}{{.Text}}<br>{{end}}</td></tr>
{{end}}</tbody>
</table></div>
{{range .Pipelines}}{{if .Expanded}}<p class="meta">{{.Label}} as one free spec: <code>{{.Expanded}}</code></p>{{else}}<p class="meta">{{.Label}}: <code>{{.Result.Spec}}</code> is not a letterbox spec ({{.SpecErr}}).</p>{{end}}
{{end}}{{end}}
</section>

<section id="checks" aria-labelledby="checks-h">
<h2 id="checks-h">Checks</h2>
<div class="table-wrap"><table>
<caption>The same checks are in junit.xml.</caption>
<thead><tr><th scope="col">Check</th><th scope="col">Result</th><th scope="col">Detail</th></tr></thead>
<tbody>
{{range .Checks}}<tr><th scope="row">{{.Name}}</th><td class="nowrap">{{if .Failed}}<span class="fail">✗ failed</span>{{else if .Info}}recorded{{else}}<span class="pass">✓ passed</span>{{end}}</td><td>{{.Message}}</td></tr>
{{end}}</tbody>
</table></div>
</section>

<section id="distributions" aria-labelledby="dist-h">
<h2 id="dist-h">Confidence distributions</h2>
<div class="figs">
{{range .Plots}}{{if or (eq .ID "hist-detections") (eq .ID "hist-gt-best")}}<figure id="{{.ID}}">
<img src="{{png .PNG}}" width="{{css .W}}" height="{{css .H}}" alt="{{.Alt}}">
<figcaption><strong>{{.Title}}.</strong> {{.Caption}}</figcaption>
</figure>
{{end}}{{end}}</div>
{{if .Comparisons}}<div class="table-wrap"><table>
<caption>Each pipeline against {{(index .Pipelines 0).Label}}: two-sample Kolmogorov–Smirnov (D, p), Wasserstein-1 (score units), Jensen–Shannon (bits) and PSI on {{.Options.Drift.Bins}} bins over [0, 1].</caption>
<thead><tr><th scope="col">Pipelines</th><th scope="col">Sample</th><th scope="col">n (first / other)</th><th scope="col">KS D</th><th scope="col">KS p</th><th scope="col">W1</th><th scope="col">JS</th><th scope="col">PSI</th><th scope="col">Shift</th></tr></thead>
<tbody>
{{range .Comparisons}}{{$c := .}}<tr><th scope="row" rowspan="2">{{.B}} vs {{.A}}</th><td>GT best score</td>{{with .GTBest}}<td class="num">{{index $c.GTBestN 0}} / {{index $c.GTBestN 1}}</td><td class="num">{{f3 .KS}}</td><td class="num">{{pval .KSP}}</td><td class="num">{{f3 .W1}}</td><td class="num">{{f3 .JS}}</td><td class="num">{{f3 .PSI}}</td><td>{{drift .}}</td>{{else}}<td colspan="7">not compared: {{$c.GTBestErr}}</td>{{end}}</tr>
<tr><td>detections</td>{{with .Detections}}<td class="num">{{index $c.DetectionsN 0}} / {{index $c.DetectionsN 1}}</td><td class="num">{{f3 .KS}}</td><td class="num">{{pval .KSP}}</td><td class="num">{{f3 .W1}}</td><td class="num">{{f3 .JS}}</td><td class="num">{{f3 .PSI}}</td><td>{{drift .}}</td>{{else}}<td colspan="7">not compared: {{$c.DetectionsErr}}</td>{{end}}</tr>
{{end}}</tbody>
</table></div>{{end}}
</section>

<section id="curves" aria-labelledby="curves-h">
<h2 id="curves-h">Precision–recall, F1, precision and recall curves</h2>
<div class="figs">
{{range .Plots}}{{if or (eq .ID "pr") (eq .ID "f1-conf") (eq .ID "p-conf") (eq .ID "r-conf")}}<figure id="{{.ID}}">
<img src="{{png .PNG}}" width="{{css .W}}" height="{{css .H}}" alt="{{.Alt}}">
<figcaption><strong>{{.Title}}.</strong> {{.Caption}}</figcaption>
</figure>
{{end}}{{end}}</div>
</section>

{{if .Result.Reference}}<section id="reference" aria-labelledby="reference-h">
<h2 id="reference-h">Against the reference predictions</h2>
<p>Reference: <code>{{.Result.Reference}}</code>. Per image and class, reference detections in descending score take the unmatched pipeline detection of IoU &ge; {{refIoU}}; only detections scoring above {{.Result.ReferenceFloor}} on either side take part; unmatched ones within {{refSlack}} of that floor are borderline, not disagreements.</p>
<div class="table-wrap"><table>
<caption>Detection-by-detection agreement; box error is the largest coordinate difference of a matched pair in source pixels.</caption>
<thead><tr><th scope="col">Pipeline</th><th scope="col">Agree</th><th scope="col">Matched</th><th scope="col">Reference only</th><th scope="col">Pipeline only</th><th scope="col">Borderline</th><th scope="col">Box error mean / p99 / max (px)</th><th scope="col">|Δscore| mean / p99 / max</th></tr></thead>
<tbody>
{{range .Pipelines}}{{$p := .}}{{with .Result.Reference}}<tr><th scope="row">{{$p.Label}}</th><td class="num"><strong>{{pct .Fraction}}</strong></td><td class="num">{{.Matched}}</td><td class="num">{{.RefOnly}}</td><td class="num">{{.Only}}</td><td class="num">{{.Borderline}}</td><td class="num">{{g3 .BoxErrMean}} / {{g3 .BoxErrP99}} / {{g3 .BoxErrMax}}</td><td class="num">{{g3 .ScoreDiffMean}} / {{g3 .ScoreDiffP99}} / {{g3 .ScoreDiffMax}}</td></tr>
{{end}}{{end}}</tbody>
</table></div>
</section>
{{end}}
<section id="classes" aria-labelledby="classes-h">
<h2 id="classes-h">Per class</h2>
<div class="table-wrap"><table>
<caption>Per class at score &gt; {{.Result.Conf}}; COCO AP and AP50 per class (n/a without ground truth; precision n/a without a detection).</caption>
<thead><tr><th scope="col">Class</th><th scope="col">Pipeline</th><th scope="col">Images</th><th scope="col">GT</th><th scope="col">TP</th><th scope="col">FP</th><th scope="col">Precision</th><th scope="col">Recall</th><th scope="col">F1</th><th scope="col">AP</th><th scope="col">AP50</th></tr></thead>
<tbody>
{{$ps := .Pipelines}}{{range $row := .Classes}}{{range $i, $p := $ps}}{{$c := countsAt $row $i}}<tr>{{if eq $i 0}}<th scope="rowgroup" rowspan="{{len $ps}}">{{$row.Name}}</th>{{end}}<td>{{$p.Label}}</td><td class="num">{{$c.Images}}</td><td class="num">{{$c.GT}}</td><td class="num">{{$c.TP}}</td><td class="num">{{$c.FP}}</td><td class="num">{{classP $c}}</td><td class="num">{{classR $c}}</td><td class="num">{{classF1 $c}}</td><td class="num">{{apAt $row $i}}</td><td class="num">{{ap50At $row $i}}</td></tr>
{{end}}{{end}}</tbody>
</table></div>
</section>

{{if .Confusion}}<section id="confusion" aria-labelledby="confusion-h">
<h2 id="confusion-h">Class confusion</h2>
<p>Rows: the true class of each object, then "background" for detections that matched no object; columns: the class predicted, then "background" for objects no detection matched. Detections with score &gt; {{.Result.Conf}}; a detection and an object of any classes pair up when their IoU &gt; {{.Result.MatchIoU}}, highest IoU first (Ultralytics' <code>ConfusionMatrix</code>). Shading is the share of the row; the outlined diagonal is correct.</p>
{{range .Confusion}}{{$c := .}}<div class="table-wrap"><table class="cm">
<caption>{{.Pipeline}}{{if lt (len .Classes) (len $.Result.Classes)}} (classes without any count left out){{end}}</caption>
<thead><tr><th scope="col">true \ predicted</th>{{range .Names}}<th scope="col">{{.}}</th>{{end}}<th scope="col">total</th></tr></thead>
<tbody>
{{range .Rows}}<tr><th scope="row">{{.Name}}</th>{{range .Cells}}<td class="{{shade .Share}}{{if .Correct}} correct{{end}}">{{.Count}}</td>{{end}}<td>{{.Total}}</td></tr>
{{end}}</tbody>
</table></div>
{{end}}</section>
{{end}}
<section id="gallery" aria-labelledby="gallery-h">
<h2 id="gallery-h">Where the pipelines disagree</h2>
{{if .Gallery}}<p>The {{len .Gallery}} images with the largest difference in true positives between pipelines (then false positives, then errors), each as every pipeline saw it, boxes in source pixels, detections with score &gt; {{.Result.Conf}} labelled with their score. Under each, the tensor that pipeline fed the model, padding included, as an 8-bit image with tensor channel 0 shown as red (a BGR-fed pipeline shows red and blue swapped).</p>
<ul class="legend" aria-label="Box legend">
<li><span class="swatch sw-gt" aria-hidden="true"></span>ground truth found (thick)</li>
<li><span class="swatch sw-missed" aria-hidden="true"></span>ground truth missed (thick)</li>
<li><span class="swatch sw-tp" aria-hidden="true"></span>true positive (thin solid)</li>
<li><span class="swatch sw-fp" aria-hidden="true"></span>false positive (dashed)</li>
</ul>
{{range .Gallery}}<h3>{{.Name}}</h3>
<p class="meta">{{.W}}×{{.H}} px, drawn at {{f3 .Scale}}×; {{.Why}}.</p>
<div class="panels">
{{range .Panels}}<figure>
<figcaption><strong>{{.Pipeline}}</strong>: TP {{.TP}}, FP {{.FP}}, FN {{.FN}}</figcaption>
<img src="{{jpeg .JPEG}}" width="{{.W}}" height="{{.H}}" alt="{{.Alt}}">
{{if .Input}}<div class="input">model input, {{.InputSize}}
<img src="{{jpeg .Input}}" width="{{.InputW}}" height="{{.InputH}}" alt="The {{.InputSize}} tensor {{.Pipeline}} fed the model for this image, padding included"></div>{{else}}<div class="input noinput">{{.InputNote}}</div>{{end}}
</figure>
{{end}}</div>
{{end}}{{else}}<p>No image where the pipelines differ or make an error at this threshold.</p>{{end}}
</section>

{{if or .Result.Failed .Result.Orphans}}<section id="problems" aria-labelledby="problems-h">
<h2 id="problems-h">Images not evaluated</h2>
{{with .Result.Failed}}<div class="table-wrap"><table>
<caption>Excluded from every pipeline alike.</caption>
<thead><tr><th scope="col">Image</th><th scope="col">Stage</th><th scope="col">Error</th></tr></thead>
<tbody>{{range .}}<tr><th scope="row">{{.Image}}</th><td>{{.Stage}}</td><td><code>{{.Error}}</code></td></tr>
{{end}}</tbody></table></div>{{end}}
{{with .Result.Orphans}}<p>Label files without an image: {{range $i, $o := .}}{{if $i}}, {{end}}<code>{{$o}}</code>{{end}}</p>{{end}}
</section>{{end}}

<footer>
<p>Made by detparity{{with .Options.Version}} {{.}}{{end}}. TP: a detection with score &gt; threshold matching a not-yet-matched ground truth of its class at IoU &ge; {{.Result.MatchIoU}}, highest scores first; FP: any other such detection; FN: a ground truth left unmatched. Precision TP/(TP+FP), recall TP/(TP+FN), F1 their harmonic mean. report.json holds every number of this page; report.md the tables; junit.xml the checks.</p>
</footer>
</main>
</body>
</html>
`))
