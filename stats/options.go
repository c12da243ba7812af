package stats

import (
	"errors"
	"fmt"
	"math"
)

// Options are the settings shared by every statistic in the package. A zero
// field means "use the default" (see DefaultOptions), so Options{Seed: 7} is a
// complete, valid value.
type Options struct {
	// Level is the confidence level of the reported intervals (default 0.95).
	Level float64
	// Resamples is the number of bootstrap resamples, and of Monte Carlo
	// sign-flip patterns when a sample is too large to enumerate (default 10,000).
	Resamples int
	// Seed seeds every random stream the package uses; the same seed gives
	// bit-identical results.
	Seed uint64
	// Alpha is the family-wise significance level of the verdicts (default 0.05).
	Alpha float64
}

// Defaults for the zero fields of Options.
const (
	// DefaultLevel is the confidence level of reported intervals.
	DefaultLevel = 0.95
	// DefaultResamples is the number of bootstrap resamples.
	DefaultResamples = 10000
	// DefaultAlpha is the family-wise significance level of verdicts.
	DefaultAlpha = 0.05
)

// DefaultOptions returns the options of record: 95% intervals, 10,000
// bootstrap resamples, seed 1, α = 0.05.
func DefaultOptions() Options {
	return Options{Level: DefaultLevel, Resamples: DefaultResamples, Seed: 1, Alpha: DefaultAlpha}
}

// minResamples is the fewest bootstrap resamples accepted; fewer make the
// tails of the bootstrap distribution pure noise.
const minResamples = 200

// withDefaults fills the zero fields of o and checks the others.
func (o Options) withDefaults() (Options, error) {
	if o.Level == 0 {
		o.Level = DefaultLevel
	}
	if o.Resamples == 0 {
		o.Resamples = DefaultResamples
	}
	if o.Alpha == 0 {
		o.Alpha = DefaultAlpha
	}
	if !(o.Level > 0 && o.Level < 1) {
		return o, fmt.Errorf("%w: Level must be in (0, 1), got %v", ErrOptions, o.Level)
	}
	if !(o.Alpha > 0 && o.Alpha < 0.5) {
		return o, fmt.Errorf("%w: Alpha must be in (0, 0.5), got %v", ErrOptions, o.Alpha)
	}
	if o.Resamples < minResamples {
		return o, fmt.Errorf("%w: Resamples must be at least %d, got %d", ErrOptions, minResamples, o.Resamples)
	}
	return o, nil
}

// Errors returned for bad user data. They are wrapped with the details of
// the offending value; test for them with errors.Is.
var (
	// ErrEmpty reports a sample with no values.
	ErrEmpty = errors.New("stats: empty sample")
	// ErrLength reports paired samples of different lengths.
	ErrLength = errors.New("stats: paired samples differ in length")
	// ErrNotFinite reports a NaN or infinite value in a sample.
	ErrNotFinite = errors.New("stats: value is not finite")
	// ErrMargin reports an equivalence margin that is not a finite number > 0
	// (or, for a superiority claim, not ≥ 0).
	ErrMargin = errors.New("stats: bad margin")
	// ErrOptions reports an out-of-range field of Options.
	ErrOptions = errors.New("stats: bad options")
	// ErrClaim reports a malformed claim.
	ErrClaim = errors.New("stats: bad claim")
	// ErrRange reports a value outside its metric's Range, or a malformed
	// Range.
	ErrRange = errors.New("stats: value outside the metric's range")
)

// checkSample returns an error when x is empty or holds a NaN or ±Inf; name
// names the sample in the message.
func checkSample(name string, x []float64) error {
	if len(x) == 0 {
		return fmt.Errorf("%w: %s has no values", ErrEmpty, name)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s[%d] = %v", ErrNotFinite, name, i, v)
		}
	}
	return nil
}

// checkPairs checks two paired samples and returns their differences a − b.
func checkPairs(a, b []float64) ([]float64, error) {
	if err := checkSample("a", a); err != nil {
		return nil, err
	}
	if err := checkSample("b", b); err != nil {
		return nil, err
	}
	if len(a) != len(b) {
		return nil, fmt.Errorf("%w: a has %d values, b has %d (pairs must match seed by seed)", ErrLength, len(a), len(b))
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
		if math.IsInf(d[i], 0) {
			return nil, fmt.Errorf("%w: a[%d] − b[%d] overflows (%v − %v)", ErrNotFinite, i, i, a[i], b[i])
		}
	}
	return d, nil
}

// checkMargin returns an error unless margin is finite and > 0.
func checkMargin(margin float64) error {
	if math.IsNaN(margin) || math.IsInf(margin, 0) || margin <= 0 {
		return fmt.Errorf("%w: equivalence margin must be a finite number > 0, got %v", ErrMargin, margin)
	}
	return nil
}
