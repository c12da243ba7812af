package datasets

import "fmt"

// Upper bounds of the world's fields. Each sizes memory or time; Validate refuses
// a value above its bound, before anything is generated, so that no configuration
// that passes validation can exhaust a 24 GiB, 2-core machine. Package recipe's
// documentation tables them with every other bound of a run.
const (
	MaxV            = 256     // world.v
	MaxPromptVocab  = 4096    // world.prompt_vocab
	MaxPromptLen    = 1024    // world.prompt_len
	MaxTopics       = 1024    // world.topics
	MaxPrompts      = 4096    // each of world.train_prompts, val_prompts, aug_prompts
	MaxTeacherWidth = 4096    // world.teacher_width
	MaxPairs        = 1 << 20 // world.pairs
	MaxDemos        = 1024    // world.demos (per training prompt)
	MaxDemosTotal   = 1 << 20 // world.train_prompts × world.demos
	// MaxGoldTable bounds (train + val + aug prompts) × v^h, the entries of the
	// gold-reward table (8 bytes each, 512 MiB at the bound) that is enumerated.
	MaxGoldTable = 1 << 26
)

// checkBounds reports the first field above its upper bound, naming the field,
// the value and the bound.
func (c Config) checkBounds() error {
	for _, f := range []struct {
		name   string
		v, max int
	}{
		{"v", c.V, MaxV}, {"prompt_vocab", c.PromptVocab, MaxPromptVocab},
		{"prompt_len", c.PromptLen, MaxPromptLen}, {"topics", c.Topics, MaxTopics},
		{"train_prompts", c.TrainPrompts, MaxPrompts}, {"val_prompts", c.ValPrompts, MaxPrompts},
		{"aug_prompts", c.AugPrompts, MaxPrompts}, {"teacher_width", c.TeacherWidth, MaxTeacherWidth},
		{"pairs", c.Pairs, MaxPairs}, {"demos", c.Demos, MaxDemos},
	} {
		if f.v > f.max {
			return fmt.Errorf("world.%s must be <= %d (the documented bound: go doc gapbench/recipe), got %d", f.name, f.max, f.v)
		}
	}
	if n := c.TrainPrompts * c.Demos; n > MaxDemosTotal {
		return fmt.Errorf("world.train_prompts × world.demos must be <= %d (the documented bound: go doc gapbench/recipe), got %d × %d = %d",
			MaxDemosTotal, c.TrainPrompts, c.Demos, n)
	}
	return nil
}

// checkTable bounds the enumerated tables; it runs after v^h is known to be small.
func (c Config) checkTable() error {
	n := c.TrainPrompts + c.ValPrompts + c.AugPrompts
	size := 1
	for range c.H {
		size *= c.V
	}
	if n*size > MaxGoldTable {
		return fmt.Errorf("(world.train_prompts + world.val_prompts + world.aug_prompts) × world.v^world.h must be <= %d (the documented bound: go doc gapbench/recipe), got %d × %d = %d",
			MaxGoldTable, n, size, n*size)
	}
	return nil
}
