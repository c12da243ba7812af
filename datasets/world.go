package datasets

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"

	"gapbench/internal/vmath"
	"gapbench/model"
)

// Prompt is a post: its tokens, the latent topic they were drawn from, and the
// sparse bag of tokens that models see.
type Prompt struct {
	ID     int         // index in World.Prompts
	Tokens []int       // prompt tokens in [0, PromptVocab)
	Topic  int         // latent topic, hidden from models
	Input  model.Input // what a model sees: ID and normalised bag of tokens
}

// Demo is one SFT demonstration: a teacher summary of a training prompt.
type Demo struct {
	Prompt  int   // index in World.Prompts
	Summary []int // H tokens
}

// Pair is one preference: Chosen ≻ Rejected for a prompt.
type Pair struct {
	Prompt   int   // index in World.Prompts
	Chosen   []int // H tokens
	Rejected []int // H tokens
}

// World is one generated tldr-synth world.
type World struct {
	Config  Config
	Space   model.Space
	Prompts []Prompt // train, then validation, then augmentation prompts
	Train   []int    // indices of training prompts
	Val     []int    // indices of validation prompts
	Aug     []int    // indices of augmentation prompts (no demonstrations, no pairs)

	Teacher *model.MLP // the human writers: demonstrations and reference summaries
	Writer2 *model.MLP // a second, unrelated writer: hidden references (rouge) and shifted pairs

	// Gold[p][i] is the gold reward of completion i for prompt p, normalised to
	// mean 0 and standard deviation 1 under the teacher's distribution for p.
	Gold [][]float64
	// Reference[p] is the reference summary of prompt p: the teacher's most likely completion.
	Reference [][]int
	Demos     []Demo
	Pairs     []Pair

	// win[k][i] is P(completion i beats a teacher summary of Val[k] under the gold judge), ties ½.
	win [][]float64
}

// RNG streams, one per purpose, so that adding draws to one leaves the others unchanged.
const (
	streamPrompts uint64 = iota + 1
	streamTeacher
	streamReward
	streamDemos
	streamPairs
	streamWriter2
	streamPolicyReward
)

// Rand returns a generator for one named purpose of this world's seed.
func (c Config) Rand(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(c.Seed, stream))
}

// Generate builds the world for c. It returns an error naming the field when c is invalid.
func Generate(c Config) (*World, error) { return GenerateContext(context.Background(), c) }

// GenerateContext is Generate, stopping with ctx's error when ctx is done
// (tabulating the gold reward of a large world takes seconds).
func GenerateContext(ctx context.Context, c Config) (*World, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	sp := model.Space{V: c.V, H: c.H}
	w := &World{Config: c, Space: sp}
	w.makePrompts()
	init := model.MLPInit{In: 1 / math.Sqrt(float64(c.H)+1), Out: c.TeacherScale}
	w.Teacher = model.NewMLP(sp, c.PromptVocab, c.TeacherWidth, init, c.Rand(streamTeacher))
	w.Writer2 = model.NewMLP(sp, c.PromptVocab, c.TeacherWidth, init, c.Rand(streamWriter2))
	if err := w.makeGold(ctx); err != nil {
		return nil, err
	}
	w.makeDemos()
	w.Pairs = w.SamplePairs(w.Train, c.Pairs, c.PairDist, c.Rand(streamPairs))
	return w, nil
}

func (w *World) makePrompts() {
	c := w.Config
	rng := c.Rand(streamPrompts)
	// Each topic has its own distribution over prompt tokens.
	topicLogits := make([][]float64, c.Topics)
	for k := range topicLogits {
		topicLogits[k] = make([]float64, c.PromptVocab)
		for v := range topicLogits[k] {
			topicLogits[k][v] = 2 * rng.NormFloat64()
		}
	}
	cdf := make([]float64, c.PromptVocab)
	n := c.TrainPrompts + c.ValPrompts + c.AugPrompts
	w.Prompts = make([]Prompt, n)
	for i := range w.Prompts {
		topic := rng.IntN(c.Topics)
		toks := make([]int, c.PromptLen)
		counts := make([]float64, c.PromptVocab)
		for j := range toks {
			toks[j] = model.SampleIndex(rng, topicLogits[topic], 1, cdf)
			counts[toks[j]]++
		}
		var bag []model.Feature
		for v, k := range counts {
			if k > 0 {
				bag = append(bag, model.Feature{Index: v, Value: k / float64(c.PromptLen)})
			}
		}
		w.Prompts[i] = Prompt{ID: i, Tokens: toks, Topic: topic, Input: model.Input{ID: i, Bag: bag}}
		switch {
		case i < c.TrainPrompts:
			w.Train = append(w.Train, i)
		case i < c.TrainPrompts+c.ValPrompts:
			w.Val = append(w.Val, i)
		default:
			w.Aug = append(w.Aug, i)
		}
	}
}

