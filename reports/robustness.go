package reports

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"

	"gapbench/hypotheses"
	"gapbench/reports/figures"
	"gapbench/robustness"
	"gapbench/runner"
	"gapbench/stats"
)

// RobustnessTesting is the multiple-testing statement of the robustness section.
const RobustnessTesting = "Grid points are descriptive. Each point is judged as the report of record judges the study " +
	"(with 10,000 bootstrap resamples rather than its 100,000): " +
	"Holm's correction within that point's family of deciding claims (the deciding claims that apply there), " +
	"then each suite's verdict rule. Nothing is corrected across points, and the stability table claims no new " +
	"significance: a verdict that holds at every point is a verdict that does not depend on these dials, not a " +
	"verdict confirmed many times over, and with many points some inconclusive or even flipped verdicts are " +
	"expected by chance alone. The deciding families stay those of the report of record."

// WriteRobustness writes the stability summaries and the verdict-stability table
// of an evaluated grid, in terminal or markdown form.
func WriteRobustness(w io.Writer, g *robustness.Grid, f stats.Format) error {
	p := g.Plan
	h := func(level int, title string) {
		if f == stats.Markdown {
			fmt.Fprintf(w, "\n%s %s\n\n", strings.Repeat("#", level), title)
		} else {
			fmt.Fprintf(w, "\n== %s\n\n", title)
		}
	}
	fmt.Fprintln(w, gridSummary(g))
	if f == stats.Markdown {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, RobustnessTesting)
	if left := leftOut(g); left != "" {
		if f == stats.Markdown {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, left)
	}
	h(3, "Dials")
	var dials [][]string
	for _, d := range robustness.Dials {
		dials = append(dials, []string{d.Name, d.Doc, strings.Join(d.Values, ", "), strings.Join(d.Paths, ", "), d.Range})
	}
	if err := table(w, f, []string{"dial", "varies", "grid", "config paths", "accepts"}, dials); err != nil {
		return err
	}
	h(3, "Stability per hypothesis")
	if err := suiteStability(w, g, f); err != nil {
		return err
	}
	h(3, "Stability per deciding claim")
	var rows [][]string
	for _, s := range g.ClaimStability() {
		rows = append(rows, []string{s.Claim, s.Protocol, s.Default, s.Status, s.Text})
	}
	if err := table(w, f, []string{"claim", "protocol", "at default", "across the grid", "where"}, rows); err != nil {
		return err
	}
	h(3, "Verdict stability: every deciding claim at every grid point")
	if f == stats.Markdown {
		fmt.Fprintln(w, "Δ = A − B paired by seed with its 95% interval; \"= default\" marks a dial value that is the default world; a claim is not applicable where an arm it compares sets a path the dial moves.")
	}
	byClaim := map[string][][]string{}
	var order []string
	for _, r := range g.Rows {
		k := r.Suite
		if _, ok := byClaim[k]; !ok {
			order = append(order, k)
		}
		byClaim[k] = append(byClaim[k], stabilityRow(r))
	}
	for _, k := range order {
		if f == stats.Markdown {
			fmt.Fprintf(w, "\n**%s**\n\n", k)
		} else {
			fmt.Fprintf(w, "\n%s\n", k)
		}
		for _, s := range p.Suites {
			if s.Name == k {
				writeDeciding(w, s, f)
			}
		}
		if err := table(w, f, []string{"claim", "protocol", "point", "Δ [95% CI]", "verdict"}, byClaim[k]); err != nil {
			return err
		}
	}
	return nil
}

// gridSummary is the one-line description of a grid: budget, seeds,
// protocols, points and runs.
func gridSummary(g *robustness.Grid) string {
	p := g.Plan
	return fmt.Sprintf("budget %s, %d seeds per arm (the same seeds at every point); protocols: %s; %d grid points, %d runs",
		p.Budget.Name, p.Seeds, strings.Join(p.Protocols, ", "), len(p.Points), distinctRuns(p.Jobs))
}

