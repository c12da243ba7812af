package model

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkRLHFStep measures one exact step of RLHF's objective: the reverse KL
// to π_ref·exp(r/β)/Z and its gradient by one backward pass over the prefix tree,
// for 64 prompts × 4,096 completions and a width-64 mlp policy (V = 8, H = 4), set
// up like BenchmarkEnumerate. The budget is 3× BenchmarkEnumerate.
func BenchmarkRLHFStep(b *testing.B) {
	p, sp := benchRLHF()
	m := p.Policy
	grad := make([]float64, len(m.Params()))
	b.ReportAllocs()
	for b.Loop() {
		clear(grad)
		p.Eval(grad)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(64*sp.Size()), "ns/completion")
}

// benchRLHF is BenchmarkRLHFStep's objective: the quick world's shape, 64
// prompts × 4,096 completions, width 64.
func benchRLHF() (*Projection, Space) {
	sp := Space{V: 8, H: 4}
	return benchProjection(sp, 64, 64), sp
}

// benchProjection is the projection of a width-w mlp onto targets tilted from
// another's, at β = 0.1 with standard normal rewards, on n prompts.
func benchProjection(sp Space, w, n int) *Projection {
	m := NewMLP(sp, 16, w, MLPInit{In: 0.5, Out: 1}, rand.New(rand.NewPCG(1, 2)))
	ref := NewMLP(sp, 16, w, MLPInit{In: 0.5, Out: 1}, rand.New(rand.NewPCG(1, 3)))
	xs := benchInputs(n)
	return NewProjection(m, xs, tiltedTargets(ref, xs, 0.1, rand.New(rand.NewPCG(1, 4))))
}

// BenchmarkFisherDiag is one pass of Projection.FisherDiag on
// BenchmarkRLHFStep's objective: the preconditioner exact RLHF computes at the
// start of every L-BFGS segment (counted as one evaluation in the metric evals).
func BenchmarkFisherDiag(b *testing.B) {
	p, _ := benchRLHF()
	out := make([]float64, len(p.Policy.Params()))
	b.ReportAllocs()
	for b.Loop() {
		p.FisherDiag(out)
	}
}

// BenchmarkForwardKL is one pass of Projection.ForwardKL with its gradient on
// BenchmarkRLHFStep's objective: an iteration of exact RLHF's likelihood warm
// start, to set beside BenchmarkRLHFStep.
func BenchmarkForwardKL(b *testing.B) {
	p, sp := benchRLHF()
	grad := make([]float64, len(p.Policy.Params()))
	p.ForwardKL(grad) // makes the targets' prefix masses
	b.ReportAllocs()
	for b.Loop() {
		clear(grad)
		p.ForwardKL(grad)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(64*sp.Size()), "ns/completion")
}

// BenchmarkRLHFStepShapes is BenchmarkRLHFStep at the robustness grid's other
// shapes: the policy widths 32 and 128 and the worlds V×H = 4×6 and 16×3 (8×4 at
// width 64 is BenchmarkRLHFStep), on 16 prompts each.
func BenchmarkRLHFStepShapes(b *testing.B) {
	for _, c := range []struct {
		name    string
		v, h, w int
	}{
		{"V8H4w32", 8, 4, 32},
		{"V8H4w64", 8, 4, 64},
		{"V8H4w128", 8, 4, 128},
		{"V4H6w64", 4, 6, 64},
		{"V16H3w64", 16, 3, 64},
	} {
		b.Run(c.name, func(b *testing.B) {
			sp := Space{V: c.v, H: c.h}
			p := benchProjection(sp, c.w, 16)
			grad := make([]float64, len(p.Policy.Params()))
			for b.Loop() {
				clear(grad)
				p.Eval(grad)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(p.Inputs)*sp.Size()), "ns/completion")
		})
	}
}
