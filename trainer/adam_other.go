//go:build !amd64 || purego

package trainer

// adamStep applies the Adam update to every parameter.
func adamStep(params, grad, m, v []float64, c *adamConsts) { adamStepGo(params, grad, m, v, c) }
