package robustness

import (
	"slices"
	"testing"

	"gapbench/hypotheses"
	"gapbench/runner"
	"gapbench/stats"
	"gapbench/store"
)

// saveFake stores a fake result (fakeOutcomes, plus every metric its method
// produces) for every job.
func saveFake(t *testing.T, st *store.Store, jobs []runner.Job, metrics []string) {
	t.Helper()
	for _, o := range fakeOutcomes(jobs, metrics) {
		want, _ := runner.ExpectedMetrics(o.Job.Config)
		for _, m := range want {
			if _, ok := o.Result.Metrics[m]; !ok {
				o.Result.Metrics[m] = 0.5
			}
		}
		r := o.Result
		r.Version, r.Hash, r.Seed, r.Config = runner.Version, o.Job.Key(), o.Job.Seed, o.Job.Config
		if err := st.Save(r.Hash, r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFind checks what Find reads from a store, computing nothing: the budget
// and seeds of the stored default point, the protocols that have all of it,
// the dial values stored under each of them, and what it leaves out.
func TestFind(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Find(st, hypotheses.All()); err != nil || got != nil {
		t.Fatalf("Find on an empty store: %v, %v; want nil, nil", got, err)
	}
	var metrics []string
	for _, s := range hypotheses.All() {
		for _, c := range s.Claims {
			metrics = append(metrics, c.Metric)
		}
	}
	b := hypotheses.Budgets["smoke"]
	plan := func(dials []string, seeds int, protos ...string) *Plan {
		t.Helper()
		pts, err := Select(dials)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewPlan(hypotheses.All(), b, seeds, pts, protos)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// recipe and tuned at 3 seeds with tau=2 (tuned only at the default) and
	// tau=0.5; frontier at 2 seeds, default only.
	saveFake(t, st, plan([]string{"tau=2,0.5"}, 3, "recipe").Jobs, metrics)
	saveFake(t, st, plan([]string{"tau=0.5"}, 3, "tuned").Jobs, metrics)
	saveFake(t, st, plan([]string{"tau=0.5"}, 2, "frontier").Jobs, metrics)
	got, err := Find(st, hypotheses.All())
	if err != nil || got == nil {
		t.Fatalf("Find: %v, %v", got, err)
	}
	p := got.Plan
	if p.Budget.Name != "smoke" || p.Seeds != 3 || !slices.Equal(p.Protocols, []string{"recipe", "tuned"}) {
		t.Errorf("found budget %s, %d seeds, protocols %v; want smoke, 3, [recipe tuned]", p.Budget.Name, p.Seeds, p.Protocols)
	}
	var labels []string
	for _, pp := range p.Points {
		labels = append(labels, pp.Label())
	}
	// tau=1, beta=0.1, pair_dist=ref and vh=8x4 are the default world: stored with it
	if want := []string{"default", "tau=0.5", "tau=1", "beta=0.1", "pair_dist=ref", "vh=8x4"}; !slices.Equal(labels, want) {
		t.Errorf("found points %v, want %v (tau=2 lacks its tuned runs)", labels, want)
	}
	if !slices.Equal(got.Absent, []string{"frontier"}) || !slices.Equal(got.Incomplete, []string{"tau=2 (tuned)"}) || got.Unstored == 0 {
		t.Errorf("left out: absent %v, incomplete %v, %d unstored; want [frontier], [tau=2 (tuned)], some", got.Absent, got.Incomplete, got.Unstored)
	}
	g, err := got.Evaluate(stats.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Rows) == 0 || g.Unstored != got.Unstored || !slices.Equal(g.Incomplete, got.Incomplete) {
		t.Errorf("the evaluated grid has %d rows and leaves out %v, %d", len(g.Rows), g.Incomplete, g.Unstored)
	}
}
