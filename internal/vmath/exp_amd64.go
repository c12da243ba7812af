//go:build amd64 && !purego

package vmath

import "golang.org/x/sys/cpu"

// useAVX2 selects the four-lane assembly; the twin runs on CPUs without AVX2
// and FMA.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAVX512 selects the eight-lane assembly, which needs only AVX-512F (and
// the OS's saving of the ZMM state, which cpu checks); CPUs without it run
// the four-lane one. Both give the same values bit for bit.
var useAVX512 = useAVX2 && cpu.X86.HasAVX512F

// expAVX2 writes e^src[i] into dst[i] four lanes at a time for i < n (n a
// multiple of 4) and returns n, or, at the first block of four with a lane
// outside the plain path (an argument that overflows, underflows to a
// subnormal or zero, or is not finite), that block's index, leaving it to the
// caller.
//
//go:noescape
func expAVX2(dst, src *float64, n int) int

// expAVX512 is expAVX2 eight lanes at a time, for any n > 0: it writes
// e^src[i] into dst[i] for i < n and returns n, or, at the first block of
// eight (the last one masked to n) with a lane outside the plain path, that
// block's index, a multiple of 8, leaving it to the caller.
//
//go:noescape
func expAVX512(dst, src *float64, n int) int

// ExpTo writes e^src[i] into dst[i] (len(dst) >= len(src)). dst and src may be
// the same slice. Each value is bit-identical to Exp(src[i]).
func ExpTo(dst, src []float64) {
	switch {
	case useAVX512:
		expTo512(dst, src)
	case useAVX2:
		expTo256(dst, src)
	default:
		expSlow(dst[:len(src)], src)
	}
}

// expTo512 is ExpTo on expAVX512, the blocks it leaves going to the twin.
func expTo512(dst, src []float64) { blocks512(dst, src, expAVX512, expSlow) }

// blocks512 runs fast, an eight-lane kernel that returns the index of the first
// block of eight it leaves (or n), over src into dst, and slow, the pure-Go twin,
// over each block fast leaves, until every value is done.
func blocks512(dst, src []float64, fast func(dst, src *float64, n int) int, slow func(dst, src []float64)) {
	n := len(src)
	dst = dst[:n]
	for i := 0; i < n; {
		i += fast(&dst[i], &src[i], n-i)
		if i < n {
			j := min(i+8, n)
			slow(dst[i:j], src[i:j])
			i = j
		}
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

// logAVX512 is logAVX2 eight lanes at a time, for any n > 0: it writes
// log(src[i]) into dst[i] for i < n and returns n, or, at the first block of
// eight (the last one masked to n) with a lane that is not positive and
// finite, that block's index, a multiple of 8, leaving it to the caller.
//
//go:noescape
func logAVX512(dst, src *float64, n int) int

// LogTo writes log(src[i]) into dst[i] (len(dst) >= len(src)). dst and src may
// be the same slice. Each value is bit-identical to Log(src[i]).
func LogTo(dst, src []float64) {
	switch {
	case useAVX512:
		logTo512(dst, src)
	case useAVX2:
		logTo256(dst, src)
	default:
		logSlow(dst[:len(src)], src)
	}
}

// logTo512 is LogTo on logAVX512, the blocks it leaves going to the twin.
func logTo512(dst, src []float64) { blocks512(dst, src, logAVX512, logSlow) }

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
