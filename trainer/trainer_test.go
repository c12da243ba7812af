package trainer

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gapbench/internal/gradcheck"

	"gapbench/model"
)

var sp = model.Space{V: 4, H: 3}

func inputs(n int) []model.Input {
	rng := rand.New(rand.NewPCG(9, 9))
	xs := make([]model.Input, n)
	for i := range xs {
		xs[i] = model.Input{ID: i, Bag: []model.Feature{{Index: rng.IntN(5), Value: 0.5}, {Index: rng.IntN(5), Value: 0.5}}}
	}
	return xs
}

func newPolicy(seed uint64) *model.MLP {
	return model.NewMLP(sp, 5, 6, model.MLPInit{In: 0.8, Out: 1.5}, rand.New(rand.NewPCG(seed, 0)))
}

func comparisons(n int) []Comparison {
	rng := rand.New(rand.NewPCG(5, 5))
	xs := inputs(n)
	cs := make([]Comparison, n)
	for i := range cs {
		a, b := make([]int, sp.H), make([]int, sp.H)
		for t := range a {
			a[t], b[t] = rng.IntN(sp.V), rng.IntN(sp.V)
		}
		cs[i] = Comparison{X: xs[i], Chosen: a, Rejected: b}
	}
	return cs
}

// TestObjectiveGradients checks every deterministic loss against finite differences.
func TestObjectiveGradients(t *testing.T) {
	cs := comparisons(6)
	ref := newPolicy(2)
	items := NewPrefItems(ref, cs)
	examples := make([]Example, len(cs))
	for i, c := range cs {
		examples[i] = Example{X: c.X, Y: c.Chosen}
	}
	rm := model.NewBackboneRM(newPolicy(3), 1, rand.New(rand.NewPCG(4, 4)))
	tilt := model.NewTilt(ref, model.NewLinearRM(sp, 5), 0.5)
	for i := range tilt.Params() {
		tilt.Params()[i] = 0.1 * float64(i%7-3)
	}
	cases := []struct {
		name   string
		params []float64
		loss   func(g []float64) float64
	}{
		{"sft", nil, nil},
		{"bt", rm.Params(), func(g []float64) float64 { return BT{RM: rm}.Loss(cs, g) }},
		{"dpo-tilt", tilt.Params(), func(g []float64) float64 {
			return (&DPO{Policy: tilt, Beta: 0.5, Kind: LossSigmoid}).Loss(items, g)
		}},
	}
	p := newPolicy(1)
	cases[0].params = p.Params()
	cases[0].loss = func(g []float64) float64 { return SFT{Policy: p}.Loss(examples, g) }
	for _, kind := range DPOLosses {
		for _, sftw := range []float64{0, 0.3} {
			q := newPolicy(1)
			o := &DPO{Policy: q, Beta: 0.7, Kind: kind, SFTWeight: sftw}
			name := "dpo-" + kind
			if sftw > 0 {
				name += "-sftreg"
			}
			cases = append(cases, struct {
				name   string
				params []float64
				loss   func(g []float64) float64
			}{name, q.Params(), func(g []float64) float64 { return o.Loss(items, g) }})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { gradcheck.Check(t, tc.params, tc.loss, 1e-6) })
	}
}

// TestKLEstimator checks that the reverse-KL regulariser's stochastic gradient is
// unbiased: its average over many batches matches the exact gradient of
// KL(π‖π_ref), computed by enumeration, within 4 standard errors.
func TestKLEstimator(t *testing.T) {
	p, ref := newPolicy(1), newPolicy(2)
	x := inputs(1)[0]
	n := len(p.Params())
	// Exact: ∇KL = Σ_y π(y)(log π(y) − log π_ref(y))∇log π(y).
	exact := make([]float64, n)
	lp, lr := make([]float64, sp.Size()), make([]float64, sp.Size())
	p.Enumerate(x, lp)
	ref.Enumerate(x, lr)
	y := make([]int, sp.H)
	for i := range lp {
		sp.Decode(i, y)
		p.Score(x, y, exact, math.Exp(lp[i])*(lp[i]-lr[i]))
	}
	o := &DPO{Policy: p, Ref: ref, Beta: 1, KLWeight: 1, KLSamples: 4, Rng: rand.New(rand.NewPCG(1, 2))}
	batch := make([]PrefItem, 8)
	for i := range batch {
		batch[i].X = x
	}
	const reps = 4000
	sum, sumsq := make([]float64, n), make([]float64, n)
	g := make([]float64, n)
	for range reps {
		clear(g)
		o.klTerm(batch, g)
		for i, v := range g {
			sum[i] += v
			sumsq[i] += v * v
		}
	}
	bad := 0
	for i := range sum {
		mean := sum[i] / reps
		se := math.Sqrt(math.Max(sumsq[i]/reps-mean*mean, 0) / reps)
		if math.Abs(mean-exact[i]) > 4*se+1e-12 {
			bad++
		}
	}
	// 4 SE per coordinate: a handful of misses among hundreds would be chance; more is bias.
	if bad > n/100+1 {
		t.Errorf("%d of %d gradient coordinates outside 4 SE of the exact KL gradient", bad, n)
	}
}

func TestOfflineSource(t *testing.T) {
	items := []int{0, 1, 2, 3, 4, 5, 6}
	src := NewOffline(items, 3, 2, rand.New(rand.NewPCG(1, 1)))
	seen := map[int]int{}
	batches := 0
	for {
		b, ok := src.Next()
		if !ok {
			break
		}
		batches++
		for _, i := range b {
			seen[i]++
		}
	}
	if batches != 6 {
		t.Errorf("got %d batches, want 6 (ceil(7/3) per epoch × 2)", batches)
	}
	for _, i := range items {
		if seen[i] != 2 {
			t.Errorf("item %d seen %d times, want 2", i, seen[i])
		}
	}
}

