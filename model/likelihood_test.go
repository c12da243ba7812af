package model

import (
	"fmt"
	"math"
	"testing"

	"gapbench/internal/gradcheck"
)

// bruteForwardKL is (1/N) Σ_x Σ_s M*(s)·KL(p*(·|s) ‖ π(·|s)) over the
// decision nodes s whose target mass M*(s) is at least tol (every node when
// tol = 0: then it is KL(p*_x ‖ π(·|x)) by the chain rule), computed from
// Enumerate's completions: each prefix's masses are sums over its completions.
func bruteForwardKL(pi Policy, inputs []Input, targets [][]float64, tol float64) float64 {
	sp := pi.Space()
	lp := make([]float64, sp.Size())
	s := 0.0
	for i, x := range inputs {
		pi.Enumerate(x, lp)
		// Completions under a prefix of length t are a block of V^(H−t).
		for t, blk := 0, sp.Size(); t < sp.H; t, blk = t+1, blk/sp.V {
			for lo := 0; lo < sp.Size(); lo += blk {
				child := blk / sp.V
				ms, mp := 0.0, 0.0
				cs, cp := make([]float64, sp.V), make([]float64, sp.V)
				for a := range sp.V {
					for j := lo + a*child; j < lo+(a+1)*child; j++ {
						cs[a] += math.Exp(targets[i][j])
						cp[a] += math.Exp(lp[j])
					}
					ms += cs[a]
					mp += cp[a]
				}
				if ms < tol || ms == 0 {
					continue
				}
				for a := range sp.V {
					if cs[a] > 0 {
						s += cs[a] * (math.Log(cs[a]/ms) - math.Log(cp[a]/mp))
					}
				}
			}
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

// forwardTols are the ForwardTol values the tests run at: none, and one that
// leaves out part of every case's tree deeper than its root.
var forwardTols = []float64{0, 0.02}

// TestForwardKLValue checks ForwardKL's value against the sum over the kept
// nodes computed from Enumerate's completions (at tol 0, the forward KL
// itself), that computing the gradient leaves it as it is, and that leaving
// nodes out lowers it.
func TestForwardKLValue(t *testing.T) {
	for _, tc := range forwardCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProjection(tc.pi, tc.inputs, tc.targets)
			var full float64
			for _, tol := range forwardTols {
				p.ForwardTol = tol
				fwd := p.ForwardKL(nil)
				want := bruteForwardKL(tc.pi, tc.inputs, tc.targets, tol)
				if math.Abs(fwd-want) > 1e-12*math.Max(1, want) || !(want > 0.01) {
					t.Errorf("tol %v: forward KL = %.15g, want %.15g (> 0.01)", tol, fwd, want)
				}
				g := make([]float64, len(tc.pi.Params()))
				if f2 := p.ForwardKL(g); f2 != fwd {
					t.Errorf("tol %v: with a gradient %.17g, without %.17g; want them equal", tol, f2, fwd)
				}
				if tol == 0 {
					full = fwd
				} else if tc.pi.Space().H > 1 && !(fwd < full) {
					// (With H = 1 the root is the only node, and it is kept.)
					t.Errorf("tol %v: %v, want below the whole tree's %v (some nodes are left out)", tol, fwd, full)
				}
			}
		})
	}
}

// TestForwardKLGradient checks ForwardKL's backward pass against five-point
// finite differences, with and without nodes left out.
func TestForwardKLGradient(t *testing.T) {
	for _, tc := range forwardCases(t) {
		for _, tol := range forwardTols {
			t.Run(fmt.Sprintf("%s/tol=%v", tc.name, tol), func(t *testing.T) {
				p := NewProjection(tc.pi, tc.inputs, tc.targets)
				p.ForwardTol = tol
				gradcheck.Check(t, tc.pi.Params(), p.ForwardKL, 1e-6)
				t.Logf("worst relative error %.2g over %d parameters", worstRelError(tc.pi.Params(), p.ForwardKL), len(tc.pi.Params()))
			})
		}
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
			if fwd := NewProjection(tc.pi, tc.inputs, own).ForwardKL(g); math.Abs(fwd) > 1e-13 {
				t.Errorf("at the policy's own distribution: forward KL %g, want 0", fwd)
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
// against the walk one node at a time, bit for bit, and its value against the
// sum from Enumerate's completions, in every shape the batched walk serves.
func TestForwardKLSerial(t *testing.T) {
	for _, c := range leafParentShapes {
		t.Run(c.name, func(t *testing.T) {
			m, inputs, targets := leafParentCase(c.h, c.d)
			for _, tol := range forwardTols {
				v := sameSerial(t, fmt.Sprintf(" at tol %v", tol), m, inputs, targets,
					func(p *Projection) { p.ForwardTol = tol }, (*Projection).ForwardKL)
				// Deeper trees leave out whole subtrees above the leaves' parents.
				if want := bruteForwardKL(m, inputs, targets, tol); math.Abs(v-want) > 1e-12*math.Max(1, want) {
					t.Errorf("tol %v: forward KL %.15g, want %.15g", tol, v, want)
				}
			}
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
