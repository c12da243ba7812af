package runner

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gapbench/datasets"
	"gapbench/model"
	"gapbench/recipe"
	"gapbench/trainer"
)

// RNG streams of the protocols, disjoint from the training streams above (and
// from streamInit + width<<8), so that today's training data stay as they are.
const (
	streamHeldOut       uint64 = 300 // tuned's held-out pairs from μ
	streamHeldOutNarrow uint64 = 301 // tuned's held-out pairs for narrow data
)

// training is one preference training run, described so that a protocol can
// decide how long it runs and what it records: start builds a fresh policy, its
// batch source for a number of epochs and its objective.
type training struct {
	name  string // for errors: "dpo", "online dpo"
	start func(epochs int) (model.Policy, trainer.Source[trainer.PrefItem], trainer.Objective[trainer.PrefItem])
	// stepsPerEpoch is the number of optimiser steps of one epoch.
	stepsPerEpoch int
	// prefix reports whether a run of E epochs is exactly the first E epochs of
	// a longer run (same batches in the same order, same optimiser state): true
	// for offline DPO and one-round online DPO, false for iterative online DPO,
	// whose rounds each train for the full number of epochs.
	prefix bool
}

// fit trains under cfg's protocol and returns the policy the protocol picks.
// res (nil for a memoised start policy) receives the loss curve, the probes and
// the protocol's metrics.
//
//   - recipe: dpo.epochs epochs, probed every 1/8 of the run.
//   - tuned: one run to the end of protocol.grid; at every grid point the
//     policy's held-out score (HeldOutScore) is computed and the best snapshot
//     kept (the first on ties). The chosen epochs are the metric tuned_epochs.
//     A snapshot at E epochs is bit for bit the policy of a run of E epochs
//     (TestTunedSnapshotIsTheShortRun); where that does not hold (iterative
//     online DPO) every grid point is a separate run.
//   - frontier: one run of protocol.epochs, probed at protocol.probes
//     log-spaced steps (FrontierSteps) and at step 0: its path of KL, win rate
//     and gold reward.
func (r *Runner) fit(ctx context.Context, cfg recipe.Config, seed int, tr training, res *Result, probe func(model.Policy) func(int)) (model.Policy, error) {
	record := func(pi model.Policy) func(int) {
		if res == nil {
			return nil
		}
		return probe(pi)
	}
	switch cfg.Protocol.Kind() {
	case recipe.ProtocolTuned:
		return r.fitTuned(ctx, cfg, seed, tr, res, record)
	case recipe.ProtocolFrontier:
		pi, src, obj := tr.start(cfg.Protocol.Epochs)
		total := cfg.Protocol.Epochs * tr.stepsPerEpoch
		at := map[int]bool{}
		for _, s := range FrontierSteps(total, cfg.Protocol.Probes) {
			at[s] = true
		}
		opt := trainer.Options{LR: cfg.DPO.LR}
		if p := record(pi); p != nil {
			opt.Every = 1
			opt.Probe = func(step int) {
				if at[step] {
					p(step)
				}
			}
		}
		return trainRun(ctx, tr, pi, src, obj, opt, res)
	default:
		pi, src, obj := tr.start(cfg.DPO.Epochs)
		opt := trainer.Options{LR: cfg.DPO.LR}
		if p := record(pi); p != nil {
			opt.Probe, opt.Every = p, probeEvery(cfg.DPO.Epochs*tr.stepsPerEpoch)
		}
		return trainRun(ctx, tr, pi, src, obj, opt, res)
	}
}

// tunedScore returns the score tuned maximises; tests replace it to pick a grid
// point of their choice.
var tunedScore = func(ctx context.Context, r *Runner, cfg recipe.Config, seed int) (func(model.Policy) float64, error) {
	return r.heldOutScore(ctx, cfg, seed)
}

// fitTuned is fit under the tuned protocol.
func (r *Runner) fitTuned(ctx context.Context, cfg recipe.Config, seed int, tr training, res *Result, record func(model.Policy) func(int)) (model.Policy, error) {
	score, err := tunedScore(ctx, r, cfg, seed)
	if err != nil {
		return nil, err
	}
	grid := cfg.Protocol.Grid
	scores := make([]float64, len(grid))
	best, bestAt := math.Inf(-1), -1
	var bestParams []float64
	var pi model.Policy
	var curve trainer.Curve
	if tr.prefix {
		last := grid[len(grid)-1]
		total := last * tr.stepsPerEpoch
		var src trainer.Source[trainer.PrefItem]
		var obj trainer.Objective[trainer.PrefItem]
		pi, src, obj = tr.start(last)
		gridAt := map[int]int{}
		for i, e := range grid {
			gridAt[e*tr.stepsPerEpoch] = i
		}
		p, every := record(pi), probeEvery(total)
		opt := trainer.Options{LR: cfg.DPO.LR, Every: 1, Probe: func(step int) {
			if p != nil && (step%every == 0 || step == total) {
				p(step)
			}
			if i, ok := gridAt[step]; ok && step > 0 {
				scores[i] = score(pi)
				if scores[i] > best {
					best, bestAt = scores[i], i
					bestParams = append(bestParams[:0], pi.Params()...)
				}
			}
		}}
		curve, err = trainer.Train(ctx, pi.Params(), src, obj, opt)
		if err != nil {
			if res != nil {
				res.Curves["loss"] = curve
			}
			return nil, fmt.Errorf("%s: %w", tr.name, err)
		}
		if bestAt < 0 {
			return nil, fmt.Errorf("protocol tuned: no grid point reached (%d steps per epoch)", tr.stepsPerEpoch)
		}
		copy(pi.Params(), bestParams)
		curve = curve[:min(len(curve), grid[bestAt]*tr.stepsPerEpoch)]
	} else {
		for i, e := range grid {
			cand, src, obj := tr.start(e)
			c, err := trainer.Train(ctx, cand.Params(), src, obj, trainer.Options{LR: cfg.DPO.LR})
			if err != nil {
				if res != nil {
					res.Curves["loss"] = c
				}
				return nil, fmt.Errorf("%s at %d epochs: %w", tr.name, e, err)
			}
			scores[i] = score(cand)
			if scores[i] > best {
				best, bestAt, pi, curve = scores[i], i, cand, c
			}
		}
	}
	if res != nil {
		res.Curves["loss"] = curve
		res.Metrics["tuned_epochs"] = float64(grid[bestAt])
		res.Metrics["tuned_score"] = best
		res.Curves["tuned_grid"] = intsToFloats(grid)
		res.Curves["tuned_score"] = scores
	}
	return pi, nil
}

