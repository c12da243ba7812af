package model

import (
	"fmt"
	"math"
)

// HasForwardKL reports whether ForwardKL supports the policy class: the MLP.
func (p *Projection) HasForwardKL() bool { return p.mp != nil }

// ForwardKL returns the mean over the prompts of the forward KL from the
// targets to the policy,
//
//	F(θ) = (1/N) Σ_x KL(p*_x ‖ π_θ(·|x)) = (1/N) Σ_x Σ_s M*(s)·KL(p*(·|s) ‖ π_θ(·|s)),
//
// the cross-entropy of maximum likelihood on the exact target distribution
// less its entropy, written by the chain rule as a sum over the decision nodes
// s of the prefix tree (M*(s) the target's mass of the prefix s, p*(·|s) its
// conditionals), and, when grad is non-nil, adds ∇F to grad. With ForwardTol
// > 0 the nodes whose target mass is below ForwardTol are left out of the sum,
// and with them their subtrees (whose masses are smaller still): F is then a
// sum of fewer nonnegative terms, each dropped one below ForwardTol times a
// conditional KL, and the walk skips those subtrees entirely. Either way F and
// its gradient are computed exactly, by enumeration of what is kept.
//
// F has the minimiser p* where the class holds p*, as L has; where it does
// not, F's minimiser covers every mode of p* while L's may sit on a few.
// Unlike L, whose gradient at a prefix is weighted by the policy's own mass
// there (so that a target mode the policy puts little mass on pulls weakly),
// F's logits' gradient at a node s is weighted by the target's:
//
//	∂F/∂z_s(a) = M*(s)·(p(a|s) − p*(a|s)),
//
// known before the subtree is visited; one backward pass over the prefix tree
// (as Eval's) gives ∇F. Exact RLHF uses F as a warm start for L (see
// recipe.RLHFConfig.WarmSteps).
//
// The targets' prefix masses are computed at the first call and kept: the
// Targets must not change after it. It panics for classes other than the MLP
// (see HasForwardKL) and for a ForwardTol outside [0, 1). It allocates nothing
// after the first call.
func (p *Projection) ForwardKL(grad []float64) float64 {
	if p.mp == nil {
		panic(fmt.Sprintf("model: no forward KL for policy type %T", p.Policy))
	}
	if !(p.ForwardTol >= 0 && p.ForwardTol < 1) {
		panic(fmt.Sprintf("model: ForwardTol must be in [0, 1), got %v", p.ForwardTol))
	}
	if grad != nil && len(grad) != len(p.Policy.Params()) {
		panic(fmt.Sprintf("model: gradient has %d entries, the policy has %d parameters", len(grad), len(p.Policy.Params())))
	}
	if p.fwd == nil {
		p.fwd = newPrefixMasses(p.Policy.Space(), p.Targets)
	}
	w := p.mp
	m := w.m
	d := m.d
	scale := 1 / float64(len(p.Inputs))
	w.scale, w.grad, w.tol = scale, grad != nil, p.ForwardTol
	if w.grad {
		w.g = m.gradViews(grad)
		if w.batchLeafParents() {
			outputMajor(w.wo, m.wot, d, m.sp.V)
		}
	}
	fwd := 0.0
	for i, x := range p.Inputs {
		w.tmass, w.tent, w.fkl = p.fwd.mass[i], p.fwd.ent[i], 0
		m.base(x, w.acc[:d])
		w.eval(0)
		if w.grad {
			clear(w.cum[:d])
		}
		w.fwdVisit(0, 0, nil, nil)
		if w.grad {
			m.baseGrad(x, w.cum[:d], w.g.wx, w.g.b)
		}
		fwd += scale * w.fkl
	}
	return fwd
}

// prefixMasses are the targets' masses of every prefix, for ForwardKL.
type prefixMasses struct {
	// mass[i] holds prompt i's masses level by level: the root (1), the V
	// prefixes of length 1, …, the V^H completions, each level in prefix-index
	// order.
	mass [][]float64
	// ent[i] holds, laid out as mass[i] over the decision nodes (levels 0 …
	// H−1), Σ_a M*(s·a)·log(M*(s·a)/M*(s)): the node's term of F less its
	// cross-entropy part.
	ent [][]float64
}

