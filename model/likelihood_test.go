package model

import (
	"math"
	"testing"

	"gapbench/internal/gradcheck"
)

// bruteForwardKL is (1/N) Σ_x KL(p*_x ‖ π(·|x)) from Enumerate.
func bruteForwardKL(pi Policy, inputs []Input, targets [][]float64) float64 {
	lp := make([]float64, pi.Space().Size())
	s := 0.0
	for i, x := range inputs {
		pi.Enumerate(x, lp)
		for j, l := range targets[i] {
			s += math.Exp(l) * (l - lp[j])
		}
	}
	return s / float64(len(inputs))
}

// forwardCases are projectionCases' mlp cases, the classes ForwardKL serves.
func forwardCases(t *testing.T) []projectionCase {
	var out []projectionCase
	for _, tc := range projectionCases(t) {
		if NewProjection(tc.pi, tc.inputs, tc.targets).HasForwardKL() {
			out = append(out, tc)
		}
	}
	if len(out) < 3 {
		t.Fatalf("%d mlp cases, want the serial walk (mlp), H = 1 (mlp-h1) and the batched walk (mlp-v8)", len(out))
	}
	return out
}

// TestForwardKLValue checks both of ForwardKL's values against sums over
// Enumerate's completions, and that computing the gradient leaves them as
// they are.
func TestForwardKLValue(t *testing.T) {
	for _, tc := range forwardCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProjection(tc.pi, tc.inputs, tc.targets)
			fwd, rev := p.ForwardKL(nil)
			want := bruteForwardKL(tc.pi, tc.inputs, tc.targets)
			if math.Abs(fwd-want) > 1e-12*math.Max(1, want) || !(want > 0.01) {
				t.Errorf("forward KL = %.15g, want %.15g (> 0.01)", fwd, want)
			}
			if want := bruteKL(tc.pi, tc.inputs, tc.targets); math.Abs(rev-want) > 1e-12*math.Max(1, want) {
				t.Errorf("reverse KL = %.15g, want %.15g", rev, want)
			}
			g := make([]float64, len(tc.pi.Params()))
			if f2, r2 := p.ForwardKL(g); f2 != fwd || r2 != rev {
				t.Errorf("with a gradient: %.17g, %.17g; without: %.17g, %.17g; want them equal", f2, r2, fwd, rev)
			}
		})
	}
}

// TestForwardKLGradient checks ForwardKL's backward pass against five-point
// finite differences.
func TestForwardKLGradient(t *testing.T) {
	for _, tc := range forwardCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProjection(tc.pi, tc.inputs, tc.targets)
			eval := func(g []float64) float64 { f, _ := p.ForwardKL(g); return f }
			gradcheck.Check(t, tc.pi.Params(), eval, 1e-6)
			t.Logf("worst relative error %.2g over %d parameters", worstRelError(tc.pi.Params(), eval), len(tc.pi.Params()))
		})
	}
}

// TestForwardKLZeroAtOwnTargets checks that F and its gradient vanish, to
// rounding, when the targets are the policy's own distribution.
func TestForwardKLZeroAtOwnTargets(t *testing.T) {
	for _, tc := range forwardCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			own := make([][]float64, len(tc.inputs))
			for i, x := range tc.inputs {
				own[i] = make([]float64, tc.pi.Space().Size())
				tc.pi.Enumerate(x, own[i])
			}
			g := make([]float64, len(tc.pi.Params()))
			fwd, rev := NewProjection(tc.pi, tc.inputs, own).ForwardKL(g)
			if math.Abs(fwd) > 1e-13 || math.Abs(rev) > 1e-13 {
				t.Errorf("at the policy's own distribution: forward KL %g, reverse %g; want 0", fwd, rev)
			}
			for i, x := range g {
				if math.Abs(x) > 1e-13 {
					t.Fatalf("gradient[%d] = %g, want 0", i, x)
				}
			}
		})
	}
}

// TestForwardKLSerial checks ForwardKL's batched walk of the leaves' parents
// against the walk one node at a time, bit for bit.
func TestForwardKLSerial(t *testing.T) {
	for _, c := range leafParentShapes {
		t.Run(c.name, func(t *testing.T) {
			m, inputs, targets := leafParentCase(c.h, c.d)
			eval := func(serial bool) ([]float64, []float64) {
				p := NewProjection(m, inputs, targets)
				p.mp.serial = serial
				g := make([]float64, len(m.Params()))
				f, r := p.ForwardKL(g)
				f2, r2 := p.ForwardKL(nil)
				return []float64{f, r, f2, r2}, g
			}
			v1, g1 := eval(false)
			v2, g2 := eval(true)
			same(t, "values", v1, v2)
			same(t, "gradient", g1, g2)
		})
	}
}

func TestForwardKLAllocs(t *testing.T) {
	for _, tc := range forwardCases(t) {
		p := NewProjection(tc.pi, tc.inputs, tc.targets)
		g := make([]float64, len(tc.pi.Params()))
		p.ForwardKL(g) // makes the prefix masses
		if n := testing.AllocsPerRun(5, func() { p.ForwardKL(g) }); n != 0 {
			t.Errorf("%s: ForwardKL allocates %v times, want 0", tc.name, n)
		}
	}
}

// TestForwardKLOtherClasses checks that the classes without a forward KL say
// so and that ForwardKL panics for them.
func TestForwardKLOtherClasses(t *testing.T) {
	for _, tc := range projectionCases(t) {
		p := NewProjection(tc.pi, tc.inputs, tc.targets)
		if _, mlp := tc.pi.(*MLP); p.HasForwardKL() != mlp {
			t.Errorf("%s: HasForwardKL = %v, want %v", tc.name, p.HasForwardKL(), mlp)
		}
		if p.HasForwardKL() {
			continue
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: ForwardKL did not panic", tc.name)
				}
			}()
			p.ForwardKL(nil)
		}()
	}
}
