package theory

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// spinStepTol is the change max_ξ |P_{k+1}(ξ) − P_k(ξ)| below which the SPIN
// alternation counts as converged.
const spinStepTol = 1e-10

// SFTSPINConfig is one tabular world and demonstration set on which
// CheckSFTSPIN compares SFT with its online IRL counterparts.
type SFTSPINConfig struct {
	Name    string  // label used in errors and check names
	Seed    uint64  // seeds π_ref, the teacher and the demonstrations
	Prompts int     // prompts, each with its own prefix tree
	Vocab   int     // actions per step, ≥ 2
	Horizon int     // tokens per trajectory, ≥ 1
	Beta    float64 // KL temperature β of the soft-RL step; SPIN converges for β > ½
	// Demos is the number of demonstrations per prompt sampled from a random
	// teacher policy, on top of one demonstration of every trajectory (so
	// the SFT maximum-likelihood estimate is attained inside Π).
	Demos int
	// MaxRounds bounds the SPIN alternation.
	MaxRounds int
	// Tol is the tolerance on every measured difference.
	Tol float64
}

// DefaultSFTSPINConfig is one prompt, V = 3, H = 2, β = 1, 20 demonstrations,
// at most 100 SPIN rounds, tolerance 1e-6.
func DefaultSFTSPINConfig() SFTSPINConfig {
	return SFTSPINConfig{
		Name: "sft-spin", Seed: 1, Prompts: 1, Vocab: 3, Horizon: 2, Beta: 1,
		Demos: 20, MaxRounds: 100, Tol: 1e-6,
	}
}

func (c SFTSPINConfig) validate() (*tree, error) {
	t, err := newTree(c.Prompts, c.Vocab, c.Horizon)
	switch {
	case err != nil:
	case !(c.Beta > 0) || math.IsInf(c.Beta, 1):
		err = fmt.Errorf("beta must be > 0 and finite, got %v", c.Beta)
	case c.Demos < 0:
		err = fmt.Errorf("demos must be ≥ 0, got %d", c.Demos)
	case c.MaxRounds < 1:
		err = fmt.Errorf("max rounds must be ≥ 1, got %d", c.MaxRounds)
	case !(c.Tol > 0):
		err = fmt.Errorf("tol must be > 0, got %v", c.Tol)
	}
	if err != nil {
		return nil, fmt.Errorf("theory: config %q: %w", c.Name, err)
	}
	return t, nil
}

// SFTSPINResult is what CheckSFTSPIN measured. Differences of policies are
// max_ξ |P(ξ) − P'(ξ)| over all trajectories of all prompts.
type SFTSPINResult struct {
	Config       SFTSPINConfig
	Trajectories int // trajectories over all prompts
	Demos        int // demonstrations over all prompts

	// SFTClosedFormDiff compares the SFT policy found by L-BFGS with the
	// closed-form tabular MLE, the empirical distribution of the demos.
	SFTClosedFormDiff float64
	// SPINDiff compares the fixed point of the SPIN alternation with SFT.
	SPINDiff float64
	// SPINRounds is the number of SPIN rounds run.
	SPINRounds int
	// SPINConverged reports whether the last round moved the policy by less
	// than 1e-10.
	SPINConverged bool
	// FixedPointDiff is how far one SPIN round started at the SFT policy
	// moves it: SFT is a fixed point.
	FixedPointDiff float64
	// GameDiff compares the soft-optimal policy of the maximum-entropy IRL
	// reward (the game solution) with SFT.
	GameDiff float64
	// MaxGradNorm is the largest ‖∇‖∞ at which any of the solves stopped.
	MaxGradNorm float64
	Tolerance   float64 // Config.Tol
	Pass        bool    // SPIN converged and every difference ≤ Tolerance
}

