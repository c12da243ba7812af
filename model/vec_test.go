package model

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestVecKernels checks the element-wise kernels against their portable twins,
// bit for bit, at every length up to 70 and in place.
func TestVecKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for n := range 71 {
		a, b := make([]float64, n), make([]float64, n)
		normal(rng, a, 1)
		normal(rng, b, 1)
		alpha := rng.NormFloat64()
		got, want := make([]float64, n), make([]float64, n)
		addVec(got, a, b)
		addVecGo(want, a, b)
		same(t, "addVec", got, want)
		copy(got, a)
		copy(want, a)
		addVec(got, got, b)
		addVecGo(want, want, b)
		same(t, "addVec in place", got, want)
		axpyVec(got, alpha, b)
		axpyVecGo(want, alpha, b)
		same(t, "axpyVec", got, want)
	}
}

// sameFloat reports whether x and y are the same float64 bit for bit, but for a
// NaN's payload: where two NaNs meet, which one's payload a sum keeps depends
// on the order of its operands, which Go does not fix (a -race build orders
// them otherwise than a normal one).
func sameFloat(x, y float64) bool {
	return math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y)
}

func same(t *testing.T, name string, got, want []float64) {
	t.Helper()
	for i := range got {
		if !sameFloat(got[i], want[i]) {
			t.Fatalf("%s (n=%d): element %d is %v, want %v", name, len(got), i, got[i], want[i])
		}
	}
}

// TestBackUnits8 checks backUnits8 against its portable twin, bit for bit.
func TestBackUnits8(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, stride := range []int{8, 9, 16} {
		for trial := range 300 {
			a := make([]float64, 64)
			wot := make([]float64, 64*stride)
			sd := make([]float64, 64)
			normal(rng, a, 1)
			normal(rng, wot, 1)
			normal(rng, sd, 1)
			if trial%7 == 0 {
				sd[3], a[5] = math.Copysign(0, -1), 0
			}
			g1 := make([]float64, 64*stride)
			normal(rng, g1, 1)
			g2 := append([]float64(nil), g1...)
			s1, s2 := append([]float64(nil), sd...), append([]float64(nil), sd...)
			var q [8]float64
			for k := range q {
				q[k] = rng.NormFloat64()
			}
			mask := rng.Uint64() & rng.Uint64()
			first := trial%2 == 0
			backUnits8(mask, a, wot, g1, &q, s1, stride, first)
			backUnits8Go(mask, a, wot, g2, &q, s2, stride, first)
			same(t, "backUnits8 gwot", g1, g2)
			same(t, "backUnits8 sd", s1, s2)
		}
	}
}

