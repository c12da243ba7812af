// Package runner executes gapbench runs: one (config, seed) becomes a trained
// policy (or reward model) and its exact metrics. It builds the world, trains the
// SFT checkpoint, the reward model and the offline DPO policy once per seed and
// config and shares them between every arm that needs them, so arms compared in a
// claim start from the very same checkpoint and data.
//
// Runs are single-threaded and deterministic: every random draw comes from a PCG
// stream named by (seed, purpose), so a result is bit-identical whichever worker
// computes it and whatever else runs beside it. Sweep spreads runs over a bounded
// pool of workers (golang.org/x/sync/errgroup) and reuses finished results from a
// store, after checking that each holds every metric of its method (CheckResult).
//
// A run stops when its context is cancelled (training checks it at every step).
// A run whose loss, parameters or metrics become NaN or infinite is a *Failure:
// recorded in its Outcome and never saved, while the sweep finishes the others.
// CheckSweep refuses, before anything runs, a sweep of more than MaxRuns runs or
// whose estimated memory exceeds the machine's.
//
// It is not for naming arms (package arms) or judging results (package stats).
package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"

	"gapbench/datasets"
	"gapbench/metrics"
	"gapbench/model"
	"gapbench/recipe"
	"gapbench/store"
	"gapbench/trainer"
)

// Version names the computation; it is part of every result key, so results from
// a different version of the training code are recomputed rather than reused.
// Bump it whenever a change alters any number a run produces.
const Version = "gapbench-10"

// Result is what one run produces.
type Result struct {
	Version string             `json:"version"`
	Hash    string             `json:"hash"` // the run key: hash of version, config and seed
	Seed    int                `json:"seed"`
	Config  recipe.Config      `json:"config"`
	Metrics map[string]float64 `json:"metrics"`
	// Shared names the artifacts the run started from — "world", "sft" (the SFT
	// checkpoint's parameters) and "data" (the preference pairs) — by content hash,
	// so that a report can verify two arms really shared them.
	Shared map[string]string    `json:"shared"`
	Curves map[string][]float64 `json:"curves"`
	// Slim says the per-step loss curve (metrics.CurveLoss) was dropped before
	// the result was saved, because every job that read it was Job.Slim: a
	// robustness grid's 10,000 runs kept it only to never read it, and it was
	// four fifths of their store. A slim result serves slim jobs only.
	Slim        bool    `json:"slim,omitempty"`
	WallSeconds float64 `json:"wall_seconds"` // not deterministic; never in tables or CSV
	Finished    string  `json:"finished"`     // UTC time the run finished (RFC 3339)
	GoVersion   string  `json:"go_version"`
	Commit      string  `json:"commit"` // the source commit, when the binary was built with one
}

// Commit is the source commit this binary was built from; the Makefile sets it
// with -ldflags "-X gapbench/runner.Commit=…".
var Commit = ""

// Key returns the result key of (config, seed).
func Key(cfg recipe.Config, seed int) string {
	return store.Hash(struct {
		Version string        `json:"version"`
		Config  recipe.Config `json:"config"`
		Seed    int           `json:"seed"`
	}{Version, cfg, seed})
}

// FileHash is the content hash that data.file_hash must hold for a pairs file.
func FileHash(content []byte) string { return store.Hash(string(content)) }

// RNG streams for training, disjoint from the world's.
const (
	streamSFT uint64 = 100 + iota
	streamRM
	streamRMExtra
	streamNarrow
	streamDPO
	streamOnline
	streamEvalID
	streamEvalOOD
	streamInit
)

// Runner trains and evaluates runs, memoising the artifacts runs share.
type Runner struct {
	mu    sync.Mutex
	cells map[string]*cell
}

type cell struct {
	once  sync.Once
	group string // the runs that use it: see group
	v     any
	err   error
}

// group names the runs that can share memoised artifacts: those of one seed and
// one world configuration. Every artifact belongs to exactly one group (its
// inputs include the world and the seed), and Sweep releases a group's
// artifacts when its last run finishes.
func group(cfg recipe.Config, seed int) string {
	return fmt.Sprintf("%d:%s", seed, store.Hash(cfg.World))
}

