package model

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// Trie is the tabular policy: a free vector of V logits for every prefix node of
// every prompt, with no parameter sharing — the most complex policy class. It
// identifies prompts by Input.ID, so it cannot generalise to prompts it was not
// trained on.
type Trie struct {
	sp      Space
	prompts int
	nodes   int // prefix nodes per prompt: 1 + V + … + V^(H-1)
	params  []float64
	lsm     []float64 // H×V scratch
	enumLsm []float64 // H×V scratch
}

// NewTrie returns a uniform trie policy over sp for prompts with IDs in [0, prompts).
func NewTrie(sp Space, prompts int) *Trie {
	if err := sp.Validate(); err != nil {
		panic("model: " + err.Error())
	}
	if prompts < 1 {
		panic(fmt.Sprintf("model: NewTrie needs prompts >= 1, got %d", prompts))
	}
	nodes := 0
	for t, w := 0, 1; t < sp.H; t, w = t+1, w*sp.V {
		nodes += w
	}
	return &Trie{sp: sp, prompts: prompts, nodes: nodes,
		params:  make([]float64, prompts*nodes*sp.V),
		lsm:     make([]float64, sp.H*sp.V),
		enumLsm: make([]float64, sp.H*sp.V)}
}

// Space returns the completion space.
func (p *Trie) Space() Space { return p.sp }

// Params returns the flat parameter vector.
func (p *Trie) Params() []float64 { return p.params }

// Normalised is true.
func (p *Trie) Normalised() bool { return true }

// Clone returns an independent copy.
func (p *Trie) Clone() Policy {
	c := NewTrie(p.sp, p.prompts)
	copy(c.params, p.params)
	return c
}

// node returns the offset of the logits of prefix node (depth t, prefix index pre).
func (p *Trie) node(id, t, pre int) int {
	if id < 0 || id >= p.prompts {
		panic(fmt.Sprintf("model: trie prompt ID %d out of range [0, %d)", id, p.prompts))
	}
	off := 0
	for k, w := 0, 1; k < t; k, w = k+1, w*p.sp.V {
		off += w
	}
	return ((id * p.nodes) + off + pre) * p.sp.V
}

// Score returns log π(y|x); with grad non-nil it adds scale·∇ log π to grad.
func (p *Trie) Score(x Input, y []int, grad []float64, scale float64) float64 {
	v := p.sp.V
	lp, pre := 0.0, 0
	for t, tok := range y {
		o := p.node(x.ID, t, pre)
		lsm := p.lsm[t*v : t*v+v]
		logSoftmaxInto(p.params[o:o+v], lsm)
		lp += lsm[tok]
		if grad != nil {
			g := grad[o : o+v]
			for k, l := range lsm {
				g[k] -= scale * exp(l)
			}
			g[tok] += scale
		}
		pre = pre*v + tok
	}
	return lp
}

// trieTape is the Trie's Tape: the nodes visited and their softmax probabilities.
type trieTape struct {
	p    *Trie
	n    int       // tokens recorded
	y    []int     // H
	node []int     // H node offsets
	prob []float64 // H×V
}

func (*trieTape) tape() {}

// NewTape returns a tape for Forward and Backward on this policy.
func (p *Trie) NewTape() Tape {
	h, v := p.sp.H, p.sp.V
	return &trieTape{p: p, y: make([]int, h), node: make([]int, h), prob: make([]float64, h*v)}
}

func (p *Trie) ownTape(tape Tape) *trieTape {
	tp, ok := tape.(*trieTape)
	if !ok || tp.p != p {
		panic("model: the tape was not made by this trie's NewTape")
	}
	return tp
}

// Forward returns Score(x, y, nil, 0) and records the pass on tape for Backward.
func (p *Trie) Forward(x Input, y []int, tape Tape) float64 {
	tp := p.ownTape(tape)
	v := p.sp.V
	lp, pre := 0.0, 0
	for t, tok := range y {
		o := p.node(x.ID, t, pre)
		lsm := tp.prob[t*v : t*v+v]
		logSoftmaxInto(p.params[o:o+v], lsm)
		lp += lsm[tok]
		for k, l := range lsm {
			lsm[k] = exp(l)
		}
		tp.node[t], tp.y[t] = o, tok
		pre = pre*v + tok
	}
	tp.n = len(y)
	return lp
}

