package robustness

import (
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"testing"

	"gapbench/hypotheses"
	"gapbench/runner"
	"gapbench/stats"
)

// TestDialGrid checks the requirement on every dial but the (two-valued,
// categorical) pair distribution: at least three values spanning a factor of 4
// or more, each accepted by the dial's own range, and the default world's value
// among them.
func TestDialGrid(t *testing.T) {
	t.Parallel()
	defaults := map[string]string{"pairs": "256", "tau": "1", "beta": "0.1", "width": "64", "teacher": "128", "pair_dist": "ref", "vh": "8x4"}
	for _, d := range Dials {
		t.Run(d.Name, func(t *testing.T) {
			for _, v := range d.Values {
				if _, err := d.Diff(v); err != nil {
					t.Errorf("grid value %s refused: %v", v, err)
				}
			}
			if d.Name == "pairs_beta" { // the interaction: the corners of both grids
				if len(d.Values) != 4 {
					t.Errorf("got %d values, want the 4 corners", len(d.Values))
				}
				return
			}
			if !containsString(d.Values, defaults[d.Name]) {
				t.Errorf("grid %v lacks the default %s", d.Values, defaults[d.Name])
			}
			if d.Name == "pair_dist" {
				if len(d.Values) < 2 {
					t.Errorf("got %d values, want at least 2", len(d.Values))
				}
				return
			}
			if len(d.Values) < 3 {
				t.Errorf("got %d values, want at least 3", len(d.Values))
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range d.Values {
				x, err := strconv.ParseFloat(strings.Split(v, "x")[0], 64) // vh: span of V
				if err != nil {
					t.Fatal(err)
				}
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
			if hi/lo < 4 {
				t.Errorf("values %v span a factor of %g, want >= 4", d.Values, hi/lo)
			}
		})
	}
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// TestDialRefusesOutOfRange checks that a value outside a dial's declared range
// is refused with an error naming the dial and the value.
func TestDialRefusesOutOfRange(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ spec, dial, value string }{
		{"pairs=5000", "pairs", "5000"},
		{"pairs=8", "pairs", "8"},
		{"pairs=1.5", "pairs", "1.5"},
		{"tau=0", "tau", "0"},
		{"tau=NaN", "tau", "NaN"},
		{"beta=2", "beta", "2"},
		{"width=4", "width", "4"},
		{"teacher=1024", "teacher", "1024"},
		{"pair_dist=gold", "pair_dist", "gold"},
		{"vh=8x6", "vh", "8x6"},
		{"vh=16x4", "vh", "16x4"},
		{"vh=8", "vh", "8"},
		{"pairs_beta=128/2", "pairs_beta", "128/2"},
		{"pairs_beta=128", "pairs_beta", "128"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := Select([]string{tc.spec})
			if err == nil {
				t.Fatalf("Select(%q): no error", tc.spec)
			}
			if !strings.Contains(err.Error(), tc.dial) || !strings.Contains(err.Error(), strconv.Quote(tc.value)) {
				t.Errorf("got %q, want the dial %s and the value %q named", err, tc.dial, tc.value)
			}
		})
	}
	if _, err := Select([]string{"nosuch"}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("unknown dial: got %v", err)
	}
}

// TestSelect checks the points a --dial spec selects.
func TestSelect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		specs []string
		want  string
	}{
		{nil, "default pairs=128 pairs=256 pairs=1024 tau=0.5 tau=1 tau=2 beta=0.05 beta=0.1 beta=0.3 width=32 width=64 width=128 teacher=64 teacher=128 teacher=256 pair_dist=ref pair_dist=uniform vh=4x6 vh=8x4 vh=16x3 pairs_beta=128/0.05 pairs_beta=128/0.3 pairs_beta=1024/0.05 pairs_beta=1024/0.3"},
		{[]string{"tau"}, "default tau=0.5 tau=1 tau=2"},
		{[]string{"vh=16x3", "pairs=1024,128"}, "default pairs=1024 pairs=128 vh=16x3"},
		{[]string{"pairs=128", "pairs=128"}, "default pairs=128"},
	} {
		pts, err := Select(tc.specs)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range pts {
			got = append(got, p.Label())
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("Select(%v) = %s, want %s", tc.specs, g, tc.want)
		}
	}
}

