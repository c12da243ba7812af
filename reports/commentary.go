package reports

import (
	"embed"
	"strings"

	"gapbench/hypotheses"
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
