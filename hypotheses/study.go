package hypotheses

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"gapbench/recipe"
	"gapbench/runner"
	"gapbench/stats"
)

// Study is a set of suites run under one budget and one or more protocols: the
// runs, then the claims evaluated per protocol (each protocol its own Holm
// families) and the suites' verdicts per protocol.
type Study struct {
	Budget    Budget
	Seeds     int
	Protocols []string // the protocols run, in report order
	Suites    []*Suite
	Outcomes  []runner.Outcome // every run, in job order
	// Results has one entry per (protocol, suite) with claims under that
	// protocol, protocol-major in the order of Protocols, suites in order.
	Results []SuiteResult
}

// SuiteResult is a suite's evaluated claims and verdict under one protocol.
type SuiteResult struct {
	Suite    *Suite
	Protocol string
	Claims   []stats.ClaimResult
	Verdict  Verdict
}

// Result returns the suite's result under protocol p.
func (st *Study) Result(suite, p string) (SuiteResult, bool) {
	for _, r := range st.Results {
		if r.Suite.Name == suite && r.Protocol == p {
			return r, true
		}
	}
	return SuiteResult{}, false
}

// StudyJobs lists every run of the suites under the recipe protocol, in suite
// then arm then seed order.
func StudyJobs(suites []*Suite, b Budget, seeds int) ([]runner.Job, error) {
	return ProtocolJobs(suites, []string{Recipe}, b, seeds)
}

// ProtocolJobs lists every run of the suites under each protocol, in protocol,
// suite, arm and seed order. A suite runs under a protocol only when some of its
// claims are evaluated under it.
func ProtocolJobs(suites []*Suite, protocols []string, b Budget, seeds int) ([]runner.Job, error) {
	if seeds < 1 {
		return nil, fmt.Errorf("--seeds must be >= 1, got %d", seeds)
	}
	for _, s := range suites {
		if err := s.CheckApples(b); err != nil {
			return nil, err
		}
	}
	var jobs []runner.Job
	for _, p := range protocols {
		for _, s := range suites {
			// A suite without claims (arms only) runs under the first protocol.
			if !s.HasProtocol(p) && (len(s.Claims) > 0 || p != protocols[0]) {
				continue
			}
			j, err := s.JobsUnder(b, p, seeds)
			if err != nil {
				return nil, err
			}
			jobs = append(jobs, j...)
		}
	}
	return jobs, nil
}

// RunStudy runs every suite's jobs under the recipe protocol (reusing stored
// results) and evaluates it.
func RunStudy(ctx context.Context, suites []*Suite, b Budget, seeds int, opt runner.SweepOptions, so stats.Options) (*Study, error) {
	return RunProtocols(ctx, suites, []string{Recipe}, b, seeds, opt, so)
}

// RunProtocols runs every suite's jobs under each protocol and evaluates them.
func RunProtocols(ctx context.Context, suites []*Suite, protocols []string, b Budget, seeds int, opt runner.SweepOptions, so stats.Options) (*Study, error) {
	jobs, err := ProtocolJobs(suites, protocols, b, seeds)
	if err != nil {
		return nil, err
	}
	outs, err := runner.New().Sweep(ctx, jobs, opt)
	if err != nil {
		return nil, err
	}
	return Evaluate(suites, b, seeds, outs, so)
}

