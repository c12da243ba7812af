package recipe

import (
	"fmt"

	"gapbench/datasets"
)

// Bound is the documented upper limit of one field of a run's configuration (or
// of a product of fields). Validate refuses a value above it before anything
// runs. The package documentation tables every bound; keep the two in step
// (TestBoundsDocumented checks it).
type Bound struct {
	Field string  // the dotted path, or a product of paths
	Max   float64 // the largest value allowed
	Why   string  // what the field sizes
}

// Upper bounds of the training fields. Together with the world's bounds
// (package datasets) they keep a single run within about 3 GiB and a few hours
// on the machine gapbench is sized for (24 GiB, 2 cores).
const (
	MaxWidth     = 2048    // policy.width, and the reward model's width policy.width × rm.width_mult
	MaxWidthMult = 16      // rm.width_mult
	MaxEpochs    = 1000    // sft.epochs, dpo.epochs
	MaxRMEpochs  = 10000   // rm.epochs
	MaxBatch     = 1 << 16 // sft.batch, rm.batch, dpo.batch
	MaxDataMult  = 64      // rm.data_mult
	MaxKLSamples = 256     // dpo.kl_samples
	MaxK         = 1024    // online.k
	MaxBestOfN   = 1024    // each eval.best_of_n entry
	MaxBestOfNs  = 32      // the number of eval.best_of_n entries
	MaxRLHFSteps = 100000  // rlhf.max_steps: exact-RLHF iterations at β (each costs about 3 enumerations of the RL prompts)
	MaxAnneal    = 20      // rlhf.anneal: β-continuation stages (each up to rlhf.max_steps/7 iterations)
	MaxWarmSteps = 100000  // rlhf.warm_steps: likelihood warm-start iterations (each costs about one enumeration of the RL prompts with its backward pass)
	// MaxExamples bounds the examples one training stage processes: epochs × its
	// items (sft: train_prompts × demos; rm: pairs × data_mult; dpo and online:
	// pairs, plus the augmentation slots with online.prompt_aug).
	MaxExamples = 1 << 27
	// MaxSamples bounds online sampling: online DPO draws and labels online.k
	// completions per pair slot.
	MaxSamples = 1 << 27
)

// Bounds lists every documented bound of a run's configuration, world included,
// in the order of the package documentation's table.
func Bounds() []Bound {
	return []Bound{
		{"world.v", datasets.MaxV, "completion vocabulary (v^h <= 2^18 completions are enumerated; world.h <= 6)"},
		{"world.prompt_vocab", datasets.MaxPromptVocab, "prompt vocabulary: input width of every network"},
		{"world.prompt_len", datasets.MaxPromptLen, "tokens drawn per prompt"},
		{"world.topics", datasets.MaxTopics, "latent topics"},
		{"world.train_prompts", datasets.MaxPrompts, "training prompts"},
		{"world.val_prompts", datasets.MaxPrompts, "validation prompts (every metric enumerates them)"},
		{"world.aug_prompts", datasets.MaxPrompts, "augmentation prompts"},
		{"(train + val + aug prompts) × v^h", datasets.MaxGoldTable, "entries of the enumerated gold-reward table (512 MiB)"},
		{"world.teacher_width", datasets.MaxTeacherWidth, "teacher network width"},
		{"world.pairs", datasets.MaxPairs, "preference pairs"},
		{"world.demos", datasets.MaxDemos, "demonstrations per training prompt"},
		{"world.train_prompts × world.demos", datasets.MaxDemosTotal, "SFT demonstrations"},
		{"policy.width", MaxWidth, "policy (and SFT network) width"},
		{"rm.width_mult", MaxWidthMult, "reward model width as a multiple of the policy's"},
		{"policy.width × rm.width_mult", MaxWidth, "reward model width"},
		{"sft.epochs", MaxEpochs, "SFT passes over the demonstrations"},
		{"rm.epochs", MaxRMEpochs, "reward model passes over its pairs"},
		{"dpo.epochs", MaxEpochs, "DPO passes (offline and online)"},
		{"sft.batch", MaxBatch, "SFT minibatch"},
		{"rm.batch", MaxBatch, "reward model minibatch"},
		{"dpo.batch", MaxBatch, "DPO minibatch"},
		{"rm.data_mult", MaxDataMult, "reward model data as a multiple of the pairs"},
		{"dpo.kl_samples", MaxKLSamples, "on-policy samples per item for the KL term"},
		{"online.k", MaxK, "samples per online pair slot"},
		{"rlhf.max_steps", MaxRLHFSteps, "exact-RLHF iterations at β (time)"},
		{"rlhf.anneal", MaxAnneal, "exact-RLHF β-continuation stages (time)"},
		{"rlhf.warm_steps", MaxWarmSteps, "exact-RLHF likelihood warm-start iterations (time)"},
		{"eval.best_of_n entries", MaxBestOfN, "samples per Best-of-N draw"},
		{"len(eval.best_of_n)", MaxBestOfNs, "Best-of-N values evaluated"},
		{"epochs × examples of a stage", MaxExamples, "examples one training stage processes (time)"},
		{"pair slots × online.k", MaxSamples, "completions online DPO samples and labels (time)"},
	}
}

