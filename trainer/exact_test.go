package trainer

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gapbench/model"
)

// tiltTargets returns log π_ref(·|x)·exp(r(x,·)/β)/Z for each input.
func tiltTargets(ref model.Policy, r func(x model.Input, y []int) float64, xs []model.Input, beta float64) [][]float64 {
	out := make([][]float64, len(xs))
	rv := make([]float64, sp.Size())
	y := make([]int, sp.H)
	for i, x := range xs {
		out[i] = make([]float64, sp.Size())
		ref.Enumerate(x, out[i])
		for j := range rv {
			sp.Decode(j, y)
			rv[j] = r(x, y)
		}
		model.TiltTarget(out[i], rv, beta, out[i])
	}
	return out
}

// distance returns the largest |log π − log p*| over every completion of every
// prompt, and the mean KL(π‖p*).
func distance(pi model.Policy, xs []model.Input, targets [][]float64) (maxAbs, kl float64) {
	lp := make([]float64, sp.Size())
	for i, x := range xs {
		pi.Enumerate(x, lp)
		for j, l := range lp {
			maxAbs = math.Max(maxAbs, math.Abs(l-targets[i][j]))
			kl += math.Exp(l) * (l - targets[i][j])
		}
	}
	return maxAbs, kl / float64(len(xs))
}

// TestExactReachesClosedForm runs MinimiseExact on the projection objective where
// the projection has a closed form — it is the target itself, since the target
// lies in the class — and checks that it gets there within 1e-6:
//   - trie: a free distribution per prompt, so any p* is in the class;
//   - tilt with linear f and a linear reward: π_ref·exp(r/β) is the tilt with f = r.
//
// It also checks the run is deterministic and that the curve and probes match the
// steps taken.
func TestExactReachesClosedForm(t *testing.T) {
	const beta = 0.3
	xs := inputs(5)
	ref := newPolicy(11)
	rng := rand.New(rand.NewPCG(12, 12))
	linR := model.NewLinearRM(sp, 5)
	for i := range linR.Params() {
		linR.Params()[i] = rng.NormFloat64()
	}
	gold := func(x model.Input, y []int) float64 { return linR.Reward(x, y, nil, 0) }
	// A reward outside the linear class, for the trie.
	bumpy := func(x model.Input, y []int) float64 { return math.Sin(float64(3*y[0]+y[1]*y[2]+x.ID)) * 1.5 }

	// The trie starts at π_ref, as exact RLHF does.
	trie := model.NewTrie(sp, len(xs))
	lp := make([]float64, sp.Size())
	for _, x := range xs {
		ref.Enumerate(x, lp)
		trie.SetFromJoint(x.ID, lp)
	}
	for _, tc := range []struct {
		name    string
		pi      model.Policy
		targets [][]float64
		tol     float64 // on max |log π − log p*|
		natural bool    // MinimiseNatural rather than MinimiseExact
	}{
		{"trie", trie, tiltTargets(ref, bumpy, xs, beta), 1e-6, true},
		{"tilt-linear", model.NewTilt(ref.Clone(), model.NewLinearRM(sp, 5), beta), tiltTargets(ref, gold, xs, beta), 1e-6, false},
		{"tilt-linear-natural", model.NewTilt(ref.Clone(), model.NewLinearRM(sp, 5), beta), tiltTargets(ref, gold, xs, beta), 1e-6, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := slices.Clone(tc.pi.Params())
			d0, kl0 := distance(tc.pi, xs, tc.targets)
			proj := model.NewProjection(tc.pi, xs, tc.targets)
			minimise := func(opt ExactOptions) ExactResult {
				var res ExactResult
				var err error
				if tc.natural {
					res, err = MinimiseNatural(context.Background(), tc.pi.Params(), proj.Natural, proj.Eval, opt)
				} else {
					res, err = MinimiseExact(context.Background(), tc.pi.Params(), proj.Eval, opt)
				}
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			var probes []int
			res := minimise(ExactOptions{MaxSteps: 2000, GradTol: 1e-9, Probe: func(step int) { probes = append(probes, step) }})
			d, kl := distance(tc.pi, xs, tc.targets)
			t.Logf("%s: %d steps (%s), ‖∇L‖∞ %.2g; max |log π − log p*| %.3g → %.3g, KL %.3g → %.3g",
				tc.name, res.Steps, res.Status, res.GradNorm, d0, d, kl0, kl)
			if !res.Converged || d >= tc.tol || kl >= 1e-12 {
				t.Errorf("converged %v, max |log π − log p*| = %.3g (want < %g), KL = %.3g (want < 1e-12)", res.Converged, d, tc.tol, kl)
			}
			if len(res.Curve) != res.Steps || res.Steps < 1 {
				t.Errorf("curve has %d entries for %d steps", len(res.Curve), res.Steps)
			}
			if math.Abs(res.Value-kl) > 1e-12 {
				t.Errorf("reported L = %g, KL at the returned parameters = %g", res.Value, kl)
			}
			if probes[0] != 0 || probes[len(probes)-1] != res.Steps || !slices.IsSorted(probes) {
				t.Errorf("probes at %v for %d steps, want 0, 1, 2, 4, … and the last", probes, res.Steps)
			}
			// The same run again gives bit-identical parameters, and with
			// ProbeAll probes every iterate 0 … Steps once, in order.
			end := slices.Clone(tc.pi.Params())
			copy(tc.pi.Params(), start)
			probes = nil
			again := minimise(ExactOptions{MaxSteps: 2000, GradTol: 1e-9, ProbeAll: true, Probe: func(step int) { probes = append(probes, step) }})
			if !slices.Equal(end, tc.pi.Params()) || again.Steps != res.Steps {
				t.Error("a second run from the same start differs")
			}
			if len(probes) != res.Steps+1 {
				t.Fatalf("ProbeAll probed %v for %d steps, want 0 … %d", probes, res.Steps, res.Steps)
			}
			for i, p := range probes {
				if p != i {
					t.Fatalf("ProbeAll probed %v for %d steps, want 0 … %d", probes, res.Steps, res.Steps)
				}
			}
		})
	}
}

