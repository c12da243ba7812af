package recipe

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestValidateRLHF checks the rlhf section's errors name the field and the value.
func TestValidateRLHF(t *testing.T) {
	for _, tc := range []struct {
		diff Diff
		want string // "" for valid
	}{
		{Diff{"method": "rlhf"}, ""},
		{Diff{"method": "oracle", "rlhf.reward": "gold"}, ""},
		{Diff{"rlhf.reward": "judge"}, `rlhf.reward must be one of rm, local, gold, got "judge"`},
		{Diff{"rlhf.max_steps": 0}, "rlhf.max_steps must be >= 1, got 0"},
		{Diff{"rlhf.max_steps": 100001}, "rlhf.max_steps must be <= 100000 (the documented bound: go doc gapbench/recipe), got 100001"},
		{Diff{"rlhf.grad_tol": 0}, "rlhf.grad_tol must be in (0, 1), got 0"},
		{Diff{"rlhf.grad_tol": 1}, "rlhf.grad_tol must be in (0, 1), got 1"},
		{Diff{"rlhf.grad_tol": -1e-6}, "rlhf.grad_tol must be in (0, 1), got -1e-06"},
		{Diff{"rlhf.rel_tol": 0}, ""},
		{Diff{"rlhf.rel_tol": -0.1}, "rlhf.rel_tol must be in [0, 1), got -0.1"},
		{Diff{"rlhf.rel_tol": 1}, "rlhf.rel_tol must be in [0, 1), got 1"},
		{Diff{"rlhf.abs_tol": 0}, ""},
		{Diff{"rlhf.abs_tol": -1e-4}, "rlhf.abs_tol must be in [0, 1), got -0.0001"},
		{Diff{"rlhf.abs_tol": 1}, "rlhf.abs_tol must be in [0, 1), got 1"},
		{Diff{"rlhf.anneal": 3}, ""},
		{Diff{"rlhf.anneal": -1}, "rlhf.anneal must be >= 0, got -1"},
		{Diff{"rlhf.anneal": 21}, "rlhf.anneal must be <= 20 (the documented bound: go doc gapbench/recipe), got 21"},
		{Diff{"rlhf.warm_steps": 0}, ""},
		{Diff{"rlhf.warm_steps": -1}, "rlhf.warm_steps must be >= 0, got -1"},
		{Diff{"rlhf.warm_steps": 100001}, "rlhf.warm_steps must be <= 100000 (the documented bound: go doc gapbench/recipe), got 100001"},
	} {
		c, err := Default().Apply(tc.diff)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%v) = %v, want %q", tc.diff, err, tc.want)
		}
	}
}

// TestRLHFSectionJSON checks the rlhf section is left out of the JSON exactly
// when it holds the defaults and the method does not use it, and that diffs and
// flattening see it regardless.
func TestRLHFSectionJSON(t *testing.T) {
	for _, tc := range []struct {
		diff Diff
		want bool // the JSON has an rlhf section
	}{
		{Diff{}, false},
		{Diff{"method": "online"}, false},
		{Diff{"method": "rlhf"}, true},
		{Diff{"method": "oracle"}, true},
		{Diff{"method": "dpo", "rlhf.max_steps": 7}, true},
	} {
		c, err := Default().Apply(tc.diff)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(b), `"rlhf":`); got != tc.want {
			t.Errorf("%v: rlhf section in the JSON %v, want %v: %s", tc.diff, got, tc.want, b)
		}
		var back Config
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if tc.want && back.RLHF != c.RLHF {
			t.Errorf("%v: the rlhf section does not round-trip: %+v", tc.diff, back.RLHF)
		}
		if _, ok := c.Flatten()["rlhf.max_steps"]; !ok {
			t.Errorf("%v: Flatten lacks rlhf.max_steps", tc.diff)
		}
	}
	plain, _ := json.Marshal(plainConfig(Default()))
	b, _ := json.Marshal(Default())
	if want := strings.Replace(string(plain), `,"rlhf":{"reward":"rm","max_steps":300,"grad_tol":0.000001,"rel_tol":0.001,"abs_tol":0.001,"anneal":0,"warm_steps":60}`, "", 1); string(b) != want {
		t.Errorf("the default config's JSON is\n%s\nwant every section but rlhf, in order:\n%s", b, want)
	}
}