// checkBounds reports the first training field above its bound (the world's are
// checked by datasets.Config.Validate), naming the field, the value and the bound.
func (c Config) checkBounds() error {
	over := func(field string, v, max int) error {
		if v > max {
			return fmt.Errorf("%s must be <= %d (the documented bound: go doc gapbench/recipe), got %d", field, max, v)
		}
		return nil
	}
	for _, e := range []error{
		over("policy.width", c.Policy.Width, MaxWidth),
		over("sft.epochs", c.SFT.Epochs, MaxEpochs),
		over("rm.epochs", c.RM.Epochs, MaxRMEpochs),
		over("dpo.epochs", c.DPO.Epochs, MaxEpochs),
		over("sft.batch", c.SFT.Batch, MaxBatch),
		over("rm.batch", c.RM.Batch, MaxBatch),
		over("dpo.batch", c.DPO.Batch, MaxBatch),
		over("rm.data_mult", c.RM.DataMult, MaxDataMult),
		over("dpo.kl_samples", c.DPO.KLSamples, MaxKLSamples),
		over("online.k", c.Online.K, MaxK),
		over("rlhf.max_steps", c.RLHF.MaxSteps, MaxRLHFSteps),
		over("rlhf.anneal", c.RLHF.Anneal, MaxAnneal),
		over("rlhf.warm_steps", c.RLHF.WarmSteps, MaxWarmSteps),
	} {
		if e != nil {
			return e
		}
	}
	if c.RM.WidthMult > MaxWidthMult {
		return fmt.Errorf("rm.width_mult must be <= %d (the documented bound: go doc gapbench/recipe), got %v", MaxWidthMult, c.RM.WidthMult)
	}
	if w := c.RMWidth(); w > MaxWidth {
		return fmt.Errorf("policy.width × rm.width_mult (the reward model's width) must be <= %d (the documented bound: go doc gapbench/recipe), got %d × %v = %d",
			MaxWidth, c.Policy.Width, c.RM.WidthMult, w)
	}
	if len(c.Eval.BestOfN) > MaxBestOfNs {
		return fmt.Errorf("eval.best_of_n must have at most %d entries (the documented bound: go doc gapbench/recipe), got %d", MaxBestOfNs, len(c.Eval.BestOfN))
	}
	for _, n := range c.Eval.BestOfN {
		if n > MaxBestOfN {
			return fmt.Errorf("eval.best_of_n entries must be <= %d (the documented bound: go doc gapbench/recipe), got %d", MaxBestOfN, n)
		}
	}
	w := c.World
	slots := w.Pairs
	if c.Online.PromptAug {
		slots += max(1, w.Pairs/w.TrainPrompts) * w.AugPrompts
	}
	for _, s := range []struct {
		what          string
		epochs, items int
	}{
		{"sft.epochs × world.train_prompts × world.demos", c.SFT.Epochs, w.TrainPrompts * w.Demos},
		{"rm.epochs × world.pairs × rm.data_mult", c.RM.Epochs, w.Pairs * c.RM.DataMult},
		{"dpo.epochs × pair slots", c.DPO.Epochs, slots},
	} {
		if n := float64(s.epochs) * float64(s.items); n > MaxExamples {
			return fmt.Errorf("%s (examples one training stage processes) must be <= %d (the documented bound: go doc gapbench/recipe), got %d × %d = %.0f",
				s.what, MaxExamples, s.epochs, s.items, n)
		}
	}
	if c.Method == MethodOnline {
		if n := float64(slots) * float64(c.Online.K); n > MaxSamples {
			return fmt.Errorf("pair slots × online.k (completions online DPO samples) must be <= %d (the documented bound: go doc gapbench/recipe), got %d × %d = %.0f",
				MaxSamples, slots, c.Online.K, n)
		}
	}
	return nil
}
