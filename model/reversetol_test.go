package model

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"gapbench/internal/gradcheck"
)

// reverseTols are the ReverseTol values the tests run at: none, and one that
// leaves out part of every case's tree deeper than its root, with no prefix's
// mass within 2% of it (checked by prefixMargin), so that the finite
// differences do not cross it.
var reverseTols = []float64{0, 0.04}

// policyPrefixMasses returns, for each input, π's masses of its prefixes of
// lengths 1 … H−1 (the decision nodes below the root), level by level, from
// Enumerate's completions: each prefix's mass is the sum over its block of
// V^(H−t) completions.
func policyPrefixMasses(pi Policy, inputs []Input) [][]float64 {
	sp := pi.Space()
	lp := make([]float64, sp.Size())
	out := make([][]float64, len(inputs))
	for i, x := range inputs {
		pi.Enumerate(x, lp)
		for t, blk := 1, sp.Size()/sp.V; t < sp.H; t, blk = t+1, blk/sp.V {
			for lo := 0; lo < sp.Size(); lo += blk {
				m := 0.0
				for _, l := range lp[lo : lo+blk] {
					m += math.Exp(l)
				}
				out[i] = append(out[i], m)
			}
		}
	}
	return out
}

// bruteReverseKL is (1/N) Σ_x Σ_{y ∈ K_x} π(y|x)·(log π(y|x) − log p*_x(y)),
// K_x the completions none of whose prefixes of lengths 1 … H−1 has a mass
// below tol (every completion when tol = 0: then it is bruteKL), from
// Enumerate's completions.
func bruteReverseKL(pi Policy, inputs []Input, targets [][]float64, tol float64) float64 {
	sp := pi.Space()
	lp := make([]float64, sp.Size())
	s := 0.0
	for i, x := range inputs {
		pi.Enumerate(x, lp)
		for j, l := range lp {
			kept := true
			for t, blk := 1, sp.Size()/sp.V; t < sp.H; t, blk = t+1, blk/sp.V {
				lo := j / blk * blk
				m := 0.0
				for _, l := range lp[lo : lo+blk] {
					m += math.Exp(l)
				}
				kept = kept && !(m < tol)
			}
			if kept {
				s += math.Exp(l) * (l - targets[i][j])
			}
		}
	}
	return s / float64(len(inputs))
}

// prefixMargin fails the test if a prefix's mass is within 2% of tol, or if
// tol > 0 leaves no prefix out in a tree with decision nodes below its root.
func prefixMargin(t *testing.T, pi Policy, inputs []Input, tol float64) {
	t.Helper()
	if tol == 0 {
		return
	}
	out := 0
	for _, ms := range policyPrefixMasses(pi, inputs) {
		for _, m := range ms {
			if math.Abs(m-tol) < 0.02*tol {
				t.Fatalf("a prefix's mass %v is within 2%% of tol %v: choose another tol", m, tol)
			}
			if m < tol {
				out++
			}
		}
	}
	if pi.Space().H > 1 && out == 0 {
		t.Fatalf("tol %v leaves no prefix out: choose a larger one", tol)
	}
}

// TestReverseTolValue checks Eval's value with ReverseTol against the sum
// over the kept completions computed from Enumerate's (at tol 0, the KL
// itself), that computing the gradient leaves it as it is, and that leaving
// prefixes out changes it.
func TestReverseTolValue(t *testing.T) {
	for _, tc := range forwardCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProjection(tc.pi, tc.inputs, tc.targets)
			full := p.Eval(nil)
			for _, tol := range reverseTols {
				prefixMargin(t, tc.pi, tc.inputs, tol)
				p.ReverseTol = tol
				l := p.Eval(nil)
				want := bruteReverseKL(tc.pi, tc.inputs, tc.targets, tol)
				if math.Abs(l-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Errorf("tol %v: L_tol = %.15g, want %.15g", tol, l, want)
				}
				g := make([]float64, len(tc.pi.Params()))
				if l2 := p.Eval(g); l2 != l {
					t.Errorf("tol %v: with a gradient %.17g, without %.17g; want them equal", tol, l2, l)
				}
				switch {
				case tol == 0 && l != full:
					t.Errorf("tol 0: %.17g, want the whole tree's %.17g", l, full)
				case tol > 0 && tc.pi.Space().H > 1 && l == full:
					t.Errorf("tol %v: %v, the whole tree's value; want some completions left out", tol, l)
				}
			}
		})
	}
}

// TestReverseTolGradient checks the backward pass that leaves prefixes out
// against five-point finite differences of L_tol.
func TestReverseTolGradient(t *testing.T) {
	for _, tc := range forwardCases(t) {
		for _, tol := range reverseTols[1:] {
			t.Run(fmt.Sprintf("%s/tol=%v", tc.name, tol), func(t *testing.T) {
				prefixMargin(t, tc.pi, tc.inputs, tol)
				p := NewProjection(tc.pi, tc.inputs, tc.targets)
				p.ReverseTol = tol
				gradcheck.Check(t, tc.pi.Params(), p.Eval, 1e-6)
				t.Logf("worst relative error %.2g over %d parameters", worstRelError(tc.pi.Params(), p.Eval), len(tc.pi.Params()))
			})
		}
	}
}

