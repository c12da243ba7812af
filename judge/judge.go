// Package judge judges results from anywhere — gapbench's own, or real
// runs of the paper's arms on language models — with gapbench's statistics:
// it reads the long CSV that gapbench run --csv writes
// (suite,arm,seed,metric,value) and a claims file (or a built-in suite's
// claims), checks that every claim's arms and metric are there with seeds
// that pair, and evaluates the claims exactly as gapbench run does
// (hypotheses.Evaluate: paired by seed, Holm across the deciding claims and
// again across the context claims, and a suite's verdict rule).
//
// It is not for rendering (package reports and stats do that) or for
// running anything. Bad input is an *InputError naming the file, the line
// and the problem.
package judge

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gapbench/arms"
	"gapbench/hypotheses"
	"gapbench/metrics"
	"gapbench/runner"
	"gapbench/stats"
)

// DefaultSuite names the rows of a results file without a suite column
// when no --suite names them.
const DefaultSuite = "results"

// Judge evaluates claims against results. The rows used are those of
// suite when the file has rows of several suites, and all rows otherwise.
// The claims come from claims when it is not nil, else from the built-in
// suite of that name (package hypotheses), else there are none and only the
// arms are summarised. It returns an *InputError for a file of several
// suites without a suite to choose, a suite the file lacks, and for any
// claim whose metric or arm the rows lack or whose arms' seeds do not pair.
func Judge(res *Results, claims *Claims, suite string, opt stats.Options) (*hypotheses.Study, error) {
	rows, name, err := pick(res, suite)
	if err != nil {
		return nil, err
	}
	s := &hypotheses.Suite{Name: name}
	var lines []int
	switch {
	case claims != nil:
		s.Title, s.Hypothesis, s.Prediction, s.Paper = claims.Title, claims.Hypothesis, claims.Prediction, claims.Paper
		s.Claims = slices.Clone(claims.Claims)
		lines = claims.Lines
		if s.Title == "" {
			s.Title = "the claims of " + filepath.Base(claims.File)
		}
		if s.Prediction == "" {
			var ds []string
			for _, c := range s.Claims {
				if c.Decides {
					ds = append(ds, c.String())
				}
			}
			s.Prediction = strings.Join(ds, "; ")
		}
		if s.Paper == "" {
			s.Paper = "not stated"
		}
	case suite != "":
		b, err := hypotheses.Get(suite)
		if err != nil {
			return nil, inputErr(res.File, 0, "%v (no --claims file was given, so --suite names a built-in suite)", err)
		}
		s.Title, s.Hypothesis, s.Prediction, s.Paper = b.Title, b.Hypothesis, b.Prediction, b.Paper
		s.Claims, s.Derived, s.Metrics = slices.Clone(b.Claims), slices.Clone(b.Derived), slices.Clone(b.Metrics)
	}
	d := index(rows)
	for _, a := range d.arms {
		s.Arms = append(s.Arms, arms.Arm{Name: a})
	}
	var present []string
	for _, m := range s.Metrics {
		if d.hasMetric[m] {
			present = append(present, m)
		}
	}
	s.Metrics = present
	if len(s.Metrics) == 0 {
		s.Metrics = d.metrics
	}
	if err := d.check(res.File, s, claimsFile(claims), lines); err != nil {
		return nil, err
	}
	derived := map[string]bool{}
	for _, x := range s.Derived {
		derived[x.Name] = true
	}
	for i, c := range s.Claims {
		if r, ok := metrics.RangeOf(c.Metric); ok && !derived[c.A] && !derived[c.B] {
			s.Claims[i].Range = stats.Range{Lo: r.Lo, Hi: r.Hi}
		}
	}
	var outs []runner.Outcome
	for _, a := range d.arms {
		for _, seed := range d.seeds[a] {
			outs = append(outs, runner.Outcome{
				Job:    runner.Job{Suite: name, Arm: a, Seed: seed},
				Result: &runner.Result{Seed: seed, Metrics: d.values[a][seed]},
			})
		}
	}
	budget := hypotheses.Budget{Name: "from " + filepath.Base(res.File), Seeds: d.maxSeeds()}
	st, err := hypotheses.Evaluate([]*hypotheses.Suite{s}, budget, budget.Seeds, outs, opt)
	if err != nil {
		return nil, located(err, res.File, claims)
	}
	return st, nil
}

