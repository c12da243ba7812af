package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"gapbench/internal/gradcheck"
)

// refScore is the original dense implementation of MLP.Score (every unit, relu as
// max(a, 0), LogSumExp, pre-activation (acc + Etok) + Epos), kept as an oracle
// for the optimised kernels.
func refScore(m *MLP, x Input, y []int, grad []float64, scale float64) float64 {
	d, v, H := m.d, m.sp.V, m.sp.H
	acc := make([]float64, d)
	m.base(x, acc)
	hs := make([]float64, H*d)
	lsm := make([]float64, H*v)
	lp := 0.0
	for t := 0; t < H; t++ {
		h := hs[t*d : t*d+d]
		for i := range h {
			h[i] = max(acc[i]+m.epos[t*d+i], 0)
		}
		lg := make([]float64, v)
		for k := range lg {
			l := m.bo[k]
			for i, hi := range h {
				l += hi * m.wot[i*v+k]
			}
			lg[k] = l
		}
		logSoftmaxInto(lg, lsm[t*v:t*v+v])
		lp += lsm[t*v+y[t]]
		for i := range acc {
			acc[i] += m.etok[(t*v+y[t])*d+i]
		}
	}
	if grad == nil {
		return lp
	}
	g := m.gradViews(grad)
	dfut, dbase, da := make([]float64, d), make([]float64, d), make([]float64, d)
	for t := H - 1; t >= 0; t-- {
		h := hs[t*d : t*d+d]
		dl := make([]float64, v)
		for k := range dl {
			dl[k] = -scale * math.Exp(lsm[t*v+k])
		}
		dl[y[t]] += scale
		for k, q := range dl {
			g.bo[k] += q
		}
		for i, hi := range h {
			da[i] = 0
			if hi <= 0 {
				continue
			}
			for k, q := range dl {
				g.wot[i*v+k] += hi * q
				da[i] += m.wot[i*v+k] * q
			}
		}
		for i, q := range da {
			g.epos[t*d+i] += q
			g.etok[(t*v+y[t])*d+i] += dfut[i]
			dfut[i] += q
			dbase[i] += q
		}
	}
	m.baseGrad(x, dbase, g.wx, g.b)
	return lp
}

// shapes covers every kernel path: V with 8-, 4- and 1-wide blocks, D over one
// and several mask words, H from 1 to 4.
var shapes = []struct {
	sp   Space
	p, d int
}{
	{Space{V: 4, H: 3}, 5, 7},
	{Space{V: 8, H: 4}, 16, 64},
	{Space{V: 13, H: 2}, 3, 70},
	{Space{V: 16, H: 1}, 4, 130},
	{Space{V: 2, H: 4}, 2, 1},
	{Space{V: 5, H: 3}, 6, 128},
}

func shapeMLP(i int) *MLP {
	s := shapes[i]
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	m := NewMLP(s.sp, s.p, s.d, MLPInit{In: 0.7, Out: 1.5}, rng)
	normal(rng, m.b, 0.3)
	normal(rng, m.bo, 0.3)
	return m
}

func shapeInput(rng *rand.Rand, p int) Input {
	bag := make([]Feature, 1+rng.IntN(4))
	for k := range bag {
		bag[k] = Feature{Index: rng.IntN(p), Value: rng.Float64()}
	}
	return Input{ID: 0, Bag: bag}
}

