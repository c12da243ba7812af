package theory

import (
	"fmt"
	"math"
	"strings"
)

// Check is one row of the theory table: a named statement, the measured
// quantity that tests it, its tolerance and whether it held.
type Check struct {
	Name      string  // short stable identifier, e.g. "equivalence/partial/policy"
	Statement string  // what is claimed, with the numbers that make it concrete
	Measured  float64 // the measured difference (see Statement)
	Tolerance float64 // the claim holds when Measured ≤ Tolerance (and any side condition in Statement)
	Pass      bool    // whether it held
}

// StandardEquivalenceConfigs are the worlds RunAll checks the equivalence
// theorem on: full coverage at H = 2 and H = 3, partial coverage with two
// components per prompt, and two small-n datasets (6 and 4 comparisons).
func StandardEquivalenceConfigs() []EquivalenceConfig {
	return []EquivalenceConfig{
		{Name: "full-H2", Seed: 1, Prompts: 2, Vocab: 3, Horizon: 2, Beta: 0.5,
			Components: 1, ExtraEdges: 4, Labels: 4, Starts: 3, Tol: 1e-6},
		{Name: "full-H3", Seed: 2, Prompts: 1, Vocab: 3, Horizon: 3, Beta: 0.5,
			Components: 1, ExtraEdges: 10, Labels: 3, Starts: 3, Tol: 1e-6},
		{Name: "partial-H3", Seed: 3, Prompts: 2, Vocab: 3, Horizon: 3, Beta: 0.5,
			Touched: 8, Components: 2, ExtraEdges: 2, Labels: 3, Starts: 3, Tol: 1e-6},
		{Name: "small-n-6", Seed: 4, Prompts: 1, Vocab: 3, Horizon: 2, Beta: 0.5,
			Touched: 3, Components: 1, Labels: 1, Starts: 3, Tol: 1e-6},
		{Name: "small-n-4", Seed: 5, Prompts: 1, Vocab: 2, Horizon: 3, Beta: 1,
			Touched: 2, Components: 1, Labels: 2, Starts: 3, Tol: 1e-6},
	}
}

// StandardSFTSPINConfigs are the worlds RunAll checks SFT = SPIN on: one
// prompt at H = 2 with β = 1, and two prompts at H = 3 with β = 2.
func StandardSFTSPINConfigs() []SFTSPINConfig {
	return []SFTSPINConfig{
		{Name: "H2-beta1", Seed: 1, Prompts: 1, Vocab: 3, Horizon: 2, Beta: 1, Demos: 20, MaxRounds: 200, Tol: 1e-6},
		{Name: "H3-beta2", Seed: 2, Prompts: 2, Vocab: 2, Horizon: 3, Beta: 2, Demos: 30, MaxRounds: 200, Tol: 1e-6},
	}
}

// RunAll runs every check of the package on its standard worlds
// (StandardEquivalenceConfigs, DefaultPartialCoverageConfig,
// StandardSFTSPINConfigs) and returns the theory table, in a fixed order.
func RunAll() ([]Check, error) {
	var checks []Check
	for _, cfg := range StandardEquivalenceConfigs() {
		r, err := CheckEquivalence(cfg)
		if err != nil {
			return checks, err
		}
		checks = append(checks, equivalenceChecks(r)...)
	}
	pc, err := PartialCoverage(DefaultPartialCoverageConfig())
	if err != nil {
		return checks, err
	}
	checks = append(checks, partialChecks(pc)...)
	for _, cfg := range StandardSFTSPINConfigs() {
		r, err := CheckSFTSPIN(cfg)
		if err != nil {
			return checks, err
		}
		checks = append(checks, sftSPINChecks(r)...)
	}
	return checks, nil
}

