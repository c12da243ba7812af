package vmath

import (
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// ulps is the distance between a and b in units in the last place.
func ulps(a, b float64) uint64 {
	if a == b || (math.IsNaN(a) && math.IsNaN(b)) {
		return 0
	}
	ia, ib := int64(math.Float64bits(a)), int64(math.Float64bits(b))
	if ia < 0 {
		ia = math.MinInt64 - ia
	}
	if ib < 0 {
		ib = math.MinInt64 - ib
	}
	if ia > ib {
		return uint64(ia - ib)
	}
	return uint64(ib - ia)
}

// args returns special values and random arguments over exp's whole range,
// with extra weight where gapbench uses it (log-probabilities, x <= 0).
func args() []float64 {
	xs := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -0.5, 1e-300, -1e-300,
		709.78, 709.79, 710, -708, -708.4, -708.5, -709, -740, -744.4, -745.1, -746, -1e10, 1e10,
		math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, -math.MaxFloat64,
		math.Ln2, -math.Ln2, 0.5 * math.Ln2, -0.5 * math.Ln2, 1.5 * math.Ln2}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		xs = append(xs, -rng.ExpFloat64()*5, (rng.Float64()-0.5)*1500, rng.NormFloat64())
	}
	return xs
}

// TestExpMatchesMath checks Exp and ExpTo, bit for bit against each other and
// against math.Exp: 0 ulps where math.Exp takes its FMA path (amd64 with AVX
// and FMA), at most 1 ulp elsewhere.
func TestExpMatchesMath(t *testing.T) {
	xs := args()
	var tol uint64 = 1
	if cpu.X86.HasAVX && cpu.X86.HasFMA {
		tol = 0
	}
	got := make([]float64, len(xs))
	for off := range 7 { // every alignment of the tail and of the slow blocks
		ExpTo(got[off:], xs[off:])
		for i, x := range xs[off:] {
			if s := Exp(x); math.Float64bits(s) != math.Float64bits(got[off+i]) && !(math.IsNaN(s) && math.IsNaN(got[off+i])) {
				t.Fatalf("ExpTo(%v) = %v, Exp = %v: not bit-identical", x, got[off+i], s)
			}
			if u := ulps(got[off+i], math.Exp(x)); u > tol {
				t.Fatalf("Exp(%v) = %v, math.Exp = %v: %d ulps, want <= %d", x, got[off+i], math.Exp(x), u, tol)
			}
		}
	}
	// In place.
	in := append([]float64(nil), xs...)
	ExpTo(in, in)
	for i := range in {
		if math.Float64bits(in[i]) != math.Float64bits(got[i]) && !math.IsNaN(in[i]) {
			t.Fatalf("in place: %v, want %v", in[i], got[i])
		}
	}
}

func BenchmarkExpTo(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = -rng.ExpFloat64() * 8
	}
	dst := make([]float64, len(xs))
	for b.Loop() {
		ExpTo(dst, xs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(xs)), "ns/exp")
}

func BenchmarkMathExp(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = -rng.ExpFloat64() * 8
	}
	dst := make([]float64, len(xs))
	for b.Loop() {
		for i, x := range xs {
			dst[i] = math.Exp(x)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(xs)), "ns/exp")
}
