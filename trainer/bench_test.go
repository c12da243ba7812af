package trainer

import (
	"math/rand/v2"
	"testing"

	"gapbench/model"
)

// BenchmarkDPOStep measures one DPO optimiser step on 64 pairs at width 64,
// V = 8, H = 4: the forward and backward pass of 128 sequences and the Adam update.
func BenchmarkDPOStep(b *testing.B) {
	bsp := model.Space{V: 8, H: 4}
	rng := rand.New(rand.NewPCG(1, 1))
	p := model.NewMLP(bsp, 16, 64, model.MLPInit{In: 0.5, Out: 1}, rng)
	ref := p.CloneMLP()
	cs := make([]Comparison, 64)
	for i := range cs {
		bag := []model.Feature{{Index: rng.IntN(16), Value: 0.5}, {Index: rng.IntN(16), Value: 0.5}}
		a, c := make([]int, 4), make([]int, 4)
		for t := range a {
			a[t], c[t] = rng.IntN(8), rng.IntN(8)
		}
		cs[i] = Comparison{X: model.Input{ID: i, Bag: bag}, Chosen: a, Rejected: c}
	}
	items := NewPrefItems(ref, cs)
	obj := &DPO{Policy: p, Beta: 0.1, Kind: LossSigmoid}
	adam := NewAdam(len(p.Params()), 1e-3)
	grad := make([]float64, len(p.Params()))
	b.ReportAllocs()
	for b.Loop() {
		clear(grad)
		obj.Loss(items, grad)
		adam.Step(p.Params(), grad)
	}
}

// BenchmarkRMStep measures one Bradley–Terry optimiser step of a backbone
// reward model on 32 pairs at width 64, V = 8, H = 4: the forward and backward
// pass of 64 sequences and the Adam update.
func BenchmarkRMStep(b *testing.B) {
	bsp := model.Space{V: 8, H: 4}
	rng := rand.New(rand.NewPCG(1, 1))
	p := model.NewMLP(bsp, 16, 64, model.MLPInit{In: 0.5, Out: 1}, rng)
	rm := model.NewBackboneRM(p, 1, rng)
	cs := make([]Comparison, 32)
	for i := range cs {
		bag := []model.Feature{{Index: rng.IntN(16), Value: 0.5}, {Index: rng.IntN(16), Value: 0.5}}
		a, c := make([]int, 4), make([]int, 4)
		for t := range a {
			a[t], c[t] = rng.IntN(8), rng.IntN(8)
		}
		cs[i] = Comparison{X: model.Input{ID: i, Bag: bag}, Chosen: a, Rejected: c}
	}
	obj := BT{RM: rm}
	adam := NewAdam(len(rm.Params()), 1e-2)
	grad := make([]float64, len(rm.Params()))
	b.ReportAllocs()
	for b.Loop() {
		clear(grad)
		obj.Loss(cs, grad)
		adam.Step(rm.Params(), grad)
	}
}
