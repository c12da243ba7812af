package hypotheses

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"gapbench/arms"
	"gapbench/recipe"
	"gapbench/runner"
	"gapbench/stats"
)

func TestAtKL(t *testing.T) {
	for _, tc := range []struct {
		name      string
		kl, y     []float64
		level     float64
		want      float64
		wantReach Reach
	}{
		{"between probes", []float64{0, 1, 3}, []float64{50, 60, 80}, 2, 70, Reached},
		{"at a probe", []float64{0, 1, 3}, []float64{50, 60, 80}, 1, 60, Reached},
		{"at the end", []float64{0, 1, 3}, []float64{50, 60, 80}, 3, 80, Reached},
		{"first crossing of a non-monotone path", []float64{0, 2, 1, 4}, []float64{50, 70, 90, 60}, 1.5, 65, Reached},
		{"never reaches", []float64{0, 1, 3}, []float64{50, 60, 80}, 4, math.NaN(), NeverReaches},
		{"starts beyond", []float64{0.5, 1, 3}, []float64{50, 60, 80}, 0.25, math.NaN(), StartsBeyond},
		{"starts exactly at the level", []float64{0.5, 1}, []float64{55, 60}, 0.5, 55, Reached},
		{"one point (an untrained arm)", []float64{0}, []float64{50}, 0.5, math.NaN(), NeverReaches},
		{"empty path", nil, nil, 1, math.NaN(), NeverReaches},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, reach := AtKL(tc.kl, tc.y, tc.level)
			if reach != tc.wantReach {
				t.Fatalf("reach = %v, want %v", reach, tc.wantReach)
			}
			if math.IsNaN(tc.want) != math.IsNaN(got) || (!math.IsNaN(got) && math.Abs(got-tc.want) > 1e-12) {
				t.Errorf("AtKL(%v, %v, %v) = %v, want %v", tc.kl, tc.y, tc.level, got, tc.want)
			}
		})
	}
}

