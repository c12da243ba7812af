package metrics

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gapbench/model"
)

// TestRangesCoverPolicy: every policy metric (a JSON tag of Policy) declares
// its range, so a new metric cannot be added without one.
func TestRangesCoverPolicy(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeOf(Policy{})
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		r, ok := RangeOf(name)
		if !ok {
			t.Errorf("metric %q (Policy.%s) has no declared range", name, typ.Field(i).Name)
			continue
		}
		if !(r.Lo < r.Hi) {
			t.Errorf("metric %q: range [%v, %v] is empty", name, r.Lo, r.Hi)
		}
	}
	for _, name := range []string{"rm_lik_id", "rm_acc_ood", "steps", "bon_25", "bon_dpo_1"} {
		if _, ok := RangeOf(name); !ok {
			t.Errorf("metric %q has no declared range", name)
		}
	}
	if _, ok := RangeOf("no_such_metric"); ok {
		t.Error("an unknown metric has a range")
	}
}

// TestMetricsInRange: the metrics of random policies lie in their declared
// ranges, so a range cannot be declared narrower than the metric.
func TestMetricsInRange(t *testing.T) {
	t.Parallel()
	for _, reward := range []string{"simple", "policy"} {
		w := testWorld(t, reward)
		rng := rand.New(rand.NewPCG(7, 1))
		for k := range 5 {
			init := model.MLPInit{In: 0.6, Out: 0.5 + float64(k)}
			pi := model.NewMLP(w.Space, w.Config.PromptVocab, 8, init, rng)
			ref := model.NewMLP(w.Space, w.Config.PromptVocab, 8, init, rng)
			m := NewEvaluator(w, ref, 0.1, w.Pairs).Policy(pi)
			raw, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			var vals map[string]float64
			if err := json.Unmarshal(raw, &vals); err != nil {
				t.Fatal(err)
			}
			for name, v := range vals {
				r, _ := RangeOf(name)
				// Enumeration sums can land a rounding error outside [0, x].
				tol := 1e-9 * math.Max(1, math.Abs(v))
				if v < r.Lo-tol || v > r.Hi+tol {
					t.Errorf("%s reward, policy %d: %s = %v outside [%v, %v]", reward, k, name, v, r.Lo, r.Hi)
				}
			}
		}
	}
}
