//go:build !amd64 || purego

package vmath

// ExpTo writes e^src[i] into dst[i] (len(dst) >= len(src)). dst and src may be
// the same slice. Each value is bit-identical to Exp(src[i]).
func ExpTo(dst, src []float64) { expSlow(dst[:len(src)], src) }

// LogTo writes log(src[i]) into dst[i] (len(dst) >= len(src)). dst and src may
// be the same slice. Each value is bit-identical to Log(src[i]).
func LogTo(dst, src []float64) { logSlow(dst[:len(src)], src) }