func intsToFloats(xs []int) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

// FrontierSteps returns the steps at which frontier probes a run of total
// steps: step 0 and up to probes steps spaced evenly in log(step) from 1 to
// total (rounded, duplicates dropped), always including total. The number of
// probes, and so their cost, is bounded whatever the run's length.
func FrontierSteps(total, probes int) []int {
	out := []int{0}
	if total < 1 || probes < 1 {
		return out
	}
	for i := range probes {
		s := total
		if probes > 1 {
			s = int(math.Round(math.Pow(float64(total), float64(i)/float64(probes-1))))
		}
		s = min(max(s, 1), total)
		if s != out[len(out)-1] {
			out = append(out, s)
		}
	}
	return out
}

// HeldOutScore is tuned's validation score of a policy: the mean log-likelihood
// log σ(β·[(log π(y⁺) − log π_ref(y⁺)) − (log π(y⁻) − log π_ref(y⁻))]) of the
// held-out pairs under the policy's implicit reward, i.e. minus the held-out
// sigmoid DPO loss, with π_ref the SFT checkpoint in the policy's class (the
// reference every metric uses) and β = dpo.beta. Higher is better. It is the same
// score for every arm and never looks at the gold judge.
func HeldOutScore(items []trainer.PrefItem, beta float64, pi model.Policy) float64 {
	if len(items) == 0 {
		return math.Inf(-1)
	}
	s := 0.0
	for _, it := range items {
		h := (pi.Score(it.X, it.Chosen, nil, 0) - it.RefChosen) - (pi.Score(it.X, it.Rejected, nil, 0) - it.RefRejected)
		s -= softplus(-beta * h)
	}
	return s / float64(len(items))
}

// softplus is log(1 + e^z), computed stably.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// heldOutScore returns HeldOutScore over the run's held-out pairs.
func (r *Runner) heldOutScore(ctx context.Context, cfg recipe.Config, seed int) (func(model.Policy) float64, error) {
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	pairs, err := r.heldOut(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	ref, err := r.startPolicy(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	items := trainer.NewPrefItems(ref, comparisons(w, pairs))
	beta := cfg.DPO.Beta
	return func(pi model.Policy) float64 { return HeldOutScore(items, beta, pi) }, nil
}

// heldOut returns tuned's held-out preference pairs (memoised): protocol.held_out
// pairs on the training prompts, drawn and labelled like the training pairs — from
// μ (world.pair_dist) for world and file data, pairs of SFT samples labelled by the
// gold judge's Bradley–Terry model for narrow data — from their own random stream.
// They are the same for every arm of a seed that sees the same kind of data, and
// never seen in training.
func (r *Runner) heldOut(ctx context.Context, cfg recipe.Config, seed int) ([]datasets.Pair, error) {
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	if cfg.Data.Source == recipe.DataNarrow {
		return r.heldOutNarrow(ctx, cfg, seed)
	}
	return memo(r, group(cfg, seed), artifactKey("heldout", cfg, seed), func() ([]datasets.Pair, error) {
		return w.SamplePairs(w.Train, cfg.Protocol.HeldOut, cfg.World.PairDist, rng(seed, streamHeldOut)), nil
	})
}

// heldOutNarrow is heldOut for narrow data (memoised).
func (r *Runner) heldOutNarrow(ctx context.Context, cfg recipe.Config, seed int) ([]datasets.Pair, error) {
	return memo(r, group(cfg, seed), artifactKey("heldout-narrow", cfg, seed), func() ([]datasets.Pair, error) {
		return r.narrowPairs(ctx, cfg, seed, cfg.Protocol.HeldOut, streamHeldOutNarrow)
	})
}

// startDPO is the offline DPO policy that online-dpo-dpo starts from and the local
// labeller reads, under cfg's protocol: the recipe's and tuned's own DPO policy;
// under frontier the recipe's, since a frontier run is a path, not an end point.
func startDPOConfig(cfg recipe.Config) recipe.Config {
	if cfg.Protocol.Kind() == recipe.ProtocolFrontier {
		cfg.Protocol = recipe.ProtocolConfig{}
	}
	cfg.Protocol.Grid = slices.Clone(cfg.Protocol.Grid)
	return cfg
}

// trainRun trains pi on src by obj with opt, records the loss curve in res
// (when there is one) and names the training in an error.
func trainRun(ctx context.Context, tr training, pi model.Policy, src trainer.Source[trainer.PrefItem], obj trainer.Objective[trainer.PrefItem], opt trainer.Options, res *Result) (model.Policy, error) {
	curve, err := trainer.Train(ctx, pi.Params(), src, obj, opt)
	if res != nil {
		res.Curves["loss"] = curve
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tr.name, err)
	}
	return pi, nil
}
