package trainer

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// ExactOptions configures MinimiseExact.
type ExactOptions struct {
	// MaxSteps caps the number of L-BFGS iterations (accepted steps), >= 1.
	MaxSteps int
	// GradTol is the first convergence criterion: the largest gradient
	// component, ‖∇L‖∞, is below GradTol (a stationary point), > 0.
	GradTol float64
	// RelTol is the second: L fell by less than RelTol·max(L, StallFloor) over
	// the last Window iterations (the objective has stalled); 0 disables it.
	RelTol float64
	// AbsTol is the third: L fell by less than AbsTol (in L's units, nats for
	// a KL) over the last Window iterations; 0 disables it. Under linear
	// convergence RelTol never fires for an L that converges to a small
	// positive value (the decrease is a fixed fraction of L − L*, not of L),
	// so that a run crawls to MaxSteps after every quantity it reports has
	// settled; AbsTol ends it.
	AbsTol float64
	// Probe, when set, is called with the parameters at iterate 0, at iterates
	// 1, 2, 4, 8, … and at the last iterate, for training curves.
	Probe func(step int)
	// ProbeAll calls Probe at every iterate 0 … Steps instead, each once, so
	// that a caller running several minimisations in a row (a continuation)
	// can place its probes on its own count of iterations.
	ProbeAll bool
	// Trace, when set, is what the curve records after each iteration, called
	// with the parameters at the iterate (e.g. the objective of a later stage of
	// a continuation); by default the curve records L.
	Trace func() float64
	// Scale, when set, preconditions the iteration by a fixed diagonal: L-BFGS
	// runs in the coordinates φ of θ = θ₀ + Scale⊙φ (θ₀ the start), where the
	// gradient is Scale⊙∇L, so that a step's size in each parameter is
	// proportional to its Scale (e.g. 1/√F_ii, F the Fisher information).
	// The stall criteria are unchanged (L is the same function); the gradient
	// criterion holds when either ‖∇L‖∞ in θ or gonum's own test, on the
	// gradient it is given, ‖Scale⊙∇L‖∞, falls below GradTol: a stationary
	// point in the preconditioned coordinates. len(params) positive entries.
	Scale []float64
}

// ExactResult is what MinimiseExact reached.
type ExactResult struct {
	Converged bool    // a convergence criterion held at the returned parameters
	Steps     int     // L-BFGS iterations taken
	Evals     int     // evaluations of L and ∇L (the cost: each enumerates every completion)
	Value     float64 // L at the returned parameters
	GradNorm  float64 // ‖∇L‖∞ there
	Curve     Curve   // L (or Trace) after each iteration (len Steps)
	Status    string  // why it stopped: GradientThreshold, FunctionConvergence (stalled), IterationLimit, or a line-search failure
}

// Window is the number of iterations over which ExactOptions.RelTol measures
// the objective's decrease.
const Window = 10

// StallFloor is the smallest L that ExactOptions.RelTol is relative to, in the
// objective's units (nats): an objective that converges to 0 stops once it moves
// by less than RelTol·StallFloor per Window iterations.
const StallFloor = 1e-3

// maxMemory bounds the L-BFGS history, in float64s (2·Store·len(params)): 64 MiB.
const maxMemory = 1 << 23

