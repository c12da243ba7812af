package stats

import (
	"fmt"
	"math"
)

// Range is the set of values a metric can take, [Lo, Hi]; either end may be
// infinite (a KL divergence is [0, +Inf)). The zero Range means "unbounded":
// a metric with a single possible value needs no statistics.
//
// A confidence interval for the mean of values in [Lo, Hi], or for a mean
// paired difference of such values (in [Lo − Hi, Hi − Lo]), is cut at that
// range: the true mean lies inside it, so cutting never lowers coverage,
// while a t or bootstrap-t interval from a few seeds can otherwise reach
// impossible values (a win rate of 323%).
type Range struct {
	Lo, Hi float64
}

// Unbounded reports whether r is the zero Range, or (−Inf, +Inf).
func (r Range) Unbounded() bool {
	return (r.Lo == 0 && r.Hi == 0) || (math.IsInf(r.Lo, -1) && math.IsInf(r.Hi, 1))
}

// Contains reports whether x lies in r (always, for an unbounded r).
func (r Range) Contains(x float64) bool {
	return r.Unbounded() || (r.Lo <= x && x <= r.Hi)
}

// Diff is the range of a difference a − b of two values in r:
// [Lo − Hi, Hi − Lo].
func (r Range) Diff() Range {
	if r.Unbounded() {
		return r
	}
	w := r.Hi - r.Lo
	return Range{-w, w}
}

// String formats the range as "[lo, hi]" with %g.
func (r Range) String() string {
	if r.Unbounded() {
		return "(-Inf, +Inf)"
	}
	return fmt.Sprintf("[%g, %g]", r.Lo, r.Hi)
}

// clip cuts iv at r.
func (r Range) clip(iv Interval) Interval {
	if r.Unbounded() {
		return iv
	}
	return Interval{math.Min(math.Max(iv.Lo, r.Lo), r.Hi), math.Max(math.Min(iv.Hi, r.Hi), r.Lo)}
}

// check returns an error unless r is a valid range: Lo < Hi, no NaN.
func (r Range) check() error {
	if r.Unbounded() {
		return nil
	}
	if math.IsNaN(r.Lo) || math.IsNaN(r.Hi) || !(r.Lo < r.Hi) {
		return fmt.Errorf("%w: range %v must have Lo < Hi", ErrRange, r)
	}
	return nil
}

// checkIn returns an error naming the first value of x outside r.
func (r Range) checkIn(name string, x []float64) error {
	if err := r.check(); err != nil {
		return err
	}
	for i, v := range x {
		if !r.Contains(v) {
			return fmt.Errorf("%w: %s[%d] = %v is outside the metric's range %v", ErrRange, name, i, v, r)
		}
	}
	return nil
}

// rangeWarning is the warning of a primary interval that was cut at r.
func rangeWarning(r Range) string {
	return fmt.Sprintf("interval cut at the metric's range %v", r)
}
