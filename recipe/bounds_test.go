package recipe

import (
	"strings"
	"testing"
)

// TestBounds sets each field the hardening issue found exhausting the machine to
// the value that did it: Validate must refuse it, naming the field, the value and
// the bound. Removing a bound makes its case fail.
func TestBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		diff Diff
		want []string // in the error
	}{
		{Diff{"policy.width": 10000000}, []string{"policy.width", "<= 2048", "10000000"}},
		{Diff{"world.teacher_width": 10000000}, []string{"world.teacher_width", "<= 4096", "10000000"}},
		{Diff{"world.pairs": 1000000000}, []string{"world.pairs", "<= 1048576", "1000000000"}},
		{Diff{"world.train_prompts": 1000000000}, []string{"world.train_prompts", "<= 4096", "1000000000"}},
		{Diff{"world.aug_prompts": 1000000000}, []string{"world.aug_prompts", "<= 4096", "1000000000"}},
		{Diff{"world.val_prompts": 1000000000}, []string{"world.val_prompts", "<= 4096", "1000000000"}},
		{Diff{"world.topics": 1000000000}, []string{"world.topics", "<= 1024", "1000000000"}},
		{Diff{"world.prompt_vocab": 1000000000}, []string{"world.prompt_vocab", "<= 4096", "1000000000"}},
		{Diff{"world.prompt_len": 1000000000}, []string{"world.prompt_len", "<= 1024", "1000000000"}},
		{Diff{"world.demos": 1000000000}, []string{"world.demos", "<= 1024", "1000000000"}},
		{Diff{"world.v": 1000000000}, []string{"world.v", "<= 256", "1000000000"}},
		{Diff{"world.train_prompts": 4096, "world.demos": 1024}, []string{"world.train_prompts × world.demos", "<= 1048576", "4194304"}},
		{Diff{"world.val_prompts": 4096, "world.aug_prompts": 4096, "world.h": 6}, []string{"world.v^world.h", "<= 67108864"}},
		{Diff{"online.k": 1000000000}, []string{"online.k", "<= 1024", "1000000000"}},
		{Diff{"rm.data_mult": 1000000000}, []string{"rm.data_mult", "<= 64", "1000000000"}},
		{Diff{"dpo.batch": 1000000000}, []string{"dpo.batch", "<= 65536", "1000000000"}},
		{Diff{"sft.batch": 1000000000}, []string{"sft.batch", "<= 65536", "1000000000"}},
		{Diff{"rm.batch": 1000000000}, []string{"rm.batch", "<= 65536", "1000000000"}},
		{Diff{"dpo.kl_samples": 1000000000}, []string{"dpo.kl_samples", "<= 256", "1000000000"}},
		{Diff{"dpo.epochs": 1e18}, []string{"dpo.epochs", "<= 1000", "1000000000000000000"}},
		{Diff{"sft.epochs": 1000000000}, []string{"sft.epochs", "<= 1000", "1000000000"}},
		{Diff{"rm.epochs": 1000000000}, []string{"rm.epochs", "<= 10000", "1000000000"}},
		{Diff{"rm.width_mult": 1e6}, []string{"rm.width_mult", "<= 16", "1e+06"}},
		{Diff{"rm.width_mult": 16, "policy.width": 1024}, []string{"rm.width_mult", "<= 2048", "16384"}},
		{Diff{"eval.best_of_n": []any{1, 1000000000}}, []string{"eval.best_of_n", "<= 1024", "1000000000"}},
		{Diff{"world.pairs": 1 << 20, "dpo.epochs": 1000}, []string{"dpo.epochs × pair slots", "<= 134217728"}},
		{Diff{"world.pairs": 1 << 20, "rm.epochs": 1000}, []string{"rm.epochs × world.pairs × rm.data_mult", "<= 134217728"}},
		{Diff{"method": "online", "world.pairs": 1 << 20, "online.k": 1024}, []string{"online.k (completions", "<= 134217728"}},
	}
	for _, tt := range tests {
		name := strings.Join(tt.diff.Keys(), ",")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := Default().Apply(tt.diff)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate()
			if err == nil {
				t.Fatalf("Validate(%v) = nil, want an error naming the bound", tt.diff)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate(%v) = %q, want it to contain %q", tt.diff, err, w)
				}
			}
		})
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("the default config fails its bounds: %v", err)
	}
}