// TestBackUnits8Acc checks backUnits8Acc against its portable twin and against
// backUnits8 followed by the scatter it fuses, bit for bit.
func TestBackUnits8Acc(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	for _, c := range []struct {
		name   string
		stride int
		mask   func() uint64
	}{
		{"stride8-sparse", 8, func() uint64 { return rng.Uint64() & rng.Uint64() }},
		{"stride8-dense", 8, func() uint64 { return rng.Uint64() | rng.Uint64() }},
		{"stride9", 9, func() uint64 { return rng.Uint64() }},
		{"stride16-one", 16, func() uint64 { return 1 << (rng.Uint64() % 64) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			for trial := range 200 {
				a := make([]float64, 64)
				wot := make([]float64, 64*c.stride)
				normal(rng, a, 1)
				normal(rng, wot, 1)
				if trial%7 == 0 {
					a[5], wot[3*c.stride] = 0, math.Copysign(0, -1)
				}
				var q [8]float64
				for k := range q {
					q[k] = rng.NormFloat64()
				}
				acc := make([][]float64, 4) // gwot, gep, pcum, get
				acc[0] = make([]float64, 64*c.stride)
				normal(rng, acc[0], 1)
				for i := 1; i < 4; i++ {
					acc[i] = make([]float64, 64)
					normal(rng, acc[i], 1)
				}
				clone := func() [][]float64 {
					out := make([][]float64, len(acc))
					for i, x := range acc {
						out[i] = append([]float64(nil), x...)
					}
					return out
				}
				mask := c.mask()
				if trial%7 == 3 {
					// Unit 10's products are all −0: its sum starts from +0, so
					// it is +0, and −0 + (+0) leaves +0 in each accumulator.
					clear(wot[10*c.stride : 10*c.stride+8])
					for k := range q {
						q[k] = -1 - math.Abs(q[k])
					}
					for i := 1; i < 4; i++ {
						acc[i][10] = math.Copysign(0, -1)
					}
					mask |= 1 << 10
				}
				got, twin, want := clone(), clone(), clone()
				var wo []float64 // every other trial, the output-major kernel
				if trial%2 == 0 {
					wo = make([]float64, c.stride*64)
					outputMajor(wo, wot, 64, c.stride)
				}
				backUnits8Acc(mask, a, wot, wo, 64, got[0], &q, c.stride, got[1], got[2], got[3])
				backUnits8AccGo(mask, a, wot, twin[0], &q, c.stride, twin[1], twin[2], twin[3])
				sd := make([]float64, 64)
				backUnits8Go(mask, a, wot, want[0], &q, sd, c.stride, true)
				for bm := mask; bm != 0; bm &= bm - 1 {
					i := bits.TrailingZeros64(bm)
					want[1][i] += sd[i]
					want[2][i] += sd[i]
					want[3][i] += sd[i]
				}
				for i, name := range []string{"gwot", "gep", "pcum", "get"} {
					same(t, "backUnits8Acc "+name, got[i], twin[i])
					same(t, "backUnits8AccGo "+name, twin[i], want[i])
				}
			}
		})
	}
}

// TestEnumerateV8 checks Enumerate against Score, bit for bit, where it takes
// the two-children-at-a-time path (V = 8, D <= 64) and where it does not.
func TestEnumerateV8(t *testing.T) {
	x := testInput()
	for _, tc := range []struct {
		sp Space
		d  int
	}{{Space{V: 8, H: 2}, 64}, {Space{V: 8, H: 3}, 13}, {Space{V: 8, H: 3}, 65}, {Space{V: 8, H: 1}, 7}} {
		rng := rand.New(rand.NewPCG(uint64(tc.d), 3))
		m := NewMLP(tc.sp, 5, tc.d, MLPInit{In: 0.7, Out: 1.5}, rng)
		normal(rng, m.b, 0.3)
		normal(rng, m.bo, 0.3)
		out := make([]float64, tc.sp.Size())
		m.Enumerate(x, out)
		y := make([]int, tc.sp.H)
		for i, got := range out {
			tc.sp.Decode(i, y)
			if want := m.Score(x, y, nil, 0); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("H=%d D=%d %v: Enumerate %v, Score %v", tc.sp.H, tc.d, y, got, want)
			}
		}
	}
}

// TestGemv8x2 checks gemv8x2 against two portable gemv8s, bit for bit.
func TestGemv8x2(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	w := make([]float64, 64*8)
	a1, a2 := make([]float64, 64), make([]float64, 64)
	for trial := range 500 {
		normal(rng, w, 1)
		normal(rng, a1, 1)
		normal(rng, a2, 1)
		m1, m2 := rng.Uint64()&rng.Uint64(), rng.Uint64()
		if trial%5 == 0 {
			m1 >>= 40
		}
		if trial%7 == 0 {
			m2 = 0
		}
		var l1, l2, r1, r2 [8]float64
		for k := range l1 {
			l1[k], l2[k] = rng.NormFloat64(), rng.NormFloat64()
		}
		r1, r2 = l1, l2
		gemv8x2(&l1, m1, a1, &l2, m2, a2, w, 8)
		gemv8Go(&r1, m1, a1, w, 8)
		gemv8Go(&r2, m2, a2, w, 8)
		same(t, "gemv8x2 first", l1[:], r1[:])
		same(t, "gemv8x2 second", l2[:], r2[:])
	}
}

