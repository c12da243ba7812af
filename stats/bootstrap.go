package stats

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Bootstrap is the nonparametric bootstrap distribution of the mean of one
// sample (for paired data: of the per-seed differences, which is the same as
// resampling seeds once and applying the draw to both arms). It holds the
// sorted resample means and the sorted studentized resample statistics, from
// which the percentile, BCa and bootstrap-t intervals are read.
//
// Efron and Tibshirani, An Introduction to the Bootstrap (1993), ch. 12–14;
// Davison and Hinkley, Bootstrap Methods and their Application (1997), §5.2–5.3.
// Interpolation between order statistics follows R's boot package (norm.inter),
// so that the intervals can be checked against boot::boot.ci.
type Bootstrap struct {
	// N is the sample size; Mean and SD (n − 1 divisor) describe the sample.
	N        int
	Mean, SD float64
	// Means are the resample means, sorted ascending.
	Means []float64
	// TStar are the finite values of (mean* − Mean)/(sd*/√N), sorted.
	TStar []float64
	// Z0 is the BCa bias correction Φ⁻¹(#{mean* < Mean}/B) and Accel the
	// jackknife acceleration Σ L³ / (6 (Σ L²)^1.5) with L the jackknife
	// influence values (Davison and Hinkley eq. 5.23; boot::bca.ci).
	Z0, Accel float64
	// Degenerate reports a sample with no spread: every interval is [Mean, Mean].
	Degenerate bool
	// ClampedZ0 reports that every resample mean fell on one side of Mean, so
	// Z0 was clamped to a finite value.
	ClampedZ0 bool
}

// NewBootstrap draws resamples bootstrap resamples of x with rng. It panics
// when x is empty or resamples < 1 (programmer errors); finite values are the
// caller's to check. The only allocations are the two result slices and one
// count buffer of len(x): the resampling loop allocates nothing.
func NewBootstrap(x []float64, resamples int, rng *rand.Rand) *Bootstrap {
	n := len(x)
	if n == 0 {
		panic("stats: NewBootstrap of an empty sample")
	}
	if resamples < 1 {
		panic("stats: NewBootstrap needs at least one resample")
	}
	bs := &Bootstrap{N: n, Mean: mean(x), SD: sd(x)}
	if n == 1 || bs.SD == 0 {
		bs.Degenerate = true
		bs.Means = []float64{bs.Mean}
		return bs
	}

	// Centre the data once: the studentized statistic then needs no
	// cancellation-prone Σx² − n·mean².
	means := make([]float64, resamples)
	studs := make([]float64, 0, resamples)
	counts := make([]float64, 2*n)
	y, counts := counts[n:], counts[:n]
	for i, v := range x {
		y[i] = v - bs.Mean
	}
	fn := float64(n)
	sqrtN := math.Sqrt(fn)
	// A resample of one repeated value has variance 0 up to rounding; its
	// studentized statistic is undefined and is dropped, as boot.ci does.
	vtol := 1e-12 * bs.SD * bs.SD
	for b := range means {
		clear(counts)
		for range n {
			counts[rng.IntN(n)]++
		}
		// Sum in index order, so a resample that is a permutation of x gives
		// exactly the same mean as x itself.
		var s, sy, syy float64
		for i, c := range counts {
			s += c * x[i]
			sy += c * y[i]
			syy += c * y[i] * y[i]
		}
		m := s / fn
		means[b] = m
		my := sy / fn
		v := (syy - fn*my*my) / (fn - 1)
		if v > vtol {
			studs = append(studs, my/(math.Sqrt(v)/sqrtN))
		}
	}
	slices.Sort(means)
	slices.Sort(studs)
	bs.Means, bs.TStar = means, studs

	// Bias correction: the share of resample means strictly below the
	// sample mean, with a tolerance of a few ulps of the data's scale so that
	// rounding does not decide ties.
	tol := 1e-12 * (math.Abs(bs.Mean) + bs.SD)
	below := 0
	for _, m := range means {
		if m < bs.Mean-tol {
			below++
		}
	}
	lo, hi := 0.5, float64(resamples)-0.5
	p := float64(below)
	if p < lo || p > hi {
		bs.ClampedZ0 = true
		p = math.Max(lo, math.Min(hi, p))
	}
	bs.Z0 = distuv.UnitNormal.Quantile(p / float64(resamples))
	bs.Accel = jackknifeAccel(x)
	return bs
}

// jackknifeAccel is the BCa acceleration from jackknife influence values of
// the mean: L_i = (n − 1)(θ̄₍.₎ − θ₍ᵢ₎), a = Σ L³ / (6 (Σ L²)^1.5)
// (Efron and Tibshirani 1993, eq. 14.15). O(n²), which is nothing at n ≤ 100.
func jackknifeAccel(x []float64) float64 {
	n := len(x)
	loo := make([]float64, n)
	for i := range x {
		var s float64
		for j, v := range x {
			if j != i {
				s += v
			}
		}
		loo[i] = s / float64(n-1)
	}
	dot := mean(loo)
	var s2, s3 float64
	for _, t := range loo {
		l := float64(n-1) * (dot - t)
		s2 += l * l
		s3 += l * l * l
	}
	if s2 == 0 {
		return 0
	}
	return s3 / (6 * math.Pow(s2, 1.5))
}

