package theory

import (
	"fmt"
	"math"
)

// Why not gonum/optimize: in this module gonum.org/v1/gonum/optimize does not
// build — it imports gonum/stat/distmv, which needs golang.org/x/tools, a
// module go.mod and go.sum do not list (and this package may not edit them).
// So the package carries its own small L-BFGS, tested in optim_test.go; once
// go.mod lists golang.org/x/tools, minimise can be swapped for
// optimize.Minimize with optimize.LBFGS without touching its callers.

const (
	// gradTarget is the ‖∇f‖∞ at which minimise stops.
	gradTarget = 1e-11
	// gradAccept is the largest ‖∇f‖∞ accepted when the line search can no
	// longer make progress because f is flat to machine precision.
	gradAccept = 1e-8
	// maxIterations bounds the L-BFGS iterations of one solve.
	maxIterations = 20000
	// memory is the number of (s, y) pairs L-BFGS keeps.
	memory = 15
	// Wolfe line-search constants (Nocedal & Wright 2006, eq. 3.7).
	wolfeC1, wolfeC2 = 1e-4, 0.9
)

// solution is the minimiser found by minimise and the size of the gradient
// there.
type solution struct {
	x        []float64
	f        float64
	gradNorm float64 // ‖∇f(x)‖∞
	iters    int
}

// minimise minimises the smooth function f from x0 with L-BFGS (Nocedal &
// Wright 2006, Algorithm 7.4 two-loop recursion, memory 15, initial scaling
// γ = sᵀy/yᵀy) and a weak-Wolfe line search by bracketing and bisection, until
// ‖∇f‖∞ < gradTarget. When no step decreases f any more in floating point it
// stops, and it returns an error unless ‖∇f‖∞ < gradAccept by then.
func minimise(f objective, x0 []float64) (solution, error) {
	n := len(x0)
	x := append([]float64(nil), x0...)
	g := make([]float64, n)
	fx := f(x, g)
	if math.IsNaN(fx) || math.IsInf(fx, 0) {
		return solution{}, fmt.Errorf("theory: minimise: objective %v at the start", fx)
	}
	var ss, ys [][]float64
	var rhos []float64
	d := make([]float64, n)
	alpha := make([]float64, memory)
	xn := make([]float64, n)
	gn := make([]float64, n)
	iter := 0
	for ; iter < maxIterations && normInf(g) >= gradTarget; iter++ {
		// Two-loop recursion: d = −H·g.
		for i := range d {
			d[i] = -g[i]
		}
		for k := len(ss) - 1; k >= 0; k-- {
			alpha[k] = rhos[k] * dot(ss[k], d)
			axpy(-alpha[k], ys[k], d)
		}
		if k := len(ss) - 1; k >= 0 {
			scale(dot(ss[k], ys[k])/dot(ys[k], ys[k]), d)
		} else {
			scale(1/math.Max(1, normInf(g)), d)
		}
		for k := range ss {
			b := rhos[k] * dot(ys[k], d)
			axpy(alpha[k]-b, ss[k], d)
		}
		slope := dot(g, d)
		if slope >= 0 { // not a descent direction: restart from steepest descent
			ss, ys, rhos = nil, nil, nil
			for i := range d {
				d[i] = -g[i] / math.Max(1, normInf(g))
			}
			slope = dot(g, d)
		}
		fn, ok := wolfeSearch(f, x, fx, g, d, slope, xn, gn)
		if !ok {
			break
		}
		s := make([]float64, n)
		y := make([]float64, n)
		for i := range s {
			s[i] = xn[i] - x[i]
			y[i] = gn[i] - g[i]
		}
		if sy := dot(s, y); sy > 1e-300 && sy > 1e-12*math.Sqrt(dot(s, s)*dot(y, y)) {
			if len(ss) == memory {
				ss, ys, rhos = ss[1:], ys[1:], rhos[1:]
			}
			ss, ys, rhos = append(ss, s), append(ys, y), append(rhos, 1/sy)
		}
		copy(x, xn)
		copy(g, gn)
		fx = fn
	}
	sol := solution{x: x, f: fx, gradNorm: normInf(g), iters: iter}
	if sol.gradNorm > gradAccept {
		return sol, fmt.Errorf("theory: minimise stopped after %d iterations with ‖∇f‖∞ = %.3g > %.0g",
			iter, sol.gradNorm, gradAccept)
	}
	return sol, nil
}

// wolfeSearch finds a step t along d from x satisfying the weak Wolfe
// conditions f(x+td) ≤ f(x) + c₁·t·slope and ∇f(x+td)·d ≥ c₂·slope, by
// doubling and bisection (Lewis & Overton 2013, the weak-Wolfe bracketing
// search). It writes x+td and its gradient into xn and gn. When f no longer
// changes in floating point it accepts a step that reduces ‖∇f‖∞ instead; when
// the bracket collapses it falls back to the last step with sufficient
// decrease; it reports false when it finds no step at all.
func wolfeSearch(f objective, x []float64, fx float64, g, d []float64, slope float64, xn, gn []float64) (float64, bool) {
	lo, hi := 0.0, math.Inf(1)
	t := 1.0
	g0 := normInf(g)
	flatTol := 1e-15 * math.Max(1, math.Abs(fx))
	for range 200 {
		for i := range xn {
			xn[i] = x[i] + t*d[i]
		}
		fn := f(xn, gn)
		switch {
		case math.IsNaN(fn) || fn > fx+wolfeC1*t*slope:
			if math.Abs(fn-fx) <= flatTol && normInf(gn) < g0 {
				return fn, true // f flat to roundoff: accept a gradient decrease
			}
			hi = t
		case dot(gn, d) < wolfeC2*slope:
			lo = t
		default:
			return fn, true
		}
		if math.IsInf(hi, 1) {
			t = 2 * lo
		} else {
			t = (lo + hi) / 2
		}
		if hi-lo <= 1e-18*math.Max(1, hi) {
			break
		}
	}
	if lo > 0 { // an Armijo step whose curvature condition bisection could not meet
		for i := range xn {
			xn[i] = x[i] + lo*d[i]
		}
		return f(xn, gn), true
	}
	return fx, false
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}

func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}

func normInf(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
