package judge

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gapbench/hypotheses"
	"gapbench/reports"
	"gapbench/runner"
	"gapbench/stats"
)

const header = "suite,arm,seed,metric,value\n"

// wantInputError checks that err is an *InputError for file:line whose
// message contains every part.
func wantInputError(t *testing.T, err error, file string, line int, parts ...string) {
	t.Helper()
	var ie *InputError
	require.Error(t, err)
	require.True(t, errors.As(err, &ie), "error %v is not an *InputError", err)
	assert.Equal(t, file, ie.File, "file in %v", err)
	assert.Equal(t, line, ie.Line, "line in %v", err)
	for _, p := range parts {
		assert.Contains(t, err.Error(), p)
	}
}

func TestReadResultsErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, csv string
		line      int
		want      []string
	}{
		{"empty", "", 0, []string{"empty file", "suite,arm,seed,metric,value"}},
		{"no rows", header, 0, []string{"no rows"}},
		{"unknown column", "suite,arm,seed,step,metric,value\n", 1, []string{`unknown column "step"`}},
		{"missing column", "arm,seed,value\n", 1, []string{`missing column "metric"`}},
		{"column twice", "arm,arm,seed,metric,value\n", 1, []string{`column "arm" appears twice`}},
		{"short row", header + "s,dpo,1,win_rate\n", 2, []string{"wrong number of fields"}},
		{"bad quote", header + "s,\"dpo,1,win_rate,3\n", 2, []string{"quote"}},
		{"empty arm", header + "s,,1,win_rate,50\n", 2, []string{"empty arm"}},
		{"empty metric", header + "s,dpo,1,,50\n", 2, []string{"empty metric"}},
		{"empty suite", header + "s,dpo,1,m,1\n,dpo,2,m,1\n", 3, []string{"empty suite"}},
		{"seed not an integer", header + "s,dpo,1.5,win_rate,50\n", 2, []string{`seed "1.5" is not an integer`}},
		{"value not a number", header + "s,dpo,1,win_rate,fifty\n", 2, []string{`value "fifty" of win_rate is not a number`}},
		{"NaN", header + "s,dpo,1,win_rate,50\ns,dpo,2,win_rate,NaN\n", 3, []string{`value "NaN" of win_rate is not finite`}},
		{"Inf", header + "s,dpo,1,kl,-Inf\n", 2, []string{"not finite"}},
		{"overflow", header + "s,dpo,1,kl,1e309\n", 2, []string{`value "1e309" of kl is not finite`}},
		{"outside range", header + "s,dpo,1,win_rate,120\n", 2, []string{"win_rate = 120 is outside its range [0, 100]"}},
		{"negative KL", header + "s,dpo,1,kl_ref,-0.5\n", 2, []string{"kl_ref = -0.5 is outside its range [0, +Inf]"}},
		{"duplicate", header + "s,dpo,1,win_rate,50\ns,dpo,2,win_rate,51\ns,dpo,1,win_rate,52\n", 4,
			[]string{"duplicate row: arm dpo, seed 1, metric win_rate is already on line 2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadResults("r.csv", []byte(c.csv))
			wantInputError(t, err, "r.csv", c.line, c.want...)
		})
	}
}

