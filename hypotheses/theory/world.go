package theory

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// maxTrajectories bounds V^H so that enumeration stays exact and cheap.
const maxTrajectories = 4096

// tree is the prefix tree of a tabular autoregressive world: prompts
// independent trees of depth horizon and branching vocab. A policy in Π is a
// vector of logits, one per (prefix node, action), laid out node-major:
// theta[node*vocab+a]. A trajectory (a completion of a prompt) is a leaf; its
// global index is prompt*leaves + the base-vocab number of its tokens, first
// token most significant.
type tree struct {
	prompts, vocab, horizon int
	nodes                   int   // internal (prefix) nodes per prompt: (V^H − 1)/(V − 1)
	leaves                  int   // trajectories per prompt: V^H
	depthOff                []int // index of the first node of depth d within a prompt
}

// newTree returns the prefix tree for the given sizes, or an error naming the
// bad field.
func newTree(prompts, vocab, horizon int) (*tree, error) {
	switch {
	case prompts < 1:
		return nil, fmt.Errorf("prompts must be ≥ 1, got %d", prompts)
	case vocab < 2:
		return nil, fmt.Errorf("vocab must be ≥ 2, got %d", vocab)
	case horizon < 1:
		return nil, fmt.Errorf("horizon must be ≥ 1, got %d", horizon)
	}
	leaves := 1
	for range horizon {
		leaves *= vocab
		if leaves > maxTrajectories {
			return nil, fmt.Errorf("vocab^horizon must be ≤ %d, got %d^%d", maxTrajectories, vocab, horizon)
		}
	}
	t := &tree{prompts: prompts, vocab: vocab, horizon: horizon, leaves: leaves}
	t.depthOff = make([]int, horizon+1)
	width := 1
	for d := 1; d <= horizon; d++ {
		t.depthOff[d] = t.depthOff[d-1] + width
		width *= vocab
	}
	t.nodes = t.depthOff[horizon]
	return t, nil
}

// numParams is the number of logits of a policy in Π.
func (t *tree) numParams() int { return t.prompts * t.nodes * t.vocab }

// numTraj is the number of trajectories over all prompts.
func (t *tree) numTraj() int { return t.prompts * t.leaves }

// node is the global index of the prefix node of prompt p at depth d whose
// tokens, read as a base-vocab number, are k.
func (t *tree) node(p, d, k int) int { return p*t.nodes + t.depthOff[d] + k }

// width is the number of prefix nodes at depth d < horizon, V^d.
func (t *tree) width(d int) int { return t.depthOff[d+1] - t.depthOff[d] }

// logProbs writes log P_θ(ξ) = Σ_h log π_θ(a_h|s_h) for every trajectory into out.
func (t *tree) logProbs(theta, out []float64) {
	V := t.vocab
	prefix := make([]float64, t.leaves)
	next := make([]float64, t.leaves)
	for p := range t.prompts {
		prefix[0] = 0
		for d := range t.horizon {
			for k := range t.width(d) {
				base := t.node(p, d, k) * V
				lse := floats.LogSumExp(theta[base : base+V])
				for a := range V {
					next[k*V+a] = prefix[k] + theta[base+a] - lse
				}
			}
			prefix, next = next, prefix
		}
		copy(out[p*t.leaves:(p+1)*t.leaves], prefix)
	}
}

// probs returns P_θ(ξ) for every trajectory.
func (t *tree) probs(theta []float64) []float64 {
	out := make([]float64, t.numTraj())
	t.logProbs(theta, out)
	for i, v := range out {
		out[i] = math.Exp(v)
	}
	return out
}

// backprop turns a per-trajectory sensitivity g(ξ) = ∂f/∂log P_θ(ξ) into the
// gradient of f with respect to the logits, using
// ∂log P_θ(ξ)/∂θ[s,a] = 1[s ∈ ξ]·(1[ξ takes a at s] − π_θ(a|s)), so that
// ∂f/∂θ[s,a] = G(s·a) − π_θ(a|s)·G(s), with G(node) the sum of g over the
// trajectories through node. grad is overwritten.
func (t *tree) backprop(theta, g, grad []float64) {
	V := t.vocab
	below := make([]float64, t.leaves)
	up := make([]float64, t.leaves)
	pi := make([]float64, V)
	for p := range t.prompts {
		copy(below, g[p*t.leaves:(p+1)*t.leaves])
		for d := t.horizon - 1; d >= 0; d-- {
			for k := range t.width(d) {
				base := t.node(p, d, k) * V
				softmax(theta[base:base+V], pi)
				sum := 0.0
				for a := range V {
					sum += below[k*V+a]
				}
				up[k] = sum
				for a := range V {
					grad[base+a] = below[k*V+a] - pi[a]*sum
				}
			}
			below, up = up, below
		}
	}
}

// softOptimal returns logits of the exact KL-regularised RL solution
// π* = argmax_π E_π[r] − β·KL(P_π ‖ P_ref), i.e. the reverse-KL projection
// P_π* ∝ P_ref·exp(r/β), computed token by token with the soft value
// recursion W(ξ) = r(ξ)/β at the leaves, W(s) = log Σ_a π_ref(a|s)·exp(W(s·a)),
// π*(a|s) = π_ref(a|s)·exp(W(s·a) − W(s)). The returned logits are
// log π_ref(a|s) + W(s·a) (softmax-normalised they give π*). logZ receives
// W(root) = log E_ref[exp(r/β)] per prompt when it is non-nil.
func (t *tree) softOptimal(refLogits, r []float64, beta float64, logZ []float64) []float64 {
	V := t.vocab
	out := make([]float64, len(refLogits))
	below := make([]float64, t.leaves)
	up := make([]float64, t.leaves)
	lref := make([]float64, V)
	for p := range t.prompts {
		for i := range t.leaves {
			below[i] = r[p*t.leaves+i] / beta
		}
		for d := t.horizon - 1; d >= 0; d-- {
			for k := range t.width(d) {
				base := t.node(p, d, k) * V
				logSoftmax(refLogits[base:base+V], lref)
				for a := range V {
					out[base+a] = lref[a] + below[k*V+a]
				}
				up[k] = floats.LogSumExp(out[base : base+V])
			}
			below, up = up, below
		}
		if logZ != nil {
			logZ[p] = below[0]
		}
	}
	return out
}

// softmax writes softmax(x) into out.
func softmax(x, out []float64) {
	lse := floats.LogSumExp(x)
	for i, v := range x {
		out[i] = math.Exp(v - lse)
	}
}

// logSoftmax writes log softmax(x) into out.
func logSoftmax(x, out []float64) {
	lse := floats.LogSumExp(x)
	for i, v := range x {
		out[i] = v - lse
	}
}

// logSigmoid returns log σ(x) = −log(1 + e^{−x}) without overflow.
func logSigmoid(x float64) float64 {
	if x >= 0 {
		return -math.Log1p(math.Exp(-x))
	}
	return x - math.Log1p(math.Exp(x))
}

// sigmoid returns σ(x) = 1/(1 + e^{−x}).
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
