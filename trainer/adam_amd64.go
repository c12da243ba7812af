//go:build amd64 && !purego

package trainer

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 Adam update; the portable one runs elsewhere.
var useAVX2 = cpu.X86.HasAVX2

//go:noescape
func adamStepAVX2(params, grad, m, v *float64, n int, c *adamConsts)

// adamStep applies the Adam update to every parameter: four at a time with
// AVX2 (the same IEEE operations per element, so the same values), the rest by
// adamStepGo.
func adamStep(params, grad, m, v []float64, c *adamConsts) {
	n := len(params) &^ 3
	if !useAVX2 || n == 0 {
		adamStepGo(params, grad, m, v, c)
		return
	}
	_, _, _ = grad[n-1], m[n-1], v[n-1]
	adamStepAVX2(&params[0], &grad[0], &m[0], &v[0], n, c)
	adamStepGo(params[n:], grad[n:], m[n:], v[n:], c)
}
