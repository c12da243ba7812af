package model

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// BackboneRM is the mlp trunk with a scalar head on the last position,
// r(x, y) = w·h_H + c, like a reward model fine-tuned from an SFT network.
type BackboneRM struct {
	trunk
	params []float64
	w      []float64 // D head weights
	c      []float64 // 1 head bias

	acc, a, da []float64 // D scratch
	wacc       []float64 // (H+1)×D: Rewards' prefix sums, made on first use
	mask       []uint64  // Rewards' active units
}

// NewBackboneRM returns a reward model whose trunk is copied from the policy init
// (the SFT network of the same width) and whose head is drawn from rng with
// standard deviation headSD/sqrt(D).
func NewBackboneRM(init *MLP, headSD float64, rng *rand.Rand) *BackboneRM {
	r := newBackboneRM(init.sp, init.p, init.d)
	copy(r.params, init.params[:trunkSize(init.sp, init.p, init.d)])
	normal(rng, r.w, headSD/math.Sqrt(float64(init.d)))
	return r
}

func newBackboneRM(sp Space, p, d int) *BackboneRM {
	r := &BackboneRM{trunk: trunk{sp: sp, p: p, d: d}}
	n := trunkSize(sp, p, d)
	r.params = make([]float64, n+d+1)
	r.trunk.bind(r.params)
	r.w = r.params[n : n+d : n+d]
	r.c = r.params[n+d : n+d+1]
	r.acc = make([]float64, d)
	r.a = make([]float64, d)
	r.da = make([]float64, d)
	return r
}

// Params returns the flat parameter vector.
func (r *BackboneRM) Params() []float64 { return r.params }

// Width is the hidden width D.
func (r *BackboneRM) Width() int { return r.d }

// Clone returns an independent copy.
func (r *BackboneRM) Clone() RewardModel {
	c := newBackboneRM(r.sp, r.p, r.d)
	copy(c.params, r.params)
	return c
}

// Reward returns r(x, y); with grad non-nil it adds scale·∇r to grad.
func (r *BackboneRM) Reward(x Input, y []int, grad []float64, scale float64) float64 {
	d, v, H := r.d, r.sp.V, r.sp.H
	r.base(x, r.acc)
	for t := 0; t < H; t++ {
		et := r.etok[(t*v+y[t])*d : (t*v+y[t])*d+d]
		addVec(r.acc, r.acc, et)
	}
	addVec(r.a, r.acc, r.epos[H*d:H*d+d])
	// The units with a > 0, as a bitmask: the sums below visit them in
	// increasing order without a branch on each unit's sign.
	if len(r.mask) < maskWords(d) {
		r.mask = make([]uint64, maskWords(d))
	}
	mask := r.mask[:maskWords(d)]
	positive(r.a, mask)
	a, w := r.a, r.w[:d]
	out := r.c[0]
	for wd, bm := range mask {
		for bm != 0 {
			i := wd*64 + bits.TrailingZeros64(bm)
			bm &= bm - 1
			out += w[i] * a[i]
		}
	}
	if grad == nil {
		return out
	}
	var g trunk = r.trunk
	g.bind(grad)
	n := trunkSize(r.sp, r.p, d)
	gw := grad[n : n+d]
	grad[n+d] += scale
	da := r.da[:d]
	clear(da)
	for wd, bm := range mask {
		for bm != 0 {
			i := wd*64 + bits.TrailingZeros64(bm)
			bm &= bm - 1
			gw[i] += scale * a[i]
			da[i] = scale * w[i]
		}
	}
	gep := g.epos[H*d : H*d+d]
	addVec(gep, gep, r.da)
	for t := 0; t < H; t++ {
		get := g.etok[(t*v+y[t])*d : (t*v+y[t])*d+d]
		addVec(get, get, r.da)
	}
	r.baseGrad(x, r.da, g.wx, g.b)
	return out
}

// LinearRM is the bilinear reward r(x, y) = Σ_t (u[y_t] + Σ_f f.Value·W[f.Index, y_t]):
// token counts of the completion weighted by the prompt's bag of tokens.
type LinearRM struct {
	sp     Space
	p      int
	params []float64 // W (P×V) then u (V)
}

// NewLinearRM returns a zero-initialised linear reward model for prompts with p symbols.
func NewLinearRM(sp Space, p int) *LinearRM {
	return &LinearRM{sp: sp, p: p, params: make([]float64, (p+1)*sp.V)}
}

// Params returns the flat parameter vector.
func (r *LinearRM) Params() []float64 { return r.params }

// Clone returns an independent copy.
func (r *LinearRM) Clone() RewardModel {
	c := NewLinearRM(r.sp, r.p)
	copy(c.params, r.params)
	return c
}

// Reward returns r(x, y); with grad non-nil it adds scale·∇r to grad.
func (r *LinearRM) Reward(x Input, y []int, grad []float64, scale float64) float64 {
	v := r.sp.V
	u := r.params[r.p*v:]
	out := 0.0
	for _, tok := range y {
		out += u[tok]
		if grad != nil {
			grad[r.p*v+tok] += scale
		}
		for _, f := range x.Bag {
			out += f.Value * r.params[f.Index*v+tok]
			if grad != nil {
				grad[f.Index*v+tok] += scale * f.Value
			}
		}
	}
	return out
}

// LocalRM is the reward implied by a policy of the policy class, r(x, y) = β·log π_φ(y|x):
// the paper's local reward model, trained by Bradley–Terry like any other.
type LocalRM struct {
	Policy Policy  // π_φ, normalised
	Beta   float64 // β > 0
}

// NewLocalRM wraps a normalised policy as a local reward model.
func NewLocalRM(p Policy, beta float64) *LocalRM {
	if !p.Normalised() {
		panic("model: LocalRM needs a normalised policy")
	}
	if !(beta > 0) {
		panic(fmt.Sprintf("model: LocalRM beta must be > 0, got %v", beta))
	}
	return &LocalRM{Policy: p, Beta: beta}
}

// Params returns the wrapped policy's parameters.
func (r *LocalRM) Params() []float64 { return r.Policy.Params() }

// Clone returns an independent copy.
func (r *LocalRM) Clone() RewardModel { return &LocalRM{Policy: r.Policy.Clone(), Beta: r.Beta} }

// Reward returns β·log π_φ(y|x); with grad non-nil it adds scale·∇r to grad.
func (r *LocalRM) Reward(x Input, y []int, grad []float64, scale float64) float64 {
	return r.Beta * r.Policy.Score(x, y, grad, scale*r.Beta)
}
