//go:build !amd64 || purego

package model

// addVec writes a[i] + b[i] into dst[i] for i < len(dst); dst may be a or b.
func addVec(dst, a, b []float64) { addVecGo(dst, a, b) }

// axpyVec adds alpha·x[i] to dst[i] for i < len(dst), the product rounded
// before the sum.
func axpyVec(dst []float64, alpha float64, x []float64) { axpyVecGo(dst, alpha, x) }