// TestMLPMatchesReference checks that Score, Forward/Backward and Enumerate
// reproduce the original dense implementation bit for bit (values and gradients),
// so results computed before and after the optimisation are identical.
func TestMLPMatchesReference(t *testing.T) {
	for si := range shapes {
		m := shapeMLP(si)
		sp := m.sp
		rng := rand.New(rand.NewPCG(uint64(si), 9))
		tape := m.NewTape()
		y := make([]int, sp.H)
		n := len(m.params)
		gRef, gScore, gTape := make([]float64, n), make([]float64, n), make([]float64, n)
		lp := make([]float64, sp.Size())
		for trial := range 20 {
			x := shapeInput(rng, m.p)
			for k := range y {
				y[k] = rng.IntN(sp.V)
			}
			scale := rng.NormFloat64()
			clear(gRef)
			clear(gScore)
			clear(gTape)
			want := refScore(m, x, y, gRef, scale)
			got := m.Score(x, y, gScore, scale)
			f := m.Forward(x, y, tape)
			m.Backward(tape, gTape, scale)
			if got != want {
				t.Fatalf("shape %d trial %d: Score %v, reference %v", si, trial, got, want)
			}
			if f != got {
				t.Fatalf("shape %d trial %d: Forward %v != Score %v", si, trial, f, got)
			}
			if s := m.Score(x, y, nil, 0); s != got {
				t.Fatalf("shape %d trial %d: Score without gradient %v != %v", si, trial, s, got)
			}
			for i := range gRef {
				if gScore[i] != gRef[i] {
					t.Fatalf("shape %d trial %d: grad[%d] %v, reference %v", si, trial, i, gScore[i], gRef[i])
				}
				if gTape[i] != gScore[i] {
					t.Fatalf("shape %d trial %d: tape grad[%d] %v != Score's %v", si, trial, i, gTape[i], gScore[i])
				}
			}
			if trial < 3 {
				m.Enumerate(x, lp)
				for c := range lp {
					sp.Decode(c, y)
					if s := m.Score(x, y, nil, 0); s != lp[c] {
						t.Fatalf("shape %d: completion %v: Enumerate %v != Score %v", si, y, lp[c], s)
					}
				}
			}
		}
	}
}

// TestTapeGradients checks Backward against five-point finite differences of
// Forward for the taped policy classes.
func TestTapeGradients(t *testing.T) {
	m := newTestMLP(1)
	trie := NewTrie(testSpace, 3)
	normal(rand.New(rand.NewPCG(5, 1)), trie.params, 1)
	wide := shapeMLP(2) // V = 13: 8-, 4- and 1-wide blocks; D = 70: two mask words
	cases := []struct {
		name string
		p    Taped
		x    Input
		y    []int
	}{
		{"mlp", m, testInput(), []int{2, 0, 3}},
		{"trie", trie, testInput(), []int{2, 0, 3}},
		{"mlp-wide", wide, shapeInput(rand.New(rand.NewPCG(3, 3)), wide.p), []int{11, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tape := tc.p.NewTape()
			gradcheck.Check(t, tc.p.Params(), func(g []float64) float64 {
				s := tc.p.Forward(tc.x, tc.y, tape)
				tc.p.Backward(tape, g, 0.9)
				return 0.9 * s
			}, 1e-6)
		})
	}
}

// TestTrieTape checks that the trie's Forward/Backward reproduce Score exactly.
func TestTrieTape(t *testing.T) {
	trie := NewTrie(testSpace, 3)
	normal(rand.New(rand.NewPCG(5, 1)), trie.params, 1)
	tape := trie.NewTape()
	y := make([]int, testSpace.H)
	g1, g2 := make([]float64, len(trie.params)), make([]float64, len(trie.params))
	for c := range testSpace.Size() {
		testSpace.Decode(c, y)
		x := Input{ID: c % 3}
		s := trie.Score(x, y, g1, 0.3)
		if f := trie.Forward(x, y, tape); f != s {
			t.Fatalf("Forward %v != Score %v", f, s)
		}
		trie.Backward(tape, g2, 0.3)
	}
	for i := range g1 {
		if g1[i] != g2[i] {
			t.Fatalf("grad[%d]: tape %v != Score %v", i, g2[i], g1[i])
		}
	}
}

// TestTapeOwnership checks that a tape cannot be used with another model.
func TestTapeOwnership(t *testing.T) {
	m := newTestMLP(1)
	c := m.CloneMLP()
	tape := m.NewTape()
	defer func() {
		if recover() == nil {
			t.Error("Forward with another mlp's tape did not panic")
		}
	}()
	c.Forward(testInput(), []int{0, 1, 2}, tape)
}

