// Package gradcheck checks hand-written gradients against finite differences, for
// the tests of every model and loss in gapbench.
package gradcheck

import (
	"math"
	"testing"
)

// Step is the finite-difference step: with the five-point stencil its
// truncation error is O(Step⁴) ≈ 1e-16 and its rounding error ≈ 1e-12.
const Step = 1e-4

// FivePoint returns the five-point central difference of f in params[i],
// (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h, and restores params[i].
func FivePoint(params []float64, i int, h float64, f func(grad []float64) float64) float64 {
	old := params[i]
	at := func(d float64) float64 { params[i] = old + d; return f(nil) }
	v := (-at(2*h) + 8*at(h) - 8*at(-h) + at(-2*h)) / (12 * h)
	params[i] = old
	return v
}

// Check compares the gradient that eval accumulates into its argument with the
// five-point differences of the value it returns (eval(nil) must compute the
// value alone), for every parameter. It fails when the worst relative error,
// |a − n| / max(|a|, |n|, 1e-3), reaches tol, or when the analytic gradient is
// identically zero (the check would pass vacuously).
func Check(t testing.TB, params []float64, eval func(grad []float64) float64, tol float64) {
	t.Helper()
	grad := make([]float64, len(params))
	eval(grad)
	worst, nonzero := 0.0, 0
	for i := range params {
		num := FivePoint(params, i, Step, eval)
		if grad[i] != 0 {
			nonzero++
		}
		scale := math.Max(1e-3, math.Max(math.Abs(num), math.Abs(grad[i])))
		worst = math.Max(worst, math.Abs(num-grad[i])/scale)
	}
	if nonzero == 0 {
		t.Fatal("the analytic gradient is identically zero: the check would pass vacuously")
	}
	if worst >= tol {
		t.Errorf("worst relative error %.3g, want < %g", worst, tol)
	}
}
