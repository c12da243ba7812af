package vmath

import "math"

// logSumExpRows8Go is the twin of LogSumExpRows8's assembly: for one row or
// eight rows of eight entries in x (len(x) = 8·rows, len(lse) >= rows) it
// writes into lse[k] m + Log(s), where m is row k's largest entry and s = 0 +
// Exp(x_0−m) + … + Exp(x_7−m) summed in that order, and returns true; for
// other shapes, a row with a NaN or an infinity, or an Exp(x_j−m) off Exp's
// plain path (see expPlain: an entry more than about 708.7 below its row's
// largest), it writes nothing and returns false.
func logSumExpRows8Go(lse, x []float64) bool {
	rows := len(x) / 8
	if len(x) != 8*rows || (rows != 1 && rows != 8) || len(lse) < rows {
		return false
	}
	var m, sum [8]float64
	for k := range rows {
		row := x[8*k : 8*k+8]
		mk := math.Inf(-1)
		for _, v := range row {
			mk = max(mk, v)
		}
		s := 0.0
		for _, v := range row {
			// A NaN or an infinity in the row makes some d a NaN (NaN−m,
			// +Inf−(+Inf), −Inf−(−Inf)), which is off the plain path.
			d := v - mk
			if !expPlain(d) {
				return false
			}
			s += expGo(d)
		}
		m[k], sum[k] = mk, s
	}
	// The logs after all the sums, as in the assembly: they do not wait for
	// one another.
	for k := range rows {
		lse[k] = m[k] + logGo(sum[k]) // sum[k] >= 1: Log's plain path
	}
	return true
}

// expPlain reports whether Exp(x) takes the plain path, the one the assembly
// computes: 1 <= k+1023 <= 2046 for k = cvtsd2sl(x·log2e) (the test of
// expAVX2 and EXP8), that is −1022 <= k <= 1023, which under rounding to
// nearest, ties to even, holds exactly for −1022.5 <= x·log2e < 1023.5 (and
// not for a NaN).
func expPlain(x float64) bool {
	t := x * log2e
	return t >= -1022.5 && t < 1023.5
}
