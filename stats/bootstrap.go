package stats

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
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
	// Means are the resample means, sorted ascending. TStar are the finite
	// values of (mean* − Mean)/(sd*/√N), sorted.
	Means, TStar []float64
	// Exact reports an exhaustive (exact) bootstrap; MeanWeights and
	// TStarWeights then hold the probabilities of Means and TStar. They are
	// nil for a Monte Carlo bootstrap, whose resamples are equally likely.
	Exact                     bool
	MeanWeights, TStarWeights []float64
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

// NewBootstrap builds the bootstrap distribution of the mean of x from
// resamples draws with rng. When the sample is so small that it has at most
// resamples distinct resamples (C(2n−1, n) ≤ resamples: n ≤ 8 at the default
// 10,000), it enumerates them all with their multinomial probabilities
// instead (the exact bootstrap, Fisher and Hall 1991, J. R. Statist. Soc. B
// 53:371–380): no Monte Carlo error, and no more work than sampling.
//
// It panics when x is empty or resamples < 1 (programmer errors); finite
// values are the caller's to check. The only allocations are the result
// slices and one buffer of len(x): the resampling loop allocates nothing.
func NewBootstrap(x []float64, resamples int, rng *rand.Rand) *Bootstrap {
	n := len(x)
	if n == 0 {
		panic("stats: NewBootstrap of an empty sample")
	}
	if resamples < 1 {
		panic("stats: NewBootstrap needs at least one resample")
	}
	bs := &Bootstrap{N: n}
	bs.Mean, bs.SD = stat.MeanStdDev(x, nil)
	if n == 1 {
		bs.SD = 0
	}
	if n == 1 || bs.SD == 0 {
		bs.Degenerate = true
		bs.Means = []float64{bs.Mean}
		return bs
	}
	if c := distinctResamples(n); c > 0 && c <= resamples {
		bs.exhaust(x)
	} else {
		bs.sample(x, resamples, rng)
	}

	// Bias correction: the share of resample means strictly below the
	// sample mean, with a tolerance far above rounding error so that a
	// resample that permutes the sample (same mean, other summation order)
	// is not counted as below it.
	tol := 1e-12 * (math.Abs(bs.Mean) + bs.SD)
	var below, total float64
	for i, m := range bs.Means {
		w := 1.0
		if bs.MeanWeights != nil {
			w = bs.MeanWeights[i]
		}
		total += w
		if m < bs.Mean-tol {
			below += w
		}
	}
	// A share of 0 or 1 would make Z0 infinite: clamp it to half a resample.
	half := 0.5 / float64(resamples)
	if bs.Exact {
		half = 0.5 * math.Pow(float64(n), -float64(n))
	}
	p := below / total
	if p < half || p > 1-half {
		bs.ClampedZ0 = true
		p = math.Max(half, math.Min(1-half, p))
	}
	bs.Z0 = distuv.UnitNormal.Quantile(p)
	bs.Accel = jackknifeAccel(x)
	return bs
}

// sample fills the Monte Carlo bootstrap distribution. Each resample draws
// n indices, two from each 64-bit output of rng (the high 32 bits of a
// 32-bit draw times n, Lemire's multiply-shift: a bias below n/2³², far
// under Monte Carlo error), and accumulates the sums in draw order.
func (bs *Bootstrap) sample(x []float64, resamples int, rng *rand.Rand) {
	n := len(x)
	means := make([]float64, resamples)
	studs := make([]float64, 0, resamples)
	y := make([]float64, n)
	for i, v := range x {
		y[i] = v - bs.Mean
	}
	st := newStudentizer(bs.SD, n)
	un := uint64(n)
	for b := range means {
		var s, sy, syy float64
		for j := 0; j < n; j += 2 {
			u := rng.Uint64()
			i := (u >> 32) * un >> 32
			s += x[i]
			sy += y[i]
			syy += y[i] * y[i]
			if j+1 < n {
				i = (u & 0xffffffff) * un >> 32
				s += x[i]
				sy += y[i]
				syy += y[i] * y[i]
			}
		}
		m, t, ok := st.fromSums(s, sy, syy)
		means[b] = m
		if ok {
			studs = append(studs, t)
		}
	}
	slices.Sort(means)
	slices.Sort(studs)
	bs.Means, bs.TStar = means, studs
}

// exhaust fills the exact bootstrap distribution: every vector of counts
// (c₁ … cₙ) with Σc = n, with probability n!/(Πcᵢ!)/nⁿ.
func (bs *Bootstrap) exhaust(x []float64) {
	n := len(x)
	y := make([]float64, n)
	for i, v := range x {
		y[i] = v - bs.Mean
	}
	fact := make([]float64, n+1)
	fact[0] = 1
	for i := 1; i <= n; i++ {
		fact[i] = fact[i-1] * float64(i)
	}
	norm := fact[n] / math.Pow(float64(n), float64(n))
	st := newStudentizer(bs.SD, n)
	var means, studs []weighted
	counts := make([]float64, n)
	var walk func(i, left int, denom float64)
	walk = func(i, left int, denom float64) {
		if i == n-1 {
			counts[i] = float64(left)
			w := norm / (denom * fact[left])
			m, t, ok := st.resample(x, y, counts)
			means = append(means, weighted{m, w})
			if ok {
				studs = append(studs, weighted{t, w})
			}
			return
		}
		for c := 0; c <= left; c++ {
			counts[i] = float64(c)
			walk(i+1, left-c, denom*fact[c])
		}
	}
	walk(0, n, 1)
	bs.Exact = true
	bs.Means, bs.MeanWeights = sortWeighted(means)
	bs.TStar, bs.TStarWeights = sortWeighted(studs)
}

