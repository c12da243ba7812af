package arms

import "gapbench/recipe"

// The arms of the paper and of the hypothesis suites. Values are absolute: where
// an arm scales a default (dpo-2x, the β and learning-rate sweeps), a test checks
// the value against the default so the two cannot drift apart.
func init() {
	for _, a := range []Arm{
		// The headline table.
		{"sft", "the SFT checkpoint, no preference training", recipe.Diff{"method": "sft"}},
		{"dpo", "offline DPO on the preference pairs", recipe.Diff{"method": "dpo"}},
		{"dpo-2x", "offline DPO with twice the epochs (H3: more optimisation)", recipe.Diff{"method": "dpo", "dpo.epochs": 4}},
		{"dpo-4x", "offline DPO with four times the epochs (H3: optimisation trend)", recipe.Diff{"method": "dpo", "dpo.epochs": 8}},
		{"dpo-8x", "offline DPO with eight times the epochs (H3: optimisation trend)", recipe.Diff{"method": "dpo", "dpo.epochs": 16}},
		{"online-dpo-sft", "online DPO: sample from SFT, label with the global RM, best vs worst", recipe.Diff{"method": "online", "online.start": "sft"}},
		{"online-dpo-dpo", "online DPO started from (and sampling from) the offline DPO policy", recipe.Diff{"method": "online", "online.start": "dpo"}},

		// H1: on-policy samples vs new information.
		{"online-local-rm", "online DPO labelled by the DPO policy's own implicit reward (no new information)", recipe.Diff{"method": "online", "online.labeller": "local"}},
		{"online-gold", "online DPO labelled by the gold judge (an oracle that adds information)", recipe.Diff{"method": "online", "online.labeller": "gold"}},
		{"online-iterative", "online DPO resampled from the current policy in 4 rounds", recipe.Diff{"method": "online", "online.rounds": 4}},

		// H2: regularisation to π_ref.
		{"dpo-beta-x0.25", "offline DPO at β/4", recipe.Diff{"method": "dpo", "dpo.beta": 0.025}},
		{"dpo-beta-x4", "offline DPO at 4β", recipe.Diff{"method": "dpo", "dpo.beta": 0.4}},
		{"hypo", "offline DPO + reverse KL to π_ref on unlabelled on-policy samples (HyPO)", recipe.Diff{"method": "dpo", "dpo.kl_weight": 0.1}},
		{"dpo-sft-reg", "offline DPO + NLL of the chosen completions", recipe.Diff{"method": "dpo", "dpo.sft_weight": 0.1}},

		// H3: optimisation and data volume.
		{"dpo-lr-x0.5", "offline DPO at half the learning rate", recipe.Diff{"method": "dpo", "dpo.lr": 0.0015}},
		{"dpo-lr-x2", "offline DPO at twice the learning rate", recipe.Diff{"method": "dpo", "dpo.lr": 0.006}},
		{"online-2x", "online DPO with twice the epochs (a step count like prompt-aug's)", recipe.Diff{"method": "online", "dpo.epochs": 4}},
		{"prompt-aug", "online DPO that also makes pairs on the augmentation prompts (≈2.3× prompts)", recipe.Diff{"method": "online", "online.prompt_aug": true}},

		// H4: the data the RM sees.
		{"dpo-narrow", "offline DPO on narrow data: pairs of SFT samples labelled by the gold judge", recipe.Diff{"method": "dpo", "data.source": "narrow"}},
		{"online-narrow", "online DPO whose RM and policy both see only the narrow data", recipe.Diff{"method": "online", "data.source": "narrow"}},
		{"online-rm-2x", "online DPO with an RM trained on twice the pairs", recipe.Diff{"method": "online", "rm.data_mult": 2}},

		// H5: reward models in and out of distribution.
		{"rm-global", "the global RM alone: backbone + scalar head, Bradley–Terry", recipe.Diff{"method": "rm"}},
		{"rm-local", "a local RM β·log π_φ of the policy class, Bradley–Terry", recipe.Diff{"method": "rm", "rm.kind": "local"}},

		// H6: generation vs verification.
		{"rm-w0.25", "the global RM at ¼ of the policy's width", recipe.Diff{"method": "rm", "rm.width_mult": 0.25}},
		{"rm-w4", "the global RM at 4× the policy's width", recipe.Diff{"method": "rm", "rm.width_mult": 4}},
		{"rm-linear", "the linear RM (token counts × prompt bag)", recipe.Diff{"method": "rm", "rm.kind": "linear"}},
		{"online-rm-w0.25", "online DPO with an RM at ¼ of the policy's width", recipe.Diff{"method": "online", "rm.width_mult": 0.25}},
		{"online-rm-w4", "online DPO with an RM at 4× the policy's width", recipe.Diff{"method": "online", "rm.width_mult": 4}},
		{"online-rm-linear", "online DPO with the linear RM", recipe.Diff{"method": "online", "rm.kind": "linear"}},
		{"dpo-tilt", "offline DPO in the tilt class π ∝ π_SFT·exp(linear)", recipe.Diff{"method": "dpo", "policy.class": "tilt"}},
		{"dpo-tilt-rm-recipe", "offline DPO in the tilt class trained with the RM's recipe (rm.epochs, rm.lr): the same fit as the linear RM", recipe.Diff{"method": "dpo", "policy.class": "tilt", "dpo.epochs": 100, "dpo.lr": 0.01}},
		{"online-tilt", "online DPO in the tilt class with the linear RM (Π ≅ R)", recipe.Diff{"method": "online", "policy.class": "tilt", "rm.kind": "linear"}},
	} {
		MustRegister(a)
	}
}