// CheckSFTSPIN checks that maximum-likelihood SFT over Π and its "online"
// IRL counterparts with R = R(Π) return the same policy: the SPIN-like
// alternation (fit a reward that discriminates demonstrations from the
// current policy by a logistic loss with exact expectations, then soft RL
// against it with a KL to the current policy) and the maximum-entropy IRL
// game solution.
func CheckSFTSPIN(cfg SFTSPINConfig) (SFTSPINResult, error) {
	t, err := cfg.validate()
	if err != nil {
		return SFTSPINResult{}, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7370696e)) // "spin"
	refLogits := randomLogits(t, rng, 1)
	refLogP := make([]float64, t.numTraj())
	t.logProbs(refLogits, refLogP)
	teacher := t.probs(randomLogits(t, rng, 1.5))
	counts := make([]float64, t.numTraj())
	for p := range t.prompts {
		lo := p * t.leaves
		for i := range t.leaves {
			counts[lo+i] = 1
		}
		for range cfg.Demos {
			counts[lo+sampleIndex(rng, teacher[lo:lo+t.leaves])]++
		}
	}
	empirical := make([]float64, len(counts))
	for p := range t.prompts {
		lo, hi := p*t.leaves, (p+1)*t.leaves
		np := floats.Sum(counts[lo:hi])
		for i := lo; i < hi; i++ {
			empirical[i] = counts[i] / np
		}
	}

	res := SFTSPINResult{Config: cfg, Trajectories: t.numTraj(), Demos: int(floats.Sum(counts)), Tolerance: cfg.Tol}
	track := func(s solution, err error) (solution, error) {
		res.MaxGradNorm = math.Max(res.MaxGradNorm, s.gradNorm)
		return s, err
	}

	// SFT: maximum likelihood over Π's logits.
	sft, err := track(minimise(sftObjective(t, counts), refLogits))
	if err != nil {
		return res, fmt.Errorf("theory: config %q: SFT: %w", cfg.Name, err)
	}
	pSFT := t.probs(sft.x)
	res.SFTClosedFormDiff = floats.Distance(pSFT, empirical, math.Inf(1))

	// The game solution: maximum-entropy IRL reward, then exact soft RL.
	irl, err := track(minimise(irlDual(t, counts, refLogP, cfg.Beta), make([]float64, t.numTraj())))
	if err != nil {
		return res, fmt.Errorf("theory: config %q: IRL: %w", cfg.Name, err)
	}
	res.GameDiff = floats.Distance(t.probs(t.softOptimal(refLogits, irl.x, cfg.Beta, nil)), pSFT, math.Inf(1))

	// SPIN: alternate discriminator and soft RL from π_ref.
	round := func(logits []float64) ([]float64, error) {
		d := spinData(t, empirical, counts, t.probs(logits))
		rm, err := track(minimise(btObjective(d), make([]float64, t.numTraj())))
		if err != nil {
			return nil, err
		}
		return t.softOptimal(logits, rm.x, cfg.Beta, nil), nil
	}
	logits, pk := refLogits, t.probs(refLogits)
	for res.SPINRounds < cfg.MaxRounds {
		next, err := round(logits)
		if err != nil {
			return res, fmt.Errorf("theory: config %q: SPIN round %d: %w", cfg.Name, res.SPINRounds+1, err)
		}
		res.SPINRounds++
		pNext := t.probs(next)
		step := floats.Distance(pNext, pk, math.Inf(1))
		logits, pk = next, pNext
		if math.IsNaN(step) {
			break
		}
		if step < spinStepTol {
			res.SPINConverged = true
			break
		}
	}
	res.SPINDiff = floats.Distance(pk, pSFT, math.Inf(1))
	fixed, err := round(sft.x)
	if err != nil {
		return res, fmt.Errorf("theory: config %q: SPIN round at SFT: %w", cfg.Name, err)
	}
	res.FixedPointDiff = floats.Distance(t.probs(fixed), pSFT, math.Inf(1))

	tol := cfg.Tol
	res.Pass = res.SPINConverged && res.SPINDiff <= tol && res.FixedPointDiff <= tol &&
		res.GameDiff <= tol && res.SFTClosedFormDiff <= tol
	return res, nil
}

// spinData is the SPIN discriminator's data with exact expectations: every
// ordered pair (ξ, ξ') of one prompt, ξ ≠ ξ', as "demonstration ξ ≻ policy
// sample ξ'" with weight w_p·p_D(ξ|p)·π_k(ξ'|p), w_p the prompt's share of the
// demonstrations. (Pairs with ξ = ξ' only add a constant.)
func spinData(t *tree, empirical, counts, pk []float64) *prefData {
	d := &prefData{}
	total := floats.Sum(counts)
	for p := range t.prompts {
		lo, hi := p*t.leaves, (p+1)*t.leaves
		wp := floats.Sum(counts[lo:hi]) / total
		for i := lo; i < hi; i++ {
			for j := lo; j < hi; j++ {
				if i != j {
					w := wp * empirical[i] * pk[j]
					d.comps = append(d.comps, comparison{win: i, lose: j, count: w})
					d.total += w
				}
			}
		}
	}
	return d
}

// sampleIndex draws an index with probabilities p (summing to 1).
func sampleIndex(rng *rand.Rand, p []float64) int {
	u := rng.Float64()
	for i, v := range p {
		u -= v
		if u < 0 {
			return i
		}
	}
	return len(p) - 1
}
