package stats

import (
	"math"
	"slices"
)

// Holm returns Holm–Bonferroni adjusted p-values, in the order of p: the
// k-th smallest p is multiplied by (m − k + 1), running maxima are taken so
// the adjusted values keep the order of the raw ones, and results are capped
// at 1. Rejecting every hypothesis whose adjusted p is < α controls the
// family-wise error rate at α under any dependence (Holm 1979, Scand. J.
// Statist. 6:65–70; R's p.adjust(p, "holm")). It panics on a NaN or a value
// outside [0, 1] (a programmer error).
func Holm(p []float64) []float64 {
	m := len(p)
	order := sortedOrder(p)
	adj := make([]float64, m)
	run := 0.0
	for k, i := range order {
		run = math.Max(run, math.Min(1, float64(m-k)*p[i]))
		adj[i] = run
	}
	return adj
}

// BenjaminiHochberg returns Benjamini–Hochberg adjusted p-values (q-values),
// in the order of p: the k-th smallest p is multiplied by m/k and running
// minima are taken from the largest down, capped at 1. Rejecting those < q
// controls the false discovery rate at q for independent or positively
// dependent tests (Benjamini and Hochberg 1995, JRSS B 57:289–300; R's
// p.adjust(p, "BH")). Use it for exploratory screens, not for verdicts. It
// panics on a NaN or a value outside [0, 1].
func BenjaminiHochberg(p []float64) []float64 {
	m := len(p)
	order := sortedOrder(p)
	adj := make([]float64, m)
	run := 1.0
	for k := m - 1; k >= 0; k-- {
		i := order[k]
		run = math.Min(run, float64(m)/float64(k+1)*p[i])
		adj[i] = run
	}
	return adj
}

// sortedOrder returns the indices of p in ascending order of p (stable), and
// panics on values that are not p-values.
func sortedOrder(p []float64) []int {
	order := make([]int, len(p))
	for i, v := range p {
		if !(v >= 0 && v <= 1) {
			panic("stats: p-value must be in [0, 1]")
		}
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	return order
}
