//go:build !amd64 || purego

package vmath

// LogSumExpRows8 writes into lse[k] the log-sum-exp of row k of x, for one row
// or eight rows of eight entries (len(x) = 8·rows, len(lse) >= rows): m +
// Log(s), where m is the row's largest entry and s = 0 + Exp(x_0−m) + … +
// Exp(x_7−m) summed in that order, and returns true. It writes nothing and
// returns false, for the caller to compute the rows its own way, for other
// shapes, for a row with a NaN or an infinity, and for an Exp(x_j−m) off
// Exp's plain path (an entry more than about 708 below its row's largest).
func LogSumExpRows8(lse, x []float64) bool { return logSumExpRows8Go(lse, x) }

// HasLogSumExpRows8 reports whether LogSumExpRows8 computes on this machine
// (here always: by the portable twin), so that a caller can skip preparing
// its arguments when it would decline.
func HasLogSumExpRows8() bool { return true }
