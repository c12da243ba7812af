package theory

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
)

// PartialCoverageConfig is the partial-coverage example of Xu et al. (2024)
// (PAPER.md, "Theory", "Partial coverage"): one prompt, three trajectories
// ξ₁, ξ₂, ξ₃, π_ref = [½, ½, 0], and data that compare only ξ₁ with ξ₂.
type PartialCoverageConfig struct {
	Beta float64 // KL temperature β > 0
	// Wins and Losses are the counts of ξ₁ ≻ ξ₂ and ξ₂ ≻ ξ₁ in the finite
	// dataset; both ≥ 1 so that the MLEs are finite, with log-odds
	// log(Wins/Losses).
	Wins, Losses int
	// RewardGaps are values of r(ξ₁) − r(ξ₂) > 0 for the one-sided dataset
	// (only ξ₁ ≻ ξ₂, whose MLE gap is +∞): RLHF is followed along them.
	RewardGaps []float64
	// OffSupportRewards are finite values of r(ξ₃) tried in the RL step.
	OffSupportRewards []float64
	// OODMasses are the values of π(ξ₃) ∈ [0, 1) of the DPO family
	// (1 − m)·π_RLHF + m·δ_ξ₃, which keeps π(ξ₁)/π(ξ₂) fixed.
	OODMasses []float64
	// StartMasses are π(ξ₃) ∈ (0, 1) of the DPO optimiser's starting policies
	// (with π(ξ₁) = π(ξ₂)).
	StartMasses []float64
	// Tol is the tolerance on every measured difference.
	Tol float64
}

// DefaultPartialCoverageConfig is β = 0.5, 3 wins to 1 loss (so the optimal
// ratio π(ξ₁)/π(ξ₂) is 3^{1/β} = 9 and RLHF returns [0.9, 0.1, 0]), reward gaps
// 1…20, r(ξ₃) from −100 to 10⁶, masses 0…0.9 and tolerance 1e-9.
func DefaultPartialCoverageConfig() PartialCoverageConfig {
	return PartialCoverageConfig{
		Beta: 0.5, Wins: 3, Losses: 1,
		RewardGaps:        []float64{1, 2, 5, 10, 20},
		OffSupportRewards: []float64{-100, 0, 1, 100, 1e6},
		OODMasses:         []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9},
		StartMasses:       []float64{1.0 / 3, 0.5, 0.9},
		Tol:               1e-9,
	}
}

func (c PartialCoverageConfig) validate() error {
	var err error
	switch {
	case !(c.Beta > 0) || math.IsInf(c.Beta, 1):
		err = fmt.Errorf("beta must be > 0 and finite, got %v", c.Beta)
	case c.Wins < 1 || c.Losses < 1:
		err = fmt.Errorf("wins and losses must be ≥ 1, got %d and %d", c.Wins, c.Losses)
	case len(c.RewardGaps) == 0 || len(c.OffSupportRewards) == 0 || len(c.OODMasses) == 0 || len(c.StartMasses) == 0:
		err = fmt.Errorf("reward gaps, off-support rewards, OOD masses and start masses must be non-empty")
	case !(c.Tol > 0):
		err = fmt.Errorf("tol must be > 0, got %v", c.Tol)
	}
	for _, v := range c.RewardGaps {
		if err == nil && (!(v > 0) || math.IsInf(v, 1)) {
			err = fmt.Errorf("reward gaps must be > 0 and finite, got %v", v)
		}
	}
	for _, v := range c.OffSupportRewards {
		if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			err = fmt.Errorf("off-support rewards must be finite, got %v", v)
		}
	}
	for _, v := range c.OODMasses {
		if err == nil && !(v >= 0 && v < 1) {
			err = fmt.Errorf("OOD masses must be in [0, 1), got %v", v)
		}
	}
	for _, v := range c.StartMasses {
		if err == nil && !(v > 0 && v < 1) {
			err = fmt.Errorf("start masses must be in (0, 1), got %v", v)
		}
	}
	if err != nil {
		return fmt.Errorf("theory: partial coverage: %w", err)
	}
	return nil
}

// DPOSolution is one run of the DPO optimiser in the partial-coverage example.
type DPOSolution struct {
	Start  [3]float64 // starting policy over ξ₁, ξ₂, ξ₃
	Policy [3]float64 // policy it converged to
	Loss   float64    // its DPO loss on the finite dataset
}