// makeGold tabulates the gold reward of every completion of every prompt,
// normalised under the teacher, the reference summaries, and the win tables.
func (w *World) makeGold(ctx context.Context) error {
	c, sp := w.Config, w.Space
	rng := c.Rand(streamReward)
	gauss := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	topicW := make([][]float64, c.Topics) // topic × V
	bigram := make([][]float64, c.Topics) // topic × V × V
	for k := range topicW {
		topicW[k] = gauss(c.V)
		bigram[k] = gauss(c.V * c.V)
	}
	bagW := gauss(c.PromptVocab * c.V) // prompt symbol × V
	var piT *model.MLP
	if c.Reward == RewardPolicy {
		piT = model.NewMLP(sp, c.PromptVocab, c.TeacherWidth,
			model.MLPInit{In: 1 / math.Sqrt(float64(c.H)+1), Out: c.TeacherScale}, c.Rand(streamPolicyReward))
	}

	n := sp.Size()
	aux2 := make([]float64, n)
	teach := aux2
	aux := make([]float64, n)
	y := make([]int, c.H)
	u := make([]float64, c.V)
	w.Gold = make([][]float64, len(w.Prompts))
	w.Reference = make([][]int, len(w.Prompts))
	// The teacher's enumeration of each validation prompt, kept for its win table.
	valTeach := make([][]float64, len(w.Prompts))
	for _, p := range w.Val {
		valTeach[p] = make([]float64, n)
	}
	q := make([]float64, n)
	for p, pr := range w.Prompts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if valTeach[p] != nil {
			teach = valTeach[p]
		}
		w.Teacher.Enumerate(pr.Input, teach)
		w.Reference[p] = argmaxCompletion(sp, teach)
		g := make([]float64, n)
		switch c.Reward {
		case RewardSimple, RewardBigram:
			copy(u, topicW[pr.Topic])
			for _, f := range pr.Input.Bag {
				for v := range u {
					u[v] += f.Value * bagW[f.Index*c.V+v]
				}
			}
			for i := range g {
				sp.Decode(i, y)
				r := 0.0
				for t, tok := range y {
					r += u[tok]
					if c.Reward == RewardBigram && t+1 < len(y) {
						r += bigram[pr.Topic][tok*c.V+y[t+1]]
					}
				}
				g[i] = r
			}
		case RewardRouge:
			w.Writer2.Enumerate(pr.Input, aux)
			hidden := argmaxCompletion(sp, aux)
			for i := range g {
				sp.Decode(i, y)
				g[i] = RougeL(y, hidden)
			}
		case RewardPolicy:
			piT.Enumerate(pr.Input, aux)
			for i := range g {
				g[i] = aux[i] - teach[i]
			}
		}
		vmath.ExpTo(q, teach)
		normaliseUnder(g, q)
		w.Gold[p] = g
		teach = aux2
	}
	w.win = make([][]float64, len(w.Val))
	for k, p := range w.Val {
		if err := ctx.Err(); err != nil {
			return err
		}
		vmath.ExpTo(q, valTeach[p])
		w.win[k] = winTable(w.Gold[p], q)
	}
	return nil
}

// normaliseUnder rescales g to mean 0 and standard deviation 1 under the
// probabilities pr.
func normaliseUnder(g, pr []float64) {
	mean, sq := 0.0, 0.0
	for i, r := range g {
		q := pr[i]
		mean += q * r
		sq += q * r * r
	}
	sd := math.Sqrt(math.Max(sq-mean*mean, 0))
	if sd < 1e-12 {
		sd = 1
	}
	for i := range g {
		g[i] = (g[i] - mean) / sd
	}
}

