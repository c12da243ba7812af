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
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gapbench/hypotheses"
	"gapbench/metrics"
	"gapbench/runner"
	"gapbench/stats"
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
	st := &hypotheses.Study{Budget: hypotheses.Budgets["smoke"], Seeds: seeds}
	for _, n := range names {
		s, err := hypotheses.Get(n)
		if err != nil {
			t.Fatal(err)
		}
		st.Suites = append(st.Suites, s)
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

var allSuites = []string{"gap", "H1", "H2", "H3", "H4", "H5", "H6"}

// protocolFigures are drawn from runs under the tuned or frontier protocol, which
// the synthetic (recipe) studies here do not have; TestProtocolFigures draws them.
var protocolFigures = []string{"frontier_paths.svg", "data_size.svg"}

// recipeOnly drops the protocol figures from a list of figure names.
func recipeOnly(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(protocolFigures, n) {
			out = append(out, n)
		}
	}
	return out
}

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
	for _, c := range List() {
		if c.Caption == "" {
			t.Errorf("%s has no caption", c.Name)
		}
	}
	var every []string
	for _, x := range hypotheses.All() {
		every = append(every, x.Figures...)
	}
	if !slices.Equal(sorted(every), sorted(listed())) {
		t.Errorf("the suites declare %v, the registry holds %v: every figure should be declared once", every, listed())
	}
	want := recipeOnly(declared(allSuites...))
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
		{[]string{"gap"}, 3, []string{"headline.svg", "frontier.svg"}},
		{[]string{"H5"}, 3, []string{"best_of_n.svg"}},
		{[]string{"H4"}, 3, nil},
		{[]string{"H6"}, 3, []string{"rm_size.svg", "rm_size_bon.svg", "horizon.svg", "reward.svg", "gap_map.svg"}},
		// one seed: intervals are unbounded and drawn without bars, but every figure renders
		{allSuites, 1, recipeOnly(declared(allSuites...))},
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

// declared returns the figures the named suites declare, in order.
func declared(suites ...string) []string {
	var out []string
	for _, n := range suites {
		s, _ := hypotheses.Get(n)
		out = append(out, s.Figures...)
	}
	return out
}

func sorted(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}

// listed returns the names in List().
func listed() []string {
	var out []string
	for _, c := range List() {
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

// withCurves gives every policy run of a synthetic study probes of win rate
// and KL at steps 0, 4, 8 (reward-model and SFT runs keep none).
func withCurves(st *hypotheses.Study) {
	for i, o := range st.Outcomes {
		if strings.HasPrefix(o.Job.Arm, "rm-") || o.Job.Arm == "sft" {
			continue
		}
		w, kl := o.Result.Metrics["win_rate"], o.Result.Metrics["kl_ref"]
		st.Outcomes[i].Result.Curves = map[string][]float64{
			metrics.ProbeStep: {0, 4, 8},
			metrics.WinRate:   {50, (50 + w) / 2, w},
			metrics.KLRef:     {0, kl / 3, kl},
		}
	}
}

func TestCurvesFigures(t *testing.T) {
	t.Parallel()
	st := synthetic(t, 3, "gap", "H5")
	withCurves(st)
	files, err := Render(st)
	require.NoError(t, err)
	got := names(files)
	assert.Contains(t, got, "curves_gap.svg")
	assert.Contains(t, got, "curves_H5.svg", "H5's dpo arm trains a policy")
	for _, f := range files {
		checkSVG(t, f.Name, f.Data)
		assert.NotEmpty(t, f.Caption, f.Name)
		assert.NotEmpty(t, f.Section, f.Name)
	}

	// The curve of one arm: the mean over seeds at every probed step, with an
	// interval around it.
	d := newData(st, stats.DefaultOptions())
	gap, _ := hypotheses.Get("gap")
	steps, es, err := d.curve(gap, "dpo", metrics.WinRate)
	require.NoError(t, err)
	require.Equal(t, []float64{0, 4, 8}, steps)
	mean := 0.0
	for _, v := range st.ArmValues(gap, "dpo")["win_rate"] {
		mean += v / 3
	}
	assert.InDelta(t, mean, es[2].Mean, 1e-9, "mean win rate at the last probe")
	assert.InDelta(t, 50, es[0].Mean, 1e-12, "every seed starts at 50")
	assert.True(t, es[2].CI.Lo <= es[2].Mean && es[2].Mean <= es[2].CI.Hi, "interval %v around %g", es[2].CI, es[2].Mean)

	// Without probes there is no curves figure.
	files, err = Render(synthetic(t, 3, "gap"))
	require.NoError(t, err)
	assert.NotContains(t, names(files), "curves_gap.svg")
}

// TestTextIsOutlined checks that figures carry no <text> elements, whose
// layout would depend on the fonts installed where they are viewed.
func TestTextIsOutlined(t *testing.T) {
	t.Parallel()
	files, err := Render(synthetic(t, 3, "gap"))
	require.NoError(t, err)
	use := regexp.MustCompile(`xlink:href="#(g\d+)"`)
	def := regexp.MustCompile(`<path id="(g\d+)"`)
	for _, f := range files {
		doc := string(f.Data)
		assert.NotContains(t, doc, "<text", f.Name)
		defined := map[string]bool{}
		for _, d := range def.FindAllStringSubmatch(doc, -1) {
			defined[d[1]] = true
		}
		assert.NotEmpty(t, defined, "%s defines no glyphs", f.Name)
		for _, u := range use.FindAllStringSubmatch(doc, -1) {
			assert.True(t, defined[u[1]], "%s uses glyph %s, which it does not define", f.Name, u[1])
		}
	}
}

// TestProtocolFigures draws the figures of the tuned and frontier protocols from
// made-up runs: the gap suite's paths under frontier (KL and win rate from π_ref to
// each arm's end) and the data-size suite under tuned.
func TestProtocolFigures(t *testing.T) {
	t.Parallel()
	st := &hypotheses.Study{Budget: hypotheses.Budgets["smoke"], Seeds: 4, Protocols: []string{hypotheses.Tuned, hypotheses.Frontier}}
	for _, name := range []string{"gap", "data"} {
		s, err := hypotheses.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		st.Suites = append(st.Suites, s)
		p := hypotheses.Frontier
		if name == "data" {
			p = hypotheses.Tuned
		}
		for i, a := range s.ArmsUnder(p, st.Budget) {
			for seed := 1; seed <= 4; seed++ {
				r := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
				end := 3 + float64(i%3) + r.Float64()
				win := 55 + float64(i%5) + 3*r.Float64()
				res := &runner.Result{Metrics: map[string]float64{"win_rate": win, "kl_ref": end}, Curves: map[string][]float64{}}
				for _, f := range []float64{0, 0.1, 0.3, 0.6, 1} {
					res.Curves["kl_ref"] = append(res.Curves["kl_ref"], f*end)
					res.Curves["win_rate"] = append(res.Curves["win_rate"], 50+f*(win-50))
				}
				st.Outcomes = append(st.Outcomes, runner.Outcome{Job: runner.Job{Suite: s.Name, Arm: a.Name, Seed: seed, Protocol: p}, Result: res})
			}
		}
	}
	files, err := Render(st)
	if err != nil {
		t.Fatal(err)
	}
	got := names(files)
	for _, want := range protocolFigures {
		if !slices.Contains(got, want) {
			t.Errorf("%s not drawn; got %v", want, got)
		}
	}
	for _, f := range files {
		checkSVG(t, f.Name, f.Data)
	}
}
