package reports

import (
	"fmt"
	"io"

	"gapbench/hypotheses"
	"gapbench/stats"
)

// WriteTables writes a study's tables as gapbench run prints them — per
// suite the arms table, the claims table and the verdict, then the verdict
// table — for a terminal (WriteTerminal) or as markdown (the sections of
// REPORT.md without its commentary and figures). gapbench stats uses it for
// results judged from a CSV file.
func WriteTables(w io.Writer, st *hypotheses.Study, f stats.Format) error {
	switch f {
	case stats.Terminal:
		return WriteTerminal(w, st, nil)
	case stats.Markdown:
	default:
		return fmt.Errorf("reports: tables as %s are not supported", f)
	}
	fmt.Fprintf(w, "Budget %s, %d seeds per arm. Intervals are 95%% and paired by seed where they compare arms; claim p-values are Holm-adjusted in two families (the deciding claims; the context claims).\n",
		st.Budget.Name, st.Seeds)
	for _, r := range st.Results {
		s := r.Suite
		fmt.Fprintf(w, "\n## %s: %s\n\n", s.Name, s.Title)
		if s.Hypothesis != "" {
			fmt.Fprintf(w, "%s\n\n", s.Hypothesis)
		}
		fmt.Fprintf(w, "*Prediction:* %s. *Paper:* %s. *Our verdict:* **%s**.\n\n", s.Prediction, s.Paper, r.Verdict)
		if err := armsTable(w, stats.Markdown, st, s); err != nil {
			return err
		}
		if len(r.Claims) > 0 {
			fmt.Fprintln(w)
			if err := stats.RenderClaims(w, r.Claims, stats.Markdown); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(w, "\n## Verdicts\n\n")
	return table(w, stats.Markdown, []string{"suite", "hypothesis", "our verdict", "deciding claims", "paper"}, verdictRows(st, "; "))
}
