package stats

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Edge cases found by trying the package as a user would (issue 9): each
// test fails when its fix is removed.

// TestSummarizeInRange: no interval leaves the metric's range. The data are
// the paired differences of reference set n3 (a − b = 1.4, −0.5, 3.8), whose
// t interval R gives as [−3.786, 6.920] (t.test(a, b, paired = TRUE),
// testdata/reference/reference.R.out): cut at a range of [−1, 5].
func TestSummarizeInRange(t *testing.T) {
	t.Parallel()
	rs := refSets[0]
	d := make([]float64, len(rs.a))
	for i := range d {
		d[i] = rs.a[i] - rs.b[i]
	}
	free, err := Summarize(d, DefaultOptions())
	require.NoError(t, err)
	assert.InDelta(t, rs.tCI.Lo, free.CI.Lo, 1e-9, "unbounded: the t interval, R's")
	assert.InDelta(t, rs.tCI.Hi, free.CI.Hi, 1e-9, "unbounded: the t interval, R's")

	r := Range{-1, 5}
	s, err := SummarizeIn(d, r, DefaultOptions())
	require.NoError(t, err)
	for name, iv := range map[string]Interval{"CI": s.CI, "T": s.T, "BCa": s.BCa, "Percentile": s.Percentile, "Studentized": s.Studentized} {
		assert.Truef(t, iv.Lo >= r.Lo && iv.Hi <= r.Hi, "%s = %v leaves %v", name, iv, r)
	}
	assert.Equal(t, Interval{-1, 5}, s.CI)
	assert.True(t, hasWarning(s.Warnings, "cut at the metric's range [-1, 5]"), "warnings %q", s.Warnings)
	assert.Equal(t, free.Mean, s.Mean)

	// A win rate at 3 seeds, as the smoke budget printed "52.3 [47.0, 323.1]".
	win, err := SummarizeIn([]float64{5, 60, 92}, Range{0, 100}, DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, Interval{0, 100}, win.CI)

	// Inside the range nothing changes, and no warning is added.
	in, err := SummarizeIn(d, Range{-100, 100}, DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, free.CI, in.CI)
	assert.Equal(t, free.Warnings, in.Warnings)

	_, err = SummarizeIn([]float64{0.5, 1.2}, Range{0, 1}, DefaultOptions())
	assert.ErrorIs(t, err, ErrRange)
	assert.ErrorContains(t, err, "x[1] = 1.2 is outside the metric's range [0, 1]")
	_, err = SummarizeIn([]float64{0.5}, Range{1, 0}, DefaultOptions())
	assert.ErrorIs(t, err, ErrRange)
}

// TestClaimRange: a claim on a bounded metric cuts Δ's intervals at the
// range of a difference, refuses values outside the range and margins as
// wide as it, and keeps the verdict it has without the range.
func TestClaimRange(t *testing.T) {
	t.Parallel()
	data := map[string][]float64{"w/a": {0, 100, 0}, "w/b": {100, 0, 100}, "w/c": {101, 0, 100}}
	c := Claim{ID: "c", Metric: "w", A: "a", B: "b", Margin: 2}
	free, err := EvaluateClaims([]Claim{c}, fixed(data), DefaultOptions())
	require.NoError(t, err)
	require.Less(t, free[0].Paired.CI.Lo, -100.0, "the test needs an interval that leaves [-100, 100]")

	c.Range = Range{0, 100}
	rs, err := EvaluateClaims([]Claim{c}, fixed(data), DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, Interval{-100, 100}, rs[0].Paired.CI)
	assert.Equal(t, free[0].Verdict, rs[0].Verdict)
	assert.Equal(t, free[0].PAdj, rs[0].PAdj)
	assert.True(t, hasWarning(rs[0].Warnings, "cut at the metric's range [-100, 100]"), "warnings %q", rs[0].Warnings)

	c.B = "c"
	_, err = EvaluateClaims([]Claim{c}, fixed(data), DefaultOptions())
	assert.ErrorIs(t, err, ErrRange)
	assert.ErrorContains(t, err, `claim "c": c[0] = 101`)

	c.B, c.Margin = "b", 100
	_, err = EvaluateClaims([]Claim{c}, fixed(data), DefaultOptions())
	assert.ErrorIs(t, err, ErrMargin)
}