// PartialCoverageResult is what PartialCoverage measured.
type PartialCoverageResult struct {
	Config PartialCoverageConfig
	// RewardGap is r̂(ξ₁) − r̂(ξ₂) of the Bradley–Terry MLE on the finite data
	// (log(Wins/Losses) in closed form); r̂(ξ₃) is not identified.
	RewardGap float64
	// RLHF is the soft-optimal policy of r̂ under π_ref = [½, ½, 0].
	RLHF [3]float64
	// RLHFClosedFormDiff is max |RLHF − [ρ, 1, 0]/(1 + ρ)| with
	// ρ = (Wins/Losses)^{1/β}.
	RLHFClosedFormDiff float64
	// RLHFOffSupport is the largest π*(ξ₃) of the RL step over every reward
	// gap and every finite r(ξ₃) tried: exactly 0, since π_ref(ξ₃) = 0.
	RLHFOffSupport float64
	// RLHFLimit is π*(ξ₁) at each of Config.RewardGaps (with r(ξ₃) = 0):
	// σ(gap/β), increasing to 1.
	RLHFLimit []float64
	// LimitDistance is max_ξ |π*(ξ) − [1, 0, 0]| at the largest reward gap.
	LimitDistance float64
	// OneSidedLoss is the DPO loss on the one-sided data (only ξ₁ ≻ ξ₂) of
	// the RLHF policy at each reward gap; it decreases to its infimum 0,
	// which no policy attains.
	OneSidedLoss []float64
	// FamilyLossSpread is the largest |L_DPO(member) − L_DPO(RLHF policy)|
	// over the family (1 − m)·π_RLHF + m·δ_ξ₃, m ∈ OODMasses, on the finite
	// dataset and on the one-sided dataset at every reward gap.
	FamilyLossSpread float64
	// FamilyLimitDistance is the distance of the largest-m member at the
	// largest reward gap from [1 − m, 0, m] (e.g. [0.1, 0, 0.9]).
	FamilyLimitDistance float64
	// DPO are the DPO optimiser's runs on the finite data from StartMasses.
	DPO []DPOSolution
	// DPOLossGap is the largest |L_DPO(DPO run) − L_DPO(RLHF)|.
	DPOLossGap float64
	// MaxDPOOODMass is the largest π(ξ₃) among the DPO optima found.
	MaxDPOOODMass float64
	// DPOOODPredictionDiff is the largest |π(ξ₃) − m/(m + (1−m)/2·(√ρ + 1/√ρ))|
	// over the DPO runs from [(1−m)/2, (1−m)/2, m]: exact gradients never
	// touch ξ₃'s logit and keep θ₁ + θ₂ fixed, so the optimiser keeps the
	// out-of-distribution mass this formula predicts instead of removing it.
	DPOOODPredictionDiff float64
	// Pass: RLHFOffSupport = 0 and every difference above ≤ Config.Tol.
	Pass bool
}

