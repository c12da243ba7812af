package recipe

import (
	"strings"
	"testing"
)

// TestValidateRLHF checks the rlhf section's errors name the field and the value.
func TestValidateRLHF(t *testing.T) {
	for _, tc := range []struct {
		diff Diff
		want string // "" for valid
	}{
		{Diff{"method": "rlhf"}, ""},
		{Diff{"method": "oracle", "rlhf.reward": "gold"}, ""},
		{Diff{"rlhf.reward": "judge"}, `rlhf.reward must be one of rm, local, gold, got "judge"`},
		{Diff{"rlhf.max_steps": 0}, "rlhf.max_steps must be >= 1, got 0"},
		{Diff{"rlhf.max_steps": 100001}, "rlhf.max_steps must be <= 100000 (the documented bound: go doc gapbench/recipe), got 100001"},
		{Diff{"rlhf.grad_tol": 0}, "rlhf.grad_tol must be in (0, 1), got 0"},
		{Diff{"rlhf.grad_tol": 1}, "rlhf.grad_tol must be in (0, 1), got 1"},
		{Diff{"rlhf.grad_tol": -1e-6}, "rlhf.grad_tol must be in (0, 1), got -1e-06"},
		{Diff{"rlhf.rel_tol": 0}, ""},
		{Diff{"rlhf.rel_tol": -0.1}, "rlhf.rel_tol must be in [0, 1), got -0.1"},
		{Diff{"rlhf.rel_tol": 1}, "rlhf.rel_tol must be in [0, 1), got 1"},
		{Diff{"rlhf.anneal": 3}, ""},
		{Diff{"rlhf.anneal": -1}, "rlhf.anneal must be >= 0, got -1"},
		{Diff{"rlhf.anneal": 21}, "rlhf.anneal must be <= 20 (the documented bound: go doc gapbench/recipe), got 21"},
	} {
		c, err := Default().Apply(tc.diff)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%v) = %v, want %q", tc.diff, err, tc.want)
		}
	}
}
