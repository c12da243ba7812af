package stats

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Format is an output format for tables.
type Format int

const (
	// Markdown is a GitHub-flavoured markdown table (for REPORT.md).
	Markdown Format = iota
	// Terminal is a box-drawn table for a terminal.
	Terminal
	// CSV is comma-separated values for other programs: a header, then one
	// row per claim or arm with every number at full precision, intervals
	// as two columns, and the warnings joined by "; " in the last column.
	CSV
)

// String returns "markdown", "terminal" or "csv".
func (f Format) String() string {
	switch f {
	case Markdown:
		return "markdown"
	case Terminal:
		return "terminal"
	case CSV:
		return "csv"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// SummaryRow is one row of a summary table: one arm on one metric.
type SummaryRow struct {
	// Metric and Arm label the row.
	Metric, Arm string
	// Summary is the arm's summary over seeds.
	Summary Summary
}

// RenderClaims writes a table of claim results, one row per claim, in the
// style of benchstat: each Δ cell is the centre with its 95% interval,
// "centre [lo, hi]" (the primary interval is not symmetric, so its two ends
// are printed); the test cell is "(p=0.012 n=10)" with the Holm-adjusted p
// of the claim's support test, preceded by "~" when that p is not below the
// α the claim was evaluated at; and every warning becomes a numbered
// footnote under the table, shared by the rows it applies to.
func RenderClaims(w io.Writer, rs []ClaimResult, f Format) error {
	alpha := DefaultAlpha
	if len(rs) > 0 && rs[0].Alpha > 0 {
		alpha = rs[0].Alpha
	}
	return renderClaims(w, rs, f, alpha)
}

func renderClaims(w io.Writer, rs []ClaimResult, f Format, alpha float64) error {
	if f == CSV {
		return claimsCSV(w, rs)
	}
	notes := &footnotes{}
	hasNote := false
	for _, r := range rs {
		hasNote = hasNote || r.Claim.Note != ""
	}
	header := []string{"claim", "metric", "prediction", "A", "B", "Δ A − B [95% CI]", "p (Holm)", "verdict"}
	align := []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft}
	// On a terminal the notes are listed under the table, one line per claim,
	// so that the table fits TerminalWidth.
	noteColumn := hasNote && f != Terminal
	var noteLines []string
	if noteColumn {
		header = append(header, "note")
		align = append(align, tw.AlignLeft)
	}
	rows := make([][]string, 0, len(rs))
	for _, r := range rs {
		p := r.Paired
		dec := decimals(p.CI, p.Mean)
		test := fmt.Sprintf("(%s n=%d)", formatP(r.PAdj), p.N)
		a := r.Alpha
		if a == 0 {
			a = alpha
		}
		if !(r.PAdj < a) {
			test = "~ " + test
		}
		row := []string{
			r.Claim.ID,
			r.Claim.Metric,
			prediction(r.Claim),
			formatNum(p.MeanA, dec, false),
			formatNum(p.MeanB, dec, false),
			formatNum(p.Mean, dec, true) + " " + formatInterval(p.CI, dec, true),
			test,
			string(r.Verdict) + notes.marks(r.Warnings),
		}
		if noteColumn {
			row = append(row, r.Claim.Note)
		} else if r.Claim.Note != "" {
			noteLines = append(noteLines, r.Claim.ID+": "+r.Claim.Note)
		}
		rows = append(rows, row)
	}
	legend := fmt.Sprintf("Δ: mean paired difference over seeds with its 95%% CI (%s). p: Holm-adjusted p-value of the test that can support the claim (for A > B the exact sign-flip test of Δ = 0; for |A − B| < m the test that the 95%% CI lies inside ±m); ~: not significant at α = %g.", PrimaryMethod, alpha)
	return renderTable(w, f, header, align, rows, noteLines, legend, notes)
}

// RenderSummaries writes a table of arm summaries, one row per (metric,
// arm): the mean with its 95% interval as "mean [lo, hi]", the standard
// deviation and the number of seeds, with warnings as numbered footnotes.
func RenderSummaries(w io.Writer, rows []SummaryRow, f Format) error {
	if f == CSV {
		return summariesCSV(w, rows)
	}
	notes := &footnotes{}
	header := []string{"metric", "arm", "mean [95% CI]", "SD", "n"}
	align := []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight}
	cells := make([][]string, 0, len(rows))
	for _, r := range rows {
		s := r.Summary
		dec := decimals(s.CI, s.Mean)
		sdCell := formatNum(s.SD, dec, false)
		if s.N < 2 {
			sdCell = "–" // undefined
		}
		cells = append(cells, []string{
			r.Metric,
			r.Arm,
			formatNum(s.Mean, dec, false) + " " + formatInterval(s.CI, dec, false) + notes.marks(s.Warnings),
			sdCell,
			fmt.Sprint(s.N),
		})
	}
	legend := fmt.Sprintf("95%% CI: %s, over seeds.", PrimaryMethod)
	return renderTable(w, f, header, align, cells, nil, legend, notes)
}

