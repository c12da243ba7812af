// Package model holds gapbench's policy and reward-model networks: forward passes,
// hand-written backward passes, temperature sampling and exact enumeration of a
// policy's distribution over every completion of a prompt.
//
// A completion is H tokens from a vocabulary of V symbols; the completion space has
// V^H members, indexed base V with the first token most significant. Policies are
// autoregressive (mlp, trie) or sequence-level tilts of a reference policy (tilt).
// Reward models map (prompt, completion) to a scalar.
//
// Every model keeps its own scratch buffers, so forward, backward and sampling
// allocate nothing per call; the price is that a model value must not be used from
// two goroutines at once. Clone gives an independent copy. Gradients are written by
// hand and checked against central finite differences in the tests.
//
// The package is not for training (see package trainer) or for data (package
// datasets); it only computes.
package model

import "fmt"

// Space is the completion space: sequences of H tokens over V symbols.
type Space struct {
	V int // vocabulary size
	H int // horizon: tokens per completion
}

// Size is the number of completions, V^H.
func (s Space) Size() int {
	n := 1
	for range s.H {
		n *= s.V
	}
	return n
}

// Validate reports whether the space is usable.
func (s Space) Validate() error {
	if s.V < 2 {
		return fmt.Errorf("vocabulary size V must be >= 2, got %d", s.V)
	}
	if s.H < 1 || s.H > 8 {
		return fmt.Errorf("horizon H must be in [1, 8], got %d", s.H)
	}
	if s.Size() > 1<<20 {
		return fmt.Errorf("completion space V^H = %d^%d is too large to enumerate (max 2^20)", s.V, s.H)
	}
	return nil
}

// Decode writes the tokens of completion idx into y (len H), first token most significant.
func (s Space) Decode(idx int, y []int) {
	for t := s.H - 1; t >= 0; t-- {
		y[t] = idx % s.V
		idx /= s.V
	}
}

// Encode returns the index of completion y.
func (s Space) Encode(y []int) int {
	idx := 0
	for _, v := range y {
		idx = idx*s.V + v
	}
	return idx
}

// Feature is one non-zero entry of a prompt's bag-of-tokens vector.
type Feature struct {
	Index int     // prompt-vocabulary symbol
	Value float64 // its (normalised) count
}

// Input is what a model sees of a prompt: its identity (used only by the
// table-based trie class) and its sparse bag of tokens.
type Input struct {
	ID  int       // prompt index in the world, 0 <= ID < number of prompts
	Bag []Feature // sparse bag of prompt tokens
}