// TestExactCap checks that the step cap is honoured and reported as not converged.
func TestExactCap(t *testing.T) {
	xs := inputs(3)
	pi := newPolicy(13)
	targets := tiltTargets(newPolicy(14), func(x model.Input, y []int) float64 { return float64(y[0]) }, xs, 0.2)
	proj := model.NewProjection(pi, xs, targets)
	l0 := proj.Eval(nil)
	res, err := MinimiseExact(context.Background(), pi.Params(), proj.Eval, ExactOptions{MaxSteps: 3, GradTol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	if res.Converged || res.Steps != 3 || len(res.Curve) != 3 {
		t.Errorf("converged %v after %d steps (curve %d), want not converged after 3", res.Converged, res.Steps, len(res.Curve))
	}
	if !(res.Value < l0) || res.Value != proj.Eval(nil) {
		t.Errorf("L went %g → %g (recomputed %g), want a decrease and the returned parameters' value", l0, res.Value, proj.Eval(nil))
	}
}

// TestExactCancelAndTrace checks that both minimisers stop with ctx's error once
// it is cancelled, and that Trace replaces L in the curve.
func TestExactCancelAndTrace(t *testing.T) {
	xs := inputs(3)
	pi := newPolicy(15)
	targets := tiltTargets(newPolicy(16), func(x model.Input, y []int) float64 { return float64(y[1]) }, xs, 0.2)
	proj := model.NewProjection(pi, xs, targets)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := MinimiseExact(ctx, pi.Params(), proj.Eval, ExactOptions{MaxSteps: 10, GradTol: 1e-9}); !errors.Is(err, context.Canceled) {
		t.Errorf("MinimiseExact on a cancelled context: %v", err)
	}
	trie := model.NewTrie(sp, 3)
	tp := model.NewProjection(trie, xs, targets)
	if _, err := MinimiseNatural(ctx, trie.Params(), tp.Natural, tp.Eval, ExactOptions{MaxSteps: 10, GradTol: 1e-9}); !errors.Is(err, context.Canceled) {
		t.Errorf("MinimiseNatural on a cancelled context: %v", err)
	}
	res, err := MinimiseExact(context.Background(), pi.Params(), proj.Eval, ExactOptions{MaxSteps: 4, GradTol: 1e-12,
		Trace: func() float64 { return -1 }})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range res.Curve {
		if v != -1 {
			t.Fatalf("curve[%d] = %v, want the trace's -1", i, v)
		}
	}
}

// TestExactScaleAndAbsTol checks the diagonal preconditioner (the iteration
// reaches the same minimum of a quadratic whose curvatures span 1e6, with
// its gradient criterion in the original coordinates, and faster than without)
// and the absolute stall criterion (it ends a run whose objective still moves,
// by less than AbsTol per Window, as converged), and that Evals counts the
// evaluations.
func TestExactScaleAndAbsTol(t *testing.T) {
	const n = 20
	curv := make([]float64, n)
	for i := range curv {
		curv[i] = math.Pow(10, 6*float64(i)/(n-1))
	}
	calls := 0
	run := func(scale []float64, opt ExactOptions) (ExactResult, []float64) {
		x := make([]float64, n)
		for i := range x {
			x[i] = 1
		}
		calls = 0
		eval := func(g []float64) float64 {
			calls++
			l := 0.0
			for i, c := range curv {
				l += 0.5 * c * (x[i] - 2) * (x[i] - 2)
				if g != nil {
					g[i] += c * (x[i] - 2)
				}
			}
			return l
		}
		opt.Scale = scale
		res, err := MinimiseExact(context.Background(), x, eval, opt)
		if err != nil {
			t.Fatal(err)
		}
		return res, x
	}
	scale := make([]float64, n)
	for i, c := range curv {
		scale[i] = 1 / math.Sqrt(c)
	}
	plain, _ := run(nil, ExactOptions{MaxSteps: 500, GradTol: 1e-8})
	pre, x := run(scale, ExactOptions{MaxSteps: 500, GradTol: 1e-8})
	if !pre.Converged || pre.GradNorm >= 1e-8 {
		t.Fatalf("preconditioned: converged %v, ‖∇‖∞ %g", pre.Converged, pre.GradNorm)
	}
	for i, v := range x {
		if math.Abs(v-2) > 1e-8 {
			t.Fatalf("preconditioned: x[%d] = %v, want 2", i, v)
		}
	}
	if pre.Evals != calls || pre.Evals < pre.Steps {
		t.Errorf("Evals %d, eval called %d times over %d steps", pre.Evals, calls, pre.Steps)
	}
	if pre.Steps >= plain.Steps {
		t.Errorf("preconditioned took %d steps, plain %d", pre.Steps, plain.Steps)
	}
	// A loose absolute tolerance ends the unpreconditioned run early, converged.
	loose, _ := run(nil, ExactOptions{MaxSteps: 500, GradTol: 1e-12, AbsTol: 1e-2})
	if !loose.Converged || loose.Status != "FunctionConvergence" || loose.Steps < Window || loose.Steps >= plain.Steps {
		t.Errorf("AbsTol: converged %v (%s) after %d steps, plain %d", loose.Converged, loose.Status, loose.Steps, plain.Steps)
	}
}
