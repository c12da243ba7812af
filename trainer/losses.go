package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gapbench/model"
)

// Example is one demonstration for SFT.
type Example struct {
	X model.Input
	Y []int
}

// Comparison is one preference, Chosen ≻ Rejected, for a prompt.
type Comparison struct {
	X                model.Input
	Chosen, Rejected []int
}

// PrefItem is a comparison with the reference policy's log-probabilities of both
// sides, computed once when the item is made (π_ref is frozen).
type PrefItem struct {
	Comparison
	RefChosen, RefRejected float64
}

// NewPrefItems attaches π_ref's log-probabilities to comparisons.
func NewPrefItems(ref model.Policy, cs []Comparison) []PrefItem {
	items := make([]PrefItem, len(cs))
	for i, c := range cs {
		items[i] = PrefItem{Comparison: c,
			RefChosen:   ref.Score(c.X, c.Chosen, nil, 0),
			RefRejected: ref.Score(c.X, c.Rejected, nil, 0)}
	}
	return items
}

// SFT is the maximum-likelihood objective −mean log π(y|x) over demonstrations.
type SFT struct{ Policy model.Policy }

// Loss returns the mean negative log-likelihood of the batch and adds its gradient.
func (o SFT) Loss(batch []Example, grad []float64) float64 {
	if !o.Policy.Normalised() {
		panic("trainer: SFT needs a normalised policy class")
	}
	w := 1 / float64(len(batch))
	loss := 0.0
	for _, e := range batch {
		loss -= o.Policy.Score(e.X, e.Y, grad, -w)
	}
	return loss * w
}

// BT is the Bradley–Terry maximum-likelihood objective for a reward model:
// −mean log σ(r(chosen) − r(rejected)).
type BT struct{ RM model.RewardModel }

// Loss returns the mean BT negative log-likelihood of the batch and adds its gradient.
func (o BT) Loss(batch []Comparison, grad []float64) float64 {
	w := 1 / float64(len(batch))
	loss := 0.0
	for _, c := range batch {
		d := o.RM.Reward(c.X, c.Chosen, nil, 0) - o.RM.Reward(c.X, c.Rejected, nil, 0)
		loss += softplus(-d)
		coef := -w * sigmoid(-d) // d/dd of softplus(−d) = −σ(−d)
		o.RM.Reward(c.X, c.Chosen, grad, coef)
		o.RM.Reward(c.X, c.Rejected, grad, -coef)
	}
	return loss * w
}

// DPO loss functions of the log-ratio margin h = (s⁺ − ref⁺) − (s⁻ − ref⁻).
const (
	LossSigmoid = "sigmoid" // DPO: −log σ(βh) (Rafailov et al. 2023)
	LossIPO     = "ipo"     // IPO: (h − 1/(2β))² (Azar et al. 2023)
	LossHinge   = "hinge"   // SLiC: max(0, 1 − βh) (Zhao et al. 2023)
)

// DPOLosses lists the DPO loss family.
var DPOLosses = []string{LossSigmoid, LossIPO, LossHinge}

// DPO is the direct preference objective with optional regularisers:
//
//	mean ℓ(h) + SFTWeight·mean(−log π(chosen)) + KLWeight·KL(π‖π_ref)
//
// where the reverse KL is estimated on KLSamples unlabelled completions per batch
// item drawn from the current policy (HyPO, Song et al. 2024) with the
// score-function gradient E[(log π/π_ref − b)·∇log π], b the leave-one-out mean of
// the other samples' log-ratios (unbiased, as in RLOO).
type DPO struct {
	Policy    model.Policy
	Ref       model.Policy // π_ref, for the KL regulariser's samples
	Beta      float64
	Kind      string // one of DPOLosses
	SFTWeight float64
	KLWeight  float64
	KLSamples int
	Rng       *rand.Rand // draws the KL regulariser's samples

	klY      [][]int
	klAdv    []float64
	tapesFor model.Taped   // the policy tapes were made for
	tapes    [2]model.Tape // chosen, rejected
	klTapes  []model.Tape  // one per KL sample
}

// margin returns ℓ(h) and dℓ/dh.
func (o *DPO) margin(h float64) (float64, float64) {
	switch o.Kind {
	case LossIPO:
		d := h - 1/(2*o.Beta)
		return d * d, 2 * d
	case LossHinge:
		z := o.Beta * h
		if z >= 1 {
			return 0, 0
		}
		return 1 - z, -o.Beta
	case LossSigmoid, "":
		z := o.Beta * h
		return softplus(-z), -o.Beta * sigmoid(-z)
	}
	panic(fmt.Sprintf("trainer: unknown DPO loss %q", o.Kind))
}

