//go:build !amd64 || purego

package vmath

// impls returns the implementations of ExpTo and LogTo of this build: the
// twin alone.
func impls() []impl {
	return []impl{{"go", expSlow, logSlow}}
}
