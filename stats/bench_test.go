package stats

import "testing"

// bench20 is n = 20 paired differences (the n20-skewed reference set).
func bench20() (a, b []float64) { return refSets[4].a, refSets[4].b }

// BenchmarkBCa20 is the yardstick: a 10,000-resample BCa interval
// for 20 paired seeds (resampling, sorting, jackknife, interpolation).
func BenchmarkBCa20(b *testing.B) {
	x, y := bench20()
	d := diffs(x, y)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		bs := NewBootstrap(d, DefaultResamples, newRand(uint64(i), streamPairedBootstrap))
		if iv := bs.BCa(0.95); !(iv.Lo < iv.Hi) {
			b.Fatal(iv)
		}
	}
}

// BenchmarkComparePaired20 is everything ComparePaired does at n = 20:
// bootstrap (BCa, percentile, bootstrap-t), exact sign-flip over 2²⁰
// patterns, Wilcoxon and t.
func BenchmarkComparePaired20(b *testing.B) {
	x, y := bench20()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ComparePaired(x, y, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignFlipExact20 counts all 2²⁰ sign patterns.
func BenchmarkSignFlipExact20(b *testing.B) {
	x, y := bench20()
	d := diffs(x, y)
	b.ReportAllocs()
	for b.Loop() {
		SignFlipTest(d, 0, 0, nil)
	}
}

// BenchmarkEvaluateClaims is a report's family of five claims at n = 10
// (the render test's), including Holm and the seeds-needed searches.
func BenchmarkEvaluateClaims(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EvaluateClaims(renderClaimsList, renderValues, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