// TestTIntervalBelowBootstrapT: below MinSeedsBootstrapT seeds the primary
// interval is the t interval alone (R's t.test interval for reference set
// n3), flagged; from MinSeedsBootstrapT up it is the hull again.
func TestTIntervalBelowBootstrapT(t *testing.T) {
	t.Parallel()
	rs := refSets[0]
	p, err := ComparePaired(rs.a, rs.b, DefaultOptions())
	require.NoError(t, err)
	assert.InDelta(t, rs.tCI.Lo, p.CI.Lo, 1e-9)
	assert.InDelta(t, rs.tCI.Hi, p.CI.Hi, 1e-9)
	assert.True(t, hasWarning(p.Warnings, "the interval is the t interval alone"), "warnings %q", p.Warnings)

	// Three skewed win rates: the bootstrap-t interval reaches 157.8, the
	// t interval 70.2.
	w, err := Summarize([]float64{47.9, 48.4, 60.6}, DefaultOptions())
	require.NoError(t, err)
	require.Greater(t, w.Studentized.Hi, 150.0, "the bootstrap-t must reach beyond t here, or the test proves nothing")
	assert.Equal(t, w.T, w.CI)
	assert.InDelta(t, 70.1668, w.CI.Hi, 1e-4)

	for n := 2; n <= 6; n++ {
		x := base10[:n]
		s, err := Summarize(x, DefaultOptions())
		require.NoError(t, err)
		if n < MinSeedsBootstrapT {
			assert.Equal(t, s.T, s.CI, "n = %d", n)
			assert.True(t, hasWarning(s.Warnings, "t interval alone"), "n = %d: warnings %q", n, s.Warnings)
		} else {
			assert.Equal(t, hull(s.T, s.Studentized), s.CI, "n = %d", n)
			assert.False(t, hasWarning(s.Warnings, "t interval alone"), "n = %d", n)
		}
	}
}

// TestEquivalenceZeroSpread: identical differences give no p-value of 0.
// The t tests are undefined there (R: "data are essentially constant"), so
// the TOST p-values are the exact one-sided sign-flip p-values, 2⁻ⁿ (as
// SciPy's permutation_test gives for n10's shifted differences, all of one
// sign: 0.0009765625 = 2⁻¹⁰, reference.py.out).
func TestEquivalenceZeroSpread(t *testing.T) {
	t.Parallel()
	// Two identical differences: supported with p = 0 before the fix.
	two := map[string][]float64{"m/a": {1.5, 2.5}, "m/b": {1, 2}}
	rs, err := EvaluateClaims([]Claim{{ID: "eq", Metric: "m", A: "a", B: "b", Kind: Equivalence, Margin: 2}}, fixed(two), DefaultOptions())
	require.NoError(t, err)
	r := rs[0]
	assert.Equal(t, Inconclusive, r.Verdict)
	assert.Greater(t, r.PAdj, 0.0)
	assert.True(t, hasWarning(r.Warnings, "only 2 seeds"), "warnings %q", r.Warnings)
	assert.True(t, hasWarning(r.Warnings, "an equivalence verdict needs >= 6 seeds"), "warnings %q", r.Warnings)

	st := StudentT([]float64{0.5, 0.5}, 2)
	assert.Equal(t, 1.0, st.P, "StudentT without spread")
	assert.Equal(t, 1.0, st.PLess)
	assert.True(t, math.IsInf(st.T, -1))

	// Ten identical differences of 0.5, margin 2.
	a, b := make([]float64, 10), make([]float64, 10)
	for i := range a {
		a[i], b[i] = float64(i)+0.5, float64(i)
	}
	e, err := TOST(a, b, 2, DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, 0x1p-10, e.PLower)
	assert.Equal(t, 0x1p-10, e.PUpper)
	assert.True(t, e.Equivalent)
	ten := map[string][]float64{"m/a": a, "m/b": b}
	rs, err = EvaluateClaims([]Claim{{ID: "eq", Metric: "m", A: "a", B: "b", Kind: Equivalence, Margin: 2}}, fixed(ten), DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, 2*0x1p-10, rs[0].P, "min(1, 2·max(TOST p, bootstrap-t p)) with both the sign-flip p")
	assert.Equal(t, Supported, rs[0].Verdict)

	// Summarize no longer returns before the few-seeds warning.
	s, err := Summarize([]float64{3, 3, 3}, DefaultOptions())
	require.NoError(t, err)
	assert.True(t, hasWarning(s.Warnings, "no spread"), "warnings %q", s.Warnings)
	assert.True(t, hasWarning(s.Warnings, "only 3 seeds"), "warnings %q", s.Warnings)
}

