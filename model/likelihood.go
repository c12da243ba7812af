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
//	F(θ) = (1/N) Σ_x KL(p*_x ‖ π_θ(·|x)) = (1/N) Σ_x Σ_y p*_x(y)·(log p*_x(y) − log π_θ(y|x)),
//
// the cross-entropy of maximum likelihood on the exact target distribution
// less its entropy, and, when grad is non-nil, adds ∇F to grad. It also
// returns the projection's own objective, the reverse KL L(θ) of Eval, from
// the same pass (summed in another order than Eval's, so not bit for bit
// Eval's value). Both are exact, by enumeration.
//
// F has the minimiser p* where the class holds p*, as L has; where it does
// not, F's minimiser covers every mode of p* while L's may sit on a few.
// Unlike L, whose gradient at a prefix is weighted by the policy's own mass
// there (so that a target mode the policy puts little mass on pulls weakly),
// F's logits' gradient at a prefix node s is weighted by the target's:
//
//	∂F/∂z_s(a) = M*(s)·(p(a|s) − p*(a|s)),
//
// with M*(s) the target's mass of the prefix s and p*(·|s) its conditionals,
// known before the subtree is visited; one backward pass over the prefix tree
// (as Eval's) gives ∇F. Exact RLHF uses F as a warm start for L (see
// recipe.RLHFConfig.WarmSteps).
//
// The targets' prefix masses are computed at the first call and kept: the
// Targets must not change after it. It panics for classes other than the MLP
// (see HasForwardKL). It allocates nothing after the first call.
func (p *Projection) ForwardKL(grad []float64) (fwd, rev float64) {
	if p.mp == nil {
		panic(fmt.Sprintf("model: no forward KL for policy type %T", p.Policy))
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
	w.scale, w.grad = scale, grad != nil
	if w.grad {
		w.g = m.gradViews(grad)
		if w.batchLeafParents() {
			outputMajor(w.wo, m.wot, d, m.sp.V)
		}
	}
	for i, x := range p.Inputs {
		w.target, w.tmass, w.xent = p.Targets[i], p.fwd.mass[i], 0
		m.base(x, w.acc[:d])
		w.eval(0)
		if w.grad {
			clear(w.cum[:d])
		}
		r := w.fwdVisit(0, 0, 0, 1, nil, nil)
		if w.grad {
			m.baseGrad(x, w.cum[:d], w.g.wx, w.g.b)
		}
		fwd += scale * (p.fwd.negEnt[i] - w.xent)
		rev += scale * r
	}
	return fwd, rev
}

// prefixMasses are the targets' masses of every prefix, for ForwardKL.
type prefixMasses struct {
	// mass[i] holds prompt i's masses level by level: the root (1), the V
	// prefixes of length 1, …, the V^H completions, each level in prefix-index
	// order.
	mass   [][]float64
	negEnt []float64 // Σ_y p*(y)·log p*(y) per prompt
}

func newPrefixMasses(sp Space, targets [][]float64) *prefixMasses {
	pm := &prefixMasses{mass: make([][]float64, len(targets)), negEnt: make([]float64, len(targets))}
	n := 0
	for t, w := 0, 1; t <= sp.H; t, w = t+1, w*sp.V {
		n += w
	}
	for i, tg := range targets {
		ms := make([]float64, n)
		leaves := ms[n-len(tg):]
		ne := 0.0
		for j, l := range tg {
			leaves[j] = math.Exp(l)
			if leaves[j] > 0 {
				ne += leaves[j] * l
			}
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
		pm.mass[i], pm.negEnt[i] = ms, ne
	}
	return pm
}

// level returns the masses of the prefixes of length t (V^t of them) within
// one prompt's masses.
func (w *mlpProj) level(t int) []float64 {
	v := w.m.sp.V
	lo, n := 0, 1
	for range t {
		lo += n
		n *= v
	}
	return w.tmass[lo : lo+n]
}

// fwdVisit is ForwardKL's walk of the subtree of the node at depth t with
// prefix index node, log-mass lp and mass M under the policy, whose network
// state eval has computed: it adds Σ_s M*(s)·Σ_a p*(a|s)·log p(a|s) over the
// subtree's decision nodes into w.xent, with a gradient runs the backward pass
// (as visit, with F's logits' gradient), and returns the subtree's share of
// the reverse KL, Σ_y π(y)·(log π(y) − log p*(y)) over its completions.
func (w *mlpProj) fwdVisit(t, node int, lp, mass float64, get, pcum []float64) float64 {
	d, v, H := w.m.d, w.m.sp.V, w.m.sp.H
	prob, lsm := w.prob[t*v:t*v+v], w.lsm[t*v:t*v+v]
	cum := w.cum[t*d : t*d+d]
	ms := w.level(t)[node]
	cm := w.level(t + 1)[node*v : node*v+v]
	x := 0.0
	for k, l := range lsm {
		x += cm[k] * l
	}
	w.xent += x
	rev := 0.0
	switch {
	case t == H-1:
		tg := w.target[node*v : node*v+v]
		for k, l := range lsm {
			rev += prob[k] * (lp + l - tg[k])
		}
		rev *= mass
	case t+1 == H-1 && w.batchLeafParents():
		if w.grad {
			clear(cum)
		}
		rev = w.fwdLeafParents(t, node, lp, mass, lsm, prob, cum)
	default:
		if w.grad {
			clear(cum)
		}
		m := w.m
		next := w.acc[(t+1)*d : (t+2)*d]
		acc := w.acc[t*d : t*d+d]
		ets := m.etok[t*v*d : (t+1)*v*d]
		for k, l := range lsm {
			if t+1 == H-1 {
				w.evalLeafParent(t+1, acc, ets[k*d:k*d+d])
			} else {
				addInto(next, acc, ets[k*d:k*d+d])
				w.eval(t + 1)
			}
			var gk []float64
			if w.grad {
				gk = w.g.etok[(t*v+k)*d : (t*v+k)*d+d]
			}
			rev += w.fwdVisit(t+1, node*v+k, lp+l, mass*prob[k], gk, cum)
		}
	}
	if w.grad {
		dl := w.dl[:v]
		forwardWeights(prob, cm, ms, w.scale, dl)
		w.nodeBackward(t, dl, get, pcum)
	}
	return rev
}

// fwdLeafParents is fwdVisit's loop over the children of the node at depth
// t = H−2 (the leaves' parents), their forward pass together
// (leafParentsForward), as mlpProj.leafParents does for visit. plsm, pprob and
// lp, mass are the node's log-conditionals, conditionals, log-mass and mass;
// the children's hidden-state sums go to cum (the node's). It returns the
// children's share of the reverse KL.
func (w *mlpProj) fwdLeafParents(t, node int, lp, mass float64, plsm, pprob, cum []float64) float64 {
	d, v := w.m.d, w.m.sp.V
	prob, lsm := w.leafParentsForward(t)
	ms, cms := w.level(t+1), w.level(t+2)
	var gep []float64
	if w.grad {
		gep = w.g.epos[(t+1)*d : (t+2)*d]
	}
	rev := 0.0
	for k, l := range plsm {
		nk := node*v + k
		lpk := lp + l
		pr, ls := prob[k*v:k*v+v], lsm[k*v:k*v+v]
		tg := w.target[nk*v : nk*v+v]
		cm := cms[nk*v : nk*v+v]
		x, r := 0.0, 0.0
		for j, l := range ls {
			x += cm[j] * l
			r += pr[j] * (lpk + l - tg[j])
		}
		w.xent += x
		rev += mass * pprob[k] * r
		if w.grad {
			dl := w.dl[:v]
			forwardWeights(pr, cm, ms[nk], w.scale, dl)
			w.leafParentBackward(t, k, dl, gep, cum)
		}
	}
	return rev
}

// forwardWeights writes ForwardKL's logits' gradient at a node into dl:
// dl[a] = scale·(M*(s)·p(a|s) − M*(s·a)), with ms = M*(s) and cm the
// children's target masses M*(s·a).
func forwardWeights(prob, cm []float64, ms, scale float64, dl []float64) {
	for k, pk := range prob {
		dl[k] = scale * (ms*pk - cm[k])
	}
}
