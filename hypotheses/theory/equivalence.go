package theory

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// EquivalenceConfig is one tabular world and preference dataset on which
// CheckEquivalence compares offline and online PFT.
type EquivalenceConfig struct {
	Name    string  // label used in errors and check names
	Seed    uint64  // seeds π_ref, the gold reward, the data and the DPO starts
	Prompts int     // prompts, each with its own prefix tree
	Vocab   int     // actions per step, ≥ 2
	Horizon int     // tokens per trajectory, ≥ 1
	Beta    float64 // KL temperature β > 0 of DPO and of the RL step

	// Touched is the number of trajectories per prompt that appear in the
	// data; 0 means all of them (full coverage).
	Touched int
	// Components is the number of connected components of each prompt's
	// comparison graph; 1 with Touched = 0 makes the policy identified.
	Components int
	// ExtraEdges is the number of random edges per prompt added to the
	// spanning trees that connect each component.
	ExtraEdges int
	// Labels is the number of Bradley–Terry labels drawn from the gold
	// reward per edge, on top of one forced observation in each order.
	Labels int
	// Starts is the number of DPO runs: one from π_ref's logits, the others
	// from random logits.
	Starts int
	// Tol is the tolerance on every measured difference.
	Tol float64
}

// DefaultEquivalenceConfig is a full-coverage world: two prompts, V = 3,
// H = 2, β = 0.5, every trajectory compared, three DPO starts, tolerance 1e-6.
func DefaultEquivalenceConfig() EquivalenceConfig {
	return EquivalenceConfig{
		Name: "full", Seed: 1, Prompts: 2, Vocab: 3, Horizon: 2, Beta: 0.5,
		Touched: 0, Components: 1, ExtraEdges: 4, Labels: 4, Starts: 3, Tol: 1e-6,
	}
}

// validate returns an error naming the first bad field of c.
func (c EquivalenceConfig) validate() (*tree, error) {
	t, err := newTree(c.Prompts, c.Vocab, c.Horizon)
	if err != nil {
		return nil, fmt.Errorf("theory: config %q: %w", c.Name, err)
	}
	touched := c.Touched
	if touched == 0 {
		touched = t.leaves
	}
	switch {
	case !(c.Beta > 0) || math.IsInf(c.Beta, 1):
		err = fmt.Errorf("beta must be > 0 and finite, got %v", c.Beta)
	case c.Touched < 0 || c.Touched == 1 || c.Touched > t.leaves:
		err = fmt.Errorf("touched must be 0 or in [2, %d], got %d", t.leaves, c.Touched)
	case c.Components < 1 || 2*c.Components > touched:
		err = fmt.Errorf("components must be in [1, touched/2 = %d], got %d", touched/2, c.Components)
	case c.ExtraEdges < 0:
		err = fmt.Errorf("extra edges must be ≥ 0, got %d", c.ExtraEdges)
	case c.Labels < 0:
		err = fmt.Errorf("labels must be ≥ 0, got %d", c.Labels)
	case c.Starts < 1:
		err = fmt.Errorf("starts must be ≥ 1, got %d", c.Starts)
	case !(c.Tol > 0):
		err = fmt.Errorf("tol must be > 0, got %v", c.Tol)
	}
	if err != nil {
		return nil, fmt.Errorf("theory: config %q: %w", c.Name, err)
	}
	return t, nil
}

// EquivalenceResult is what CheckEquivalence measured. Differences of
// policies are max_ξ |P(ξ) − P'(ξ)| over all trajectories of all prompts.
type EquivalenceResult struct {
	Config       EquivalenceConfig
	Trajectories int  // trajectories over all prompts
	Touched      int  // trajectories that appear in the data
	Components   int  // connected components of the comparison graph, over all prompts
	Comparisons  int  // n, the total number of labelled comparisons
	Identified   bool // one component spans every prompt's trajectories, so both optima are unique

	// PolicyDiff is the difference between the DPO policy and the RLHF
	// policy after both go through the same KL tie-break (the policy closest
	// to π_ref among those with the same identified reward differences), the
	// largest over DPO starts.
	PolicyDiff float64
	// RawPolicyDiff is the same without the tie-break. It is ≈ 0 when the
	// data identify the policy and may be large otherwise.
	RawPolicyDiff float64
	// RawDPOSpread is the largest difference between DPO optima reached from
	// different starts: > 0 exactly when the DPO optimum is not unique.
	RawDPOSpread float64
	// RewardDiff compares the identified quantities: the largest
	// |(u(ξ) − u(ξ')) − (r̂(ξ) − r̂(ξ'))| over pairs in one component, with u the
	// DPO policy's implicit reward β·log(P/P_ref) and r̂ the MLE reward.
	RewardDiff float64
	// ProjectionDiff is the difference between the exact soft-optimal policy
	// of r̂ (soft value recursion) and the one found by maximising
	// E_π[r̂] − β·KL(P_π ‖ P_ref) over Π's logits with L-BFGS.
	ProjectionDiff float64
	// DPOLossGap is |L_DPO(RLHF policy) − L_DPO(DPO optimum)|: the RLHF policy
	// is a DPO optimum. The largest over DPO starts.
	DPOLossGap float64
	// BTLossGap is |L_BT(u) − L_BT(r̂)|: every DPO optimum's implicit reward
	// u is a Bradley–Terry MLE (and its soft-optimal policy is that optimum).
	BTLossGap float64
	// MaxGradNorm is the largest ‖∇‖∞ at which any of the solves stopped.
	MaxGradNorm float64
	Tolerance   float64 // Config.Tol
	Pass        bool    // every difference above (raw ones only when Identified) ≤ Tolerance
}

