package stats

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

// Every statistic here is equivariant (means, intervals, SDs) or invariant
// (p-values, verdicts) under rescaling the data. The package therefore
// works on data divided by a power of two that brings the largest |value|
// into [0.5, 1), and multiplies the results back: dividing by a power of
// two is exact, so ordinary data give bit-for-bit the same results, while
// values near the float64 limits (1e300, 1e-320) no longer overflow when
// squared or underflow to zero.

// normalize returns x·2⁻ᵉ and e, with e chosen from the largest of |xᵢ| and
// |extra| (e = 0 when all are 0).
func normalize(x []float64, extra float64) ([]float64, int) {
	big := math.Abs(extra)
	for _, v := range x {
		big = math.Max(big, math.Abs(v))
	}
	if big == 0 {
		return x, 0
	}
	_, e := math.Frexp(big)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Ldexp(v, -e)
	}
	return out, e
}

// safeMean is the mean of x without overflow in the sum.
func safeMean(x []float64) float64 {
	xs, e := normalize(x, 0)
	return math.Ldexp(stat.Mean(xs, nil), e)
}

func (iv Interval) ldexp(e int) Interval {
	return Interval{math.Ldexp(iv.Lo, e), math.Ldexp(iv.Hi, e)}
}

// unscale multiplies a Paired computed on normalized differences by 2ᵉ.
func (p *Paired) unscale(e int) {
	p.Mean, p.SD = math.Ldexp(p.Mean, e), math.Ldexp(p.SD, e)
	p.CI, p.T, p.BCa, p.Percentile, p.Studentized = p.CI.ldexp(e), p.T.ldexp(e), p.BCa.ldexp(e), p.Percentile.ldexp(e), p.Studentized.ldexp(e)
}

// unscale multiplies a TOSTResult computed on normalized data by 2ᵉ.
func (r *TOSTResult) unscale(e int) {
	r.Margin, r.Mean, r.CI = math.Ldexp(r.Margin, e), math.Ldexp(r.Mean, e), r.CI.ldexp(e)
}

// unscale multiplies a Summary computed on normalized data by 2ᵉ.
func (s *Summary) unscale(e int) {
	s.Mean, s.SD = math.Ldexp(s.Mean, e), math.Ldexp(s.SD, e)
	s.CI, s.T, s.Percentile, s.BCa, s.Studentized = s.CI.ldexp(e), s.T.ldexp(e), s.Percentile.ldexp(e), s.BCa.ldexp(e), s.Studentized.ldexp(e)
}