// winTable returns, for every completion y, P_{y'~q}(g(y) > g(y')) + ½·P(g(y) = g(y')).
// q holds the probabilities q(y').
func winTable(g, q []float64) []float64 {
	n := len(g)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return g[idx[a]] < g[idx[b]] })
	win := make([]float64, n)
	below := 0.0
	for lo := 0; lo < n; {
		hi := lo
		tie := 0.0
		for hi < n && g[idx[hi]] == g[idx[lo]] {
			tie += q[idx[hi]]
			hi++
		}
		for _, i := range idx[lo:hi] {
			win[i] = below + tie/2
		}
		below += tie
		lo = hi
	}
	return win
}

func argmaxCompletion(sp model.Space, logp []float64) []int {
	best := 0
	for i, l := range logp {
		if l > logp[best] {
			best = i
		}
	}
	y := make([]int, sp.H)
	sp.Decode(best, y)
	return y
}

func (w *World) makeDemos() {
	rng := w.Config.Rand(streamDemos)
	for _, p := range w.Train {
		for range w.Config.Demos {
			y := make([]int, w.Config.H)
			w.Teacher.Sample(rng, w.Prompts[p].Input, 1, y)
			w.Demos = append(w.Demos, Demo{Prompt: p, Summary: y})
		}
	}
}

// SamplePairs draws n preference pairs, cycling through prompts, with both
// completions from the named distribution and the label drawn by Bradley–Terry
// on the gold reward at temperature τ.
//
// It is safe to call from several goroutines: it samples from private copies of
// the world's writers (a model's scratch buffers are not shared).
func (w *World) SamplePairs(prompts []int, n int, dist string, rng *rand.Rand) []Pair {
	teacher, writer2 := w.Teacher.CloneMLP(), w.Writer2.CloneMLP()
	sampler := func(x model.Input, y []int) {
		switch dist {
		case PairsUniform:
			for t := range y {
				y[t] = rng.IntN(w.Config.V)
			}
		case PairsSkewed:
			teacher.Sample(rng, x, 0.5, y)
		case PairsShifted:
			writer2.Sample(rng, x, 1, y)
		default:
			teacher.Sample(rng, x, 1, y)
		}
	}
	return w.LabelPairs(prompts, n, sampler, rng)
}

// LabelPairs draws n pairs, cycling through prompts, with completions from sample
// and Bradley–Terry labels from the gold reward.
func (w *World) LabelPairs(prompts []int, n int, sample func(x model.Input, y []int), rng *rand.Rand) []Pair {
	pairs := make([]Pair, n)
	for i := range pairs {
		p := prompts[i%len(prompts)]
		a, b := make([]int, w.Config.H), make([]int, w.Config.H)
		sample(w.Prompts[p].Input, a)
		sample(w.Prompts[p].Input, b)
		if rng.Float64() >= w.PreferProb(p, a, b) {
			a, b = b, a
		}
		pairs[i] = Pair{Prompt: p, Chosen: a, Rejected: b}
	}
	return pairs
}

// GoldReward returns the gold reward of completion y for prompt p.
func (w *World) GoldReward(p int, y []int) float64 { return w.Gold[p][w.Space.Encode(y)] }

// PreferProb is the labeller's probability that a ≻ b for prompt p: σ((g(a) − g(b))/τ).
func (w *World) PreferProb(p int, a, b []int) float64 {
	return Sigmoid((w.GoldReward(p, a) - w.GoldReward(p, b)) / w.Config.Tau)
}

// WinTable returns, for the k-th validation prompt, the probability that each
// completion beats a teacher summary under the gold judge (ties count ½).
func (w *World) WinTable(k int) []float64 { return w.win[k] }

// Sigmoid is the logistic function.
func Sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// RougeL returns the ROUGE-L F1 of candidate against reference: the longest common
// subsequence's precision and recall, combined harmonically.
func RougeL(candidate, reference []int) float64 {
	n, m := len(candidate), len(reference)
	if n == 0 || m == 0 {
		return 0
	}
	var buf [2][17]int
	var prev, cur []int
	if m+1 <= len(buf[0]) {
		prev, cur = buf[0][:m+1], buf[1][:m+1]
	} else {
		prev, cur = make([]int, m+1), make([]int, m+1)
	}
	for i := range n {
		for j := range m {
			switch {
			case candidate[i] == reference[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	lcs := float64(prev[m])
	if lcs == 0 {
		return 0
	}
	p, r := lcs/float64(n), lcs/float64(m)
	return 2 * p * r / (p + r)
}
