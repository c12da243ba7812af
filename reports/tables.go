// Package reports renders a gapbench study: the terminal output of gapbench run,
// the CSV of every (suite, arm, seed, metric), and the committed report of record
// (REPORT.md, results.csv and SVG figures under reports/). Every interval and
// p-value in it comes from package stats; nothing here computes a statistic of
// its own beyond formatting.
//
// It is not for running anything: it reads finished results.
package reports

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"gapbench/hypotheses"
	"gapbench/hypotheses/theory"
	"gapbench/metrics"
	"gapbench/runner"
	"gapbench/stats"
)

// table renders a header and rows with tablewriter, keeping headers as written
// and escaping '|' in markdown cells.
func table(w io.Writer, f stats.Format, header []string, rows [][]string) error {
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
	}
	if f == stats.Markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	} else {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleLight)})))
	}
	t := tablewriter.NewTable(w, opts...)
	esc := func(s string) string {
		if f == stats.Markdown {
			return strings.ReplaceAll(s, "|", `\|`)
		}
		return s
	}
	h := make([]any, len(header))
	for i, s := range header {
		h[i] = esc(s)
	}
	t.Header(h...)
	for _, r := range rows {
		cells := make([]string, len(r)) // a fresh slice: tablewriter keeps what it is given
		for i, s := range r {
			cells[i] = esc(s)
		}
		if err := t.Append(cells); err != nil {
			return err
		}
	}
	return t.Render()
}

// num formats a metric value with the precision its scale deserves.
func num(metric string, v float64) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case math.IsInf(v, 0):
		return fmt.Sprint(v)
	case math.Abs(v) >= 1e6:
		// Beyond the range fixed decimals read well in: four significant
		// digits with an exponent, never hundreds of digits.
		return fmt.Sprintf("%.4g", v)
	case metric == "win_rate":
		return fmt.Sprintf("%.1f", v)
	case metric == "steps":
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// metricRange is a metric's possible values (declared in package metrics)
// as a stats.Range, so that no interval leaves them; a metric gapbench does
// not know is unbounded.
func metricRange(metric string) stats.Range {
	r, _ := metrics.RangeOf(metric)
	return stats.Range{Lo: r.Lo, Hi: r.Hi}
}

// cell is "centre [lo, hi]".
func cell(metric string, centre float64, iv stats.Interval) string {
	return fmt.Sprintf("%s [%s, %s]", num(metric, centre), num(metric, iv.Lo), num(metric, iv.Hi))
}

// armsTable renders one row per arm: each metric's mean and 95% interval over
// seeds, and the win-rate difference to dpo paired by seed when the suite has dpo.
func armsTable(w io.Writer, f stats.Format, st *hypotheses.Study, s *hypotheses.Suite) error {
	header := []string{"arm"}
	for _, m := range s.Metrics {
		header = append(header, m)
	}
	_, hasDPO := s.Arm("dpo")
	if hasDPO {
		header = append(header, "Δ win_rate vs dpo")
	}
	var rows [][]string
	dpo := st.ArmValues(s, "dpo")
	var notes []string
	for _, a := range s.Arms {
		vals := st.ArmValues(s, a.Name)
		row := []string{a.Name}
		failed := s.ArmFailures(st.Outcomes, a.Name)
		if len(failed) > 0 {
			// A failed arm keeps its row, marked, with no numbers: its seeds no
			// longer pair with the other arms'.
			row[0] += " (failed)"
			notes = append(notes, hypotheses.FailureNote(failed))
			for range s.Metrics {
				row = append(row, "failed")
			}
			if hasDPO {
				row = append(row, "")
			}
			rows = append(rows, row)
			continue
		}
		if seeds := divergedSeeds(st, s, a.Name); len(seeds) > 0 {
			row[0] += " (diverged)"
			notes = append(notes, fmt.Sprintf("%s diverged on %s: its final training loss exceeds its initial loss", a.Name, seedList(seeds)))
		}
		for _, m := range s.Metrics {
			x := vals[m]
			if len(x) == 0 {
				row = append(row, "—")
				continue
			}
			sum, err := stats.SummarizeIn(x, metricRange(m), stats.DefaultOptions())
			if err != nil {
				return fmt.Errorf("suite %s, arm %s, %s: %w", s.Name, a.Name, m, err)
			}
			row = append(row, cell(m, sum.Mean, sum.CI))
		}
		if hasDPO {
			if a.Name == "dpo" || len(vals["win_rate"]) == 0 || len(vals["win_rate"]) != len(dpo["win_rate"]) { // nothing to pair with when dpo failed
				row = append(row, "")
			} else {
				p, err := stats.ComparePaired(vals["win_rate"], dpo["win_rate"], stats.DefaultOptions())
				if err != nil {
					return fmt.Errorf("suite %s, arm %s vs dpo: %w", s.Name, a.Name, err)
				}
				row = append(row, fmt.Sprintf("%+.1f [%+.1f, %+.1f]", p.Mean, p.CI.Lo, p.CI.Hi))
			}
		}
		rows = append(rows, row)
	}
	if err := table(w, f, header, rows); err != nil {
		return err
	}
	for _, n := range notes {
		if _, err := fmt.Fprintf(w, "\n%s\n", n); err != nil {
			return err
		}
	}
	return nil
}

// seedList is "seed 2" or "seeds 1, 3".
func seedList(seeds []int) string {
	s := make([]string, len(seeds))
	for i, x := range seeds {
		s[i] = fmt.Sprint(x)
	}
	if len(s) == 1 {
		return "seed " + s[0]
	}
	return "seeds " + strings.Join(s, ", ")
}

