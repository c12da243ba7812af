package metrics

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/floats"

	"gapbench/datasets"
	"gapbench/model"
)

func testWorld(t *testing.T, reward string) *datasets.World {
	t.Helper()
	c := datasets.DefaultConfig()
	c.V, c.H = 4, 3
	c.TrainPrompts, c.ValPrompts, c.AugPrompts = 6, 5, 0
	c.TeacherWidth, c.Pairs, c.Demos = 16, 30, 2
	c.Reward = reward
	c.Seed = 3
	w, err := datasets.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// mc accumulates a Monte Carlo mean and its standard error.
type mc struct{ n, s, ss float64 }

func (a *mc) add(v float64) { a.n++; a.s += v; a.ss += v * v }
func (a *mc) mean() float64 { return a.s / a.n }
func (a *mc) se() float64   { m := a.mean(); return math.Sqrt(math.Max(a.ss/a.n-m*m, 0) / a.n) }
func (a *mc) check(t *testing.T, name string, exact float64) {
	t.Helper()
	if d := math.Abs(a.mean() - exact); d > 4*a.se()+1e-12 {
		t.Errorf("%s: Monte Carlo %.5f ± %.5f (SE), exact %.5f: off by %.1f SE", name, a.mean(), a.se(), exact, d/a.se())
	}
}

// TestPolicyMetricsMonteCarlo checks every exact policy metric against a Monte
// Carlo estimate from samples of the policy: each within 4 standard errors.
func TestPolicyMetricsMonteCarlo(t *testing.T) {
	for _, level := range []string{datasets.RewardSimple, datasets.RewardRouge} {
		t.Run(level, func(t *testing.T) {
			w := testWorld(t, level)
			rng := rand.New(rand.NewPCG(1, 1))
			pi := model.NewMLP(w.Space, w.Config.PromptVocab, 8, model.MLPInit{In: 0.6, Out: 1.5}, rng)
			ref := model.NewMLP(w.Space, w.Config.PromptVocab, 8, model.MLPInit{In: 0.6, Out: 1.5}, rng)
			const beta = 0.5
			e := NewEvaluator(w, ref, beta, w.Pairs)
			exact := e.Policy(pi)

			var win, gold, kl, sub, rouge, ood, rare mc
			y := make([]int, w.Space.H)
			yr := make([]int, w.Space.H)
			star := make([]float64, w.Space.Size())
			const draws = 20000
			for _, p := range w.Val {
				x := w.Prompts[p].Input
				ref.Enumerate(x, star)
				for i := range star {
					star[i] += w.Gold[p][i] / (w.Config.Tau * beta)
				}
				z := floats.LogSumExp(star)
				for range draws {
					pi.Sample(rng, x, 1, y)
					w.Teacher.Sample(rng, x, 1, yr)
					g, gr := w.GoldReward(p, y), w.GoldReward(p, yr)
					switch {
					case g > gr:
						win.add(100)
					case g == gr:
						win.add(50)
					default:
						win.add(0)
					}
					lp := pi.Score(x, y, nil, 0)
					gold.add(g)
					kl.add(lp - ref.Score(x, y, nil, 0))
					sub.add(lp - (star[w.Space.Encode(y)] - z))
					rouge.add(datasets.RougeL(y, w.Reference[p]))
					if ref.Score(x, y, nil, 0) < math.Log(RareThreshold) {
						rare.add(1)
					} else {
						rare.add(0)
					}
				}
			}
			for _, p := range w.Train {
				for range draws {
					pi.Sample(rng, w.Prompts[p].Input, 1, y)
					if e.seen[p][w.Space.Encode(y)] {
						ood.add(0)
					} else {
						ood.add(1)
					}
				}
			}
			win.check(t, "win_rate", exact.WinRate)
			gold.check(t, "gold_reward", exact.GoldReward)
			kl.check(t, "kl_ref", exact.KLRef)
			sub.check(t, "subopt", exact.Subopt)
			rouge.check(t, "rouge_l", exact.RougeL)
			ood.check(t, "ood_mass", exact.OODMass)
			rare.check(t, "rare_mass", exact.RareMass)
		})
	}
}

// TestTeacherScoresFifty checks the exact identity that the teacher's win rate is 50.
func TestTeacherScoresFifty(t *testing.T) {
	w := testWorld(t, datasets.RewardBigram)
	m := NewEvaluator(w, w.Teacher, 1, w.Pairs).Policy(w.Teacher)
	if math.Abs(m.WinRate-50) > 1e-10 || math.Abs(m.KLRef) > 1e-12 {
		t.Errorf("teacher: win rate %v, KL to itself %v; want 50 and 0", m.WinRate, m.KLRef)
	}
}

// TestBestOfNMonteCarlo checks exact Best-of-N against direct simulation.
func TestBestOfNMonteCarlo(t *testing.T) {
	w := testWorld(t, datasets.RewardSimple)
	rng := rand.New(rand.NewPCG(2, 2))
	pi := w.Teacher
	noisy := model.NewLinearRM(w.Space, w.Config.PromptVocab)
	for i := range noisy.Params() {
		noisy.Params()[i] = rng.NormFloat64()
	}
	// An informative but imperfect scorer: gold reward plus a random linear term.
	r := func(x model.Input, y []int) float64 {
		return w.Gold[x.ID][w.Space.Encode(y)] + 0.5*noisy.Reward(x, y, nil, 0)
	}
	ns := []int{1, 2, 5}
	exact := BestOfN(w, pi, r, w.Val, ns)
	y := make([]int, w.Space.H)
	for j, n := range ns {
		var acc mc
		for _, p := range w.Val {
			x := w.Prompts[p].Input
			for range 4000 {
				bestS, bestI := math.Inf(-1), -1
				for range n {
					pi.Sample(rng, x, 1, y)
					s, i := r(x, y), w.Space.Encode(y)
					if s > bestS || (s == bestS && i > bestI) {
						bestS, bestI = s, i
					}
				}
				acc.add(w.Gold[p][bestI])
			}
		}
		acc.check(t, "best-of-n", exact[j])
	}
	if !(exact[2] > exact[0]) {
		t.Errorf("best-of-5 %.4f should beat best-of-1 %.4f with an informative scorer", exact[2], exact[0])
	}
}

// TestPairLikelihood checks the label-integrated likelihood against simulation of labels.
func TestPairLikelihood(t *testing.T) {
	w := testWorld(t, datasets.RewardSimple)
	gold := func(x model.Input, y []int) float64 { return w.Gold[x.ID][w.Space.Encode(y)] }
	exact := PairLikelihood(w, gold, w.Pairs)
	rng := rand.New(rand.NewPCG(4, 4))
	var acc mc
	for range 2000 {
		for _, pr := range w.Pairs {
			x := w.Prompts[pr.Prompt].Input
			a, b := pr.Chosen, pr.Rejected
			if rng.Float64() >= w.PreferProb(pr.Prompt, a, b) {
				a, b = b, a
			}
			acc.add(datasets.Sigmoid(gold(x, a) - gold(x, b)))
		}
	}
	acc.check(t, "pair likelihood", exact)
	// Ranking accuracy of a noisy scorer, against simulated labels.
	rng2 := rand.New(rand.NewPCG(5, 5))
	noisy := func(x model.Input, y []int) float64 { return gold(x, y) + 0.7*float64((w.Space.Encode(y)*7919)%13-6) }
	exactAcc := PairAccuracy(w, noisy, w.Pairs)
	var accAcc mc
	for range 2000 {
		for _, pr := range w.Pairs {
			x := w.Prompts[pr.Prompt].Input
			a, b := pr.Chosen, pr.Rejected
			if rng2.Float64() >= w.PreferProb(pr.Prompt, a, b) {
				a, b = b, a
			}
			switch d := noisy(x, a) - noisy(x, b); {
			case d > 0:
				accAcc.add(1)
			case d < 0:
				accAcc.add(0)
			default:
				accAcc.add(0.5)
			}
		}
	}
	accAcc.check(t, "pair accuracy", exactAcc)
	if a := PairAccuracy(w, func(x model.Input, y []int) float64 { return 3 * gold(x, y) }, w.Pairs); a != PairAccuracy(w, gold, w.Pairs) {
		t.Errorf("accuracy changed with the scorer's scale: %v", a)
	}
	if exact <= 0.5 {
		t.Errorf("the gold reward's own likelihood %.4f should beat chance", exact)
	}
}

// bestOfNRef is BestOfN as it was first written: the reference its faster
// implementation must match bit for bit.
func bestOfNRef(w *datasets.World, pi model.Policy, r Scorer, prompts []int, ns []int) []float64 {
	n := w.Space.Size()
	lp := make([]float64, n)
	score := make([]float64, n)
	idx := make([]int, n)
	y := make([]int, w.Space.H)
	out := make([]float64, len(ns))
	for _, p := range prompts {
		x := w.Prompts[p].Input
		pi.Enumerate(x, lp)
		for i := range score {
			w.Space.Decode(i, y)
			score[i] = r(x, y)
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] < score[idx[b]] })
		for j, k := range ns {
			f0, e := 0.0, 0.0
			for _, i := range idx {
				f1 := f0 + math.Exp(lp[i])
				e += (math.Pow(f1, float64(k)) - math.Pow(f0, float64(k))) * w.Gold[p][i]
				f0 = f1
			}
			out[j] += e
		}
	}
	for j := range out {
		out[j] /= float64(len(prompts))
	}
	return out
}

