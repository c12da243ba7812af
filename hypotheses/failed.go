package hypotheses

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gapbench/runner"
	"gapbench/stats"
)

// ArmFailures returns, for one arm of a suite (or a derived series, through both
// its arms), the outcomes of its runs that failed, in seed order.
func (s *Suite) ArmFailures(outs []runner.Outcome, arm string) []runner.Outcome {
	return s.ArmFailuresUnder(outs, "", arm)
}

// ArmFailuresUnder is ArmFailures for the runs of protocol p ("" for any).
func (s *Suite) ArmFailuresUnder(outs []runner.Outcome, p, arm string) []runner.Outcome {
	for _, d := range s.Derived {
		if d.Name == arm {
			return append(s.ArmFailuresUnder(outs, p, d.A), s.ArmFailuresUnder(outs, p, d.B)...)
		}
	}
	var f []runner.Outcome
	for _, o := range outs {
		if o.Job.Suite == s.Name && o.Job.Arm == arm && o.Err != nil && (p == "" || protocolOf(o) == p) {
			f = append(f, o)
		}
	}
	sort.SliceStable(f, func(i, j int) bool { return f[i].Job.Seed < f[j].Job.Seed })
	return f
}

// FailureNote describes an arm's failed runs in one line, e.g.
// "failed on seed 2: dpo: loss became NaN at step 3"; "" when none failed.
func FailureNote(failed []runner.Outcome) string {
	if len(failed) == 0 {
		return ""
	}
	seeds := make([]string, len(failed))
	for i, o := range failed {
		seeds[i] = fmt.Sprint(o.Job.Seed)
	}
	word := "seed"
	if len(failed) > 1 {
		word = "seeds"
	}
	return fmt.Sprintf("%s failed on %s %s: %v", failed[0].Job.Arm, word, strings.Join(seeds, ", "), failed[0].Err)
}

// notJudged is the result of a claim one of whose arms failed: inconclusive, with
// no numbers, and a warning that says which runs failed and why.
func notJudged(c stats.Claim, note string) stats.ClaimResult {
	nan := math.NaN()
	return stats.ClaimResult{
		Claim:  c,
		Paired: stats.Paired{MeanA: nan, MeanB: nan, Mean: nan, CI: stats.Interval{Lo: nan, Hi: nan}},
		P:      nan, PAdj: nan, PRefute: nan, PRefuteAdj: nan,
		Verdict:  stats.Inconclusive,
		Warnings: []string{"not judged: " + note},
	}
}