// CheckEquivalence builds the world and dataset of cfg and checks the
// equivalence theorem on it: offline PFT (DPO over Π) and online PFT
// (Bradley–Terry MLE over R(Π), then exact KL-regularised RL) return the same
// policy, up to the non-uniqueness the data leave (see the package doc).
func CheckEquivalence(cfg EquivalenceConfig) (EquivalenceResult, error) {
	t, err := cfg.validate()
	if err != nil {
		return EquivalenceResult{}, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7468656f7279)) // "theory"
	refLogits := randomLogits(t, rng, 1)
	refLogP := make([]float64, t.numTraj())
	t.logProbs(refLogits, refLogP)
	gold := make([]float64, t.numTraj())
	for i := range gold {
		gold[i] = rng.NormFloat64()
	}
	g := genPrefData(t, rng, cfg.Touched, cfg.Components, cfg.ExtraEdges, cfg.Labels, gold)

	res := EquivalenceResult{
		Config:       cfg,
		Trajectories: t.numTraj(),
		Components:   len(g.members),
		Comparisons:  int(g.data.total),
		Identified:   len(g.members) == t.prompts && (cfg.Touched == 0 || cfg.Touched == t.leaves),
		Tolerance:    cfg.Tol,
	}
	for _, c := range g.comp {
		if c >= 0 {
			res.Touched++
		}
	}
	track := func(s solution, err error) (solution, error) {
		res.MaxGradNorm = math.Max(res.MaxGradNorm, s.gradNorm)
		return s, err
	}

	// Online PFT, stage 1: Bradley–Terry MLE of a reward table, from r = 0.
	bt := btObjective(&g.data)
	rm, err := track(minimise(bt, make([]float64, t.numTraj())))
	if err != nil {
		return res, fmt.Errorf("theory: config %q: reward model: %w", cfg.Name, err)
	}
	rHat := rm.x
	// Stage 2: exact RL (soft value recursion) and RL by L-BFGS over Π.
	rlhfLogits := t.softOptimal(refLogits, rHat, cfg.Beta, nil)
	pRLHF := t.probs(rlhfLogits)
	rl, err := track(minimise(rlObjective(t, rHat, refLogP, cfg.Beta), refLogits))
	if err != nil {
		return res, fmt.Errorf("theory: config %q: RL by gradient: %w", cfg.Name, err)
	}
	res.ProjectionDiff = floats.Distance(pRLHF, t.probs(rl.x), math.Inf(1))
	pRLHFTie := t.probs(t.softOptimal(refLogits, klTieBreak(g, rHat, refLogP, cfg.Beta), cfg.Beta, nil))

	// Offline PFT: DPO over Π's logits from several starts.
	dpo := dpoObjective(t, &g.data, refLogP, cfg.Beta)
	dpoRLHF := dpo(rlhfLogits, nil)
	u := make([]float64, t.numTraj())
	var pFirst []float64
	for s := range cfg.Starts {
		start := refLogits
		if s > 0 {
			start = randomLogits(t, rng, 1)
		}
		sol, err := track(minimise(dpo, start))
		if err != nil {
			return res, fmt.Errorf("theory: config %q: DPO start %d: %w", cfg.Name, s, err)
		}
		pDPO := t.probs(sol.x)
		if s == 0 {
			pFirst = pDPO
		}
		res.RawDPOSpread = math.Max(res.RawDPOSpread, floats.Distance(pDPO, pFirst, math.Inf(1)))
		res.RawPolicyDiff = math.Max(res.RawPolicyDiff, floats.Distance(pDPO, pRLHF, math.Inf(1)))
		res.DPOLossGap = math.Max(res.DPOLossGap, math.Abs(dpoRLHF-sol.f))

		implicitReward(t, sol.x, refLogP, cfg.Beta, u)
		res.BTLossGap = math.Max(res.BTLossGap, math.Abs(bt(u, nil)-rm.f))
		pTie := t.probs(t.softOptimal(refLogits, klTieBreak(g, u, refLogP, cfg.Beta), cfg.Beta, nil))
		res.PolicyDiff = math.Max(res.PolicyDiff, floats.Distance(pTie, pRLHFTie, math.Inf(1)))
		for _, mem := range g.members {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, xi := range mem {
				e := u[xi] - rHat[xi]
				lo, hi = math.Min(lo, e), math.Max(hi, e)
			}
			res.RewardDiff = math.Max(res.RewardDiff, hi-lo)
		}
	}

	tol := cfg.Tol
	res.Pass = res.PolicyDiff <= tol && res.RewardDiff <= tol && res.ProjectionDiff <= tol &&
		res.DPOLossGap <= tol && res.BTLossGap <= tol &&
		(!res.Identified || (res.RawPolicyDiff <= tol && res.RawDPOSpread <= tol))
	return res, nil
}

// randomLogits returns logits with independent N(0, sd²) entries.
func randomLogits(t *tree, rng *rand.Rand, sd float64) []float64 {
	x := make([]float64, t.numParams())
	for i := range x {
		x[i] = sd * rng.NormFloat64()
	}
	return x
}
