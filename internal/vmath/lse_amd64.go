//go:build amd64 && !purego

package vmath

// lse8x8AVX512 writes the log-sum-exps of the eight rows of x into lse and
// returns true, or returns false having written nothing, as
// logSumExpRows8Go does (see lse_amd64.s for why each lane is bit-identical
// to it).
//
//go:noescape
func lse8x8AVX512(lse *[8]float64, x *[64]float64) bool

// lse8AVX512 is lse8x8AVX512 for one row.
//
//go:noescape
func lse8AVX512(lse *float64, x *[8]float64) bool

// LogSumExpRows8 writes into lse[k] the log-sum-exp of row k of x, for one row
// or eight rows of eight entries (len(x) = 8·rows, len(lse) >= rows): m +
// Log(s), where m is the row's largest entry and s = 0 + Exp(x_0−m) + … +
// Exp(x_7−m) summed in that order, and returns true. It writes nothing and
// returns false, for the caller to compute the rows its own way, for other
// shapes, for a row with a NaN or an infinity, for an Exp(x_j−m) off Exp's
// plain path (an entry more than about 708 below its row's largest), and on
// amd64 CPUs without AVX-512, where the caller's loops over ExpTo and LogTo are
// the faster way. The values are those of the portable twin, which runs
// under the purego build tag and on other architectures.
func LogSumExpRows8(lse, x []float64) bool {
	if !useAVX512 {
		return false
	}
	switch {
	case len(x) == 64 && len(lse) >= 8:
		return lse8x8AVX512((*[8]float64)(lse), (*[64]float64)(x))
	case len(x) == 8 && len(lse) >= 1:
		return lse8AVX512(&lse[0], (*[8]float64)(x))
	}
	return false
}

// HasLogSumExpRows8 reports whether LogSumExpRows8 computes on this CPU (it
// declines without AVX-512), so that a caller can skip preparing its
// arguments when it would decline.
func HasLogSumExpRows8() bool { return useAVX512 }
