package stats

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

// TOSTResult is the result of a paired two one-sided tests (TOST)
// equivalence test of |Δ| < Margin, Δ = mean(a − b).
type TOSTResult struct {
	// Margin is the equivalence margin, stated before the data were seen.
	Margin float64
	// Mean is the mean difference Δ and N the number of pairs.
	Mean float64
	N    int
	// CI is the (1 − 2α) paired t interval (90% for α = 0.05).
	CI Interval
	// PLower is the p-value of H₀: Δ ≤ −Margin and PUpper of H₀: Δ ≥ Margin;
	// P = max(PLower, PUpper) is the TOST p-value.
	PLower, PUpper, P float64
	// Equivalent reports P < α, which is the same as CI ⊂ (−Margin, Margin).
	Equivalent bool
	// Warnings say what limits the result.
	Warnings []string
}

// TOST is Schuirmann's two one-sided tests for the equivalence of two paired
// samples, a and b, within ±margin (Schuirmann 1987, J. Pharmacokinet.
// Biopharm. 15:657–680; Lakens 2017, Soc. Psychol. Personal. Sci. 8:355–362):
// two paired t tests, of Δ ≤ −margin and of Δ ≥ margin, each at level α.
// The differences are equivalent when both reject, that is when the
// (1 − 2α) t interval lies inside ±margin. It returns an error for empty or
// unequal samples, non-finite values, and a margin that is not > 0.
func TOST(a, b []float64, margin float64, opt Options) (TOSTResult, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return TOSTResult{}, err
	}
	d, err := checkPairs(a, b)
	if err != nil {
		return TOSTResult{}, err
	}
	if err := checkMargin(margin); err != nil {
		return TOSTResult{}, err
	}
	ds, e := normalize(d, margin)
	r := tost(ds, math.Ldexp(margin, -e), opt.Alpha)
	r.unscale(e)
	return r, nil
}

func tost(d []float64, margin, alpha float64) TOSTResult {
	e := TOSTResult{Margin: margin, Mean: stat.Mean(d, nil), N: len(d)}
	if len(d) < 2 {
		e.CI = unbounded
		e.PLower, e.PUpper, e.P = 1, 1, 1
		e.Warnings = append(e.Warnings, "need >= 2 seeds for an equivalence test")
		return e
	}
	e.PLower = StudentT(d, -margin).PGreater
	e.PUpper = StudentT(d, margin).PLess
	e.P = math.Max(e.PLower, e.PUpper)
	e.CI = TInterval(d, 1-2*alpha)
	e.Equivalent = e.P < alpha
	return e
}
