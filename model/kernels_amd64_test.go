//go:build amd64 && !purego

package model

import (
	"testing"

	"golang.org/x/sys/cpu"
)

// TestKernelsAVX2 runs the kernel checks on the AVX2 kernels, which the
// AVX-512 ones replace on this CPU.
func TestKernelsAVX2(t *testing.T) {
	if !useAVX512 {
		t.Skip("the AVX2 kernels already ran")
	}
	useAVX512 = false
	defer func() { useAVX512 = true }()
	TestBackUnits8Acc(t)
	TestGemv8x4(t)
	TestLeafParentsSerial(t)
	TestFisherDiagBatched(t)
}

// TestKernelsSSE2 runs the kernel checks on the SSE2 kernels, which the AVX2
// ones replace on this CPU.
func TestKernelsSSE2(t *testing.T) {
	if !useAVX2 {
		t.Skip("the SSE2 kernels already ran")
	}
	useAVX2, useAVX512 = false, false
	defer func() { useAVX2, useAVX512 = true, cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ }()
	TestKernels(t)
	TestVecKernels(t)
	TestBackUnits8(t)
	TestBackUnits8Acc(t)
	TestLeafParentsSerial(t)
	TestGemv8x2(t)
	TestGemv8x4(t)
	TestEnumerateV8(t)
}