// leftOut says which protocols and grid points a stored grid left out for
// want of runs, and how to complete them; "" when nothing was left out.
func leftOut(g *robustness.Grid) string {
	var parts []string
	if len(g.Absent) > 0 {
		parts = append(parts, fmt.Sprintf("protocols %s are not in the store at this budget and number of seeds", strings.Join(g.Absent, ", ")))
	}
	if len(g.Incomplete) > 0 {
		parts = append(parts, fmt.Sprintf("grid points %s are left out because some of their runs are missing under the protocols named", strings.Join(g.Incomplete, ", ")))
	}
	if g.Unstored > 0 {
		n := 0
		for _, d := range robustness.Dials {
			n += len(d.Values)
		}
		parts = append(parts, fmt.Sprintf("%d of the grid's %d dial values are not in the store (gapbench list shows the grid)", g.Unstored, n))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("Left out: %s. `gapbench robustness --budget %s --seeds %d --protocol all --results DIR` runs what is missing, resuming from the store (`make robustness` does for the committed grid).",
		strings.Join(parts, "; "), g.Plan.Budget.Name, g.Plan.Seeds)
}

// suiteStability writes the per-hypothesis stability table: each suite's
// verdict under each protocol across the grid.
func suiteStability(w io.Writer, g *robustness.Grid, f stats.Format) error {
	var rows [][]string
	for _, s := range g.SuiteStability() {
		rows = append(rows, []string{s.Suite, s.Protocol, s.Default, s.Status, s.Text})
	}
	return table(w, f, []string{"suite", "protocol", "at default", "across the grid", "where"}, rows)
}

// stabilityRow is one row of the verdict-stability table.
func stabilityRow(r robustness.Row) []string {
	label := r.Point.Label()
	if r.Point.Dial != "" && r.Key == "" {
		label += " (= default)"
	}
	c := r.Result.Claim
	if !r.Applicable {
		return []string{r.Claim, r.Protocol, label, "—", "not applicable: " + r.Reason}
	}
	id := r.Variant
	if id == "" {
		id = r.Claim
	}
	if r.Result.Paired.N == 0 || math.IsNaN(r.Result.Paired.Mean) {
		why := "not evaluated"
		if len(r.Result.Warnings) > 0 {
			why = strings.Join(r.Result.Warnings, "; ")
		}
		return []string{id, r.Protocol, label, "—", string(r.Result.Verdict) + " (" + why + ")"}
	}
	metric, _, _ := strings.Cut(c.Metric, "@") // frontier: win_rate@kl2 prints like win_rate
	return []string{id, r.Protocol, label, cell(metric, r.Result.Paired.Mean, r.Result.Paired.CI), string(r.Result.Verdict)}
}

// writeDeciding lists a suite's deciding claims, one line each.
func writeDeciding(w io.Writer, s *hypotheses.Suite, f stats.Format) {
	for _, c := range s.Claims {
		if !c.Decides {
			continue
		}
		line := fmt.Sprintf("%s: %s %s %s on %s, margin %g — %s", c.ID, c.A, claimOp(c.Claim), c.B, c.Metric, c.Margin, c.Note)
		if f == stats.Markdown {
			fmt.Fprintf(w, "- %s\n", line)
		} else {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	if f == stats.Markdown {
		fmt.Fprintln(w)
	}
}

// claimOp is the relation a claim predicts: >, < or ≈.
func claimOp(c stats.Claim) string {
	if c.Kind == stats.Equivalence {
		return "≈"
	}
	return c.Predict.String()
}

// distinctRuns counts the distinct (config, seed) runs among jobs.
func distinctRuns(jobs []runner.Job) int {
	seen := map[string]bool{}
	for _, j := range jobs {
		seen[j.Key()] = true
	}
	return len(seen)
}

// RenderRobustness produces the robustness section (ROBUSTNESS.md) and one
// figure per hypothesis from an evaluated grid. The output depends only on the
// grid, so regenerating from the same stored results is byte-identical.
func RenderRobustness(g *robustness.Grid) ([]File, error) {
	files, _, err := renderRobustness(g)
	return files, err
}

// renderRobustness is RenderRobustness, also returning the figures with their
// captions.
func renderRobustness(g *robustness.Grid) ([]File, []figures.RobustnessFile, error) {
	figs, err := figures.Robustness(g)
	if err != nil {
		return nil, nil, err
	}
	var md bytes.Buffer
	fmt.Fprintf(&md, "## Robustness: do the verdicts survive other worlds and recipes?\n\n")
	fmt.Fprintf(&md, "Generated by `gapbench robustness --budget %s --seeds %d --protocol %s --no-run --out DIR` (or `gapbench report --robustness`) from stored results (code version %s). ",
		g.Plan.Budget.Name, g.Plan.Seeds, strings.Join(g.Plan.Protocols, ","), runner.Version)
	fmt.Fprintf(&md, "%s ", robustnessWhat)
	fmt.Fprintf(&md, "At the default point the verdicts are those the study gives at this budget and number of seeds; the report of record runs more seeds, so some of its verdicts are decided where these are inconclusive.\n\n")
	if err := WriteRobustness(&md, g, stats.Markdown); err != nil {
		return nil, nil, err
	}
	if len(figs) > 0 {
		fmt.Fprintf(&md, "\n### Figures\n\n%s\n\n", figures.RobustnessLegend)
		for _, f := range figs {
			fmt.Fprintf(&md, "![%s](%s)\n\n%s\n\n", f.Name, f.Name, f.Caption)
		}
	}
	files := []File{{Name: "ROBUSTNESS.md", Data: md.Bytes()}}
	for _, f := range figs {
		files = append(files, File{Name: f.Name, Data: f.Data})
	}
	return files, figs, nil
}

// robustnessWhat says what the robustness grid is.
const robustnessWhat = "Every suite's deciding claims are rerun at every point of a grid of world and recipe dials, varied one at a time around the default world, with the same seeds."

// RobustnessDir is the directory, relative to REPORT.md, that the report writes
// the robustness grid's full table (ROBUSTNESS.md) and figures into: where
// `gapbench robustness --out` writes them for the committed report.
const RobustnessDir = "robustness"

// writeRobustnessSection writes REPORT.md's robustness section: the grid's
// budget, seeds and protocols, the multiple-testing statement, the stability
// of each hypothesis under each protocol and the figures (in RobustnessDir,
// beside the full table they link to). Without a grid (g nil) it says how to
// produce one.
func writeRobustnessSection(w *bytes.Buffer, st *hypotheses.Study, g *robustness.Grid, figs []figures.RobustnessFile) error {
	fmt.Fprintf(w, "\n## Robustness: do the verdicts survive other worlds and recipes?\n\n")
	if g == nil {
		fmt.Fprintf(w, "This report was generated without a robustness grid. `make robustness` runs one (every suite's deciding claims at every grid point under every protocol, quick budget, 10 seeds) into reports/robustness/results, and `make report` (`gapbench report --robustness reports/robustness/results`) then adds its stability summary and figures here.\n")
		return nil
	}
	fmt.Fprintf(w, "%s The grid has its own budget and seeds: %s. ", robustnessWhat, gridSummary(g))
	fmt.Fprintf(w, "The verdicts above are the report of record's (budget %s, %d seeds per arm); at the grid's default point the verdicts are those of the grid's budget and seeds, so some decided above may be inconclusive there. ", st.Budget.Name, st.Seeds)
	fmt.Fprintf(w, "Every deciding claim under every protocol at every grid point, Δ with its interval and the verdict, and the dials are in [%[1]s/ROBUSTNESS.md](%[1]s/ROBUSTNESS.md). ", RobustnessDir)
	fmt.Fprintf(w, "`make robustness` reruns the grid (resuming from its store, reports/robustness/results); `make report` regenerates this section from the store alone.\n\n%s\n", RobustnessTesting)
	if left := leftOut(g); left != "" {
		fmt.Fprintf(w, "\n%s\n", left)
	}
	fmt.Fprintf(w, "\n### Stability per hypothesis\n\n")
	if err := suiteStability(w, g, stats.Markdown); err != nil {
		return err
	}
	if c := robustnessComment(st, g); c != "" {
		fmt.Fprintf(w, "\n%s\n", c)
	}
	if len(figs) > 0 {
		fmt.Fprintf(w, "\n%s\n", figures.RobustnessLegend)
	}
	for _, f := range figs {
		path := RobustnessDir + "/" + f.Name
		fmt.Fprintf(w, "\n![%s](%s)\n\n%s\n", f.Name, path, f.Caption)
	}
	return nil
}
