package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSeedsNeededReference checks the t-test sample size against R 4.2.2
// power.t.test(delta = δ, sd = σ, sig.level = α, power = 0.8,
// type = "one.sample", alternative = "two.sided", strict = TRUE), rounded up
// (testdata/reference/reference.R.out; type = "paired" is the same test on
// the differences). SeedsNeeded then raises the result to
// MinSeedsSignFlip(α).
func TestSeedsNeededReference(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		delta, sd, alpha float64
		rN               float64 // R's fractional n
		want             int     // SeedsNeeded
	}{
		{1, 1, 0.05, 9.9378502905180692, 10},
		{2, 3, 0.05, 19.666934524335041, 20},
		{0.5, 1, 0.01, 50.064696086598488, 51},
		{3.6, 2, 0.05, 4.6625855905290781, 6}, // R: 5; the exact test needs 6
		{1, 2.5, 0.005, 87.157711786305669, 88},
		{-1, 1, 0.05, 9.9378502905180692, 10}, // the sign of Δ does not matter
	} {
		n := searchSeeds(func(n int) float64 { return tPower(n, math.Abs(c.delta), c.sd, c.alpha) }, 0.8)
		if want := int(math.Ceil(c.rN)); n != want {
			t.Errorf("t-test n(δ=%g, σ=%g, α=%g) = %d, want R's ceiling(%.4f) = %d", c.delta, c.sd, c.alpha, n, c.rN, want)
		}
		if got := SeedsNeeded(c.delta, c.sd, c.alpha, 0.8); got != c.want {
			t.Errorf("SeedsNeeded(%g, %g, %g, 0.8) = %d, want %d", c.delta, c.sd, c.alpha, got, c.want)
		}
	}
	if got := SeedsNeeded(0, 1, 0.05, 0.8); got != -1 {
		t.Errorf("SeedsNeeded(Δ = 0) = %d, want -1", got)
	}
	if got := SeedsNeeded(1e-6, 1, 0.05, 0.8); got != -1 {
		t.Errorf("SeedsNeeded(Δ = 1e-6σ) = %d, want -1 (more than MaxSeeds)", got)
	}
	if got := SeedsNeeded(1, 0, 0.05, 0.8); got != 6 {
		t.Errorf("SeedsNeeded(sd = 0) = %d, want the exact-test minimum 6", got)
	}
}

// TestPowerMonteCarlo checks tPower and tostPower against simulation.
func TestPowerMonteCarlo(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	const sims = 10000
	for _, c := range []struct {
		n                 int
		delta, sd, margin float64
	}{
		{8, 0.8, 1, 1}, {15, 0.2, 1, 0.7}, {30, 0.1, 2, 1},
	} {
		var tHits, eHits int
		x := make([]float64, c.n)
		for range sims {
			for i := range x {
				x[i] = c.delta + c.sd*r.NormFloat64()
			}
			if StudentT(x, 0).P < 0.05 {
				tHits++
			}
			if tost(x, c.margin, 0.05, DefaultResamples).Equivalent {
				eHits++
			}
		}
		se := math.Sqrt(0.25 / sims)
		if got, want := tPower(c.n, c.delta, c.sd, 0.05), float64(tHits)/sims; math.Abs(got-want) > 4*se {
			t.Errorf("tPower(n=%d, δ=%g) = %.4f, simulation %.4f", c.n, c.delta, got, want)
		}
		if got, want := tostPower(c.n, c.delta, c.sd, c.margin, 0.05), float64(eHits)/sims; math.Abs(got-want) > 4*se {
			t.Errorf("tostPower(n=%d, δ=%g, m=%g) = %.4f, simulation %.4f", c.n, c.delta, c.margin, got, want)
		}
	}
}

func TestSeedsNeededEquivalence(t *testing.T) {
	t.Parallel()
	n := SeedsNeededEquivalence(0, 1, 1, 0.05, 0.8)
	// Large-sample approximation n ≈ ((z₀.₉₅ + z₀.₉₀)σ/m)² = 8.6; the exact t
	// answer is a little larger.
	if n < 9 || n > 13 {
		t.Errorf("SeedsNeededEquivalence(0, 1, 1) = %d, want about 10", n)
	}
	if tostPower(n, 0, 1, 1, 0.05) < 0.8 || tostPower(n-1, 0, 1, 1, 0.05) >= 0.8 {
		t.Errorf("SeedsNeededEquivalence(0, 1, 1) = %d is not the smallest n with power 0.8", n)
	}
	if got := SeedsNeededEquivalence(1, 1, 1, 0.05, 0.8); got != -1 {
		t.Errorf("SeedsNeededEquivalence(Δ = margin) = %d, want -1", got)
	}
}
