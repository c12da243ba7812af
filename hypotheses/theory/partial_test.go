package theory

import (
	"math"
	"strings"
	"testing"
)

func TestPartialCoverageNumbers(t *testing.T) {
	t.Parallel()
	cfg := DefaultPartialCoverageConfig()
	r, err := PartialCoverage(cfg)
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.15g, want %.15g (±%g)", name, got, want, tol)
		}
	}
	// Values in closed form: 3 wins to 1 loss at β = ½ give ρ = 3² = 9.
	near("RewardGap", r.RewardGap, math.Log(3), 1e-9)
	near("RLHF[0]", r.RLHF[0], 0.9, 1e-9)
	near("RLHF[1]", r.RLHF[1], 0.1, 1e-9)
	if r.RLHF[2] != 0 || r.RLHFOffSupport != 0 {
		t.Errorf("π_RLHF(ξ₃) = %v, max over finite r(ξ₃) %v, want exactly 0", r.RLHF[2], r.RLHFOffSupport)
	}
	for i, gap := range cfg.RewardGaps {
		near("RLHFLimit", r.RLHFLimit[i], sigmoid(gap/cfg.Beta), 1e-15)
		// β·log(π₁/π₂) = gap, so the one-sided loss is −log σ(gap).
		near("OneSidedLoss", r.OneSidedLoss[i], -logSigmoid(gap), 1e-12)
		if i > 0 && !(r.RLHFLimit[i] >= r.RLHFLimit[i-1]) {
			t.Errorf("π*(ξ₁) decreased from %v to %v as the gap grew", r.RLHFLimit[i-1], r.RLHFLimit[i])
		}
	}
	near("LimitDistance", r.LimitDistance, 0, 1e-15)
	near("FamilyLossSpread", r.FamilyLossSpread, 0, 1e-15)
	near("FamilyLimitDistance", r.FamilyLimitDistance, 0, 1e-15)

	// The DPO optimum's loss: −(3·log σ(log 3) + log σ(−log 3))/4 = −(3·log ¾ + log ¼)/4.
	lossStar := -(3*math.Log(0.75) + math.Log(0.25)) / 4
	rho := 9.0
	if len(r.DPO) != len(cfg.StartMasses) {
		t.Fatalf("got %d DPO runs, want %d", len(r.DPO), len(cfg.StartMasses))
	}
	for i, s := range r.DPO {
		near("DPO loss", s.Loss, lossStar, 1e-12)
		near("DPO ratio π₁/π₂", s.Policy[0]/s.Policy[1], rho, 1e-8)
		// Gradients never touch ξ₃'s logit and keep θ₁ + θ₂ fixed, so from
		// [(1−m)/2, (1−m)/2, m] the optimum keeps π(ξ₃) = m/(m + (1−m)/2·(√ρ + 1/√ρ)).
		m := cfg.StartMasses[i]
		near("DPO π(ξ₃)", s.Policy[2], m/(m+(1-m)/2*(math.Sqrt(rho)+1/math.Sqrt(rho))), 1e-9)
	}
	near("DPOOODPredictionDiff", r.DPOOODPredictionDiff, 0, 1e-9)
	near("MaxDPOOODMass", r.MaxDPOOODMass, 0.84375, 1e-9)
	near("DPOLossGap", r.DPOLossGap, 0, 1e-12)
	if !r.Pass {
		t.Errorf("Pass = false, want true: %+v", r)
	}
}

func TestPartialCoverageBetas(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		beta         float64
		wins, losses int
	}{{0.1, 2, 1}, {1, 5, 2}, {3, 1, 4}} {
		cfg := DefaultPartialCoverageConfig()
		cfg.Beta, cfg.Wins, cfg.Losses = tc.beta, tc.wins, tc.losses
		cfg.RewardGaps = []float64{1, 10, 100}
		r, err := PartialCoverage(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Pass {
			t.Errorf("β=%g, %d:%d: Pass = false, want true: %+v", tc.beta, tc.wins, tc.losses, r)
		}
	}
}

func TestPartialCoverageConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		edit func(*PartialCoverageConfig)
		want string
	}{
		{func(c *PartialCoverageConfig) { c.Beta = 0 }, "beta must be > 0"},
		{func(c *PartialCoverageConfig) { c.Losses = 0 }, "wins and losses must be ≥ 1"},
		{func(c *PartialCoverageConfig) { c.RewardGaps = []float64{-1} }, "reward gaps must be > 0"},
		{func(c *PartialCoverageConfig) { c.OffSupportRewards = []float64{math.Inf(1)} }, "off-support rewards must be finite"},
		{func(c *PartialCoverageConfig) { c.OODMasses = []float64{1} }, "OOD masses must be in [0, 1)"},
		{func(c *PartialCoverageConfig) { c.StartMasses = nil }, "must be non-empty"},
	}
	for _, tc := range tests {
		cfg := DefaultPartialCoverageConfig()
		tc.edit(&cfg)
		if _, err := PartialCoverage(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got error %v, want one containing %q", err, tc.want)
		}
	}
}
