package model

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// Policy is a conditional distribution over completions given a prompt.
//
// Score returns s(y) with log π(y|x) = s(y) − A(x), where A(x) does not depend on
// y; A is 0 for classes whose Normalised reports true. Losses built from
// differences of scores on one prompt (the DPO family, Bradley–Terry) therefore work
// with every class, while losses that need log π itself (SFT) require a normalised
// class.
type Policy interface {
	// Space is the completion space the policy is defined on.
	Space() Space
	// Params is the flat parameter vector; optimisers update it in place.
	Params() []float64
	// Score returns s(y); when grad is non-nil it adds scale·∇s(y) to grad.
	Score(x Input, y []int, grad []float64, scale float64) float64
	// Normalised reports whether Score is exactly log π(y|x).
	Normalised() bool
	// Enumerate writes log π(y|x) for every completion index into out, len Space().Size().
	Enumerate(x Input, out []float64)
	// Clone returns an independent deep copy.
	Clone() Policy
}

// Sampler is a policy that can draw completions ancestrally, token by token.
type Sampler interface {
	// Sample draws one completion at the given temperature (> 0) into y.
	Sample(rng *rand.Rand, x Input, temperature float64, y []int)
}

// Tape records one forward pass of a Taped policy, so that its gradient can be
// added later without running the forward pass again. A tape belongs to the policy
// whose NewTape made it; its contents are private to that policy.
type Tape interface{ tape() }

// Taped is a policy whose Score can be split into a forward and a backward pass:
//
//	s := p.Forward(x, y, tape)     // s == p.Score(x, y, nil, 0)
//	p.Backward(tape, grad, scale)  // same effect as p.Score(x, y, grad, scale)
//
// so a loss can look at the scores of a batch before choosing each sequence's
// gradient weight, paying for each forward pass once. Tapes are reused across
// calls; neither Forward nor Backward allocates.
type Taped interface {
	Policy
	// NewTape returns a tape for this policy's Forward and Backward.
	NewTape() Tape
	// Forward returns Score(x, y, nil, 0) and records on tape what Backward
	// needs. The tape keeps a reference to x.Bag, which must not change until the
	// Backward; y is copied.
	Forward(x Input, y []int, tape Tape) float64
	// Backward adds scale·∇s(y) to grad for the pass last recorded on tape; with
	// grad nil it does nothing. The parameters must not have changed since that
	// Forward.
	Backward(tape Tape, grad []float64, scale float64)
}

// RewardModel scores a completion of a prompt.
type RewardModel interface {
	// Params is the flat parameter vector; optimisers update it in place.
	Params() []float64
	// Reward returns r(x, y); when grad is non-nil it adds scale·∇r to grad.
	Reward(x Input, y []int, grad []float64, scale float64) float64
	// Clone returns an independent deep copy.
	Clone() RewardModel
}

// SampleIndex draws an index with probability proportional to exp(logp[i]/temperature),
// using cdf (len(logp)) as scratch. It allocates nothing.
func SampleIndex(rng *rand.Rand, logp []float64, temperature float64, cdf []float64) int {
	BuildCDF(logp, temperature, cdf)
	return DrawCDF(rng, cdf)
}

// BuildCDF writes into cdf the unnormalised cumulative sums of exp(logp[i]/temperature),
// ready for repeated draws by DrawCDF.
func BuildCDF(logp []float64, temperature float64, cdf []float64) {
	m := math.Inf(-1)
	for _, x := range logp {
		if x > m {
			m = x
		}
	}
	s := 0.0
	for i, x := range logp {
		s += math.Exp((x - m) / temperature)
		cdf[i] = s
	}
}

// DrawCDF draws an index from a cumulative table built by BuildCDF.
func DrawCDF(rng *rand.Rand, cdf []float64) int {
	u := rng.Float64() * cdf[len(cdf)-1]
	lo, hi := 0, len(cdf)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cdf[mid] > u {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// logSoftmaxInto writes the log-softmax of logits into out and returns the
// log-normaliser.
func logSoftmaxInto(logits, out []float64) float64 {
	lse := floats.LogSumExp(logits)
	for i, x := range logits {
		out[i] = x - lse
	}
	return lse
}

// sampleLogits draws a token from logits at a temperature, allocation-free.
func sampleLogits(rng *rand.Rand, logits []float64, temperature float64) int {
	m := math.Inf(-1)
	for _, x := range logits {
		if x > m {
			m = x
		}
	}
	s := 0.0
	for _, x := range logits {
		s += math.Exp((x - m) / temperature)
	}
	u := rng.Float64() * s
	for i, x := range logits {
		u -= math.Exp((x - m) / temperature)
		if u < 0 {
			return i
		}
	}
	return len(logits) - 1
}

// normal fills v with N(0, sd²) draws.
func normal(rng *rand.Rand, v []float64, sd float64) {
	for i := range v {
		v[i] = rng.NormFloat64() * sd
	}
}

func exp(x float64) float64 { return math.Exp(x) }
