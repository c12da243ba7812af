package figures

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gapbench/hypotheses"
	"gapbench/recipe"
	"gapbench/runner"
)

var (
	outDir    = flag.String("figures.dir", "", "also write TestRenderAll's SVGs to this directory, to look at them")
	testSeeds = flag.Int("figures.seeds", 6, "seeds per arm of TestRenderAll's synthetic study")
)

// synthetic builds a study by hand: every arm of the named suites, seeds seeds,
// with plausible metrics (win rates around the paper's, a gap that grows with
// the horizon and shrinks with the reward's complexity) plus seeded noise.
func synthetic(t *testing.T, seeds int, names ...string) *hypotheses.Study {
	t.Helper()
	st := &hypotheses.Study{Budget: hypotheses.Budgets["smoke"], Seeds: seeds, Protocols: []string{hypotheses.Recipe}}
	for _, n := range names {
		s, err := hypotheses.Get(n)
		if err != nil {
			t.Fatal(err)
		}
		st.Suites = append(st.Suites, s)
		defer func() { // after the recipe's runs, which come first as in a sweep
			for _, p := range []string{hypotheses.Tuned, hypotheses.Frontier} {
				if s.HasProtocol(p) {
					addProtocol(st, s, p, seeds)
				}
			}
		}()
		if !s.HasProtocol(hypotheses.Recipe) {
			continue
		}
		for _, a := range s.Arms {
			for seed := 1; seed <= seeds; seed++ {
				// Streams by arm name, so that an arm run by several suites has
				// the same results in each, as a real sweep's shared runs do.
				h := fnv.New64a()
				h.Write([]byte(a.Name))
				r := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
				st.Outcomes = append(st.Outcomes, runner.Outcome{
					Job:    runner.Job{Suite: s.Name, Arm: a.Name, Seed: seed},
					Result: &runner.Result{Metrics: metricsFor(a.Name, r)},
				})
			}
		}
	}
	return st
}

// addProtocol adds made-up runs of the suite's arms under protocol p: under
// frontier each with a path of KL and win rate from π_ref to its end point.
func addProtocol(st *hypotheses.Study, s *hypotheses.Suite, p string, seeds int) {
	pc, err := recipe.NewProtocol(p)
	if err != nil {
		panic(err)
	}
	if !slices.Contains(st.Protocols, p) {
		st.Protocols = append(st.Protocols, p)
	}
	for _, a := range s.ArmsUnder(p) {
		for seed := 1; seed <= seeds; seed++ {
			h := fnv.New64a()
			h.Write([]byte(p + a.Name))
			r := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
			m := metricsFor(a.Name, r)
			res := &runner.Result{Metrics: m, Curves: map[string][]float64{}}
			if p == hypotheses.Frontier {
				m["kl_ref"] *= 2
				for _, f := range []float64{0, 0.1, 0.25, 0.5, 0.75, 1} {
					res.Curves["kl_ref"] = append(res.Curves["kl_ref"], f*m["kl_ref"])
					res.Curves["win_rate"] = append(res.Curves["win_rate"], 50+f*(m["win_rate"]-50))
				}
			}
			st.Outcomes = append(st.Outcomes, runner.Outcome{
				Job:    runner.Job{Suite: s.Name, Arm: a.Name, Seed: seed, Config: recipe.Config{Protocol: pc}},
				Result: res,
			})
		}
	}
}

// metricsFor makes up one run's metrics.
func metricsFor(arm string, r *rand.Rand) map[string]float64 {
	noise := func(sd float64) float64 { return sd * r.NormFloat64() }
	if strings.HasPrefix(arm, "rm-") {
		scale := map[string]float64{"rm-global": 0.30, "rm-local": 0.18, "rm-w0.25": 0.27, "rm-w4": 0.31, "rm-linear": 0.22}[arm]
		m := map[string]float64{"rm_lik_id": 0.70 + noise(0.01), "rm_lik_ood": 0.66 + noise(0.01)}
		for _, n := range []int{1, 2, 5, 10, 25} {
			m[fmt.Sprintf("bon_%d", n)] = -0.2 + scale*math.Log(float64(n)) + noise(0.03)
		}
		return m
	}
	win := map[string]float64{
		"sft": 26, "dpo": 50, "dpo-2x": 52, "dpo-4x": 52.5, "dpo-8x": 51, "online-dpo-sft": 56, "online-dpo-dpo": 59,
		"online-local-rm": 50.5, "online-gold": 62, "dpo-beta-x0.25": 47, "dpo-beta-x4": 44, "hypo": 51.5,
		"dpo-sft-reg": 49, "dpo-lr-x0.5": 48, "dpo-lr-x2": 50.5, "prompt-aug": 57,
		"online-rm-w0.25": 55, "online-rm-w4": 56.5, "online-rm-linear": 53, "dpo-tilt": 52, "online-tilt": 52.5,
		"dpo-narrow": 45, "online-narrow": 46, "online-rm-2x": 57,
	}[arm]
	for _, n := range hypotheses.DataSizes {
		l := math.Log2(float64(n) / 64)
		switch arm {
		case hypotheses.DataArm("dpo", n):
			win = 50 + 2*l
		case hypotheses.DataArm("rlhf-rm", n):
			win = 56 + l
		case hypotheses.DataArm("rlhf-linear", n):
			win = 58 + 0.8*l
		}
	}
	for _, h := range hypotheses.Horizons {
		for ri, rw := range hypotheses.RewardLevels {
			switch arm {
			case hypotheses.GridArm("dpo", h, rw):
				win = 48
			case hypotheses.GridArm("online", h, rw):
				win = 48 + 2.5*float64(h-1)*(1-float64(ri)/3)
			}
		}
	}
	kl := 0.0
	switch {
	case arm == "sft":
	case strings.HasPrefix(arm, "online") || arm == "prompt-aug":
		kl = 2 + (win-50)/10
	default:
		kl = 4 + (52-win)/4
	}
	m := map[string]float64{"win_rate": win + noise(1.5), "gold_reward": (win-50)/25 + noise(0.03),
		"kl_ref": math.Max(0, kl+noise(0.2)), "subopt": 0.5, "ood_mass": 0.2, "rouge_l": 0.4, "final_loss": 0.5}
	if arm == "dpo" { // H5's dpo arm is also an implicit RM
		for _, n := range []int{1, 2, 5, 10, 25} {
			m[fmt.Sprintf("bon_%d", n)] = -0.2 + 0.12*math.Log(float64(n)) + noise(0.03)
		}
		m["rm_lik_id"], m["rm_lik_ood"] = 0.69+noise(0.01), 0.6+noise(0.01)
	}
	return m
}

