package theory

import (
	"fmt"
	"strings"
	"testing"
)

// equivalenceTemplates are the coverage regimes of the theorem; each is run
// on several seeds.
var equivalenceTemplates = []EquivalenceConfig{
	{Name: "full-P2-V3-H2", Prompts: 2, Vocab: 3, Horizon: 2, Beta: 0.5, Components: 1, ExtraEdges: 4, Labels: 4, Starts: 2, Tol: 1e-6},
	{Name: "full-P1-V2-H3", Prompts: 1, Vocab: 2, Horizon: 3, Beta: 1, Components: 1, ExtraEdges: 3, Labels: 5, Starts: 2, Tol: 1e-6},
	{Name: "partial-P2-V3-H3", Prompts: 2, Vocab: 3, Horizon: 3, Beta: 0.5, Touched: 8, Components: 2, ExtraEdges: 2, Labels: 3, Starts: 3, Tol: 1e-6},
	{Name: "partial-P1-V3-H2", Prompts: 1, Vocab: 3, Horizon: 2, Beta: 2, Touched: 5, Components: 1, ExtraEdges: 1, Labels: 2, Starts: 3, Tol: 1e-6},
	{Name: "small-n", Prompts: 1, Vocab: 3, Horizon: 2, Beta: 0.5, Touched: 3, Components: 1, Labels: 1, Starts: 3, Tol: 1e-6},
	{Name: "single-pair", Prompts: 1, Vocab: 2, Horizon: 2, Beta: 1, Touched: 2, Components: 1, Labels: 1, Starts: 3, Tol: 1e-6},
}

func TestEquivalence(t *testing.T) {
	t.Parallel()
	for _, tmpl := range equivalenceTemplates {
		for seed := uint64(1); seed <= 5; seed++ {
			cfg := tmpl
			cfg.Seed = seed
			cfg.Name = fmt.Sprintf("%s/seed%d", tmpl.Name, seed)
			t.Run(cfg.Name, func(t *testing.T) {
				t.Parallel()
				r, err := CheckEquivalence(cfg)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range []struct {
					name string
					got  float64
				}{
					{"PolicyDiff", r.PolicyDiff},
					{"RewardDiff", r.RewardDiff},
					{"ProjectionDiff", r.ProjectionDiff},
					{"DPOLossGap", r.DPOLossGap},
					{"BTLossGap", r.BTLossGap},
				} {
					if m.got > cfg.Tol {
						t.Errorf("%s = %.3g, want ≤ %g", m.name, m.got, cfg.Tol)
					}
				}
				full := cfg.Touched == 0
				if r.Identified != full {
					t.Errorf("Identified = %t, want %t", r.Identified, full)
				}
				if full && (r.RawPolicyDiff > cfg.Tol || r.RawDPOSpread > cfg.Tol) {
					t.Errorf("full coverage: raw DPO vs RLHF %.3g, spread over starts %.3g, want both ≤ %g",
						r.RawPolicyDiff, r.RawDPOSpread, cfg.Tol)
				}
				if !full && r.RawDPOSpread < 1e-3 {
					t.Errorf("partial coverage: DPO starts agree to %.3g; want them to differ (> 1e-3), or the tie-break is untested",
						r.RawDPOSpread)
				}
				if !r.Pass {
					t.Errorf("Pass = false, want true: %+v", r)
				}
			})
		}
	}
}

func TestEquivalenceDeterministic(t *testing.T) {
	t.Parallel()
	cfg := StandardEquivalenceConfigs()[2]
	a, err := CheckEquivalence(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := CheckEquivalence(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("two runs of %q differ:\n%+v\n%+v", cfg.Name, a, b)
	}
}

func TestEquivalenceConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		edit func(*EquivalenceConfig)
		want string
	}{
		{func(c *EquivalenceConfig) { c.Beta = -0.1 }, "beta must be > 0"},
		{func(c *EquivalenceConfig) { c.Vocab = 1 }, "vocab must be ≥ 2"},
		{func(c *EquivalenceConfig) { c.Horizon = 20 }, "vocab^horizon"},
		{func(c *EquivalenceConfig) { c.Touched = 1 }, "touched must be"},
		{func(c *EquivalenceConfig) { c.Touched = 4; c.Components = 3 }, "components must be"},
		{func(c *EquivalenceConfig) { c.Starts = 0 }, "starts must be"},
		{func(c *EquivalenceConfig) { c.Tol = 0 }, "tol must be"},
	}
	for _, tc := range tests {
		cfg := DefaultEquivalenceConfig()
		tc.edit(&cfg)
		_, err := CheckEquivalence(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"full"`) {
			t.Errorf("got error %v, want one naming config \"full\" and containing %q", err, tc.want)
		}
	}
}