// renderTable writes one table with tablewriter, then the lines (one paragraph
// each), the legend and the footnotes. It works around tablewriter v1.1's traps: headers are not
// upper-cased (AutoFormat off), every row is a fresh slice (Append keeps the
// slice it is given), and cells are escaped for markdown, which tablewriter
// does not do ("|" would split a cell).
func renderTable(w io.Writer, f Format, header []string, align []tw.Align, rows [][]string, lines []string, legend string, notes *footnotes) error {
	clean := func(s string) string {
		s = strings.Join(strings.Fields(s), " ") // no newlines or runs of blanks
		if f == Markdown {
			s = escapeMarkdown(s)
		}
		return s
	}
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	}
	switch f {
	case Markdown:
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	case Terminal:
		// A terminal is TerminalWidth columns: the widest cells wrap rather than widen the table.
		all := [][]string{slices.Clone(header)} // copies: breakWords edits cells
		for _, r := range rows {
			all = append(all, slices.Clone(r))
		}
		keep := make([]bool, len(align)) // numbers (right-aligned) stay on one line
		for i, a := range align {
			keep[i] = a == tw.AlignRight
		}
		// Names such as "gap.2/frontier@kl0.5" are single words; where even the
		// narrowest wrap is too wide, they may break after a '/' and before an '@'.
		for _, sep := range []string{"@", "/"} {
			if minWidth(all, keep) <= TerminalWidth {
				break
			}
			breakWords(all, keep, sep)
		}
		header, rows = all[0], all[1:]
		if caps := FitColumns(all, keep, TerminalWidth); caps != nil {
			opts = append(opts, tablewriter.WithColumnWidths(caps),
				tablewriter.WithRowAutoWrap(tw.WrapNormal), tablewriter.WithHeaderAutoWrap(tw.WrapNormal))
		}
	default:
		panic(fmt.Sprintf("stats: unknown table format %d", int(f)))
	}
	var buf strings.Builder
	table := tablewriter.NewTable(&buf, opts...)
	h := make([]any, len(header))
	for i, c := range header {
		h[i] = clean(c)
	}
	table.Header(h...)
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = clean(c)
		}
		if err := table.Append(cells); err != nil {
			return fmt.Errorf("stats: table row: %w", err)
		}
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("stats: render table: %w", err)
	}
	sep := "\n"
	if f == Markdown {
		sep = "\n\n" // one paragraph per footnote
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(buf.String(), "\n"))
	b.WriteString("\n\n")
	para := clean
	if f == Terminal {
		para = func(s string) string { return WrapText(clean(s), TerminalWidth) }
	}
	for _, l := range lines {
		b.WriteString(para(l) + "\n")
	}
	b.WriteString(para(legend))
	for i, n := range notes.list {
		b.WriteString(sep)
		b.WriteString(para(superscript(i+1) + " " + n))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// TerminalWidth is the width in columns that terminal tables and their notes fit in.
const TerminalWidth = 120

// WrapText breaks s into lines of at most width columns at spaces (a word
// longer than width gets a line of its own).
func WrapText(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		k := utf8.RuneCountInString(word)
		switch {
		case i == 0:
		case n+1+k > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += k
	}
	return b.String()
}

// footnotes numbers distinct warning texts in order of first use.
type footnotes struct {
	list  []string
	index map[string]int
}

// marks returns " ¹ ²" for the warnings, numbering new ones.
func (fn *footnotes) marks(warnings []string) string {
	if fn.index == nil {
		fn.index = map[string]int{}
	}
	var b strings.Builder
	seen := map[int]bool{}
	for _, w := range warnings {
		i, ok := fn.index[w]
		if !ok {
			fn.list = append(fn.list, w)
			i = len(fn.list)
			fn.index[w] = i
		}
		if !seen[i] {
			seen[i] = true
			b.WriteString(" " + superscript(i))
		}
	}
	return b.String()
}

// superscript writes n in superscript digits.
func superscript(n int) string {
	const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	d := []rune(digits)
	var out []rune
	for _, c := range fmt.Sprint(n) {
		out = append(out, d[c-'0'])
	}
	return string(out)
}

// escapeMarkdown backslash-escapes what would break a markdown table cell
// ("|", and "\\" before it) or start inline markup or an HTML tag ("*", "`",
// and "<" before a letter, "/", "!" or "?"). Intraword "_" and brackets not
// followed by a link target are left alone: GitHub renders them as text.
func escapeMarkdown(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch r {
		case '\\', '|', '*', '`':
			b.WriteByte('\\')
		case '<':
			if i+1 < len(rs) {
				if n := rs[i+1]; unicode.IsLetter(n) || n == '/' || n == '!' || n == '?' {
					b.WriteByte('\\')
				}
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// prediction states a claim for the table, with its margin.
func prediction(c Claim) string {
	if c.Kind == Superiority && c.Margin > 0 {
		return fmt.Sprintf("%s (margin %g)", c, c.Margin)
	}
	return c.String()
}

// decimals is the number of decimals that shows an interval's half-width
// to two significant digits (and the centre to the same precision); for an
// unbounded or zero-width interval, three significant digits of the centre.
func decimals(iv Interval, centre float64) int {
	h := iv.Width() / 2
	if h > 0 && !math.IsInf(h, 0) {
		return max(0, min(8, 1-int(math.Floor(math.Log10(h)))))
	}
	if c := math.Abs(centre); c > 0 && !math.IsInf(c, 0) {
		return max(0, min(8, 2-int(math.Floor(math.Log10(c)))))
	}
	return 2
}

// formatNum formats x with dec decimals, with a sign when signed.
func formatNum(x float64, dec int, signed bool) string {
	switch {
	case math.IsInf(x, 1):
		return "+∞"
	case math.IsInf(x, -1):
		return "-∞"
	case math.IsNaN(x):
		return "NaN"
	case math.Abs(x) >= 1e6:
		// Four significant digits with an exponent: a cell stays readable
		// whatever the magnitude (1e300 would otherwise print 301 digits).
		if signed {
			return fmt.Sprintf("%+.4g", x)
		}
		return fmt.Sprintf("%.4g", x)
	}
	x = roundTo(x, dec)
	if signed {
		return fmt.Sprintf("%+.*f", dec, x)
	}
	return fmt.Sprintf("%.*f", dec, x)
}

// roundTo rounds x to dec decimals and turns −0 into 0, so that a tiny
// negative number does not print as "-0.00".
func roundTo(x float64, dec int) float64 {
	p := math.Pow(10, float64(dec))
	r := math.Round(x*p) / p
	if r == 0 {
		return 0
	}
	return x
}

// formatInterval formats "[lo, hi]".
func formatInterval(iv Interval, dec int, signed bool) string {
	return "[" + formatNum(iv.Lo, dec, signed) + ", " + formatNum(iv.Hi, dec, signed) + "]"
}

// formatP formats a p-value as benchstat does, "p=0.012", and "p<0.001"
// below that.
func formatP(p float64) string {
	if p < 0.001 {
		return "p<0.001"
	}
	return fmt.Sprintf("p=%.3f", p)
}

// FitColumns returns tablewriter column widths (content plus padding) that
// make a terminal table of these cells fit in limit columns, by wrapping only
// its widest columns: every column wider than a common cap is capped, the cap
// being the largest that fits, and never below a column's longest word (a
// column marked keep is never wrapped). It returns nil when the table fits as
// it is.
func FitColumns(cells [][]string, keep []bool, limit int) tw.Mapper[int, int] {
	if len(cells) == 0 {
		return nil
	}
	n := len(cells[0])
	natural, word := make([]int, n), make([]int, n)
	for _, row := range cells {
		for i, c := range row {
			for _, line := range strings.Split(c, "\n") {
				natural[i] = max(natural[i], utf8.RuneCountInString(line))
				for _, f := range strings.Fields(line) {
					word[i] = max(word[i], utf8.RuneCountInString(f))
				}
			}
		}
	}
	for i := range word {
		if i < len(keep) && keep[i] {
			word[i] = natural[i]
		}
	}
	budget := limit - (3*n + 1) // one space each side and a border per column
	width := func(limit int) int {
		s := 0
		for i, w := range natural {
			s += max(min(w, limit), min(w, word[i]))
		}
		return s
	}
	top := slices.Max(natural)
	if width(top) <= budget {
		return nil
	}
	c := top
	for c > 1 && width(c) > budget {
		c--
	}
	caps := tw.Mapper[int, int]{}
	for i, w := range natural {
		if w > c {
			caps[i] = max(c, word[i]) + 2
		}
	}
	return caps
}

// minWidth is the width of a terminal table of these cells when every column
// not marked keep wraps down to its longest word.
func minWidth(cells [][]string, keep []bool) int {
	if len(cells) == 0 {
		return 0
	}
	n := len(cells[0])
	word := make([]int, n)
	for _, row := range cells {
		for i, c := range row {
			for _, line := range strings.Split(c, "\n") {
				if i < len(keep) && keep[i] {
					word[i] = max(word[i], utf8.RuneCountInString(line))
					continue
				}
				for _, f := range strings.Fields(line) {
					word[i] = max(word[i], utf8.RuneCountInString(f))
				}
			}
		}
	}
	w := 3*n + 1
	for _, x := range word {
		w += x
	}
	return w
}

// breakWords lets the cells of every column not marked keep wrap at sep: after
// it for "/", before it otherwise, by putting a space there (tablewriter wraps
// at spaces and folds a cell's own line breaks).
func breakWords(cells [][]string, keep []bool, sep string) {
	repl := " " + sep
	if sep == "/" {
		repl = sep + " "
	}
	for _, row := range cells {
		for i, c := range row {
			if i < len(keep) && keep[i] {
				continue
			}
			row[i] = strings.ReplaceAll(c, sep, repl)
		}
	}
}

// claimsCSV writes claim results as CSV (see Format CSV).
func claimsCSV(w io.Writer, rs []ClaimResult) error {
	rows := [][]string{{"claim", "metric", "kind", "prediction", "margin", "a", "b", "n", "mean_a", "mean_b",
		"delta", "ci_lo", "ci_hi", "p", "p_holm", "p_refute_holm", "verdict", "seeds_needed", "warnings"}}
	for _, r := range rs {
		p := r.Paired
		rows = append(rows, []string{r.Claim.ID, r.Claim.Metric, r.Claim.Kind.String(), r.Claim.String(), csvNum(r.Claim.Margin),
			r.Claim.A, r.Claim.B, strconv.Itoa(p.N), csvNum(p.MeanA), csvNum(p.MeanB),
			csvNum(p.Mean), csvNum(p.CI.Lo), csvNum(p.CI.Hi), csvNum(r.P), csvNum(r.PAdj), csvNum(r.PRefuteAdj),
			string(r.Verdict), strconv.Itoa(r.SeedsNeeded), strings.Join(r.Warnings, "; ")})
	}
	return writeCSV(w, rows)
}

// summariesCSV writes arm summaries as CSV (see Format CSV).
func summariesCSV(w io.Writer, rows []SummaryRow) error {
	out := [][]string{{"metric", "arm", "n", "mean", "sd", "ci_lo", "ci_hi", "warnings"}}
	for _, r := range rows {
		s := r.Summary
		out = append(out, []string{r.Metric, r.Arm, strconv.Itoa(s.N), csvNum(s.Mean), csvNum(s.SD),
			csvNum(s.CI.Lo), csvNum(s.CI.Hi), strings.Join(s.Warnings, "; ")})
	}
	return writeCSV(w, out)
}

// csvNum is the shortest decimal that reads back as x.
func csvNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func writeCSV(w io.Writer, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("stats: write csv: %w", err)
	}
	return nil
}
