// Package metrics evaluates policies and reward models exactly, by enumerating
// every completion of every evaluation prompt: no Monte Carlo noise, so the only
// randomness in a result is the data and the training.
//
// Policy metrics (on validation prompts unless noted): win rate against the
// reference writers under the gold judge, expected gold reward, KL to the reference
// policy, regularised suboptimality KL(π‖π*_β), out-of-distribution mass (on
// training prompts), and expected ROUGE-L against the reference summary.
// Reward-model metrics: validation likelihood of preference pairs and Best-of-N
// gold reward.
//
// It is not for training (package trainer) or statistics over seeds (package stats).
package metrics

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/floats"

	"gapbench/datasets"
	"gapbench/model"
)

// Policy holds the exact metrics of one policy. The JSON names are the snake_case
// metric names used in CSV output and reports.
type Policy struct {
	// WinRate is 100·P(y ≻ y_ref) with y ~ π and y_ref ~ the teacher (the human
	// reference writers), judged by the gold reward, ties counting ½; averaged over
	// validation prompts. The teacher scores exactly 50.
	WinRate float64 `json:"win_rate"`
	// GoldReward is E_π[gold reward], normalised per prompt to mean 0 and sd 1 under the teacher.
	GoldReward float64 `json:"gold_reward"`
	// KLRef is KL(π‖π_ref) in nats per prompt, π_ref the suite's reference (the SFT policy).
	KLRef float64 `json:"kl_ref"`
	// Subopt is the regularised suboptimality KL(π‖π*_β) with
	// π*_β ∝ π_ref·exp(gold/(τβ)), the KL-regularised optimum for the labeller's
	// Bradley–Terry reward gold/τ; 0 is optimal.
	Subopt float64 `json:"subopt"`
	// OODMass is the probability mass π puts on completions never seen in the
	// preference data for the same prompt, averaged over training prompts.
	OODMass float64 `json:"ood_mass"`
	// RougeL is E_π[ROUGE-L F1 against the reference summary] (the teacher's mode).
	RougeL float64 `json:"rouge_l"`
	// RareMass is the probability mass π puts on completions that π_ref gives
	// probability below RareThreshold (that π_ref would sample less than once in
	// 10,000 draws), averaged over validation prompts: where a policy goes that
	// the reference, and hence most preference data, never reaches.
	RareMass float64 `json:"rare_mass"`
}

// RareThreshold is the π_ref probability below which a completion counts as rare.
const RareThreshold = 1e-4

// Evaluator computes metrics for one world against one reference policy.
type Evaluator struct {
	World *datasets.World
	Ref   model.Policy // π_ref for KL and π*_β
	Beta  float64      // β of π*_β
	Data  []datasets.Pair

	refLogp [][]float64 // π_ref enumerations by validation prompt
	seen    []map[int]bool
	rouge   [][]float64
}

// NewEvaluator enumerates π_ref once on the validation prompts and indexes the
// preference data by prompt.
func NewEvaluator(w *datasets.World, ref model.Policy, beta float64, data []datasets.Pair) *Evaluator {
	e := &Evaluator{World: w, Ref: ref, Beta: beta, Data: data}
	n := w.Space.Size()
	y := make([]int, w.Space.H)
	for _, p := range w.Val {
		lp := make([]float64, n)
		ref.Enumerate(w.Prompts[p].Input, lp)
		e.refLogp = append(e.refLogp, lp)
		r := make([]float64, n)
		for i := range r {
			w.Space.Decode(i, y)
			r[i] = datasets.RougeL(y, w.Reference[p])
		}
		e.rouge = append(e.rouge, r)
	}
	e.seen = make([]map[int]bool, len(w.Prompts))
	for _, d := range data {
		if e.seen[d.Prompt] == nil {
			e.seen[d.Prompt] = map[int]bool{}
		}
		e.seen[d.Prompt][w.Space.Encode(d.Chosen)] = true
		e.seen[d.Prompt][w.Space.Encode(d.Rejected)] = true
	}
	return e
}

var logRare = math.Log(RareThreshold)

// Policy returns the exact metrics of π.
func (e *Evaluator) Policy(pi model.Policy) Policy {
	m := e.Validation(pi)
	w := e.World
	lp := make([]float64, w.Space.Size())
	for _, p := range w.Train {
		pi.Enumerate(w.Prompts[p].Input, lp)
		for i, l := range lp {
			if !e.seen[p][i] {
				m.OODMass += math.Exp(l)
			}
		}
	}
	m.OODMass = min(1, m.OODMass/float64(len(w.Train))) // a mass; a sum of terms can round above 1
	return m
}

