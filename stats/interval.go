package stats

import (
	"fmt"
	"math"
)

// Interval is a closed confidence interval [Lo, Hi]. An interval that the
// data cannot support (for example a t interval from one value) is
// (−Inf, +Inf), never NaN.
type Interval struct {
	Lo, Hi float64
}

// unbounded is the interval of a statistic that cannot be estimated.
var unbounded = Interval{Lo: math.Inf(-1), Hi: math.Inf(1)}

// Contains reports whether x lies in the closed interval.
func (iv Interval) Contains(x float64) bool { return iv.Lo <= x && x <= iv.Hi }

// Width is Hi − Lo (+Inf for an unbounded interval).
func (iv Interval) Width() float64 { return iv.Hi - iv.Lo }

// Finite reports whether both ends are finite numbers.
func (iv Interval) Finite() bool {
	return !math.IsInf(iv.Lo, 0) && !math.IsInf(iv.Hi, 0) && !math.IsNaN(iv.Lo) && !math.IsNaN(iv.Hi)
}

// Above reports whether the whole interval lies strictly above x.
func (iv Interval) Above(x float64) bool { return iv.Lo > x }

// Below reports whether the whole interval lies strictly below x.
func (iv Interval) Below(x float64) bool { return iv.Hi < x }

// String formats the interval as "[lo, hi]" with %g.
func (iv Interval) String() string { return fmt.Sprintf("[%g, %g]", iv.Lo, iv.Hi) }
