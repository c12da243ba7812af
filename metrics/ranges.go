package metrics

import (
	"math"
	"strings"
)

// Range is the set of values a metric can take, [Lo, Hi]; an end may be
// infinite.
type Range struct {
	Lo, Hi float64
}

// ranges declares the possible values of every metric a gapbench run
// records, by its name in results and CSV output (the JSON tags of Policy,
// and the runner's reward-model and training metrics). A metric missing
// here is unbounded.
var ranges = map[string]Range{
	"win_rate":    {0, 100},                    // a probability, in %
	"gold_reward": {math.Inf(-1), math.Inf(1)}, // normalised per prompt; no bound
	"kl_ref":      {0, math.Inf(1)},            // a KL divergence
	"subopt":      {0, math.Inf(1)},            // KL(π‖π*_β)
	"ood_mass":    {0, 1},                      // a probability mass
	"rouge_l":     {0, 1},                      // an F1 score
	"rare_mass":   {0, 1},                      // a probability mass
	"rm_lik_id":   {0, 1},                      // mean σ(r⁺ − r⁻)
	"rm_lik_ood":  {0, 1},
	"rm_acc_id":   {0, 1}, // a ranking accuracy
	"rm_acc_ood":  {0, 1},
	"steps":       {0, math.Inf(1)}, // optimiser steps
	"evals":       {0, math.Inf(1)}, // objective evaluations (exact RLHF)
	// Exact RLHF: whether a stopping rule held, the KL to the target reached
	// (the runner clamps the closed-form fits' rounding negatives to 0), the
	// largest gradient component there and the warm start's iterations.
	"converged":      {0, 1},
	"rlhf_kl":        {0, math.Inf(1)},
	"rlhf_grad_norm": {0, math.Inf(1)},
	"warm_steps":     {0, math.Inf(1)}, // the likelihood warm start's iterations
	// The tuned protocol's chosen epochs and its held-out log-likelihood.
	"tuned_epochs": {1, math.Inf(1)},
	"tuned_score":  {math.Inf(-1), 0},
	// final_loss is left unbounded: HyPO's loss holds a sampled KL estimate,
	// which can be negative. bon_N and bon_dpo_N are gold rewards: unbounded.
}

// RangeOf returns the range of a named metric, and false for a metric that
// gapbench does not know (whose values may be anything). Best-of-N metrics
// (bon_N, bon_dpo_N) are known and unbounded.
func RangeOf(name string) (Range, bool) {
	if r, ok := ranges[name]; ok {
		return r, true
	}
	if strings.HasPrefix(name, "bon_") {
		return Range{math.Inf(-1), math.Inf(1)}, true
	}
	return Range{}, false
}
