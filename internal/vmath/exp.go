// Package vmath evaluates exp and log over slices of float64, eight or four
// lanes at a time where the CPU allows, with results bit-identical to one
// scalar algorithm on every machine and in every build.
//
// The algorithm is the one of Go's math.Exp on amd64 when the CPU has FMA
// (Shibata's method from SLEEF: reduce by k·ln 2 with fused multiply-adds, a
// degree-8 Taylor polynomial of x/16, four squarings, then scale by 2^k). On
// such machines Exp and ExpTo return exactly math.Exp, so every number gapbench
// computed with math.Exp stays the same bit for bit; elsewhere they differ from
// that machine's math.Exp by at most 1 ulp (measured in the tests) and agree
// with each other. The portable twin (expGo) uses math.FMA where the assembly
// fuses; the assembly needs AVX2 and FMA (four lanes), or also AVX-512F (eight
// lanes, the same instructions in their EVEX forms), and the package falls back
// from eight lanes to four, and from four to the twin, at run time when the CPU
// lacks them, or to the twin under the purego build tag.
//
// LogSumExpRows8 takes the log-sum-exps of one or eight rows of eight
// (gapbench's log-softmax over V = 8 tokens) in one pass, with the same exps
// and logs, summed in the same order, as ExpTo and LogTo and a scalar sum.
//
// It is not a general math library: only what gapbench's inner loops need.
package vmath

import "math"

// Constants of Go's math.Exp (exp_amd64.s).
const (
	log2e    = 1.4426950408889634073599246810018920                  // 1/ln 2
	ln2U     = 0.69314718055966295651160180568695068359375           // upper half of ln 2
	ln2L     = 0.28235290563031577122588448175013436025525412068e-12 // lower half of ln 2
	overflow = 7.09782712893384e+02
	c2       = 0.5
	c3       = 1.6666666666666666667e-1
	c4       = 4.1666666666666666667e-2
	c5       = 8.3333333333333333333e-3
	c6       = 1.3888888888888888889e-3
	c7       = 1.9841269841269841270e-4
	c8       = 2.4801587301587301587e-5
)

// cvtsd2sl is the x86 conversion CVTSD2SL under the default rounding: to the
// nearest int32, ties to even, and the "integer indefinite" −2³¹ when out of range.
func cvtsd2sl(t float64) int32 {
	r := math.RoundToEven(t)
	if !(r >= -1<<31 && r < 1<<31) {
		return math.MinInt32
	}
	return int32(r)
}

// Exp returns e^x, bit-identical to ExpTo and, on amd64 with FMA, to math.Exp.
func Exp(x float64) float64 { return expGo(x) }

// expGo is the portable twin of the assembly, operation for operation.
func expGo(x float64) float64 {
	b := math.Float64bits(x)
	switch {
	case b&^(1<<63) >= 0x7FF0000000000000: // ±Inf or NaN
		if x < 0 {
			return 0
		}
		return x
	case x > overflow:
		return math.Inf(1)
	}
	k := cvtsd2sl(x * log2e)
	kf := float64(k)
	x = math.FMA(-kf, ln2U, x)
	x = math.FMA(-kf, ln2L, x)
	x *= 0.0625
	p := c8
	p = math.FMA(x, p, c7)
	p = math.FMA(x, p, c6)
	p = math.FMA(x, p, c5)
	p = math.FMA(x, p, c4)
	p = math.FMA(x, p, c3)
	p = math.FMA(x, p, c2)
	p = math.FMA(x, p, 1)
	x *= p
	x *= x + 2
	x *= x + 2
	x *= x + 2
	x = math.FMA(x+2, x, 1)
	e := int64(k) + 1023
	switch {
	case e <= 0:
		if e < -52 {
			return 0
		}
		x *= math.Float64frombits(uint64(e+1022) << 52)
		return x * 0x1p-1022
	case e >= 0x7FF:
		return math.Inf(1)
	}
	return x * math.Float64frombits(uint64(e)<<52)
}

// expSlow is the twin over a slice.
func expSlow(dst, src []float64) {
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = expGo(x)
	}
}
