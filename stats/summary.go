package stats

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat"
)

// PrimaryMethod names the interval reported as the CI of a Summary or a
// Paired comparison: the union (hull) of the Student t interval and the
// bootstrap-t interval. The package doc gives the calibration that chose it.
const PrimaryMethod = "t ∪ bootstrap-t"

// Summary describes one arm (or any sample) over seeds.
type Summary struct {
	// N is the number of values; Mean and SD (divisor N − 1) describe them.
	N        int
	Mean, SD float64
	// Level is the confidence level of the intervals.
	Level float64
	// CI is the primary interval (see PrimaryMethod).
	CI Interval
	// T is the Student t interval, mean ± t₍ₙ₋₁₎·SD/√N.
	T Interval
	// Percentile, BCa and Studentized are bootstrap intervals of the mean
	// from Options.Resamples seeded resamples.
	Percentile, BCa, Studentized Interval
	// Warnings say what limits the result, in words; never empty silence when
	// something is off.
	Warnings []string
}

// Summarize summarises one sample: mean, standard deviation and intervals
// for the mean. It returns an error for an empty sample or one holding NaN
// or ±Inf. With one value every interval is unbounded and a warning says so.
// Below MinSeedsBootstrapT values the primary interval is the t interval
// alone, with a warning.
func Summarize(x []float64, opt Options) (Summary, error) {
	return SummarizeIn(x, Range{}, opt)
}

// SummarizeIn is Summarize for a metric whose values lie in r (the zero
// Range: unbounded). Every interval is cut at r, and a warning says when the
// primary one was; a value outside r is an error wrapping ErrRange.
func SummarizeIn(x []float64, r Range, opt Options) (Summary, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	if err := checkSample("x", x); err != nil {
		return Summary{}, err
	}
	if err := r.checkIn("x", x); err != nil {
		return Summary{}, err
	}
	s := Summary{N: len(x), Level: opt.Level}
	if s.N == 1 {
		s.Mean = x[0]
		s.CI, s.T, s.Percentile, s.BCa, s.Studentized = unbounded, unbounded, unbounded, unbounded, unbounded
		s.Warnings = append(s.Warnings, "need >= 2 values for a confidence interval")
		s.clip(r)
		return s, nil
	}
	x, e := normalize(x, 0)
	s.Mean, s.SD = stat.MeanStdDev(x, nil)
	bs := NewBootstrap(x, opt.Resamples, newRand(opt.Seed, streamSummary))
	s.T = TInterval(x, opt.Level)
	s.Percentile = bs.Percentile(opt.Level)
	s.BCa = bs.BCa(opt.Level)
	s.Studentized = bs.Studentized(opt.Level)
	s.CI = primary(s.T, s.Studentized, s.N)
	s.Warnings = append(s.Warnings, intervalWarnings(bs, opt)...)
	s.unscale(e)
	s.clip(r)
	return s, nil
}

// clip cuts every interval of s at r, with a warning when the primary one
// changes.
func (s *Summary) clip(r Range) {
	if r.Unbounded() {
		return
	}
	ci := r.clip(s.CI)
	if ci != s.CI {
		s.Warnings = append(s.Warnings, rangeWarning(r))
	}
	s.CI, s.T, s.Percentile, s.BCa, s.Studentized = ci, r.clip(s.T), r.clip(s.Percentile), r.clip(s.BCa), r.clip(s.Studentized)
}

// MinSeedsBootstrapT is the smallest sample for which the primary interval
// includes the bootstrap-t interval: the smallest n at which its coverage was
// measured (testdata/calibration.md, n = 5: 92.8–95.1% for the bootstrap-t,
// 94.6–97.9% for the hull, for normal, lognormal and t₃ noise). Below it the
// bootstrap-t rests on a handful of distinct resamples (10 at n = 3, many
// of them without spread), so the primary interval is the t interval alone,
// flagged by a warning.
const MinSeedsBootstrapT = 5

// primary is the primary interval of n values: the hull of the t and the
// bootstrap-t intervals, or the t interval alone below MinSeedsBootstrapT.
func primary(t, studentized Interval, n int) Interval {
	if n < MinSeedsBootstrapT {
		return t
	}
	return hull(t, studentized)
}

// Random streams: each use of randomness draws from its own PCG stream of
// Options.Seed, so adding one statistic does not shift another's draws.
const (
	streamSummary uint64 = iota + 1
	streamPairedBootstrap
	streamSignFlip
	streamRefute
)

// newRand is the package's only way to make randomness: a PCG source seeded
// by (seed, stream).
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// hull is the smallest interval holding a and b.
func hull(a, b Interval) Interval {
	return Interval{math.Min(a.Lo, b.Lo), math.Max(a.Hi, b.Hi)}
}

// intervalWarnings are the warnings a bootstrap earns at these options.
func intervalWarnings(bs *Bootstrap, opt Options) []string {
	var w []string
	if bs.Degenerate {
		w = append(w, "all values are equal: no spread, so the intervals have zero width")
	}
	switch {
	case bs.N < MinSeedsBootstrapT:
		w = append(w, fmt.Sprintf("only %d seeds: the interval is the t interval alone (the bootstrap-t is calibrated from %d seeds up, the interval's coverage from %d; package doc)", bs.N, MinSeedsBootstrapT, calibratedMinN))
	case bs.N < calibratedMinN:
		w = append(w, fmt.Sprintf("only %d seeds: interval coverage is calibrated from %d seeds up (package doc)", bs.N, calibratedMinN))
	}
	if bs.Degenerate {
		return w
	}
	if bs.ClampedZ0 || bs.Extreme(opt.Level) {
		w = append(w, fmt.Sprintf("BCa interval uses the extreme resamples: %d resamples are too few for level %g", len(bs.Means), opt.Level))
	}
	return w
}

// calibratedMinN is the smallest number of seeds at which the calibration in
// the package doc measured the primary interval's coverage.
const calibratedMinN = 10
