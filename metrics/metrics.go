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

	"gonum.org/v1/gonum/floats"

	"gapbench/datasets"
	"gapbench/internal/vmath"
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

// Evaluator computes metrics for one world against one reference policy. It
// computes every quantity that depends only on π_ref, the gold reward and the
// data once, when it is made; after that it only reads them, so one Evaluator
// may serve any number of goroutines at once.
type Evaluator struct {
	World *datasets.World
	Ref   model.Policy // π_ref for KL and π*_β
	Beta  float64      // β of π*_β
	Data  []datasets.Pair

	refLogp [][]float64 // π_ref enumerations by validation prompt
	refByID [][]float64 // the same by prompt ID (nil for other prompts)
	logStar [][]float64 // log π*_β by validation prompt
	rare    [][]bool    // π_ref(y) < RareThreshold, by validation prompt
	seen    [][]bool    // by prompt: completions in the data (nil: none)
	rouge   [][]float64
}

// NewEvaluator enumerates π_ref once on the validation prompts, computes π*_β
// there, and indexes the preference data by prompt. It uses ref only while it
// runs.
func NewEvaluator(w *datasets.World, ref model.Policy, beta float64, data []datasets.Pair) *Evaluator {
	e := &Evaluator{World: w, Ref: ref, Beta: beta, Data: data}
	n := w.Space.Size()
	y := make([]int, w.Space.H)
	invTB := 1 / (w.Config.Tau * beta)
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
		gold := w.Gold[p]
		star := make([]float64, n)
		rare := make([]bool, n)
		for i := range star {
			star[i] = lp[i] + gold[i]*invTB
			rare[i] = lp[i] < logRare
		}
		z := floats.LogSumExp(star)
		for i := range star {
			star[i] -= z
		}
		e.logStar = append(e.logStar, star)
		e.rare = append(e.rare, rare)
	}
	e.refByID = make([][]float64, len(w.Prompts))
	for k, p := range w.Val {
		e.refByID[p] = e.refLogp[k]
	}
	e.seen = make([][]bool, len(w.Prompts))
	for _, d := range data {
		if e.seen[d.Prompt] == nil {
			e.seen[d.Prompt] = make([]bool, n)
		}
		e.seen[d.Prompt][w.Space.Encode(d.Chosen)] = true
		e.seen[d.Prompt][w.Space.Encode(d.Rejected)] = true
	}
	return e
}

var logRare = math.Log(RareThreshold)

// RefLogp returns π_ref's log-probability of every completion of prompt p, or
// nil when p is not a validation prompt. The caller must not change it.
func (e *Evaluator) RefLogp(p int) []float64 { return e.refByID[p] }

// Policy returns the exact metrics of π: Validation's and OODMass.
func (e *Evaluator) Policy(pi model.Policy) Policy {
	m := e.Validation(pi)
	m.OODMass = e.OODMass(pi)
	return m
}

// OODMass returns the probability mass π puts on completions never seen in the
// preference data for the same prompt, averaged over training prompts.
func (e *Evaluator) OODMass(pi model.Policy) float64 {
	w := e.World
	lp := make([]float64, w.Space.Size())
	ood := 0.0
	for _, p := range w.Train {
		pi.Enumerate(w.Prompts[p].Input, lp)
		vmath.ExpTo(lp, lp)
		seen := e.seen[p]
		for i, q := range lp {
			if seen == nil || !seen[i] {
				ood += q
			}
		}
	}
	return min(1, ood/float64(len(w.Train))) // a mass; a sum of terms can round above 1
}

// Validation returns the metrics computed on validation prompts: all but OODMass,
// which is left 0. It is the cheaper call for training curves.
func (e *Evaluator) Validation(pi model.Policy) Policy {
	w := e.World
	n := w.Space.Size()
	lp := make([]float64, n)
	pr := make([]float64, n)
	var m Policy
	for k, p := range w.Val {
		pi.Enumerate(w.Prompts[p].Input, lp)
		vmath.ExpTo(pr, lp)
		ref, star, rare := e.refLogp[k], e.logStar[k], e.rare[k]
		gold, win, rouge := w.Gold[p][:n], w.WinTable(k)[:n], e.rouge[k][:n]
		ref, star, rare = ref[:n], star[:n], rare[:n]
		for i, l := range lp {
			q := pr[i]
			if q == 0 {
				continue
			}
			m.WinRate += q * win[i]
			m.GoldReward += q * gold[i]
			m.KLRef += q * (l - ref[i])
			m.Subopt += q * (l - star[i])
			m.RougeL += q * rouge[i]
			if rare[i] {
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
