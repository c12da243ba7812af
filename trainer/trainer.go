// Package trainer is gapbench's one shared trainer: an Adam optimiser that
// consumes batches from a Source and descends an Objective. Offline and online
// preference fine-tuning differ only in their Source (fixed pairs, or pairs sampled
// from a policy and labelled by a labeller); the optimiser, the DPO loss family, β,
// learning rate, batch size and epochs are shared.
//
// Objectives: SFT (maximum likelihood on demonstrations), BT (Bradley–Terry reward
// model), DPO (sigmoid, IPO and hinge losses, with optional SFT and reverse-KL
// regularisers). Every objective's gradient is checked against finite differences
// in the tests.
//
// It is not for evaluation (package metrics) or for deciding what to train
// (package runner).
package trainer

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// Adam is the Adam optimiser (Kingma & Ba 2015) with bias correction.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	m, v                  []float64
	t                     int
}

// NewAdam returns Adam for n parameters at learning rate lr with the usual
// β1 = 0.9, β2 = 0.999, ε = 1e-8.
func NewAdam(n int, lr float64) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, m: make([]float64, n), v: make([]float64, n)}
}

// Step applies one update to params from grad (the gradient of the loss to minimise).
func (a *Adam) Step(params, grad []float64) {
	a.t++
	c1 := 1 - math.Pow(a.Beta1, float64(a.t))
	c2 := 1 - math.Pow(a.Beta2, float64(a.t))
	lr := a.LR * math.Sqrt(c2) / c1
	c := adamConsts{b1: a.Beta1, omb1: 1 - a.Beta1, b2: a.Beta2, omb2: 1 - a.Beta2, lr: lr, eps: a.Eps * math.Sqrt(c2)}
	adamStep(params, grad[:len(params)], a.m[:len(params)], a.v[:len(params)], &c)
}

// adamConsts are one Adam step's constants.
type adamConsts struct{ b1, omb1, b2, omb2, lr, eps float64 }

// adamStepGo is the portable adamStep: the update of each parameter, with
// every operation rounded (never fused), in the order the assembly takes.
func adamStepGo(params, grad, m, v []float64, c *adamConsts) {
	grad, m, v = grad[:len(params)], m[:len(params)], v[:len(params)]
	for i, g := range grad {
		m[i] = float64(c.b1*m[i]) + float64(c.omb1*g)
		v[i] = float64(c.b2*v[i]) + float64(float64(c.omb2*g)*g)
		params[i] -= float64(c.lr*m[i]) / (math.Sqrt(v[i]) + c.eps)
	}
}

// Source yields the batches of one training run. Next returns the next batch, or
// false when training is over; it may look at params (the current parameters)
// to generate data on-policy.
type Source[T any] interface {
	Next() ([]T, bool)
}

// Objective computes the mean loss of a batch and adds its gradient into grad.
type Objective[T any] interface {
	Loss(batch []T, grad []float64) float64
}

// Options are the optimiser settings shared by every arm of a suite.
type Options struct {
	LR float64 // Adam learning rate, > 0
	// Probe, when set, is called before the first step, after every Every-th
	// step and after the last, for training curves of evaluation metrics.
	Probe func(step int)
	Every int
}

// Curve is the mean training loss at every optimiser step.
type Curve []float64

// NonFiniteError reports a training run whose loss or parameters stopped being
// finite numbers (a learning rate too large, a loss that overflowed). The run
// cannot be trusted and is stopped at that step.
type NonFiniteError struct {
	Step  int     // the optimiser step (1-based) at which it happened
	What  string  // "loss" or "parameter i"
	Value float64 // the offending value: NaN or ±Inf
}

// Error says what became non-finite and when.
func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("%s became %v at step %d", e.What, e.Value, e.Step)
}

// Train runs Adam on params over every batch of src and returns the loss curve.
// It stops early, returning the curve so far and an error, when ctx is done
// (checked before every step, so cancellation takes effect within one step) or
// when the loss or a parameter becomes NaN or infinite (a *NonFiniteError).
func Train[T any](ctx context.Context, params []float64, src Source[T], obj Objective[T], opt Options) (Curve, error) {
	if !(opt.LR > 0) {
		panic(fmt.Sprintf("trainer: learning rate must be > 0, got %v", opt.LR))
	}
	adam := NewAdam(len(params), opt.LR)
	grad := make([]float64, len(params))
	var curve Curve
	if opt.Probe != nil {
		opt.Probe(0)
	}
	for {
		if err := ctx.Err(); err != nil {
			return curve, err
		}
		batch, ok := src.Next()
		if !ok {
			if opt.Probe != nil && (opt.Every < 1 || len(curve)%opt.Every != 0) {
				opt.Probe(len(curve))
			}
			return curve, nil
		}
		if len(batch) == 0 {
			continue
		}
		clear(grad)
		loss := obj.Loss(batch, grad)
		curve = append(curve, loss)
		if !finite(loss) {
			return curve, &NonFiniteError{Step: len(curve), What: "loss", Value: loss}
		}
		adam.Step(params, grad)
		for i, p := range params {
			if !finite(p) {
				return curve, &NonFiniteError{Step: len(curve), What: fmt.Sprintf("parameter %d", i), Value: p}
			}
		}
		if opt.Probe != nil && opt.Every >= 1 && len(curve)%opt.Every == 0 {
			opt.Probe(len(curve))
		}
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Offline yields minibatches of a fixed item list for a number of epochs,
// reshuffled every epoch by its own random stream.
type Offline[T any] struct {
	items  []T
	order  []int
	buf    []T
	batch  int
	epochs int
	epoch  int
	pos    int
	rng    *rand.Rand
}

// NewOffline returns a source over items for epochs passes in batches of batch.
func NewOffline[T any](items []T, batch, epochs int, rng *rand.Rand) *Offline[T] {
	if batch < 1 || epochs < 0 {
		panic(fmt.Sprintf("trainer: batch must be >= 1 and epochs >= 0, got %d, %d", batch, epochs))
	}
	o := &Offline[T]{items: items, batch: batch, epochs: epochs, rng: rng,
		order: make([]int, len(items)), buf: make([]T, 0, batch)}
	for i := range o.order {
		o.order[i] = i
	}
	o.pos = len(items) // shuffle before the first batch
	o.epoch = -1
	return o
}

// Next returns the next minibatch.
func (o *Offline[T]) Next() ([]T, bool) {
	if len(o.items) == 0 {
		return nil, false
	}
	if o.pos >= len(o.items) {
		o.epoch++
		if o.epoch >= o.epochs {
			return nil, false
		}
		o.rng.Shuffle(len(o.order), func(i, j int) { o.order[i], o.order[j] = o.order[j], o.order[i] })
		o.pos = 0
	}
	end := min(o.pos+o.batch, len(o.items))
	o.buf = o.buf[:0]
	for _, i := range o.order[o.pos:end] {
		o.buf = append(o.buf, o.items[i])
	}
	o.pos = end
	return o.buf, true
}
