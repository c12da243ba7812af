package stats

import (
	"fmt"
	"math"
	"testing"
)

// Reference values pasted from two external tools; the Go tests never call
// them. The scripts that printed them, and their full output, are kept in
// testdata/reference/:
//
//   - R 4.2.2 Patched (2022-11-10 r83330) with boot 1.3-28.1 (Debian 12
//     r-base-core, r-cran-boot): testdata/reference/reference.R →
//     reference.R.out;
//   - SciPy 1.10.1 with NumPy 1.24.2 (Debian 12 python3-scipy):
//     testdata/reference/reference.py → reference.py.out.
//
// The data sets are in testdata/reference/datasets.R (and reference.py);
// refSets must stay in step with them.

type refSet struct {
	name   string
	a, b   []float64
	margin float64

	// R: t.test(a, b, paired = TRUE) — statistic, p.value, conf.int.
	tStat, tP float64
	tCI       Interval
	// R: t.test(a, b, paired = TRUE, mu = -margin, alternative = "greater")$p.value
	// and t.test(a, b, paired = TRUE, mu = margin, alternative = "less")$p.value;
	// t.test(a, b, paired = TRUE, conf.level = 0.90)$conf.int.
	tostLower, tostUpper float64
	tostCI               Interval
	// SciPy: permutation_test((d,), np.sum, permutation_type='samples',
	// n_resamples=np.inf, alternative=…) for d = a − b: two-sided, less, greater.
	sfP, sfLess, sfGreater float64
	// The same on d − margin (alternative='less') and d + margin ('greater').
	sfShiftLess, sfShiftGreater float64
	// Wilcoxon V and exact p. Without ties or zeros: R
	// wilcox.test(a, b, paired = TRUE, exact = TRUE) (which agrees with SciPy
	// wilcoxon(method='exact')). With ties or zeros R and SciPy 1.10 fall
	// back to a normal approximation, so the reference is the exact
	// conditional test: SciPy permutation_test((d[d != 0],), V,
	// permutation_type='samples', n_resamples=np.inf).
	wV, wP float64
	// R: boot(d, function(x, i) c(mean(x[i]), var(x[i])/length(i)), R = 1e6)
	// then boot.ci(conf = 0.95, type = c("bca", "perc", "stud")).
	bca, perc, stud Interval
}

