package stats_test

import (
	"fmt"
	"os"

	"gapbench/stats"
)

// A suite states its claims before any run; the values come from the runs,
// one per seed, in the same seed order for every arm.
func ExampleEvaluateClaims() {
	winRate := map[string][]float64{
		"online": {64.7, 66.1, 63.2, 65.8, 62.9, 67.4, 64.0, 65.1, 63.6, 66.8},
		"dpo":    {61.1, 62.8, 63.9, 61.5, 60.2, 63.0, 62.7, 64.9, 60.4, 62.2},
		"hypo":   {60.3, 61.5, 63.1, 60.2, 59.4, 62.1, 61.9, 63.8, 59.6, 61.4},
	}
	claims := []stats.Claim{
		{ID: "gap", Metric: "win rate", A: "online", B: "dpo", Kind: stats.Superiority, Predict: stats.Greater, Margin: 1},
		{ID: "H2", Metric: "win rate", A: "online", B: "hypo", Kind: stats.Equivalence, Margin: 1, Note: "paper: rejected"},
	}
	values := func(metric, arm string) ([]float64, error) { return winRate[arm], nil }
	rs, err := stats.EvaluateClaims(claims, values, stats.DefaultOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rs {
		fmt.Printf("%s: %s\n", r.Claim, r.Verdict)
	}
	if err := stats.RenderClaims(os.Stdout, rs, stats.Markdown); err != nil {
		fmt.Println(err)
	}
	// Output:
	// online > dpo: supported
	// |online − hypo| < 1: refuted
	// | claim | metric   | prediction              |    A |    B |  Δ A − B [95% CI] |         p (Holm) | verdict   | note            |
	// |:------|:---------|:------------------------|-----:|-----:|------------------:|-----------------:|:----------|:----------------|
	// | gap   | win rate | online > dpo (margin 1) | 65.0 | 62.3 | +2.7 [+0.4, +4.0] |   (p=0.012 n=10) | supported |                 |
	// | H2    | win rate | \|online − hypo\| < 1   | 65.0 | 61.3 | +3.6 [+1.7, +5.0] | ~ (p=1.000 n=10) | refuted   | paper: rejected |
	//
	// Δ: mean paired difference over seeds with its 95% CI (t ∪ bootstrap-t). p: Holm-adjusted p-value of the test that can support the claim (for A > B the exact sign-flip test of Δ = 0; for \|A − B\| < m the test that the 95% CI lies inside ±m); ~: not significant at α = 0.05.
}

// ComparePaired compares two arms seed by seed.
func ExampleComparePaired() {
	dpo2x := []float64{68.3, 66.0, 67.1, 69.4, 65.8, 67.7}
	dpo := []float64{61.1, 62.8, 63.9, 61.5, 60.2, 63.0}
	p, err := stats.ComparePaired(dpo2x, dpo, stats.DefaultOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Δ = %.2f, 95%% CI [%.2f, %.2f], sign-flip p = %.4f (exact: %v), Wilcoxon p = %.4f, t p = %.5f\n",
		p.Mean, p.CI.Lo, p.CI.Hi, p.PSignFlip, p.SignFlipExact, p.PWilcoxon, p.PT)
	for _, w := range p.Warnings {
		fmt.Println("warning:", w)
	}
	// Output:
	// Δ = 5.30, 95% CI [3.11, 8.05], sign-flip p = 0.0312 (exact: true), Wilcoxon p = 0.0312, t p = 0.00124
	// warning: only 6 seeds: interval coverage is calibrated from 10 seeds up (package doc)
}

// SeedsNeeded says how many seeds a comparison needs.
func ExampleSeedsNeeded() {
	// Δ of 2 points of win rate with a seed-to-seed SD of 3, α = 0.05/5
	// (Holm over five claims), power 0.8.
	fmt.Println(stats.SeedsNeeded(2, 3, 0.05/5, 0.8))
	// Output:
	// 30
}
