package stats

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// fixed returns a values function over a map keyed "metric/arm".
func fixed(data map[string][]float64) func(metric, arm string) ([]float64, error) {
	return func(metric, arm string) ([]float64, error) {
		v, ok := data[metric+"/"+arm]
		if !ok {
			return nil, fmt.Errorf("no values for %s/%s", metric, arm)
		}
		return v, nil
	}
}

// shifted returns base + delta + jitter[i].
func shifted(base []float64, delta float64, jitter ...float64) []float64 {
	out := make([]float64, len(base))
	for i, v := range base {
		out[i] = v + delta
		if i < len(jitter) {
			out[i] += jitter[i]
		}
	}
	return out
}

var (
	base10 = []float64{60.1, 61.4, 59.8, 62.0, 60.7, 61.1, 59.5, 60.9, 61.8, 60.3}
	jit10  = []float64{0.3, -0.2, 0.1, -0.4, 0.2, 0.0, 0.35, -0.15, 0.25, -0.3}
)

func TestVerdicts(t *testing.T) {
	t.Parallel()
	data := map[string][]float64{
		"m/base":  base10,
		"m/up3":   shifted(base10, 3, jit10...),    // clearly above
		"m/down3": shifted(base10, -3, jit10...),   // clearly below
		"m/same":  shifted(base10, 0.05, jit10...), // within any margin ≥ 1
		"m/up05":  shifted(base10, 0.5, jit10...),  // real but below a margin of 1
		"m/noisy": shifted(base10, 0.3, 2, -3, 1.5, -0.5, 2.5, -2, 0.5, -1, 3, -2.5),
	}
	cases := []struct {
		claim Claim
		want  Verdict
	}{
		{Claim{ID: "sup", Metric: "m", A: "up3", B: "base", Kind: Superiority, Predict: Greater}, Supported},
		{Claim{ID: "sup-less", Metric: "m", A: "down3", B: "base", Kind: Superiority, Predict: Less}, Supported},
		{Claim{ID: "opposite", Metric: "m", A: "down3", B: "base", Kind: Superiority, Predict: Greater}, Refuted},
		{Claim{ID: "negligible", Metric: "m", A: "same", B: "base", Kind: Superiority, Predict: Greater, Margin: 1}, Refuted},
		{Claim{ID: "no-margin", Metric: "m", A: "same", B: "base", Kind: Superiority, Predict: Greater}, Inconclusive},
		{Claim{ID: "small-real", Metric: "m", A: "up05", B: "base", Kind: Superiority, Predict: Greater, Margin: 1}, Supported},
		{Claim{ID: "equiv", Metric: "m", A: "same", B: "base", Kind: Equivalence, Margin: 1}, Supported},
		{Claim{ID: "not-equiv", Metric: "m", A: "up3", B: "base", Kind: Equivalence, Margin: 1}, Refuted},
		{Claim{ID: "noisy-equiv", Metric: "m", A: "noisy", B: "base", Kind: Equivalence, Margin: 1}, Inconclusive},
		{Claim{ID: "noisy-sup", Metric: "m", A: "noisy", B: "base", Kind: Superiority, Predict: Greater, Margin: 0.5}, Inconclusive},
	}
	claims := make([]Claim, len(cases))
	for i, c := range cases {
		claims[i] = c.claim
	}
	rs, err := EvaluateClaims(claims, fixed(data), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ps, pr := make([]float64, len(rs)), make([]float64, len(rs))
	for i, r := range rs {
		ps[i], pr[i] = r.P, r.PRefute
	}
	adjS, adjR := Holm(ps), Holm(pr)
	for i, r := range rs {
		c := cases[i]
		if r.Verdict != c.want {
			t.Errorf("%s: verdict %s, want %s (Δ = %.3g, CI %v, PAdj %.3g, PRefuteAdj %.3g)", c.claim.ID, r.Verdict, c.want, r.Paired.Mean, r.Paired.CI, r.PAdj, r.PRefuteAdj)
		}
		if r.PAdj != adjS[i] || r.PRefuteAdj != adjR[i] {
			t.Errorf("%s: adjusted p-values are not Holm over the family", c.claim.ID)
		}
		if r.Verdict == Inconclusive && r.SeedsNeeded == 0 {
			t.Errorf("%s: inconclusive without SeedsNeeded", c.claim.ID)
		}
		if (c.claim.Margin > 0) != (r.Equiv != nil) {
			t.Errorf("%s: Equiv = %v with margin %g", c.claim.ID, r.Equiv, c.claim.Margin)
		}
	}
	if w := strings.Join(rs[5].Warnings, "\n"); !strings.Contains(w, "negligible") {
		t.Errorf("small-real: no warning that the effect is below the margin; warnings:\n%s", w)
	}
	if w := strings.Join(rs[8].Warnings, "\n"); !strings.Contains(w, "needed") {
		t.Errorf("noisy-equiv: no seeds-needed warning; warnings:\n%s", w)
	}
}

// TestTooFewSeeds: with 5 seeds the exact test cannot reach α = 0.05, so
// even a huge effect is inconclusive, with a warning that says so.
func TestTooFewSeeds(t *testing.T) {
	t.Parallel()
	data := map[string][]float64{"m/a": {10, 11, 12, 13, 14}, "m/b": {1, 2, 3, 4, 5.5}}
	rs, err := EvaluateClaims([]Claim{{ID: "c", Metric: "m", A: "a", B: "b"}}, fixed(data), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if r.Verdict != Inconclusive {
		t.Errorf("verdict %s with 5 seeds, want inconclusive", r.Verdict)
	}
	if r.P != 0.0625 {
		t.Errorf("sign-flip p = %g, want 2/2⁵ = 0.0625", r.P)
	}
	if w := strings.Join(r.Warnings, "\n"); !strings.Contains(w, "need >= 6 seeds") {
		t.Errorf("no 'need >= 6 seeds' warning:\n%s", w)
	}
	if r.SeedsNeeded != 6 {
		t.Errorf("SeedsNeeded = %d, want 6 (the exact-test minimum)", r.SeedsNeeded)
	}
}

func TestMinSeedsSignFlip(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		alpha float64
		want  int
	}{{0.05, 6}, {0.05 / 5, 8}, {0.005, 9}, {0.0625, 6}, {0.2, 4}, {1, 2}} {
		if got := MinSeedsSignFlip(c.alpha); got != c.want {
			t.Errorf("MinSeedsSignFlip(%g) = %d, want %d", c.alpha, got, c.want)
		}
	}
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	data := map[string][]float64{
		"m/a": shifted(base10, 0.4, jit10...), "m/b": base10, "m/c": shifted(base10, -0.2, jit10[3:]...),
	}
	claims := []Claim{
		{ID: "ab", Metric: "m", A: "a", B: "b", Margin: 0.1},
		{ID: "cb", Metric: "m", A: "c", B: "b", Kind: Equivalence, Margin: 0.5},
		{ID: "ac", Metric: "m", A: "a", B: "c", Predict: Less},
	}
	opt := Options{Seed: 42}
	r1, err := EvaluateClaims(claims, fixed(data), opt)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := EvaluateClaims(claims, fixed(data), opt)
	if !reflect.DeepEqual(r1, r2) {
		t.Error("same seed, different results")
	}
	// Reordering the family changes nothing but the order.
	rev := []Claim{claims[2], claims[0], claims[1]}
	r3, _ := EvaluateClaims(rev, fixed(data), opt)
	if !reflect.DeepEqual(r1[0], r3[1]) || !reflect.DeepEqual(r1[1], r3[2]) || !reflect.DeepEqual(r1[2], r3[0]) {
		t.Error("reordering the claims changed their results")
	}
	s1, _ := Summarize(base10, opt)
	s2, _ := Summarize(base10, opt)
	if !reflect.DeepEqual(s1, s2) {
		t.Error("Summarize is not deterministic")
	}
	s3, _ := Summarize(base10, Options{Seed: 43})
	if reflect.DeepEqual(s1.Studentized, s3.Studentized) {
		t.Error("a different seed gave the identical bootstrap-t interval")
	}
}

func TestUserErrors(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	ok := []float64{1, 2, 3}
	for _, c := range []struct {
		name string
		err  error
		want error
		text string
	}{
		{"Summarize empty", second(Summarize(nil, Options{})), ErrEmpty, "no values"},
		{"Summarize NaN", second(Summarize([]float64{1, nan}, Options{})), ErrNotFinite, "x[1] = NaN"},
		{"Summarize Inf", second(Summarize([]float64{inf}, Options{})), ErrNotFinite, "x[0] = +Inf"},
		{"ComparePaired lengths", second(ComparePaired(ok, []float64{1, 2}, Options{})), ErrLength, "a has 3 values, b has 2"},
		{"ComparePaired empty b", second(ComparePaired(ok, nil, Options{})), ErrEmpty, "b has no values"},
		{"ComparePaired NaN", second(ComparePaired([]float64{1, 2, nan}, ok, Options{})), ErrNotFinite, "a[2] = NaN"},
		{"ComparePaired overflow", second(ComparePaired([]float64{math.MaxFloat64}, []float64{-math.MaxFloat64}, Options{})), ErrNotFinite, "overflows"},
		{"TOST margin 0", second(TOST(ok, ok, 0, Options{})), ErrMargin, "got 0"},
		{"TOST margin -1", second(TOST(ok, ok, -1, Options{})), ErrMargin, "got -1"},
		{"TOST margin NaN", second(TOST(ok, ok, nan, Options{})), ErrMargin, "got NaN"},
		{"Options level", second(Summarize(ok, Options{Level: 1.5})), ErrOptions, "Level must be in (0, 1), got 1.5"},
		{"Options alpha", second(Summarize(ok, Options{Alpha: -0.1})), ErrOptions, "Alpha"},
		{"Options resamples", second(Summarize(ok, Options{Resamples: 10})), ErrOptions, "at least 200"},
	} {
		if !errors.Is(c.err, c.want) || !strings.Contains(fmt.Sprint(c.err), c.text) {
			t.Errorf("%s: error %v, want %v containing %q", c.name, c.err, c.want, c.text)
		}
	}

	data := map[string][]float64{"m/a": ok, "m/b": {3, 2, 1}, "m/short": {1}, "m/nan": {1, nan, 3}}
	claim := func(mod func(*Claim)) []Claim {
		c := Claim{ID: "c1", Metric: "m", A: "a", B: "b"}
		mod(&c)
		return []Claim{c}
	}
	for _, c := range []struct {
		name   string
		claims []Claim
		want   error
		text   string
	}{
		{"empty ID", claim(func(c *Claim) { c.ID = "" }), ErrClaim, "empty ID"},
		{"empty metric", claim(func(c *Claim) { c.Metric = "" }), ErrClaim, "empty metric"},
		{"same arm", claim(func(c *Claim) { c.B = "a" }), ErrClaim, "with itself"},
		{"kind", claim(func(c *Claim) { c.Kind = 7 }), ErrClaim, "unknown kind 7"},
		{"direction", claim(func(c *Claim) { c.Predict = -1 }), ErrClaim, "unknown direction"},
		{"equivalence margin", claim(func(c *Claim) { c.Kind = Equivalence }), ErrMargin, "needs margin > 0, got 0"},
		{"negative margin", claim(func(c *Claim) { c.Margin = -2 }), ErrMargin, "got -2"},
		{"Inf margin", claim(func(c *Claim) { c.Margin = inf }), ErrMargin, "finite"},
		{"unequal", claim(func(c *Claim) { c.B = "short" }), ErrLength, `claim "c1"`},
		{"NaN data", claim(func(c *Claim) { c.A = "nan" }), ErrNotFinite, "a[1] = NaN"},
		{"duplicate", append(claim(func(*Claim) {}), claim(func(*Claim) {})...), ErrClaim, "duplicate ID"},
	} {
		_, err := EvaluateClaims(c.claims, fixed(data), Options{})
		if !errors.Is(err, c.want) || !strings.Contains(fmt.Sprint(err), c.text) {
			t.Errorf("%s: error %v, want %v containing %q", c.name, err, c.want, c.text)
		}
	}
	_, err := EvaluateClaims(claim(func(c *Claim) { c.B = "missing" }), fixed(data), Options{})
	if err == nil || !strings.Contains(err.Error(), `values("m", "missing")`) {
		t.Errorf("values error not wrapped with the claim: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestProgrammerErrorsPanic(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(){
		"Holm NaN":              func() { Holm([]float64{0.1, math.NaN()}) },
		"BH > 1":                func() { BenjaminiHochberg([]float64{1.5}) },
		"NewBootstrap empty":    func() { NewBootstrap(nil, 10, newRand(1, 1)) },
		"SignFlipTest empty":    func() { SignFlipTest(nil, 0, 10, nil) },
		"StudentT one value":    func() { StudentT([]float64{1}, 0) },
		"SeedsNeeded power":     func() { SeedsNeeded(1, 1, 0.05, 1.2) },
		"MinSeedsSignFlip":      func() { MinSeedsSignFlip(0) },
		"EvaluateClaims nil":    func() { EvaluateClaims(nil, nil, Options{}) },
		"render unknown format": func() { RenderSummaries(&strings.Builder{}, nil, Format(9)) },
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic", name)
				} else if s, ok := r.(string); !ok || !strings.HasPrefix(s, "stats: ") {
					t.Errorf("%s: panic %v without the stats: prefix", name, r)
				}
			}()
			f()
		}()
	}
}