var refSets = []refSet{
	{
		name: "n3", a: []float64{61.2, 58.4, 63.9}, b: []float64{59.8, 58.9, 60.1}, margin: 2,
		tStat: 1.2592799820624734, tP: 0.33498703603445235, tCI: Interval{-3.7862514341202411, 6.9195847674535758},
		tostLower: 0.051590250857435391, tostUpper: 0.3804265901698482, tostCI: Interval{-2.066079141295007, 5.1994124746283426},
		sfP: 0.5, sfLess: 0.875, sfGreater: 0.25, sfShiftLess: 0.375, sfShiftGreater: 0.125,
		wV: 5, wP: 0.50000000000000011,
		bca: Interval{-0.5, 3}, perc: Interval{-0.5, 3.7999999999999972}, stud: Interval{-0.66234076966785227, 4.3822550072997268},
	},
	{
		name: "n5-zero-ties", a: []float64{50.0, 52.5, 49.0, 51.0, 53.5}, b: []float64{48.0, 52.5, 47.0, 52.0, 50.0}, margin: 1.5,
		tStat: 1.625, tP: 0.17948771370061267, tCI: Interval{-0.9211560841582348, 3.521156084158235},
		tostLower: 0.012448081730111381, tostUpper: 0.40745100572959064, tostCI: Interval{-0.40547742906131923, 3.0054774290613193},
		sfP: 0.25, sfLess: 0.9375, sfGreater: 0.125, sfShiftLess: 0.46875, sfShiftGreater: 0.03125,
		wV: 9, wP: 0.25,
		bca: Interval{-0.20000000000000001, 2.6000000000000001}, perc: Interval{-0.20000000000000001, 2.6000000000000001}, stud: Interval{-1.53052148054945, 3.3579830217101065},
	},
	{
		name: "n10", a: []float64{64.7, 66.1, 63.2, 65.8, 62.9, 67.4, 64.0, 65.1, 63.6, 66.8}, b: []float64{61.1, 62.8, 63.9, 61.5, 60.2, 63.0, 62.7, 64.9, 60.4, 62.2}, margin: 1,
		tStat: 4.6400004616852266, tP: 0.0012192624510765661, tCI: Interval{1.3785340167149345, 4.0014659832850628},
		tostLower: 6.5278752608418438e-05, tostUpper: 0.99141582581023657, tostCI: Interval{1.6272686857332044, 3.7527313142667933},
		sfP: 0.005859375, sfLess: 0.998046875, sfGreater: 0.0029296875, sfShiftLess: 0.990234375, sfShiftGreater: 0.0009765625,
		wV: 53, wP: 0.005859375,
		bca: Interval{1.3999999999999979, 3.5999999999999979}, perc: Interval{1.5599999999999965, 3.6999999999999957}, stud: Interval{0.51136967582645143, 3.780061588741753},
	},
	{
		name: "n10-zero-ties", a: []float64{3, 5, 2, 4, 4, 6, 1, 3, 5, 2}, b: []float64{1, 5, 3, 2, 4, 3, 1, 1, 2, 3}, margin: 2,
		tStat: 2.0225995873897262, tP: 0.073811512805285653, tCI: Interval{-0.11844043522111097, 2.1184404352211108},
		tostLower: 9.3199511405075853e-05, tostUpper: 0.036905756402642827, tostCI: Interval{0.093684709477288297, 1.9063152905227116},
		sfP: 0.109375, sfLess: 0.9765625, sfGreater: 0.0546875, sfShiftLess: 0.0546875, sfShiftGreater: 0.0009765625,
		wV: 25, wP: 0.0625,
		bca: Interval{0, 1.8}, perc: Interval{0.10000000000000001, 1.8999999999999999}, stud: Interval{-0.18678793744527433, 2.2110601416389968},
	},
	{
		name: "n20-skewed", margin: 1,
		a:     []float64{57.7, 61.8, 58.5, 62.6, 60.8, 55.0, 54.6, 65.5, 57.9, 57.3, 64.6, 62.0, 63.7, 62.4, 61.9, 58.4, 61.0, 63.6, 59.5, 62.6},
		b:     []float64{57.4, 60.4, 58.7, 61.0, 61.3, 55.7, 55.1, 63.4, 57.6, 57.3, 65.0, 59.7, 63.4, 59.8, 61.4, 56.5, 61.3, 63.7, 60.2, 62.4},
		tStat: 2.1069842161253902, tP: 0.048636525992331432, tCI: Interval{0.0033459584619433933, 1.0066540415380558},
		tostLower: 2.4942502889469706e-06, tostUpper: 0.026407385535160786, tostCI: Interval{0.090563070128701392, 0.91943692987129799},
		sfP: 0.05039215087890625, sfLess: 0.9773597717285156, sfGreater: 0.025196075439453125, sfShiftLess: 0.028532028198242188, sfShiftGreater: 9.5367431640625e-07,
		wV: 129, wP: 0.17847824096679688,
		bca: Interval{0.094999999999999932, 1.0199999999999996}, perc: Interval{0.065000000000000918, 0.97999999999999976}, stud: Interval{0.057975811706292957, 1.1045467070943715},
	},
	{
		name: "n20-heavy", margin: 0.01,
		a:     []float64{0.33, 0.349, 0.364, 0.388, 0.355, 0.402, 0.213, 0.327, 0.398, 0.33, 0.384, 0.212, 0.304, 0.28, 0.295, 0.322, 0.213, 0.237, 0.255, 0.38},
		b:     []float64{0.325, 0.348, 0.359, 0.388, 0.348, 0.384, 0.206, 0.293, 0.389, 0.33, 0.38, 0.223, 0.294, 0.249, 0.309, 0.315, 0.203, 0.243, 0.256, 0.383},
		tStat: 2.1352785314322782, tP: 0.045975968617009907, tCI: Interval{0.00011180639512414672, 0.011188193604875862},
		tostLower: 5.3851708673151869e-06, tostUpper: 0.058313157735960665, tostCI: Interval{0.0010746716569839769, 0.010225328343016031},
		sfP: 0.04453277587890625, sfLess: 0.980072021484375, sfGreater: 0.022266387939453125, sfShiftLess: 0.060550689697265625, sfShiftGreater: 5.7220458984375e-06,
		wV: 130.5, wP: 0.04938507080078125,
		bca: Interval{0.001200000000000001, 0.011500000000000007}, perc: Interval{0.00084999999999999377, 0.010950000000000007}, stud: Interval{0.00085233240917408342, 0.012519193049438094},
	},
}

