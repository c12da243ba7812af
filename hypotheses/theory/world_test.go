package theory

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// testWorld is a random tabular world for the unit tests.
type testWorld struct {
	name                    string
	prompts, vocab, horizon int
	beta                    float64
}

var testWorlds = []testWorld{
	{"P1-V2-H1", 1, 2, 1, 1},
	{"P1-V3-H2", 1, 3, 2, 0.5},
	{"P2-V2-H3", 2, 2, 3, 0.7},
	{"P2-V3-H3", 2, 3, 3, 2},
}

func (w testWorld) build(t *testing.T, seed uint64) (*tree, *rand.Rand, []float64, []float64) {
	t.Helper()
	tr, err := newTree(w.prompts, w.vocab, w.horizon)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	ref := randomLogits(tr, rng, 1)
	refLogP := make([]float64, tr.numTraj())
	tr.logProbs(ref, refLogP)
	return tr, rng, ref, refLogP
}

func randomVec(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

func TestLogProbsNormalised(t *testing.T) {
	t.Parallel()
	for _, w := range testWorlds {
		tr, rng, _, _ := w.build(t, 1)
		p := tr.probs(randomLogits(tr, rng, 2))
		for q := range tr.prompts {
			if s := floats.Sum(p[q*tr.leaves : (q+1)*tr.leaves]); math.Abs(s-1) > 1e-14 {
				t.Errorf("%s prompt %d: Σ P(ξ) = %v, want 1", w.name, q, s)
			}
		}
	}
}

// TestSoftOptimalClosedForm checks the token-level soft value recursion
// against the trajectory-level projection P_ref·exp(r/β)/Z.
func TestSoftOptimalClosedForm(t *testing.T) {
	t.Parallel()
	for _, w := range testWorlds {
		for seed := uint64(1); seed <= 3; seed++ {
			tr, rng, ref, refLogP := w.build(t, seed)
			r := randomVec(rng, tr.numTraj())
			logZ := make([]float64, tr.prompts)
			got := tr.probs(tr.softOptimal(ref, r, w.beta, logZ))
			want := make([]float64, tr.numTraj())
			for q := range tr.prompts {
				lo, hi := q*tr.leaves, (q+1)*tr.leaves
				x := make([]float64, tr.leaves)
				for i := lo; i < hi; i++ {
					x[i-lo] = refLogP[i] + r[i]/w.beta
				}
				lz := floats.LogSumExp(x)
				if math.Abs(lz-logZ[q]) > 1e-12 {
					t.Errorf("%s seed %d: log Z = %v, want %v", w.name, seed, logZ[q], lz)
				}
				for i := lo; i < hi; i++ {
					want[i] = math.Exp(x[i-lo] - lz)
				}
			}
			if d := floats.Distance(got, want, math.Inf(1)); d > 1e-14 {
				t.Errorf("%s seed %d: max |P − P_ref·exp(r/β)/Z| = %v, want ≤ 1e-14", w.name, seed, d)
			}
		}
	}
}

// fdCheck compares the analytic gradient of f at x with central finite
// differences (step 1e-5) and fails if ‖fd − grad‖∞/‖grad‖∞ ≥ 1e-6.
func fdCheck(t *testing.T, name string, f objective, x []float64) {
	t.Helper()
	grad := make([]float64, len(x))
	f(x, grad)
	fd := make([]float64, len(x))
	xp := append([]float64(nil), x...)
	const h = 1e-5
	for i := range x {
		xp[i] = x[i] + h
		fp := f(xp, nil)
		xp[i] = x[i] - h
		fm := f(xp, nil)
		xp[i] = x[i]
		fd[i] = (fp - fm) / (2 * h)
	}
	scale := floats.Norm(grad, math.Inf(1))
	if scale == 0 {
		t.Fatalf("%s: zero gradient; the check would be vacuous", name)
	}
	if rel := floats.Distance(fd, grad, math.Inf(1)) / scale; rel >= 1e-6 {
		t.Errorf("%s: relative gradient error %.3g, want < 1e-6 (analytic %v, finite differences %v)", name, rel, grad, fd)
	}
}

func TestGradientsFiniteDifferences(t *testing.T) {
	t.Parallel()
	for _, w := range testWorlds {
		for seed := uint64(1); seed <= 3; seed++ {
			tr, rng, _, refLogP := w.build(t, seed)
			gold := randomVec(rng, tr.numTraj())
			g := genPrefData(tr, rng, 0, 1, 2, 3, gold)
			theta := randomLogits(tr, rng, 1)
			r := randomVec(rng, tr.numTraj())
			counts := make([]float64, tr.numTraj())
			for i := range counts {
				counts[i] = float64(1 + rng.IntN(5))
			}
			empirical := make([]float64, tr.numTraj())
			for q := range tr.prompts {
				lo, hi := q*tr.leaves, (q+1)*tr.leaves
				for i := lo; i < hi; i++ {
					empirical[i] = counts[i] / floats.Sum(counts[lo:hi])
				}
			}
			name := func(s string) string { return w.name + "/" + s }
			fdCheck(t, name("dpo"), dpoObjective(tr, &g.data, refLogP, w.beta), theta)
			fdCheck(t, name("bt"), btObjective(&g.data), r)
			fdCheck(t, name("rl"), rlObjective(tr, r, refLogP, w.beta), theta)
			fdCheck(t, name("sft"), sftObjective(tr, counts), theta)
			fdCheck(t, name("irl"), irlDual(tr, counts, refLogP, w.beta), r)
			fdCheck(t, name("spin"), btObjective(spinData(tr, empirical, counts, tr.probs(theta))), r)
		}
	}
}

// TestKLTieBreakIsClosestToRef moves a reward within its class (same
// differences inside every component; any offsets and off-data values) and
// checks that the tie-break's policy is never further from π_ref in KL.
func TestKLTieBreakIsClosestToRef(t *testing.T) {
	t.Parallel()
	for _, w := range testWorlds[1:] {
		tr, rng, ref, refLogP := w.build(t, 7)
		gold := randomVec(rng, tr.numTraj())
		g := genPrefData(tr, rng, tr.leaves/2, 1, 1, 2, gold)
		v := randomVec(rng, tr.numTraj())
		kl := func(r []float64) float64 {
			lp := make([]float64, tr.numTraj())
			tr.logProbs(tr.softOptimal(ref, r, w.beta, nil), lp)
			s := 0.0
			for i := range lp {
				s += math.Exp(lp[i]) * (lp[i] - refLogP[i])
			}
			return s
		}
		canon := klTieBreak(g, v, refLogP, w.beta)
		if d := math.Abs(btLoss(&g.data, canon, nil) - btLoss(&g.data, v, nil)); d > 1e-14 {
			t.Errorf("%s: tie-break changed the BT loss by %v", w.name, d)
		}
		best := kl(canon)
		for range 200 {
			moved := append([]float64(nil), canon...)
			offsets := randomVec(rng, len(g.members))
			for i := range moved {
				if c := g.comp[i]; c >= 0 {
					moved[i] += 0.3 * offsets[c]
				} else {
					moved[i] += 0.3 * rng.NormFloat64()
				}
			}
			if got := kl(moved); got < best-1e-12 {
				t.Fatalf("%s: a reward with the same identified differences has KL %v < tie-break's %v", w.name, got, best)
			}
		}
	}
}