// equivalenceChecks turns one equivalence result into table rows.
func equivalenceChecks(r EquivalenceResult) []Check {
	c, tol := r.Config, r.Tolerance
	world := fmt.Sprintf("P=%d V=%d H=%d β=%g, n=%d comparisons touching %d of %d trajectories, %d comparison-graph component(s)",
		c.Prompts, c.Vocab, c.Horizon, c.Beta, r.Comparisons, r.Touched, r.Trajectories, r.Components)
	policy := r.PolicyDiff
	var how string
	if r.Identified {
		policy = math.Max(policy, r.RawPolicyDiff)
		how = "the optimum is unique; max |ΔP(ξ)| over DPO starts"
	} else {
		how = fmt.Sprintf("optima are not unique (DPO starts differ by up to %.2g, DPO vs RLHF raw %.2g), "+
			"so both go through the same tie-break, the optimum closest to π_ref in KL; max |ΔP(ξ)|",
			r.RawDPOSpread, r.RawPolicyDiff)
	}
	sets := math.Max(r.RewardDiff, math.Max(r.DPOLossGap, r.BTLossGap))
	return []Check{
		{
			Name:      "equivalence/" + c.Name + "/policy",
			Statement: fmt.Sprintf("DPO over Π = BT-MLE over R(Π) then exact KL-RL (%s); %s", world, how),
			Measured:  policy, Tolerance: tol,
			Pass: policy <= tol && r.PolicyDiff <= tol,
		},
		{
			Name: "equivalence/" + c.Name + "/solution-sets",
			Statement: fmt.Sprintf("solution sets coincide: the RLHF policy attains min DPO loss (gap %.1g), every DPO optimum's "+
				"implicit reward attains min BT loss (gap %.1g), identified reward differences agree (%.1g); max of the three",
				r.DPOLossGap, r.BTLossGap, r.RewardDiff),
			Measured: sets, Tolerance: tol, Pass: sets <= tol,
		},
		{
			Name:      "equivalence/" + c.Name + "/projection",
			Statement: "RL is the reverse-KL projection: L-BFGS on E_π[r̂] − β·KL(π‖π_ref) over Π's logits = π_ref·exp(r̂/β)/Z; max |ΔP(ξ)|",
			Measured:  r.ProjectionDiff, Tolerance: tol, Pass: r.ProjectionDiff <= tol,
		},
	}
}

