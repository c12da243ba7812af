package runner

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gapbench/model"
	"gapbench/recipe"
	"gapbench/trainer"
)

func mustProtocol(t *testing.T, name string) recipe.ProtocolConfig {
	t.Helper()
	p, err := recipe.NewProtocol(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTunedSnapshotIsTheShortRun checks the premise of tuned's one long run: its
// snapshot at E epochs is bit for bit the policy of a recipe run of E epochs —
// the same batches in the same order, the same optimiser state and the same
// regulariser draws. The test makes tuned pick each grid point in turn (by
// replacing the score) and compares parameters exactly. Iterative online DPO
// (rounds > 1) is not a prefix of a longer run, so tuned runs each grid point
// separately; the same check covers that path.
func TestTunedSnapshotIsTheShortRun(t *testing.T) {
	defer func(f func(context.Context, *Runner, recipe.Config, int) (func(model.Policy) float64, error)) {
		tunedScore = f
	}(tunedScore)
	arms := map[string]func(c *recipe.Config){
		"dpo":              func(c *recipe.Config) {},
		"hypo":             func(c *recipe.Config) { c.DPO.KLWeight, c.DPO.KLSamples = 0.1, 2 },
		"online":           func(c *recipe.Config) { c.Method = recipe.MethodOnline },
		"online-dpo-start": func(c *recipe.Config) { c.Method, c.Online.Start = recipe.MethodOnline, "dpo" },
		"online-rounds-2":  func(c *recipe.Config) { c.Method, c.Online.Rounds = recipe.MethodOnline, 2 },
		"tilt":             func(c *recipe.Config) { c.Policy.Class = recipe.ClassTilt },
	}
	grid := []int{1, 2, 3, 5}
	for name, set := range arms {
		for pick, epochs := range grid {
			base := tiny(recipe.MethodDPO)
			base.DPO.Batch = 7 // 4 steps per epoch, the last one partial
			set(&base)
			tuned := base
			tuned.Protocol = mustProtocol(t, recipe.ProtocolTuned)
			tuned.Protocol.Grid = grid
			calls := 0
			tunedScore = func(context.Context, *Runner, recipe.Config, int) (func(model.Policy) float64, error) {
				return func(model.Policy) float64 {
					calls++
					if (calls-1)%len(grid) == pick {
						return 1
					}
					return 0
				}, nil
			}
			short := base
			short.DPO.Epochs = epochs
			// online-dpo-dpo starts from each protocol's own DPO policy; the
			// replaced score picks the same grid point for it, so the recipe run
			// of that many epochs starts from the same DPO policy.
			got, err := New().Run(context.Background(), tuned, 1)
			if err != nil {
				t.Fatal(err)
			}
			want, err := New().Run(context.Background(), short, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got.Metrics["tuned_epochs"] != float64(epochs) {
				t.Fatalf("%s: tuned_epochs = %v, want %d", name, got.Metrics["tuned_epochs"], epochs)
			}
			for _, m := range []string{"win_rate", "gold_reward", "kl_ref", "subopt", "final_loss", "steps"} {
				if got.Metrics[m] != want.Metrics[m] {
					t.Errorf("%s at %d epochs: %s = %v in tuned's snapshot, %v in the %d-epoch run", name, epochs, m, got.Metrics[m], want.Metrics[m], epochs)
				}
			}
			if !reflect.DeepEqual(got.Curves["loss"], want.Curves["loss"]) {
				t.Errorf("%s at %d epochs: the loss curves differ", name, epochs)
			}
		}
	}
}

// TestTunedPicksByHeldOutScore checks the real score: the chosen epochs are the
// grid point of the highest recorded held-out score, the score is a log-likelihood
// (≤ 0) and every grid point is scored.
func TestTunedPicksByHeldOutScore(t *testing.T) {
	for _, method := range []string{recipe.MethodDPO, recipe.MethodOnline} {
		c := tiny(method)
		c.Protocol = mustProtocol(t, recipe.ProtocolTuned)
		res, err := New().Run(context.Background(), c, 2)
		if err != nil {
			t.Fatal(err)
		}
		scores, grid := res.Curves["tuned_score"], res.Curves["tuned_grid"]
		if len(scores) != len(recipe.TunedGrid) || len(grid) != len(recipe.TunedGrid) {
			t.Fatalf("%s: %d scores over a grid of %d, want %d", method, len(scores), len(grid), len(recipe.TunedGrid))
		}
		i := 0
		for j, s := range scores {
			if s > 0 || math.IsNaN(s) {
				t.Errorf("%s: held-out log-likelihood %v at %v epochs, want <= 0", method, s, grid[j])
			}
			if s > scores[i] {
				i = j
			}
		}
		if res.Metrics["tuned_epochs"] != grid[i] || res.Metrics["tuned_score"] != scores[i] {
			t.Errorf("%s: chose %v epochs (score %v), want %v (score %v)", method, res.Metrics["tuned_epochs"], res.Metrics["tuned_score"], grid[i], scores[i])
		}
	}
}

// TestHeldOutScore checks the score against a direct computation: log σ(β·h).
func TestHeldOutScore(t *testing.T) {
	c := tiny(recipe.MethodDPO)
	r := New()
	ctx := context.Background()
	w, _ := r.world(ctx, c, 1)
	ref, _ := r.startPolicy(ctx, c, 1)
	pairs := w.Pairs[:5]
	items := trainer.NewPrefItems(ref, comparisons(w, pairs))
	pi, err := r.trainDPO(ctx, c, 1, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for _, p := range pairs {
		x := w.Prompts[p.Prompt].Input
		h := (pi.Score(x, p.Chosen, nil, 0) - ref.Score(x, p.Chosen, nil, 0)) - (pi.Score(x, p.Rejected, nil, 0) - ref.Score(x, p.Rejected, nil, 0))
		want += math.Log(1 / (1 + math.Exp(-c.DPO.Beta*h)))
	}
	want /= float64(len(pairs))
	if got := HeldOutScore(items, c.DPO.Beta, pi); math.Abs(got-want) > 1e-12 {
		t.Errorf("HeldOutScore = %v, want %v", got, want)
	}
	if got := HeldOutScore(items, c.DPO.Beta, ref); math.Abs(got-math.Log(0.5)) > 1e-12 {
		t.Errorf("HeldOutScore(π_ref) = %v, want log ½", got)
	}
}

// TestHeldOutPairsAreNew checks that tuned's held-out pairs are not the training
// pairs, that drawing them leaves the training pairs as they were, and that they
// are the same for arms that see the same data.
func TestHeldOutPairsAreNew(t *testing.T) {
	c := tiny(recipe.MethodDPO)
	c.Protocol = mustProtocol(t, recipe.ProtocolTuned)
	r := New()
	held, err := r.heldOut(context.Background(), c, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != c.Protocol.HeldOut {
		t.Fatalf("%d held-out pairs, want %d", len(held), c.Protocol.HeldOut)
	}
	data, _ := New().data(context.Background(), tiny(recipe.MethodDPO), 1)
	if reflect.DeepEqual(held[:len(data)], data) {
		t.Fatal("the held-out pairs are the training pairs")
	}
	other := c
	other.Method = recipe.MethodOnline
	held2, _ := New().heldOut(context.Background(), other, 1)
	if !reflect.DeepEqual(held, held2) {
		t.Error("dpo and online see different held-out pairs")
	}
}

func TestFrontierSteps(t *testing.T) {
	for _, tc := range []struct {
		total, probes int
		want          []int
	}{
		{0, 16, []int{0}},
		{1, 16, []int{0, 1}},
		{8, 1, []int{0, 8}},
		{8, 4, []int{0, 1, 2, 4, 8}},
		{16, 5, []int{0, 1, 2, 4, 8, 16}},
		{1000, 4, []int{0, 1, 10, 100, 1000}},
	} {
		if got := FrontierSteps(tc.total, tc.probes); !slices.Equal(got, tc.want) {
			t.Errorf("FrontierSteps(%d, %d) = %v, want %v", tc.total, tc.probes, got, tc.want)
		}
	}
	for _, total := range []int{7, 512, 8192, 1 << 20} {
		got := FrontierSteps(total, recipe.FrontierProbes)
		if len(got) > recipe.FrontierProbes+1 || got[len(got)-1] != total || !slices.IsSorted(got) {
			t.Errorf("FrontierSteps(%d, %d) = %v: want at most %d sorted steps ending at %d", total, recipe.FrontierProbes, got, recipe.FrontierProbes+1, total)
		}
	}
}

// TestFrontierRecordsPath checks that a frontier run's probes are at
// FrontierSteps and record KL, win rate and gold reward, starting at π_ref.
func TestFrontierRecordsPath(t *testing.T) {
	for _, method := range []string{recipe.MethodDPO, recipe.MethodOnline} {
		c := tiny(method)
		c.Protocol = mustProtocol(t, recipe.ProtocolFrontier)
		c.Protocol.Epochs = 6
		res, err := New().Run(context.Background(), c, 1)
		if err != nil {
			t.Fatal(err)
		}
		spe := (c.World.Pairs + c.DPO.Batch - 1) / c.DPO.Batch
		want := FrontierSteps(6*spe, c.Protocol.Probes)
		got := res.Curves["probe_step"]
		if len(got) != len(want) {
			t.Fatalf("%s: probes at %v, want %v", method, got, want)
		}
		for i := range want {
			if got[i] != float64(want[i]) {
				t.Fatalf("%s: probes at %v, want %v", method, got, want)
			}
		}
		for _, k := range []string{"kl_ref", "win_rate", "gold_reward"} {
			if len(res.Curves[k]) != len(want) {
				t.Errorf("%s: curve %s has %d points, want %d", method, k, len(res.Curves[k]), len(want))
			}
		}
		if kl := res.Curves["kl_ref"]; kl[0] != 0 || kl[len(kl)-1] != res.Metrics["kl_ref"] {
			t.Errorf("%s: path KL from %v to %v; want 0 to the final kl_ref %v", method, kl[0], kl[len(kl)-1], res.Metrics["kl_ref"])
		}
	}
}

// TestProtocolKeys checks that the protocol is part of a run's key and that the
// recipe protocol leaves keys (and the config's JSON) as they were.
func TestProtocolKeys(t *testing.T) {
	c := tiny(recipe.MethodDPO)
	keys := map[string]string{}
	for _, name := range recipe.ProtocolNames {
		cc := c.WithProtocol(mustProtocol(t, name))
		keys[name] = Key(cc, 1)
	}
	if keys["recipe"] != Key(c, 1) {
		t.Error("the recipe protocol changed the key")
	}
	if keys["recipe"] == keys["tuned"] || keys["tuned"] == keys["frontier"] || keys["recipe"] == keys["frontier"] {
		t.Errorf("protocols share keys: %v", keys)
	}
	if strings.Contains(string(must(t, c)), "protocol") {
		t.Error("a recipe config's JSON names a protocol")
	}
}

func must(t *testing.T, c recipe.Config) []byte {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
