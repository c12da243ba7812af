package stats

import (
	"math"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distuv"
)

// MaxSeeds is the largest number of seeds SeedsNeeded and
// SeedsNeededEquivalence look at; beyond it they report -1.
const MaxSeeds = 100000

// SeedsNeeded is the number of seeds needed to detect a true mean paired
// difference delta, with per-seed differences of standard deviation sd, by a
// two-sided test at level alpha with the given power (e.g. 0.8). It is the
// larger of (1) the sample size of the two-sided paired t test, computed
// exactly from the noncentral t distribution (R's power.t.test(type =
// "paired", strict = TRUE), rounded up), and (2) MinSeedsSignFlip(alpha), the
// fewest seeds with which the exact sign-flip test can reach alpha at all.
// With Holm over m claims, pass alpha/m for a guarantee. It returns -1 when
// delta = 0 or when more than MaxSeeds would be needed, and panics on
// non-finite arguments, sd < 0, or alpha or power outside (0, 1).
func SeedsNeeded(delta, sd, alpha, power float64) int {
	checkPowerArgs(delta, sd, alpha, power)
	delta = math.Abs(delta)
	if delta == 0 {
		return -1
	}
	floor := MinSeedsSignFlip(alpha)
	if sd == 0 {
		return floor
	}
	n := searchSeeds(func(n int) float64 { return tPower(n, delta, sd, alpha) }, power)
	if n < 0 {
		return -1
	}
	return max(n, floor)
}

// SeedsNeededEquivalence is the number of seeds the paired TOST needs to show
// |Δ| < margin with the given power when the true difference is delta and
// the per-seed differences have standard deviation sd (each one-sided test at
// level alpha). The power is computed exactly by integrating over the
// sample standard deviation. It returns -1 when |delta| ≥ margin or more
// than MaxSeeds would be needed, and panics on bad arguments.
func SeedsNeededEquivalence(delta, sd, margin, alpha, power float64) int {
	checkPowerArgs(delta, sd, alpha, power)
	if !(margin > 0) || math.IsInf(margin, 0) {
		panic("stats: SeedsNeededEquivalence margin must be a finite number > 0")
	}
	delta = math.Abs(delta)
	if delta >= margin {
		return -1
	}
	if sd == 0 {
		return 2
	}
	return searchSeeds(func(n int) float64 { return tostPower(n, delta, sd, margin, alpha) }, power)
}

func checkPowerArgs(delta, sd, alpha, power float64) {
	switch {
	case math.IsNaN(delta) || math.IsInf(delta, 0):
		panic("stats: effect size must be finite")
	case !(sd >= 0) || math.IsInf(sd, 0):
		panic("stats: sd must be finite and >= 0")
	case !(alpha > 0 && alpha < 1):
		panic("stats: alpha must be in (0, 1)")
	case !(power > 0 && power < 1):
		panic("stats: power must be in (0, 1)")
	}
}

// searchSeeds returns the smallest n in [2, MaxSeeds] with pow(n) ≥ target,
// assuming pow increases with n, or -1.
func searchSeeds(pow func(int) float64, target float64) int {
	lo, hi := 2, 2
	for pow(hi) < target {
		lo = hi + 1
		hi *= 2
		if hi > MaxSeeds {
			if pow(MaxSeeds) < target {
				return -1
			}
			hi = MaxSeeds
			break
		}
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if pow(mid) >= target {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return hi
}

// overSD integrates g(s/σ) over the distribution of the sample standard
// deviation s of n normal values, s²/σ² ~ χ²₍ₙ₋₁₎/(n − 1), by Gauss–Legendre
// quadrature over the χ² probability scale.
func overSD(n int, g func(ratio float64) float64) float64 {
	nu := float64(n - 1)
	chi := distuv.ChiSquared{K: nu}
	return quad.Fixed(func(u float64) float64 {
		return g(math.Sqrt(chi.Quantile(u) / nu))
	}, 0, 1, 200, quad.Legendre{}, 0)
}

// tPower is the power of the two-sided one-sample t test with n values:
// P(|t| > t_c) with t noncentral, written as an integral over s.
func tPower(n int, delta, sd, alpha float64) float64 {
	tc := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(1 - alpha/2)
	rn := math.Sqrt(float64(n))
	shift := delta / sd * rn
	return overSD(n, func(r float64) float64 {
		// Reject when |z + shift| > tc·r with z standard normal.
		return distuv.UnitNormal.Survival(tc*r-shift) + distuv.UnitNormal.CDF(-tc*r-shift)
	})
}

// tostPower is the power of the paired TOST with n values: both one-sided t
// tests reject, i.e. the sample mean lies within margin − t_c·s/√n of 0.
func tostPower(n int, delta, sd, margin, alpha float64) float64 {
	tc := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(1 - alpha)
	rn := math.Sqrt(float64(n))
	return overSD(n, func(r float64) float64 {
		half := margin - tc*r*sd/rn
		if half <= 0 {
			return 0
		}
		se := sd / rn
		return math.Max(0, distuv.UnitNormal.CDF((half-delta)/se)-distuv.UnitNormal.CDF((-half-delta)/se))
	})
}
