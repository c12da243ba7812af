package theory

import (
	"fmt"
	"testing"
)

func TestRunAll(t *testing.T) {
	t.Parallel()
	checks, err := RunAll()
	if err != nil {
		t.Fatal(err)
	}
	want := 3*len(StandardEquivalenceConfigs()) + 6 + 4*len(StandardSFTSPINConfigs())
	if len(checks) != want {
		t.Errorf("got %d checks, want %d", len(checks), want)
	}
	seen := map[string]bool{}
	for _, c := range checks {
		if seen[c.Name] {
			t.Errorf("duplicate check name %q", c.Name)
		}
		seen[c.Name] = true
		if c.Statement == "" {
			t.Errorf("%s: empty statement", c.Name)
		}
		if !c.Pass || !(c.Measured <= c.Tolerance) {
			t.Errorf("%s: measured %.3g, tolerance %g, pass %t; want a pass: %s", c.Name, c.Measured, c.Tolerance, c.Pass, c.Statement)
		}
	}
}

// ExampleRunAll prints the theory table's rows and verdicts.
func ExampleRunAll() {
	checks, err := RunAll()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range checks {
		verdict := "FAIL"
		if c.Pass {
			verdict = "ok"
		}
		fmt.Printf("%-4s %s\n", verdict, c.Name)
	}
	// Output:
	// ok   equivalence/full-H2/policy
	// ok   equivalence/full-H2/solution-sets
	// ok   equivalence/full-H2/projection
	// ok   equivalence/full-H3/policy
	// ok   equivalence/full-H3/solution-sets
	// ok   equivalence/full-H3/projection
	// ok   equivalence/partial-H3/policy
	// ok   equivalence/partial-H3/solution-sets
	// ok   equivalence/partial-H3/projection
	// ok   equivalence/small-n-6/policy
	// ok   equivalence/small-n-6/solution-sets
	// ok   equivalence/small-n-6/projection
	// ok   equivalence/small-n-4/policy
	// ok   equivalence/small-n-4/solution-sets
	// ok   equivalence/small-n-4/projection
	// ok   partial/rlhf-closed-form
	// ok   partial/rlhf-off-support
	// ok   partial/rlhf-limit
	// ok   partial/dpo-family
	// ok   partial/dpo-ood-optimum
	// ok   partial/dpo-ood-mass
	// ok   sft-spin/H2-beta1/sft
	// ok   sft-spin/H2-beta1/spin
	// ok   sft-spin/H2-beta1/fixed-point
	// ok   sft-spin/H2-beta1/game
	// ok   sft-spin/H3-beta2/sft
	// ok   sft-spin/H3-beta2/spin
	// ok   sft-spin/H3-beta2/fixed-point
	// ok   sft-spin/H3-beta2/game
}