// divergedSeeds lists the seeds on which an arm's run diverged (runner.Diverged).
func divergedSeeds(st *hypotheses.Study, s *hypotheses.Suite, arm string) []int {
	var seeds []int
	for _, o := range st.Outcomes {
		if o.Job.Suite == s.Name && o.Job.Arm == arm && o.Result != nil && runner.Diverged(o.Result) {
			seeds = append(seeds, o.Job.Seed)
		}
	}
	sort.Ints(seeds)
	return seeds
}

// verdictRows is the verdict table: suite, hypothesis, our verdict, the deciding
// claims with Δ and interval, and the paper's verdict.
func verdictRows(st *hypotheses.Study) [][]string {
	var rows [][]string
	for _, r := range st.Results {
		var dec []string
		deciding := map[string]bool{}
		for _, c := range r.Suite.Claims {
			deciding[c.ID] = c.Decides
		}
		for _, c := range r.Claims {
			if !deciding[c.Claim.ID] {
				continue
			}
			dec = append(dec, fmt.Sprintf("%s %s: Δ %s [%s, %s] %s", c.Claim.ID, claimShort(c.Claim),
				num(c.Claim.Metric, c.Paired.Mean), num(c.Claim.Metric, c.Paired.CI.Lo), num(c.Claim.Metric, c.Paired.CI.Hi), c.Verdict))
		}
		rows = append(rows, []string{r.Suite.Name, r.Suite.Title, string(r.Verdict), strings.Join(dec, "; "), r.Suite.Paper})
	}
	return rows
}

// claimShort is "A > B" or "A ≈ B".
func claimShort(c stats.Claim) string {
	op := ">"
	switch {
	case c.Kind == stats.Equivalence:
		op = "≈"
	case c.Predict == stats.Less:
		op = "<"
	}
	return fmt.Sprintf("%s %s %s", c.A, op, c.B)
}

// TheoryCheck is one row of the theory table.
type TheoryCheck = theory.Check

// RunTheory runs the exact tabular checks of the paper's theory.
func RunTheory() ([]TheoryCheck, error) { return theory.RunAll() }

func theoryRows(checks []TheoryCheck) [][]string {
	rows := make([][]string, len(checks))
	for i, c := range checks {
		pass := "pass"
		if !c.Pass {
			pass = "FAIL"
		}
		rows[i] = []string{c.Name, c.Statement, fmt.Sprintf("%.2g", c.Measured), fmt.Sprintf("%.0g", c.Tolerance), pass}
	}
	return rows
}

// WriteTerminal writes what gapbench run prints: per suite the arms table, the
// claims table and the verdict; the theory checks; and the verdict table.
func WriteTerminal(w io.Writer, st *hypotheses.Study, checks []TheoryCheck) error {
	if st != nil {
		fmt.Fprintf(w, "budget %s, %d seeds per arm; intervals are 95%%; p-values Holm-adjusted in two families: the deciding claims of every suite below, and the context claims\n",
			st.Budget.Name, st.Seeds)
		for _, r := range st.Results {
			s := r.Suite
			fmt.Fprintf(w, "\n== %s: %s\n%s\nprediction: %s\n\n", s.Name, s.Title, s.Hypothesis, s.Prediction)
			if err := armsTable(w, stats.Terminal, st, s); err != nil {
				return err
			}
			fmt.Fprintln(w)
			if err := stats.RenderClaims(w, r.Claims, stats.Terminal); err != nil {
				return err
			}
			fmt.Fprintf(w, "verdict: %s (paper: %s)\n", r.Verdict, s.Paper)
		}
	}
	if len(checks) > 0 {
		fmt.Fprintf(w, "\n== theory: exact checks in tabular worlds\n\n")
		if err := table(w, stats.Terminal, []string{"check", "statement", "measured", "tolerance", ""}, theoryRows(checks)); err != nil {
			return err
		}
	}
	if st != nil {
		fmt.Fprintf(w, "\n== verdicts\n\n")
		rows := verdictRows(st)
		if len(checks) > 0 {
			rows = append(rows, []string{"theory", "equivalence, coverage, SFT = SPIN", theoryVerdict(checks), fmt.Sprintf("%d exact checks", len(checks)), "proved"})
		}
		return table(w, stats.Terminal, []string{"suite", "hypothesis", "our verdict", "deciding claims", "paper"}, rows)
	}
	return nil
}

func theoryVerdict(checks []TheoryCheck) string {
	for _, c := range checks {
		if !c.Pass {
			return "FAILED"
		}
	}
	return "holds"
}

// WriteCSV writes one row per (suite, arm, seed, metric), header
// suite,arm,seed,metric,value, in suite, arm, seed and metric-name order.
// Values are printed in the shortest form that round-trips, so the file is
// byte-identical across reruns and worker counts.
func WriteCSV(w io.Writer, st *hypotheses.Study) error {
	if _, err := fmt.Fprintln(w, "suite,arm,seed,metric,value"); err != nil {
		return err
	}
	for _, s := range st.Suites {
		for _, a := range s.Arms {
			for _, o := range st.Outcomes {
				if o.Job.Suite != s.Name || o.Job.Arm != a.Name || o.Result == nil {
					continue // a failed run has no values
				}
				names := make([]string, 0, len(o.Result.Metrics))
				for m := range o.Result.Metrics {
					names = append(names, m)
				}
				sort.Strings(names)
				for _, m := range names {
					if _, err := fmt.Fprintf(w, "%s,%s,%d,%s,%s\n", csvField(s.Name), csvField(a.Name), o.Job.Seed, m,
						formatFloat(o.Result.Metrics[m])); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}
