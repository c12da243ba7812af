package theory

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"
)

func TestMinimise(t *testing.T) {
	t.Parallel()
	rosenbrock := func(x, g []float64) float64 {
		a, b := 1-x[0], x[1]-x[0]*x[0]
		if g != nil {
			g[0] = -2*a - 400*x[0]*b
			g[1] = 200 * b
		}
		return a*a + 100*b*b
	}
	// A convex quadratic with condition number 1e4 and a singular direction.
	quadratic := func(x, g []float64) float64 {
		d := []float64{1e-4, 1, 0}
		f := 0.0
		for i := range x {
			e := x[i] - float64(i+1)
			f += 0.5 * d[i] * e * e
			if g != nil {
				g[i] = d[i] * e
			}
		}
		return f
	}
	tests := []struct {
		name string
		f    objective
		x0   []float64
		want []float64
	}{
		{"rosenbrock", rosenbrock, []float64{-1.2, 1}, []float64{1, 1}},
		{"ill-conditioned quadratic", quadratic, []float64{0, 0, 5}, []float64{1, 2, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := minimise(tc.f, tc.x0)
			if err != nil {
				t.Fatal(err)
			}
			if d := floats.Distance(s.x, tc.want, math.Inf(1)); d > 1e-6 {
				t.Errorf("got x = %v, want %v (max diff %v)", s.x, tc.want, d)
			}
			if !(s.gradNorm <= gradAccept) {
				t.Errorf("got ‖∇f‖∞ = %v, want ≤ %v", s.gradNorm, gradAccept)
			}
		})
	}
}

// TestMinimiseOneSidedData documents why the datasets observe every edge in
// both orders: with one-sided data the Bradley–Terry MLE is at infinity, and
// the optimiser walks off until the gradient underflows its threshold.
func TestMinimiseOneSidedData(t *testing.T) {
	t.Parallel()
	d := &prefData{comps: []comparison{{0, 1, 1}}, total: 1}
	s, err := minimise(btObjective(d), []float64{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if gap := s.x[0] - s.x[1]; gap < 20 {
		t.Errorf("got reward gap %v on one-sided data, want it to run off (> 20)", gap)
	}
}

func TestMinimiseReportsUnboundedObjective(t *testing.T) {
	t.Parallel()
	lin := func(x, g []float64) float64 {
		if g != nil {
			g[0] = 1
		}
		return x[0]
	}
	if s, err := minimise(lin, []float64{0}); err == nil {
		t.Errorf("got no error minimising x (ended at %v), want one", s.x)
	}
}