// closeTo reports whether got is within tol of want, absolutely or relative
// to want.
func closeTo(got, want, tol float64) bool {
	if got == want {
		return true
	}
	d := math.Abs(got - want)
	return d <= tol || d <= tol*math.Abs(want)
}

func diffs(a, b []float64) []float64 {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return d
}

func TestReferenceExactTests(t *testing.T) {
	t.Parallel()
	const tol = 1e-12
	for _, rs := range refSets {
		t.Run(rs.name, func(t *testing.T) {
			t.Parallel()
			d := diffs(rs.a, rs.b)
			check := func(what string, got, want float64) {
				t.Helper()
				if !closeTo(got, want, tol) {
					t.Errorf("%s = %.17g, want %.17g", what, got, want)
				}
			}

			tt := StudentT(d, 0)
			check("t statistic", tt.T, rs.tStat)
			check("t p", tt.P, rs.tP)
			ci := TInterval(d, 0.95)
			check("t CI lo", ci.Lo, rs.tCI.Lo)
			check("t CI hi", ci.Hi, rs.tCI.Hi)

			p, less, greater, exact := SignFlipTest(d, 0, 0, nil)
			if !exact {
				t.Fatalf("sign-flip test at n = %d not exact", len(d))
			}
			check("sign-flip p", p, rs.sfP)
			check("sign-flip p less", less, rs.sfLess)
			check("sign-flip p greater", greater, rs.sfGreater)
			_, less, _, _ = SignFlipTest(d, rs.margin, 0, nil)
			check("sign-flip p less, shift +margin", less, rs.sfShiftLess)
			_, _, greater, _ = SignFlipTest(d, -rs.margin, 0, nil)
			check("sign-flip p greater, shift −margin", greater, rs.sfShiftGreater)

			w := WilcoxonSignedRank(d)
			check("Wilcoxon V", w.V, rs.wV)
			check("Wilcoxon p", w.P, rs.wP)

			eq, err := TOST(rs.a, rs.b, rs.margin, Options{})
			if err != nil {
				t.Fatal(err)
			}
			check("TOST p lower", eq.PLower, rs.tostLower)
			check("TOST p upper", eq.PUpper, rs.tostUpper)
			check("TOST p", eq.P, math.Max(rs.tostLower, rs.tostUpper))
			check("TOST 90% CI lo", eq.CI.Lo, rs.tostCI.Lo)
			check("TOST 90% CI hi", eq.CI.Hi, rs.tostCI.Hi)
		})
	}
}

// TestReferenceBootstrap checks the bootstrap intervals against R's boot.ci
// from 10⁶ resamples: every end must lie within 2% of R's interval width.
//
// What is checked is the algorithm, so the Monte Carlo error of our side is
// made small: 200,000 resamples, three seeds. (For n ≤ 8, n3 and n5 here,
// the bootstrap is enumerated and exact.) At the default 10,000 resamples
// the ends also carry Monte Carlo error; measured against R over 40 seeds,
// the worse end of an interval is off by a median (max) of 1.1–1.5% (3.2%)
// of the width for BCa, 0.6–1.0% (2.0%) for the percentile interval and
// 0.9–2.5% (7.8%) for the bootstrap-t on these data sets — so a report of
// record should set Options.Resamples to 100,000 or more (package doc).
func TestReferenceBootstrap(t *testing.T) {
	t.Parallel()
	within := func(t *testing.T, method string, got, want Interval) {
		t.Helper()
		tol := 0.02 * want.Width()
		if math.Abs(got.Lo-want.Lo) > tol || math.Abs(got.Hi-want.Hi) > tol {
			t.Errorf("%s = %v, want %v ± %.3g (2%% of width)", method, got, want, tol)
		}
	}
	for _, rs := range refSets {
		t.Run(rs.name, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 3; seed++ {
				p, err := ComparePaired(rs.a, rs.b, Options{Seed: seed, Resamples: 200000})
				if err != nil {
					t.Fatal(err)
				}
				within(t, fmt.Sprintf("BCa (seed %d)", seed), p.BCa, rs.bca)
				within(t, fmt.Sprintf("percentile (seed %d)", seed), p.Percentile, rs.perc)
				within(t, fmt.Sprintf("bootstrap-t (seed %d)", seed), p.Studentized, rs.stud)
				within(t, fmt.Sprintf("primary = t ∪ bootstrap-t, or t below %d seeds (seed %d)", MinSeedsBootstrapT, seed), p.CI, primary(rs.tCI, rs.stud, len(rs.a)))
			}
		})
	}
}
