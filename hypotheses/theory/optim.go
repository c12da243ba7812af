package theory

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

const (
	// gradTarget is the ‖∇f‖∞ at which a solve has converged.
	gradTarget = 1e-12
	// gradAccept is the largest ‖∇f‖∞ accepted when gonum's line search
	// stops because it can no longer decrease f in floating point. The
	// losses here are O(1), so f is resolved to ~1e-16, and along a quasi-Newton
	// step f falls by ~‖∇f‖²/λ: below ‖∇f‖∞ ≈ 1e-8…1e-11 a decrease is lost in
	// rounding and gonum's line searches (all of which compare f values) fail.
	gradAccept = 1e-8
	// maxIterations and maxEvaluations bound one solve.
	maxIterations, maxEvaluations = 20000, 100000
)

// solution is the minimiser found by minimise and the size of the gradient
// there.
type solution struct {
	x        []float64
	f        float64
	gradNorm float64 // ‖∇f(x)‖∞
	status   optimize.Status
}

// minimise minimises the smooth function f from x0 with gonum's L-BFGS
// (optimize.LBFGS: memory 15, Bisection strong-Wolfe line search) and f's
// analytic gradient. Function-value convergence is off, so a solve ends at
// ‖∇f‖∞ < gradTarget, at an iteration or evaluation limit, or when the line
// search fails. It returns an error unless it ended at gradTarget, or its line
// search failed (optimize.ErrLinesearcherFailure, optimize.ErrNoProgress) with
// ‖∇f‖∞ ≤ gradAccept; solution.gradNorm says which.
func minimise(f objective, x0 []float64) (solution, error) {
	p := optimize.Problem{
		Func: func(x []float64) float64 { return f(x, nil) },
		Grad: func(grad, x []float64) { f(x, grad) },
	}
	settings := &optimize.Settings{
		GradientThreshold: gradTarget,
		Converger:         optimize.NeverTerminate{},
		MajorIterations:   maxIterations,
		FuncEvaluations:   maxEvaluations,
	}
	res, err := optimize.Minimize(p, x0, settings, &optimize.LBFGS{GradStopThreshold: gradTarget})
	if res == nil {
		return solution{}, fmt.Errorf("theory: minimise: %w", err)
	}
	sol := solution{x: res.X, f: res.F, status: res.Status, gradNorm: math.NaN()}
	if res.Gradient != nil {
		sol.gradNorm = floats.Norm(res.Gradient, math.Inf(1))
	}
	switch {
	case err == nil && res.Status == optimize.GradientThreshold:
		return sol, nil
	case errors.Is(err, optimize.ErrLinesearcherFailure) || errors.Is(err, optimize.ErrNoProgress):
		if sol.gradNorm <= gradAccept {
			return sol, nil
		}
	case err == nil:
		if err = res.Status.Err(); err == nil {
			err = fmt.Errorf("status %v is not convergence of the gradient", res.Status)
		}
	}
	return sol, fmt.Errorf("theory: minimise: gonum L-BFGS stopped (%v) after %d iterations with ‖∇f‖∞ = %.3g > %.0g: %w",
		res.Status, res.MajorIterations, sol.gradNorm, gradAccept, err)
}
