package stats

import (
	"math"
	"slices"
)

// Wilcoxon is the result of the Wilcoxon signed-rank test.
type Wilcoxon struct {
	// V is the sum of the ranks of |dᵢ| over the positive dᵢ (R's V; with
	// tied |dᵢ| the ranks are midranks).
	V float64
	// N is the number of nonzero differences that were ranked; Zeros were
	// dropped first (Wilcoxon's convention, R's and SciPy's default).
	N, Zeros int
	// Ties reports tied |dᵢ|.
	Ties bool
	// P is the exact two-sided p-value, min(1, 2·min(P(V* ≤ V), P(V* ≥ V))).
	P float64
}

// WilcoxonSignedRank is the exact Wilcoxon signed-rank test of "the
// differences d are symmetric about 0" (Wilcoxon 1945; Hollander, Wolfe and
// Chicken, Nonparametric Statistical Methods, 3rd ed., §3.1).
//
// The null distribution of V is computed exactly by dynamic programming over
// the (doubled, hence integer) ranks, for any n and also with ties, in which
// case it is the exact conditional distribution given the midranks (the one
// scipy.stats.permutation_test enumerates). Without ties or zeros this is
// R's wilcox.test(exact = TRUE); with them R falls back to a normal
// approximation and this function does not. It panics on a NaN or ±Inf in
// d (a programmer error: the functions that take user data return
// ErrNotFinite first).
func WilcoxonSignedRank(d []float64) Wilcoxon {
	mustFinite("WilcoxonSignedRank", d)
	var w Wilcoxon
	abs := make([]float64, 0, len(d))
	pos := make([]bool, 0, len(d))
	for _, v := range d {
		if v == 0 {
			w.Zeros++
			continue
		}
		abs = append(abs, math.Abs(v))
		pos = append(pos, v > 0)
	}
	w.N = len(abs)
	if w.N == 0 {
		w.P = 1
		return w
	}
	ranks2, ties := doubledMidranks(abs)
	w.Ties = ties
	total := 0
	v2 := 0
	for i, r := range ranks2 {
		total += r
		if pos[i] {
			v2 += r
		}
	}
	w.V = float64(v2) / 2

	// prob[s] = P(Σ over a random half of the doubled ranks = s). Each step
	// halves and adds probabilities that are multiples of 2⁻ⁿ, which float64
	// holds exactly for n ≤ 53.
	prob := make([]float64, total+1)
	prob[0] = 1
	hi := 0
	for _, r := range ranks2 {
		hi += r
		for s := hi; s >= 0; s-- {
			q := prob[s] / 2
			if s >= r {
				q += prob[s-r] / 2
			}
			prob[s] = q
		}
	}
	var le, ge float64
	for s, q := range prob {
		if s <= v2 {
			le += q
		}
		if s >= v2 {
			ge += q
		}
	}
	w.P = math.Min(1, 2*math.Min(le, ge))
	return w
}

// doubledMidranks returns 2× the midranks of x (integers) and whether x has
// ties (exact equality, as R's rank).
func doubledMidranks(x []float64) ([]int, bool) {
	n := len(x)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	r := make([]int, n)
	ties := false
	for i := 0; i < n; {
		j := i + 1
		for j < n && x[idx[j]] == x[idx[i]] {
			j++
		}
		if j-i > 1 {
			ties = true
		}
		// Ranks i+1 … j share the midrank (i+1+j)/2; doubled: i+1+j.
		for k := i; k < j; k++ {
			r[idx[k]] = i + 1 + j
		}
		i = j
	}
	return r, ties
}
