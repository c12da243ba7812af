package runner

import (
	"fmt"
	"sort"
	"strings"

	"gapbench/recipe"
	"gapbench/store"
)

// artifactInputs lists, for every artifact the Runner memoises and shares between
// runs, the config fields it is computed from: dotted paths, a path naming a
// whole section ("world") or a single field ("policy.width"). Memo keys are
// derived from these fields and nothing else (artifactKey), so two runs share an
// artifact exactly when these fields agree. A field missing here would let arms
// that differ in it share a wrong artifact; TestMemoKeys perturbs every field of
// recipe.Config and checks that every artifact whose content changes gets a new key.
var artifactInputs = map[string][]string{
	// The world of a seed (prompts, teacher, gold reward, pairs from μ).
	"world": {"world"},
	// The SFT network of a given width (the width is passed as an extra input:
	// the policy's, or the backbone reward model's).
	"sft": {"world", "sft", "policy.init_out"},
	// Pairs read from data.file, matched against the world.
	"file": {"world", "data.file", "data.file_hash"},
	// Narrow data: SFT samples labelled by the gold judge.
	"narrow": {"world", "sft", "policy.width", "policy.init_out"},
	// The reward model trained on the run's preference data.
	"rm": {"world", "sft", "policy", "data", "rm", "dpo.beta"},
	// The offline DPO policy (start of online-dpo-dpo, source of the local
	// labeller), trained under the run's protocol (startDPOConfig).
	"dpo": {"world", "sft", "policy", "data", "dpo", "protocol"},
	// Tuned's held-out pairs from μ, on the training prompts.
	"heldout": {"world", "protocol"},
	// Tuned's held-out pairs for narrow data: SFT samples labelled by the gold judge.
	"heldout-narrow": {"world", "sft", "policy.width", "policy.init_out", "protocol"},
	// Held-out preference pairs on validation prompts.
	"evalpairs": {"world"},
	// The reward model's scores of every validation completion: its inputs.
	"rmtable": {"world", "sft", "policy", "data", "rm", "dpo.beta"},
	// The evaluator: π_ref (the SFT network of the policy's width), the data
	// and β of π*_β.
	"eval": {"world", "sft", "policy.width", "policy.init_out", "data", "eval.beta"},
	// A start policy's probe (its parameters' hash is an extra input): the
	// evaluator's inputs and the policy's class (which reads dpo.beta for tilt).
	"val0": {"world", "sft", "policy", "data", "eval.beta", "dpo.beta"},
}

// artifactKey is the memo key of an artifact of cfg for a seed: a hash of the
// artifact's input fields (artifactInputs), the seed and any extra inputs.
func artifactKey(artifact string, cfg recipe.Config, seed int, extra ...any) string {
	inputs, ok := artifactInputs[artifact]
	if !ok {
		panic(fmt.Sprintf("runner: no inputs listed for artifact %q", artifact))
	}
	var parts []string
	for path, v := range cfg.Flatten() {
		for _, in := range inputs {
			if path == in || strings.HasPrefix(path, in+".") {
				parts = append(parts, path+"="+v)
				break
			}
		}
	}
	sort.Strings(parts)
	return artifact + ":" + store.Hash(struct {
		Inputs []string `json:"inputs"`
		Seed   int      `json:"seed"`
		Extra  []any    `json:"extra,omitempty"`
	}{parts, seed, extra})
}
