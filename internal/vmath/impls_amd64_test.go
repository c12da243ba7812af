//go:build amd64 && !purego

package vmath

// impls returns the implementations of ExpTo and LogTo this CPU can run, the
// twin first, so that the tests check each against the others bit for bit
// and the benchmarks time them side by side.
func impls() []impl {
	is := []impl{{"go", expSlow, logSlow}}
	if useAVX2 {
		is = append(is, impl{"avx2", expTo256, logTo256})
	}
	if useAVX512 {
		is = append(is, impl{"avx512", expTo512, logTo512})
	}
	return is
}
