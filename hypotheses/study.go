package hypotheses

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"gapbench/runner"
	"gapbench/stats"
)

// Study is a set of suites run under one budget: the runs, then the claims
// evaluated together (one Holm family) and the suites' verdicts.
type Study struct {
	Budget   Budget
	Seeds    int
	Suites   []*Suite
	Outcomes []runner.Outcome // every run, in job order
	Results  []SuiteResult    // one per suite, in order
}

// SuiteResult is a suite's evaluated claims and verdict.
type SuiteResult struct {
	Suite   *Suite
	Claims  []stats.ClaimResult
	Verdict Verdict
}

// StudyJobs lists every run of the suites, in suite then arm then seed order.
func StudyJobs(suites []*Suite, b Budget, seeds int) ([]runner.Job, error) {
	if seeds < 1 {
		return nil, fmt.Errorf("--seeds must be >= 1, got %d", seeds)
	}
	var jobs []runner.Job
	for _, s := range suites {
		if err := s.CheckApples(b); err != nil {
			return nil, err
		}
		j, err := s.Jobs(b, seeds)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j...)
	}
	return jobs, nil
}

// RunStudy runs every suite's jobs (reusing stored results) and evaluates it.
func RunStudy(ctx context.Context, suites []*Suite, b Budget, seeds int, opt runner.SweepOptions, so stats.Options) (*Study, error) {
	jobs, err := StudyJobs(suites, b, seeds)
	if err != nil {
		return nil, err
	}
	outs, err := runner.New().Sweep(ctx, jobs, opt)
	if err != nil {
		return nil, err
	}
	return Evaluate(suites, b, seeds, outs, so)
}

// Evaluate judges every claim of the suites from finished outcomes, with Holm's
// correction across all of them, and applies each suite's verdict rule.
func Evaluate(suites []*Suite, b Budget, seeds int, outs []runner.Outcome, so stats.Options) (*Study, error) {
	st := &Study{Budget: b, Seeds: seeds, Suites: suites, Outcomes: outs}
	for _, s := range suites {
		if err := s.CheckShared(outs); err != nil {
			return nil, err
		}
	}
	// Claims are evaluated in two families, each with Holm's correction: the
	// deciding claims of every suite (confirmatory: they make the verdicts) and
	// the context claims (exploratory). Keeping context claims out of the
	// confirmatory family keeps it small enough for the exact tests to decide at
	// 10 seeds. Arms are qualified by suite ("H1/dpo") because suites may run arms
	// of the same name under different settings.
	bySuite := map[string]*Suite{}
	owner := map[string]*Suite{}
	var families [2][]stats.Claim
	byID := map[string]stats.ClaimResult{}
	for _, s := range suites {
		bySuite[s.Name] = s
		for _, c := range s.Claims {
			// A claim one of whose arms failed on a seed is not judged: it is
			// inconclusive, says why, and stays out of Holm's families.
			if note := FailureNote(append(s.ArmFailures(outs, c.A), s.ArmFailures(outs, c.B)...)); note != "" {
				owner[c.ID] = s
				byID[c.ID] = notJudged(c.Claim, note)
				continue
			}
			sc := c.Claim
			sc.A, sc.B = s.Name+"/"+sc.A, s.Name+"/"+sc.B
			owner[sc.ID] = s
			if c.Decides {
				families[0] = append(families[0], sc)
			} else {
				families[1] = append(families[1], sc)
			}
		}
	}
	values := func(metric, arm string) ([]float64, error) {
		suite, name, _ := strings.Cut(arm, "/")
		return bySuite[suite].Values(outs, metric, name)
	}
	for _, fam := range families {
		if len(fam) == 0 {
			continue
		}
		rs, err := stats.EvaluateClaims(fam, values, so)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			r.Claim.A = strings.TrimPrefix(r.Claim.A, owner[r.Claim.ID].Name+"/")
			r.Claim.B = strings.TrimPrefix(r.Claim.B, owner[r.Claim.ID].Name+"/")
			byID[r.Claim.ID] = r
		}
	}
	var results []stats.ClaimResult
	for _, s := range suites {
		for _, c := range s.Claims {
			results = append(results, byID[c.ID])
		}
	}
	for _, s := range suites {
		sr := SuiteResult{Suite: s}
		for _, r := range results {
			if owner[r.Claim.ID] == s {
				sr.Claims = append(sr.Claims, r)
			}
		}
		sr.Verdict = s.Decide(sr.Claims)
		st.Results = append(st.Results, sr)
	}
	return st, nil
}

// ArmValues returns every metric's per-seed values of one arm of a suite, over
// the seeds whose run did not fail.
func (st *Study) ArmValues(s *Suite, arm string) map[string][]float64 {
	type sv struct {
		seed int
		m    map[string]float64
	}
	var rows []sv
	for _, o := range st.Outcomes {
		if o.Job.Suite == s.Name && o.Job.Arm == arm && o.Result != nil {
			rows = append(rows, sv{o.Job.Seed, o.Result.Metrics})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].seed < rows[j].seed })
	out := map[string][]float64{}
	for _, r := range rows {
		for k, v := range r.m {
			out[k] = append(out[k], v)
		}
	}
	return out
}
