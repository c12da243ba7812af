package arms

import (
	"testing"

	"gapbench/recipe"
)

// FuzzParse feeds arbitrary bytes to the arm-file parser: it must never panic,
// and every arm it accepts must resolve against the default config to a config
// that validates.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"arms:\n  - name: my-reg\n    doc: offline DPO + a stronger NLL regulariser\n    diff:\n      method: dpo\n      dpo.sft_weight: 0.5\n",
		`{"arms": [{"name": "x", "doc": "d", "diff": {"dpo.beta": 0.2}}]}`,
		"arms:\n  - name: x\n    diff: {dpo.beta: .nan}\n",
		"arms:\n  - name: x\n    diff: {dpo.beta: 1e309}\n",
		"arms:\n  - name: x\n    diff: {method: dpo}\n---\narms: []\n",
		"arms:\n  - name: dpo\n    diff: {}\n",
		"arms:\n  - name: x\n    diff: {world.pairs: 1000000000}\n",
		"arms: 3\n", "", "---\n", "arms:\n  - {}\n", "[1, 2]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		as, err := Parse("f.yaml", data)
		if err != nil {
			return
		}
		if len(as) == 0 {
			t.Fatal("Parse returned no arms and no error")
		}
		for _, a := range as {
			c, err := a.Resolve(recipe.Default())
			if err != nil {
				t.Fatalf("accepted arm %q does not resolve: %v", a.Name, err)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("accepted arm %q does not validate: %v", a.Name, err)
			}
		}
	})
}