func TestOnlinePairs(t *testing.T) {
	p := newPolicy(1)
	// The labeller records every completion it scores, per prompt, in order.
	scored := map[int][][]int{}
	score := func(y []int) float64 { return float64(y[0] + y[1] - y[2]) }
	labeller := FuncLabeller(func(x model.Input, y []int) float64 {
		scored[x.ID] = append(scored[x.ID], append([]int(nil), y...))
		return score(y)
	})
	xs := inputs(5)
	const k = 6
	src := NewOnline(OnlineConfig{K: k, Temperature: 1, Rounds: 1, Batch: 2, Epochs: 1}, xs, p, p, labeller, rand.New(rand.NewPCG(1, 1)))
	n := 0
	for {
		b, ok := src.Next()
		if !ok {
			break
		}
		n += len(b)
	}
	if n != len(xs) {
		t.Fatalf("trained on %d items, want %d", n, len(xs))
	}
	for _, c := range src.Pairs() {
		samples := scored[c.X.ID]
		if len(samples) != k {
			t.Fatalf("prompt %d: %d completions scored, want K = %d", c.X.ID, len(samples), k)
		}
		best, worst := samples[0], samples[0]
		for _, y := range samples[1:] {
			if score(y) > score(best) {
				best = y
			}
			if score(y) < score(worst) {
				worst = y
			}
		}
		if !slices.Equal(c.Chosen, best) || !slices.Equal(c.Rejected, worst) {
			t.Errorf("prompt %d: pair %v ≻ %v, want the first best %v and first worst %v of %v", c.X.ID, c.Chosen, c.Rejected, best, worst, samples)
		}
	}
}

// TestTrainReducesLoss checks that training a policy by DPO on fixed pairs lowers the loss.
func TestTrainReducesLoss(t *testing.T) {
	p, ref := newPolicy(1), newPolicy(1)
	items := NewPrefItems(ref, comparisons(32))
	curve, err := Train(context.Background(), p.Params(), NewOffline(items, 8, 20, rand.New(rand.NewPCG(1, 1))),
		&DPO{Policy: p, Beta: 1, Kind: LossSigmoid}, Options{LR: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	if len(curve) != 80 {
		t.Fatalf("%d steps, want 80", len(curve))
	}
	first, last := curve[0], curve[len(curve)-1]
	if math.Abs(first-math.Log(2)) > 1e-12 {
		t.Errorf("initial loss %v, want log 2 (policy equals its reference)", first)
	}
	if !(last < 0.5*first) {
		t.Errorf("loss went from %.4f to %.4f, want it at least halved", first, last)
	}
}

// TestAdamStepMatchesPortable checks the Adam update against its portable
// twin, bit for bit, at every length up to 40.
func TestAdamStepMatchesPortable(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for n := range 41 {
		draw := func() []float64 {
			x := make([]float64, n)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			return x
		}
		p, g, m, v := draw(), draw(), draw(), draw()
		for i := range v {
			v[i] *= v[i]
		}
		c := adamConsts{b1: 0.9, omb1: 1 - 0.9, b2: 0.999, omb2: 1 - 0.999, lr: 3e-3, eps: 1e-8 * 0.7}
		p2, m2, v2 := append([]float64(nil), p...), append([]float64(nil), m...), append([]float64(nil), v...)
		adamStep(p, g, m, v, &c)
		adamStepGo(p2, g, m2, v2, &c)
		for i := range p {
			if math.Float64bits(p[i]) != math.Float64bits(p2[i]) || math.Float64bits(m[i]) != math.Float64bits(m2[i]) || math.Float64bits(v[i]) != math.Float64bits(v2[i]) {
				t.Fatalf("n=%d, element %d: got (%v, %v, %v), portable (%v, %v, %v)", n, i, p[i], m[i], v[i], p2[i], m2[i], v2[i])
			}
		}
	}
}

// TestTrainStopsOnNonFinite trains DPO at a learning rate of 1e308: the first
// step overflows the parameters, and Train must stop there with a
// *NonFiniteError rather than carry NaN to the end.
func TestTrainStopsOnNonFinite(t *testing.T) {
	p, ref := newPolicy(1), newPolicy(1)
	items := NewPrefItems(ref, comparisons(32))
	curve, err := Train(context.Background(), p.Params(), NewOffline(items, 8, 20, rand.New(rand.NewPCG(1, 1))),
		&DPO{Policy: p, Beta: 1, Kind: LossSigmoid}, Options{LR: 1e308})
	var nf *NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("Train at lr 1e308: error %v, want a *NonFiniteError", err)
	}
	if len(curve) >= 80 || nf.Step != len(curve) {
		t.Errorf("stopped at step %d with %d losses, want it to stop early at the last recorded step", nf.Step, len(curve))
	}
}

// TestTrainStopsOnCancel cancels the context from the probe after step 2:
// Train must return context.Canceled before the third step.
func TestTrainStopsOnCancel(t *testing.T) {
	p, ref := newPolicy(1), newPolicy(1)
	items := NewPrefItems(ref, comparisons(32))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := Options{LR: 0.02, Every: 1, Probe: func(step int) {
		if step == 2 {
			cancel()
		}
	}}
	curve, err := Train(ctx, p.Params(), NewOffline(items, 8, 20, rand.New(rand.NewPCG(1, 1))),
		&DPO{Policy: p, Beta: 1, Kind: LossSigmoid}, opt)
	if !errors.Is(err, context.Canceled) || len(curve) != 2 {
		t.Errorf("Train = %d steps, %v; want 2 steps, context.Canceled", len(curve), err)
	}
}
