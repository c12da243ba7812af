package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// lseRef is the log-sum-exp of row as LogSumExpRows8 defines it, from Exp and
// Log, and whether that definition applies (no NaN or infinity in the row and
// every Exp(x_j−m) on Exp's plain path).
func lseRef(row []float64) (float64, bool) {
	m := math.Inf(-1)
	for _, v := range row {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, false
		}
		m = max(m, v)
	}
	s := 0.0
	for _, v := range row {
		if !expPlain(v - m) {
			return 0, false
		}
		s += Exp(v - m)
	}
	return m + Log(s), true
}

// lseCases returns n random 8×8 matrices: most entries normal with standard
// deviation 5, some a special value (a NaN, an infinity, a signed zero, an
// entry far below the others, a tie with another entry, a huge or tiny
// magnitude).
func lseCases(n int) [][]float64 {
	rng := rand.New(rand.NewPCG(11, 12))
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), -800, -700, -708.3, -708.5,
		-745, 1e300, -1e300, 5e-324, math.MaxFloat64, -math.MaxFloat64, 3, 3, 3}
	cases := make([][]float64, n)
	for c := range cases {
		x := make([]float64, 64)
		p := []float64{0, 0.01, 0.05, 0.2}[c%4] // rows with a special value: none, few, some, many
		for i := range x {
			if rng.Float64() < p {
				x[i] = specials[rng.IntN(len(specials))]
			} else {
				x[i] = rng.NormFloat64() * 5
			}
		}
		if c%7 == 0 { // all zeros of mixed signs, or one value, in a row
			for j := range 8 {
				x[8+j] = math.Copysign(0, float64(rng.IntN(2))-0.5)
				x[16+j] = -2.5
			}
		}
		cases[c] = x
	}
	return cases
}

// TestLogSumExpRows8 checks LogSumExpRows8 and its twin, on one row and on
// eight, bit for bit against each other and against the definition from Exp
// and Log, that they return false exactly where the definition does not
// apply, and that they then write nothing.
func TestLogSumExpRows8(t *testing.T) {
	const sentinel = 12345.678
	var ok1, ok8 int
	for _, x := range lseCases(20000) {
		for _, rows := range []int{1, 8} {
			x := x[:8*rows]
			want := make([]float64, rows)
			wantOK := true
			for k := range rows {
				var ok bool
				want[k], ok = lseRef(x[8*k : 8*k+8])
				wantOK = wantOK && ok
			}
			for _, f := range []struct {
				name string
				f    func(lse, x []float64) bool
			}{{"twin", logSumExpRows8Go}, {"LogSumExpRows8", LogSumExpRows8}} {
				lse := []float64{sentinel, sentinel, sentinel, sentinel, sentinel, sentinel, sentinel, sentinel, sentinel}
				ok := f.f(lse, x)
				if f.name == "LogSumExpRows8" && !HasLogSumExpRows8() {
					if ok {
						t.Fatalf("LogSumExpRows8 computed without AVX-512")
					}
				} else if ok != wantOK {
					t.Fatalf("%s(%v) = %v, want %v", f.name, x, ok, wantOK)
				}
				for k, v := range lse {
					if ok && k < rows {
						if math.Float64bits(v) != math.Float64bits(want[k]) {
							t.Fatalf("%s: row %v: %v (%#x), want %v (%#x)", f.name, x[8*k:8*k+8], v, math.Float64bits(v), want[k], math.Float64bits(want[k]))
						}
					} else if v != sentinel {
						t.Fatalf("%s(%v) = %v wrote lse[%d] = %v", f.name, x, ok, k, v)
					}
				}
			}
			if wantOK && rows == 1 {
				ok1++
			} else if wantOK {
				ok8++
			}
		}
	}
	if ok1 < 5000 || ok8 < 2500 {
		t.Fatalf("only %d one-row and %d eight-row cases computed", ok1, ok8)
	}
	// Other shapes are left to the caller.
	x := lseCases(1)[0]
	lse := make([]float64, 8)
	for _, n := range []int{0, 7, 9, 16, 56, 63} {
		if logSumExpRows8Go(lse, x[:n]) || LogSumExpRows8(lse, x[:n]) {
			t.Fatalf("len(x) = %d: computed", n)
		}
	}
	if logSumExpRows8Go(lse[:7], x) || LogSumExpRows8(lse[:7], x) {
		t.Fatalf("len(lse) = 7 for 8 rows: computed")
	}
}

func BenchmarkLogSumExpRows8(b *testing.B) {
	x := lseCases(4)[0]
	lse := make([]float64, 8)
	for _, rows := range []int{1, 8} {
		for _, f := range []struct {
			name string
			f    func(lse, x []float64) bool
		}{{"twin", logSumExpRows8Go}, {"LogSumExpRows8", LogSumExpRows8}} {
			b.Run(f.name+"/rows="+string(rune('0'+rows)), func(b *testing.B) {
				for b.Loop() {
					f.f(lse, x[:8*rows])
				}
			})
		}
	}
}

// TestExpPlain checks expPlain against its definition, k+1023 in [1, 2046]
// for k = cvtsd2sl(x·log2e), around both ends of the range and on special
// values.
func TestExpPlain(t *testing.T) {
	def := func(x float64) bool {
		e := int64(cvtsd2sl(x*log2e)) + 1023
		return e > 0 && e < 0x7FF
	}
	xs := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), math.MaxFloat64, -math.MaxFloat64, 1e10, -1e10}
	for _, end := range []float64{-1022.5 / log2e, 1023.5 / log2e} {
		x := end
		for range 200 {
			x = math.Nextafter(x, math.Inf(-1))
		}
		for range 400 {
			xs = append(xs, x)
			x = math.Nextafter(x, math.Inf(1))
		}
	}
	rng := rand.New(rand.NewPCG(1, 3))
	for range 100000 {
		xs = append(xs, (rng.Float64()-0.5)*1500)
	}
	for _, x := range xs {
		if expPlain(x) != def(x) {
			t.Fatalf("expPlain(%v) = %v, want %v", x, expPlain(x), def(x))
		}
	}
}