func TestParseProtocols(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{"all", []string{"recipe", "tuned", "frontier"}, ""},
		{"tuned", []string{"tuned"}, ""},
		{"frontier,recipe", []string{"recipe", "frontier"}, ""},
		{"tuned,tuned", []string{"tuned"}, ""},
		{"fast", nil, `--protocol must be one of recipe, tuned, frontier or all, got "fast"`},
	} {
		got, err := ParseProtocols(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseProtocols(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseProtocols(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestClaimVariants checks how one claim is evaluated under each protocol.
func TestClaimVariants(t *testing.T) {
	c := sup("x.1", "win_rate", "a", "b", 1, true, "").under(allProtocols...)
	if v := c.variants(Recipe); len(v) != 1 || v[0].claim.ID != "x.1" || !v[0].decides {
		t.Errorf("recipe variants = %+v", v)
	}
	if v := c.variants(Tuned); len(v) != 1 || v[0].claim.ID != "x.1/tuned" || v[0].claim.Metric != "win_rate" || !v[0].decides {
		t.Errorf("tuned variants = %+v", v)
	}
	v := c.variants(Frontier)
	if len(v) != len(FrontierLevels) {
		t.Fatalf("%d frontier variants, want %d", len(v), len(FrontierLevels))
	}
	nd := 0
	for i, x := range v {
		if x.decides {
			nd++
			if x.level != FrontierDeciding {
				t.Errorf("variant at KL %v decides; only %v should", x.level, FrontierDeciding)
			}
		}
		if want := LevelMetric("win_rate", FrontierLevels[i]); x.claim.Metric != want || !strings.HasPrefix(x.claim.ID, "x.1/frontier@kl") {
			t.Errorf("variant %d: %s on %s", i, x.claim.ID, x.claim.Metric)
		}
	}
	if nd != 1 {
		t.Errorf("%d frontier variants decide, want 1", nd)
	}
	if v := sup("x.2", "win_rate", "a", "b", 1, true, "").variants(Tuned); v != nil {
		t.Errorf("a claim without protocols has tuned variants %+v; want recipe only", v)
	}
	bad := &Suite{Name: "bad", Arms: []arms.Arm{arm("dpo"), arm("sft")},
		Claims: []Claim{sup("bad.1", "final_loss", "dpo", "sft", 0.1, true, "").under(Frontier)}}
	if err := bad.checkProtocols(); err == nil || !strings.Contains(err.Error(), "final_loss") {
		t.Errorf("a frontier claim on final_loss: %v, want an error naming the metric", err)
	}
}

// TestFrontierNeverReaches checks frontier claims on made-up paths: a level every
// seed reaches is evaluated on all seeds; one that an arm misses on one seed is
// evaluated on the others with a warning; one that no path reaches is not
// evaluated (inconclusive, NaN, a warning naming the arm), never extrapolated.
func TestFrontierNeverReaches(t *testing.T) {
	s := &Suite{Name: "t", Arms: []arms.Arm{arm("dpo"), arm("online-dpo-sft")},
		Claims: []Claim{sup("t.1", "win_rate", "online-dpo-sft", "dpo", 1, true, "").under(Frontier)}}
	fr, _ := recipe.NewProtocol(recipe.ProtocolFrontier)
	var outs []runner.Outcome
	// online ends at KL 5 on every seed; dpo at KL 3, except seed 2 (1.5).
	for seed := 1; seed <= 6; seed++ {
		dpoEnd := 3.0
		if seed == 2 {
			dpoEnd = 1.5
		}
		for _, a := range []struct {
			name string
			end  float64
			win  float64
		}{{"online-dpo-sft", 5, 10}, {"dpo", dpoEnd, 5}} {
			kl := []float64{0, a.end / 2, a.end}
			off := float64(seed) / 10 // the seed moves both arms alike
			win := []float64{50 + off, 50 + off + a.win*a.end/2, 50 + off + a.win*a.end}
			c := recipe.Default().WithProtocol(fr)
			outs = append(outs, runner.Outcome{Job: runner.Job{Suite: "t", Arm: a.name, Seed: seed, Config: c},
				Result: &runner.Result{Metrics: map[string]float64{"win_rate": win[2], "kl_ref": a.end},
					Curves: map[string][]float64{"kl_ref": kl, "win_rate": win},
					Shared: map[string]string{"world": "w", "sft": "s", "data": "d"}}})
		}
	}
	st, err := Evaluate([]*Suite{s}, Budgets["smoke"], 6, outs, stats.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Protocols, []string{Frontier}) || len(st.Results) != 1 {
		t.Fatalf("protocols %v, %d results; want frontier, 1", st.Protocols, len(st.Results))
	}
	got := map[string]stats.ClaimResult{}
	for _, r := range st.Results[0].Claims {
		got[r.Claim.ID] = r
	}
	at := func(l float64) stats.ClaimResult {
		return got["t.1/frontier@kl"+strings.TrimPrefix(LevelMetric("", l), "@kl")]
	}
	if r := at(1); r.Paired.N != 6 || len(r.Warnings) > 0 && strings.Contains(strings.Join(r.Warnings, " "), "reaches") {
		t.Errorf("KL 1: n = %d, warnings %v; want all 6 seeds and no reach warning", r.Paired.N, r.Warnings)
	}
	r2 := at(2)
	if r2.Paired.N != 5 || !strings.Contains(strings.Join(r2.Warnings, " "), "dpo never reaches KL 2 nats on 1 of 6 seeds") {
		t.Errorf("KL 2: n = %d, warnings %v; want 5 seeds and a warning that dpo misses 1 of 6", r2.Paired.N, r2.Warnings)
	}
	// online − dpo at KL 2 is 2·(10 − 5) = 10 exactly on every seed.
	if math.Abs(r2.Paired.Mean-10) > 1e-9 {
		t.Errorf("KL 2: Δ = %v, want 10", r2.Paired.Mean)
	}
	r4 := at(4)
	if r4.Verdict != stats.Inconclusive || !math.IsNaN(r4.Paired.Mean) || !strings.Contains(strings.Join(r4.Warnings, " "), "dpo never reaches KL 4 nats on 6 of 6 seeds") {
		t.Errorf("KL 4: verdict %s, Δ %v, warnings %v; want inconclusive, NaN, and dpo never reaching", r4.Verdict, r4.Paired.Mean, r4.Warnings)
	}
}

// TestDataSuite runs the data-size suite under tuned at the smoke budget with two
// seeds: every claim is evaluated under tuned (and only tuned), each RL arm is
// paired with the DPO arm on the same n, and the gap series pair by seed.
func TestDataSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 21 arms at up to 4,096 pairs")
	}
	s, err := Get("data")
	if err != nil {
		t.Skip("the data-size suite needs the exact RLHF arms")
	}
	if s.HasProtocol(Recipe) || s.HasProtocol(Frontier) || !s.HasProtocol(Tuned) {
		t.Fatal("the data-size suite's claims are stated under tuned only")
	}
	b := Budgets["smoke"]
	if err := s.CheckApples(b); err != nil {
		t.Fatal(err)
	}
	st, err := RunProtocols(context.Background(), []*Suite{s}, []string{Tuned}, b, 2, runner.SweepOptions{}, stats.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	r, ok := st.Result("data", Tuned)
	if !ok || len(r.Claims) != len(s.Claims) {
		t.Fatalf("data under tuned: %d claims evaluated, want %d", len(r.Claims), len(s.Claims))
	}
	for _, c := range r.Claims {
		if !strings.HasSuffix(c.Claim.ID, "/tuned") || c.Paired.N != 2 {
			t.Errorf("claim %s: n = %d, want a /tuned claim on 2 seeds", c.Claim.ID, c.Paired.N)
		}
	}
	for _, n := range DataSizes {
		for _, v := range DataVerifiers {
			if got := st.ArmValuesIn(Tuned, s, DataArm(v.Arm, n))["win_rate"]; len(got) != 2 {
				t.Errorf("%s: %d win rates, want 2", DataArm(v.Arm, n), len(got))
			}
		}
		if got := st.ArmValuesIn(Tuned, s, DataArm("dpo", n))["tuned_epochs"]; len(got) != 2 {
			t.Errorf("%s: %d chosen epochs, want 2", DataArm("dpo", n), len(got))
		}
	}
}

// TestCurvesBudget checks that a budget without Curves runs, under the data
// suite's tuned protocol, exactly the arms its claims compare (so its verdicts
// are the full budget's), and that full runs the whole curve.
func TestCurvesBudget(t *testing.T) {
	s, err := Get("data")
	if err != nil {
		t.Skip("the data-size suite needs the exact RLHF arms")
	}
	names := func(b Budget) map[string]bool {
		out := map[string]bool{}
		for _, a := range s.ArmsUnder(Tuned, b) {
			out[a.Name] = true
		}
		return out
	}
	quick, full := names(Budgets["quick"]), names(Budgets["full"])
	if len(full) != len(s.Arms) {
		t.Errorf("full runs %d of the data suite's %d arms under tuned, want all", len(full), len(s.Arms))
	}
	claimed := map[int]bool{}
	for _, n := range DataSizes {
		for _, c := range s.Claims {
			for _, side := range []string{c.A, c.B} {
				for _, v := range DataVerifiers {
					if side == DataGap(v.Label, n) || side == DataArm(v.Arm, n) {
						claimed[n] = true
					}
				}
			}
		}
	}
	for _, n := range DataSizes {
		for _, a := range []string{DataArm("dpo", n), DataArm("rlhf-rm", n), DataArm("rlhf-linear", n)} {
			if quick[a] != claimed[n] {
				t.Errorf("quick runs %s: %v, want %v (n = %d compared by a claim: %v)", a, quick[a], claimed[n], n, claimed[n])
			}
		}
	}
	if len(claimed) != 3 {
		t.Errorf("the claims compare %d sizes, want 3 (64, 256, 4096)", len(claimed))
	}
	// Under recipe every suite runs every arm at every budget.
	g, _ := Get("gap")
	if len(g.ArmsUnder(Recipe, Budgets["quick"])) != len(g.Arms) {
		t.Error("quick drops arms under recipe")
	}
}
