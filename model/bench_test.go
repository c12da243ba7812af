package model

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchInputs returns n prompts with 6-token bags over 16 symbols.
func benchInputs(n int) []Input {
	rng := rand.New(rand.NewPCG(1, 1))
	xs := make([]Input, n)
	for i := range xs {
		bag := make([]Feature, 6)
		for k := range bag {
			bag[k] = Feature{Index: rng.IntN(16), Value: 1.0 / 6}
		}
		xs[i] = Input{ID: i, Bag: bag}
	}
	return xs
}

// BenchmarkEnumerate measures exact enumeration of 64 prompts × 4,096 completions
// for a width-64 mlp policy (V = 8, H = 4).
func BenchmarkEnumerate(b *testing.B) {
	sp := Space{V: 8, H: 4}
	m := NewMLP(sp, 16, 64, MLPInit{In: 0.5, Out: 1}, rand.New(rand.NewPCG(1, 2)))
	xs := benchInputs(64)
	out := make([]float64, sp.Size())
	b.ReportAllocs()
	for b.Loop() {
		for _, x := range xs {
			m.Enumerate(x, out)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(64*sp.Size()), "ns/completion")
}

// BenchmarkScoreBackward measures one forward and backward pass of one sequence.
func BenchmarkScoreBackward(b *testing.B) {
	sp := Space{V: 8, H: 4}
	m := NewMLP(sp, 16, 64, MLPInit{In: 0.5, Out: 1}, rand.New(rand.NewPCG(1, 2)))
	x := benchInputs(1)[0]
	y := []int{1, 5, 2, 7}
	grad := make([]float64, len(m.Params()))
	b.ReportAllocs()
	for b.Loop() {
		m.Score(x, y, grad, 1)
	}
}

// BenchmarkSample measures ancestral sampling of one completion.
func BenchmarkSample(b *testing.B) {
	sp := Space{V: 8, H: 4}
	m := NewMLP(sp, 16, 64, MLPInit{In: 0.5, Out: 1}, rand.New(rand.NewPCG(1, 2)))
	x := benchInputs(1)[0]
	y := make([]int, 4)
	rng := rand.New(rand.NewPCG(3, 3))
	b.ReportAllocs()
	for b.Loop() {
		m.Sample(rng, x, 1, y)
	}
}

// BenchmarkLseRows measures lseRows at two shapes of V = 8: eight rows of
// eight logits (MLP.leaves' children of one node) and one row
// (logSoftmaxWith; forward's H positions take two to seven, padded to
// eight), on 64 different random inputs in turn.
func BenchmarkLseRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	lgs := make([]float64, 64*64)
	for i := range lgs {
		lgs[i] = rng.NormFloat64() * 2
	}
	lse, ex, sums := make([]float64, 8), make([]float64, 64), make([]float64, 8)
	for _, rows := range []int{8, 1} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			i := 0
			for b.Loop() {
				lseRows(lgs[i*64:i*64+rows*8], 8, lse, ex, sums)
				i = (i + 1) % 64
			}
		})
	}
}
