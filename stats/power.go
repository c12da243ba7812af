package stats

import (
	"math"
	"sync"

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
	// The normal-theory size ((z₁₋α/₂ + z_power)·sd/delta)² is where the
	// search starts; the t test needs a few seeds more.
	z := distuv.UnitNormal.Quantile(1-alpha/2) + distuv.UnitNormal.Quantile(power)
	guess := (z * sd / delta) * (z * sd / delta)
	if guess > 2*MaxSeeds {
		return -1
	}
	n := searchSeedsFrom(func(n int) float64 { return tPower(n, delta, sd, alpha) }, power, int(guess))
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
	// Showing Δ < margin alone (one one-sided test) needs about
	// ((z₁₋α + z_power)·sd/(margin − |delta|))² seeds: a start for the search.
	z := distuv.UnitNormal.Quantile(1-alpha) + distuv.UnitNormal.Quantile(power)
	guess := (z * sd / (margin - delta)) * (z * sd / (margin - delta))
	if guess > 2*MaxSeeds {
		return -1
	}
	return searchSeedsFrom(func(n int) float64 { return tostPower(n, delta, sd, margin, alpha) }, power, int(guess))
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

// searchSeedsFrom returns the smallest n in [2, MaxSeeds] with
// pow(n) ≥ target, assuming pow increases with n, or -1. The search starts
// at guess; when pow(guess) already reaches the target it starts again from 2.
func searchSeedsFrom(pow func(int) float64, target float64, guess int) int {
	guess = max(2, min(guess, MaxSeeds))
	if guess > 2 && pow(guess) < target {
		return searchRange(pow, target, guess+1)
	}
	return searchRange(pow, target, 2)
}

// searchSeeds is searchSeedsFrom without a guess.
func searchSeeds(pow func(int) float64, target float64) int {
	return searchRange(pow, target, 2)
}

// searchRange searches up from lo by doubling steps, then bisects.
func searchRange(pow func(int) float64, target float64, lo int) int {
	hi := lo
	for step := 1; pow(hi) < target; step *= 2 {
		lo = hi + 1
		hi += step
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

// overSD integrates g(r) against the density of r = s/σ, the ratio of the
// sample standard deviation of n normal values to the true one
// (r² ~ χ²₍ₙ₋₁₎/(n − 1)), by Gauss–Legendre quadrature over the range that
// holds all but a negligible part of the density.
func overSD(n int, g func(ratio float64) float64) float64 {
	nu := float64(n - 1)
	// log density of r: log 2 + (ν/2)·log(ν/2) − lgamma(ν/2) + (ν − 1)·log r − ν r²/2.
	lg, _ := math.Lgamma(nu / 2)
	c := math.Ln2 + nu/2*math.Log(nu/2) - lg
	spread := 1 / math.Sqrt(2*nu)
	lo, hi := math.Max(0, 1-14*spread), 1+14*spread
	if nu < 4 {
		lo, hi = 0, 12
	}
	x, w := legendreNodes()
	var sum float64
	half, mid := (hi-lo)/2, (hi+lo)/2
	for i, u := range x {
		r := mid + half*u
		if r <= 0 {
			continue
		}
		sum += w[i] * math.Exp(c+(nu-1)*math.Log(r)-nu*r*r/2) * g(r)
	}
	return sum * half
}

var legendre struct {
	once sync.Once
	x, w []float64
}

// legendreNodes are 256 Gauss–Legendre nodes and weights on [−1, 1],
// computed once.
func legendreNodes() (x, w []float64) {
	legendre.once.Do(func() {
		legendre.x, legendre.w = make([]float64, 256), make([]float64, 256)
		quad.Legendre{}.FixedLocations(legendre.x, legendre.w, -1, 1)
	})
	return legendre.x, legendre.w
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