// TestEquivalenceMinSeeds: an equivalence claim needs as many seeds as the
// exact sign-flip test needs to reach α after Holm, even when the t TOST
// alone would call it.
func TestEquivalenceMinSeeds(t *testing.T) {
	t.Parallel()
	d := []float64{0.01, 0.02, -0.01, 0.015, 0.005, 0.0, -0.005, 0.01, 0.02, 0.0}
	for _, c := range []struct {
		n, family int
		want      Verdict
	}{
		{5, 1, Inconclusive}, // MinSeedsSignFlip(0.05) = 6
		{6, 1, Supported},
		{6, 2, Inconclusive}, // MinSeedsSignFlip(0.025) = 7
		{7, 2, Supported},
	} {
		a, b := make([]float64, c.n), make([]float64, c.n)
		for i := range a {
			a[i], b[i] = 50+d[i], 50
		}
		var claims []Claim
		for k := range c.family {
			claims = append(claims, Claim{ID: string(rune('a' + k)), Metric: "m", A: "a", B: "b", Kind: Equivalence, Margin: 2})
		}
		rs, err := EvaluateClaims(claims, fixed(map[string][]float64{"m/a": a, "m/b": b}), DefaultOptions())
		require.NoError(t, err)
		assert.Equal(t, c.want, rs[0].Verdict, "n = %d, family %d", c.n, c.family)
		e, err := TOST(a, b, 2, DefaultOptions())
		require.NoError(t, err)
		assert.True(t, e.Equivalent, "n = %d: the t TOST alone calls it", c.n)
		assert.Equal(t, c.n < MinSeedsEquivalence(0.05/float64(c.family)), hasWarning(rs[0].Warnings, "an equivalence verdict needs"), "n = %d, family %d", c.n, c.family)
	}
}

// TestMarginUnderflow: a margin too small next to the data to survive the
// rescaling is an error, not a panic (data of 1e300, margin 1e-30).
func TestMarginUnderflow(t *testing.T) {
	t.Parallel()
	data := map[string][]float64{"m/a": {1e300, 1.2e300, 0.9e300}, "m/b": {0.8e300, 1.1e300, 1e300}}
	for _, k := range []Kind{Equivalence, Superiority} {
		assert.NotPanics(t, func() {
			_, err := EvaluateClaims([]Claim{{ID: "tiny", Metric: "m", A: "a", B: "b", Kind: k, Margin: 1e-30}}, fixed(data), DefaultOptions())
			assert.ErrorIs(t, err, ErrMargin, k.String())
			assert.ErrorContains(t, err, `claim "tiny": margin 1e-30 is too small`)
		})
	}
	_, err := TOST(data["m/a"], data["m/b"], 1e-30, DefaultOptions())
	assert.ErrorIs(t, err, ErrMargin)
	// A margin small but representable still works.
	_, err = EvaluateClaims([]Claim{{ID: "ok", Metric: "m", A: "a", B: "b", Kind: Equivalence, Margin: 1e-5}}, fixed(data), DefaultOptions())
	assert.NoError(t, err)
}

// TestLowLevelRefuseNonFinite: the low-level tests, which return no error,
// panic with the package prefix on NaN or ±Inf instead of returning
// numbers (StudentT returned p = 1, TInterval NaN bounds).
func TestLowLevelRefuseNonFinite(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	for name, f := range map[string]func(){
		"StudentT NaN":           func() { StudentT([]float64{1, nan, 2}, 0) },
		"StudentT Inf":           func() { StudentT([]float64{1, inf}, 0) },
		"StudentT mu NaN":        func() { StudentT([]float64{1, 2}, nan) },
		"TInterval NaN":          func() { TInterval([]float64{1, nan, 2}, 0.95) },
		"TInterval -Inf":         func() { TInterval([]float64{math.Inf(-1), 2}, 0.95) },
		"SignFlipTest NaN":       func() { SignFlipTest([]float64{1, nan}, 0, 100, newRand(1, 1)) },
		"SignFlipTest shift Inf": func() { SignFlipTest([]float64{1, 2}, inf, 100, newRand(1, 1)) },
		"WilcoxonSignedRank NaN": func() { WilcoxonSignedRank([]float64{1, nan, 3}) },
		"WilcoxonSignedRank Inf": func() { WilcoxonSignedRank([]float64{inf, 2}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, ok := r.(string)
				if !ok || !strings.HasPrefix(s, "stats: ") || !strings.Contains(s, "not finite") {
					t.Errorf("panic %v, want a \"stats: … not finite\" panic", r)
				}
			}()
			f()
		})
	}
	// The functions that take user data return the error instead.
	_, err := ComparePaired([]float64{1, nan}, []float64{1, 2}, DefaultOptions())
	assert.True(t, errors.Is(err, ErrNotFinite))
}