// MinimiseExact minimises a deterministic objective that is computed exactly
// (no sampling), such as model.Projection, by L-BFGS (Nocedal 1980; Nocedal &
// Wright 2006, alg. 7.5; gonum/optimize.LBFGS with the Moré–Thuente line search,
// which enforces the strong Wolfe conditions), keeping the last 50 steps (fewer
// when 2·50·len(params) floats would exceed 64 MiB). eval returns L at the
// current contents of params and, when its argument is non-nil, adds ∇L to it.
//
// Why L-BFGS and not the shared trainer's Adam: the objective and its gradient
// are exact, so a quasi-Newton method with a line search has no step size to tune
// and converges superlinearly near a smooth optimum, and every arm is run to the
// same criterion rather than for the same number of steps.
//
// The convergence criterion: ‖∇L‖∞ < GradTol (a stationary point; what the
// closed-form cases reach), or a decrease of L by less than
// RelTol·max(L, StallFloor) or by less than AbsTol over the last Window
// iterations (the objective has stalled: for a ReLU network, whose objective
// has kinks and flat directions, a gradient tolerance may never be met while
// the policy no longer changes in any way a metric sees). With
// ExactOptions.Scale the iteration is preconditioned by a fixed diagonal (see
// there: the gradient criterion also accepts ‖Scale⊙∇L‖∞ < GradTol); the
// results are in the original parameters. MaxSteps caps
// the iterations; a run that hits the cap or whose line search fails reports
// Converged false. The run is deterministic: L-BFGS and its line search draw
// nothing at random and evaluate one point at a time.
//
// It stops early when ctx is done (checked before every evaluation) and returns
// ctx's error, and returns a *NonFiniteError when L or its gradient is not a
// finite number. On return params holds the last accepted iterate, the best
// point found.
func MinimiseExact(ctx context.Context, params []float64, eval func(grad []float64) float64, opt ExactOptions) (ExactResult, error) {
	if opt.MaxSteps < 1 || !(opt.GradTol > 0) {
		panic(fmt.Sprintf("trainer: MinimiseExact needs MaxSteps >= 1 and GradTol > 0, got %d, %v", opt.MaxSteps, opt.GradTol))
	}
	n := len(params)
	// gonum asks for the value and then the gradient at the same point; one
	// call of eval gives both, cached by location.
	var (
		lastX = make([]float64, n)
		lastG = make([]float64, n)
		lastF float64
		valid bool
	)
	start := slices.Clone(params)
	// set writes the parameters of the iterate x (in φ when scaled) into params.
	set := func(x []float64) {
		if opt.Scale == nil {
			copy(params, x)
			return
		}
		for i, f := range x {
			params[i] = start[i] + opt.Scale[i]*f
		}
	}
	evals := 0
	at := func(x []float64) {
		if valid && slices.Equal(x, lastX) {
			return
		}
		set(x)
		clear(lastG)
		lastF = eval(lastG)
		evals++
		copy(lastX, x)
		valid = true
	}
	prob := optimize.Problem{
		Func: func(x []float64) float64 { at(x); return lastF },
		Grad: func(g, x []float64) {
			at(x)
			copy(g, lastG)
			if opt.Scale != nil {
				for i, s := range opt.Scale {
					g[i] *= s
				}
			}
		},
		Status: func() (optimize.Status, error) {
			if err := ctx.Err(); err != nil {
				return optimize.Failure, err
			}
			return optimize.NotTerminated, nil
		},
	}
	var curve Curve
	probed := -1
	probe := func(step int, x []float64) {
		if opt.Probe == nil || step == probed {
			return
		}
		set(x)
		opt.Probe(step)
		probed = step
	}
	x0 := slices.Clone(params)
	if opt.Scale != nil {
		clear(x0)
	}
	probe(0, x0)
	rec := recorder(func(loc *optimize.Location, op optimize.Operation, st *optimize.Stats) {
		// The starting point is the first major iteration gonum reports.
		if op != optimize.MajorIteration || st.MajorIterations < 2 {
			return
		}
		step := st.MajorIterations - 1
		if opt.Trace != nil {
			set(loc.X)
			curve = append(curve, opt.Trace())
		} else {
			curve = append(curve, loc.F)
		}
		if opt.ProbeAll || step&(step-1) == 0 {
			probe(step, loc.X)
		}
	})
	settings := &optimize.Settings{
		GradientThreshold: opt.GradTol,
		Converger:         &windowConverge{rel: opt.RelTol, abs: opt.AbsTol},
		MajorIterations:   opt.MaxSteps + 1,
		Recorder:          rec,
	}
	store := min(50, max(3, maxMemory/(2*max(n, 1))))
	method := &optimize.LBFGS{Store: store, Linesearcher: &optimize.MoreThuente{}, GradStopThreshold: opt.GradTol}
	res, err := optimize.Minimize(prob, x0, settings, method)
	if cerr := ctx.Err(); cerr != nil {
		return ExactResult{Curve: curve, Status: "cancelled"}, cerr
	}
	if res == nil {
		// Minimize failed before iterating: a non-finite starting value or gradient.
		valid = false
		at(x0)
		return ExactResult{Value: lastF, Evals: evals, Curve: curve, Status: fmt.Sprint(err)}, nonFinite(0, lastF, lastG)
	}
	status := res.Status.String()
	if err != nil {
		status += ": " + err.Error()
	}
	steps := max(0, res.MajorIterations-1)
	// gonum does not record the iteration that ends the run.
	if len(curve) < steps {
		if opt.Trace != nil {
			set(res.X)
			curve = append(curve, opt.Trace())
		} else {
			curve = append(curve, res.F)
		}
	}
	probe(steps, res.X)
	set(res.X)
	at(res.X)
	gn := floats.Norm(lastG, math.Inf(1))
	conv := gn < opt.GradTol || err == nil && (res.Status == optimize.GradientThreshold || res.Status == optimize.FunctionConvergence)
	out := ExactResult{Converged: conv, Steps: steps, Evals: evals, Value: lastF, GradNorm: gn, Curve: curve, Status: status}
	return out, nonFinite(steps, lastF, lastG)
}

// nonFinite returns a *NonFiniteError when the loss or a gradient entry is NaN
// or infinite, else nil.
func nonFinite(step int, l float64, g []float64) error {
	if !finite(l) {
		return &NonFiniteError{Step: step, What: "loss", Value: l}
	}
	for i, v := range g {
		if !finite(v) {
			return &NonFiniteError{Step: step, What: fmt.Sprintf("gradient %d", i), Value: v}
		}
	}
	return nil
}

