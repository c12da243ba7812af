package stats

import (
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
// It needs at least two values. When x has no spread the statistic is
// ±Inf (p = 0) if mean(x) ≠ mu and 0 (p = 1) if mean(x) = mu, where R stops
// with "data are essentially constant".
func StudentT(x []float64, mu float64) TTest {
	n := len(x)
	if n < 2 {
		panic("stats: StudentT needs at least 2 values")
	}
	m, s := stat.MeanStdDev(x, nil)
	df := float64(n - 1)
	r := TTest{DF: df}
	switch se := s / math.Sqrt(float64(n)); {
	case se > 0:
		r.T = (m - mu) / se
	case m > mu:
		r.T = math.Inf(1)
	case m < mu:
		r.T = math.Inf(-1)
	}
	dist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	r.PLess = dist.CDF(r.T)
	r.PGreater = dist.Survival(r.T)
	r.P = math.Min(1, 2*math.Min(r.PLess, r.PGreater))
	return r
}

// TInterval is the Student t confidence interval mean ± t₍ₙ₋₁₎·sd/√n at the
// given level. With fewer than two values it is unbounded.
func TInterval(x []float64, level float64) Interval {
	n := len(x)
	if n < 2 {
		return unbounded
	}
	m, s := stat.MeanStdDev(x, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile((1 + level) / 2)
	h := t * s / math.Sqrt(float64(n))
	return Interval{m - h, m + h}
}