// New returns a Runner with empty caches.
func New() *Runner { return &Runner{cells: map[string]*cell{}} }

// memo computes f once per key and shares the value among callers. Every key
// names an artifact of one group, and the value is kept until release(g).
func memo[T any](r *Runner, g string, key string, f func() (T, error)) (T, error) {
	r.mu.Lock()
	c, ok := r.cells[key]
	if !ok {
		c = &cell{group: g}
		r.cells[key] = c
	}
	r.mu.Unlock()
	c.once.Do(func() { c.v, c.err = f() })
	if c.err != nil {
		var zero T
		return zero, c.err
	}
	return c.v.(T), nil
}

// release drops every memoised artifact of a group, once no run needs it: a
// later run of the group computes them again, to the same values.
func (r *Runner) release(g string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, c := range r.cells {
		if c.group == g {
			delete(r.cells, k)
		}
	}
}

func rng(seed int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// Run trains and evaluates cfg for one seed. The seed fixes the world (teacher,
// prompts, data), the SFT checkpoint and every training draw.
func (r *Runner) Run(ctx context.Context, cfg recipe.Config, seed int) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	res := &Result{Version: Version, Hash: Key(cfg, seed), Seed: seed, Config: cfg,
		Metrics: map[string]float64{}, Curves: map[string][]float64{}}
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	shared, err := r.sft(ctx, cfg, seed, cfg.Policy.Width)
	if err != nil {
		return nil, asFailure(err)
	}
	// Memoised models are shared between concurrent runs and a model's scratch
	// buffers are not: every run works on its own copies.
	sft := shared.CloneMLP()
	data, err := r.data(ctx, cfg, seed)
	if err != nil {
		return nil, asFailure(err)
	}
	res.Shared = map[string]string{"world": store.Hash(w.Config), "sft": store.Hash(sft.Params()), "data": store.Hash(data)}
	ev, err := r.evaluator(ctx, cfg, seed)
	if err != nil {
		return nil, asFailure(err)
	}
	// A probe's metrics depend only on the parameters: the one at step 0 is
	// shared by every run whose step 0 is at the same parameters (memoised by
	// their hash; an exact-RLHF fit's step 0 is where its warm start ended),
	// and the last one
	// (at the final parameters) is the final evaluation's validation part.
	var last struct {
		params []float64
		m      metrics.Policy
	}
	probe := func(pi model.Policy) func(int) {
		return func(step int) {
			var m metrics.Policy
			if step == 0 {
				m = r.startValidation(cfg, seed, ev, pi)
			} else {
				m = ev.Validation(pi)
			}
			last.params, last.m = append(last.params[:0], pi.Params()...), m
			res.Curves[metrics.ProbeStep] = append(res.Curves[metrics.ProbeStep], float64(step))
			res.Curves[metrics.WinRate] = append(res.Curves[metrics.WinRate], m.WinRate)
			res.Curves[metrics.KLRef] = append(res.Curves[metrics.KLRef], m.KLRef)
			res.Curves[metrics.GoldReward] = append(res.Curves[metrics.GoldReward], m.GoldReward)
		}
	}

	var pi model.Policy
	switch cfg.Method {
	case recipe.MethodSFT:
		pi, err = r.startPolicy(ctx, cfg, seed)
	case recipe.MethodDPO:
		pi, err = r.trainDPO(ctx, cfg, seed, res, probe)
		if err == nil {
			var ref model.Policy
			if ref, err = r.startPolicy(ctx, cfg, seed); err == nil {
				var refLogp func(p int) []float64
				if cfg.Policy.Class == recipe.ClassMLP {
					refLogp = ev.RefLogp // π_ref is the evaluator's reference
				}
				err = r.rmMetrics(ctx, cfg, seed, w, implicitReward(w, pi.Clone(), ref, refLogp, cfg.DPO.Beta), sft, pi, res)
			}
		}
	case recipe.MethodOnline:
		pi, err = r.trainOnline(ctx, cfg, seed, res, probe)
	case recipe.MethodRM:
		var t *metrics.ScoreTable
		var dpo model.Policy
		if t, err = r.rmTable(ctx, cfg, seed); err == nil {
			if dpo, err = r.dpoPolicy(ctx, cfg, seed); err == nil {
				err = r.rmMetrics(ctx, cfg, seed, w, t, sft, dpo, res)
			}
		}
	case recipe.MethodRLHF:
		pi, err = r.trainRLHF(ctx, cfg, seed, res, probe)
	case recipe.MethodOracle:
		pi, err = r.oracle(ctx, cfg, seed)
	default:
		err = fmt.Errorf("method must be one of sft, dpo, online, rm, rlhf, oracle, got %q", cfg.Method)
	}
	if err != nil {
		return nil, asFailure(err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if pi != nil {
		var m metrics.Policy
		if last.params != nil && sameBits(last.params, pi.Params()) {
			m = last.m
		} else {
			m = ev.Validation(pi)
		}
		m.OODMass = ev.OODMass(pi)
		res.Metrics[metrics.WinRate] = m.WinRate
		res.Metrics[metrics.GoldReward] = m.GoldReward
		res.Metrics[metrics.KLRef] = m.KLRef
		res.Metrics[metrics.Subopt] = m.Subopt
		res.Metrics[metrics.OODMass] = m.OODMass
		res.Metrics[metrics.RougeL] = m.RougeL
		res.Metrics[metrics.RareMass] = m.RareMass
	}
	if loss := res.Curves[metrics.CurveLoss]; len(loss) > 0 {
		res.Metrics[metrics.Steps] = float64(len(loss))
		k := min(len(loss), 8)
		s := 0.0
		for _, v := range loss[len(loss)-k:] {
			s += v
		}
		res.Metrics[metrics.FinalLoss] = s / float64(k)
	}
	if err := finiteMetrics(res.Metrics); err != nil {
		return nil, &Failure{Err: err}
	}
	res.WallSeconds = time.Since(start).Seconds()
	res.Finished = time.Now().UTC().Format(time.RFC3339)
	res.GoVersion = runtime.Version()
	res.Commit = Commit
	return res, nil
}

// world returns the seed's world (memoised).
func (r *Runner) world(ctx context.Context, cfg recipe.Config, seed int) (*datasets.World, error) {
	wc := cfg.World
	wc.Seed = uint64(seed)
	return memo(r, group(cfg, seed), artifactKey("world", cfg, seed), func() (*datasets.World, error) { return datasets.GenerateContext(ctx, wc) })
}

// sft returns the SFT network of the given width: an mlp trained by maximum
// likelihood on the teacher's demonstrations (memoised per seed, world and width).
func (r *Runner) sft(ctx context.Context, cfg recipe.Config, seed, width int) (*model.MLP, error) {
	return memo(r, group(cfg, seed), artifactKey("sft", cfg, seed, width), func() (*model.MLP, error) {
		w, err := r.world(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		init := model.MLPInit{In: 1 / math.Sqrt(float64(cfg.World.H)+1), Out: cfg.Policy.Init}
		p := model.NewMLP(w.Space, cfg.World.PromptVocab, width, init, rng(seed, streamInit+uint64(width)<<8))
		ex := make([]trainer.Example, len(w.Demos))
		for i, d := range w.Demos {
			ex[i] = trainer.Example{X: w.Prompts[d.Prompt].Input, Y: d.Summary}
		}
		if _, err := trainer.Train(ctx, p.Params(), trainer.NewOffline(ex, cfg.SFT.Batch, cfg.SFT.Epochs, rng(seed, streamSFT)),
			trainer.SFT{Policy: p}, trainer.Options{LR: cfg.SFT.LR}); err != nil {
			return nil, fmt.Errorf("sft: %w", err)
		}
		return p, nil
	})
}

// startPolicy returns a fresh copy of the SFT checkpoint in the configured policy class.
func (r *Runner) startPolicy(ctx context.Context, cfg recipe.Config, seed int) (model.Policy, error) {
	sft, err := r.sft(ctx, cfg, seed, cfg.Policy.Width)
	if err != nil {
		return nil, err
	}
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	switch cfg.Policy.Class {
	case recipe.ClassTrie:
		return trieFrom(w, sft.CloneMLP()), nil
	case recipe.ClassTilt:
		var f model.RewardModel
		if cfg.Policy.Tilt == recipe.RMBackbone {
			f = model.NewBackboneRM(sft, 0, rng(seed, streamInit))
		} else {
			f = model.NewLinearRM(w.Space, cfg.World.PromptVocab)
		}
		return model.NewTilt(sft.CloneMLP(), f, cfg.DPO.Beta), nil
	default:
		return sft.CloneMLP(), nil
	}
}

// trieFrom returns the trie policy with exactly the conditionals of p on every prompt.
func trieFrom(w *datasets.World, p model.Policy) *model.Trie {
	t := model.NewTrie(w.Space, len(w.Prompts))
	lp := make([]float64, w.Space.Size())
	for _, pr := range w.Prompts {
		p.Enumerate(pr.Input, lp)
		t.SetFromJoint(pr.ID, lp)
	}
	return t
}

// data returns the preference data that both the policy and the RM see.
func (r *Runner) data(ctx context.Context, cfg recipe.Config, seed int) ([]datasets.Pair, error) {
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	if cfg.Data.Source == recipe.DataFile {
		return memo(r, group(cfg, seed), artifactKey("file", cfg, seed), func() ([]datasets.Pair, error) {
			raw, err := os.ReadFile(cfg.Data.File)
			if err != nil {
				return nil, fmt.Errorf("data.file: %w", err)
			}
			// The result key follows data.file_hash, so the file must still hold
			// the content that hash names.
			if h := FileHash(raw); h != cfg.Data.FileHash {
				return nil, fmt.Errorf("data.file %q has content hash %s, but data.file_hash is %q", cfg.Data.File, h, cfg.Data.FileHash)
			}
			return w.ReadPairs(cfg.Data.File, bytes.NewReader(raw))
		})
	}
	if cfg.Data.Source != recipe.DataNarrow {
		return w.Pairs, nil
	}
	return memo(r, group(cfg, seed), artifactKey("narrow", cfg, seed), func() ([]datasets.Pair, error) {
		return r.narrowPairs(ctx, cfg, seed, cfg.World.Pairs, streamNarrow)
	})
}

// narrowPairs draws n pairs of SFT samples labelled by the gold judge.
func (r *Runner) narrowPairs(ctx context.Context, cfg recipe.Config, seed, n int, stream uint64) ([]datasets.Pair, error) {
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	sft, err := r.sft(ctx, cfg, seed, cfg.Policy.Width)
	if err != nil {
		return nil, err
	}
	s := sft.CloneMLP()
	g := rng(seed, stream)
	return w.LabelPairs(w.Train, n, func(x model.Input, y []int) { s.Sample(g, x, 1, y) }, g), nil
}

// rmData returns the RM's training pairs: the shared data plus, when
// rm.data_mult > 1, extra pairs from the same distribution.
func (r *Runner) rmData(ctx context.Context, cfg recipe.Config, seed int) ([]datasets.Pair, error) {
	data, err := r.data(ctx, cfg, seed)
	if err != nil || cfg.RM.DataMult <= 1 {
		return data, err
	}
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	extra := (cfg.RM.DataMult - 1) * len(data)
	var more []datasets.Pair
	if cfg.Data.Source == recipe.DataNarrow {
		more, err = r.narrowPairs(ctx, cfg, seed, extra, streamRMExtra)
		if err != nil {
			return nil, err
		}
	} else {
		more = w.SamplePairs(w.Train, extra, cfg.World.PairDist, rng(seed, streamRMExtra))
	}
	return append(append([]datasets.Pair(nil), data...), more...), nil
}

// rewardModel returns the reward model trained by Bradley–Terry on the RM data (memoised).
func (r *Runner) rewardModel(ctx context.Context, cfg recipe.Config, seed int) (model.RewardModel, error) {
	return memo(r, group(cfg, seed), artifactKey("rm", cfg, seed), func() (model.RewardModel, error) {
		w, err := r.world(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		pairs, err := r.rmData(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		var rm model.RewardModel
		switch cfg.RM.Kind {
		case recipe.RMLinear:
			rm = model.NewLinearRM(w.Space, cfg.World.PromptVocab)
		case recipe.RMLocal:
			sft, err := r.sft(ctx, cfg, seed, cfg.Policy.Width)
			if err != nil {
				return nil, err
			}
			rm = model.NewLocalRM(sft.CloneMLP(), cfg.DPO.Beta)
		default:
			sft, err := r.sft(ctx, cfg, seed, cfg.RMWidth())
			if err != nil {
				return nil, err
			}
			rm = model.NewBackboneRM(sft, 1, rng(seed, streamInit))
		}
		cs := comparisons(w, pairs)
		if _, err := trainer.Train(ctx, rm.Params(), trainer.NewOffline(cs, cfg.RM.Batch, cfg.RM.Epochs, rng(seed, streamRM)),
			trainer.BT{RM: rm}, trainer.Options{LR: cfg.RM.LR}); err != nil {
			return nil, fmt.Errorf("reward model: %w", err)
		}
		return rm, nil
	})
}

func comparisons(w *datasets.World, pairs []datasets.Pair) []trainer.Comparison {
	cs := make([]trainer.Comparison, len(pairs))
	for i, p := range pairs {
		cs[i] = trainer.Comparison{X: w.Prompts[p.Prompt].Input, Chosen: p.Chosen, Rejected: p.Rejected}
	}
	return cs
}

func (r *Runner) dpoObjective(cfg recipe.Config, seed int, pi, ref model.Policy) *trainer.DPO {
	return &trainer.DPO{Policy: pi, Ref: ref, Beta: cfg.DPO.Beta, Kind: cfg.DPO.Loss,
		SFTWeight: cfg.DPO.SFTWeight, KLWeight: cfg.DPO.KLWeight, KLSamples: cfg.DPO.KLSamples,
		Rng: rng(seed, streamDPO+1000)}
}

func probeEvery(steps int) int { return max(1, steps/8) }

// sameBits reports whether a and b hold the same float64 values bit for bit.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i, x := range a {
		if math.Float64bits(x) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// startValidation returns ev.Validation(pi) for a policy at the start of
// training, memoised by the policy's class and parameters: runs that start from
// the same checkpoint probe it once.
func (r *Runner) startValidation(cfg recipe.Config, seed int, ev *metrics.Evaluator, pi model.Policy) metrics.Policy {
	h := sha256.New()
	var b [8]byte
	for _, x := range pi.Params() {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		h.Write(b[:])
	}
	key := artifactKey("val0", cfg, seed, hex.EncodeToString(h.Sum(nil)))
	m, _ := memo(r, group(cfg, seed), key, func() (metrics.Policy, error) { return ev.Validation(pi), nil })
	return m
}

// trainDPO trains offline DPO from the start policy on the shared data, for as
// long as cfg's protocol says (fit).
func (r *Runner) trainDPO(ctx context.Context, cfg recipe.Config, seed int, res *Result, probe func(model.Policy) func(int)) (model.Policy, error) {
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	data, err := r.data(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	ref, err := r.startPolicy(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	items := trainer.NewPrefItems(ref, comparisons(w, data))
	tr := training{
		name:          "dpo",
		stepsPerEpoch: (len(items) + cfg.DPO.Batch - 1) / cfg.DPO.Batch,
		prefix:        true,
		start: func(epochs int) (model.Policy, trainer.Source[trainer.PrefItem], trainer.Objective[trainer.PrefItem]) {
			pi := ref.Clone()
			return pi, trainer.NewOffline(items, cfg.DPO.Batch, epochs, rng(seed, streamDPO)), r.dpoObjective(cfg, seed, pi, ref)
		},
	}
	return r.fit(ctx, cfg, seed, tr, res, probe)
}

// dpoPolicy is the offline DPO policy of cfg's DPO settings (memoised), the start
// of online-dpo-dpo and the source of the local labeller.
func (r *Runner) dpoPolicy(ctx context.Context, cfg recipe.Config, seed int) (model.Policy, error) {
	c := startDPOConfig(cfg)
	c.Method = recipe.MethodDPO
	c.Online = recipe.Default().Online
	c.RM = recipe.Default().RM
	c.Eval = recipe.Default().Eval
	return memo(r, group(c, seed), artifactKey("dpo", c, seed), func() (model.Policy, error) { return r.trainDPO(ctx, c, seed, nil, nil) })
}

// trainOnline runs online DPO: sample from the start policy, label, pair best vs
// worst, and train with the same DPO objective and optimiser as offline.
func (r *Runner) trainOnline(ctx context.Context, cfg recipe.Config, seed int, res *Result, probe func(model.Policy) func(int)) (model.Policy, error) {
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	data, err := r.data(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	var start model.Policy
	if cfg.Online.Start == "dpo" {
		start, err = r.dpoPolicy(ctx, cfg, seed)
	} else {
		start, err = r.startPolicy(ctx, cfg, seed)
	}
	if err != nil {
		return nil, err
	}
	ref := start.Clone()

	var labeller trainer.Labeller
	switch cfg.Online.Labeller {
	case recipe.LabelGold:
		labeller = trainer.FuncLabeller(func(x model.Input, y []int) float64 { return w.GoldReward(x.ID, y) })
	case recipe.LabelLocal:
		dpo, err := r.dpoPolicy(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		sftRef, err := r.startPolicy(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		dpo, sftRef = dpo.Clone(), sftRef.Clone()
		beta := cfg.DPO.Beta
		labeller = trainer.FuncLabeller(func(x model.Input, y []int) float64 {
			return beta * (dpo.Score(x, y, nil, 0) - sftRef.Score(x, y, nil, 0))
		})
	default:
		rm, err := r.rewardModel(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		labeller = trainer.RMLabeller{RM: rm.Clone()}
		sft, err := r.sft(ctx, cfg, seed, cfg.Policy.Width)
		if err != nil {
			return nil, err
		}
		t, err := r.rmTable(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		if err := r.rmMetrics(ctx, cfg, seed, w, t, sft, nil, res); err != nil {
			return nil, err
		}
	}

	slots := make([]model.Input, 0, len(data))
	for _, p := range data {
		slots = append(slots, w.Prompts[p.Prompt].Input)
	}
	if cfg.Online.PromptAug {
		per := max(1, len(data)/len(w.Train))
		for range per {
			for _, p := range w.Aug {
				slots = append(slots, w.Prompts[p].Input)
			}
		}
	}
	if cfg.Online.Rounds > len(slots) {
		return nil, fmt.Errorf("online.rounds must be at most the %d pair slots, got %d", len(slots), cfg.Online.Rounds)
	}
	oc := trainer.OnlineConfig{K: cfg.Online.K, Temperature: cfg.Online.Temperature, Rounds: cfg.Online.Rounds,
		Batch: cfg.DPO.Batch}
	tr := training{
		name:          "online dpo",
		stepsPerEpoch: (len(slots) + cfg.DPO.Batch - 1) / cfg.DPO.Batch,
		prefix:        cfg.Online.Rounds == 1,
		start: func(epochs int) (model.Policy, trainer.Source[trainer.PrefItem], trainer.Objective[trainer.PrefItem]) {
			pi := start.Clone()
			oc := oc
			oc.Epochs = epochs
			return pi, trainer.NewOnline(oc, slots, pi, ref, labeller, rng(seed, streamOnline)), r.dpoObjective(cfg, seed, pi, ref)
		},
	}
	return r.fit(ctx, cfg, seed, tr, res, probe)
}

// evalPairs returns held-out preference pairs on validation prompts: in
// distribution (from the teacher, like the training pairs) and out of
// distribution (from the shifted writer).
func (r *Runner) evalPairs(ctx context.Context, cfg recipe.Config, seed int) ([2][]datasets.Pair, error) {
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return [2][]datasets.Pair{}, err
	}
	return memo(r, group(cfg, seed), artifactKey("evalpairs", cfg, seed), func() ([2][]datasets.Pair, error) {
		n := 4 * len(w.Val)
		return [2][]datasets.Pair{
			w.SamplePairs(w.Val, n, datasets.PairsRef, rng(seed, streamEvalID)),
			w.SamplePairs(w.Val, n, datasets.PairsShifted, rng(seed, streamEvalOOD)),
		}, nil
	})
}

// rmTable is the reward model's score of every completion of every validation
// prompt (memoised with the reward model, so runs that share a reward model
// score it once).
func (r *Runner) rmTable(ctx context.Context, cfg recipe.Config, seed int) (*metrics.ScoreTable, error) {
	return memo(r, group(cfg, seed), artifactKey("rmtable", cfg, seed), func() (*metrics.ScoreTable, error) {
		w, err := r.world(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		rm, err := r.rewardModel(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		return rewardTable(w, rm.Clone(), w.Val), nil
	})
}

// rewardTable scores every completion of the prompts with rm: by a walk of the
// prefix tree when rm can, else completion by completion.
func rewardTable(w *datasets.World, rm model.RewardModel, prompts []int) *metrics.ScoreTable {
	if e, ok := rm.(model.RewardEnumerator); ok {
		return metrics.NewScoreTable(w, prompts, func(p int, out []float64) { e.Rewards(w.Prompts[p].Input, out) })
	}
	return metrics.TableOf(w, func(x model.Input, y []int) float64 { return rm.Reward(x, y, nil, 0) }, prompts)
}

// evaluator returns the metrics of the runs of (cfg, seed) against their SFT
// checkpoint (memoised: everything it computes from π_ref, the gold reward and
// the data is shared by every run that evaluates against them).
func (r *Runner) evaluator(ctx context.Context, cfg recipe.Config, seed int) (*metrics.Evaluator, error) {
	return memo(r, group(cfg, seed), artifactKey("eval", cfg, seed), func() (*metrics.Evaluator, error) {
		w, err := r.world(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		sft, err := r.sft(ctx, cfg, seed, cfg.Policy.Width)
		if err != nil {
			return nil, err
		}
		data, err := r.data(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		return metrics.NewEvaluator(w, sft.CloneMLP(), cfg.Eval.Beta, data), nil
	})
}

// rmMetrics records a reward's validation likelihood and ranking accuracy in and out of distribution
// and its Best-of-N gold reward on samples of the SFT policy (bon_N) and, when
// dpo is not nil, of the offline DPO policy (bon_dpo_N). The table holds the
// reward's scores on every validation prompt.
func (r *Runner) rmMetrics(ctx context.Context, cfg recipe.Config, seed int, w *datasets.World, t *metrics.ScoreTable, sft, dpo model.Policy, res *Result) error {
	ev, err := r.evalPairs(ctx, cfg, seed)
	if err != nil {
		return err
	}
	s := t.Scorer()
	if err := ctx.Err(); err != nil {
		return err
	}
	res.Metrics[metrics.RMLikID] = metrics.PairLikelihood(w, s, ev[0])
	res.Metrics[metrics.RMLikOOD] = metrics.PairLikelihood(w, s, ev[1])
	res.Metrics[metrics.RMAccID] = metrics.PairAccuracy(w, s, ev[0])
	res.Metrics[metrics.RMAccOOD] = metrics.PairAccuracy(w, s, ev[1])
	if len(cfg.Eval.BestOfN) == 0 {
		return nil
	}
	for _, base := range []struct {
		name func(n int) string
		pi   model.Policy
	}{{metrics.BestOfNName, sft}, {metrics.BestOfNDPOName, dpo}} {
		if base.pi == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		bon := metrics.BestOfNTable(w, base.pi.Clone(), t, w.Val, cfg.Eval.BestOfN)
		for i, n := range cfg.Eval.BestOfN {
			res.Metrics[base.name(n)] = bon[i]
		}
	}
	return nil
}

// implicitReward is a policy's DPO implicit reward β·(log π − log π_ref), up to a
// per-prompt constant for unnormalised classes, on every validation prompt.
// refLogp, when not nil, returns ref's enumeration of a prompt, already made.
func implicitReward(w *datasets.World, pi, ref model.Policy, refLogp func(p int) []float64, beta float64) *metrics.ScoreTable {
	lr := make([]float64, w.Space.Size())
	return metrics.NewScoreTable(w, w.Val, func(p int, t []float64) {
		x := w.Prompts[p].Input
		pi.Enumerate(x, t)
		lr := lr
		if refLogp != nil {
			lr = refLogp(p)
		} else {
			ref.Enumerate(x, lr)
		}
		for i := range t {
			t[i] = beta * (t[i] - lr[i])
		}
	})
}

// slim drops what a Slim job never reads: the per-step loss curve.
func (res *Result) slim() {
	delete(res.Curves, metrics.CurveLoss)
	res.Slim = true
}
