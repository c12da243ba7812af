package runner

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gapbench/datasets"
	"gapbench/metrics"
	"gapbench/model"
	"gapbench/recipe"
	"gapbench/trainer"
)

// trainRLHF runs exact RLHF: it minimises the mean over the RL prompts of
// KL(π_θ(·|x) ‖ π_ref(·|x)·exp(r(x,·)/β)/Z_x) over the configured policy class,
// from the start policy (π_ref, the SFT checkpoint in that class), with β =
// dpo.beta and r the labeller rlhf.reward. The objective and its gradient are
// exact (model.Projection, by enumeration). For the MLP it starts with the
// likelihood warm start (warmStart: up to rlhf.warm_steps iterations on the
// forward KL to the first stage's targets). It is then reached through
// rlhf.anneal stages of β-continuation (β·2^k, k = anneal … 0, each
// warm-started from the last; by default one stage, at β); each stage runs
// L-BFGS preconditioned by the Fisher diagonal
// (trainer.MinimiseExact with fisherScale, for the MLP; natural gradient,
// trainer.MinimiseNatural, for the trie and the linear tilt) until
// ‖∇‖∞ < rlhf.grad_tol or the objective stalls (rlhf.rel_tol, rlhf.abs_tol),
// the last for at most rlhf.max_steps iterations (restarted with a fresh
// diagonal when it stalls after progress) and the others for
// max_steps/interStageDiv. It records the metrics converged (0/1, the last
// stage's criterion), steps (L-BFGS iterations over all stages and segments,
// from where the warm start ended), warm_steps (the warm start's iterations),
// evals (a measure of the fit's cost: evaluations of the objective and
// gradient, plus one per Fisher diagonal, which costs about two, and the warm
// start's passes, each over only the prefixes it keeps; the extra
// objective evaluations that record an intermediate stage's curve at β when
// the last pass was elsewhere, every iteration for the trie and the tilt, are
// not counted), rlhf_kl (the objective reached at β, by one more pass over
// the whole tree) and rlhf_grad_norm, the loss curve (the objective at β after
// each iteration, in every stage: for the mlp, the value of the fit's own pass,
// which leaves out the prefixes the policy gives a mass below reverseMassTol,
// except at the intermediate stages' iterates that were not the last point
// evaluated, whose one extra pass covers the whole tree; the two differ by
// what is left out, 1e-9 to 3e-8 nats) and the
// validation win rate and KL at iterations 0, 1, 2, 4, … of the whole fit
// (counted over every stage and segment) and at its last.
func (r *Runner) trainRLHF(ctx context.Context, cfg recipe.Config, seed int, res *Result, probe func(model.Policy) func(int)) (model.Policy, error) {
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	pi, err := r.startPolicy(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	ref := pi.Clone()
	prompts := rlPrompts(cfg, w)
	logRef, reward, err := r.rewardTables(ctx, cfg, seed, w, ref, prompts)
	if err != nil {
		return nil, err
	}
	inputs := make([]model.Input, len(prompts))
	targets := make([][]float64, len(prompts))
	final := make([][]float64, len(prompts)) // the targets at β
	for i, p := range prompts {
		inputs[i] = w.Prompts[p].Input
		targets[i] = make([]float64, w.Space.Size())
		final[i] = make([]float64, w.Space.Size())
		model.TiltTarget(logRef[i], reward[i], cfg.DPO.Beta, final[i])
	}
	proj := model.NewProjection(pi, inputs, targets)
	proj.ReverseTol = reverseMassTol
	// The loss curve is the objective at β throughout, so that the stages'
	// curves join into one.
	atBeta := model.NewProjection(pi, inputs, final)
	// β-continuation: solve at β·2^anneal first, then at half that β, warm-
	// started, down to β; the intermediate stages only give warm starts, so
	// they stop at max_steps/interStageDiv; the steps of every stage count,
	// the criterion of the last decides convergence.
	// With an MLP, the objective at β is computed in the intermediate stages'
	// own passes (model.Projection.Second) instead of by one more pass per
	// iteration; evalAt holds the parameters of the last pass.
	_, mlp := pi.(*model.MLP)
	evalAt := make([]float64, len(pi.Params()))
	eval := func(grad []float64) float64 {
		v := proj.Eval(grad)
		copy(evalAt, pi.Params())
		return v
	}
	var out trainer.ExactResult
	var curve trainer.Curve
	steps, evals, last := 0, 0, -1
	pr := probe(pi)
	// probeFrom places a stage's probes on the whole fit's count of
	// iterations: validation at iterations 0, 1, 2, 4, … of the whole fit,
	// counted over every stage, and at its last (below), so that the curve is
	// on the axis the loss curve is on, with as many probes as one long run's.
	probeFrom := func(offset int) func(step int) {
		return func(step int) {
			if s := offset + step; s != last && s&(s-1) == 0 {
				pr(s)
				last = s
			}
		}
	}
	warm := 0
	if cfg.RLHF.WarmSteps > 0 && proj.HasForwardKL() {
		// The warm start's targets are the first stage's: those at β (final)
		// unless there are anneal stages.
		wt := final
		if cfg.RLHF.Anneal > 0 {
			beta := cfg.DPO.Beta * math.Ldexp(1, cfg.RLHF.Anneal)
			wt = make([][]float64, len(inputs))
			for i := range wt {
				wt[i] = make([]float64, len(logRef[i]))
				model.TiltTarget(logRef[i], reward[i], beta, wt[i])
			}
		}
		o, err := warmStart(ctx, cfg, pi, inputs, wt)
		if err != nil {
			return nil, err
		}
		warm, evals = o.Steps, o.Evals
	}
	for k := cfg.RLHF.Anneal; k >= 0; k-- {
		beta := cfg.DPO.Beta * math.Ldexp(1, k)
		for i := range targets {
			model.TiltTarget(logRef[i], reward[i], beta, targets[i])
		}
		capSteps := cfg.RLHF.MaxSteps
		if k > 0 {
			capSteps = max(1, capSteps/interStageDiv)
		}
		opt := trainer.ExactOptions{MaxSteps: capSteps, GradTol: cfg.RLHF.GradTol, RelTol: cfg.RLHF.RelTol, AbsTol: cfg.RLHF.AbsTol,
			ProbeAll: true, Probe: probeFrom(steps)}
		if k > 0 {
			opt.Trace = func() float64 { return atBeta.Eval(nil) }
			if mlp {
				// The accepted iterate is (almost always) the last point
				// evaluated, whose objective at β the same pass computed.
				proj.Second = final
				opt.Trace = func() float64 {
					if slices.Equal(evalAt, pi.Params()) {
						return proj.SecondValue()
					}
					return atBeta.Eval(nil)
				}
			}
		} else {
			proj.Second = nil
		}
		if proj.HasNatural() {
			// The trie's and the linear tilt's Fisher information is cheap to
			// invert: natural-gradient steps reach the closed form in H steps
			// (trie) or one (tilt, target in the class), where L-BFGS crawls
			// through directions of small mass.
			out, err = trainer.MinimiseNatural(ctx, pi.Params(), proj.Natural, proj.Eval, opt)
			if err != nil {
				return nil, err
			}
			steps += out.Steps
			evals += out.Evals
			curve = append(curve, out.Curve...)
			continue
		}
		// L-BFGS preconditioned by the Fisher diagonal at the segment's start
		// (one more pass over the tree, counted as an evaluation). The
		// diagonal goes stale as the policy moves; in the last stage a segment
		// that stalls after making progress (more than Window iterations) is
		// restarted with a fresh diagonal and an empty L-BFGS memory, within
		// the stage's cap, and the stage ends when a fresh segment stalls at
		// once (or at a gradient criterion, the cap, a line-search failure).
		for remaining := capSteps; ; {
			opt.MaxSteps = remaining
			if proj.HasFisherDiag() {
				opt.Scale = fisherScale(proj)
				evals++
			}
			out, err = trainer.MinimiseExact(ctx, pi.Params(), eval, opt)
			if err != nil {
				return nil, err
			}
			steps += out.Steps
			evals += out.Evals
			curve = append(curve, out.Curve...)
			opt.Probe = probeFrom(steps)
			remaining -= out.Steps
			if k > 0 || opt.Scale == nil || out.Status != "FunctionConvergence" || out.Steps <= trainer.Window || remaining < 1 {
				break
			}
		}
	}
	if steps != last {
		pr(steps) // the minimisers leave the last iterate in pi
	}
	converged := 0.0
	if out.Converged {
		converged = 1
	}
	res.Metrics["converged"] = converged
	res.Metrics[metrics.Steps] = float64(steps)
	res.Metrics[metrics.Evals] = float64(evals)
	res.Metrics["warm_steps"] = float64(warm)
	// A KL; the closed-form fits (trie, linear tilt) can land a rounding
	// error below 0.
	res.Metrics["rlhf_kl"] = max(0, atBeta.Eval(nil))
	res.Metrics["rlhf_grad_norm"] = out.GradNorm
	res.Metrics[metrics.FinalLoss] = out.Value // Run replaces it by the curve's last 8 when there is a curve
	res.Curves[metrics.CurveLoss] = curve
	return pi, nil
}

// warmStart is exact RLHF's likelihood warm start (rlhf.warm_steps): from
// the start policy, it minimises the forward KL (1/N) Σ_x KL(p*_x ‖ π_θ(·|x))
// to targets, the first stage's p* (at β·2^anneal; at β by default), the
// cross-entropy of maximum likelihood on the exact target distribution
// (model.Projection.ForwardKL), by L-BFGS for at most warm_steps iterations
// or until the criteria of rlhf (grad_tol, rel_tol, abs_tol) hold, leaving
// out the prefixes whose target mass is below warmMassTol. The reverse-KL
// stages then start from where it ends. It is the fit's starting point, not
// part of its path: its iterations are not on the loss curve, in steps or in
// the probes' count (iteration 0 of the fit is where the warm start ends);
// they are in the metric warm_steps, and its passes in evals.
//
// Why: the reverse KL's gradient at a prefix is weighted by the policy's own
// mass there, so a target mode the start policy gives little mass pulls on it
// weakly, and L-BFGS from π_ref crawls for hundreds of iterations along
// plateaus (the β-continuation of gapbench-7 landed the backbone RM's fits at
// 4,096 pairs 1.9–3.7 nats from their targets after about 300 evaluations).
// The forward KL's gradient is weighted by the target's mass, so it moves mass
// onto every mode of p* at once; the reverse KL, from there, only has to
// sharpen. The choice of 60 iterations is in recipe.RLHFConfig.WarmSteps.
func warmStart(ctx context.Context, cfg recipe.Config, pi model.Policy, inputs []model.Input, targets [][]float64) (trainer.ExactResult, error) {
	wp := model.NewProjection(pi, inputs, targets)
	wp.ForwardTol = warmMassTol
	opt := trainer.ExactOptions{MaxSteps: cfg.RLHF.WarmSteps, GradTol: cfg.RLHF.GradTol, RelTol: cfg.RLHF.RelTol, AbsTol: cfg.RLHF.AbsTol}
	return trainer.MinimiseExact(ctx, pi.Params(), wp.ForwardKL, opt)
}

// warmMassTol is the target prefix mass below which the likelihood warm start
// leaves a prefix, and its subtree, out of the forward KL
// (model.Projection.ForwardTol). The backbone RM's targets are peaked: in the
// quick world 4–14% of the prefixes of length 2 carry a mass of 1e-10 or more
// (the linear RM's 57–66%, the local reward's all), so the warm start's
// passes skip most of the tree. The value was set from the objective reached
// at β and the time, on gapbench-8's 24 fits (recipe.RLHFConfig.WarmSteps),
// one thread, one run: with nothing left out (gapbench-8) the fits summed to
// 0.1053 nats in 22.2 s; 1e-10: 0.1052 in 14.1 s; 1e-8: 0.1065 in 14.0 s;
// 1e-6: 0.1144 in 14.4 s (gapbench-9).
const warmMassTol = 1e-10

// reverseMassTol is the policy's prefix mass below which the reverse-KL
// passes leave a prefix, and its subtree, out (model.Projection.ReverseTol):
// the objective they minimise is the KL's sum over the completions under no
// such prefix. Warm-started on a peaked target, the policy is peaked too: at
// the end of the quick world's backbone-RM fits (seed 1) 5–20% of the
// prefixes of length 2 carry a mass of 1e-10 or more (the linear RM's 56–77%,
// the local reward's all), and what the rest carry in the KL is 1e-9 to 3e-8
// nats. The value was set, as warmMassTol's, from the objective reached at β
// (rlhf_kl, over the whole tree) and the time, on the 24 fits of
// recipe.RLHFConfig.WarmSteps, one thread, one run (gapbench-10): with
// nothing left out the fits summed to 0.1052 nats in 15.2 s; 1e-12: 0.1051 in
// 7.9 s; 1e-10: 0.1051 in 7.6 s; 1e-8: 0.1108 in 7.6 s.
const reverseMassTol = 1e-10

// interStageDiv sets the iteration cap of the β-continuation's intermediate
// stages (rlhf.anneal > 0, no longer the default: see warmStart):
// rlhf.max_steps/interStageDiv each (42 at the default cap, 300).
// They only give warm starts, but how far each gets decides where the last
// stage starts: a stage cut short leaves the backbone RM's peaked targets on
// plateaus tens of nats above what the same fit reaches when every stage runs
// on. The value was set from the objective reached at β, before any arm was
// compared (gapbench-7): over the quick world's exact-RLHF fits rlhf-rm,
// rlhf-linear, rlhf-local, rlhf-rm-w0.25, rlhf-rm-w4, rlhf-rm@n4096,
// rlhf-linear@n4096 and rlhf-rm@n64 (seeds 1–3, 24 fits), a cap of 15 per
// stage (gapbench-6's /20) summed to 45.8 nats for 4,444 evaluations; 30 to
// 15.0 for 5,903; 42 (/7) to 9.7 for 7,041; 60 to 8.9 for 8,421; 80 to 6.5
// for 9,030. rlhf-rm@n4096 dominates the sums (4.8, 23.8 and 13.1 nats at 15;
// 3.9, 3.5 and 1.2 at 42; 1.0, 1.3 and 0.5 with 150 per stage). Fewer, longer
// stages did worse at equal cost (4 stages of 50: 96 nats; 3 stages of 60 at
// β·4^k: 31 nats).
const interStageDiv = 7

// fisherDamping is the preconditioner's damping, relative to the mean of the
// Fisher diagonal: parameters of prefixes the policy never visits (F_ii ≈ 0)
// get a scale of 1/√(fisherDamping·mean F), not an unbounded one. 1e-2 reached
// the lowest objectives of 1e-6, 1e-4, 1e-2, 1e-1 and 1 on the quick world's
// rlhf-linear and rlhf-rm fits (seed 1); 1e-6 made L-BFGS's line searches
// slower than no preconditioning.
const fisherDamping = 1e-2

// fisherScale returns the diagonal preconditioner of exact RLHF's L-BFGS at the
// policy's current parameters: 1/√(F_ii + fisherDamping·mean_j F_jj), F the
// Fisher information of the policy on the RL prompts (model.Projection.FisherDiag).
// The node masses of the prefix tree span orders of magnitude, so the
// objective's curvature in the parameters of rarely visited prefixes is tiny
// and plain L-BFGS converges linearly and slowly; the Fisher is the
// objective's Hessian at a target in the class, and its diagonal rescales each
// parameter by the mass that sees it (for the trie, whose Fisher is diagonal
// by node, this is the natural gradient's scaling).
func fisherScale(proj *model.Projection) []float64 {
	sc := make([]float64, len(proj.Policy.Params()))
	proj.FisherDiag(sc)
	mean := 0.0
	for _, f := range sc {
		mean += f
	}
	damp := fisherDamping*mean/float64(len(sc)) + 1e-300
	for i, f := range sc {
		sc[i] = 1 / math.Sqrt(f+damp)
	}
	return sc
}

// oracle returns the table policy π_ref·exp(r/β)/Z on every prompt of the world,
// with π_ref the SFT checkpoint, β = dpo.beta and r the labeller rlhf.reward: the
// KL-regularised optimum in the unrestricted class, which the exact RLHF arms
// aim at. With the gold reward it is π*_β itself (subopt 0 when eval.beta =
// dpo.beta).
func (r *Runner) oracle(ctx context.Context, cfg recipe.Config, seed int) (model.Policy, error) {
	w, err := r.world(ctx, cfg, seed)
	if err != nil {
		return nil, err
	}
	sft, err := r.sft(ctx, cfg, seed, cfg.Policy.Width)
	if err != nil {
		return nil, err
	}
	prompts := make([]int, len(w.Prompts))
	for i := range prompts {
		prompts[i] = i
	}
	rows, err := r.tiltTargets(ctx, cfg, seed, w, sft.CloneMLP(), prompts)
	if err != nil {
		return nil, err
	}
	logp := make([][]float64, len(w.Prompts))
	for i, p := range prompts {
		logp[p] = rows[i]
	}
	return model.NewTable(w.Space, logp), nil
}

// rlPrompts returns the prompts exact RLHF optimises on: the training prompts,
// plus the augmentation prompts when online.prompt_aug (as online DPO's slots).
func rlPrompts(cfg recipe.Config, w *datasets.World) []int {
	ps := append([]int(nil), w.Train...)
	if cfg.Online.PromptAug {
		ps = append(ps, w.Aug...)
	}
	return ps
}

// tiltTargets returns, for each prompt, log π_ref(y|x) + r(x, y)/β − log Z_x over
// every completion, with r the labeller rlhf.reward and β = dpo.beta.
func (r *Runner) tiltTargets(ctx context.Context, cfg recipe.Config, seed int, w *datasets.World, ref model.Policy, prompts []int) ([][]float64, error) {
	logRef, reward, err := r.rewardTables(ctx, cfg, seed, w, ref, prompts)
	if err != nil {
		return nil, err
	}
	for i := range logRef {
		model.TiltTarget(logRef[i], reward[i], cfg.DPO.Beta, logRef[i])
	}
	return logRef, nil
}

// rewardTables returns, for each prompt, log π_ref(y|x) and r(x, y) over every
// completion, r the labeller rlhf.reward.
func (r *Runner) rewardTables(ctx context.Context, cfg recipe.Config, seed int, w *datasets.World, ref model.Policy, prompts []int) (logRef, reward [][]float64, err error) {
	rf, err := r.rlhfReward(ctx, cfg, seed, w)
	if err != nil {
		return nil, nil, err
	}
	n := w.Space.Size()
	logRef, reward = make([][]float64, len(prompts)), make([][]float64, len(prompts))
	for i, p := range prompts {
		logRef[i], reward[i] = make([]float64, n), make([]float64, n)
		ref.Enumerate(w.Prompts[p].Input, logRef[i])
		rf(p, reward[i])
	}
	return logRef, reward, nil
}

// rlhfReward returns the labeller rlhf.reward as a function that writes r(x, y)
// for every completion of prompt p into out:
//   - gold: the gold judge's Bradley–Terry reward gold/τ (the labels' own scale,
//     so that π_ref·exp(r/β) is the π*_β that subopt measures against);
//   - rm: the reward model of the rm section (memoised, shared with online DPO);
//   - local: the offline DPO policy's implicit reward β·(log π_dpo − log π_ref),
//     π_ref the start policy.
func (r *Runner) rlhfReward(ctx context.Context, cfg recipe.Config, seed int, w *datasets.World) (func(p int, out []float64), error) {
	sp := w.Space
	switch cfg.RLHF.Reward {
	case recipe.LabelGold:
		tau := w.Config.Tau
		return func(p int, out []float64) {
			for i, g := range w.Gold[p] {
				out[i] = g / tau
			}
		}, nil
	case recipe.LabelLocal:
		// The memoised DPO policy of this config's world, data, class and DPO
		// recipe: the one online-dpo-dpo starts from.
		dpo, err := r.dpoPolicy(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		ref, err := r.startPolicy(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		dpo = dpo.Clone()
		beta := cfg.DPO.Beta
		lr := make([]float64, sp.Size())
		return func(p int, out []float64) {
			x := w.Prompts[p].Input
			dpo.Enumerate(x, out)
			ref.Enumerate(x, lr)
			for i := range out {
				out[i] = beta * (out[i] - lr[i])
			}
		}, nil
	case recipe.LabelRM:
		rm, err := r.rewardModel(ctx, cfg, seed)
		if err != nil {
			return nil, err
		}
		rm = rm.Clone()
		if e, ok := rm.(model.RewardEnumerator); ok {
			// One walk of the prefix tree, bit-identical to Reward's values.
			return func(p int, out []float64) { e.Rewards(w.Prompts[p].Input, out) }, nil
		}
		y := make([]int, sp.H)
		return func(p int, out []float64) {
			x := w.Prompts[p].Input
			for i := range out {
				sp.Decode(i, y)
				out[i] = rm.Reward(x, y, nil, 0)
			}
		}, nil
	}
	return nil, fmt.Errorf("rlhf.reward must be one of rm, local, gold, got %q", cfg.RLHF.Reward)
}
