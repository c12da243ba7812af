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
