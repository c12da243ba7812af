package recipe

import (
	"reflect"
	"strings"
	"testing"
)

func TestApply(t *testing.T) {
	c, err := Default().Apply(Diff{"dpo.beta": 0.2, "world.h": 2, "online.prompt_aug": true, "method": "online"})
	if err != nil {
		t.Fatal(err)
	}
	if c.DPO.Beta != 0.2 || c.World.H != 2 || !c.Online.PromptAug || c.Method != "online" {
		t.Fatalf("Apply did not set every field: %+v", c)
	}
	if got := DiffPaths(Default(), c); !reflect.DeepEqual(got, []string{"dpo.beta", "method", "online.prompt_aug", "world.h"}) {
		t.Errorf("DiffPaths = %v", got)
	}
	f, _ := Default().Apply(Diff{"data.source": "file", "data.file": "p", "data.file_hash": "h"})
	if got := DiffPaths(Default(), f); !reflect.DeepEqual(got, []string{"data.file", "data.file_hash", "data.source"}) {
		t.Errorf("DiffPaths must see fields present on one side only: %v", got)
	}
	if got := DiffPaths(Default(), Default()); len(got) != 0 {
		t.Errorf("DiffPaths(default, default) = %v, want none", got)
	}
}

// TestApplyOmittedField sets fields that are absent from the JSON of the default
// (omitempty), which must work like any other.
func TestApplyOmittedField(t *testing.T) {
	c, err := Default().Apply(Diff{"data.source": "file", "data.file": "p.jsonl", "data.file_hash": "ab"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Data.File != "p.jsonl" || c.Data.FileHash != "ab" || c.Validate() != nil {
		t.Fatalf("Apply(data.file) = %+v, validate %v", c.Data, c.Validate())
	}
}

func TestApplyErrors(t *testing.T) {
	for _, tc := range []struct {
		diff Diff
		want string
	}{
		{Diff{"dpo.betta": 1}, `unknown field "dpo.betta"`},
		{Diff{"nope.x": 1}, `unknown field "nope"`},
		{Diff{"dpo.beta.x": 1}, `"dpo.beta" is not a section`},
		{Diff{"dpo": 1}, `field "dpo" is a section`},
		{Diff{"dpo.epochs": "four"}, `field "dpo.epochs": value "four" is a string, want a int`},
		{Diff{"dpo.epochs": 2.5}, `field "dpo.epochs"`},
		{Diff{"dpo.Beta": 0.5}, `unknown field "dpo.Beta" (field names are case-sensitive: did you mean "dpo.beta"?)`},
	} {
		if _, err := Default().Apply(tc.diff); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Apply(%v) = %v, want an error containing %q", tc.diff, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("default: %v", err)
	}
	for _, tc := range []struct {
		diff Diff
		want string
	}{
		{Diff{"dpo.beta": -0.1}, "dpo.beta must be > 0, got -0.1"},
		{Diff{"method": "ppo"}, `method must be one of sft, dpo, online, rm, rlhf, oracle, got "ppo"`},
		{Diff{"online.k": 1}, "online.k must be >= 2, got 1"},
		{Diff{"rm.kind": "huge"}, `rm.kind must be one of backbone, linear, local, got "huge"`},
		{Diff{"policy.class": "tilt", "dpo.kl_weight": 0.1}, `policy.class "tilt" cannot use`},
		{Diff{"data.source": "file"}, "data.file must be set exactly when data.source is file"},
		{Diff{"data.source": "file", "data.file": "p.jsonl"}, "data.file_hash must be the hash of data.file's content"},
		{Diff{"eval.beta": 0}, "eval.beta must be > 0"},
		{Diff{"world.tau": 0}, "world.tau must be > 0"},
		{Diff{"online.rounds": 100000}, "online.rounds must be in [1, world.pairs]"},
	} {
		c, err := Default().Apply(tc.diff)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%v) = %v, want an error containing %q", tc.diff, err, tc.want)
		}
	}
}
