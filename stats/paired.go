package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
)

// Paired compares two arms over the same seeds through the per-seed
// differences Δᵢ = aᵢ − bᵢ.
type Paired struct {
	// N is the number of seeds (pairs).
	N int
	// MeanA and MeanB are the arms' means; Mean = MeanA − MeanB is the mean
	// difference Δ and SD the standard deviation of the Δᵢ.
	MeanA, MeanB, Mean, SD float64
	// Level is the confidence level of the intervals.
	Level float64
	// CI is the primary interval for Δ (see PrimaryMethod).
	CI Interval
	// T is the paired t interval; BCa, Percentile and Studentized
	// (bootstrap-t) are paired bootstrap intervals (seeds resampled once, the
	// draw applied to both arms).
	T, BCa, Percentile, Studentized Interval
	// PSignFlip is the two-sided sign-flip permutation p-value: exact over all
	// 2ⁿ sign patterns when SignFlipExact, Monte Carlo otherwise.
	PSignFlip     float64
	SignFlipExact bool
	// PWilcoxon is the exact two-sided Wilcoxon signed-rank p-value and PT
	// the two-sided paired t p-value.
	PWilcoxon, PT float64
	// Zeros is the number of seeds with Δᵢ = 0.
	Zeros int
	// Warnings say what limits the result.
	Warnings []string
}

// Significant reports PSignFlip < alpha, the package's test of Δ ≠ 0.
func (p Paired) Significant(alpha float64) bool { return p.PSignFlip < alpha }

// ComparePaired compares arm a with arm b, paired by seed (a[i] and b[i]
// come from seed i). It returns an error for empty or unequal samples and for
// NaN or ±Inf values.
func ComparePaired(a, b []float64, opt Options) (Paired, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Paired{}, err
	}
	d, err := checkPairs(a, b)
	if err != nil {
		return Paired{}, err
	}
	ds, e := normalize(d, 0)
	p, _ := comparePaired(ds, opt, 1)
	p.unscale(e)
	p.MeanA, p.MeanB = safeMean(a), safeMean(b)
	return p, nil
}

// comparePaired does the work of ComparePaired on normalized differences d
// (see normalize), leaving MeanA and MeanB to the caller; family is the
// number of claims the Holm correction will divide α among (1 outside
// EvaluateClaims). It also returns the bootstrap (nil for one pair).
func comparePaired(d []float64, opt Options, family int) (Paired, *Bootstrap) {
	n := len(d)
	p := Paired{N: n, Level: opt.Level}
	var bs *Bootstrap
	for _, v := range d {
		if v == 0 {
			p.Zeros++
		}
	}
	p.PSignFlip, _, _, p.SignFlipExact = SignFlipTest(d, 0, opt.Resamples, newRand(opt.Seed, streamSignFlip))
	p.PWilcoxon = WilcoxonSignedRank(d).P
	if n == 1 {
		p.Mean = d[0]
		p.CI, p.T, p.BCa, p.Percentile, p.Studentized = unbounded, unbounded, unbounded, unbounded, unbounded
		p.PT = 1
		p.Warnings = append(p.Warnings, "need >= 2 seeds for a confidence interval")
	} else {
		p.Mean, p.SD = stat.MeanStdDev(d, nil)
		bs = NewBootstrap(d, opt.Resamples, newRand(opt.Seed, streamPairedBootstrap))
		p.T = TInterval(d, opt.Level)
		p.BCa = bs.BCa(opt.Level)
		p.Percentile = bs.Percentile(opt.Level)
		p.Studentized = bs.Studentized(opt.Level)
		p.CI = primary(p.T, p.Studentized, n)
		p.PT = StudentT(d, 0).P
		p.Warnings = append(p.Warnings, intervalWarnings(bs, opt)...)
	}
	nz := n - p.Zeros
	if need := MinSeedsSignFlip(opt.Alpha / float64(family)); nz < need {
		after := ""
		if family > 1 {
			after = fmt.Sprintf(" after Holm over %d claims", family)
		}
		p.Warnings = append(p.Warnings, fmt.Sprintf("need >= %d seeds with Δ ≠ 0 for the exact sign-flip test of Δ = 0 to reach α = %g%s; have %d", need, opt.Alpha, after, nz))
	}
	if p.Zeros > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d of %d seeds have Δ = 0 (no information on the sign; Wilcoxon drops them)", p.Zeros, n))
	}
	if !p.SignFlipExact {
		p.Warnings = append(p.Warnings, fmt.Sprintf("sign-flip p is a Monte Carlo estimate from %d random sign patterns (n > %d)", opt.Resamples, ExactSignFlipMaxN))
	}
	if n >= 2 && p.SD > 0 && p.Significant(opt.Alpha) == p.CI.Contains(0) {
		p.Warnings = append(p.Warnings, fmt.Sprintf("the sign-flip test (p = %.3g) and the %g%% CI disagree about Δ = 0", p.PSignFlip, 100*opt.Level))
	}
	if math.IsNaN(p.Mean) {
		panic("stats: NaN mean difference from finite data")
	}
	return p, bs
}

// clip cuts every interval of p at r and reports whether the primary one
// changed (then with a warning in p.Warnings).
func (p *Paired) clip(r Range) bool {
	if r.Unbounded() {
		return false
	}
	ci := r.clip(p.CI)
	cut := ci != p.CI
	if cut {
		p.Warnings = append(p.Warnings, rangeWarning(r))
	}
	p.CI, p.T, p.BCa, p.Percentile, p.Studentized = ci, r.clip(p.T), r.clip(p.BCa), r.clip(p.Percentile), r.clip(p.Studentized)
	return cut
}