func TestReadResults(t *testing.T) {
	t.Parallel()
	// No suite column, columns in another order, a byte-order mark, spaces,
	// quoted fields, an unknown metric that may take any value.
	r, err := ReadResults("r.csv", []byte("\xef\xbb\xbfvalue, metric, arm, seed\n-3.5, loss, \"my,arm\", 2\n0.25,win_rate,dpo,1\n"))
	require.NoError(t, err)
	assert.False(t, r.HasSuite)
	assert.Nil(t, r.Suites())
	require.Len(t, r.rows, 2)
	assert.Equal(t, row{arm: "my,arm", metric: "loss", seed: 2, value: -3.5, line: 2}, r.rows[0])
	assert.Equal(t, row{arm: "dpo", metric: "win_rate", seed: 1, value: 0.25, line: 3}, r.rows[1])
	// The same (arm, seed, metric) in two suites is no duplicate.
	r, err = ReadResults("r.csv", []byte(header+"gap,dpo,1,win_rate,50\nH1,dpo,1,win_rate,52\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"gap", "H1"}, r.Suites())
}

func TestReadClaimsErrors(t *testing.T) {
	t.Parallel()
	const ok = "    metric: win_rate\n    a: online\n    b: dpo\n"
	for _, c := range []struct {
		name, yaml string
		line       int
		want       []string
	}{
		{"empty", "", 0, []string{"empty file"}},
		{"syntax", "claims: [\n", 1, []string{"did not find expected"}},
		{"not a mapping", "- a\n- b\n", 1, []string{`want a mapping with a top-level "claims:" list`}},
		{"no claims", "title: x\n", 1, []string{"no claims"}},
		{"claims not a list", "claims: 3\n", 1, []string{`field "claims": want a list of claims, got the number 3`}},
		{"unknown top field", "claim:\n  - id: c\n", 1, []string{`unknown field "claim"`, "title, hypothesis, prediction, paper, claims"}},
		{"title a list", "title: [a]\nclaims: []\n", 1, []string{`field "title": want a string, got a list`}},
		{"second document", "claims:\n  - {id: c, metric: m, a: x, b: y, kind: superiority}\n---\nclaims: []\n", 3, []string{"a second YAML document"}},
		{"claim not a mapping", "claims:\n  - gap.1\n", 2, []string{"claim #1: want a mapping", `got "gap.1"`}},
		{"unknown claim field", "claims:\n  - id: c\n" + ok + "    kind: superiority\n    margn: 2\n", 7, []string{`claim "c": unknown field "margn"`}},
		{"field twice", "claims:\n  - id: c\n" + ok + "    kind: superiority\n    a: x\n", 7, []string{`claim "c": field "a" given twice (first on line 4)`}},
		{"missing id", "claims:\n  -" + ok[3:] + "    kind: superiority\n", 2, []string{`claim #1: field "id" is missing`}},
		{"missing kind", "claims:\n  - id: c\n" + ok, 2, []string{`claim "c": field "kind" is missing`}},
		{"missing b", "claims:\n  - id: c\n    metric: m\n    a: x\n    kind: superiority\n", 2, []string{`field "b" is missing`}},
		{"arm a list", "claims:\n  - id: c\n    metric: m\n    a: [x]\n", 4, []string{`claim "c": field "a": want a string, got a list`}},
		{"id empty", "claims:\n  - id:\n", 2, []string{`claim #1: field "id": want a string, got nothing`}},
		{"bad kind", "claims:\n  - id: c\n" + ok + "    kind: better\n", 6, []string{`field "kind": want superiority or equivalence, got "better"`}},
		{"bad direction", "claims:\n  - id: c\n" + ok + "    kind: superiority\n    direction: up\n", 7, []string{`field "direction": want greater (a > b) or less (a < b), got "up"`}},
		{"direction on equivalence", "claims:\n  - id: c\n" + ok + "    kind: equivalence\n    margin: 1\n    direction: less\n", 8, []string{"an equivalence claim has no direction"}},
		{"margin a string", "claims:\n  - id: c\n" + ok + "    kind: superiority\n    margin: two\n", 7, []string{`field "margin": want a number, got "two"`}},
		{"margin quoted", "claims:\n  - id: c\n" + ok + "    kind: superiority\n    margin: \"2\"\n", 7, []string{`want a number, got "2"`}},
		{"margin NaN", "claims:\n  - id: c\n" + ok + "    kind: superiority\n    margin: .nan\n", 7, []string{`field "margin": want a finite number, got .nan`}},
		{"margin 1e309", "claims:\n  - id: c\n" + ok + "    kind: superiority\n    margin: 1e309\n", 7, []string{"want a finite number, got 1e309"}},
		{"negative margin", "claims:\n  - id: c\n" + ok + "    kind: superiority\n    margin: -1\n", 7, []string{`field "margin": want >= 0, got -1`}},
		{"equivalence margin 0", "claims:\n  - id: c\n" + ok + "    kind: equivalence\n    margin: 0\n", 7, []string{"an equivalence claim needs margin > 0, got 0"}},
		{"equivalence no margin", "claims:\n  - id: c\n" + ok + "    kind: equivalence\n", 2, []string{`field "margin" is missing`}},
		{"decides a string", "claims:\n  - id: c\n" + ok + "    kind: superiority\n    decides: yes please\n", 7, []string{`field "decides": want true or false, got "yes please"`}},
		{"same arm", "claims:\n  - {id: c, metric: m, a: x, b: x, kind: superiority}\n", 2, []string{`compares arm "x" with itself`}},
		{"duplicate id", "claims:\n  - {id: c, metric: m, a: x, b: y, kind: superiority}\n  - {id: c, metric: m, a: y, b: x, kind: superiority}\n", 3,
			[]string{`claim "c": id already used on line 2`}},
		{"JSON wrong type", `{"claims": [{"id": "c", "metric": "m", "a": "x", "b": "y", "kind": "equivalence", "margin": "1"}]}`, 1,
			[]string{`want a number, got "1"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadClaims("c.yaml", []byte(c.yaml))
			wantInputError(t, err, "c.yaml", c.line, c.want...)
		})
	}
}

func TestReadClaims(t *testing.T) {
	t.Parallel()
	yaml := "title: t\nclaims:\n  - id: 1\n    metric: win_rate\n    a: online\n    b: dpo\n    kind: superiority\n    direction: less\n    margin: 2\n    note: n\n" +
		"  - {id: e, metric: kl, a: x, b: y, kind: equivalence, margin: 0.5, decides: false}\n"
	json := `{"title": "t", "claims": [{"id": "1", "metric": "win_rate", "a": "online", "b": "dpo", "kind": "superiority", "direction": "less", "margin": 2, "note": "n"},
	{"id": "e", "metric": "kl", "a": "x", "b": "y", "kind": "equivalence", "margin": 0.5, "decides": false}]}`
	want := []hypotheses.Claim{
		{Claim: stats.Claim{ID: "1", Metric: "win_rate", A: "online", B: "dpo", Kind: stats.Superiority, Predict: stats.Less, Margin: 2, Note: "n"}, Decides: true},
		{Claim: stats.Claim{ID: "e", Metric: "kl", A: "x", B: "y", Kind: stats.Equivalence, Margin: 0.5}, Decides: false},
	}
	for name, raw := range map[string]string{"yaml": yaml, "json": json} {
		c, err := ReadClaims("c", []byte(raw))
		require.NoError(t, err, name)
		assert.Equal(t, "t", c.Title, name)
		assert.Equal(t, want, c.Claims, name)
	}
	c, err := ReadClaims("c", []byte(yaml))
	require.NoError(t, err)
	assert.Equal(t, []int{3, 11}, c.Lines)
}

// pythia is a results file of four arms over five seeds.
const pythia = header + `t,sft,1,win_rate,31.6
t,sft,2,win_rate,35.4
t,sft,3,win_rate,33.5
t,dpo,1,win_rate,47.9
t,dpo,2,win_rate,50.1
t,dpo,3,win_rate,51.5
t,online,1,win_rate,50.3
t,online,2,win_rate,56.4
t,online,3,win_rate,51.4
t,online,1,kl_ref,10.2
t,online,2,kl_ref,12.7
t,dpo,1,kl_ref,17.4
t,dpo,2,kl_ref,18.6
t,dpo,3,kl_ref,21.5
`

func TestJudgeErrors(t *testing.T) {
	t.Parallel()
	claim := func(metric, a, b string) string {
		return fmt.Sprintf("claims:\n  - {id: c1, metric: win_rate, a: online, b: dpo, kind: superiority}\n  - {id: c2, metric: %s, a: %s, b: %s, kind: superiority}\n", metric, a, b)
	}
	for _, c := range []struct {
		name, csv, claims, suite string
		file                     string
		line                     int
		want                     []string
	}{
		{"missing arm", pythia, claim("win_rate", "ppo", "dpo"), "", "c.yaml", 3, []string{`claim "c2": arm "ppo" has no rows in r.csv (its arms: sft, dpo, online)`}},
		{"missing metric", pythia, claim("gold", "online", "dpo"), "", "c.yaml", 3, []string{`claim "c2": metric "gold" has no rows in r.csv (its metrics: win_rate, kl_ref)`}},
		{"metric missing for an arm", pythia, claim("kl_ref", "dpo", "sft"), "", "c.yaml", 3, []string{`arm "sft" has no kl_ref rows in r.csv`}},
		{"unpaired seeds", pythia, claim("kl_ref", "dpo", "online"), "", "r.csv", 15,
			[]string{`seeds do not pair: claim "c2" compares dpo with online on kl_ref by seed, but seed 3 has dpo and no online`}},
		{"several suites", header + "a,dpo,1,m,1\nb,dpo,1,m,1\n", claim("m", "x", "y"), "", "r.csv", 0, []string{"holds rows of 2 suites (a, b): choose one with --suite"}},
		{"suite not in file", header + "a,dpo,1,m,1\nb,dpo,1,m,1\n", claim("m", "x", "y"), "c", "r.csv", 0, []string{`has no rows of suite "c" (its suites: a, b)`}},
		{"unknown built-in suite", pythia, "", "H9", "r.csv", 0, []string{"--suite must be one of", `"H9"`}},
		{"built-in suite's arm missing", pythia, "", "gap", "r.csv", 0, []string{`suite gap, claim gap.2: arm "online-dpo-sft" has no rows in r.csv (its arms: sft, dpo, online)`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res, err := ReadResults("r.csv", []byte(c.csv))
			require.NoError(t, err)
			var cl *Claims
			if c.claims != "" {
				cl, err = ReadClaims("c.yaml", []byte(c.claims))
				require.NoError(t, err)
			}
			_, err = Judge(res, cl, c.suite, stats.Options{})
			wantInputError(t, err, c.file, c.line, c.want...)
		})
	}
}

// TestJudgeMatchesRun: the CSV that gapbench run --csv writes, judged
// against a built-in suite, gives the claims and verdict that run gives
// from the same outcomes (hypotheses.Evaluate), for a suite with derived
// series too.
func TestJudgeMatchesRun(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"gap", "H6"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, err := hypotheses.Get(name)
			require.NoError(t, err)
			rng := rand.New(rand.NewPCG(1, 2))
			var outs []runner.Outcome
			for i, a := range s.Arms {
				for seed := 1; seed <= 8; seed++ {
					m := map[string]float64{}
					for k, metric := range []string{"win_rate", "gold_reward", "kl_ref", "subopt", "ood_mass", "rm_lik_id", "bon_25"} {
						m[metric] = 0.4 + 0.02*float64(i%7) + 0.01*float64(k) + 0.05*rng.Float64()
					}
					m["win_rate"] *= 100
					outs = append(outs, runner.Outcome{Job: runner.Job{Suite: s.Name, Arm: a.Name, Seed: seed}, Result: &runner.Result{Metrics: m}})
				}
			}
			b := hypotheses.Budget{Name: "test", Seeds: 8}
			want, err := hypotheses.Evaluate([]*hypotheses.Suite{s}, b, 8, outs, stats.Options{})
			require.NoError(t, err)
			var csv bytes.Buffer
			require.NoError(t, reports.WriteCSV(&csv, want))
			res, err := ReadResults("run.csv", csv.Bytes())
			require.NoError(t, err)
			got, err := Judge(res, nil, name, stats.Options{})
			require.NoError(t, err)
			require.Len(t, got.Results, 1)
			assert.Equal(t, want.Results[0].Verdict, got.Results[0].Verdict)
			require.Len(t, got.Results[0].Claims, len(want.Results[0].Claims))
			for i, w := range want.Results[0].Claims {
				g := got.Results[0].Claims[i]
				assert.Equal(t, w.Claim.ID, g.Claim.ID)
				assert.Equal(t, w.Verdict, g.Verdict, w.Claim.ID)
				assert.Equal(t, w.PAdj, g.PAdj, w.Claim.ID)
				assert.Equal(t, w.Paired.CI, g.Paired.CI, w.Claim.ID)
			}
		})
	}
}

// TestJudgeArmsOnly: without claims the study has every arm and metric and
// no claim; known metrics' intervals stay in their ranges.
func TestJudgeArmsOnly(t *testing.T) {
	t.Parallel()
	res, err := ReadResults("r.csv", []byte(pythia))
	require.NoError(t, err)
	st, err := Judge(res, nil, "", stats.Options{})
	require.NoError(t, err)
	require.Len(t, st.Results, 1)
	assert.Empty(t, st.Results[0].Claims)
	assert.Equal(t, "t", st.Suites[0].Name)
	rows, err := Summaries(st, stats.Options{})
	require.NoError(t, err)
	var got []string
	for _, r := range rows {
		got = append(got, r.Metric+"/"+r.Arm)
		if r.Metric == "win_rate" {
			assert.True(t, r.Summary.CI.Lo >= 0 && r.Summary.CI.Hi <= 100, "%s: %v", r.Arm, r.Summary.CI)
		}
	}
	assert.Equal(t, "win_rate/sft win_rate/dpo win_rate/online kl_ref/dpo kl_ref/online", strings.Join(got, " "))
}

// TestProtocolColumn: the protocol column gapbench run --csv writes keeps the
// recipe's rows under their suite and reads each other protocol's rows as the
// suite "suite/protocol", judged apart.
func TestProtocolColumn(t *testing.T) {
	t.Parallel()
	csv := "suite,protocol,arm,seed,metric,value\n" +
		"gap,recipe,dpo,1,win_rate,60\ngap,recipe,dpo,2,win_rate,61\n" +
		"gap,tuned,dpo,1,win_rate,70\ngap,tuned,dpo,2,win_rate,71\n"
	res, err := ReadResults("p.csv", []byte(csv))
	require.NoError(t, err)
	assert.Equal(t, []string{"gap", "gap/tuned"}, res.Suites())
}
