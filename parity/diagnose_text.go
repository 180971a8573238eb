package parity

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the diagnosis for a person: the verdict (or why there is
// none), the tied specs and what they leave undecided, the gap to the next
// spec, what each candidate loses, how much the plain centre letterbox
// recovers, then the ranking: finalists, then the specs screened out.
func (d *Diagnosis) WriteText(w io.Writer) error {
	metric := "COCO AP (IoU 0.50:0.95)"
	if d.ByReference {
		metric = "agreement with the reference " + d.Reference
	}
	fmt.Fprintf(w, "model %s, data %s: %d images (screened on %d), ranked by %s; %s\n\n", d.Model, d.Data, d.Images,
		d.Screened, metric, d.Elapsed.Round(100*time.Millisecond))
	b := d.Best
	if d.Prior != nil {
		fmt.Fprintf(w, "prior: %s says %s (used only where the data cannot decide)\n", d.PriorWhy, d.Prior.Spec)
	}
	switch {
	case d.Named != nil && d.Named == d.Prior && d.Named != b:
		fmt.Fprintf(w, "behaves as trained with: %s  (%s): the metadata's pipeline, which the data cannot tell from the best, %s\n",
			d.Named.Spec, d.describe(d.Named), b.Spec)
	case d.Named != nil:
		fmt.Fprintf(w, "behaves as trained with: %s  (%s)\n", b.Spec, d.describe(b))
		if len(d.Tied) > 0 {
			fmt.Fprintf(w, "  %d more specs of the same family (%s) are indistinguishable on this data; it does not decide %s\n",
				len(d.Tied), b.Family, strings.Join(d.Undecided, ", "))
		}
	default:
		fmt.Fprintf(w, "cannot tell: %s\n", d.CannotTell)
		fmt.Fprintf(w, "  best: %s  (%s)\n", b.Spec, d.describe(b))
	}
	if p := d.Prior; p != nil && d.Named != p && p.Err == "" {
		fmt.Fprintf(w, "  the data contradicts the metadata: %s scores %.4f %s against the best's %.4f\n", p.Spec, p.Score, d.scoreName(), b.Score)
	}
	d.writeTied(w)
	if d.Next != nil {
		fmt.Fprintf(w, "next best: %s  (%s)", d.Next.Spec, d.describe(d.Next))
		if d.Gap != nil {
			fmt.Fprintf(w, "; paired bootstrap of the %s: %+.4f, %.4g%% CI [%+.4f, %+.4f], p=%.3g < %.3g (0.05 over the specs evaluated)",
				d.GapMetric, d.Gap.Delta, 100*(1-d.Gap.Alpha), d.Gap.Lo, d.Gap.Hi, d.Gap.P, d.Gap.Alpha)
		} else {
			fmt.Fprintf(w, "; it fails on other images")
		}
		fmt.Fprintln(w)
	}
	for _, c := range d.Candidates {
		if c.Err != "" {
			fmt.Fprintf(w, "your pipeline %s: cannot run (%s)\n", c.Spec, c.Err)
			continue
		}
		verb, delta := "loses", b.Score-c.Score
		if delta < 0 {
			verb, delta = "gains", -delta
		}
		fmt.Fprintf(w, "your pipeline %s: %s; %s %.4f %s against %s\n", c.Spec, d.describe(c), verb, delta, d.scoreName(), b.Spec)
	}
	if frac, st, ce, ok := d.LetterboxRecovery(); ok {
		fmt.Fprintf(w, "plain centre letterbox (%s) F1 %.4f vs stretch %.4f and %s %.4f: recovers %.1f%% of the F1 lost to stretching\n",
			ce.Spec, ce.F1, st.F1, b.Spec, b.F1, 100*frac)
	}
	return d.writeRanking(w)
}

// writeTied lists the tied specs (at most 6).
func (d *Diagnosis) writeTied(w io.Writer) {
	if len(d.Tied) == 0 {
		return
	}
	// The tied specs and the best, but for the one the verdict names or shows.
	shown := d.Named
	if shown == nil {
		shown = d.Best
	}
	var names []string
	for _, t := range append([]*Trial{d.Best}, d.Tied...) {
		if t == shown {
			continue
		}
		if len(names) == 6 {
			names = append(names, "and more (see the ranking)")
			break
		}
		names = append(names, fmt.Sprintf("%s (%s %.4f)", t.Spec, d.scoreName(), t.Score))
	}
	fmt.Fprintf(w, "  indistinguishable from it: %s\n", strings.Join(names, "; "))
}

// writeRanking prints the finalists and the screened-out specs, each sorted.
func (d *Diagnosis) writeRanking(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := func(title string) {
		fmt.Fprintf(tw, "\n%s\n", title)
		fmt.Fprintln(tw, "  #\tspec\torigin\timages\tF1\tAP50\tAP\tGT score\tscore\tnote")
	}
	header(fmt.Sprintf("ranking (every one of %d images):", d.Images))
	screened := false
	for i, t := range d.Ranked {
		if !t.Final && !screened {
			screened = true
			header(fmt.Sprintf("screened out (on %d images):", d.Screened))
		}
		note := ""
		switch {
		case t.Err != "":
			note = t.Err
		case t == d.Best:
			note = "best"
		case d.isTied(t):
			note = "tied with the best"
		case t.Failed > 0:
			note = fmt.Sprintf("%d images failed", t.Failed)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%s\n", i+1, t.Spec, t.Origin, t.Images, t.F1, t.AP50,
			t.AP, t.GTScore, t.Score, note)
	}
	return tw.Flush()
}

func (d *Diagnosis) isTied(t *Trial) bool {
	for _, x := range d.Tied {
		if x == t {
			return true
		}
	}
	return false
}

func (d *Diagnosis) scoreName() string {
	if d.ByReference {
		return "agreement"
	}
	return "AP"
}

func (d *Diagnosis) describe(t *Trial) string {
	s := fmt.Sprintf("AP %.4f, AP50 %.4f, GT score %.4f, F1 %.4f (TP %d FP %d FN %d)", t.AP, t.AP50, t.GTScore, t.F1, t.TP, t.FP, t.FN)
	if t.Agreement != nil {
		s += fmt.Sprintf(", agreement %.2f%%", 100*t.Agreement.Fraction)
	}
	return s
}
