package stats

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name; with -update it rewrites the file.
// On a mismatch it writes testdata/name.got (git-ignored) and reports the
// first differing line.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	if err := os.WriteFile(path+".got", got, 0o644); err != nil {
		t.Fatal(err)
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("%s differs at line %d (wrote %s.got; go test -update accepts it):\ngot  %q\nwant %q", path, i+1, path, g, w)
			return
		}
	}
}

// renderData is a small report: a gap that is there, an equivalence that
// holds, a claim refuted in the opposite direction, one refuted by its
// margin, and one too small to decide. Names hold "|" to exercise escaping.
var renderData = map[string][]float64{
	"win rate|online": {64.7, 66.1, 63.2, 65.8, 62.9, 67.4, 64.0, 65.1, 63.6, 66.8},
	"win rate|dpo":    {61.1, 62.8, 63.9, 61.5, 60.2, 63.0, 62.7, 64.9, 60.4, 62.2},
	"win rate|hypo":   {64.9, 66.0, 63.4, 65.6, 63.1, 67.2, 64.3, 64.9, 63.7, 66.5},
	"win rate|sft":    {50.1, 49.8, 50.6, 49.9, 50.3, 50.0, 50.4, 49.7, 50.2, 50.1},
	"win rate|sft-2x": {50.2, 49.8, 50.5, 50.0, 50.3, 50.1, 50.4, 49.8, 50.2, 50.0},
	"kl|online":       {0.78, 0.74, 0.81},
	"kl|dpo":          {0.27, 0.31, 0.25},
}

var renderClaimsList = []Claim{
	{ID: "gap", Metric: "win rate", A: "online", B: "dpo", Kind: Superiority, Predict: Greater, Margin: 1, Note: "paper: yes"},
	{ID: "H2", Metric: "win rate", A: "online", B: "hypo", Kind: Equivalence, Margin: 1, Note: "paper: rejected"},
	{ID: "H1|reversed", Metric: "win rate", A: "dpo", B: "online", Kind: Superiority, Predict: Greater},
	{ID: "sft-2x", Metric: "win rate", A: "sft-2x", B: "sft", Kind: Superiority, Predict: Greater, Margin: 1, Note: "a *made-up* control"},
	{ID: "kl", Metric: "kl", A: "online", B: "dpo", Kind: Superiority, Predict: Greater},
}

func renderValues(metric, arm string) ([]float64, error) {
	return renderData[metric+"|"+arm], nil
}

func TestRenderClaimsGolden(t *testing.T) {
	t.Parallel()
	rs, err := EvaluateClaims(renderClaimsList, renderValues, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := []Verdict{Supported, Supported, Refuted, Refuted, Inconclusive}
	for i, r := range rs {
		if r.Verdict != want[i] {
			t.Errorf("claim %s: verdict %s, want %s", r.Claim.ID, r.Verdict, want[i])
		}
	}
	for _, c := range []struct {
		f    Format
		file string
	}{{Markdown, "claims.md"}, {Terminal, "claims.txt"}, {CSV, "claims.csv"}} {
		var b bytes.Buffer
		if err := RenderClaims(&b, rs, c.f); err != nil {
			t.Fatal(err)
		}
		golden(t, c.file, b.Bytes())
		if c.f == Markdown {
			checkMarkdownTable(t, b.String())
		}
	}
}

func TestRenderSummariesGolden(t *testing.T) {
	t.Parallel()
	var rows []SummaryRow
	for _, k := range []struct{ metric, arm string }{
		{"win rate", "online"}, {"win rate", "dpo"}, {"win rate", "sft"}, {"kl", "online"}, {"kl", "dpo"},
	} {
		s, err := Summarize(renderData[k.metric+"|"+k.arm], DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, SummaryRow{Metric: k.metric, Arm: k.arm, Summary: s})
	}
	one, err := Summarize([]float64{0.5}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	rows = append(rows, SummaryRow{Metric: "reward|gold", Arm: "single seed", Summary: one})
	for _, c := range []struct {
		f    Format
		file string
	}{{Markdown, "summaries.md"}, {Terminal, "summaries.txt"}, {CSV, "summaries.csv"}} {
		var b bytes.Buffer
		if err := RenderSummaries(&b, rows, c.f); err != nil {
			t.Fatal(err)
		}
		golden(t, c.file, b.Bytes())
		if c.f == Markdown {
			checkMarkdownTable(t, b.String())
		}
	}
}

// checkMarkdownTable checks tablewriter's traps in a rendered markdown
// table: headers keep their case, and every row has as many unescaped "|"
// as the header (an unescaped "|" in a cell would add a column).
func checkMarkdownTable(t *testing.T, s string) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if strings.Contains(lines[0], "CLAIM") || strings.Contains(lines[0], "METRIC") {
		t.Errorf("header was upper-cased: %q", lines[0])
	}
	pipes := func(l string) int { return strings.Count(l, "|") - strings.Count(l, `\|`) }
	want := pipes(lines[0])
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "|") {
			break
		}
		if got := pipes(l); got != want {
			t.Errorf("row has %d cell separators, header %d: %q", got, want, l)
		}
	}
}

