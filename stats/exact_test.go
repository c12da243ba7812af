package stats

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestHolmBenjaminiHochbergReference: values from R 4.2.2
// p.adjust(p, "holm") and p.adjust(p, "BH") (testdata/reference/reference.R.out).
func TestHolmBenjaminiHochbergReference(t *testing.T) {
	t.Parallel()
	p := []float64{0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.8, 0.0001}
	holm := []float64{0.059999999999999998, 0.16, 0.14999999999999999, 0.035000000000000003, 0.40000000000000002, 0.16, 0.80000000000000004, 0.00080000000000000004}
	bh := []float64{0.026666666666666665, 0.05333333333333333, 0.05333333333333333, 0.02, 0.22857142857142856, 0.05333333333333333, 0.80000000000000004, 0.00080000000000000004}
	gotH, gotB := Holm(p), BenjaminiHochberg(p)
	for i := range p {
		if !closeTo(gotH[i], holm[i], 1e-15) {
			t.Errorf("Holm[%d] = %.17g, want %.17g", i, gotH[i], holm[i])
		}
		if !closeTo(gotB[i], bh[i], 1e-15) {
			t.Errorf("BH[%d] = %.17g, want %.17g", i, gotB[i], bh[i])
		}
	}
	if len(Holm(nil)) != 0 || Holm([]float64{0.3})[0] != 0.3 {
		t.Error("Holm of zero or one p-value is wrong")
	}
	if got := Holm([]float64{0.6, 0.7}); got[0] != 1 || got[1] != 1 {
		t.Errorf("Holm([0.6 0.7]) = %v, want capped at 1", got)
	}
}

// bruteSignFlip enumerates all sign patterns one by one.
func bruteSignFlip(d []float64, shift float64) (p, less, greater float64) {
	n := len(d)
	var obs, scale float64
	for _, v := range d {
		obs += v - shift
		scale += math.Abs(v - shift)
	}
	tol := 1e-10 * scale
	var a, l, g int
	for mask := 0; mask < 1<<n; mask++ {
		var s float64
		for i, v := range d {
			if mask>>i&1 == 1 {
				s -= v - shift
			} else {
				s += v - shift
			}
		}
		if math.Abs(s) >= math.Abs(obs)-tol {
			a++
		}
		if s <= obs+tol {
			l++
		}
		if s >= obs-tol {
			g++
		}
	}
	total := float64(int(1) << n)
	return float64(a) / total, float64(l) / total, float64(g) / total
}

// bruteWilcoxon enumerates the signs of the nonzero differences' midranks.
func bruteWilcoxon(d []float64) float64 {
	var abs []float64
	var pos []bool
	for _, v := range d {
		if v != 0 {
			abs = append(abs, math.Abs(v))
			pos = append(pos, v > 0)
		}
	}
	n := len(abs)
	if n == 0 {
		return 1
	}
	r2, _ := doubledMidranks(abs)
	obs := 0
	for i := range r2 {
		if pos[i] {
			obs += r2[i]
		}
	}
	var le, ge int
	for mask := 0; mask < 1<<n; mask++ {
		s := 0
		for i := range r2 {
			if mask>>i&1 == 1 {
				s += r2[i]
			}
		}
		if s <= obs {
			le++
		}
		if s >= obs {
			ge++
		}
	}
	total := float64(int(1) << n)
	return math.Min(1, 2*math.Min(float64(le)/total, float64(ge)/total))
}

// TestExactTestsAgainstEnumeration checks the meet-in-the-middle sign-flip
// test and the dynamic-programming Wilcoxon test against plain enumeration
// on random data with ties and zeros.
func TestExactTestsAgainstEnumeration(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 12))
	for trial := range 300 {
		n := 1 + r.IntN(12)
		d := make([]float64, n)
		for i := range d {
			if trial%2 == 0 {
				d[i] = float64(r.IntN(7) - 3) // ties and zeros
			} else {
				d[i] = r.NormFloat64() + 0.3
			}
		}
		shift := []float64{0, 0.5, -1}[trial%3]
		p, l, g, exact := SignFlipTest(d, shift, 0, nil)
		bp, bl, bg := bruteSignFlip(d, shift)
		if !exact || p != bp || l != bl || g != bg {
			t.Fatalf("SignFlipTest(%v, %g) = %g %g %g, enumeration %g %g %g", d, shift, p, l, g, bp, bl, bg)
		}
		if w, bw := WilcoxonSignedRank(d).P, bruteWilcoxon(d); math.Abs(w-bw) > 1e-15 {
			t.Fatalf("WilcoxonSignedRank(%v) = %g, enumeration %g", d, w, bw)
		}
	}
}

// TestSignFlipMonteCarlo: above ExactSignFlipMaxN the p-value is a Monte
// Carlo estimate; it must agree with the exact count (which countSignFlips
// can still do at n = 24) within Monte Carlo error.
func TestSignFlipMonteCarlo(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	d := make([]float64, 24)
	for i := range d {
		d[i] = r.NormFloat64() + 0.45
	}
	var obs, scale float64
	for _, v := range d {
		obs += v
		scale += math.Abs(v)
	}
	_, _, abs := countSignFlips(d, obs, 1e-10*scale)
	want := float64(abs) / math.Ldexp(1, len(d))
	p, _, _, exact := SignFlipTest(d, 0, 20000, newRand(1, streamSignFlip))
	if exact {
		t.Fatal("n = 24 reported exact")
	}
	if se := math.Sqrt(want * (1 - want) / 20000); math.Abs(p-want) > 4*se+1.0/20001 {
		t.Errorf("Monte Carlo p = %g, exact %g", p, want)
	}
	cp, err := ComparePaired(d, make([]float64, len(d)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cp.SignFlipExact || !hasWarning(cp.Warnings, "Monte Carlo") {
		t.Errorf("ComparePaired at n = 24: exact %v, warnings %q", cp.SignFlipExact, cp.Warnings)
	}
}

func hasWarning(ws []string, part string) bool {
	for _, w := range ws {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

// TestWilcoxonLarge checks the exact distribution beyond enumeration: with
// all 30 differences positive, V is the largest value the null can take, so
// the two-sided p is exactly 2·2⁻³⁰.
func TestWilcoxonLarge(t *testing.T) {
	t.Parallel()
	d := make([]float64, 30)
	for i := range d {
		d[i] = float64(i + 1)
	}
	if got := WilcoxonSignedRank(d).P; got != math.Ldexp(1, -29) {
		t.Errorf("all positive, n = 30: p = %g, want 2·2⁻³⁰", got)
	}
}

// TestStudentizedTail: the bootstrap-t tail at the t value that puts μ on
// an end of the bootstrap-t interval is the interval's tail share. (Only
// for n ≥ 10: the enumerated bootstraps of n3 and n5 are lumpy, and their
// tails jump from atom to atom.)
func TestStudentizedTail(t *testing.T) {
	t.Parallel()
	for _, rs := range refSets[2:] {
		d := diffs(rs.a, rs.b)
		bs := NewBootstrap(d, 100000, newRand(1, streamPairedBootstrap))
		iv := bs.Studentized(0.90)
		se := bs.SD / math.Sqrt(float64(bs.N))
		lo := bs.StudentizedTail((bs.Mean-iv.Hi)/se, true)
		hi := bs.StudentizedTail((bs.Mean-iv.Lo)/se, false)
		if math.Abs(lo-0.05) > 0.01 || math.Abs(hi-0.05) > 0.01 {
			t.Errorf("%s: tails at the 90%% bootstrap-t ends = %.4f, %.4f, want about 0.05", rs.name, lo, hi)
		}
	}
}
