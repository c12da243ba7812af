package stats

import (
	"fmt"
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
// (1 − 2α) t interval lies inside ±margin. When the differences have no
// spread, where the t tests are undefined, the one-sided p-values are exact
// sign-flip p-values instead (2⁻ⁿ, or 1/(Resamples + 1) above
// ExactSignFlipMaxN; never 0), with a warning. It returns an error for empty
// or unequal samples, non-finite values, and a margin that is not > 0 or is
// too small next to the data to be represented.
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
	m := math.Ldexp(margin, -e)
	if m < smallestNormal {
		return TOSTResult{}, marginUnderflow("", margin, d)
	}
	r := tost(ds, m, opt.Alpha, opt.Resamples)
	r.unscale(e)
	return r, nil
}

// tost is TOST on normalized differences d (see normalize); resamples is
// the Monte Carlo size of the sign-flip test that replaces the t tests when
// d has no spread.
func tost(d []float64, margin, alpha float64, resamples int) TOSTResult {
	e := TOSTResult{Margin: margin, Mean: stat.Mean(d, nil), N: len(d)}
	if len(d) < 2 {
		e.CI = unbounded
		e.PLower, e.PUpper, e.P = 1, 1, 1
		e.Warnings = append(e.Warnings, "need >= 2 seeds for an equivalence test")
		return e
	}
	if sd := stat.StdDev(d, nil); constant(e.Mean, sd, len(d)) {
		// The t tests are undefined: use the exact one-sided sign-flip tests
		// of Δ ≤ −margin and Δ ≥ margin, whose smallest p-value is 2⁻ⁿ.
		e.PLower, e.PUpper = 1, 1
		if e.Mean+margin > 0 {
			e.PLower = signFlipFloor(len(d), resamples)
		}
		if e.Mean-margin < 0 {
			e.PUpper = signFlipFloor(len(d), resamples)
		}
		e.Warnings = append(e.Warnings, "no spread in the differences: the equivalence p-values are exact sign-flip p-values (smallest 2⁻ⁿ), the t tests being undefined")
	} else {
		e.PLower = StudentT(d, -margin).PGreater
		e.PUpper = StudentT(d, margin).PLess
	}
	e.P = math.Max(e.PLower, e.PUpper)
	e.CI = TInterval(d, 1-2*alpha)
	e.Equivalent = e.P < alpha
	return e
}

// smallestNormal is the smallest positive normal float64, 2⁻¹⁰²².
const smallestNormal = 0x1p-1022

// marginUnderflow is the error of a margin too small, next to the data, to
// survive the rescaling by a power of two (see normalize).
func marginUnderflow(id string, margin float64, d []float64) error {
	big := 0.0
	for _, v := range d {
		big = math.Max(big, math.Abs(v))
	}
	who := ""
	if id != "" {
		who = fmt.Sprintf("claim %q: ", id)
	}
	return fmt.Errorf("%w: %smargin %v is too small next to differences as large as %v (ratio below 2⁻¹⁰²²): rescale the metric", ErrMargin, who, margin, big)
}

// signFlipFloor is the one-sided sign-flip p-value of n equal nonzero
// values: exactly 2⁻ⁿ, or the Monte Carlo estimate 1/(resamples + 1) above
// ExactSignFlipMaxN, as SignFlipTest computes it.
func signFlipFloor(n, resamples int) float64 {
	if n <= ExactSignFlipMaxN {
		return math.Ldexp(1, -n)
	}
	return 1 / float64(resamples+1)
}
