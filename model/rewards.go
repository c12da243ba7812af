package model

import "math/bits"

// RewardEnumerator is a reward model that scores every completion of a prompt
// in one pass, bit-identical to calling Reward on each.
type RewardEnumerator interface {
	RewardModel
	// Rewards writes r(x, y) for every completion index into out, len V^H.
	Rewards(x Input, out []float64)
}

// Rewards writes r(x, y) for every completion into out (len V^H) by a
// depth-first walk of the prefix tree, as MLP.Enumerate does: the embedding
// sum of each prefix is computed once and shared by its subtree. Every value
// is bit-identical to Reward's (for pre-activations that are not NaN).
func (r *BackboneRM) Rewards(x Input, out []float64) {
	d := r.d
	out = out[:r.sp.Size()]
	if len(r.wacc) < (r.sp.H+1)*d {
		r.wacc = make([]float64, (r.sp.H+1)*d)
		r.mask = make([]uint64, maskWords(d))
	}
	r.base(x, r.wacc[:d])
	r.rewardsFrom(0, 0, out)
}

// rewardsFrom scores the subtree of the prefix node at depth t with index node,
// whose embedding sum Wx·bag(x) + b + Σ_{j<t} Etok[j, y_j] is wacc[t].
func (r *BackboneRM) rewardsFrom(t, node int, out []float64) {
	d, v, H := r.d, r.sp.V, r.sp.H
	acc := r.wacc[t*d : t*d+d]
	ets := r.etok[t*v*d : (t+1)*v*d]
	if t == H-1 {
		// The children are leaves: a = (acc + Etok) + Epos[H], then w·relu(a) + c
		// over the active units in increasing order, as Reward sums.
		ep := r.epos[H*d : H*d+d]
		a, mask, w := r.a, r.mask, r.w
		o := out[node*v : node*v+v]
		for k := range o {
			activate3(acc, ets[k*d:k*d+d], ep, a, mask)
			s := r.c[0]
			for wd, bm := range mask {
				for bm != 0 {
					i := wd*64 + bits.TrailingZeros64(bm)
					bm &= bm - 1
					s += w[i] * a[i]
				}
			}
			o[k] = s
		}
		return
	}
	next := r.wacc[(t+1)*d : (t+2)*d]
	for k := range v {
		addInto(next, acc, ets[k*d:k*d+d])
		r.rewardsFrom(t+1, node*v+k, out)
	}
}

// Rewards writes r(x, y) for every completion into out (len V^H), keeping the
// running sum of each prefix: bit-identical to Reward's.
func (r *LinearRM) Rewards(x Input, out []float64) {
	v, H := r.sp.V, r.sp.H
	out = out[:r.sp.Size()]
	u := r.params[r.p*v:]
	var part [9]float64 // part[t]: the sum over the first t tokens
	var walk func(t, node int)
	walk = func(t, node int) {
		for k := range v {
			s := part[t] + u[k]
			for _, f := range x.Bag {
				s += f.Value * r.params[f.Index*v+k]
			}
			if t == H-1 {
				out[node*v+k] = s
				continue
			}
			part[t+1] = s
			walk(t+1, node*v+k)
		}
	}
	walk(0, 0)
}

// Rewards writes β·log π_φ(y|x) for every completion into out (len V^H): by
// one enumeration when π_φ is an mlp (whose Enumerate is bit-identical to its
// Score), else completion by completion.
func (r *LocalRM) Rewards(x Input, out []float64) {
	sp := r.Policy.Space()
	out = out[:sp.Size()]
	if m, ok := r.Policy.(*MLP); ok {
		m.Enumerate(x, out)
		for i, l := range out {
			out[i] = r.Beta * l
		}
		return
	}
	y := make([]int, sp.H)
	for i := range out {
		sp.Decode(i, y)
		out[i] = r.Reward(x, y, nil, 0)
	}
}
