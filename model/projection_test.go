package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"gapbench/internal/gradcheck"
)

// projectionCase is a policy, prompts and random targets π_ref·exp(r/β)/Z.
type projectionCase struct {
	name    string
	pi      Policy
	inputs  []Input
	targets [][]float64
}

func projectionCases(t *testing.T) []projectionCase {
	t.Helper()
	rng := rand.New(rand.NewPCG(21, 1))
	inputs := []Input{testInput(), {ID: 0, Bag: []Feature{{1, 0.5}, {2, 0.5}}}, {ID: 2, Bag: []Feature{{4, 1}}}}
	sp := testSpace
	trie := NewTrie(sp, 3)
	normal(rng, trie.params, 1)
	lin := NewLinearRM(sp, 5)
	normal(rng, lin.params, 0.5)
	tiltLin := NewTilt(newTestMLP(31), lin, 0.3)
	tiltRM := NewTilt(newTestMLP(32), NewBackboneRM(newTestMLP(33), 1, rand.New(rand.NewPCG(34, 1))), 0.7)
	oneStep := NewMLP(Space{V: 5, H: 1}, 5, 6, MLPInit{In: 0.7, Out: 1.5}, rand.New(rand.NewPCG(35, 1)))
	// V = 8 takes mlpProj.leafParents, the batched walk of the leaves' parents.
	eight := NewMLP(Space{V: 8, H: 3}, 5, 7, MLPInit{In: 0.7, Out: 1.5}, rand.New(rand.NewPCG(36, 1)))
	cases := []projectionCase{
		{"mlp", newTestMLP(30), inputs, nil},
		{"mlp-h1", oneStep, inputs, nil},
		{"trie", trie, inputs, nil},
		{"tilt-linear", tiltLin, inputs, nil},
		{"tilt-backbone", tiltRM, inputs, nil},
		{"mlp-v8", eight, inputs, nil},
	}
	for i := range cases {
		// Targets tilted from another policy of the same space, so that π ≠ p*.
		ref := NewMLP(cases[i].pi.Space(), 5, 4, MLPInit{In: 0.7, Out: 1}, rand.New(rand.NewPCG(40+uint64(i), 1)))
		cases[i].targets = tiltedTargets(ref, inputs, 0.5, rng)
	}
	return cases
}

// bruteKL is (1/N) Σ_x KL(π(·|x) ‖ p*_x) from Enumerate.
func bruteKL(pi Policy, inputs []Input, targets [][]float64) float64 {
	lp := make([]float64, pi.Space().Size())
	s := 0.0
	for i, x := range inputs {
		pi.Enumerate(x, lp)
		for j, l := range lp {
			s += math.Exp(l) * (l - targets[i][j])
		}
	}
	return s / float64(len(inputs))
}

// TestProjectionValue checks L against KL computed from Enumerate.
func TestProjectionValue(t *testing.T) {
	for _, tc := range projectionCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProjection(tc.pi, tc.inputs, tc.targets)
			got, want := p.Eval(nil), bruteKL(tc.pi, tc.inputs, tc.targets)
			if math.Abs(got-want) > 1e-12*math.Max(1, want) || !(want > 0.01) {
				t.Errorf("L = %.15g, want %.15g (> 0.01)", got, want)
			}
			g := make([]float64, len(tc.pi.Params()))
			if v := p.Eval(g); v != got {
				t.Errorf("L with a gradient = %.17g, without = %.17g; want them equal", v, got)
			}
		})
	}
}

// TestProjectionGradient checks the prefix-tree backward pass (and the tilt's)
// against five-point finite differences.
func TestProjectionGradient(t *testing.T) {
	for _, tc := range projectionCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProjection(tc.pi, tc.inputs, tc.targets)
			gradcheck.Check(t, tc.pi.Params(), p.Eval, 1e-6)
			t.Logf("worst relative error %.2g over %d parameters", worstRelError(tc.pi.Params(), p.Eval), len(tc.pi.Params()))
		})
	}
}

// TestProjectionZeroAtTarget checks that L and its gradient vanish when π is the
// target: a trie set from p* by SetFromJoint.
func TestProjectionZeroAtTarget(t *testing.T) {
	cs := projectionCases(t)
	tc := cs[2]
	trie := NewTrie(testSpace, 3)
	for i, x := range tc.inputs {
		trie.SetFromJoint(x.ID, tc.targets[i])
	}
	g := make([]float64, len(trie.params))
	if v := NewProjection(trie, tc.inputs, tc.targets).Eval(g); math.Abs(v) > 1e-14 {
		t.Errorf("L at the target = %g, want 0", v)
	}
	for i, x := range g {
		if math.Abs(x) > 1e-14 {
			t.Fatalf("gradient[%d] at the target = %g, want 0", i, x)
		}
	}
}

// worstRelError is the figure gradcheck.Check tests, for the log.
func worstRelError(params []float64, eval func([]float64) float64) float64 {
	g := make([]float64, len(params))
	eval(g)
	worst := 0.0
	for i := range params {
		num := gradcheck.FivePoint(params, i, gradcheck.Step, eval)
		worst = math.Max(worst, math.Abs(num-g[i])/math.Max(1e-3, math.Max(math.Abs(num), math.Abs(g[i]))))
	}
	return worst
}

