package model

import (
	"fmt"
	"math/bits"
)

// HasFisherDiag reports whether FisherDiag supports the policy class: the MLP.
func (p *Projection) HasFisherDiag() bool { return p.mp != nil }

// FisherDiag writes into out the diagonal of the Fisher information of the
// policy in its parameters, weighted as L weights the prompts,
//
//	F_ii = (1/N) Σ_x Σ_s M(s)·(∂z_s/∂θ_i)ᵀ (diag p_s − p_s p_sᵀ) (∂z_s/∂θ_i),
//
// summed over the decision nodes s of the prefix tree (mass M(s), conditionals
// p_s = π(·|s), logits z_s), computed exactly by one walk over the tree (no
// sampling). For a weight feeding hidden unit j, ∂z_s/∂θ_i = Wo[·, j]·∂a_j/∂θ_i
// where j is active, so its terms are M(s)·(∂a_j/∂θ_i)²·Var_{p_s}(Wo[·, j]);
// for the output layer they are M(s)·h_j²·p(a)(1 − p(a)). It is the scaling
// with which trainer.MinimiseExact preconditions L-BFGS: the tree's node masses
// span orders of magnitude, and the Fisher's diagonal puts the parameters of
// rarely visited prefixes on the scale of the others. It panics for other
// classes (see HasFisherDiag).
func (p *Projection) FisherDiag(out []float64) {
	if p.mp == nil {
		panic(fmt.Sprintf("model: no Fisher diagonal for policy type %T", p.Policy))
	}
	if len(out) != len(p.Policy.Params()) {
		panic(fmt.Sprintf("model: FisherDiag needs %d entries, got %d", len(p.Policy.Params()), len(out)))
	}
	clear(out)
	w := p.mp
	m := w.m
	d := m.d
	g := m.gradViews(out)
	if m.sp.V == 8 {
		outputMajor(w.wo, m.wot, d, m.sp.V) // for fisherUnits
	}
	scale := 1 / float64(len(p.Inputs))
	for _, x := range p.Inputs {
		m.base(x, w.acc[:d])
		w.eval(0)
		w.fisherVisit(0, scale, g, nil, nil)
		root := w.cum[:d]
		for i, c := range root {
			g.b[i] += c
		}
		for _, f := range x.Bag {
			row := g.wx[f.Index*d : f.Index*d+d]
			for i, c := range root {
				row[i] += f.Value * f.Value * c
			}
		}
	}
}

// fisherVisit adds the Fisher diagonal's terms of the subtree of the node at
// depth t (mass M, network state computed by eval) into g, and the subtree's
// sum of M(s)·Var_{p_s}(Wo[·, j]) per hidden unit into cum[t], get (the token
// embedding that leads to the node; nil at the root) and pcum (the parent's).
// The children of a node at depth H−2 (the leaves' parents) are evaluated
// together by leafParentsForward where batchLeafParents holds, as the
// projection's walk does; every sum is taken in the same order either way.
func (w *mlpProj) fisherVisit(t int, mass float64, g mlpGrad, get, pcum []float64) {
	m := w.m
	d, v, H, nw := m.d, m.sp.V, m.sp.H, m.words
	prob := w.prob[t*v : t*v+v]
	cum := w.cum[t*d : t*d+d]
	w.fisherNode(t, mass, prob, w.a[t*d:t*d+d], w.mask[t*nw:t*nw+nw], g, cum)
	switch {
	case t+1 == H-1 && w.batchLeafParents():
		lprob, _ := w.leafParentsForward(t)
		ccum := w.cum[(t+1)*d : (t+2)*d]
		for k, pk := range prob {
			w.fisherNode(t+1, mass*pk, lprob[k*v:k*v+v], w.la[k*d:k*d+d], w.lm[k*nw:k*nw+nw], g, ccum)
			addBoth(g.etok[(t*v+k)*d:(t*v+k)*d+d], cum, ccum)
		}
	case t < H-1:
		next := w.acc[(t+1)*d : (t+2)*d]
		acc := w.acc[t*d : t*d+d]
		for k, pk := range prob {
			et := m.etok[(t*v+k)*d : (t*v+k)*d+d]
			addInto(next, acc, et)
			w.eval(t + 1)
			w.fisherVisit(t+1, mass*pk, g, g.etok[(t*v+k)*d:(t*v+k)*d+d], cum)
		}
	}
	if get != nil {
		addBoth(get, pcum, cum)
	}
}

// fisherNode adds the Fisher diagonal's terms of one node at depth t (mass M,
// conditionals prob, pre-activations a, active units mask) into g, and sets
// cum to the node's M·Var_p(Wo[·, j]) per hidden unit j (0 where inactive).
func (w *mlpProj) fisherNode(t int, mass float64, prob, a []float64, mask []uint64, g mlpGrad, cum []float64) {
	m := w.m
	d, v := m.d, m.sp.V
	clear(cum)
	for k, pk := range prob {
		g.bo[k] += mass * pk * (1 - pk)
	}
	gep := g.epos[t*d : t*d+d]
	if v == 8 {
		p := (*[8]float64)(prob)
		for wd, bm := range mask {
			lo, hi := wd*64, min(wd*64+64, d)
			fisherUnits(bm, a[lo:hi], m.wot[lo*v:], w.wo[lo:], d, g.wot[lo*v:], p, mass, gep[lo:hi], cum[lo:hi])
		}
		return
	}
	for wd, bm := range mask {
		lo, hi := wd*64, min(wd*64+64, d)
		fisherUnitsV(bm, a[lo:hi], m.wot[lo*v:], g.wot[lo*v:], prob, mass, gep[lo:hi], cum[lo:hi])
	}
}

// fisherUnitsGo is fisherUnitsV for V = 8 (the portable twin of the AVX-512
// kernel).
func fisherUnitsGo(mask uint64, a, wot, gwot []float64, p *[8]float64, mass float64, gep, cum []float64) {
	fisherUnitsV(mask, a, wot, gwot, p[:], mass, gep, cum)
}

// fisherUnitsV adds the Fisher diagonal's terms of a node's active units i
// (the set bits of mask, lowest first; units of one mask word) into the output
// weights' rows gwot[i·V:] and into gep[i] and cum[i]: for output weights
// M·a_i²·p_k(1 − p_k), for the hidden unit M·Var_p(Wo[·, i]) =
// M·max(0, E_p[Wo²] − E_p[Wo]²), the sums over outputs k in order.
func fisherUnitsV(mask uint64, a, wot, gwot, prob []float64, mass float64, gep, cum []float64) {
	v := len(prob)
	for mask != 0 {
		j := bits.TrailingZeros64(mask)
		mask &= mask - 1
		wo := wot[j*v : j*v+v]
		gwo := gwot[j*v : j*v+v]
		// Each product is rounded before it is summed (float64 forbids fused
		// multiply-adds), as in the assembly.
		h2 := float64(a[j] * a[j])
		e1, e2 := 0.0, 0.0
		for k, pk := range prob {
			t := float64(pk * wo[k])
			e1 += t
			e2 += float64(t * wo[k])
			gwo[k] += float64(float64(float64(mass*h2)*pk) * (1 - pk))
		}
		s := mass * max(0, e2-float64(e1*e1))
		gep[j] += s
		cum[j] += s
	}
}

// addBoth adds src into both a and b.
func addBoth(a, b, src []float64) {
	for i, c := range src {
		a[i] += c
		b[i] += c
	}
}
