package robustness

import (
	"fmt"
	"slices"
	"strings"

	"gapbench/hypotheses"
	"gapbench/runner"
	"gapbench/stats"
	"gapbench/store"
)

// maxStoredSeeds bounds the seeds Find looks for at the default point.
const maxStoredSeeds = 64

// Stored is the robustness grid a results store holds: the plan of the grid
// points and protocols whose every run is in the store, those runs, and what
// was left out because some of its runs are missing.
type Stored struct {
	Plan     *Plan
	Outcomes []runner.Outcome // in the order of Plan.Jobs
	// Absent lists the protocols with no complete default point in the store
	// (at the plan's budget and seeds).
	Absent []string
	// Incomplete names the grid points left out because some of their runs
	// are missing under some protocols of the plan (each named), though the
	// store has every run of them under the others: "tau=0.5 (tuned)".
	Incomplete []string
	// Unstored counts the dial values of the grid that no protocol of the plan
	// has every run of: not run, or not finished.
	Unstored int
}

// Find reads the robustness grid a store holds, computing nothing. It looks
// for the budget (the smallest whose default point has a run: quick and full
// share the default world, so a grid there reads as quick) and
// the number of seeds (the most, seeds 1 … n, that some protocol has every run
// of at the default point); the protocols are those with every run of the
// default point at those seeds, the points every value of every dial's grid
// (the optional ones too) that has every run under each of those protocols. It
// returns nil when the store holds no default point at any budget.
func Find(st *store.Store, suites []*hypotheses.Suite) (*Stored, error) {
	def := []Point{{Diff: nil}}
	for _, bn := range hypotheses.BudgetNames {
		b := hypotheses.Budgets[bn]
		have := map[string]int{} // protocol: complete seeds at the default point
		seeds := 0
		for _, proto := range allProtocols() {
			p, err := NewPlan(suites, b, maxStoredSeeds, def, []string{proto})
			if err != nil {
				return nil, err
			}
			n, err := completeSeeds(st, p.Jobs)
			if err != nil {
				return nil, err
			}
			have[proto] = n
			seeds = max(seeds, n)
		}
		if seeds == 0 {
			continue
		}
		out := &Stored{}
		var protos []string
		for _, proto := range allProtocols() {
			if have[proto] >= seeds {
				protos = append(protos, proto)
			} else {
				out.Absent = append(out.Absent, proto)
			}
		}
		var names []string
		for _, d := range Dials {
			names = append(names, d.Name)
		}
		points, err := Select(names)
		if err != nil {
			return nil, err
		}
		missing := map[string][]string{} // point label: protocols missing runs
		for _, proto := range protos {
			p, err := NewPlan(suites, b, seeds, points, []string{proto})
			if err != nil {
				return nil, err
			}
			_, miss, err := runner.Load(st, p.Jobs)
			if err != nil {
				return nil, err
			}
			gone := map[string]bool{}
			for _, m := range miss {
				gone[m.Job.Key()] = true
			}
			for _, pp := range p.Points {
				if slices.ContainsFunc(p.Jobs[pp.Jobs[0]:pp.Jobs[1]], func(j runner.Job) bool { return gone[j.Key()] }) {
					missing[pp.Label()] = append(missing[pp.Label()], proto)
				}
			}
		}
		kept := points[:1]
		for _, pt := range points[1:] {
			switch ps := missing[pt.Label()]; len(ps) {
			case 0:
				kept = append(kept, pt)
			case len(protos):
				out.Unstored++
			default:
				out.Incomplete = append(out.Incomplete, fmt.Sprintf("%s (%s)", pt.Label(), strings.Join(ps, ", ")))
			}
		}
		if out.Plan, err = NewPlan(suites, b, seeds, kept, protos); err != nil {
			return nil, err
		}
		outs, miss, err := runner.Load(st, out.Plan.Jobs)
		if err != nil {
			return nil, err
		}
		if len(miss) > 0 {
			return nil, fmt.Errorf("robustness: %d runs of the stored grid went missing while reading it: %v", len(miss), miss[0])
		}
		out.Outcomes = outs
		return out, nil
	}
	return nil, nil
}

// allProtocols is every protocol, in report order.
func allProtocols() []string {
	ps, err := hypotheses.ParseProtocols("all")
	if err != nil {
		panic(err)
	}
	return ps
}

// completeSeeds is the largest n such that every job with seed <= n has a
// valid result in the store.
func completeSeeds(st *store.Store, jobs []runner.Job) (int, error) {
	_, miss, err := runner.Load(st, jobs)
	if err != nil {
		return 0, err
	}
	n := maxStoredSeeds
	for _, m := range miss {
		n = min(n, m.Job.Seed-1)
	}
	return n, nil
}

// Evaluate judges the stored grid as Evaluate does, and records what the
// store left out.
func (s *Stored) Evaluate(so stats.Options) (*Grid, error) {
	g, err := Evaluate(s.Plan, s.Outcomes, so)
	if err != nil {
		return nil, err
	}
	g.Absent, g.Incomplete, g.Unstored = s.Absent, s.Incomplete, s.Unstored
	return g, nil
}
