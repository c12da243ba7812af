package vmath

import "math"

// Constants of Go's math.Log (log_amd64.s).
const (
	hSqrt2 = 7.07106781186547524401e-01 // sqrt(2)/2
	ln2Hi  = 6.93147180369123816490e-01 // 0x3fe62e42fee00000
	ln2Lo  = 1.90821492927058770002e-10 // 0x3dea39ef35793c76
	lg1    = 6.666666666666735130e-01   // 0x3FE5555555555593
	lg2    = 3.999999999940941908e-01   // 0x3FD999999997FA04
	lg3    = 2.857142874366239149e-01   // 0x3FD2492494229359
	lg4    = 2.222219843214978396e-01   // 0x3FCC71C51D8E78AF
	lg5    = 1.818357216161805012e-01   // 0x3FC7466496CB03DE
	lg6    = 1.531383769920937332e-01   // 0x3FC39A09D078C69F
	lg7    = 1.479819860511658591e-01   // 0x3FC2F112DF3E5244
)

// Log returns the natural logarithm of x, bit-identical to LogTo and, on
// amd64, to math.Log (whose amd64 assembly it transcribes: FreeBSD's
// algorithm, no fused operations).
func Log(x float64) float64 { return logGo(x) }

// logGo is the portable twin of math.Log's amd64 assembly, operation for
// operation; like it, it takes the fraction and exponent straight from the
// bits (so a subnormal argument gets the assembly's value).
func logGo(x float64) float64 {
	b := math.Float64bits(x)
	switch {
	case b&^(1<<63) == 0:
		return math.Inf(-1)
	case int64(b) < 0:
		return math.NaN()
	case b >= 0x7FF0000000000000:
		return x
	}
	f1 := math.Float64frombits(b&0x000FFFFFFFFFFFFF | 0x3FE0000000000000)
	k := float64(int32(b>>52&0x7FF) - 0x3FE)
	if !(hSqrt2 < f1) {
		k--
		f1 *= 2
	}
	f := f1 - 1
	s := f / (2 + f)
	s2 := s * s
	s4 := s2 * s2
	// The conversions round each product, so no compiler fuses it with a sum.
	p := float64(lg7*s4) + lg5
	p = float64(p*s4) + lg3
	p = float64(p*s4) + lg1
	t1 := s2 * p
	q := float64(lg6*s4) + lg4
	q = float64(q*s4) + lg2
	t2 := s4 * q
	R := t1 + t2
	hfsq := 0.5 * f * f
	return float64(k*ln2Hi) - ((hfsq - (float64(s*(hfsq+R)) + float64(k*ln2Lo))) - f)
}

// logSlow is the twin over a slice.
func logSlow(dst, src []float64) {
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = logGo(x)
	}
}