func TestSmallSamples(t *testing.T) {
	t.Parallel()
	s, err := Summarize([]float64{3}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Mean != 3 || s.CI.Finite() || len(s.Warnings) == 0 {
		t.Errorf("one value: %+v, want mean 3, unbounded interval, a warning", s)
	}
	p, err := ComparePaired([]float64{2}, []float64{1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Mean != 1 || p.CI.Finite() || p.PSignFlip != 1 || p.PT != 1 {
		t.Errorf("one pair: %+v", p)
	}
	c, err := ComparePaired([]float64{2, 3, 4, 5, 6, 7}, []float64{1, 2, 3, 4, 5, 6}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The t test is undefined without spread (R stops): its p is 1, never 0.
	if c.CI != (Interval{1, 1}) || c.PSignFlip != 1.0/32 || c.PT != 1 {
		t.Errorf("constant Δ = 1: CI %v, p %g, PT %g; want [1, 1], 1/32, 1", c.CI, c.PSignFlip, c.PT)
	}
	z, _ := ComparePaired(base10, base10, Options{})
	if z.PSignFlip != 1 || z.PWilcoxon != 1 || z.PT != 1 || z.Zeros != 10 {
		t.Errorf("identical arms: %+v", z)
	}
}

// TestScaleInvariance: multiplying the data and margin by a power of two
// multiplies every reported number by it and changes no p-value or
// verdict, even at the ends of the float64 range, where squaring the values
// would overflow or underflow.
func TestScaleInvariance(t *testing.T) {
	t.Parallel()
	a := shifted(base10, 0.4, jit10...)
	claims := []Claim{
		{ID: "sup", Metric: "m", A: "a", B: "b", Margin: 0.2},
		{ID: "eq", Metric: "m", A: "a", B: "b", Kind: Equivalence, Margin: 1},
	}
	eval := func(e int) []ClaimResult {
		sa, sb := make([]float64, len(a)), make([]float64, len(base10))
		for i := range a {
			sa[i], sb[i] = math.Ldexp(a[i], e), math.Ldexp(base10[i], e)
		}
		cs := append([]Claim(nil), claims...)
		for i := range cs {
			cs[i].Margin = math.Ldexp(cs[i].Margin, e)
		}
		rs, err := EvaluateClaims(cs, fixed(map[string][]float64{"m/a": sa, "m/b": sb}), DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	ref := eval(0)
	for _, e := range []int{-1060, -500, 300, 1010} {
		for i, r := range eval(e) {
			checkResult(t, r)
			// At 2^-1060 the inputs themselves are subnormal and rounded, so
			// only the verdict has to survive there.
			exact := e > -1000
			if r.Verdict != ref[i].Verdict || exact && (r.PAdj != ref[i].PAdj || r.PRefuteAdj != ref[i].PRefuteAdj) {
				t.Errorf("2^%d: claim %s: verdict %s p %g/%g, unscaled %s p %g/%g", e, r.Claim.ID, r.Verdict, r.PAdj, r.PRefuteAdj, ref[i].Verdict, ref[i].PAdj, ref[i].PRefuteAdj)
			}
			if exact {
				if got, want := r.Paired.CI, ref[i].Paired.CI.ldexp(e); got != want {
					t.Errorf("2^%d: CI %v, want %v", e, got, want)
				}
			}
		}
	}
	s, err := Summarize([]float64{1e308, 1.7e308, 1.5e308}, Options{})
	if err != nil || math.IsInf(s.Mean, 0) || math.IsNaN(s.SD) || !s.CI.Contains(s.Mean) {
		t.Errorf("Summarize near MaxFloat64: %+v, %v", s, err)
	}
}