// Loss returns the mean regularised DPO loss of the batch and adds its gradient.
// For a policy that implements model.Taped, the pair term runs each sequence's
// forward pass once, on one of two reused tapes, instead of calling Score twice
// (without, then with the gradient); the loss and gradient are bit-identical.
func (o *DPO) Loss(batch []PrefItem, grad []float64) float64 {
	w := 1 / float64(len(batch))
	p := o.Policy
	loss := 0.0
	if tp, ok := p.(model.Taped); ok {
		loss = o.tapedPairs(tp, batch, grad, w)
	} else {
		for _, it := range batch {
			h := (p.Score(it.X, it.Chosen, nil, 0) - it.RefChosen) - (p.Score(it.X, it.Rejected, nil, 0) - it.RefRejected)
			l, dl := o.margin(h)
			loss += l
			if dl != 0 {
				p.Score(it.X, it.Chosen, grad, w*dl)
				p.Score(it.X, it.Rejected, grad, -w*dl)
			}
		}
	}
	loss *= w
	if o.SFTWeight > 0 {
		if !p.Normalised() {
			panic("trainer: the SFT regulariser needs a normalised policy class")
		}
		nll := 0.0
		for _, it := range batch {
			nll -= p.Score(it.X, it.Chosen, grad, -o.SFTWeight*w)
		}
		loss += o.SFTWeight * nll * w
	}
	if o.KLWeight > 0 {
		loss += o.KLWeight * o.klTerm(batch, grad)
	}
	return loss
}

// tapedPairs returns the sum of the pair losses ℓ(h) of the batch and adds the
// gradient of their mean, for a taped policy: one forward pass per sequence, and a
// backward pass for each sequence whose gradient weight is not zero, in the order
// the Score-based loop uses.
func (o *DPO) tapedPairs(p model.Taped, batch []PrefItem, grad []float64, w float64) float64 {
	o.tapesOf(p)
	tc, tr := o.tapes[0], o.tapes[1]
	loss := 0.0
	for _, it := range batch {
		h := (p.Forward(it.X, it.Chosen, tc) - it.RefChosen) - (p.Forward(it.X, it.Rejected, tr) - it.RefRejected)
		l, dl := o.margin(h)
		loss += l
		if dl != 0 && grad != nil {
			p.Backward(tc, grad, w*dl)
			p.Backward(tr, grad, -w*dl)
		}
	}
	return loss
}

// tapesOf makes the pair tapes for p, dropping any made for another policy.
func (o *DPO) tapesOf(p model.Taped) {
	if o.tapesFor != p {
		o.tapesFor = p
		o.tapes = [2]model.Tape{p.NewTape(), p.NewTape()}
		o.klTapes = o.klTapes[:0]
	}
}

// klTerm estimates KL(π‖π_ref) on fresh samples and adds KLWeight times its
// score-function gradient.
func (o *DPO) klTerm(batch []PrefItem, grad []float64) float64 {
	s, ok := o.Policy.(model.Sampler)
	if !ok || !o.Policy.Normalised() {
		panic("trainer: the KL regulariser needs a normalised policy that can sample")
	}
	k := max(o.KLSamples, 1)
	n := len(batch) * k
	h := o.Policy.Space().H
	for len(o.klY) < n {
		o.klY = append(o.klY, make([]int, h))
		o.klAdv = append(o.klAdv, 0)
	}
	tp, taped := o.Policy.(model.Taped)
	if taped {
		o.tapesOf(tp)
		for len(o.klTapes) < n {
			o.klTapes = append(o.klTapes, tp.NewTape())
		}
	}
	mean := 0.0
	for i, it := range batch {
		for j := range k {
			y := o.klY[i*k+j]
			s.Sample(o.Rng, it.X, 1, y)
			var lp float64
			if taped {
				lp = tp.Forward(it.X, y, o.klTapes[i*k+j])
			} else {
				lp = o.Policy.Score(it.X, y, nil, 0)
			}
			r := lp - o.Ref.Score(it.X, y, nil, 0)
			o.klAdv[i*k+j] = r
			mean += r
		}
	}
	total := mean
	mean /= float64(n)
	if n == 1 {
		return mean // no baseline is possible from one sample: skip the (too noisy) gradient
	}
	for i, it := range batch {
		for j := range k {
			r := o.klAdv[i*k+j]
			loo := (total - r) / float64(n-1)
			c := o.KLWeight * (r - loo) / float64(n)
			if taped {
				tp.Backward(o.klTapes[i*k+j], grad, c)
			} else {
				o.Policy.Score(it.X, o.klY[i*k+j], grad, c)
			}
		}
	}
	return mean
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// softplus is log(1 + e^z), computed stably.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}
