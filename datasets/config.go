// Package datasets generates tldr-synth, gapbench's synthetic "summarise the post"
// world: prompts with latent topics, a teacher network that writes the "human"
// summaries (SFT demonstrations and reference summaries), a gold reward at four
// levels of complexity, and Bradley–Terry preference pairs. Everything derives
// deterministically from Config.Seed. It also reads and writes demonstrations and
// preference pairs as JSONL, so a user can bring pairs of their own.
//
// The world is small enough to enumerate: every prompt has V^H completions, and the
// gold reward of each is tabulated, so evaluation needs no sampling.
//
// It is not for training or evaluation (packages trainer and metrics).
package datasets

import (
	"fmt"
	"math"
)

// Reward levels of the gold reward, from easiest to hardest to verify.
const (
	RewardSimple = "simple" // linear in summary-token counts, weighted by the post
	RewardBigram = "bigram" // simple + token-pair terms
	RewardRouge  = "rouge"  // ROUGE-L F1 against a hidden reference from a second teacher
	RewardPolicy = "policy" // log π_T − log π_teacher for a random π_T of the policy class
)

// Pair sampling distributions μ.
const (
	PairsRef     = "ref"     // the teacher (the reference writers that SFT imitates)
	PairsUniform = "uniform" // uniform over completions (full coverage)
	PairsSkewed  = "skewed"  // the teacher at temperature 0.5 (partial coverage)
	PairsShifted = "shifted" // a second, unrelated writer (out of distribution)
)

// RewardLevels lists the gold reward levels in order of complexity.
var RewardLevels = []string{RewardSimple, RewardBigram, RewardRouge, RewardPolicy}

// PairDists lists the pair sampling distributions.
var PairDists = []string{PairsRef, PairsUniform, PairsSkewed, PairsShifted}

// Config holds every knob of the world. Its zero value is not usable; start from
// DefaultConfig.
type Config struct {
	V            int     `json:"v"`             // completion vocabulary size
	H            int     `json:"h"`             // completion length (horizon)
	PromptVocab  int     `json:"prompt_vocab"`  // prompt vocabulary size
	PromptLen    int     `json:"prompt_len"`    // tokens per prompt
	Topics       int     `json:"topics"`        // latent topics
	TrainPrompts int     `json:"train_prompts"` // prompts with demonstrations and pairs
	ValPrompts   int     `json:"val_prompts"`   // held-out prompts for evaluation
	AugPrompts   int     `json:"aug_prompts"`   // extra unlabelled prompts for prompt augmentation
	TeacherWidth int     `json:"teacher_width"` // hidden width of the teacher network
	TeacherScale float64 `json:"teacher_scale"` // logit scale of the teacher (higher: lower entropy)
	Reward       string  `json:"reward"`        // gold reward level: simple, bigram, rouge, policy
	Tau          float64 `json:"tau"`           // Bradley–Terry temperature of the labeller, > 0
	Pairs        int     `json:"pairs"`         // preference pairs n
	PairDist     string  `json:"pair_dist"`     // sampling distribution μ of pairs
	Demos        int     `json:"demos"`         // SFT demonstrations per training prompt
	Seed         uint64  `json:"seed"`          // seed of everything in the world
}

// DefaultConfig returns the default world (see README for why these values).
func DefaultConfig() Config {
	return Config{
		V: 8, H: 4,
		PromptVocab: 16, PromptLen: 6, Topics: 4,
		TrainPrompts: 64, ValPrompts: 64, AugPrompts: 84,
		TeacherWidth: 128, TeacherScale: 2,
		Reward: RewardSimple, Tau: 1,
		Pairs: 256, PairDist: PairsRef,
		Demos: 16,
	}
}

// Validate reports the first invalid field, naming it and its value.
func (c Config) Validate() error {
	pos := []struct {
		name string
		v    int
	}{{"v", c.V}, {"h", c.H}, {"prompt_vocab", c.PromptVocab}, {"prompt_len", c.PromptLen},
		{"topics", c.Topics}, {"train_prompts", c.TrainPrompts}, {"val_prompts", c.ValPrompts},
		{"teacher_width", c.TeacherWidth}, {"pairs", c.Pairs}, {"demos", c.Demos}}
	for _, f := range pos {
		if f.v < 1 {
			return fmt.Errorf("world.%s must be >= 1, got %d", f.name, f.v)
		}
	}
	if err := c.checkBounds(); err != nil {
		return err
	}
	if c.V < 2 {
		return fmt.Errorf("world.v must be >= 2, got %d", c.V)
	}
	if c.H > 6 {
		return fmt.Errorf("world.h must be <= 6 (V^H completions are enumerated), got %d", c.H)
	}
	if n := math.Pow(float64(c.V), float64(c.H)); n > 1<<18 {
		return fmt.Errorf("world.v^world.h = %d^%d = %.0f completions, more than 2^18 to enumerate", c.V, c.H, n)
	}
	if c.AugPrompts < 0 {
		return fmt.Errorf("world.aug_prompts must be >= 0, got %d", c.AugPrompts)
	}
	if err := c.checkTable(); err != nil {
		return err
	}
	if !(c.TeacherScale > 0) || math.IsInf(c.TeacherScale, 0) {
		return fmt.Errorf("world.teacher_scale must be > 0, got %v", c.TeacherScale)
	}
	if !(c.Tau > 0) || math.IsInf(c.Tau, 0) {
		return fmt.Errorf("world.tau must be > 0 (deterministic labels make both MLEs separable), got %v", c.Tau)
	}
	if !oneOf(c.Reward, RewardLevels) {
		return fmt.Errorf("world.reward must be one of %v, got %q", RewardLevels, c.Reward)
	}
	if !oneOf(c.PairDist, PairDists) {
		return fmt.Errorf("world.pair_dist must be one of %v, got %q", PairDists, c.PairDist)
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}
