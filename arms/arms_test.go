package arms

import (
	"strings"
	"testing"

	"gapbench/recipe"
)

// TestScaledArms pins the arms whose absolute values stand for a multiple of a
// default, so a change of default cannot silently change what they mean.
func TestScaledArms(t *testing.T) {
	d := recipe.Default()
	for _, tc := range []struct {
		arm, path string
		want      float64
	}{
		{"dpo-2x", "dpo.epochs", 2 * float64(d.DPO.Epochs)},
		{"dpo-4x", "dpo.epochs", 4 * float64(d.DPO.Epochs)},
		{"online-2x", "dpo.epochs", 2 * float64(d.DPO.Epochs)},
		{"dpo-8x", "dpo.epochs", 8 * float64(d.DPO.Epochs)},
		{"dpo-beta-x0.25", "dpo.beta", d.DPO.Beta / 4},
		{"dpo-beta-x4", "dpo.beta", d.DPO.Beta * 4},
		{"dpo-lr-x0.5", "dpo.lr", d.DPO.LR / 2},
		{"dpo-lr-x2", "dpo.lr", d.DPO.LR * 2},
		{"dpo-tilt-rm-recipe", "dpo.epochs", float64(d.RM.Epochs)},
		{"dpo-tilt-rm-recipe", "dpo.lr", d.RM.LR},
	} {
		a, err := Get(tc.arm)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := a.Diff[tc.path].(float64)
		if i, isInt := a.Diff[tc.path].(int); isInt {
			got, ok = float64(i), true
		}
		if !ok || got != tc.want {
			t.Errorf("arm %s: %s = %v, want %v", tc.arm, tc.path, a.Diff[tc.path], tc.want)
		}
	}
}

func TestRegisterErrors(t *testing.T) {
	for _, tc := range []struct {
		arm  Arm
		want string
	}{
		{Arm{"dpo", "dup", recipe.Diff{}}, "already registered"},
		{Arm{"Bad Name", "x", nil}, "name must be"},
		{Arm{"no-doc", " ", nil}, "doc must"},
		{Arm{"bad-field", "x", recipe.Diff{"dpo.betta": 1}}, `unknown field "dpo.betta"`},
		{Arm{"bad-type", "x", recipe.Diff{"dpo.beta": "high"}}, `field "dpo.beta"`},
		{Arm{"bad-value", "x", recipe.Diff{"dpo.beta": -0.1}}, "dpo.beta must be > 0, got -0.1"},
		{Arm{"bad-section", "x", recipe.Diff{"dpo": 1}}, "is a section"},
		{Arm{"seeded", "x", recipe.Diff{"world.seed": 3}}, "world.seed is set for every run by --seeds"},
	} {
		err := Register(tc.arm)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Register(%+v) = %v, want an error containing %q", tc.arm, err, tc.want)
		}
	}
}

// TestEveryArmResolves checks each registered arm changes only what its diff names.
func TestEveryArmResolves(t *testing.T) {
	base := recipe.Default()
	for _, a := range All() {
		c, err := a.Resolve(base)
		if err != nil {
			t.Errorf("%s: %v", a.Name, err)
			continue
		}
		for _, p := range recipe.DiffPaths(base, c) {
			if _, ok := a.Diff[p]; !ok {
				t.Errorf("arm %s changes %s, which its diff does not name", a.Name, p)
			}
		}
	}
}

func TestParseArmFile(t *testing.T) {
	good := "arms:\n  - name: my-reg\n    doc: DPO + a stronger NLL regulariser\n    diff:\n      method: dpo\n      dpo.sft_weight: 0.5\n"
	got, err := Parse("good.yaml", []byte(good))
	if err != nil || len(got) != 1 || got[0].Diff["dpo.sft_weight"] != 0.5 {
		t.Fatalf("Parse(good) = %+v, %v", got, err)
	}
	jsonArms := `{"arms": [{"name": "j", "doc": "json arm", "diff": {"dpo.epochs": 3}}]}`
	if _, err := Parse("a.json", []byte(jsonArms)); err != nil {
		t.Errorf("JSON arm file: %v", err)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"unknown arm field", "arms:\n  - name: a\n    dok: x\n", "field dok not found"},
		{"unknown config field", "arms:\n  - name: a\n    doc: x\n    diff: {dpo.betta: 1}\n", `arm "a": unknown field "dpo.betta"`},
		{"wrong type", "arms:\n  - name: a\n    doc: x\n    diff: {dpo.epochs: many}\n", `arm "a": field "dpo.epochs": value "many"`},
		{"out of range", "arms:\n  - name: a\n    doc: x\n    diff: {dpo.beta: -2}\n", `arm "a": dpo.beta must be > 0, got -2`},
		{"registered name", "arms:\n  - name: dpo\n    doc: x\n", `arm "dpo" is already a registered arm`},
		{"empty", "", "no arms"},
		{"missing name", "arms:\n  - doc: x\n", `field "name" is missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse("f.yaml", []byte(tc.in))
			if err == nil || got != nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse = %v, %v; want an error containing %q", got, err, tc.want)
			}
		})
	}
}