// leafParentShapes are the shapes the batched walk of the leaves' parents
// (mlpProj.leafParents) serves, V = 8 with up to 64 units at a time, at
// several depths and widths.
var leafParentShapes = []struct {
	name string
	h, d int
}{
	{"h2-d4", 2, 4},
	{"h2-d16", 2, 16},
	{"h3-d12", 3, 12},
	{"h3-d60", 3, 60},
	{"h3-d7", 3, 7},
	{"h3-d64", 3, 64},
	{"h4-d33", 4, 33},
	{"h3-d100", 3, 100},
	{"h3-d128", 3, 128},
	{"h2-d130", 2, 130},
}

// leafParentCase is a width-d mlp over V = 8, H = h, two prompts and targets
// tilted from another mlp's.
func leafParentCase(h, d int) (*MLP, []Input, [][]float64) {
	sp := Space{V: 8, H: h}
	rng := rand.New(rand.NewPCG(50, uint64(h*100+d)))
	m := NewMLP(sp, 5, d, MLPInit{In: 0.7, Out: 1.5}, rng)
	normal(rng, m.b, 0.3)
	ref := NewMLP(sp, 5, d, MLPInit{In: 0.7, Out: 1}, rng)
	inputs := []Input{testInput(), {ID: 0, Bag: []Feature{{1, 0.5}, {2, 0.5}}}}
	return m, inputs, tiltedTargets(ref, inputs, 0.5, rng)
}

// sameSerial evaluates f (with a gradient, then without) on a projection of
// m onto targets, set up by set, once batched and once one node at a time,
// fails the test unless the values and the gradients are the same bit for
// bit (label names the case), and returns the batched value.
func sameSerial(t *testing.T, label string, m *MLP, inputs []Input, targets [][]float64,
	set func(*Projection), f func(p *Projection, grad []float64) float64) float64 {
	t.Helper()
	eval := func(serial bool) ([]float64, []float64) {
		p := NewProjection(m, inputs, targets)
		set(p)
		p.mp.serial = serial
		g := make([]float64, len(m.Params()))
		return []float64{f(p, g), f(p, nil)}, g
	}
	v1, g1 := eval(false)
	v2, g2 := eval(true)
	same(t, "values"+label, v1, v2)
	same(t, "gradient"+label, g1, g2)
	return v1[0]
}

// tiltedTargets returns π_ref·exp(r/β)/Z for each input, with π_ref the
// policy ref and r standard normal rewards drawn from rng.
func tiltedTargets(ref Policy, inputs []Input, beta float64, rng *rand.Rand) [][]float64 {
	sp := ref.Space()
	targets := make([][]float64, len(inputs))
	r := make([]float64, sp.Size())
	for i, x := range inputs {
		targets[i] = make([]float64, sp.Size())
		ref.Enumerate(x, targets[i])
		normal(rng, r, 1)
		TiltTarget(targets[i], r, beta, targets[i])
	}
	return targets
}

// TestLeafParentsSerial checks the batched walk of the leaves' parents
// (mlpProj.leafParents) against the walk one node at a time, bit for bit, in the
// shapes it serves.
func TestLeafParentsSerial(t *testing.T) {
	for _, c := range leafParentShapes {
		t.Run(c.name, func(t *testing.T) {
			m, inputs, targets := leafParentCase(c.h, c.d)
			eval := func(serial bool) (float64, float64, []float64) {
				p := NewProjection(m, inputs, targets)
				p.mp.serial = serial
				g := make([]float64, len(m.Params()))
				return p.Eval(g), p.Eval(nil), g
			}
			l1, n1, g1 := eval(false)
			l2, n2, g2 := eval(true)
			same(t, "loss, loss without gradient", []float64{l1, n1}, []float64{l2, n2})
			same(t, "gradient", g1, g2)
		})
	}
}

func TestProjectionAllocs(t *testing.T) {
	for _, tc := range projectionCases(t) {
		p := NewProjection(tc.pi, tc.inputs, tc.targets)
		g := make([]float64, len(tc.pi.Params()))
		p.Eval(g) // fills the tilt's π_ref cache
		if n := testing.AllocsPerRun(5, func() { p.Eval(g) }); n != 0 {
			t.Errorf("%s: Eval allocates %v times, want 0", tc.name, n)
		}
	}
}

// TestNaturalGradient checks that Natural's gradient is Eval's and that its
// direction descends, for the classes that have one.
func TestNaturalGradient(t *testing.T) {
	for _, tc := range projectionCases(t) {
		p := NewProjection(tc.pi, tc.inputs, tc.targets)
		if !p.HasNatural() {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			n := len(tc.pi.Params())
			g, g2, dir := make([]float64, n), make([]float64, n), make([]float64, n)
			l := p.Eval(g)
			if l2 := p.Natural(g2, dir); math.Abs(l2-l) > 1e-13 {
				t.Errorf("Natural's L = %v, Eval's %v", l2, l)
			}
			slope := 0.0
			for i := range g {
				if math.Abs(g[i]-g2[i]) > 1e-12*math.Max(1, math.Abs(g[i])) {
					t.Fatalf("gradient[%d]: Natural %v, Eval %v", i, g2[i], g[i])
				}
				slope += g[i] * dir[i]
			}
			if !(slope < 0) {
				t.Errorf("∇Lᵀdir = %v, want < 0", slope)
			}
		})
	}
}