// allSuites is every registered suite.
var allSuites = func() []string {
	var out []string
	for _, s := range hypotheses.All() {
		out = append(out, s.Name)
	}
	return out
}()

func names(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}

// checkSVG fails unless data is well-formed XML with an <svg> root.
func checkSVG(t *testing.T, name string, data []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: not well-formed XML: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("%s: root element %q, want svg", name, root)
	}
}

func TestRenderAll(t *testing.T) {
	st := synthetic(t, *testSeeds, allSuites...)
	files, err := Render(st)
	if err != nil {
		t.Fatal(err)
	}
	want := listed()
	for _, c := range List() {
		if c.Caption == "" {
			t.Errorf("%s has no caption", c.Name)
		}
	}
	if got := names(files); !slices.Equal(got, want) {
		t.Fatalf("Render produced %v, want %v", got, want)
	}
	for _, f := range files {
		checkSVG(t, f.Name, f.Data)
		if *outDir != "" {
			if err := os.WriteFile(filepath.Join(*outDir, f.Name), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	again, err := Render(synthetic(t, *testSeeds, allSuites...))
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if !bytes.Equal(files[i].Data, again[i].Data) {
			t.Errorf("%s: second render differs from the first", files[i].Name)
		}
	}
}

func TestRenderSubsets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		suites []string
		seeds  int
		want   []string
	}{
		{nil, 3, nil},
		{[]string{"gap"}, 3, []string{"headline.svg", "frontier.svg", "frontier_paths.svg"}},
		{[]string{"H5"}, 3, []string{"best_of_n.svg"}},
		{[]string{"H4"}, 3, nil},
		{[]string{"H6"}, 3, []string{"rm_size.svg", "rm_size_bon.svg", "horizon.svg", "reward.svg", "gap_map.svg"}},
		// one seed: intervals are unbounded and drawn without bars, but every figure renders
		{allSuites, 1, listed()},
	} {
		t.Run(fmt.Sprintf("%v/seeds=%d", tc.suites, tc.seeds), func(t *testing.T) {
			files, err := Render(synthetic(t, tc.seeds, tc.suites...))
			if err != nil {
				t.Fatal(err)
			}
			if got := names(files); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			for _, f := range files {
				checkSVG(t, f.Name, f.Data)
			}
		})
	}
}

func TestMissingArms(t *testing.T) {
	t.Parallel()
	st := synthetic(t, 3, "gap", "H6")
	// Drop online-dpo-sft from gap and every H = 4 cell from H6.
	st.Outcomes = slices.DeleteFunc(st.Outcomes, func(o runner.Outcome) bool {
		return (o.Job.Suite == "gap" && o.Job.Arm == "online-dpo-sft") ||
			slices.ContainsFunc(hypotheses.RewardLevels, func(r string) bool {
				return o.Job.Arm == hypotheses.GridArm("dpo", 4, r) || o.Job.Arm == hypotheses.GridArm("online", 4, r)
			})
	})
	files, err := Render(st)
	if err != nil {
		t.Fatal(err)
	}
	got := names(files)
	if slices.Contains(got, "reward.svg") {
		t.Errorf("reward.svg rendered without any H = 4 cell")
	}
	for _, n := range []string{"headline.svg", "horizon.svg", "gap_map.svg"} {
		if !slices.Contains(got, n) {
			t.Errorf("%s missing from %v", n, got)
		}
	}
}

func TestNaNIsAnError(t *testing.T) {
	t.Parallel()
	st := synthetic(t, 3, "gap")
	st.Outcomes[0].Result.Metrics["win_rate"] = math.NaN()
	if _, err := Render(st); err == nil || !strings.Contains(err.Error(), "headline.svg") {
		t.Errorf("got error %v, want one naming headline.svg", err)
	}
}

// listed returns the names in List().
func listed() []string {
	var out []string
	_, err := hypotheses.Get("data")
	for _, c := range List() {
		if c.Name == "data_size.svg" && err != nil {
			continue // the data-size suite needs the exact RLHF arms
		}
		out = append(out, c.Name)
	}
	return out
}

func TestNiceCeil(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ x, want float64 }{
		{0, 1}, {-3, 1}, {math.NaN(), 1}, {0.3, 0.5}, {1, 1}, {1.2, 2}, {2.2, 2.5}, {7.9, 10}, {12, 20}, {49, 50},
	} {
		if got := niceCeil(tc.x); got != tc.want {
			t.Errorf("niceCeil(%g) = %g, want %g", tc.x, got, tc.want)
		}
	}
}