func newPrefixMasses(sp Space, targets [][]float64) *prefixMasses {
	pm := &prefixMasses{mass: make([][]float64, len(targets)), ent: make([][]float64, len(targets))}
	n := 0
	for t, w := 0, 1; t <= sp.H; t, w = t+1, w*sp.V {
		n += w
	}
	for i, tg := range targets {
		ms := make([]float64, n)
		leaves := ms[n-len(tg):]
		for j, l := range tg {
			leaves[j] = math.Exp(l)
		}
		// Each level's masses are the sums of the next level's, V at a time.
		for hi := n - len(tg); hi > 0; {
			lw := len(leaves) / sp.V
			lo := hi - lw
			for k := range lw {
				s := 0.0
				for _, c := range leaves[k*sp.V : k*sp.V+sp.V] {
					s += c
				}
				ms[lo+k] = s
			}
			leaves, hi = ms[lo:hi], lo
		}
		ent := make([]float64, n-len(tg))
		for lo, w := 0, 1; lo < len(ent); lo, w = lo+w, w*sp.V {
			for k := range w {
				ls, e := math.Log(ms[lo+k]), 0.0
				for _, c := range ms[lo+w+k*sp.V : lo+w+k*sp.V+sp.V] {
					if c > 0 {
						e += c * (math.Log(c) - ls)
					}
				}
				ent[lo+k] = e
			}
		}
		pm.mass[i], pm.ent[i] = ms, ent
	}
	return pm
}

// level returns the offset and number of the prefixes of length t (V^t of
// them) within one prompt's masses.
func (w *mlpProj) level(t int) (lo, n int) {
	v := w.m.sp.V
	n = 1
	for range t {
		lo += n
		n *= v
	}
	return lo, n
}

// fwdVisit is ForwardKL's walk of the subtree of the kept node at depth t
// with prefix index node, whose network state eval has computed: it adds the
// node's term of F, M*(s)·KL(p*(·|s) ‖ p(·|s)), and those of its kept
// descendants into w.fkl and, with a gradient, runs the backward pass (as
// visit, with F's logits' gradient), adding the subtree's hidden-state
// gradients into get and pcum as visit does.
func (w *mlpProj) fwdVisit(t, node int, get, pcum []float64) {
	d, v, H := w.m.d, w.m.sp.V, w.m.sp.H
	prob, lsm := w.prob[t*v:t*v+v], w.lsm[t*v:t*v+v]
	cum := w.cum[t*d : t*d+d]
	lo, n := w.level(t)
	ms := w.tmass[lo+node]
	cm := w.tmass[lo+n+node*v : lo+n+node*v+v]
	w.fkl += w.tent[lo+node] - crossTerm(cm, lsm)
	switch {
	case t == H-1:
	case t+1 == H-1 && w.batchLeafParents() && fwdKept(cm, w.tol) > serialMax:
		if w.grad {
			clear(cum)
		}
		w.fwdLeafParents(t, node, cm, cum)
	default:
		if w.grad {
			clear(cum)
		}
		for k, c := range cm {
			if c < w.tol || c == 0 {
				continue // left out with its subtree
			}
			gk := w.enterChild(t, k)
			w.fwdVisit(t+1, node*v+k, gk, cum)
		}
	}
	if w.grad {
		dl := w.dl[:v]
		forwardWeights(prob, cm, ms, w.scale, dl)
		w.nodeBackward(t, dl, get, pcum)
	}
}

// fwdLeafParents is fwdVisit's loop over the children of the kept node at
// depth t = H−2 (the leaves' parents), with target masses cm: their forward
// pass together (leafParentsForward), as mlpProj.leafParents does for visit,
// then each kept child's term of F and backward pass, in order; the children's
// hidden-state sums go to cum (the node's).
func (w *mlpProj) fwdLeafParents(t, node int, cm, cum []float64) {
	d, v := w.m.d, w.m.sp.V
	prob, lsm := w.leafParentsForward(t)
	lo, n := w.level(t + 1)
	var gep []float64
	if w.grad {
		gep = w.g.epos[(t+1)*d : (t+2)*d]
	}
	for k, c := range cm {
		if c < w.tol || c == 0 {
			continue // left out
		}
		nk := node*v + k
		ccm := w.tmass[lo+n+nk*v : lo+n+nk*v+v]
		pr, ls := prob[k*v:k*v+v], lsm[k*v:k*v+v]
		w.fkl += w.tent[lo+nk] - crossTerm(ccm, ls)
		if w.grad {
			dl := w.dl[:v]
			forwardWeights(pr, ccm, c, w.scale, dl)
			w.leafParentBackward(t, k, dl, gep, cum)
		}
	}
}

// fwdKept returns the number of children, of target masses cm, that
// ForwardKL's walk keeps at tolerance tol.
func fwdKept(cm []float64, tol float64) int {
	n := 0
	for _, c := range cm {
		if !(c < tol || c == 0) {
			n++
		}
	}
	return n
}

// crossTerm returns Σ_a M*(s·a)·log p(a|s) at a node: cm the children's target
// masses, lsm the node's log-conditionals.
func crossTerm(cm, lsm []float64) float64 {
	x := 0.0
	for k, l := range lsm {
		x += cm[k] * l
	}
	return x
}

// forwardWeights writes ForwardKL's logits' gradient at a node into dl:
// dl[a] = scale·(M*(s)·p(a|s) − M*(s·a)), with ms = M*(s) and cm the
// children's target masses M*(s·a).
func forwardWeights(prob, cm []float64, ms, scale float64, dl []float64) {
	for k, pk := range prob {
		dl[k] = scale * (ms*pk - cm[k])
	}
}
