//go:build amd64 && !purego

package model

import (
	"fmt"
	"math"
	"math/rand/v2"
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

// TestFisherUnits checks the AVX-512 Fisher kernel against its portable twin,
// bit for bit, with signed zeros, infinities and NaN among the inputs, and
// FisherDiag with and without AVX-512 on the batched and the serial walks.
func TestFisherUnits(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this CPU: fisherUnits is fisherUnitsGo")
	}
	rng := rand.New(rand.NewPCG(8, 8))
	for trial := range 400 {
		n := 1 + int(rng.Uint64()%64)
		ld := n + int(rng.Uint64()%9)
		a := make([]float64, n)
		wot := make([]float64, 8*n)
		normal(rng, a, 1)
		normal(rng, wot, 1)
		var p [8]float64
		for k := range p {
			p[k] = rng.Float64()
		}
		if trial%9 == 0 {
			a[0], wot[1], p[2] = math.Copysign(0, -1), math.Inf(1), 0
		}
		if trial%13 == 0 {
			wot[8*(n-1)+3] = math.NaN()
		}
		wo := make([]float64, 8*ld)
		for i := range n {
			for k := range 8 {
				wo[k*ld+i] = wot[8*i+k]
			}
		}
		mass := rng.Float64()
		mask := rng.Uint64() & (1<<n - 1)
		if n == 64 {
			mask = rng.Uint64()
		}
		acc := func() [][]float64 {
			r := rand.New(rand.NewPCG(uint64(trial), 1))
			out := [][]float64{make([]float64, 8*n), make([]float64, n), make([]float64, n)}
			for _, x := range out {
				normal(r, x, 1)
			}
			return out
		}
		got, want := acc(), acc()
		fisherUnits(mask, a, wot, wo, ld, got[0], &p, mass, got[1], got[2])
		fisherUnitsGo(mask, a, wot, want[0], &p, mass, want[1], want[2])
		for i, name := range []string{"gwot", "gep", "cum"} {
			for j := range got[i] {
				g, w := got[i][j], want[i][j]
				if !sameFloat(g, w) {
					t.Fatalf("trial %d (n %d, mask %x): %s[%d] = %v, want %v", trial, n, mask, name, j, g, w)
				}
			}
		}
	}
	for _, width := range []int{7, 64, 100} {
		m := NewMLP(Space{V: 8, H: 3}, 5, width, MLPInit{In: 0.7, Out: 1.5}, rand.New(rand.NewPCG(9, uint64(width))))
		inputs := []Input{testInput(), {ID: 2, Bag: []Feature{{4, 1}}}}
		targets := [][]float64{make([]float64, m.Space().Size()), make([]float64, m.Space().Size())}
		proj := NewProjection(m, inputs, targets)
		for _, serial := range []bool{false, true} {
			proj.mp.serial = serial
			fast := make([]float64, len(m.Params()))
			proj.FisherDiag(fast)
			useAVX512 = false
			slow := make([]float64, len(m.Params()))
			proj.FisherDiag(slow)
			useAVX512 = true
			same(t, fmt.Sprintf("FisherDiag width %d serial %v", width, serial), fast, slow)
		}
	}
}
