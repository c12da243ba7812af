//go:build amd64 && !purego

package vmath

import "golang.org/x/sys/cpu"

// useAVX2 selects the four-lane assembly; the twin runs on CPUs without AVX2
// and FMA.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// expAVX2 writes e^src[i] into dst[i] four lanes at a time for i < n (n a
// multiple of 4) and returns n, or, at the first block of four with a lane
// outside the plain path (an argument that overflows, underflows to a
// subnormal or zero, or is not finite), that block's index, leaving it to the
// caller.
//
//go:noescape
func expAVX2(dst, src *float64, n int) int

// ExpTo writes e^src[i] into dst[i] (len(dst) >= len(src)). dst and src may be
// the same slice. Each value is bit-identical to Exp(src[i]).
func ExpTo(dst, src []float64) {
	switch {
	case useAVX2:
		expTo256(dst, src)
	default:
		expSlow(dst[:len(src)], src)
	}
}

// expTo256 is ExpTo on expAVX2, the blocks it leaves and the last n%4
// values going to the twin.
func expTo256(dst, src []float64) {
	n := len(src)
	dst = dst[:n]
	i := 0
	for {
		m := (n - i) &^ 3
		if m == 0 {
			break
		}
		done := expAVX2(&dst[i], &src[i], m)
		i += done
		if done == m {
			break
		}
		expSlow(dst[i:i+4], src[i:i+4])
		i += 4
	}
	expSlow(dst[i:], src[i:])
}

// logAVX2 writes log(src[i]) into dst[i] four lanes at a time for i < n (n a
// multiple of 4) and returns n, or, at the first block of four with a lane that
// is not positive and finite, that block's index, leaving it to the caller.
//
//go:noescape
func logAVX2(dst, src *float64, n int) int

// LogTo writes log(src[i]) into dst[i] (len(dst) >= len(src)). dst and src may
// be the same slice. Each value is bit-identical to Log(src[i]).
func LogTo(dst, src []float64) {
	switch {
	case useAVX2:
		logTo256(dst, src)
	default:
		logSlow(dst[:len(src)], src)
	}
}

// logTo256 is LogTo on logAVX2, the blocks it leaves and the last n%4
// values going to the twin.
func logTo256(dst, src []float64) {
	n := len(src)
	dst = dst[:n]
	i := 0
	for {
		m := (n - i) &^ 3
		if m == 0 {
			break
		}
		done := logAVX2(&dst[i], &src[i], m)
		i += done
		if done == m {
			break
		}
		logSlow(dst[i:i+4], src[i:i+4])
		i += 4
	}
	logSlow(dst[i:], src[i:])
}
