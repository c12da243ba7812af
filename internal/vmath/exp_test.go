package vmath

import (
	"fmt"
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

// impl is one implementation of ExpTo and LogTo: the twin over a slice, or
// one of the assembly paths with the twin finishing what it leaves.
type impl struct {
	name     string
	exp, log func(dst, src []float64)
}

// TestExpMatchesMath checks every implementation (impls) and ExpTo, bit for
// bit against Exp and against each other, and against math.Exp: 0 ulps where
// math.Exp takes its FMA path (amd64 with AVX and FMA), at most 1 ulp
// elsewhere.
func TestExpMatchesMath(t *testing.T) {
	xs := args()
	var tol uint64 = 1
	if cpu.X86.HasAVX && cpu.X86.HasFMA {
		tol = 0
	}
	want := make([]float64, len(xs))
	for i, x := range xs {
		want[i] = Exp(x)
		if u := ulps(want[i], math.Exp(x)); u > tol {
			t.Fatalf("Exp(%v) = %v, math.Exp = %v: %d ulps, want <= %d", x, want[i], math.Exp(x), u, tol)
		}
	}
	got := make([]float64, len(xs))
	for _, im := range append(impls(), impl{"ExpTo", ExpTo, LogTo}) {
		for off := range 9 { // every alignment of the tail and of the slow blocks
			im.exp(got[off:], xs[off:])
			same(t, im.name, "exp", xs[off:], got[off:], want[off:])
		}
		// In place.
		in := append([]float64(nil), xs...)
		im.exp(in, in)
		same(t, im.name+" in place", "exp", xs, in, want)
	}
}

// same fails unless got[i] and want[i] have the same bits for every i.
func same(t *testing.T, name, f string, xs, got, want []float64) {
	t.Helper()
	for i, x := range xs {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: %s(%v) = %v (%#x), the twin's %v (%#x): not bit-identical",
				name, f, x, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}

// checkBlocks runs f of every implementation on xs[off:off+n] for every n up
// to 40 and off up to 8, so that each block of four or eight meets the
// special values of xs in every lane and the masked last block has every
// length, and checks the values against scalar bit for bit and that nothing
// outside dst[off:off+n] is written.
func checkBlocks(t *testing.T, f string, pick func(impl) func(dst, src []float64), scalar func(float64) float64, xs []float64) {
	const sentinel = 12345.678
	dst := make([]float64, len(xs)+1)
	want := make([]float64, len(xs))
	for i, x := range xs {
		want[i] = scalar(x)
	}
	for _, im := range impls() {
		g := pick(im)
		for start := 0; start+48 <= len(xs); start += 48 {
			for off := range 9 {
				for n := range 41 {
					lo, hi := start+off, start+off+n
					for i := range dst {
						dst[i] = sentinel
					}
					g(dst[lo:hi], xs[lo:hi])
					same(t, im.name, f, xs[lo:hi], dst[lo:hi], want[lo:hi])
					for i, d := range dst {
						if (i < lo || i >= hi) && d != sentinel {
							t.Fatalf("%s: %s on [%d, %d) wrote dst[%d] = %v", im.name, f, lo, hi, i, d)
						}
					}
				}
			}
		}
	}
}

// sprinkle writes a value of specials over about one entry in eight of xs
// (chosen by rng), so that blocks on the plain path and blocks with a lane off
// it come in every mixture.
func sprinkle(rng *rand.Rand, xs, specials []float64) []float64 {
	for i := range xs {
		if rng.IntN(8) == 0 {
			xs[i] = specials[rng.IntN(len(specials))]
		}
	}
	return xs
}

// TestExpBlocks checks every implementation on short slices with special
// values inside the blocks.
func TestExpBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	xs := make([]float64, 48*40)
	for i := range xs {
		xs[i] = -rng.ExpFloat64() * 8
	}
	specials := []float64{math.Inf(1), math.Inf(-1), math.NaN(), -math.NaN(), 710, -746, -708.5, -745.1,
		math.MaxFloat64, -math.MaxFloat64, 0, math.Copysign(0, -1), 709.78, -1e10}
	checkBlocks(t, "exp", func(im impl) func(dst, src []float64) { return im.exp }, Exp, sprinkle(rng, xs, specials))
}

// benchImpls times f of every implementation (impls) side by side on the
// first n values of xs, for n = 8 (one row of logits), 64 (lseRows' eight
// rows) and len(xs).
func benchImpls(b *testing.B, unit string, pick func(impl) func(dst, src []float64), xs []float64) {
	dst := make([]float64, len(xs))
	for _, im := range impls() {
		f := pick(im)
		for _, n := range []int{8, 64, len(xs)} {
			b.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(b *testing.B) {
				for b.Loop() {
					f(dst[:n], xs[:n])
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/"+unit)
			})
		}
	}
}

func BenchmarkExpTo(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = -rng.ExpFloat64() * 8
	}
	benchImpls(b, "exp", func(im impl) func(dst, src []float64) { return im.exp }, xs)
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
