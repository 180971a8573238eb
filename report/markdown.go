package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/detparity/detparity/internal/textsafe"
	"github.com/detparity/detparity/metrics"
	"github.com/detparity/detparity/parity"
)

// WriteMarkdown writes report.md: the verdict, the tables and the checks of the HTML
// page in GitHub-flavoured Markdown, with no image and no external link (the figures
// are in index.html next to it).
func (r *Report) WriteMarkdown(w io.Writer) error {
	var out strings.Builder
	if err := r.writeMarkdown(&out); err != nil {
		return err
	}
	// Control characters from the data are escaped (internal/textsafe), in
	// code spans too.
	_, err := io.WriteString(w, textsafe.Text(out.String()))
	return err
}

func (r *Report) writeMarkdown(w io.Writer) error {
	b := bufio.NewWriter(w)
	res := r.Result
	fmt.Fprintf(b, "# %s\n\n", mdEscape(r.Options.Title))
	fmt.Fprintf(b, "**%s.** %s\n\n", statusName(r.Verdict.Status), mdEscape(r.Verdict.Headline))
	for _, d := range r.Verdict.Details {
		fmt.Fprintf(b, "- %s\n", mdEscape(d))
	}
	if len(r.Verdict.Details) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "_%s_\n\n", mdEscape(r.Verdict.Thresholds))
	models := res.Models
	if len(models) == 0 {
		models = []string{res.Model}
	}
	fmt.Fprintf(b, "- Model: `%s` (input %d×%d), classes: %s\n", strings.Join(models, "`, `"), res.InputW, res.InputH, mdEscape(strings.Join(res.Classes, ", ")))
	fmt.Fprintf(b, "- Data: `%s`: %d images, %d evaluated, %d failed\n", res.Data, res.Images, res.Evaluated, len(res.Failed))
	fmt.Fprintf(b, "- Threshold: score > %g, match IoU >= %g, NMS IoU %g, score floor %g\n", res.Conf, res.MatchIoU, res.NMSIoU, res.Floor)
	if r.Options.Command != "" {
		fmt.Fprintf(b, "- Command: `%s`\n", r.Options.Command)
	}
	if r.Options.Version != "" {
		fmt.Fprintf(b, "- detparity %s\n", mdEscape(r.Options.Version))
	}
	if !r.Options.Time.IsZero() {
		fmt.Fprintf(b, "- Run: %s\n", r.Options.Time.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	b.WriteString("\nPlots and the image gallery: [index.html](index.html).\n")

	b.WriteString("\n## Pipelines at the threshold\n\n")
	fmt.Fprintf(b, "AP (IoU 0.50:0.95) and AP50 by pycocotools' definition over every detection above the floor %g.\n\n", res.Floor)
	b.WriteString("| pipeline | images | GT | TP | FP | FN | precision | recall | F1 | AP | AP50 | best F1 (at score >=) |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, p := range r.Pipelines {
		pr := p.Result
		c := pipelineCounts(pr)
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %d | %s | %s | **%s** | %s | %s | %.3f (%.3f) |\n",
			mdCell(p.Label), pr.Images, pr.GT, pr.TP, pr.FP, pr.FN, countP(c), countR(c), countF1(c), apString(pr.AP), apString(pr.AP50), p.BestF1.F1, p.BestF1.Conf)
	}
	b.WriteString("\n| pipeline | model | spec as run | tensor | decoder |\n|---|---|---|---|---|\n")
	for _, p := range r.Pipelines {
		fmt.Fprintf(b, "| %s | `%s` | `%s` | %s | %s |\n", mdCell(p.Label), p.Result.Model, p.Result.Spec, p.Result.Size, p.Result.Decoder)
	}
	if rows := r.ParamRows(); len(rows) > 0 {
		b.WriteString("\nEvery preprocessing parameter (rows marked ≠ differ between the pipelines):\n\n| parameter |")
		for _, p := range r.Pipelines {
			fmt.Fprintf(b, " %s |", mdCell(p.Label))
		}
		b.WriteString("\n|---|" + strings.Repeat("---|", len(r.Pipelines)) + "\n")
		for _, row := range rows {
			mark := ""
			if row.Differs {
				mark = " ≠"
			}
			fmt.Fprintf(b, "| %s%s |", row.Key, mark)
			for _, v := range row.Values {
				fmt.Fprintf(b, " `%s` |", v)
			}
			b.WriteString("\n")
		}
	}

	b.WriteString("\n## Checks\n\n| check | result | detail |\n|---|---|---|\n")
	for _, c := range r.Checks {
		st := "passed"
		switch {
		case c.Failed:
			st = "**FAILED**"
		case c.Info:
			st = "recorded"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", mdCell(c.Name), st, mdCell(c.Message))
	}

	if len(r.Comparisons) > 0 {
		fmt.Fprintf(b, "\n## Confidence distributions against %s\n\n", mdEscape(r.Pipelines[0].Label))
		fmt.Fprintf(b, "KS: two-sample Kolmogorov–Smirnov; W1: Wasserstein-1 in score units; JS: Jensen–Shannon in bits; PSI on %d bins over [0, 1].\n\n", r.Options.Drift.Bins)
		b.WriteString("| pipelines | sample | n | KS D | KS p | W1 | JS | PSI | shift |\n|---|---|--:|--:|--:|--:|--:|--:|---|\n")
		for _, c := range r.Comparisons {
			for _, s := range []struct {
				name string
				n    [2]int
				d    driftRow
			}{{"GT best score", c.GTBestN, driftRow{c.GTBest, c.GTBestErr}}, {"detections", c.DetectionsN, driftRow{c.Detections, c.DetectionsErr}}} {
				if s.d.d == nil {
					fmt.Fprintf(b, "| %s vs %s | %s | %d / %d | | | | | | not compared: %s |\n", mdCell(c.B), mdCell(c.A), s.name, s.n[0], s.n[1], mdCell(s.d.err))
					continue
				}
				d := s.d.d
				fmt.Fprintf(b, "| %s vs %s | %s | %d / %d | %.3f | %s | %.3f | %.3f | %.3f | %s |\n",
					mdCell(c.B), mdCell(c.A), s.name, s.n[0], s.n[1], d.KS, pval(d.KSP), d.W1, d.JS, d.PSI, mdCell(d.String()))
			}
		}
	}

	if res.Reference != "" {
		fmt.Fprintf(b, "\n## Against the reference predictions\n\nReference `%s`; detections above %g on either side, matched at IoU >= %g with the same class; box error in source pixels.\n\n",
			res.Reference, res.ReferenceFloor, parity.ReferenceIoU)
		b.WriteString("| pipeline | agree | matched | reference only | pipeline only | borderline | box error mean / p99 / max | abs. score diff. mean / p99 / max |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, p := range r.Pipelines {
			if a := p.Result.Reference; a != nil {
				fmt.Fprintf(b, "| %s | %.2f %% | %d | %d | %d | %d | %.3g / %.3g / %.3g | %.3g / %.3g / %.3g |\n", mdCell(p.Label), 100*a.Fraction,
					a.Matched, a.RefOnly, a.Only, a.Borderline, a.BoxErrMean, a.BoxErrP99, a.BoxErrMax, a.ScoreDiffMean, a.ScoreDiffP99, a.ScoreDiffMax)
			}
		}
	}

	fmt.Fprintf(b, "\n## Per class (score > %g)\n\n", res.Conf)
	b.WriteString("| class | pipeline | images | GT | TP | FP | precision | recall | F1 | AP | AP50 |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, row := range r.Classes {
		for i, p := range r.Pipelines {
			c := row.Counts[i]
			fmt.Fprintf(b, "| %s | %s | %d | %d | %d | %d | %s | %s | %s | %s | %s |\n",
				mdCell(row.Name), mdCell(p.Label), c.Images, c.GT, c.TP, c.FP, countP(c), countR(c), countF1(c), apString(row.AP[i]), apString(row.AP50[i]))
		}
	}

	for _, c := range r.Confusion {
		fmt.Fprintf(b, "\n## Class confusion: %s\n\nRows: true class (background: detections that matched no object); columns: predicted class (background: objects no detection matched); score > %g, IoU > %g, Ultralytics' ConfusionMatrix rule.\n\n| true \\ predicted |",
			mdEscape(c.Pipeline), res.Conf, res.MatchIoU)
		for _, n := range c.Names() {
			fmt.Fprintf(b, " %s |", mdCell(n))
		}
		b.WriteString(" total |\n|---|" + strings.Repeat("--:|", len(c.Classes)+2) + "\n")
		for _, row := range c.Rows() {
			fmt.Fprintf(b, "| %s |", mdCell(row.Name))
			for _, cell := range row.Cells {
				if cell.Correct {
					fmt.Fprintf(b, " **%d** |", cell.Count)
				} else {
					fmt.Fprintf(b, " %d |", cell.Count)
				}
			}
			fmt.Fprintf(b, " %d |\n", row.Total)
		}
	}

	if len(r.Gallery) > 0 {
		b.WriteString("\n## Images where the pipelines disagree most\n\n")
		b.WriteString("| image |")
		for _, p := range r.Pipelines {
			fmt.Fprintf(b, " %s TP/FP/FN |", mdCell(p.Label))
		}
		b.WriteString("\n|---|" + strings.Repeat("--:|", len(r.Pipelines)) + "\n")
		for _, g := range r.Gallery {
			fmt.Fprintf(b, "| `%s` |", g.Name)
			for _, p := range g.Panels {
				fmt.Fprintf(b, " %d/%d/%d |", p.TP, p.FP, p.FN)
			}
			b.WriteString("\n")
		}
	}
	if len(res.Failed) > 0 {
		b.WriteString("\n## Images not evaluated\n\n| image | stage | error |\n|---|---|---|\n")
		for _, f := range res.Failed {
			fmt.Fprintf(b, "| `%s` | %s | %s |\n", f.Image, f.Stage, mdCell(f.Error))
		}
	}
	for _, o := range res.Orphans {
		fmt.Fprintf(b, "\nLabel file without an image: `%s`\n", o)
	}
	return b.Flush()
}

type driftRow struct {
	d   *metrics.Drift
	err string
}

func statusName(s string) string {
	switch s {
	case "drift":
		return "Drift"
	case "agree":
		return "Agree"
	case "no-data":
		return "No data"
	}
	return "Result"
}

// mdEscaper escapes the characters Markdown would read as formatting.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`)

// mdEscape escapes s for Markdown text. A '<' is escaped only where it could open an
// HTML tag or comment (before a letter, '/', '!' or '?'), so "p < 0.05" stays readable.
func mdEscape(s string) string {
	s = textsafe.Name(mdEscaper.Replace(s))
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '<' && i+1 < len(s) && (isLetter(s[i+1]) || strings.IndexByte("/!?", s[i+1]) >= 0) {
			b.WriteString(`\<`)
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// mdCell escapes s for a table cell (pipes and newlines too).
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(mdEscape(s))
}
