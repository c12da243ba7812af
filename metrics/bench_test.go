package metrics

import (
	"math/rand/v2"
	"sync"
	"testing"

	"gapbench/datasets"
	"gapbench/model"
)

// The evaluation benchmarks run on the default (quick) world: V = 8, H = 4,
// 64 validation prompts of 4,096 completions, a width-64 mlp policy and
// reward model.
var bench struct {
	once sync.Once
	w    *datasets.World
	pi   *model.MLP
	rm   *model.BackboneRM
}

func benchWorld(b *testing.B) (*datasets.World, *model.MLP, *model.BackboneRM) {
	b.Helper()
	bench.once.Do(func() {
		c := datasets.DefaultConfig()
		c.Seed = 1
		w, err := datasets.Generate(c)
		if err != nil {
			panic(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		pi := model.NewMLP(w.Space, c.PromptVocab, 64, model.MLPInit{In: 0.45, Out: 1}, rng)
		bench.w, bench.pi, bench.rm = w, pi, model.NewBackboneRM(pi, 1, rng)
	})
	return bench.w, bench.pi, bench.rm
}

func perCompletion(b *testing.B, w *datasets.World) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(w.Val)*w.Space.Size()), "ns/completion")
}

// BenchmarkScoreTable measures scoring every completion of the validation
// prompts with a backbone reward model by its prefix walk, and ranking them.
func BenchmarkScoreTable(b *testing.B) {
	w, _, rm := benchWorld(b)
	for b.Loop() {
		NewScoreTable(w, w.Val, func(p int, out []float64) { rm.Rewards(w.Prompts[p].Input, out) })
	}
	perCompletion(b, w)
}

// BenchmarkScoreTablePerCompletion is BenchmarkScoreTable with one Reward call
// per completion, as the runner scored reward models before.
func BenchmarkScoreTablePerCompletion(b *testing.B) {
	w, _, rm := benchWorld(b)
	r := func(x model.Input, y []int) float64 { return rm.Reward(x, y, nil, 0) }
	for b.Loop() {
		TableOf(w, r, w.Val)
	}
	perCompletion(b, w)
}

// BenchmarkBestOfN measures exact Best-of-N for N = 1, 2, 5, 10, 25 from a
// score table: the policy's enumeration and the gold reward of every ranked
// completion.
func BenchmarkBestOfN(b *testing.B) {
	w, pi, rm := benchWorld(b)
	t := NewScoreTable(w, w.Val, func(p int, out []float64) { rm.Rewards(w.Prompts[p].Input, out) })
	ns := []int{1, 2, 5, 10, 25}
	for b.Loop() {
		BestOfNTable(w, pi, t, w.Val, ns)
	}
	perCompletion(b, w)
}

// BenchmarkBestOfNReference is BenchmarkBestOfN as first written (a sort per
// call, math.Pow twice per completion and N), for comparison.
func BenchmarkBestOfNReference(b *testing.B) {
	w, pi, rm := benchWorld(b)
	t := NewScoreTable(w, w.Val, func(p int, out []float64) { rm.Rewards(w.Prompts[p].Input, out) })
	ns := []int{1, 2, 5, 10, 25}
	for b.Loop() {
		bestOfNRef(w, pi, t.Scorer(), w.Val, ns)
	}
	perCompletion(b, w)
}

// BenchmarkValidation measures one training-curve probe: every validation
// metric of a policy, by enumeration.
func BenchmarkValidation(b *testing.B) {
	w, pi, _ := benchWorld(b)
	ev := NewEvaluator(w, pi.CloneMLP(), 0.1, w.Pairs)
	for b.Loop() {
		ev.Validation(pi)
	}
	perCompletion(b, w)
}
