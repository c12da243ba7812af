package metrics

import "strconv"

// Metric names: the keys of a run's metrics and training curves
// (runner.Result.Metrics and Curves), of the results CSV and of claims. The
// names of Policy's metrics are its fields' JSON tags (a test holds them
// equal).
const (
	WinRate    = "win_rate"    // Policy.WinRate
	GoldReward = "gold_reward" // Policy.GoldReward
	KLRef      = "kl_ref"      // Policy.KLRef
	Subopt     = "subopt"      // Policy.Subopt
	OODMass    = "ood_mass"    // Policy.OODMass
	RougeL     = "rouge_l"     // Policy.RougeL
	RareMass   = "rare_mass"   // Policy.RareMass

	RMLikID  = "rm_lik_id"  // a reward's mean σ(r⁺ − r⁻) on held-out in-distribution pairs (PairLikelihood)
	RMLikOOD = "rm_lik_ood" // the same on out-of-distribution pairs
	RMAccID  = "rm_acc_id"  // a reward's ranking accuracy on in-distribution pairs (PairAccuracy)
	RMAccOOD = "rm_acc_ood" // the same on out-of-distribution pairs

	Steps     = "steps"      // optimiser steps of a policy's training
	Evals     = "evals"      // exact RLHF: evaluations of the objective (and gradient), the fit's cost
	FinalLoss = "final_loss" // mean training loss over the last 8 steps

	// Curves: the loss at every step, and the steps at which WinRate and
	// KLRef were probed during training.
	CurveLoss = "loss"
	ProbeStep = "probe_step"
)

// BestOfNName is the name of the Best-of-n gold reward on SFT samples ranked by a
// reward: "bon_25".
func BestOfNName(n int) string { return "bon_" + strconv.Itoa(n) }

// BestOfNDPOName is the name of the Best-of-n gold reward on samples of the
// offline DPO policy: "bon_dpo_25".
func BestOfNDPOName(n int) string { return "bon_dpo_" + strconv.Itoa(n) }