// Validation returns the metrics computed on validation prompts: all but OODMass,
// which is left 0. It is the cheaper call for training curves.
func (e *Evaluator) Validation(pi model.Policy) Policy {
	w := e.World
	n := w.Space.Size()
	lp := make([]float64, n)
	star := make([]float64, n)
	var m Policy
	invTB := 1 / (w.Config.Tau * e.Beta)
	for k, p := range w.Val {
		pi.Enumerate(w.Prompts[p].Input, lp)
		ref, gold, win, rouge := e.refLogp[k], w.Gold[p], w.WinTable(k), e.rouge[k]
		for i := range star {
			star[i] = ref[i] + gold[i]*invTB
		}
		z := floats.LogSumExp(star)
		for i, l := range lp {
			q := math.Exp(l)
			if q == 0 {
				continue
			}
			m.WinRate += q * win[i]
			m.GoldReward += q * gold[i]
			m.KLRef += q * (l - ref[i])
			m.Subopt += q * (l - (star[i] - z))
			m.RougeL += q * rouge[i]
			if ref[i] < logRare {
				m.RareMass += q
			}
		}
	}
	v := float64(len(w.Val))
	m.WinRate *= 100 / v
	m.GoldReward /= v
	// A KL divergence is >= 0; a sum of terms can round below it when π equals
	// its reference (an oracle row is exactly π*_β): those are zeros.
	m.KLRef = math.Max(0, m.KLRef/v)
	m.Subopt = math.Max(0, m.Subopt/v)
	m.RougeL /= v
	m.RareMass = min(1, m.RareMass/v)
	return m
}

// Scorer is a reward: a global or local reward model, or a policy's implicit reward.
type Scorer func(x model.Input, y []int) float64

// PairLikelihood is the validation likelihood mean σ(r(chosen) − r(rejected)) of a
// scorer on pairs, with the label's Bradley–Terry noise integrated out exactly:
// each pair counts p·σ(d) + (1 − p)·σ(−d) with p the labeller's probability that
// the pair's first side wins.
func PairLikelihood(w *datasets.World, r Scorer, pairs []datasets.Pair) float64 {
	s := 0.0
	for _, pr := range pairs {
		x := w.Prompts[pr.Prompt].Input
		d := r(x, pr.Chosen) - r(x, pr.Rejected)
		p := w.PreferProb(pr.Prompt, pr.Chosen, pr.Rejected)
		s += p*datasets.Sigmoid(d) + (1-p)*datasets.Sigmoid(-d)
	}
	return s / float64(len(pairs))
}

// PairAccuracy is the ranking accuracy of a scorer on pairs: the probability
// that it orders a pair as the labeller would, with the label's Bradley–Terry
// noise integrated out (p·1[d > 0] + (1 − p)·1[d < 0] + ½·1[d = 0], d the score
// difference). Unlike PairLikelihood it does not depend on the scorer's scale, so
// it compares rewards of different temperatures fairly (e.g. DPO's implicit
// reward β·log π/π_ref against a reward model).
func PairAccuracy(w *datasets.World, r Scorer, pairs []datasets.Pair) float64 {
	s := 0.0
	for _, pr := range pairs {
		x := w.Prompts[pr.Prompt].Input
		d := r(x, pr.Chosen) - r(x, pr.Rejected)
		p := w.PreferProb(pr.Prompt, pr.Chosen, pr.Rejected)
		switch {
		case d > 0:
			s += p
		case d < 0:
			s += 1 - p
		default:
			s += 0.5
		}
	}
	return s / float64(len(pairs))
}

// BestOfN returns, for each n in ns, the expected gold reward of the completion a
// scorer ranks highest among n independent samples from π, averaged over prompts.
// It is exact: with completions sorted by score (ties broken by index),
// P(best of n = y) = F(y)^n − F(y⁻)^n where F is π's cumulative mass in that order.
func BestOfN(w *datasets.World, pi model.Policy, r Scorer, prompts []int, ns []int) []float64 {
	n := w.Space.Size()
	lp := make([]float64, n)
	score := make([]float64, n)
	idx := make([]int, n)
	y := make([]int, w.Space.H)
	out := make([]float64, len(ns))
	for _, p := range prompts {
		x := w.Prompts[p].Input
		pi.Enumerate(x, lp)
		for i := range score {
			w.Space.Decode(i, y)
			score[i] = r(x, y)
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] < score[idx[b]] })
		for j, k := range ns {
			f0, e := 0.0, 0.0
			for _, i := range idx {
				f1 := f0 + math.Exp(lp[i])
				e += (math.Pow(f1, float64(k)) - math.Pow(f0, float64(k))) * w.Gold[p][i]
				f0 = f1
			}
			out[j] += e
		}
	}
	for j := range out {
		out[j] /= float64(len(prompts))
	}
	return out
}