// Percentile is the percentile interval at the given level: the α/2 and
// 1 − α/2 quantiles of the resample means.
func (bs *Bootstrap) Percentile(level float64) Interval {
	if bs.Degenerate {
		return Interval{bs.Mean, bs.Mean}
	}
	a := (1 - level) / 2
	return Interval{normInter(bs.Means, a), normInter(bs.Means, 1-a)}
}

// BCa is the bias-corrected and accelerated interval at the given level
// (Efron 1987, "Better bootstrap confidence intervals", JASA 82:171–185;
// boot::bca.ci).
func (bs *Bootstrap) BCa(level float64) Interval {
	z := distuv.UnitNormal.Quantile((1 + level) / 2)
	return bs.bcaZ(-z, z)
}

// ExpandedBCa is the BCa interval with its normal quantiles widened to
// √(n/(n−1))·t₍ₙ₋₁₎ quantiles, the small-sample correction of Hesterberg's
// expanded percentile interval (Hesterberg 2015, "What teachers should know
// about the bootstrap", The American Statistician 69:371–386, §5).
func (bs *Bootstrap) ExpandedBCa(level float64) Interval {
	if bs.N < 2 {
		return Interval{bs.Mean, bs.Mean}
	}
	z := expandedZ(bs.N, level)
	return bs.bcaZ(-z, z)
}

// ExpandedPercentile is Hesterberg's expanded percentile interval: the
// percentile interval at the level whose normal quantile is √(n/(n−1))·t₍ₙ₋₁₎.
func (bs *Bootstrap) ExpandedPercentile(level float64) Interval {
	if bs.Degenerate {
		return Interval{bs.Mean, bs.Mean}
	}
	a := distuv.UnitNormal.CDF(-expandedZ(bs.N, level))
	return Interval{normInter(bs.Means, a), normInter(bs.Means, 1-a)}
}

// expandedZ is √(n/(n−1))·t₍ₙ₋₁, (1+level)/2₎.
func expandedZ(n int, level float64) float64 {
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile((1 + level) / 2)
	return math.Sqrt(float64(n)/float64(n-1)) * t
}

func (bs *Bootstrap) bcaZ(zlo, zhi float64) Interval {
	if bs.Degenerate {
		return Interval{bs.Mean, bs.Mean}
	}
	adj := func(z float64) float64 {
		w := bs.Z0 + z
		return distuv.UnitNormal.CDF(bs.Z0 + w/(1-bs.Accel*w))
	}
	return Interval{normInter(bs.Means, adj(zlo)), normInter(bs.Means, adj(zhi))}
}

// Studentized is the bootstrap-t interval [mean − q₁₋α/₂·se, mean − q_α/₂·se]
// with se = SD/√N and q the quantiles of the studentized resample statistics
// (Efron and Tibshirani 1993, §12.5; boot::boot.ci type "stud").
func (bs *Bootstrap) Studentized(level float64) Interval {
	if bs.Degenerate || len(bs.TStar) == 0 {
		return Interval{bs.Mean, bs.Mean}
	}
	a := (1 - level) / 2
	se := bs.SD / math.Sqrt(float64(bs.N))
	return Interval{
		bs.Mean - normInter(bs.TStar, 1-a)*se,
		bs.Mean - normInter(bs.TStar, a)*se,
	}
}

// Extreme reports whether an interval at this level would use the most
// extreme order statistics as an end (boot's "extreme order statistics used
// as endpoints" warning): the resamples are too few for the level.
func (bs *Bootstrap) Extreme(level float64) bool {
	if bs.Degenerate {
		return false
	}
	z := distuv.UnitNormal.Quantile((1 + level) / 2)
	adj := func(z float64) float64 {
		w := bs.Z0 + z
		return distuv.UnitNormal.CDF(bs.Z0 + w/(1-bs.Accel*w))
	}
	r := float64(len(bs.Means))
	for _, a := range []float64{adj(-z), adj(z)} {
		rk := (r + 1) * a
		if !(rk > 1 && rk < r) {
			return true
		}
	}
	return false
}

// normInter is the alpha quantile of the sorted sample t, interpolated
// between order statistics on the normal scale, as R's boot:::norm.inter
// (Davison and Hinkley 1997, eq. 5.8). Outside the range of the order
// statistics it returns the extreme value.
func normInter(t []float64, alpha float64) float64 {
	r := len(t)
	rk := float64(r+1) * alpha
	k := int(math.Trunc(rk))
	switch {
	case math.IsNaN(rk):
		panic("stats: normInter of NaN level")
	case k <= 0:
		return t[0]
	case k >= r:
		return t[r-1]
	case float64(k) == rk:
		return t[k-1]
	}
	z := distuv.UnitNormal.Quantile(alpha)
	z1 := distuv.UnitNormal.Quantile(float64(k) / float64(r+1))
	z2 := distuv.UnitNormal.Quantile(float64(k+1) / float64(r+1))
	return t[k-1] + (z-z1)/(z2-z1)*(t[k]-t[k-1])
}

// mean is the arithmetic mean, summed in index order. The bootstrap uses it
// rather than gonum's stat.Mean (whose vectorised sum may add in another
// order) so that the sample mean and a resample that permutes the sample add
// the same numbers in the same order.
func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// sd is the sample standard deviation (divisor n − 1; 0 for n < 2),
// computed in two passes.
func sd(x []float64) float64 {
	if len(x) < 2 {
		return 0
	}
	m := mean(x)
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)-1))
}
