package reports

import (
	"embed"
	"slices"
	"strings"

	"gapbench/hypotheses"
	"gapbench/recipe"
	"gapbench/robustness"
)

// commentary holds hand-written readings of the report of record, one file per
// suite (commentary/<suite>.md): why we think a verdict differs from the paper's,
// and what to keep in mind when reading the numbers. They are written by people
// after looking at the full-budget results, and REPORT.md includes them verbatim
// under each suite; they are not generated and make no claim the tables do not show.
//
//go:embed commentary/*.md
var commentary embed.FS

// comment returns the hand-written commentary for a suite, or "". It belongs to
// the full-budget report of record, whose numbers it quotes, and is left out of
// reports at any other budget.
func comment(st *hypotheses.Study, suite string) string {
	if st.Budget.Name != "full" {
		return ""
	}
	b, err := commentary.ReadFile("commentary/" + suite + ".md")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// robustnessComment returns the hand-written reading of the committed
// robustness grid (commentary/robustness.md), or "". It quotes that grid's
// numbers, so it is left out unless the report is the full-budget report of
// record and the grid is the committed one: the quick budget, 10 seeds, every
// protocol, nothing left out.
func robustnessComment(st *hypotheses.Study, g *robustness.Grid) string {
	if st.Budget.Name != "full" || g.Plan.Budget.Name != "quick" || g.Plan.Seeds != 10 ||
		!slices.Equal(g.Plan.Protocols, recipe.ProtocolNames) || leftOut(g) != "" {
		return ""
	}
	b, err := commentary.ReadFile("commentary/robustness.md")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