// located turns an error package stats found in the data of a claim (a
// margin too small next to the data to be represented, say) into an
// *InputError at that claim's line of the claims file, or naming the
// results file.
func located(err error, resFile string, claims *Claims) error {
	for _, e := range []error{stats.ErrMargin, stats.ErrRange, stats.ErrNotFinite, stats.ErrLength, stats.ErrClaim, stats.ErrEmpty} {
		if !errors.Is(err, e) {
			continue
		}
		if claims != nil {
			for i, c := range claims.Claims {
				if strings.Contains(err.Error(), fmt.Sprintf("claim %q", c.ID)) {
					return &InputError{File: claims.File, Line: claims.Lines[i], Msg: err.Error()}
				}
			}
		}
		return &InputError{File: resFile, Msg: err.Error()}
	}
	return err
}

// Summaries summarises every (metric, arm) of the study's suites, with each
// known metric's range (package metrics), in metric then arm order.
func Summaries(st *hypotheses.Study, opt stats.Options) ([]stats.SummaryRow, error) {
	var out []stats.SummaryRow
	for _, s := range st.Suites {
		vals := map[string]map[string][]float64{}
		for _, a := range s.Arms {
			vals[a.Name] = st.ArmValues(s, a.Name)
		}
		for _, m := range s.Metrics {
			r, _ := metrics.RangeOf(m)
			for _, a := range s.Arms {
				x := vals[a.Name][m]
				if len(x) == 0 {
					continue
				}
				sum, err := stats.SummarizeIn(x, stats.Range{Lo: r.Lo, Hi: r.Hi}, opt)
				if err != nil {
					return nil, fmt.Errorf("%s, %s: %w", a.Name, m, err)
				}
				out = append(out, stats.SummaryRow{Metric: m, Arm: a.Name, Summary: sum})
			}
		}
	}
	return out, nil
}

func claimsFile(c *Claims) string {
	if c == nil {
		return ""
	}
	return c.File
}

// pick chooses the rows to judge and the suite's name.
func pick(res *Results, suite string) ([]row, string, error) {
	suites := res.Suites()
	switch {
	case len(suites) > 1 && suite == "":
		return nil, "", inputErr(res.File, 0, "holds rows of %d suites (%s): choose one with --suite", len(suites), strings.Join(suites, ", "))
	case len(suites) > 1 && !slices.Contains(suites, suite):
		return nil, "", inputErr(res.File, 0, "has no rows of suite %q (its suites: %s)", suite, strings.Join(suites, ", "))
	case len(suites) > 1:
		return res.only(suite), suite, nil
	case suite != "":
		return res.rows, suite, nil
	case len(suites) == 1:
		return res.rows, suites[0], nil
	}
	return res.rows, DefaultSuite, nil
}

// data indexes rows by arm, seed and metric.
type data struct {
	arms, metrics []string         // in order of first appearance
	seeds         map[string][]int // arm → sorted seeds
	values        map[string]map[int]map[string]float64
	lines         map[string]map[int]map[string]int // arm → seed → metric → line
	hasMetric     map[string]bool
}

