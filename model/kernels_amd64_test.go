//go:build amd64 && !purego

package model

import "testing"

// TestKernelsSSE2 runs the kernel checks on the SSE2 kernels, which the AVX2
// ones replace on this CPU.
func TestKernelsSSE2(t *testing.T) {
	if !useAVX2 {
		t.Skip("the SSE2 kernels already ran")
	}
	useAVX2 = false
	defer func() { useAVX2 = true }()
	TestKernels(t)
	TestVecKernels(t)
	TestBackUnits8(t)
	TestBackUnits8Acc(t)
	TestLeafParentsSerial(t)
	TestGemv8x2(t)
	TestEnumerateV8(t)
}
