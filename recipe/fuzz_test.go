package recipe

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzApply applies a one-path diff with an arbitrary JSON value to the default
// config: Apply must never panic, and when it succeeds the config it returns
// differs from the default only at that path (or inside it), and can be flattened
// and hashed (no NaN or infinity got in).
func FuzzApply(f *testing.F) {
	for _, s := range [][2]string{
		{"dpo.beta", "0.5"}, {"dpo.epochs", "4"}, {"method", `"online"`}, {"eval.best_of_n", "[1, 2]"},
		{"world", "1"}, {"dpo.Beta", "1"}, {"dpo.beta", `"x"`}, {"data.file", `"a.jsonl"`},
		{"dpo.epochs", "1e18"}, {"dpo.epochs", "2.5"}, {"policy.width", "-1"}, {"online.prompt_aug", "true"},
		{"nope.x.y", "1"}, {"", "1"}, {"dpo.", "1"}, {"dpo.beta", "null"}, {"dpo.beta", "{}"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, path, value string) {
		var v any
		if json.Unmarshal([]byte(value), &v) != nil {
			return
		}
		c, err := Default().Apply(Diff{path: v})
		if err != nil {
			return
		}
		for _, p := range DiffPaths(Default(), c) {
			if p != path && !strings.HasPrefix(p, path+".") && !strings.HasPrefix(path, p+".") {
				t.Fatalf("Apply(%q: %s) changed %q", path, value, p)
			}
		}
		_ = c.Validate()
	})
}
