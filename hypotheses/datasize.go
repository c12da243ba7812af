package hypotheses

import (
	"fmt"

	"gapbench/arms"
	"gapbench/recipe"
)

// DataSizes are the numbers of preference pairs n of the data-size suite.
var DataSizes = []int{64, 128, 256, 512, 1024, 2048, 4096}

// DataVerifiers are the data-size suite's reward models: the label of each and
// the RL arm that optimises it (exact RLHF against the backbone RM and the
// linear RM).
var DataVerifiers = []struct{ Label, Arm string }{
	{"backbone", "rlhf-rm"},
	{"linear", "rlhf-linear"},
}

// DataArm names the arm of one (method, n) cell of the data-size suite, e.g.
// "dpo@n256" or "rlhf-rm@n256".
func DataArm(base string, n int) string { return fmt.Sprintf("%s@n%d", base, n) }

// DataGap names the derived RL − DPO series of one verifier at n pairs, e.g.
// "gap-linear@n256".
func DataGap(verifier string, n int) string { return fmt.Sprintf("gap-%s@n%d", verifier, n) }

// dataSuite is H6 on data size: the gap between exact RLHF against a reward model
// and offline DPO as a function of the number of pairs n, under the tuned
// protocol (DPO at its own best length; exact RLHF at convergence), for the
// backbone RM and the linear RM. Its claims were fixed before any run.
func dataSuite() *Suite {
	s := &Suite{
		Name: "data", Title: "the gap versus the number of pairs (H6)",
		Hypothesis: "RL searches only the policies of the reward class, so it needs fewer pairs than DPO: its advantage is sample-efficiency, and larger with a simpler verifier.",
		Prediction: "exact RLHF − tuned DPO shrinks from n = 64 to n = 4096 pairs, and is larger with the linear RM than with the backbone RM",
		Paper:      "not tested (H6 predicts it)",
		Metrics:    []string{"win_rate", "gold_reward", "kl_ref"},
		// The gap at every n makes the curve; the claims compare three of them.
		AllArmsUnder: []string{Tuned},
		Figures:      []string{"data_size.svg"},
	}
	dpo := arm("dpo")
	for _, n := range DataSizes {
		d := recipe.Diff{"world.pairs": n}
		note := fmt.Sprintf("on n = %d pairs", n)
		s.Arms = append(s.Arms, dpo.With(DataArm("dpo", n), note, d))
		for _, v := range DataVerifiers {
			a, err := arms.Get(v.Arm)
			if err != nil {
				return nil // the RL arms are not registered in this build
			}
			s.Arms = append(s.Arms, a.With(DataArm(v.Arm, n), note, d))
			s.Derived = append(s.Derived, Derived{Name: DataGap(v.Label, n), A: DataArm(v.Arm, n), B: DataArm("dpo", n)})
		}
	}
	first, last, mid := DataSizes[0], DataSizes[len(DataSizes)-1], 256
	s.Claims = []Claim{
		sup("data.1", "win_rate", DataGap("backbone", first), DataGap("backbone", last), winMargin, true, "the gap shrinks as n grows (backbone RM)").under(Tuned),
		sup("data.2", "win_rate", DataGap("linear", first), DataGap("linear", last), winMargin, true, "the gap shrinks as n grows (linear RM)").under(Tuned),
		sup("data.3", "win_rate", DataGap("linear", mid), DataGap("backbone", mid), winMargin, true, "the gap is larger with the simpler verifier (n = 256)").under(Tuned),
		sup("data.4", "win_rate", DataGap("linear", first), DataGap("backbone", first), winMargin, false, "… at n = 64").under(Tuned),
		sup("data.5", "win_rate", DataGap("linear", last), DataGap("backbone", last), winMargin, false, "… at n = 4096").under(Tuned),
		sup("data.6", "win_rate", DataArm("rlhf-rm", mid), DataArm("dpo", mid), winMargin, false, "exact RLHF beats tuned DPO at n = 256").under(Tuned),
	}
	return s
}