// TestTapeNoAllocs checks that Forward and Backward allocate nothing.
func TestTapeNoAllocs(t *testing.T) {
	m := newTestMLP(1)
	trie := NewTrie(testSpace, 3)
	x := testInput()
	y := []int{1, 2, 3}
	for _, p := range []Taped{m, trie} {
		tape := p.NewTape()
		grad := make([]float64, len(p.Params()))
		if a := testing.AllocsPerRun(100, func() {
			p.Forward(x, y, tape)
			p.Backward(tape, grad, 1)
		}); a != 0 {
			t.Errorf("%T: %v allocations per Forward+Backward, want 0", p, a)
		}
	}
}

// TestKernels checks the architecture's kernels against the portable ones, bit
// for bit, including signed zeros, infinities and NaNs.
func TestKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 5e-324, -5e-324}
	draw := func() float64 {
		if rng.IntN(8) == 0 {
			return special[rng.IntN(len(special))]
		}
		return rng.NormFloat64()
	}
	q, e, f := make([]float64, 64), make([]float64, 64), make([]float64, 64)
	a1, a2 := make([]float64, 64), make([]float64, 64)
	same := func(what string, n int, m1, m2 uint64) {
		t.Helper()
		if m1 != m2 {
			t.Fatalf("%s n=%d: mask %x, portable %x", what, n, m1, m2)
		}
		for i := range n {
			if !sameFloat(a1[i], a2[i]) {
				t.Fatalf("%s n=%d: a[%d] = %v, portable %v", what, n, i, a1[i], a2[i])
			}
		}
	}
	for trial := range 2000 {
		n := trial % 65
		for i := range q {
			q[i], e[i], f[i] = draw(), draw(), draw()
		}
		same("act64", n, act64(q[:n], e[:n], a1), act64Go(q[:n], e[:n], a2))
		same("act64x3", n, act64x3(q[:n], e[:n], f[:n], a1), act64x3Go(q[:n], e[:n], f[:n], a2))
	}
	for _, stride := range []int{8, 9, 16, 13} {
		w := make([]float64, 64*stride)
		for trial := range 500 {
			for i := range w {
				w[i] = rng.NormFloat64()
			}
			for i := range q {
				q[i] = draw()
			}
			mask := rng.Uint64() & rng.Uint64()
			if trial%50 == 0 {
				mask = 0
			}
			var l1, l2 [8]float64
			for k := range l1 {
				l1[k] = rng.NormFloat64()
			}
			l2 = l1
			gemv8(&l1, mask, q, w, stride)
			gemv8Go(&l2, mask, q, w, stride)
			for k := range l1 {
				if !sameFloat(l1[k], l2[k]) {
					t.Fatalf("stride %d: gemv8 l[%d] = %v, portable %v", stride, k, l1[k], l2[k])
				}
			}
		}
	}
}

// TestNaNPropagates checks that a NaN pre-activation poisons the outputs as in the
// original dense code (relu = max(a, 0) keeps NaN), rather than being skipped as
// an inactive unit.
func TestNaNPropagates(t *testing.T) {
	m := newTestMLP(1)
	x := testInput()
	y := []int{1, 2, 3}
	m.wx[x.Bag[0].Index*m.d+2] = math.NaN()
	g1, g2 := make([]float64, len(m.params)), make([]float64, len(m.params))
	want := refScore(m, x, y, g1, 1)
	got := m.Score(x, y, g2, 1)
	if !math.IsNaN(want) || !math.IsNaN(got) {
		t.Fatalf("Score %v, reference %v: want NaN from a NaN weight", got, want)
	}
	for i := range g1 {
		if math.IsNaN(g1[i]) != math.IsNaN(g2[i]) || (!math.IsNaN(g1[i]) && g1[i] != g2[i]) {
			t.Fatalf("grad[%d] %v, reference %v", i, g2[i], g1[i])
		}
	}
	lp := make([]float64, testSpace.Size())
	m.Enumerate(x, lp)
	for c, v := range lp {
		if !math.IsNaN(v) {
			t.Fatalf("Enumerate[%d] = %v, want NaN", c, v)
		}
	}
}
