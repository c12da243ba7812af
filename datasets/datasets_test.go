package datasets

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
)

func smallConfig(reward string) Config {
	c := DefaultConfig()
	c.TrainPrompts, c.ValPrompts, c.AugPrompts = 8, 6, 4
	c.TeacherWidth = 32
	c.Pairs, c.Demos = 40, 3
	c.Reward = reward
	c.Seed = 7
	return c
}

func TestGenerateDeterministic(t *testing.T) {
	a, err := Generate(smallConfig(RewardBigram))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(smallConfig(RewardBigram))
	if !reflect.DeepEqual(a.Gold, b.Gold) || !reflect.DeepEqual(a.Pairs, b.Pairs) || !reflect.DeepEqual(a.Demos, b.Demos) {
		t.Fatal("two worlds from the same config differ")
	}
	c2 := smallConfig(RewardBigram)
	c2.Seed = 8
	c, _ := Generate(c2)
	if reflect.DeepEqual(a.Pairs, c.Pairs) {
		t.Fatal("worlds from different seeds have identical pairs")
	}
}

// TestGoldNormalised checks every reward level is normalised under the teacher and
// that the teacher wins exactly half the time against itself.
func TestGoldNormalised(t *testing.T) {
	for _, level := range RewardLevels {
		t.Run(level, func(t *testing.T) {
			w, err := Generate(smallConfig(level))
			if err != nil {
				t.Fatal(err)
			}
			q := make([]float64, w.Space.Size())
			for k, p := range w.Val {
				w.Teacher.Enumerate(w.Prompts[p].Input, q)
				mean, sq, win := 0.0, 0.0, 0.0
				for i, l := range q {
					pr := math.Exp(l)
					mean += pr * w.Gold[p][i]
					sq += pr * w.Gold[p][i] * w.Gold[p][i]
					win += pr * w.WinTable(k)[i]
				}
				if math.Abs(mean) > 1e-9 || math.Abs(sq-1) > 1e-9 {
					t.Errorf("prompt %d: mean %.3g, second moment %.12f, want 0 and 1", p, mean, sq)
				}
				if math.Abs(win-0.5) > 1e-12 {
					t.Errorf("prompt %d: teacher's win rate against itself %.15f, want 0.5", p, win)
				}
			}
		})
	}
}

// TestPairLabels checks Bradley–Terry labels by Monte Carlo: the fraction of pairs
// whose chosen side has the higher gold reward matches the mean label probability.
func TestPairLabels(t *testing.T) {
	c := smallConfig(RewardSimple)
	c.Pairs = 4000
	w, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	agree, want := 0.0, 0.0
	for _, pr := range w.Pairs {
		hi := w.GoldReward(pr.Prompt, pr.Chosen) >= w.GoldReward(pr.Prompt, pr.Rejected)
		if hi {
			agree++
		}
		p := w.PreferProb(pr.Prompt, pr.Chosen, pr.Rejected)
		// P(chosen has the higher reward) = σ(|Δ|/τ) whichever way the pair was drawn.
		want += math.Max(p, 1-p)
	}
	n := float64(len(w.Pairs))
	se := 0.5 / math.Sqrt(n)
	if math.Abs(agree/n-want/n) > 4*se {
		t.Errorf("labels agree with gold %.4f of the time, want %.4f ± %.4f", agree/n, want/n, 4*se)
	}
}

func TestRougeL(t *testing.T) {
	for _, tc := range []struct {
		a, b []int
		want float64
	}{
		{[]int{1, 2, 3, 4}, []int{1, 2, 3, 4}, 1},
		{[]int{1, 2, 3, 4}, []int{5, 6, 7, 0}, 0},
		{[]int{1, 2, 3, 4}, []int{2, 4, 0, 0}, 0.5},
		{[]int{1, 2}, []int{2, 1, 2, 1}, 2 * 1 * 0.5 / 1.5},
		{[]int{3, 1, 3, 1}, []int{1, 3, 1, 3}, 0.75},
	} {
		if got := RougeL(tc.a, tc.b); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("RougeL(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	w, err := Generate(smallConfig(RewardSimple))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.WritePairs(&buf, w.Pairs); err != nil {
		t.Fatal(err)
	}
	got, err := w.ReadPairs("pairs.jsonl", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, w.Pairs) {
		t.Fatal("pairs differ after a JSONL round trip")
	}
	buf.Reset()
	if err := w.WriteDemos(&buf, w.Demos); err != nil {
		t.Fatal(err)
	}
	demos, err := w.ReadDemos("demos.jsonl", &buf)
	if err != nil || !reflect.DeepEqual(demos, w.Demos) {
		t.Fatalf("demos differ after a JSONL round trip (err %v)", err)
	}
}

func TestReadPairsErrors(t *testing.T) {
	w, err := Generate(smallConfig(RewardSimple))
	if err != nil {
		t.Fatal(err)
	}
	var ok bytes.Buffer
	w.WritePairs(&ok, w.Pairs[:1])
	good := strings.TrimSpace(ok.String())
	for _, tc := range []struct{ name, in, want string }{
		{"not json", "{oops", "p.jsonl:1"},
		{"unknown field", `{"prompt":[1],"chosen":[1,2,3,4],"rejected":[1,2,3,4],"extra":1}`, `unknown field "extra"`},
		{"wrong type", `{"prompt":"x","chosen":[1,2,3,4],"rejected":[1,2,3,4]}`, "prompt"},
		{"unknown prompt", `{"prompt":[99,99],"chosen":[1,2,3,4],"rejected":[1,2,3,4]}`, `field "prompt"`},
		{"short summary", strings.Replace(good, `"chosen":[`, `"chosen":[1,`, 1), `field "chosen"`},
		{"token range", good + "\n" + strings.Replace(good, `"rejected":[`, `"rejected":[9,`, 1), `p.jsonl:2`},
		{"empty", "\n\n", "no pairs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.ReadPairs("p.jsonl", strings.NewReader(tc.in))
			if err == nil || got != nil {
				t.Fatalf("ReadPairs(%q) = %v, %v; want an error", tc.in, got, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Tau = -1 }, "world.tau must be > 0"},
		{func(c *Config) { c.Reward = "fancy" }, `"fancy"`},
		{func(c *Config) { c.PairDist = "x" }, "world.pair_dist"},
		{func(c *Config) { c.V = 1 }, "world.v"},
		{func(c *Config) { c.H = 9 }, "world.h"},
		{func(c *Config) { c.Pairs = 0 }, "world.pairs"},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate = %v, want an error containing %q", err, tc.want)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
}
