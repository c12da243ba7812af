package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// TTest is the result of a one-sample (for paired data: paired) Student t test.
type TTest struct {
	// T is the statistic (mean − mu)/(sd/√n) on DF = n − 1 degrees of freedom.
	T, DF float64
	// P is the two-sided p-value; PLess and PGreater the one-sided ones
	// (alternative "less" and "greater").
	P, PLess, PGreater float64
}

// StudentT is the one-sample t test of mean(x) = mu (Student 1908; the paired
// t test when x holds paired differences), as R's t.test(x, mu = mu).
// It needs at least two values. When x has no spread (its standard error is
// 0 or below 10·ε·|mean|), where R stops with "data are essentially
// constant", the statistic is ±Inf if mean(x) ≠ mu
// and 0 if mean(x) = mu, and every p-value is 1: a test whose standard error
// is zero measures nothing, and a p-value of 0 from it would decide any
// claim on two identical values. (Package stats uses the exact sign-flip
// test for such data instead.) It panics on fewer than two values and on a
// NaN or ±Inf in x or mu: programmer errors, since Summarize, ComparePaired,
// TOST and EvaluateClaims return ErrNotFinite for such data.
func StudentT(x []float64, mu float64) TTest {
	n := len(x)
	if n < 2 {
		panic("stats: StudentT needs at least 2 values")
	}
	mustFinite("StudentT", x, mu)
	m, s := stat.MeanStdDev(x, nil)
	df := float64(n - 1)
	r := TTest{DF: df}
	if constant(m, s, n) {
		switch {
		case m > mu:
			r.T = math.Inf(1)
		case m < mu:
			r.T = math.Inf(-1)
		}
		r.P, r.PLess, r.PGreater = 1, 1, 1
		return r
	}
	r.T = (m - mu) / (s / math.Sqrt(float64(n)))
	dist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	r.PLess = dist.CDF(r.T)
	r.PGreater = dist.Survival(r.T)
	r.P = math.Min(1, 2*math.Min(r.PLess, r.PGreater))
	return r
}

// TInterval is the Student t confidence interval mean ± t₍ₙ₋₁₎·sd/√n at the
// given level. With fewer than two values it is unbounded. It panics on a
// NaN or ±Inf in x (a programmer error, as for StudentT) and on a level
// outside (0, 1).
func TInterval(x []float64, level float64) Interval {
	mustFinite("TInterval", x)
	if !(level > 0 && level < 1) {
		panic(fmt.Sprintf("stats: TInterval level must be in (0, 1), got %v", level))
	}
	n := len(x)
	if n < 2 {
		return unbounded
	}
	m, s := stat.MeanStdDev(x, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile((1 + level) / 2)
	h := t * s / math.Sqrt(float64(n))
	return Interval{m - h, m + h}
}

// mustFinite panics, naming the function and the value, when x or one of
// extra is NaN or ±Inf. The low-level tests (StudentT, TInterval,
// SignFlipTest, WilcoxonSignedRank) return no error, so non-finite data
// reaching them is a programmer error; the functions that take user data
// return ErrNotFinite first.
func mustFinite(fn string, x []float64, extra ...float64) {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			panic(fmt.Sprintf("stats: %s: x[%d] = %v is not finite", fn, i, v))
		}
	}
	for _, v := range extra {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			panic(fmt.Sprintf("stats: %s: argument %v is not finite", fn, v))
		}
	}
}

// constant reports whether n values of mean m and standard deviation s are
// "essentially constant" by R's rule in t.test: a standard error of 0 or
// below 10·ε·|m|, where ε is the float64 machine epsilon.
func constant(m, s float64, n int) bool {
	se := s / math.Sqrt(float64(n))
	return se == 0 || se < 10*0x1p-52*math.Abs(m)
}