// TestBestOfNBitIdentical checks BestOfN against its first implementation, bit
// for bit, with ties and NaN scores, and large N whose powers underflow.
func TestBestOfNBitIdentical(t *testing.T) {
	w := testWorld(t, datasets.RewardBigram)
	gold := func(x model.Input, y []int) float64 { return w.Gold[x.ID][w.Space.Encode(y)] }
	for _, tc := range []struct {
		name string
		r    Scorer
	}{
		{"gold", gold},
		{"ties", func(x model.Input, y []int) float64 { return math.Round(gold(x, y)) }},
		{"nan", func(x model.Input, y []int) float64 {
			if w.Space.Encode(y)%7 == 3 {
				return math.NaN()
			}
			return gold(x, y)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := []int{1, 2, 3, 5, 10, 25, 100, 1000, 0}
			got := BestOfN(w, w.Teacher, tc.r, w.Val, ns)
			want := bestOfNRef(w, w.Teacher, tc.r, w.Val, ns)
			for j := range ns {
				if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
					t.Errorf("N = %d: got %v, want %v", ns[j], got[j], want[j])
				}
			}
		})
	}
}

// TestPowInt checks powInt against math.Pow bit for bit over [0, 1] (with many
// arguments whose powers underflow) and a little above 1.
func TestPowInt(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	sq := make([]float64, 12)
	for i := range 200000 {
		var x float64
		switch i % 4 {
		case 0:
			x = rng.Float64()
		case 1:
			x = math.Exp(-rng.ExpFloat64() * 100)
		case 2:
			x = 1 + rng.Float64()*1e-12
		default:
			x = math.Ldexp(rng.Float64(), -1000-rng.IntN(80))
		}
		sq[0] = x
		for b := 1; b < len(sq); b++ {
			sq[b] = sq[b-1] * sq[b-1]
		}
		for _, k := range []int{0, 1, 2, 3, 5, 10, 25, 100, 1000, 2047} {
			got, want := powInt(x, k, sq), math.Pow(x, float64(k))
			if math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("powInt(%v, %d) = %v, math.Pow = %v", x, k, got, want)
			}
		}
	}
}

// TestRank checks rank against sort.SliceStable on scores with ties, signed
// zeros, infinities and NaNs.
func TestRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := range 40 {
		n := 1 + rng.IntN(5000)
		s := make([]float64, n)
		for i := range s {
			switch rng.IntN(8) {
			case 0:
				s[i] = math.Copysign(0, -1)
			case 1:
				s[i] = 0
			case 2:
				s[i] = math.Round(rng.NormFloat64() * 3)
			case 3:
				s[i] = math.Inf(2*rng.IntN(2) - 1)
			case 4:
				if trial%4 == 0 {
					s[i] = math.NaN()
				}
			default:
				s[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
			}
		}
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		sort.SliceStable(want, func(a, b int) bool { return s[want[a]] < s[want[b]] })
		got := make([]int32, n)
		rank(s, got, make([]rankKey, 2*n))
		for j := range got {
			if int(got[j]) != want[j] {
				t.Fatalf("trial %d (n=%d): position %d holds %d, want %d", trial, n, j, got[j], want[j])
			}
		}
	}
}