// Backward adds scale·∇ log π(y|x) to grad for the pass last recorded on tape;
// with grad nil it does nothing.
func (p *Trie) Backward(tape Tape, grad []float64, scale float64) {
	tp := p.ownTape(tape)
	if grad == nil {
		return
	}
	v := p.sp.V
	for t, tok := range tp.y[:tp.n] {
		o := tp.node[t]
		g := grad[o : o+v]
		for k, q := range tp.prob[t*v : t*v+v] {
			g[k] -= scale * q
		}
		g[tok] += scale
	}
}

// Enumerate writes log π(y|x) for every completion into out.
func (p *Trie) Enumerate(x Input, out []float64) { p.enumerate(x.ID, 0, 0, 0, out) }

func (p *Trie) enumerate(id, t, pre int, lpPrefix float64, out []float64) {
	v := p.sp.V
	o := p.node(id, t, pre)
	lsm := p.enumLsm[t*v : t*v+v]
	logSoftmaxInto(p.params[o:o+v], lsm)
	for k := 0; k < v; k++ {
		if t == p.sp.H-1 {
			out[pre*v+k] = lpPrefix + lsm[k]
		} else {
			p.enumerate(id, t+1, pre*v+k, lpPrefix+lsm[k], out)
		}
	}
}

// Sample draws a completion token by token at the given temperature.
func (p *Trie) Sample(rng *rand.Rand, x Input, temperature float64, y []int) {
	v, pre := p.sp.V, 0
	for t := range y {
		o := p.node(x.ID, t, pre)
		y[t] = sampleLogits(rng, p.params[o:o+v], temperature)
		pre = pre*v + y[t]
	}
}

// Tilt is the sequence-level class π(y|x) ∝ π_ref(y|x)·exp(f_θ(x, y)/β) with f a
// reward model: exactly the policies that KL-regularised RL at coefficient β
// returns for rewards of f's class, Π(R) = {π*_r : r ∈ R}. Its parameters are
// f's, and its DPO implicit reward β·log(π/π_ref) is f itself (up to a constant
// per prompt). Score is log π_ref + f/β, unnormalised.
type Tilt struct {
	Ref  Policy      // π_ref, frozen
	F    RewardModel // the tilt f_θ
	Beta float64     // β > 0
	y    []int
	ref  map[int][]float64 // cached enumerations of π_ref by prompt ID
}

// NewTilt returns π ∝ ref·exp(f/β).
func NewTilt(ref Policy, f RewardModel, beta float64) *Tilt {
	if !(beta > 0) {
		panic(fmt.Sprintf("model: NewTilt needs beta > 0, got %v", beta))
	}
	return &Tilt{Ref: ref, F: f, Beta: beta, y: make([]int, ref.Space().H), ref: map[int][]float64{}}
}

// Space returns the completion space.
func (p *Tilt) Space() Space { return p.Ref.Space() }

// Params returns f's parameters.
func (p *Tilt) Params() []float64 { return p.F.Params() }

// Normalised is false: Score omits log Z(x).
func (p *Tilt) Normalised() bool { return false }

// Clone returns an independent copy.
func (p *Tilt) Clone() Policy { return NewTilt(p.Ref.Clone(), p.F.Clone(), p.Beta) }

// Score returns log π_ref(y|x) + f(x, y)/β; with grad non-nil it adds scale·∇(f/β) to grad.
func (p *Tilt) Score(x Input, y []int, grad []float64, scale float64) float64 {
	return p.Ref.Score(x, y, nil, 0) + p.F.Reward(x, y, grad, scale/p.Beta)/p.Beta
}

// Enumerate writes the normalised log π(y|x) for every completion into out.
func (p *Tilt) Enumerate(x Input, out []float64) {
	sp := p.Space()
	ref, ok := p.ref[x.ID]
	if !ok {
		ref = make([]float64, sp.Size())
		p.Ref.Enumerate(x, ref)
		p.ref[x.ID] = ref
	}
	if fe, ok := p.F.(RewardEnumerator); ok {
		fe.Rewards(x, out)
		for i, f := range out[:len(ref)] {
			out[i] = ref[i] + f/p.Beta
		}
	} else {
		for i := range out {
			sp.Decode(i, p.y)
			out[i] = ref[i] + p.F.Reward(x, p.y, nil, 0)/p.Beta
		}
	}
	z := floats.LogSumExp(out)
	for i := range out {
		out[i] -= z
	}
}
