// Package reports renders a gapbench study: the terminal output of gapbench run
// (every line within TerminalWidth columns), the CSV of every (suite, arm, seed,
// metric), the long CSV of training curves, and the committed report of record
// (REPORT.md, results.csv and SVG figures under reports/, each figure embedded
// where its suite is discussed). Every interval and
// p-value in it comes from package stats; nothing here computes a statistic of
// its own beyond formatting.
//
// It is not for running anything: it reads finished results.
package reports

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"gapbench/hypotheses"
	"gapbench/hypotheses/theory"
	"gapbench/metrics"
	"gapbench/recipe"
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
		if caps := stats.FitColumns(append([][]string{header}, rows...), nil, TerminalWidth); caps != nil {
			opts = append(opts, tablewriter.WithColumnWidths(caps),
				tablewriter.WithRowAutoWrap(tw.WrapNormal), tablewriter.WithHeaderAutoWrap(tw.WrapNormal))
		}
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

// TerminalWidth is the width, in columns, that every line gapbench run prints
// to the terminal fits in: wide tables wrap their cells or split their columns.
const TerminalWidth = stats.TerminalWidth

// splitColumns splits a table whose natural width exceeds TerminalWidth into
// tables of consecutive columns, each repeating the first (row-label) column,
// so that every line fits. It returns the table unchanged when it fits.
func splitColumns(header []string, rows [][]string) []tablePart {
	width := func(col int) int {
		w := utf8.RuneCountInString(header[col])
		for _, r := range rows {
			w = max(w, utf8.RuneCountInString(r[col]))
		}
		return w + 3 // padding and one border
	}
	var parts []tablePart
	take := func(cols []int) {
		h := make([]string, len(cols))
		rs := make([][]string, len(rows))
		for i, c := range cols {
			h[i] = header[c]
		}
		for j, r := range rows {
			rs[j] = make([]string, len(cols))
			for i, c := range cols {
				rs[j][i] = r[c]
			}
		}
		parts = append(parts, tablePart{h, rs})
	}
	first := width(0) + 1
	cols, used := []int{0}, first
	for c := 1; c < len(header); c++ {
		w := width(c)
		if len(cols) > 1 && used+w > TerminalWidth {
			take(cols)
			cols, used = []int{0}, first
		}
		cols, used = append(cols, c), used+w
	}
	take(cols)
	return parts
}

// tablePart is a header and rows: one of the tables splitColumns makes.
type tablePart struct {
	header []string
	rows   [][]string
}

// Table writes a header and rows as a table in format f; on a terminal its
// widest columns wrap so that it fits TerminalWidth.
func Table(w io.Writer, f stats.Format, header []string, rows [][]string) error {
	return table(w, f, header, rows)
}

