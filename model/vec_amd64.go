//go:build amd64 && !purego

package model

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 element-wise kernels; the portable ones run on CPUs
// without AVX2.
var useAVX2 = cpu.X86.HasAVX2

// useAVX512 selects the AVX-512 kernels (eight lanes, masked loads and stores)
// where the CPU has them, over the AVX2 ones.
var useAVX512 = useAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ

//go:noescape
func addVecAVX2(dst, a, b *float64, n int)

//go:noescape
func axpyVecAVX2(dst *float64, alpha float64, x *float64, n int)

// addVec writes a[i] + b[i] into dst[i] for i < len(dst); dst may be a or b.
func addVec(dst, a, b []float64) {
	n := len(dst)
	if n == 0 {
		return
	}
	if !useAVX2 {
		addVecGo(dst, a, b)
		return
	}
	_, _ = a[n-1], b[n-1]
	addVecAVX2(&dst[0], &a[0], &b[0], n)
}

// axpyVec adds alpha·x[i] to dst[i] for i < len(dst), the product rounded
// before the sum.
func axpyVec(dst []float64, alpha float64, x []float64) {
	n := len(dst)
	if n == 0 {
		return
	}
	if !useAVX2 {
		axpyVecGo(dst, alpha, x)
		return
	}
	_ = x[n-1]
	axpyVecAVX2(&dst[0], alpha, &x[0], n)
}
