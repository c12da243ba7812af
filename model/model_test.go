package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"gapbench/internal/gradcheck"

	"gonum.org/v1/gonum/floats"
)

var testSpace = Space{V: 4, H: 3}

func testInput() Input {
	return Input{ID: 1, Bag: []Feature{{0, 0.5}, {3, 0.25}, {4, 0.25}}}
}

func newTestMLP(seed uint64) *MLP {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := NewMLP(testSpace, 5, 7, MLPInit{In: 0.7, Out: 1.5}, rng)
	normal(rng, m.b, 0.3)
	normal(rng, m.bo, 0.3)
	return m
}

// scalarFn is a model output as a function of its parameters, with its gradient.
type scalarFn struct {
	name   string
	params func() []float64
	eval   func(grad []float64) float64
}

func modelFns(t *testing.T) []scalarFn {
	t.Helper()
	x := testInput()
	y := []int{2, 0, 3}
	m := newTestMLP(1)
	rm := NewBackboneRM(newTestMLP(2), 1, rand.New(rand.NewPCG(3, 1)))
	lin := NewLinearRM(testSpace, 5)
	normal(rand.New(rand.NewPCG(4, 1)), lin.params, 1)
	trie := NewTrie(testSpace, 3)
	normal(rand.New(rand.NewPCG(5, 1)), trie.params, 1)
	local := NewLocalRM(newTestMLP(6), 0.3)
	tilt := NewTilt(newTestMLP(7), NewBackboneRM(newTestMLP(8), 1, rand.New(rand.NewPCG(9, 1))), 0.7)
	return []scalarFn{
		{"mlp", m.Params, func(g []float64) float64 { return 1.3 * m.Score(x, y, g, 1.3) }},
		{"backbone-rm", rm.Params, func(g []float64) float64 { return 0.7 * rm.Reward(x, y, g, 0.7) }},
		{"linear-rm", lin.Params, func(g []float64) float64 { return lin.Reward(x, y, g, 1) }},
		{"trie", trie.Params, func(g []float64) float64 { return trie.Score(x, y, g, 1) }},
		{"local-rm", local.Params, func(g []float64) float64 { return local.Reward(x, y, g, 1) }},
		{"tilt", tilt.Params, func(g []float64) float64 { return tilt.Score(x, y, g, 1) }},
	}
}

// TestGradients checks every hand-written gradient against five-point central finite differences.
func TestGradients(t *testing.T) {
	for _, f := range modelFns(t) {
		t.Run(f.name, func(t *testing.T) {
			gradcheck.Check(t, f.params(), f.eval, 1e-6)
		})
	}
}

// TestEnumerate checks that enumeration sums to one, agrees with Score, and that
// ancestral sampling matches it within 4 standard errors.
func TestEnumerate(t *testing.T) {
	x := testInput()
	tilt := NewTilt(newTestMLP(7), NewBackboneRM(newTestMLP(8), 1, rand.New(rand.NewPCG(9, 1))), 0.7)
	trie := NewTrie(testSpace, 3)
	normal(rand.New(rand.NewPCG(5, 1)), trie.params, 1)
	for _, tc := range []struct {
		name string
		p    Policy
	}{{"mlp", newTestMLP(11)}, {"trie", trie}, {"tilt", tilt}} {
		t.Run(tc.name, func(t *testing.T) {
			sp := tc.p.Space()
			lp := make([]float64, sp.Size())
			tc.p.Enumerate(x, lp)
			if s := math.Exp(floats.LogSumExp(lp)); math.Abs(s-1) > 1e-12 {
				t.Fatalf("probabilities sum to %.15f, want 1 within 1e-12", s)
			}
			y := make([]int, sp.H)
			z := 0.0
			if !tc.p.Normalised() {
				sp.Decode(0, y)
				z = tc.p.Score(x, y, nil, 0) - lp[0]
			}
			for i := range lp {
				sp.Decode(i, y)
				if got := tc.p.Score(x, y, nil, 0) - z; math.Abs(got-lp[i]) > 1e-12 {
					t.Fatalf("completion %v: Score %v, Enumerate %v", y, got, lp[i])
				}
			}
			rng := rand.New(rand.NewPCG(42, 0))
			const n = 200000
			counts := make([]float64, sp.Size())
			cdf := make([]float64, sp.Size())
			for range n {
				if s, ok := tc.p.(Sampler); ok {
					s.Sample(rng, x, 1, y)
					counts[sp.Encode(y)]++
				} else {
					counts[SampleIndex(rng, lp, 1, cdf)]++
				}
			}
			for i, c := range counts {
				p := math.Exp(lp[i])
				se := math.Sqrt(p * (1 - p) / n)
				if math.Abs(c/n-p) > 4*se+1e-9 {
					t.Errorf("completion %d: frequency %.5f, exact %.5f (4 SE = %.5f)", i, c/n, p, 4*se)
				}
			}
		})
	}
}