// TestReverseTolSerial checks that the batched walk of the leaves' parents
// leaves out the same prefixes as the walk one node at a time, bit for bit,
// in every shape the batched walk serves, and the value against the sum from
// Enumerate's completions. It does so at two tolerances: splitTol's, which
// leaves out about half the first tokens (and, deeper, whole subtrees above
// the leaves' parents), and batchTol's, at which some leaves' parents' parent
// keeps more than serialMax children and leaves some out, so that the batched
// walk runs with children left out.
func TestReverseTolSerial(t *testing.T) {
	for _, c := range leafParentShapes {
		m, inputs, targets := leafParentCase(c.h, c.d)
		masses := policyPrefixMasses(m, inputs)
		tols := []float64{splitTol(masses)}
		switch bt := batchTol(masses, m.sp); {
		case bt > 0:
			tols = append(tols, bt)
		case c.name == "h2-d4":
			// Its first token is uniform: no tolerance keeps more than
			// serialMax of the root's children and leaves one out.
		default:
			t.Fatalf("%s: no node at depth H-2 has children whose masses are 5%% apart between the %dth and the %dth largest",
				c.name, serialMax+1, m.sp.V)
		}
		for _, tol := range tols {
			t.Run(fmt.Sprintf("%s/tol=%.3g", c.name, tol), func(t *testing.T) {
				prefixMargin(t, m, inputs, tol)
				v := sameSerial(t, "", m, inputs, targets, func(p *Projection) { p.ReverseTol = tol }, (*Projection).Eval)
				if want := bruteReverseKL(m, inputs, targets, tol); math.Abs(v-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Errorf("tol %v: L_tol %.15g, want %.15g", tol, v, want)
				}
			})
		}
	}
}

// batchTol returns a ReverseTol at which a node at depth H−2 keeps between
// serialMax+1 and V−1 of its children (the leaves' parents), so that Eval
// walks them batched with some left out: between the masses of two of a
// node's children, where clearTol finds the widest gap of all the masses,
// with the largest gap over every input's such nodes, or 0 when no gap is
// 5% or more. masses are policyPrefixMasses', whose last V^(H−1) entries per
// input are the prefixes of length H−1, V to a parent.
func batchTol(masses [][]float64, sp Space) float64 {
	n := 1
	for range sp.H - 1 {
		n *= sp.V
	}
	all := sortedMasses(masses)
	tol, best := 0.0, 1.05
	for _, ms := range masses {
		last := ms[len(ms)-n:]
		for lo := 0; lo < n; lo += sp.V {
			cs := slices.Sorted(slices.Values(last[lo : lo+sp.V]))
			slices.Reverse(cs)
			for j := serialMax; j+1 < sp.V; j++ { // j+1 kept, the rest left out
				if c, r := clearTol(all, cs[j+1], cs[j]); r > best {
					tol, best = c, r
				}
			}
		}
	}
	return tol
}

// splitTol returns a ReverseTol between two of input 0's prefix masses (of
// every length) in the middle half of their order, so that about half of
// them, and the subtrees below them, are left out; clearTol picks it, the
// widest gap of all the masses there being at least 5%. When there is none (a
// uniform first token, say) it returns twice the largest mass: all of them
// are left out.
func splitTol(masses [][]float64) float64 {
	all := sortedMasses(masses)
	ms := slices.Sorted(slices.Values(masses[0]))
	tol, best := 2*all[len(all)-1], 1.05
	for i := len(ms) / 4; i+1 < len(ms)*3/4; i++ {
		if c, r := clearTol(all, ms[i], ms[i+1]); r > best {
			tol, best = c, r
		}
	}
	return tol
}

// sortedMasses returns every input's prefix masses in one sorted slice.
func sortedMasses(masses [][]float64) []float64 {
	return slices.Sorted(slices.Values(slices.Concat(masses...)))
}

// clearTol returns the geometric middle of the widest gap, as a ratio,
// between consecutive values of lo, the masses of all (sorted) strictly
// between lo and hi, and hi; and that ratio (0 when lo is not above 0). A
// tolerance there decides every prefix the same way in Eval's products of
// conditionals as in Enumerate's sums when the ratio is well above 1.
func clearTol(all []float64, lo, hi float64) (tol, ratio float64) {
	if !(lo > 0) {
		return 0, 0
	}
	prev := lo
	for _, m := range all {
		if m > lo && m < hi {
			if r := m / prev; r > ratio {
				tol, ratio = math.Sqrt(prev*m), r
			}
			prev = m
		}
	}
	if r := hi / prev; r > ratio {
		tol, ratio = math.Sqrt(prev*hi), r
	}
	return tol, ratio
}

// TestReverseTolRange checks that Eval refuses a ReverseTol outside [0, 1).
func TestReverseTolRange(t *testing.T) {
	tc := forwardCases(t)[0]
	for _, tol := range []float64{-1e-12, 1, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ReverseTol %v: Eval did not panic", tol)
				}
			}()
			p := NewProjection(tc.pi, tc.inputs, tc.targets)
			p.ReverseTol = tol
			p.Eval(nil)
		}()
	}
}
