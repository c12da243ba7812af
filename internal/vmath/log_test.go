package vmath

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestLogMatchesMath checks every implementation (impls) and LogTo, bit for
// bit against Log and against each other, and against math.Log: 0 ulps on
// amd64 (whose math.Log they transcribe), at most 1 ulp for normal arguments
// elsewhere.
func TestLogMatchesMath(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), 1, -1, 2, 0.5, math.Sqrt2 / 2, math.Nextafter(math.Sqrt2/2, 1),
		math.Nextafter(math.Sqrt2/2, 0), 1e-300, 5e-324, 1e-310, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), math.E, 8, 1 + 1e-15, 1 - 1e-16}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		xs = append(xs, rng.Float64()*8, math.Exp(rng.NormFloat64()*50), 1+rng.NormFloat64()*1e-3)
	}
	want := make([]float64, len(xs))
	for i, x := range xs {
		want[i] = Log(x)
		var tol uint64
		if runtime.GOARCH != "amd64" {
			if x < 0x1p-1022 {
				continue // the assembly's own value for subnormals
			}
			tol = 1
		}
		if u := ulps(want[i], math.Log(x)); u > tol {
			t.Fatalf("Log(%v) = %v, math.Log = %v: %d ulps, want <= %d", x, want[i], math.Log(x), u, tol)
		}
	}
	got := make([]float64, len(xs))
	for _, im := range append(impls(), impl{"LogTo", ExpTo, LogTo}) {
		for off := range 9 {
			im.log(got[off:], xs[off:])
			same(t, im.name, "log", xs[off:], got[off:], want[off:])
		}
		in := append([]float64(nil), xs...)
		im.log(in, in)
		same(t, im.name+" in place", "log", xs, in, want)
	}
}

// TestLogBlocks checks every implementation on short slices with special
// values (zeros, negatives, subnormals, infinities, NaNs) inside the blocks.
func TestLogBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	xs := make([]float64, 48*40)
	for i := range xs {
		xs[i] = rng.Float64() * 8
	}
	specials := []float64{0, math.Copysign(0, -1), -1, -math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(),
		-math.NaN(), 5e-324, 1e-310, math.MaxFloat64, math.Sqrt2 / 2, 1}
	checkBlocks(t, "log", func(im impl) func(dst, src []float64) { return im.log }, Log, sprinkle(rng, xs, specials))
}

func BenchmarkLogTo(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = rng.Float64() * 8
	}
	benchImpls(b, "log", func(im impl) func(dst, src []float64) { return im.log }, xs)
}