// Evaluate judges every claim of the suites from finished outcomes and applies
// each suite's verdict rule, under every protocol the outcomes ran under.
//
// Claims are evaluated per protocol in two families, each with Holm's
// correction: the deciding claims of every suite (confirmatory: they make the
// verdicts) and the context claims (exploratory). Keeping context claims out of
// the confirmatory family keeps it small enough for the exact tests to decide at
// 10 seeds. Under frontier, a claim becomes one claim per KL level
// (FrontierLevels) on the arms' values interpolated along their paths; only the
// one at FrontierDeciding decides. A level an arm does not reach on some seeds
// is evaluated on the seeds where every arm involved reaches it, with a warning;
// on fewer than 2 such seeds the claim is not evaluated (inconclusive, outside
// the Holm family) and the warning says which arm never reaches it.
func Evaluate(suites []*Suite, b Budget, seeds int, outs []runner.Outcome, so stats.Options) (*Study, error) {
	st := &Study{Budget: b, Seeds: seeds, Suites: suites, Outcomes: outs, Protocols: protocolsIn(outs)}
	for _, s := range suites {
		if err := s.CheckShared(outs); err != nil {
			return nil, err
		}
	}
	for _, p := range st.Protocols {
		byID, err := evaluateProtocol(suites, p, outs, so)
		if err != nil {
			return nil, err
		}
		for _, s := range suites {
			// A suite without claims (arms only) is shown under the primary protocol.
			if !s.HasProtocol(p) && (len(s.Claims) > 0 || p != st.Primary()) {
				continue
			}
			sr := SuiteResult{Suite: s, Protocol: p}
			for _, c := range s.Claims {
				for _, v := range c.variants(p) {
					sr.Claims = append(sr.Claims, byID[v.claim.ID])
				}
			}
			sr.Verdict = s.decideUnder(p, sr.Claims)
			st.Results = append(st.Results, sr)
		}
	}
	return st, nil
}

// protocolsIn lists the protocols of the outcomes in report order (recipe
// when there are none).
func protocolsIn(outs []runner.Outcome) []string {
	seen := map[string]bool{}
	for _, o := range outs {
		seen[protocolOf(o)] = true
	}
	var ps []string
	for _, p := range recipe.ProtocolNames {
		if seen[p] {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		ps = []string{Recipe}
	}
	return ps
}

// evaluateProtocol evaluates every claim variant of the suites under protocol p
// and returns the results by variant ID.
func evaluateProtocol(suites []*Suite, p string, outs []runner.Outcome, so stats.Options) (map[string]stats.ClaimResult, error) {
	type pending struct {
		arms   [2]string // the claim's A and B as the suite names them
		warn   []string
		a, b   []float64
		family int
	}
	var families [2][]stats.Claim
	byID := map[string]stats.ClaimResult{}
	pend := map[string]*pending{}
	for _, s := range suites {
		for _, c := range s.Claims {
			for _, v := range c.variants(p) {
				sc := v.claim.Claim
				// A claim one of whose arms failed on a seed is not judged: it is
				// inconclusive, says why, and stays out of Holm's families.
				if note := FailureNote(append(s.ArmFailuresUnder(outs, p, sc.A), s.ArmFailuresUnder(outs, p, sc.B)...)); note != "" {
					byID[sc.ID] = notJudged(sc, note)
					continue
				}
				a, ra, err := s.ValuesUnder(outs, p, sc.Metric, sc.A)
				if err != nil {
					return nil, err
				}
				b, rb, err := s.ValuesUnder(outs, p, sc.Metric, sc.B)
				if err != nil {
					return nil, err
				}
				if len(a) != len(b) {
					return nil, fmt.Errorf("claim %s: %d seeds of %s, %d of %s", sc.ID, len(a), sc.A, len(b), sc.B)
				}
				pe := &pending{arms: [2]string{sc.A, sc.B}}
				for i := range a {
					if ra[i] == Reached && rb[i] == Reached {
						pe.a, pe.b = append(pe.a, a[i]), append(pe.b, b[i])
					}
				}
				for _, side := range []struct {
					name  string
					reach []Reach
				}{{sc.A, ra}, {sc.B, rb}} {
					if w := reachWarning(side.name, side.reach, v.level); w != "" {
						pe.warn = append(pe.warn, w)
					}
				}
				if len(pe.a) < 2 {
					r := stats.ClaimResult{Claim: sc, Verdict: stats.Inconclusive, P: 1, PAdj: 1, PRefute: 1, PRefuteAdj: 1,
						Paired: stats.Paired{N: len(pe.a), MeanA: math.NaN(), MeanB: math.NaN(), Mean: math.NaN(),
							CI: stats.Interval{Lo: math.NaN(), Hi: math.NaN()}}}
					r.Warnings = append(pe.warn, fmt.Sprintf("not evaluated: %d seeds where both arms reach KL %g nats, 2 needed; never extrapolated", len(pe.a), v.level))
					byID[sc.ID] = r
					continue
				}
				if len(pe.a) < len(a) {
					pe.warn = append(pe.warn, fmt.Sprintf("evaluated on the %d of %d seeds where every arm reaches KL %g nats", len(pe.a), len(a), v.level))
				}
				// Values are looked up by variant ID, so that masked seeds and
				// derived series pair correctly whatever the arms are called.
				sc.A, sc.B = sc.ID+"\x00A", sc.ID+"\x00B"
				pe.family = 1
				if v.decides {
					pe.family = 0
				}
				pend[sc.ID] = pe
				families[pe.family] = append(families[pe.family], sc)
			}
		}
	}
	values := func(metric, arm string) ([]float64, error) {
		id, side, _ := strings.Cut(arm, "\x00")
		pe, ok := pend[id]
		if !ok {
			return nil, fmt.Errorf("no values for %q", arm)
		}
		if side == "A" {
			return pe.a, nil
		}
		return pe.b, nil
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
			pe := pend[r.Claim.ID]
			r.Claim.A, r.Claim.B = pe.arms[0], pe.arms[1]
			r.Warnings = append(pe.warn, r.Warnings...)
			byID[r.Claim.ID] = r
		}
	}
	return byID, nil
}