// TestNotApplicable checks which deciding claims each dial makes not
// applicable at the quick budget: H6's horizon and reward-grid claims under the
// vh dial (their arms set world.h) and never the claims of gap, H1–H5, H6.1 or
// H6.7; nothing at a point that is the default world; and every skipped claim
// names a path the point changes that one of its arms sets.
func TestNotApplicable(t *testing.T) {
	t.Parallel()
	pts, err := Select(nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewPlan(hypotheses.All(), hypotheses.Budgets["quick"], 2, pts, []string{"recipe"})
	if err != nil {
		t.Fatal(err)
	}
	never := map[string]bool{"gap.2": true, "H1.1": true, "H2.1": true, "H3.1": true, "H3.2": true, "H4.1": true,
		"H5.1": true, "H5.2": true, "H6.1": true, "H6.7": true}
	for _, pp := range plan.Points {
		skipped := map[string]bool{}
		for _, s := range pp.Skipped {
			skipped[s.Claim] = true
			if never[s.Claim] {
				t.Errorf("%s: %s is not applicable (%s)", pp.Label(), s.Claim, s.Reason)
			}
			named := false
			for _, p := range pp.Changed {
				named = named || strings.HasSuffix(s.Reason, " sets "+p)
			}
			if !named {
				t.Errorf("%s: %s: reason %q names no path the point changes (%v)", pp.Label(), s.Claim, s.Reason, pp.Changed)
			}
		}
		if pp.Key == "" && len(pp.Skipped) > 0 {
			t.Errorf("%s is the default world, but %d claims are not applicable", pp.Label(), len(pp.Skipped))
		}
		if pp.Dial == "vh" && pp.Key != "" {
			for _, id := range []string{"H6.3", "H6.4", "H6.5", "H6.6"} {
				if !skipped[id] {
					t.Errorf("%s: %s applies, but its arms set world.h", pp.Label(), id)
				}
			}
		}
		if isDefault := pp.Key == ""; isDefault != (pp.Dial == "" || containsString([]string{"pairs=256", "tau=1", "beta=0.1", "width=64", "teacher=128", "pair_dist=ref", "vh=8x4"}, pp.Label())) {
			t.Errorf("%s: key %q; want empty exactly at the default world", pp.Label(), pp.Key)
		}
	}
	// Every job of a point carries the values the point changes.
	for _, pp := range plan.Points {
		for _, j := range plan.Jobs[pp.Jobs[0]:pp.Jobs[1]] {
			flat := j.Config.Flatten()
			for _, path := range pp.Changed {
				v := pp.Diff[path]
				if got := flat[path]; got != formatNum(v) {
					t.Fatalf("%s: job %s has %s = %s, want %v", pp.Label(), j.Name(), path, got, v)
				}
			}
		}
	}
}

func formatNum(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return strconv.Quote(x)
	}
	return ""
}

// TestSummarise checks the stability classification.
func TestSummarise(t *testing.T) {
	t.Parallel()
	l := func(key, label, v string) labelled { return labelled{key, label, v} }
	for _, tc := range []struct {
		name   string
		in     []labelled
		status string
		text   string
	}{
		{"holds", []labelled{l("", "default", "supported"), l("a", "pairs=128", "supported"), l("", "pairs=256", "supported")},
			Holds, "holds: supported at all 2 points"},
		{"flips", []labelled{l("", "default", "supported"), l("a", "tau=0.5", "refuted"), l("b", "tau=2", "inconclusive"), l("c", "beta=0.3", "supported")},
			Flips, "flips: supported at default, beta=0.3; refuted at tau=0.5; inconclusive at 1 of 4 points (tau=2)"},
		{"partly inconclusive", []labelled{l("", "default", "inconclusive"), l("a", "tau=0.5", "refuted")},
			Inconclusive, "inconclusive at 1 of 2 points (default); refuted at tau=0.5"},
		{"all inconclusive", []labelled{l("", "default", "inconclusive"), l("a", "tau=0.5", "inconclusive")},
			Inconclusive, "inconclusive at all 2 points"},
		{"none", nil, Inconclusive, "not judged at any point"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, text, _ := summarise(tc.in, "inconclusive")
			if status != tc.status || text != tc.text {
				t.Errorf("got %s, %q; want %s, %q", status, text, tc.status, tc.text)
			}
		})
	}
}