// PartialCoverage runs the partial-coverage example: the RLHF solution keeps
// π(ξ₃) = 0 for any finite reward and tends to [1, 0, 0] as the reward gap
// grows, while the DPO loss involves only π(ξ₁)/π(ξ₂), so policies that put
// up to 0.9 (or any m < 1) on ξ₃ reach exactly the same DPO loss, and the DPO
// optimiser started with mass on ξ₃ converges to such an optimum.
func PartialCoverage(cfg PartialCoverageConfig) (PartialCoverageResult, error) {
	if err := cfg.validate(); err != nil {
		return PartialCoverageResult{}, err
	}
	res := PartialCoverageResult{Config: cfg}
	t, _ := newTree(1, 3, 1) // one step over three actions: a trajectory is an action
	refLogits := []float64{0, 0, math.Inf(-1)}
	refLogP := make([]float64, 3)
	t.logProbs(refLogits, refLogP)
	beta := cfg.Beta
	finite := &prefData{comps: []comparison{{0, 1, float64(cfg.Wins)}, {1, 0, float64(cfg.Losses)}}, total: float64(cfg.Wins + cfg.Losses)}
	oneSided := &prefData{comps: []comparison{{0, 1, 1}}, total: 1}
	loss := func(d *prefData, p [3]float64) float64 {
		u := []float64{beta * math.Log(p[0]/0.5), beta * math.Log(p[1]/0.5), 0}
		return btLoss(d, u, nil)
	}
	rlhf := func(r []float64) [3]float64 {
		var p [3]float64
		copy(p[:], t.probs(t.softOptimal(refLogits, r, beta, nil)))
		return p
	}

	// Online PFT: Bradley–Terry MLE on the finite data, then exact RL.
	rm, err := minimise(btObjective(finite), make([]float64, 3))
	if err != nil {
		return res, fmt.Errorf("theory: partial coverage: reward model: %w", err)
	}
	res.RewardGap = rm.x[0] - rm.x[1]
	res.RLHF = rlhf(rm.x)
	rho := math.Pow(float64(cfg.Wins)/float64(cfg.Losses), 1/beta)
	res.RLHFClosedFormDiff = floats.Distance(res.RLHF[:], []float64{rho / (1 + rho), 1 / (1 + rho), 0}, math.Inf(1))
	lossRLHF := loss(finite, res.RLHF)

	// π*(ξ₃) over reward gaps × finite r(ξ₃), and the limit along the gaps.
	gaps := slices.Sorted(slices.Values(cfg.RewardGaps))
	for _, gap := range gaps {
		for _, r3 := range cfg.OffSupportRewards {
			res.RLHFOffSupport = math.Max(res.RLHFOffSupport, rlhf([]float64{gap, 0, r3})[2])
		}
		p := rlhf([]float64{gap, 0, 0})
		res.RLHFLimit = append(res.RLHFLimit, p[0])
		res.OneSidedLoss = append(res.OneSidedLoss, loss(oneSided, p))
		res.LimitDistance = floats.Distance(p[:], []float64{1, 0, 0}, math.Inf(1))
	}

	// The DPO family (1 − m)·π + m·δ_ξ₃ along RLHF policies.
	mMax := slices.Max(cfg.OODMasses)
	family := func(d *prefData, p [3]float64) [3]float64 {
		base := loss(d, p)
		var last [3]float64
		for _, m := range cfg.OODMasses {
			q := [3]float64{(1 - m) * p[0], (1 - m) * p[1], m}
			res.FamilyLossSpread = math.Max(res.FamilyLossSpread, math.Abs(loss(d, q)-base))
			if m == mMax {
				last = q
			}
		}
		return last
	}
	family(finite, res.RLHF)
	var last [3]float64
	for _, gap := range gaps {
		last = family(oneSided, rlhf([]float64{gap, 0, 0}))
	}
	res.FamilyLimitDistance = floats.Distance(last[:], []float64{1 - mMax, 0, mMax}, math.Inf(1))

	// Offline PFT: the DPO optimiser over softmax logits from starts with mass on ξ₃.
	dpo := dpoObjective(t, finite, refLogP, beta)
	for _, m := range cfg.StartMasses {
		start := [3]float64{(1 - m) / 2, (1 - m) / 2, m}
		sol, err := minimise(dpo, []float64{math.Log(start[0]), math.Log(start[1]), math.Log(start[2])})
		if err != nil {
			return res, fmt.Errorf("theory: partial coverage: DPO from π(ξ₃) = %v: %w", m, err)
		}
		var p [3]float64
		copy(p[:], t.probs(sol.x))
		res.DPO = append(res.DPO, DPOSolution{Start: start, Policy: p, Loss: sol.f})
		res.DPOLossGap = math.Max(res.DPOLossGap, math.Abs(sol.f-lossRLHF))
		res.MaxDPOOODMass = math.Max(res.MaxDPOOODMass, p[2])
		predicted := m / (m + (1-m)/2*(math.Sqrt(rho)+1/math.Sqrt(rho)))
		res.DPOOODPredictionDiff = math.Max(res.DPOOODPredictionDiff, math.Abs(p[2]-predicted))
	}

	tol := cfg.Tol
	res.Pass = res.RLHFOffSupport == 0 && res.DPOOODPredictionDiff <= tol &&
		res.RLHFClosedFormDiff <= tol && res.LimitDistance <= tol && res.FamilyLossSpread <= tol &&
		res.FamilyLimitDistance <= tol && res.DPOLossGap <= tol
	return res, nil
}