// num formats a metric value with the precision its scale deserves.
func num(metric string, v float64) string {
	metric, _, _ = strings.Cut(metric, "@kl") // a frontier level: the metric's own precision
	switch {
	case math.IsNaN(v):
		return "—"
	case math.IsInf(v, 0):
		return fmt.Sprint(v)
	case math.Abs(v) >= 1e6:
		// Beyond the range fixed decimals read well in: four significant
		// digits with an exponent, never hundreds of digits.
		return fmt.Sprintf("%.4g", v)
	case metric == metrics.WinRate:
		return fmt.Sprintf("%.1f", v)
	case metric == metrics.Steps:
		return fmt.Sprintf("%.0f", v)
	case metric == "tuned_epochs":
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// metricRange is a metric's possible values (declared in package metrics)
// as a stats.Range, so that no interval leaves them; a metric gapbench does
// not know is unbounded.
func metricRange(metric string) stats.Range {
	metric, _, _ = strings.Cut(metric, "@kl") // a frontier level: the metric's own range
	r, _ := metrics.RangeOf(metric)
	return stats.Range{Lo: r.Lo, Hi: r.Hi}
}

// cell is "centre [lo, hi]".
func cell(metric string, centre float64, iv stats.Interval) string {
	return fmt.Sprintf("%s [%s, %s]", num(metric, centre), num(metric, iv.Lo), num(metric, iv.Hi))
}

// armsTable renders one row per arm under the study's primary protocol.
func armsTable(w io.Writer, f stats.Format, st *hypotheses.Study, s *hypotheses.Suite) error {
	return armsTableIn(w, f, st, s, st.Primary())
}

// protocolMetrics are the columns of a suite's arms table under protocol p: the
// suite's metrics, and what the protocol adds — under tuned the chosen epochs;
// under frontier, in place of the end point's metrics, the win rate at each KL
// level of the frontier claims, then the end point's KL and win rate.
func protocolMetrics(s *hypotheses.Suite, p string) []string {
	switch p {
	case hypotheses.Tuned:
		return append(slices.Clone(s.Metrics), "tuned_epochs")
	case hypotheses.Frontier:
		var ms []string
		for _, l := range hypotheses.FrontierLevels {
			ms = append(ms, hypotheses.LevelMetric("win_rate", l))
		}
		return append(ms, "kl_ref", "win_rate")
	}
	return s.Metrics
}

// armsTableIn renders one row per arm the suite runs under protocol p: each
// metric's mean and 95% interval over seeds, and (except under frontier, whose
// arms end at different KL) the win-rate difference to dpo paired by seed when
// the suite has dpo. A frontier level an arm does not reach on every seed shows
// its mean over the seeds that do, marked "(k/n)"; on none, "never reaches" (or
// "starts beyond", for a path or oracle point already past it). A
// failed arm keeps its row, marked, with no numbers; a diverged one is marked.
func armsTableIn(w io.Writer, f stats.Format, st *hypotheses.Study, s *hypotheses.Suite, p string) error {
	cols := protocolMetrics(s, p)
	header := []string{"arm"}
	for _, m := range cols {
		header = append(header, m)
	}
	baseline := s.BaselineArm()
	hasBase := baseline != "" && p != hypotheses.Frontier
	if hasBase {
		header = append(header, "Δ win_rate vs "+baseline)
	}
	var rows [][]string
	base := st.ArmValuesIn(p, s, baseline)
	var notes []string
	for _, a := range s.ArmsUnder(p, st.Budget) {
		row := []string{a.Name}
		failed := s.ArmFailuresUnder(st.Outcomes, p, a.Name)
		if len(failed) > 0 {
			// A failed arm keeps its row, marked, with no numbers: its seeds no
			// longer pair with the other arms'.
			row[0] += " (failed)"
			notes = append(notes, hypotheses.FailureNote(failed))
			for range cols {
				row = append(row, "failed")
			}
			if hasBase {
				row = append(row, "")
			}
			rows = append(rows, row)
			continue
		}
		vals := st.ArmValuesIn(p, s, a.Name)
		if len(vals) == 0 {
			continue
		}
		if seeds := divergedSeeds(st, s, p, a.Name); len(seeds) > 0 {
			row[0] += " (diverged)"
			notes = append(notes, fmt.Sprintf("%s diverged on %s: its final training loss exceeds its initial loss", a.Name, seedList(seeds)))
		}
		for _, m := range cols {
			x, reach, err := st.FrontierValues(p, s, a.Name, m)
			if err != nil {
				return err
			}
			if x == nil {
				x = vals[m]
			}
			if len(x) == 0 {
				row = append(row, "—")
				continue
			}
			c, err := summaryCell(m, x, reach)
			if err != nil {
				return fmt.Errorf("suite %s, arm %s, %s: %w", s.Name, a.Name, m, err)
			}
			row = append(row, c)
		}
		if hasBase {
			if a.Name == baseline || len(vals[metrics.WinRate]) == 0 || len(vals[metrics.WinRate]) != len(base[metrics.WinRate]) { // nothing to pair with when the baseline failed
				row = append(row, "")
			} else {
				p, err := stats.ComparePaired(vals[metrics.WinRate], base[metrics.WinRate], stats.DefaultOptions())
				if err != nil {
					return fmt.Errorf("suite %s, arm %s vs %s: %w", s.Name, a.Name, baseline, err)
				}
				row = append(row, fmt.Sprintf("%+.1f [%+.1f, %+.1f]", p.Mean, p.CI.Lo, p.CI.Hi))
			}
		}
		rows = append(rows, row)
	}
	parts := []tablePart{{header, rows}}
	if f == stats.Terminal {
		parts = splitColumns(header, rows)
	}
	for i, part := range parts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := table(w, f, part.header, part.rows); err != nil {
			return err
		}
	}
	for _, n := range notes {
		if f == stats.Terminal {
			n = stats.WrapText(n, TerminalWidth)
		}
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

// divergedSeeds lists the seeds on which an arm's run under protocol p diverged
// (runner.Diverged).
func divergedSeeds(st *hypotheses.Study, s *hypotheses.Suite, p, arm string) []int {
	var seeds []int
	for _, o := range st.Outcomes {
		if o.Job.Suite == s.Name && o.Job.Arm == arm && o.Job.ProtocolName() == p && o.Result != nil && runner.Diverged(o.Result) {
			seeds = append(seeds, o.Job.Seed)
		}
	}
	sort.Ints(seeds)
	return seeds
}

// summaryCell is a metric's mean and interval over the seeds whose value exists
// (reach nil: all), marked with how many seeds that is when not all.
func summaryCell(metric string, x []float64, reach []hypotheses.Reach) (string, error) {
	var got []float64
	for i, v := range x {
		if reach == nil || reach[i] == hypotheses.Reached {
			got = append(got, v)
		}
	}
	if len(got) == 0 {
		for _, r := range reach {
			if r == hypotheses.NeverReaches {
				return "never reaches", nil
			}
		}
		return "starts beyond", nil
	}
	if len(got) == 1 {
		c := num(metric, got[0])
		if len(x) > 1 {
			c += fmt.Sprintf(" (1/%d)", len(x))
		}
		return c, nil
	}
	sum, err := stats.SummarizeIn(got, metricRange(metric), stats.DefaultOptions())
	if err != nil {
		return "", err
	}
	c := cell(metric, sum.Mean, sum.CI)
	if len(got) < len(x) {
		c += fmt.Sprintf(" (%d/%d)", len(got), len(x))
	}
	return c, nil
}

// verdictRows is the verdict table of a single-protocol (recipe) study: suite,
// hypothesis, our verdict, the deciding claims with Δ and interval, and the
// paper's verdict. The claims are joined by sep: "; " in markdown, a line break
// on the terminal (one claim per line).
func verdictRows(st *hypotheses.Study, sep string) [][]string {
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
			dec = append(dec, decidingSummary(c))
		}
		rows = append(rows, []string{r.Suite.Name, r.Suite.Title, string(r.Verdict), strings.Join(dec, sep), r.Suite.Paper})
	}
	return rows
}

// labelled reports whether a study's tables name their protocol: when it ran a
// protocol other than the recipe. A recipe-only study (and a judged one, which
// has no protocol) prints as before protocols existed.
func labelled(st *hypotheses.Study) bool {
	return !(len(st.Protocols) == 1 && st.Protocols[0] == hypotheses.Recipe)
}

// protocolVerdictRows is the verdict table of a study with protocols: suite,
// hypothesis, the verdict under each
// protocol of the study (— where the suite has no claims under it), and the
// paper's verdict.
func protocolVerdictRows(st *hypotheses.Study) [][]string {
	var rows [][]string
	for _, s := range st.Suites {
		row := []string{s.Name, s.Title}
		for _, p := range st.Protocols {
			v := "—"
			if r, ok := st.Result(s.Name, p); ok {
				v = string(r.Verdict)
			}
			row = append(row, v)
		}
		rows = append(rows, append(row, s.Paper))
	}
	return rows
}

// verdictHeader is the verdict table's header.
func verdictHeader(st *hypotheses.Study) []string {
	h := []string{"suite", "hypothesis"}
	for _, p := range st.Protocols {
		h = append(h, p)
	}
	return append(h, "paper")
}

// decidingRows lists every suite's deciding claims under each protocol with Δ,
// interval and verdict.
func decidingRows(st *hypotheses.Study) [][]string {
	var rows [][]string
	for _, r := range st.Results {
		var dec []string
		for _, c := range r.Claims {
			if !isDeciding(r, c.Claim.ID) {
				continue
			}
			dec = append(dec, decidingSummary(c))
		}
		rows = append(rows, []string{r.Suite.Name, r.Protocol, string(r.Verdict), strings.Join(dec, "; ")})
	}
	return rows
}

// decidingSummary is a deciding claim's line in the verdict tables: its id,
// its prediction, Δ with its interval and the verdict.
func decidingSummary(c stats.ClaimResult) string {
	return fmt.Sprintf("%s %s: Δ %s [%s, %s] %s", c.Claim.ID, claimShort(c.Claim),
		num(c.Claim.Metric, c.Paired.Mean), num(c.Claim.Metric, c.Paired.CI.Lo), num(c.Claim.Metric, c.Paired.CI.Hi), c.Verdict)
}

// isDeciding reports whether a claim result of a suite result decides its verdict.
func isDeciding(r hypotheses.SuiteResult, id string) bool {
	return slices.Contains(r.Suite.DecidingIDs(r.Protocol), id)
}

// familiesNote states the Holm families of each protocol of the study.
func familiesNote(st *hypotheses.Study) string {
	var parts []string
	for _, p := range st.Protocols {
		n, m := 0, 0
		for _, r := range st.Results {
			if r.Protocol != p {
				continue
			}
			dec := r.Suite.DecidingIDs(p)
			for _, c := range r.Claims {
				if slices.Contains(dec, c.Claim.ID) {
					n++
				} else {
					m++
				}
			}
		}
		desc := fmt.Sprintf("%s: %d deciding, %d context", p, n, m)
		if p == hypotheses.Frontier {
			desc += fmt.Sprintf(" (claims at KL %g nats decide; %s are context)", hypotheses.FrontierDeciding, otherLevels())
		}
		parts = append(parts, desc)
	}
	return "p-values are Holm-adjusted per protocol in two families, deciding and context claims (" + strings.Join(parts, "; ") + ")"
}

func otherLevels() string {
	var ls []string
	for _, l := range hypotheses.FrontierLevels {
		if l != hypotheses.FrontierDeciding {
			ls = append(ls, fmt.Sprint(l))
		}
	}
	return strings.Join(ls, ", ")
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

// WriteTerminal writes what gapbench run prints: per suite and protocol the arms
// table, the claims table and the verdict; the theory checks; and the verdict
// table with one column per protocol, then every deciding claim. A recipe-only
// study prints without protocol labels (labelled).
func WriteTerminal(w io.Writer, st *hypotheses.Study, checks []TheoryCheck) error {
	lab := st != nil && labelled(st)
	if st != nil {
		if lab {
			fmt.Fprintln(w, stats.WrapText(fmt.Sprintf("budget %s, %d seeds per arm, protocols %s; intervals are 95%%; %s",
				st.Budget.Name, st.Seeds, strings.Join(st.Protocols, ", "), familiesNote(st)), TerminalWidth))
		} else {
			fmt.Fprintln(w, stats.WrapText(fmt.Sprintf("budget %s, %d seeds per arm; intervals are 95%%; p-values Holm-adjusted in two families: the deciding claims of every suite below, and the context claims",
				st.Budget.Name, st.Seeds), TerminalWidth))
		}
		for _, r := range st.Results {
			s := r.Suite
			if lab {
				fmt.Fprintf(w, "\n%s\n%s\n%s\n%s\n\n", stats.WrapText("== "+s.Name+": "+s.Title+" — protocol "+r.Protocol, TerminalWidth),
					stats.WrapText(s.Hypothesis, TerminalWidth), stats.WrapText("prediction: "+s.Prediction, TerminalWidth), stats.WrapText(protocolDoc(r.Protocol), TerminalWidth))
				fmt.Fprintf(w, "arms (protocol %s):\n", r.Protocol)
			} else {
				fmt.Fprintf(w, "\n%s\n%s\n%s\n\n", stats.WrapText("== "+s.Name+": "+s.Title, TerminalWidth),
					stats.WrapText(s.Hypothesis, TerminalWidth), stats.WrapText("prediction: "+s.Prediction, TerminalWidth))
			}
			if err := armsTableIn(w, stats.Terminal, st, s, r.Protocol); err != nil {
				return err
			}
			if lab {
				fmt.Fprintf(w, "\nclaims (protocol %s):\n", r.Protocol)
			} else {
				fmt.Fprintln(w)
			}
			if err := stats.RenderClaims(w, r.Claims, stats.Terminal); err != nil {
				return err
			}
			if s.Name == "data" && r.Protocol == hypotheses.Tuned {
				fmt.Fprintf(w, "\ngap versus the number of pairs (exact RLHF − tuned DPO win rate, paired 95%% CI):\n")
				if err := dataGapTable(w, stats.Terminal, st, s); err != nil {
					return err
				}
			}
			if lab {
				fmt.Fprintf(w, "verdict (%s): %s (paper: %s)\n", r.Protocol, r.Verdict, s.Paper)
			} else {
				fmt.Fprintln(w, stats.WrapText(fmt.Sprintf("verdict: %s (paper: %s)", r.Verdict, s.Paper), TerminalWidth))
			}
		}
	}
	if len(checks) > 0 {
		fmt.Fprintf(w, "\n== theory: exact checks in tabular worlds\n\n")
		if err := table(w, stats.Terminal, []string{"check", "statement", "measured", "tolerance", ""}, theoryRows(checks)); err != nil {
			return err
		}
	}
	if st == nil {
		return nil
	}
	fmt.Fprintf(w, "\n== verdicts\n\n")
	if !lab {
		rows := verdictRows(st, "\n")
		if len(checks) > 0 {
			rows = append(rows, []string{"theory", "equivalence, coverage, SFT = SPIN", theoryVerdict(checks), fmt.Sprintf("%d exact checks", len(checks)), "proved"})
		}
		return table(w, stats.Terminal, []string{"suite", "hypothesis", "our verdict", "deciding claims", "paper"}, rows)
	}
	rows := protocolVerdictRows(st)
	if len(checks) > 0 {
		rows = append(rows, theoryRow(st, checks))
	}
	if err := table(w, stats.Terminal, verdictHeader(st), rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\ndeciding claims:\n")
	return table(w, stats.Terminal, []string{"suite", "protocol", "verdict", "deciding claims"}, decidingRows(st))
}

// theoryRow is the theory's row of the verdict table: its checks hold or not
// whatever the protocol.
func theoryRow(st *hypotheses.Study, checks []TheoryCheck) []string {
	row := []string{"theory", fmt.Sprintf("equivalence, coverage, SFT = SPIN (%d exact checks)", len(checks))}
	for range st.Protocols {
		row = append(row, theoryVerdict(checks))
	}
	return append(row, "proved")
}

// protocolDoc says in one line what a protocol does, for section headers.
func protocolDoc(p string) string {
	switch p {
	case hypotheses.Tuned:
		return fmt.Sprintf("protocol tuned: each arm's epochs picked from %v by its own held-out preference likelihood (column tuned_epochs)", recipe.TunedGrid)
	case hypotheses.Frontier:
		return fmt.Sprintf("protocol frontier: arms compared at matched KL(π‖π_ref) along a %d-epoch run probed at %d log-spaced steps; levels %v nats, never extrapolated",
			recipe.FrontierEpochs, recipe.FrontierProbes, hypotheses.FrontierLevels)
	}
	return "protocol recipe: the paper's shared short recipe (dpo.epochs for every arm)"
}

func theoryVerdict(checks []TheoryCheck) string {
	for _, c := range checks {
		if !c.Pass {
			return "FAILED"
		}
	}
	return "holds"
}

// WriteCSV writes one row per (suite, protocol, arm, seed, metric), header
// suite,protocol,arm,seed,metric,value, in protocol, suite, arm, seed and
// metric-name order.
// Values are printed in the shortest form that round-trips, so the file is
// byte-identical across reruns and worker counts.
func WriteCSV(w io.Writer, st *hypotheses.Study) error {
	if _, err := fmt.Fprintln(w, "suite,protocol,arm,seed,metric,value"); err != nil {
		return err
	}
	for _, p := range st.Protocols {
		if err := writeCSVProtocol(w, st, p); err != nil {
			return err
		}
	}
	return nil
}

func writeCSVProtocol(w io.Writer, st *hypotheses.Study, p string) error {
	for _, s := range st.Suites {
		for _, a := range s.ArmsUnder(p, st.Budget) {
			for _, o := range st.Outcomes {
				if o.Job.Suite != s.Name || o.Job.Arm != a.Name || o.Job.ProtocolName() != p || o.Result == nil {
					continue // another protocol's run, or a failed run (no values)
				}
				names := make([]string, 0, len(o.Result.Metrics))
				for m := range o.Result.Metrics {
					names = append(names, m)
				}
				sort.Strings(names)
				for _, m := range names {
					if _, err := fmt.Fprintf(w, "%s,%s,%s,%d,%s,%s\n", csvField(s.Name), p, csvField(a.Name), o.Job.Seed, m,
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