// TestTemperature checks that sampling at temperature T follows π^(1/T) normalised.
func TestTemperature(t *testing.T) {
	m := newTestMLP(13)
	sp := m.Space()
	x := testInput()
	const T = 0.5
	// Ancestral sampling at temperature T tempers each conditional, not the joint;
	// check the first-token marginal, where the two coincide.
	lp := make([]float64, sp.Size())
	m.Enumerate(x, lp)
	rng := rand.New(rand.NewPCG(1, 2))
	y := make([]int, sp.H)
	const n = 100000
	counts := make([]float64, sp.V)
	for range n {
		m.Sample(rng, x, T, y)
		counts[y[0]]++
	}
	first := make([]float64, sp.V)
	per := sp.Size() / sp.V
	for k := range first {
		first[k] = floats.LogSumExp(lp[k*per:(k+1)*per]) / T
	}
	z := floats.LogSumExp(first)
	for k, c := range counts {
		p := math.Exp(first[k] - z)
		se := math.Sqrt(p * (1 - p) / n)
		if math.Abs(c/n-p) > 4*se {
			t.Errorf("token %d: frequency %.4f, want %.4f ± %.4f", k, c/n, p, 4*se)
		}
	}
}

// TestNoAllocs checks that forward, backward, enumeration and sampling allocate nothing.
func TestNoAllocs(t *testing.T) {
	m := newTestMLP(1)
	rm := NewBackboneRM(m, 1, rand.New(rand.NewPCG(3, 1)))
	x := testInput()
	y := []int{1, 2, 3}
	grad := make([]float64, len(m.Params()))
	rgrad := make([]float64, len(rm.Params()))
	out := make([]float64, testSpace.Size())
	rng := rand.New(rand.NewPCG(1, 1))
	cases := map[string]func(){
		"score":     func() { m.Score(x, y, nil, 0) },
		"backward":  func() { m.Score(x, y, grad, 1) },
		"enumerate": func() { m.Enumerate(x, out) },
		"sample":    func() { m.Sample(rng, x, 1, y) },
		"rm":        func() { rm.Reward(x, y, rgrad, 1) },
	}
	for name, f := range cases {
		if a := testing.AllocsPerRun(100, f); a != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, a)
		}
	}
}

func TestSpace(t *testing.T) {
	sp := Space{V: 3, H: 4}
	y := make([]int, 4)
	for i := range sp.Size() {
		sp.Decode(i, y)
		if got := sp.Encode(y); got != i {
			t.Fatalf("Encode(Decode(%d)) = %d", i, got)
		}
	}
	for _, bad := range []Space{{V: 1, H: 2}, {V: 8, H: 0}, {V: 8, H: 9}, {V: 64, H: 6}} {
		if bad.Validate() == nil {
			t.Errorf("Validate(%+v) = nil, want an error", bad)
		}
	}
}

func TestTrieSetFromJoint(t *testing.T) {
	m := newTestMLP(3)
	x := testInput()
	lp := make([]float64, testSpace.Size())
	m.Enumerate(x, lp)
	tr := NewTrie(testSpace, 2)
	tr.SetFromJoint(x.ID, lp)
	got := make([]float64, testSpace.Size())
	tr.Enumerate(x, got)
	for i := range lp {
		if math.Abs(got[i]-lp[i]) > 1e-12 {
			t.Fatalf("completion %d: trie %v, source %v", i, got[i], lp[i])
		}
	}
}
