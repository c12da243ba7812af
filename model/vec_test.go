package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestVecKernels checks the element-wise kernels against their portable twins,
// bit for bit, at every length up to 70 and in place.
func TestVecKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for n := range 71 {
		a, b := make([]float64, n), make([]float64, n)
		normal(rng, a, 1)
		normal(rng, b, 1)
		alpha := rng.NormFloat64()
		got, want := make([]float64, n), make([]float64, n)
		addVec(got, a, b)
		addVecGo(want, a, b)
		same(t, "addVec", got, want)
		copy(got, a)
		copy(want, a)
		addVec(got, got, b)
		addVecGo(want, want, b)
		same(t, "addVec in place", got, want)
		axpyVec(got, alpha, b)
		axpyVecGo(want, alpha, b)
		same(t, "axpyVec", got, want)
	}
}

func same(t *testing.T, name string, got, want []float64) {
	t.Helper()
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s (n=%d): element %d is %v, want %v", name, len(got), i, got[i], want[i])
		}
	}
}

// TestBackUnits8 checks backUnits8 against its portable twin, bit for bit.
func TestBackUnits8(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, stride := range []int{8, 9, 16} {
		for trial := range 300 {
			a := make([]float64, 64)
			wot := make([]float64, 64*stride)
			sd := make([]float64, 64)
			normal(rng, a, 1)
			normal(rng, wot, 1)
			normal(rng, sd, 1)
			if trial%7 == 0 {
				sd[3], a[5] = math.Copysign(0, -1), 0
			}
			g1 := make([]float64, 64*stride)
			normal(rng, g1, 1)
			g2 := append([]float64(nil), g1...)
			s1, s2 := append([]float64(nil), sd...), append([]float64(nil), sd...)
			var q [8]float64
			for k := range q {
				q[k] = rng.NormFloat64()
			}
			mask := rng.Uint64() & rng.Uint64()
			first := trial%2 == 0
			backUnits8(mask, a, wot, g1, &q, s1, stride, first)
			backUnits8Go(mask, a, wot, g2, &q, s2, stride, first)
			same(t, "backUnits8 gwot", g1, g2)
			same(t, "backUnits8 sd", s1, s2)
		}
	}
}
