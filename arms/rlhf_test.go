package arms

import (
	"reflect"
	"testing"

	"gapbench/recipe"
)

// TestRLHFArms checks that each exact-RLHF and oracle arm resolves to the method,
// class and labeller its name says, and that each tilt arm differs from its mlp
// twin in policy.class alone.
func TestRLHFArms(t *testing.T) {
	base := recipe.Default()
	for _, tc := range []struct {
		suffix, reward, kind string
		width                float64
	}{
		{"rm", "rm", "backbone", 1},
		{"rm-w0.25", "rm", "backbone", 0.25},
		{"rm-w4", "rm", "backbone", 4},
		{"linear", "rm", "linear", 1},
		{"local", "local", "backbone", 1},
		{"gold", "gold", "backbone", 1},
	} {
		for _, v := range []struct{ prefix, method, class string }{
			{"rlhf-", "rlhf", "mlp"}, {"rlhf-tilt-", "rlhf", "tilt"}, {"oracle-", "oracle", "mlp"},
		} {
			name := v.prefix + tc.suffix
			a, err := Get(name)
			if v.method == "oracle" && tc.suffix == "local" {
				if err == nil {
					t.Errorf("%s is registered; π_ref·exp(local/β) is the DPO policy, not an oracle", name)
				}
				continue
			}
			if err != nil {
				t.Error(err)
				continue
			}
			c, err := a.Resolve(base)
			if err != nil {
				t.Error(err)
				continue
			}
			got := []any{c.Method, c.Policy.Class, c.RLHF.Reward, c.RM.Kind, c.RM.WidthMult}
			want := []any{v.method, v.class, tc.reward, tc.kind, tc.width}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s resolves to method, class, reward, rm.kind, rm.width_mult = %v, want %v", name, got, want)
			}
		}
		mlp, _ := Get("rlhf-" + tc.suffix)
		tilt, _ := Get("rlhf-tilt-" + tc.suffix)
		cm, _ := mlp.Resolve(base)
		ct, _ := tilt.Resolve(base)
		if d := recipe.DiffPaths(cm, ct); !reflect.DeepEqual(d, []string{"policy.class"}) {
			t.Errorf("rlhf-%s and rlhf-tilt-%s differ in %v, want [policy.class]", tc.suffix, tc.suffix, d)
		}
	}
}