// reachWarning says on how many seeds an arm's path does not reach a KL level.
func reachWarning(arm string, reach []Reach, level float64) string {
	var never, beyond int
	for _, r := range reach {
		switch r {
		case NeverReaches:
			never++
		case StartsBeyond:
			beyond++
		}
	}
	var parts []string
	if never > 0 {
		parts = append(parts, fmt.Sprintf("%s never reaches KL %g nats on %d of %d seeds", arm, level, never, len(reach)))
	}
	if beyond > 0 {
		parts = append(parts, fmt.Sprintf("%s starts beyond KL %g nats on %d of %d seeds", arm, level, beyond, len(reach)))
	}
	return strings.Join(parts, "; ")
}

// decideUnder applies the suite's verdict rule to its claims evaluated under p.
func (s *Suite) decideUnder(p string, results []stats.ClaimResult) Verdict {
	deciding := map[string]bool{}
	for _, c := range s.Claims {
		for _, v := range c.variants(p) {
			if v.decides {
				deciding[v.claim.ID] = true
			}
		}
	}
	return decide(deciding, results)
}

// ArmValues returns every metric's per-seed values of one arm of a suite under
// the study's primary protocol: recipe when the study ran it, else its first.
func (st *Study) ArmValues(s *Suite, arm string) map[string][]float64 {
	return st.ArmValuesIn(st.Primary(), s, arm)
}

// Primary is the protocol that tables without a protocol of their own (the
// headline, the figures) show: recipe when the study ran it, else its first.
func (st *Study) Primary() string {
	if len(st.Protocols) == 0 || slices.Contains(st.Protocols, Recipe) {
		return Recipe
	}
	return st.Protocols[0]
}

// ArmValuesIn returns every metric's per-seed values of one arm of a suite under
// protocol p, over the seeds whose run did not fail.
func (st *Study) ArmValuesIn(p string, s *Suite, arm string) map[string][]float64 {
	type sv struct {
		seed int
		m    map[string]float64
	}
	var rows []sv
	for _, o := range st.Outcomes {
		if o.Job.Suite == s.Name && o.Job.Arm == arm && protocolOf(o) == p && o.Result != nil {
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