func index(rows []row) *data {
	d := &data{seeds: map[string][]int{}, values: map[string]map[int]map[string]float64{},
		lines: map[string]map[int]map[string]int{}, hasMetric: map[string]bool{}}
	for _, x := range rows {
		if d.values[x.arm] == nil {
			d.arms = append(d.arms, x.arm)
			d.values[x.arm] = map[int]map[string]float64{}
			d.lines[x.arm] = map[int]map[string]int{}
		}
		if d.values[x.arm][x.seed] == nil {
			d.seeds[x.arm] = append(d.seeds[x.arm], x.seed)
			d.values[x.arm][x.seed] = map[string]float64{}
			d.lines[x.arm][x.seed] = map[string]int{}
		}
		if !d.hasMetric[x.metric] {
			d.hasMetric[x.metric] = true
			d.metrics = append(d.metrics, x.metric)
		}
		d.values[x.arm][x.seed][x.metric] = x.value
		d.lines[x.arm][x.seed][x.metric] = x.line
	}
	for _, s := range d.seeds {
		sort.Ints(s)
	}
	return d
}

func (d *data) maxSeeds() int {
	n := 0
	for _, s := range d.seeds {
		n = max(n, len(s))
	}
	return n
}

// seedsOf lists the seeds on which arm has metric, with each one's line.
func (d *data) seedsOf(arm, metric string) map[int]int {
	out := map[int]int{}
	for seed, ms := range d.lines[arm] {
		if l, ok := ms[metric]; ok {
			out[seed] = l
		}
	}
	return out
}

// check verifies that every claim's metric and arms (or the arms of a
// derived series) are in the rows and that their seeds pair. Errors about
// a claim of a claims file name that file and the claim's line; errors
// about unpaired seeds name the results file and the unpaired row's line.
func (d *data) check(resFile string, s *hypotheses.Suite, claimsFile string, lines []int) error {
	derived := map[string]hypotheses.Derived{}
	for _, x := range s.Derived {
		derived[x.Name] = x
	}
	for i, c := range s.Claims {
		where := func(format string, args ...any) error {
			if claimsFile != "" {
				return inputErr(claimsFile, lines[i], "claim %q: %s", c.ID, fmt.Sprintf(format, args...))
			}
			return inputErr(resFile, 0, "suite %s, claim %s: %s", s.Name, c.ID, fmt.Sprintf(format, args...))
		}
		if !d.hasMetric[c.Metric] {
			return where("metric %q has no rows in %s (its metrics: %s)", c.Metric, resFile, strings.Join(d.metrics, ", "))
		}
		var sides []string // the arms whose seeds must pair
		for _, name := range []string{c.A, c.B} {
			if x, ok := derived[name]; ok {
				sides = append(sides, x.A, x.B)
			} else {
				sides = append(sides, name)
			}
		}
		for _, a := range sides {
			if d.values[a] == nil {
				return where("arm %q has no rows in %s (its arms: %s)", a, resFile, strings.Join(d.arms, ", "))
			}
			if len(d.seedsOf(a, c.Metric)) == 0 {
				return where("arm %q has no %s rows in %s", a, c.Metric, resFile)
			}
		}
		first := d.seedsOf(sides[0], c.Metric)
		for _, a := range sides[1:] {
			other := d.seedsOf(a, c.Metric)
			// Report the unpaired row that comes first in the file.
			e1 := unpaired(resFile, c, c.Metric, sides[0], a, first, other)
			e2 := unpaired(resFile, c, c.Metric, a, sides[0], other, first)
			switch {
			case e1 != nil && (e2 == nil || e1.Line <= e2.Line):
				return e1
			case e2 != nil:
				return e2
			}
		}
	}
	return nil
}

// unpaired reports the first seed (in line order) that arm x has and arm y
// lacks.
func unpaired(file string, c hypotheses.Claim, metric, x, y string, xs, ys map[int]int) *InputError {
	seeds := make([]int, 0, len(xs))
	for s := range xs {
		seeds = append(seeds, s)
	}
	sort.Slice(seeds, func(i, j int) bool { return xs[seeds[i]] < xs[seeds[j]] })
	for _, s := range seeds {
		if _, ok := ys[s]; !ok {
			return &InputError{File: file, Line: xs[s], Msg: fmt.Sprintf("seeds do not pair: claim %q compares %s with %s on %s by seed, but seed %d has %s and no %s",
				c.ID, c.A, c.B, metric, s, x, y)}
		}
	}
	return nil
}
