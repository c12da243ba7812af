package model

// Element-wise kernels. Each element is computed with the same IEEE operations
// whatever the implementation (assembly lanes or the portable loops below), so
// they are bit-identical; a product and a sum are never fused.

// addVecGo is the portable addVec: dst[i] = a[i] + b[i].
func addVecGo(dst, a, b []float64) {
	a = a[:len(dst)]
	b = b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// axpyVecGo is the portable axpyVec: dst[i] += alpha·x[i], the product rounded
// before the sum.
func axpyVecGo(dst []float64, alpha float64, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] += float64(alpha * x[i]) // rounded: never fused
	}
}