// fakeOutcomes gives every job metrics that depend only on its run key and the
// metric's name, so that the same run has the same values wherever it is listed.
func fakeOutcomes(jobs []runner.Job, metrics []string) []runner.Outcome {
	outs := make([]runner.Outcome, len(jobs))
	for i, j := range jobs {
		m := map[string]float64{}
		for _, name := range metrics {
			// an offset per config (0 … 9) and noise per seed (0 … 0.99), so
			// that some claims are decided and Holm's correction matters
			h, arm := fnv.New64a(), fnv.New64a()
			h.Write([]byte(j.Key() + "/" + name))
			arm.Write([]byte(runner.Key(j.Config, 0) + "/" + name))
			m[name] = float64(arm.Sum64()%10) + float64(h.Sum64()%100)/100
		}
		outs[i] = runner.Outcome{Job: j, Result: &runner.Result{Metrics: m, Shared: map[string]string{"world": "w", "sft": "s", "data": "d"}}}
	}
	return outs
}

// TestDefaultPointIsTheReport checks that the default point is judged exactly as
// the report of record judges the study: the same Δ, Holm-adjusted p-values and
// verdicts for every deciding claim, from the same runs.
func TestDefaultPointIsTheReport(t *testing.T) {
	t.Parallel()
	b := hypotheses.Budgets["smoke"]
	const seeds = 12
	var metrics []string
	for _, s := range hypotheses.All() {
		for _, c := range s.Claims {
			metrics = append(metrics, c.Metric)
		}
	}
	pts, err := Select([]string{"tau=2"})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewPlan(hypotheses.All(), b, seeds, pts, []string{"recipe"})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range plan.Jobs {
		if !j.Slim {
			t.Fatalf("%s is not slim: the grid would keep per-step loss curves it never reads", j.Name())
		}
	}
	g, err := Evaluate(plan, fakeOutcomes(plan.Jobs, metrics), stats.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := hypotheses.StudyJobs(hypotheses.All(), b, seeds)
	if err != nil {
		t.Fatal(err)
	}
	st, err := hypotheses.Evaluate(hypotheses.All(), b, seeds, fakeOutcomes(jobs, metrics), stats.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]stats.ClaimResult{}
	for _, sr := range st.Results {
		for _, r := range sr.Claims {
			want[r.Claim.ID] = r
		}
	}
	n := 0
	for _, r := range g.Rows {
		if r.Point.Dial != "" {
			continue
		}
		n++
		w := want[r.Claim]
		if !r.Applicable || r.Result.Paired.Mean != w.Paired.Mean || r.Result.PAdj != w.PAdj || r.Result.Verdict != w.Verdict {
			t.Errorf("%s at the default: Δ %g, p_adj %g, %s; the report: Δ %g, p_adj %g, %s",
				r.Claim, r.Result.Paired.Mean, r.Result.PAdj, r.Result.Verdict, w.Paired.Mean, w.PAdj, w.Verdict)
		}
	}
	if n == 0 {
		t.Fatal("no rows at the default point")
	}
	decided := 0
	for _, r := range g.Rows {
		if r.Point.Dial == "" && r.Result.Verdict != stats.Inconclusive {
			decided++
		}
	}
	if decided == 0 {
		t.Error("no claim decided at the default point: the check would not see a wrong Holm family")
	}
	for _, v := range g.Verdicts {
		if v.Point.Dial != "" {
			continue
		}
		for _, sr := range st.Results {
			if sr.Suite.Name == v.Suite && sr.Verdict != v.Verdict {
				t.Errorf("%s at the default: %s; the report: %s", v.Suite, v.Verdict, sr.Verdict)
			}
		}
	}
}
