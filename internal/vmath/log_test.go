package vmath

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestLogMatchesMath checks Log and LogTo, bit for bit against each other and
// against math.Log: 0 ulps on amd64 (whose math.Log they transcribe), at most
// 1 ulp for normal arguments elsewhere.
func TestLogMatchesMath(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), 1, -1, 2, 0.5, math.Sqrt2 / 2, math.Nextafter(math.Sqrt2/2, 1),
		math.Nextafter(math.Sqrt2/2, 0), 1e-300, 5e-324, 1e-310, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), math.E, 8, 1 + 1e-15, 1 - 1e-16}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		xs = append(xs, rng.Float64()*8, math.Exp(rng.NormFloat64()*50), 1+rng.NormFloat64()*1e-3)
	}
	got := make([]float64, len(xs))
	for off := range 7 {
		LogTo(got[off:], xs[off:])
		for i, x := range xs[off:] {
			g := got[off+i]
			if s := Log(x); math.Float64bits(s) != math.Float64bits(g) && !(math.IsNaN(s) && math.IsNaN(g)) {
				t.Fatalf("LogTo(%v) = %v, Log = %v: not bit-identical", x, g, s)
			}
			var tol uint64
			if runtime.GOARCH != "amd64" {
				if x < 0x1p-1022 {
					continue // the assembly's own value for subnormals
				}
				tol = 1
			}
			if u := ulps(g, math.Log(x)); u > tol {
				t.Fatalf("Log(%v) = %v, math.Log = %v: %d ulps, want <= %d", x, g, math.Log(x), u, tol)
			}
		}
	}
}

func BenchmarkLogTo(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = rng.Float64() * 8
	}
	dst := make([]float64, len(xs))
	for b.Loop() {
		LogTo(dst, xs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(xs)), "ns/log")
}