func TestEscapeMarkdown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"|a − b| < 2", `\|a − b\| < 2`},
		{"p<0.001", "p<0.001"},
		{"<b>bold</b>", `\<b>bold\</b>`},
		{`a\b`, `a\\b`},
		{"*x* `y`", "\\*x\\* \\`y\\`"},
		{"dpo_2x [95% CI]", "dpo_2x [95% CI]"},
	} {
		if got := escapeMarkdown(c.in); got != c.want {
			t.Errorf("escapeMarkdown(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		iv     Interval
		centre float64
		want   int
	}{
		{Interval{1, 5}, 3, 1},          // half-width 2: 1 decimal
		{Interval{0.27, 0.31}, 0.29, 3}, // half-width 0.02
		{Interval{-300, 300}, 0, 0},     // half-width 300
		{unbounded, 61.2, 1},            // unbounded: 3 significant digits of the centre
		{Interval{0.5, 0.5}, 0.5, 3},    // zero width
		{Interval{0, 0}, 0, 2},          // nothing to go by
	} {
		if got := decimals(c.iv, c.centre); got != c.want {
			t.Errorf("decimals(%v, %g) = %d, want %d", c.iv, c.centre, got, c.want)
		}
	}
	if got := formatNum(-0.0004, 2, true); got != "+0.00" {
		t.Errorf("formatNum(-0.0004, 2, signed) = %q, want +0.00 (no negative zero)", got)
	}
	if got := formatP(0.0004); got != "p<0.001" {
		t.Errorf("formatP(0.0004) = %q", got)
	}
	if got := superscript(12); got != "¹²" {
		t.Errorf("superscript(12) = %q", got)
	}
}

// TestRenderClaimsFitsWithLongNames: claim and metric names that are single long
// words (as the frontier protocol's "gap.2/frontier@kl0.5" are) still leave a
// terminal table within TerminalWidth, and every part of each name is printed.
func TestRenderClaimsFitsWithLongNames(t *testing.T) {
	t.Parallel()
	var cs []Claim
	for _, kl := range []string{"0.5", "1", "2", "4"} {
		cs = append(cs, Claim{ID: "gap.2/frontier@kl" + kl, Metric: "gold_reward@kl" + kl, A: "online-dpo-sft", B: "dpo",
			Kind: Superiority, Predict: Greater, Margin: 0.05, Note: "the gap at matched KL"})
	}
	values := func(metric, arm string) ([]float64, error) {
		if arm == "dpo" {
			return []float64{0.12, 0.15, 0.11, 0.16, 0.13}, nil
		}
		return []float64{0.076, 0.2, 0.101, 0.18, 0.12}, nil
	}
	rs, err := EvaluateClaims(cs, values, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := RenderClaims(&b, rs, Terminal); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for i, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > TerminalWidth {
			t.Errorf("line %d is %d columns wide, want at most %d:\n%s", i+1, n, TerminalWidth, line)
		}
	}
	for _, part := range []string{"gap.2/", "frontier", "@kl0.5", "gold_reward", "@kl4"} {
		if !strings.Contains(out, part) {
			t.Errorf("the table lost %q:\n%s", part, out)
		}
	}
}
