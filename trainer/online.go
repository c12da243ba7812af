package trainer

import (
	"fmt"
	"math/rand/v2"

	"gapbench/model"
)

// Labeller scores completions for the online source: a global reward model, a
// local reward model, or the gold judge.
type Labeller interface {
	Label(x model.Input, y []int) float64
}

// RMLabeller labels with a reward model.
type RMLabeller struct{ RM model.RewardModel }

// Label returns the reward model's score.
func (l RMLabeller) Label(x model.Input, y []int) float64 { return l.RM.Reward(x, y, nil, 0) }

// FuncLabeller labels with a function, e.g. the gold reward table.
type FuncLabeller func(x model.Input, y []int) float64

// Label calls the function.
func (f FuncLabeller) Label(x model.Input, y []int) float64 { return f(x, y) }

// OnlineConfig sets how the online source makes pairs.
type OnlineConfig struct {
	K           int     // completions sampled per pair slot, >= 2
	Temperature float64 // sampling temperature, > 0
	Rounds      int     // 1: one batch round from the starting policy (the paper); R > 1: iterative
	Batch       int     // minibatch size
	Epochs      int     // passes over each round's pairs
}

// Online is the on-policy source: for every pair slot (a prompt) it samples K
// completions from a policy, labels them, and pairs the best with the worst;
// the pairs then feed the same DPO objective as offline pairs. With Rounds = 1
// all pairs come from the starting policy; with Rounds = R the slots are split into
// R chunks and each chunk is sampled from the policy as it is when the chunk starts
// (iterative online DPO). Sampling is exact: each prompt's distribution is
// enumerated once per round and drawn from by inverse CDF.
type Online struct {
	cfg      OnlineConfig
	slots    []model.Input
	policy   model.Policy // the policy being trained (sampled from at each round)
	ref      model.Policy // π_ref, for the items' reference log-probabilities
	labeller Labeller
	rng      *rand.Rand

	round   int
	current *Offline[PrefItem]
	pairs   []Comparison // every pair made so far, in order
}

// NewOnline returns an online source over pair slots (one prompt per pair to make).
func NewOnline(cfg OnlineConfig, slots []model.Input, policy, ref model.Policy, labeller Labeller, rng *rand.Rand) *Online {
	if cfg.K < 2 || !(cfg.Temperature > 0) || cfg.Rounds < 1 || cfg.Rounds > max(len(slots), 1) {
		panic(fmt.Sprintf("trainer: bad online config %+v for %d slots", cfg, len(slots)))
	}
	return &Online{cfg: cfg, slots: slots, policy: policy, ref: ref, labeller: labeller, rng: rng}
}

// Pairs returns every pair the source has made so far.
func (o *Online) Pairs() []Comparison { return o.pairs }

// Next returns the next minibatch, starting a new round when the last is used up.
func (o *Online) Next() ([]PrefItem, bool) {
	for {
		if o.current != nil {
			if b, ok := o.current.Next(); ok {
				return b, true
			}
		}
		if o.round >= o.cfg.Rounds {
			return nil, false
		}
		lo := o.round * len(o.slots) / o.cfg.Rounds
		hi := (o.round + 1) * len(o.slots) / o.cfg.Rounds
		o.round++
		cs := MakeOnlinePairs(o.policy, o.slots[lo:hi], o.cfg.K, o.cfg.Temperature, o.labeller, o.rng)
		o.pairs = append(o.pairs, cs...)
		o.current = NewOffline(NewPrefItems(o.ref, cs), o.cfg.Batch, o.cfg.Epochs, o.rng)
	}
}

// MakeOnlinePairs samples k completions per slot from policy at a temperature,
// labels them and returns best-vs-worst pairs, one per slot. The first best and
// first worst in sampling order win ties.
func MakeOnlinePairs(policy model.Policy, slots []model.Input, k int, temperature float64, l Labeller, rng *rand.Rand) []Comparison {
	sp := policy.Space()
	n := sp.Size()
	logp := make([]float64, n)
	cdf := make([]float64, n)
	cdfs := map[int][]float64{} // by prompt ID: the policy is fixed within a call
	samples := make([][]int, k)
	for i := range samples {
		samples[i] = make([]int, sp.H)
	}
	out := make([]Comparison, len(slots))
	for i, x := range slots {
		c, ok := cdfs[x.ID]
		if !ok {
			policy.Enumerate(x, logp)
			model.BuildCDF(logp, temperature, cdf)
			c = append([]float64(nil), cdf...)
			cdfs[x.ID] = c
		}
		best, worst := 0, 0
		var bs, ws float64
		for j := range k {
			sp.Decode(model.DrawCDF(rng, c), samples[j])
			s := l.Label(x, samples[j])
			if j == 0 || s > bs {
				best, bs = j, s
			}
			if j == 0 || s < ws {
				worst, ws = j, s
			}
		}
		out[i] = Comparison{X: x, Chosen: append([]int(nil), samples[best]...), Rejected: append([]int(nil), samples[worst]...)}
	}
	return out
}