// TestGemv8x4 checks gemv8x4 against four portable gemv8s, bit for bit, with
// masks of every density, empty ones, and units 64 apart (ld = 70).
func TestGemv8x4(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	const ld = 70
	w := make([]float64, 64*9)
	a := make([]float64, 3*ld+64)
	for trial := range 500 {
		normal(rng, w, 1)
		normal(rng, a, 1)
		if trial%11 == 0 {
			a[3], w[9*5+2] = math.Copysign(0, -1), math.Inf(1)
		}
		var m [4]uint64
		for n := range m {
			m[n] = rng.Uint64()
			switch (trial + n) % 6 {
			case 1:
				m[n] &= rng.Uint64() & rng.Uint64()
			case 2:
				m[n] >>= rng.Uint64() % 64
			case 3:
				m[n] = 1 << (rng.Uint64() % 64)
			case 4:
				if trial%3 == 0 {
					m[n] = 0
				}
			}
		}
		stride := 8 + trial%2
		var l, r [32]float64
		for k := range l {
			l[k] = rng.NormFloat64()
		}
		r = l
		gemv8x4(&l, m, a, ld, w, stride)
		for n := range m {
			gemv8Go((*[8]float64)(r[8*n:8*n+8]), m[n], a[n*ld:], w, stride)
		}
		same(t, "gemv8x4", l[:], r[:])
	}
}

// TestLseRows checks lseRows against logSumExp, row by row, bit for bit (NaN
// for NaN), on rows with signed zeros, ties, infinities and NaNs.
func TestLseRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 9))
	vals := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(-1), math.Inf(1), math.NaN(), -800, 3}
	for trial := range 3000 {
		v := 1 + trial%9
		rows := 1 + rng.IntN(8)
		lg := make([]float64, rows*v)
		for i := range lg {
			if rng.IntN(3) == 0 {
				lg[i] = vals[rng.IntN(len(vals))]
			} else {
				lg[i] = rng.NormFloat64() * 5
			}
		}
		lse, ex, sums := make([]float64, rows), make([]float64, rows*v), make([]float64, rows)
		lseRows(lg, v, lse, ex, sums)
		for k := range lse {
			want := logSumExp(lg[k*v : k*v+v])
			if math.Float64bits(lse[k]) != math.Float64bits(want) && !(math.IsNaN(lse[k]) && math.IsNaN(want)) {
				t.Fatalf("row %v: lseRows %v, logSumExp %v", lg[k*v:k*v+v], lse[k], want)
			}
		}
	}
}

// TestLseRows8 checks lseRows at V = 8, one to eight rows (vmath.LogSumExpRows8's
// shapes, and fewer rows padded to eight), against lseRowsLoops and logSumExp, bit for bit (NaN for NaN against
// logSumExp), on rows of random logits with signed zeros, ties, entries far
// below the rest, infinities and NaNs.
func TestLseRows8(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 8))
	vals := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(-1), math.Inf(1), math.NaN(), -800, -710, 3, 3, 1e300, -1e300}
	lg := make([]float64, 64)
	for trial := range 20000 {
		p := []float64{0, 0.01, 0.05, 0.3}[trial%4]
		for i := range lg {
			if rng.Float64() < p {
				lg[i] = vals[rng.IntN(len(vals))]
			} else {
				lg[i] = rng.NormFloat64() * 5
			}
		}
		for rows := 1; rows <= 8; rows++ {
			lg := lg[:8*rows]
			lse, ex, sums := make([]float64, rows), make([]float64, 8*rows), make([]float64, rows)
			lse2, ex2, sums2 := make([]float64, rows), make([]float64, 8*rows), make([]float64, rows)
			lseRows(lg, 8, lse, ex, sums)
			lseRowsLoops(lg, 8, lse2, ex2, sums2)
			for k := range lse {
				row := lg[k*8 : k*8+8]
				if math.Float64bits(lse[k]) != math.Float64bits(lse2[k]) {
					t.Fatalf("row %v: lseRows %v (%#x), lseRowsLoops %v (%#x)", row, lse[k], math.Float64bits(lse[k]), lse2[k], math.Float64bits(lse2[k]))
				}
				if want := logSumExp(row); math.Float64bits(lse[k]) != math.Float64bits(want) && !(math.IsNaN(lse[k]) && math.IsNaN(want)) {
					t.Fatalf("row %v: lseRows %v, logSumExp %v", row, lse[k], want)
				}
			}
		}
	}
}
