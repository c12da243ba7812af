package arms

import (
	"maps"

	"gapbench/recipe"
)

// The exact RLHF arms (method rlhf): the reverse-KL projection of π_ref·exp(r/β)
// onto the policy class, computed by enumeration and run to convergence, for each
// labeller r — the global RM at three widths, the linear RM, the DPO policy's
// implicit (local) reward and the gold judge — in the mlp class and in the tilt
// class π ∝ π_SFT·exp(f/β) with f linear; and the oracle rows (method oracle):
// π_ref·exp(r/β)/Z itself in the unrestricted class, what the RLHF arms aim at.
// None is in a suite here; the suites decide where they are compared.
func init() {
	type labeller struct {
		suffix, doc string
		diff        recipe.Diff
	}
	labellers := []labeller{
		{"rm", "the global RM (SFT backbone + scalar head)", recipe.Diff{"rlhf.reward": "rm"}},
		{"rm-w0.25", "the global RM at ¼ of the policy's width", recipe.Diff{"rlhf.reward": "rm", "rm.width_mult": 0.25}},
		{"rm-w4", "the global RM at 4× the policy's width", recipe.Diff{"rlhf.reward": "rm", "rm.width_mult": 4}},
		{"linear", "the linear RM (token counts × prompt bag)", recipe.Diff{"rlhf.reward": "rm", "rm.kind": "linear"}},
		{"local", "the offline DPO policy's implicit reward β·log π_dpo/π_ref", recipe.Diff{"rlhf.reward": "local"}},
		{"gold", "the gold judge (an oracle labeller)", recipe.Diff{"rlhf.reward": "gold"}},
	}
	for _, l := range labellers {
		MustRegister(Arm{"rlhf-" + l.suffix,
			"exact RLHF (the reverse-KL projection of π_ref·exp(r/β), run to convergence) with " + l.doc,
			merge(recipe.Diff{"method": "rlhf"}, l.diff)})
		MustRegister(Arm{"rlhf-tilt-" + l.suffix,
			"exact RLHF in the tilt class π ∝ π_SFT·exp(linear/β) with " + l.doc,
			merge(recipe.Diff{"method": "rlhf", "policy.class": "tilt"}, l.diff)})
	}
	for _, l := range labellers {
		if l.suffix == "local" {
			continue // π_ref·exp(local/β) is the offline DPO policy itself
		}
		MustRegister(Arm{"oracle-" + l.suffix,
			"oracle: π_SFT·exp(r/β)/Z in the unrestricted class (what the RLHF arms aim at), r " + l.doc,
			merge(recipe.Diff{"method": "oracle"}, l.diff)})
	}
}

// merge returns a new diff with the entries of a and then b.
func merge(a, b recipe.Diff) recipe.Diff {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}
