package model

import (
	"fmt"

	"gonum.org/v1/gonum/floats"
)

// SetFromJoint sets the trie's logits for prompt id so that its distribution is
// exactly the joint log-probabilities lp (len V^H): each node's logit for token v is
// the log-marginal of the prefix extended by v. It lets a trie start from any
// policy's distribution (e.g. the SFT checkpoint).
func (p *Trie) SetFromJoint(id int, lp []float64) {
	v, h := p.sp.V, p.sp.H
	if len(lp) != p.sp.Size() {
		panic(fmt.Sprintf("model: SetFromJoint needs %d log-probabilities, got %d", p.sp.Size(), len(lp)))
	}
	level := append([]float64(nil), lp...) // log-marginals of prefixes of length t+1
	for t := h - 1; t >= 0; t-- {
		// level has V^(t+1) entries: marginals of prefixes of length t+1.
		n := len(level) / v
		for pre := range n {
			o := p.node(id, t, pre)
			copy(p.params[o:o+v], level[pre*v:pre*v+v])
		}
		up := make([]float64, n)
		for pre := range n {
			up[pre] = floats.LogSumExp(level[pre*v : pre*v+v])
		}
		level = up
	}
}
