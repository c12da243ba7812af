package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// ExactSignFlipMaxN is the largest sample for which SignFlipTest enumerates
// all 2ⁿ sign patterns; larger samples get a Monte Carlo p-value.
const ExactSignFlipMaxN = 20

// SignFlipTest is the paired permutation test of "the differences d are
// symmetric about shift" (for shift = 0: the two arms are exchangeable within
// each seed). The statistic is Σ (dᵢ − shift); under the null every pattern of
// signs ±(dᵢ − shift) is equally likely (Fisher 1935, The Design of
// Experiments §21; Good, Permutation Tests, 2nd ed. §3.1).
//
// It returns the two-sided p-value P(|S*| ≥ |S|) and the one-sided p-values
// P(S* ≤ S) and P(S* ≥ S). For n ≤ ExactSignFlipMaxN the p-values are exact:
// all 2ⁿ patterns are counted, by meeting in the middle (two halves of 2^(n/2)
// sums each), so n = 20 costs about a millisecond. For larger n they are Monte
// Carlo estimates (1 + hits)/(1 + resamples) from rng (Phipson and Smyth 2010,
// Stat. Appl. Genet. Mol. Biol. 9:39), and exact is false. Sums that differ
// by less than 1e-10 of Σ|dᵢ − shift| count as ties. Under a symmetric null
// the two-sided p equals twice the smaller one-sided p (capped at 1), which
// is how scipy.stats.permutation_test defines it. It panics on an empty d
// and on a NaN or ±Inf in d or shift (programmer errors: the functions that
// take user data return ErrNotFinite first).
func SignFlipTest(d []float64, shift float64, resamples int, rng *rand.Rand) (p, pLess, pGreater float64, exact bool) {
	n := len(d)
	if n == 0 {
		panic("stats: SignFlipTest of an empty sample")
	}
	mustFinite("SignFlipTest", d, shift)
	y := make([]float64, n)
	var obs, scale float64
	for i, v := range d {
		y[i] = v - shift
		obs += y[i]
		scale += math.Abs(y[i])
	}
	tol := 1e-10 * scale
	if n <= ExactSignFlipMaxN {
		le, ge, abs := countSignFlips(y, obs, tol)
		total := math.Ldexp(1, n)
		return float64(abs) / total, float64(le) / total, float64(ge) / total, true
	}
	if rng == nil || resamples < 1 {
		panic("stats: SignFlipTest needs a source and resamples for n > ExactSignFlipMaxN")
	}
	var le, ge, abs int
	for range resamples {
		var s float64
		for i := 0; i < n; i += 64 {
			bits := rng.Uint64()
			for j := i; j < n && j < i+64; j++ {
				if bits&1 == 1 {
					s += y[j]
				} else {
					s -= y[j]
				}
				bits >>= 1
			}
		}
		if s <= obs+tol {
			le++
		}
		if s >= obs-tol {
			ge++
		}
		if math.Abs(s) >= math.Abs(obs)-tol {
			abs++
		}
	}
	r := float64(resamples + 1)
	return float64(abs+1) / r, float64(le+1) / r, float64(ge+1) / r, false
}

// countSignFlips counts the sign patterns ε of y with Σεy ≤ obs + tol, with
// Σεy ≥ obs − tol, and with |Σεy| ≥ |obs| − tol, by splitting y in two
// halves, listing each half's 2^h sums and binary-searching the sorted second
// list for every sum of the first.
func countSignFlips(y []float64, obs, tol float64) (le, ge, abs int) {
	h := len(y) / 2
	left, right := patternSums(y[:h]), patternSums(y[h:])
	slices.Sort(right)
	// countLE(x) = #{r ∈ right : r ≤ x}; countGE(x) = #{r : r ≥ x}.
	countLE := func(x float64) int { return sort.Search(len(right), func(i int) bool { return right[i] > x }) }
	countGE := func(x float64) int {
		return len(right) - sort.Search(len(right), func(i int) bool { return right[i] >= x })
	}
	t := math.Abs(obs) - tol
	for _, l := range left {
		le += countLE(obs + tol - l)
		ge += countGE(obs - tol - l)
		if t <= 0 {
			abs += len(right)
			continue
		}
		abs += countGE(t-l) + countLE(-t-l)
	}
	return le, ge, abs
}

// patternSums lists Σ εᵢ yᵢ over all 2^len(y) sign patterns.
func patternSums(y []float64) []float64 {
	sums := make([]float64, 1, 1<<len(y))
	for _, v := range y {
		for _, s := range sums {
			sums = append(sums, s-v)
		}
		for i := range len(sums) / 2 {
			sums[i] += v
		}
	}
	return sums
}

// MinSeedsSignFlip is the fewest nonzero paired differences with which the
// two-sided exact sign-flip test can reach p < alpha at all: the smallest
// possible p is 2/2ⁿ (all differences of one sign), so α = 0.05 needs n ≥ 6
// and α = 0.005 (0.05 after Holm over 10 claims) needs n ≥ 9.
func MinSeedsSignFlip(alpha float64) int {
	if !(alpha > 0 && alpha <= 1) {
		panic("stats: MinSeedsSignFlip alpha must be in (0, 1]")
	}
	n := 1
	for math.Ldexp(1, 1-n) >= alpha {
		n++
	}
	return n
}
