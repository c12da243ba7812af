package gradcheck

import (
	"math"
	"testing"
)

// fakeT records failures instead of stopping the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatal(...any)          { f.failed = true }

func TestCheckCatchesWrongGradients(t *testing.T) {
	params := []float64{0.3, -1.2, 2}
	f := func(x []float64) float64 { return math.Sin(x[0])*x[1] + x[2]*x[2]*x[1] }
	right := func(g []float64) float64 {
		if g != nil {
			g[0] += math.Cos(params[0]) * params[1]
			g[1] += math.Sin(params[0]) + params[2]*params[2]
			g[2] += 2 * params[2] * params[1]
		}
		return f(params)
	}
	wrong := func(g []float64) float64 {
		v := right(g)
		if g != nil {
			g[2] *= 1.001
		}
		return v
	}
	zero := func(g []float64) float64 { return f(params) }
	for _, tc := range []struct {
		name     string
		eval     func([]float64) float64
		wantFail bool
	}{{"right", right, false}, {"wrong", wrong, true}, {"zero", zero, true}} {
		ft := &fakeT{}
		Check(ft, params, tc.eval, 1e-6)
		if ft.failed != tc.wantFail {
			t.Errorf("%s: failed = %v, want %v", tc.name, ft.failed, tc.wantFail)
		}
	}
}
