package judge

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"gapbench/stats"
)

// FuzzReadResults: any bytes either parse into finite, unique rows or give
// an *InputError naming the file; never a panic. Run it with
// go test ./judge -fuzz FuzzReadResults -fuzztime 2m.
func FuzzReadResults(f *testing.F) {
	if raw, err := os.ReadFile("../examples/trl-pythia-1b.csv"); err == nil {
		f.Add(raw)
	}
	for _, s := range []string{
		"arm,seed,metric,value\ndpo,1,win_rate,50\n",
		"suite,arm,seed,metric,value\ngap,dpo,1,win_rate,NaN\n",
		"\xef\xbb\xbfvalue,metric,seed,arm\n0.5,kl_ref,2,\"a,b\"\n",
		"arm,seed,metric,value\ndpo,1,win_rate,50\ndpo,1,win_rate,51\n",
		"arm,seed,metric,value\n\"unterminated,1,m,1\n",
		"arm,seed,metric,value,extra\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := ReadResults("in.csv", raw)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "in.csv" || !strings.HasPrefix(err.Error(), "in.csv") {
				t.Fatalf("error %v is not an *InputError naming the file", err)
			}
			return
		}
		type key struct {
			suite, arm, metric string
			seed               int
		}
		seen := map[key]bool{}
		for _, x := range r.rows {
			if math.IsNaN(x.value) || math.IsInf(x.value, 0) || x.arm == "" || x.metric == "" || x.line < 2 {
				t.Fatalf("row %+v accepted", x)
			}
			k := key{x.suite, x.arm, x.metric, x.seed}
			if seen[k] {
				t.Fatalf("duplicate row %+v accepted", x)
			}
			seen[k] = true
		}
		// Whatever parses can be judged (arms only) without a panic.
		if len(r.Suites()) <= 1 {
			st, err := Judge(r, nil, "", stats.Options{Resamples: 200})
			if err != nil {
				t.Fatalf("judging parsed rows: %v", err)
			}
			if _, err := Summaries(st, stats.Options{Resamples: 200}); err != nil {
				t.Fatalf("summarising parsed rows: %v", err)
			}
		}
	})
}

// FuzzReadClaims: any bytes either parse into claims that package stats
// accepts or give an *InputError naming the file; never a panic.
func FuzzReadClaims(f *testing.F) {
	if raw, err := os.ReadFile("../examples/trl-pythia-1b-claims.yaml"); err == nil {
		f.Add(raw)
	}
	for _, s := range []string{
		`{"claims": [{"id": "c", "metric": "m", "a": "x", "b": "y", "kind": "equivalence", "margin": 1}]}`,
		"claims:\n  - {id: c, metric: m, a: x, b: y, kind: superiority, direction: less, margin: .nan}\n",
		"claims:\n  - id: c\n    a: [x]\n",
		"claims: []\n---\nclaims: []\n",
		"title: 3\nclaims:\n  - &a {id: c, metric: m, a: x, b: y, kind: superiority}\n  - *a\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := ReadClaims("c.yaml", raw)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "c.yaml" {
				t.Fatalf("error %v is not an *InputError naming the file", err)
			}
			return
		}
		if len(c.Claims) == 0 || len(c.Lines) != len(c.Claims) {
			t.Fatalf("%d claims, %d lines", len(c.Claims), len(c.Lines))
		}
		values := func(metric, arm string) ([]float64, error) { return []float64{1, 2, 3}, nil }
		var sc []stats.Claim
		for _, x := range c.Claims {
			sc = append(sc, x.Claim)
		}
		if _, err := stats.EvaluateClaims(sc, values, stats.Options{Resamples: 200}); err != nil {
			t.Fatalf("stats refuses claims the file accepted: %v", err)
		}
	})
}