// distinctResamples is C(2n−1, n), the number of distinct bootstrap
// resamples of n values, or 0 when it exceeds a million.
func distinctResamples(n int) int {
	c := 1.0
	for i := 1; i <= n; i++ {
		c = c * float64(n-1+i) / float64(i)
		if c > 1e6 {
			return 0
		}
	}
	return int(math.Round(c))
}

// studentizer computes a resample's mean and studentized mean from counts.
type studentizer struct {
	n, sqrtN float64
	// vtol: a resample of one repeated value has variance 0 up to rounding;
	// its studentized statistic is undefined and is dropped, as boot.ci does.
	vtol float64
}

func newStudentizer(sd float64, n int) studentizer {
	return studentizer{n: float64(n), sqrtN: math.Sqrt(float64(n)), vtol: 1e-12 * sd * sd}
}

// resample returns the mean of x weighted by counts and the studentized
// statistic (mean* − mean)/(sd*/√n) computed from the centred values y; ok
// is false when the resample has no spread.
func (st studentizer) resample(x, y, counts []float64) (m, t float64, ok bool) {
	var s, sy, syy float64
	for i, c := range counts {
		s += c * x[i]
		sy += c * y[i]
		syy += c * y[i] * y[i]
	}
	return st.fromSums(s, sy, syy)
}

// fromSums is resample's arithmetic from the resample's sums of x, y and y².
func (st studentizer) fromSums(s, sy, syy float64) (m, t float64, ok bool) {
	m = s / st.n
	my := sy / st.n
	v := (syy - st.n*my*my) / (st.n - 1)
	if v <= st.vtol {
		return m, 0, false
	}
	return m, my / (math.Sqrt(v) / st.sqrtN), true
}

// weighted is a value with a probability.
type weighted struct{ v, w float64 }

// sortWeighted sorts by value and returns the values and their
// probabilities, renormalised to sum to 1.
func sortWeighted(xs []weighted) (v, w []float64) {
	slices.SortFunc(xs, func(a, b weighted) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	v, w = make([]float64, len(xs)), make([]float64, len(xs))
	var total float64
	for _, x := range xs {
		total += x.w
	}
	for i, x := range xs {
		v[i], w[i] = x.v, x.w/total
	}
	return v, w
}

// quantile is the alpha quantile of sorted values t with probabilities w:
// normInter when w is nil (equally likely Monte Carlo resamples), else the
// generalised inverse min{v : F(v) ≥ alpha} of the exact distribution.
func quantile(t, w []float64, alpha float64) float64 {
	if w == nil {
		return normInter(t, alpha)
	}
	var cum float64
	for i, p := range w {
		cum += p
		if cum >= alpha-1e-12 {
			return t[i]
		}
	}
	return t[len(t)-1]
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
	dot := stat.Mean(loo, nil)
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
	return Interval{quantile(bs.Means, bs.MeanWeights, a), quantile(bs.Means, bs.MeanWeights, 1-a)}
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
	return Interval{quantile(bs.Means, bs.MeanWeights, a), quantile(bs.Means, bs.MeanWeights, 1-a)}
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
	return Interval{quantile(bs.Means, bs.MeanWeights, adj(zlo)), quantile(bs.Means, bs.MeanWeights, adj(zhi))}
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
		bs.Mean - quantile(bs.TStar, bs.TStarWeights, 1-a)*se,
		bs.Mean - quantile(bs.TStar, bs.TStarWeights, a)*se,
	}
}

// StudentizedTail is the bootstrap-t estimate of P(T ≤ t) when lower, else
// of P(T ≥ t), for the studentized mean T = (mean − μ)/(SD/√N): the share
// of TStar on that side of t, as (hits + 1)/(B + 1) for a Monte Carlo
// bootstrap (Davison and Hinkley 1997, eq. 4.11) and exactly for an
// enumerated one. It is the p-value of a one-sided bootstrap-t test of
// μ = mean − t·SD/√N. A degenerate bootstrap has no TStar: the result is 0
// or 1 as t lies beyond 0 on the asked side or not.
func (bs *Bootstrap) StudentizedTail(t float64, lower bool) float64 {
	if len(bs.TStar) == 0 {
		if (lower && t < 0) || (!lower && t > 0) {
			return 0
		}
		return 1
	}
	var hits float64
	for i, v := range bs.TStar {
		if (lower && v <= t) || (!lower && v >= t) {
			if bs.TStarWeights != nil {
				hits += bs.TStarWeights[i]
			} else {
				hits++
			}
		}
	}
	if bs.TStarWeights != nil {
		return math.Min(1, hits)
	}
	return (hits + 1) / float64(len(bs.TStar)+1)
}

// Extreme reports whether an interval at this level would use the most
// extreme order statistics as an end (boot's "extreme order statistics used
// as endpoints" warning): the resamples are too few for the level.
func (bs *Bootstrap) Extreme(level float64) bool {
	if bs.Degenerate || bs.Exact {
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