// recorder adapts a function to gonum's optimize.Recorder.
type recorder func(*optimize.Location, optimize.Operation, *optimize.Stats)

func (recorder) Init() error { return nil }

func (r recorder) Record(loc *optimize.Location, op optimize.Operation, st *optimize.Stats) error {
	r(loc, op, st)
	return nil
}

// MinimiseNatural minimises L by natural-gradient descent, for classes whose
// Fisher information is cheap to invert (model.Projection.Natural: the trie, the
// tilt with a linear f): nat(grad, dir) returns L at the current parameters, adds
// ∇L to grad and writes the natural-gradient direction −F⁻¹∇L into dir. Each
// iteration takes the unit step along dir, halved until L satisfies Armijo's
// sufficient-decrease condition L(θ + η·dir) ≤ L(θ) + 1e-4·η·∇Lᵀdir (Nocedal &
// Wright 2006, §3.1), with eval(nil) giving L. A unit step is exact where the
// class makes it so (see model.Projection.Natural); near the optimum the step
// is Newton's, since the Fisher is the Hessian there. The criteria, the
// results, the probes, cancellation and errors are MinimiseExact's; a step that
// finds no decrease in 40 halvings ends the run, unconverged.
func MinimiseNatural(ctx context.Context, params []float64, nat func(grad, dir []float64) float64, eval func(grad []float64) float64, opt ExactOptions) (ExactResult, error) {
	if opt.MaxSteps < 1 || !(opt.GradTol > 0) {
		panic(fmt.Sprintf("trainer: MinimiseNatural needs MaxSteps >= 1 and GradTol > 0, got %d, %v", opt.MaxSteps, opt.GradTol))
	}
	g := make([]float64, len(params))
	dir := make([]float64, len(params))
	x0 := make([]float64, len(params))
	conv := &windowConverge{rel: opt.RelTol, abs: opt.AbsTol}
	var curve Curve
	evals := 0
	for k := 0; ; k++ {
		if err := ctx.Err(); err != nil {
			return ExactResult{Steps: k, Curve: curve, Status: "cancelled"}, err
		}
		clear(g)
		l := nat(g, dir)
		evals++
		gn := floats.Norm(g, math.Inf(1))
		if err := nonFinite(k, l, g); err != nil {
			return ExactResult{Steps: k, Value: l, Curve: curve, Status: "Failure"}, err
		}
		if k > 0 {
			if opt.Trace != nil {
				curve = append(curve, opt.Trace())
			} else {
				curve = append(curve, l)
			}
		}
		status := optimize.NotTerminated
		switch {
		case gn < opt.GradTol:
			status = optimize.GradientThreshold
		case conv.Converged(&optimize.Location{F: l}) != optimize.NotTerminated:
			status = optimize.FunctionConvergence
		case k == opt.MaxSteps:
			status = optimize.IterationLimit
		}
		if opt.Probe != nil && (opt.ProbeAll || k&(k-1) == 0 || status != optimize.NotTerminated) {
			opt.Probe(k)
		}
		if status != optimize.NotTerminated {
			ok := status == optimize.GradientThreshold || status == optimize.FunctionConvergence
			return ExactResult{Converged: ok, Steps: k, Evals: evals, Value: l, GradNorm: gn, Curve: curve, Status: status.String()}, nil
		}
		slope := floats.Dot(g, dir)
		copy(x0, params)
		accepted := false
		for eta, i := 1.0, 0; i < 40 && slope < 0; eta, i = eta/2, i+1 {
			for j := range params {
				params[j] = x0[j] + eta*dir[j]
			}
			evals++
			if eval(nil) <= l+1e-4*eta*slope {
				accepted = true
				break
			}
		}
		if !accepted {
			copy(params, x0)
			if opt.Probe != nil && !opt.ProbeAll && k&(k-1) != 0 {
				opt.Probe(k)
			}
			return ExactResult{Steps: k, Evals: evals, Value: l, GradNorm: gn, Curve: curve, Status: "Failure: no decrease along the natural gradient"}, nil
		}
	}
}

// windowConverge is the stall criterion: L_{k−Window} − L_k < rel·max(|L_k|, StallFloor)
// or L_{k−Window} − L_k < abs.
type windowConverge struct {
	rel  float64
	abs  float64
	hist []float64 // L at every major iteration, the start first
}

func (c *windowConverge) Init(int) { c.hist = c.hist[:0] }

func (c *windowConverge) Converged(loc *optimize.Location) optimize.Status {
	c.hist = append(c.hist, loc.F)
	k := len(c.hist) - 1
	if c.rel <= 0 && c.abs <= 0 || k < Window {
		return optimize.NotTerminated
	}
	if dec := c.hist[k-Window] - c.hist[k]; dec < c.rel*math.Max(math.Abs(c.hist[k]), StallFloor) || dec < c.abs {
		return optimize.FunctionConvergence
	}
	return optimize.NotTerminated
}