// partialChecks turns the partial-coverage result into table rows.
func partialChecks(r PartialCoverageResult) []Check {
	c, tol := r.Config, r.Config.Tol
	limits := make([]string, len(r.RLHFLimit))
	for i, v := range r.RLHFLimit {
		limits[i] = fmt.Sprintf("%.6g", v)
	}
	var best DPOSolution
	for _, s := range r.DPO {
		if s.Policy[2] >= best.Policy[2] {
			best = s
		}
	}
	mMax := 0.0
	for _, m := range c.OODMasses {
		mMax = math.Max(mMax, m)
	}
	return []Check{
		{
			Name: "partial/rlhf-closed-form",
			Statement: fmt.Sprintf("π_ref=[½,½,0], data %d×ξ₁≻ξ₂, %d×ξ₂≻ξ₁, β=%g: BT-MLE + RL = [%.4g, %.4g, %.4g] (closed form ρ=(%d/%d)^{1/β}); max |ΔP|",
				c.Wins, c.Losses, c.Beta, r.RLHF[0], r.RLHF[1], r.RLHF[2], c.Wins, c.Losses),
			Measured: r.RLHFClosedFormDiff, Tolerance: tol, Pass: r.RLHFClosedFormDiff <= tol,
		},
		{
			Name:      "partial/rlhf-off-support",
			Statement: fmt.Sprintf("RLHF keeps π(ξ₃)=0 for every finite r(ξ₃) tried (%v) at every reward gap; max π(ξ₃), exactly", c.OffSupportRewards),
			Measured:  r.RLHFOffSupport, Tolerance: 0, Pass: r.RLHFOffSupport == 0,
		},
		{
			Name: "partial/rlhf-limit",
			Statement: fmt.Sprintf("RLHF tends to [1,0,0] as the reward gap grows: π(ξ₁) = %s at gaps %v; distance from [1,0,0] at the largest",
				strings.Join(limits, ", "), c.RewardGaps),
			Measured: r.LimitDistance, Tolerance: tol, Pass: r.LimitDistance <= tol,
		},
		{
			Name: "partial/dpo-family",
			Statement: fmt.Sprintf("DPO loss sees only π(ξ₁)/π(ξ₂): (1−m)·π_RLHF + m·δ_ξ₃ for m in %v has the RLHF policy's loss on both datasets "+
				"(the m=%.3g member tends to [%.3g, 0, %.3g], distance %.1g); max |ΔL|", c.OODMasses, mMax, 1-mMax, mMax, r.FamilyLimitDistance),
			Measured: r.FamilyLossSpread, Tolerance: tol, Pass: r.FamilyLossSpread <= tol && r.FamilyLimitDistance <= tol,
		},
		{
			Name: "partial/dpo-ood-optimum",
			Statement: fmt.Sprintf("the DPO optimiser started at [%.3g, %.3g, %.3g] converges to [%.4g, %.4g, %.4g], a DPO optimum that keeps "+
				"π(ξ₃)=%.3g out of distribution; max |L_DPO − L_DPO(RLHF)| over starts",
				best.Start[0], best.Start[1], best.Start[2], best.Policy[0], best.Policy[1], best.Policy[2], best.Policy[2]),
			Measured: r.DPOLossGap, Tolerance: tol, Pass: r.DPOLossGap <= tol,
		},
		{
			Name: "partial/dpo-ood-mass",
			Statement: "the gradient never touches ξ₃'s logit, so DPO from [(1−m)/2, (1−m)/2, m] keeps π(ξ₃) = m/(m + (1−m)/2·(√ρ+1/√ρ)) " +
				"(ρ the optimal ratio), never the 0 of π_ref; max |Δπ(ξ₃)| over starts",
			Measured: r.DPOOODPredictionDiff, Tolerance: tol, Pass: r.DPOOODPredictionDiff <= tol,
		},
	}
}

// sftSPINChecks turns one SFT = SPIN result into table rows.
func sftSPINChecks(r SFTSPINResult) []Check {
	c, tol := r.Config, r.Tolerance
	world := fmt.Sprintf("P=%d V=%d H=%d β=%g, %d demos", c.Prompts, c.Vocab, c.Horizon, c.Beta, r.Demos)
	return []Check{
		{
			Name:      "sft-spin/" + c.Name + "/sft",
			Statement: fmt.Sprintf("SFT by L-BFGS over Π = the empirical distribution of the demos (%s); max |ΔP|", world),
			Measured:  r.SFTClosedFormDiff, Tolerance: tol, Pass: r.SFTClosedFormDiff <= tol,
		},
		{
			Name: "sft-spin/" + c.Name + "/spin",
			Statement: fmt.Sprintf("SPIN-like IRL (logistic discriminator in R(Π) between demos and the current policy, exact expectations; "+
				"soft RL with KL to the current policy) from π_ref converges (%d rounds, converged=%t) to the SFT policy; max |ΔP|",
				r.SPINRounds, r.SPINConverged),
			Measured: r.SPINDiff, Tolerance: tol, Pass: r.SPINConverged && r.SPINDiff <= tol,
		},
		{
			Name:      "sft-spin/" + c.Name + "/fixed-point",
			Statement: "SFT is a fixed point of the SPIN round: the discriminator is constant and soft RL leaves the policy in place; max |ΔP|",
			Measured:  r.FixedPointDiff, Tolerance: tol, Pass: r.FixedPointDiff <= tol,
		},
		{
			Name:      "sft-spin/" + c.Name + "/game",
			Statement: "maximum-entropy IRL game solution (reward maximising E_D[r] − β·log E_ref[exp(r/β)], then exact soft RL) = SFT; max |ΔP|",
			Measured:  r.GameDiff, Tolerance: tol, Pass: r.GameDiff <= tol,
		},
	}
}
