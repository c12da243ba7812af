//go:build amd64 && !purego

package model

import "math/bits"

// The amd64 kernels use AVX2, four lanes at a time, where the CPU has it (see
// useAVX2) and SSE2 (part of the amd64 baseline), two lanes at a time,
// elsewhere; both with the same IEEE operations in the same order as the
// portable ones.

//go:noescape
func act64SSE2(q, e, a *float64, n int) uint64

//go:noescape
func act64x3SSE2(p, e, f, a *float64, n int) uint64

//go:noescape
func gemv8SSE2(l *[8]float64, mask uint64, a, w *float64, stride int)

//go:noescape
func act64AVX2(q, e, a *float64, n int) uint64

//go:noescape
func act64x3AVX2(p, e, f, a *float64, n int) uint64

//go:noescape
func gemv8AVX2(l *[8]float64, mask uint64, a, w *float64, stride int)

//go:noescape
func gemv8x2AVX2(l1 *[8]float64, m1 uint64, a1 *float64, l2 *[8]float64, m2 uint64, a2 *float64, w *float64, stride int)

//go:noescape
func backUnits8AccAVX2(mask uint64, a, wot, gwot *float64, q *[8]float64, stride int, gep, pcum, get *float64)

//go:noescape
func backUnits8AccAVX512(mask uint64, a, gwot, wo *float64, q *[8]float64, stride, ld int, gep, pcum, get *float64)

//go:noescape
func gemv8x4AVX512(l *[32]float64, m *[4]uint64, a *float64, ld int, w *float64, stride int)

//go:noescape
func fisherUnitsAVX512(mask uint64, a, gwot, wo *float64, ld int, p *[8]float64, mass float64, gep, cum *float64)

//go:noescape
func backUnits8AVX2(mask uint64, a, wot, gwot *float64, q *[8]float64, sd *float64, stride int, first bool)

// act64 writes a = q + e (len(q) <= 64) and returns its active-unit mask.
func act64(q, e, a []float64) uint64 {
	n := len(q)
	if n == 0 {
		return 0
	}
	if n > 64 {
		panic("model: act64 on more than 64 units")
	}
	_, _ = e[n-1], a[n-1]
	if useAVX2 {
		return act64AVX2(&q[0], &e[0], &a[0], n)
	}
	return act64SSE2(&q[0], &e[0], &a[0], n)
}

// act64x3 writes a = (p + e) + f (len(p) <= 64) and returns its active-unit mask.
func act64x3(p, e, f, a []float64) uint64 {
	n := len(p)
	if n == 0 {
		return 0
	}
	if n > 64 {
		panic("model: act64x3 on more than 64 units")
	}
	_, _, _ = e[n-1], f[n-1], a[n-1]
	if useAVX2 {
		return act64x3AVX2(&p[0], &e[0], &f[0], &a[0], n)
	}
	return act64x3SSE2(&p[0], &e[0], &f[0], &a[0], n)
}

// gemv8 adds, for each set bit i of mask in increasing order, a[i]·w[i·stride+k]
// to l[k] for k < 8.
func gemv8(l *[8]float64, mask uint64, a, w []float64, stride int) {
	if mask == 0 {
		return
	}
	hi := 63 - bits.LeadingZeros64(mask)
	_, _ = a[hi], w[hi*stride+7]
	if useAVX2 {
		gemv8AVX2(l, mask, &a[0], &w[0], stride)
		return
	}
	gemv8SSE2(l, mask, &a[0], &w[0], stride)
}

// backUnits8: for each set bit i of mask, in increasing order, with
// o = i·stride, it adds a[i]·q[k] to gwot[o+k] and writes s + Σ_k wot[o+k]·q[k],
// summed in the order k = 0, 1, …, 7 from s = 0 (first) or s = sd[i], into
// sd[i] (see backUnits8Go).
func backUnits8(mask uint64, a, wot, gwot []float64, q *[8]float64, sd []float64, stride int, first bool) {
	if mask == 0 {
		return
	}
	if !useAVX2 {
		backUnits8Go(mask, a, wot, gwot, q, sd, stride, first)
		return
	}
	hi := 63 - bits.LeadingZeros64(mask)
	_, _, _, _ = a[hi], sd[hi], wot[hi*stride+7], gwot[hi*stride+7]
	backUnits8AVX2(mask, &a[0], &wot[0], &gwot[0], q, &sd[0], stride, first)
}

// gemv8x2 is gemv8(l1, m1, a1, w, stride) and gemv8(l2, m2, a2, w, stride),
// interleaved where the CPU allows.
func gemv8x2(l1 *[8]float64, m1 uint64, a1 []float64, l2 *[8]float64, m2 uint64, a2 []float64, w []float64, stride int) {
	if !useAVX2 || m1 == 0 || m2 == 0 {
		gemv8(l1, m1, a1, w, stride)
		gemv8(l2, m2, a2, w, stride)
		return
	}
	h1, h2 := 63-bits.LeadingZeros64(m1), 63-bits.LeadingZeros64(m2)
	_, _, _ = a1[h1], a2[h2], w[max(h1, h2)*stride+7]
	gemv8x2AVX2(l1, m1, &a1[0], l2, m2, &a2[0], &w[0], stride)
}

// gemv8x4 is gemv8 for four nodes: node n's outputs are l[8n:8n+8], its active
// units m[n] and its hidden state a[n·ld:]. Where the CPU has AVX-512 the four
// are interleaved while each has units left, and gemv8x2 finishes them.
func gemv8x4(l *[32]float64, m [4]uint64, a []float64, ld int, w []float64, stride int) {
	if useAVX512 && m[0] != 0 && m[1] != 0 && m[2] != 0 && m[3] != 0 {
		top := 0
		for n, bm := range m {
			hi := 63 - bits.LeadingZeros64(bm)
			_ = a[n*ld+hi]
			top = max(top, hi)
		}
		_ = w[top*stride+7]
		gemv8x4AVX512(l, &m, &a[0], ld, &w[0], stride)
	}
	gemv8x2((*[8]float64)(l[0:8]), m[0], a, (*[8]float64)(l[8:16]), m[1], a[ld:], w, stride)
	gemv8x2((*[8]float64)(l[16:24]), m[2], a[2*ld:], (*[8]float64)(l[24:32]), m[3], a[3*ld:], w, stride)
}

// backUnits8Acc is backUnits8 with first set for units i < 64, except that
// each unit's ∂/∂a_i is added to gep[i], pcum[i] and get[i] instead of being
// stored (see backUnits8AccGo). wo, when not nil, holds the same units' output
// weights output-major, in rows of ld: wo[k·ld+i] = wot[i·stride+k]
// (outputMajor); where the CPU has AVX-512 the kernel then takes eight units at
// a time.
func backUnits8Acc(mask uint64, a, wot, wo []float64, ld int, gwot []float64, q *[8]float64, stride int, gep, pcum, get []float64) {
	if mask == 0 {
		return
	}
	if !useAVX2 {
		backUnits8AccGo(mask, a, wot, gwot, q, stride, gep, pcum, get)
		return
	}
	hi := 63 - bits.LeadingZeros64(mask)
	_, _, _, _ = a[hi], gep[hi], pcum[hi], get[hi]
	_ = gwot[hi*stride+7]
	if useAVX512 && wo != nil {
		_ = wo[7*ld+hi]
		backUnits8AccAVX512(mask, &a[0], &gwot[0], &wo[0], q, stride, ld, &gep[0], &pcum[0], &get[0])
		return
	}
	_ = wot[hi*stride+7]
	backUnits8AccAVX2(mask, &a[0], &wot[0], &gwot[0], q, stride, &gep[0], &pcum[0], &get[0])
}

// fisherUnits is fisherUnitsGo; where the CPU has AVX-512 and wo is not nil
// (the same units' output weights output-major, in rows of ld: wo[k·ld+i] =
// wot[8i+k]), it takes the sums over outputs eight units at a time.
func fisherUnits(mask uint64, a, wot, wo []float64, ld int, gwot []float64, p *[8]float64, mass float64, gep, cum []float64) {
	if mask == 0 {
		return
	}
	if !useAVX512 || wo == nil {
		fisherUnitsGo(mask, a, wot, gwot, p, mass, gep, cum)
		return
	}
	hi := 63 - bits.LeadingZeros64(mask)
	_, _, _, _, _ = a[hi], gep[hi], cum[hi], gwot[8*hi+7], wo[7*ld+hi]
	fisherUnitsAVX512(mask, &a[0], &gwot[0], &wo[0], ld, p, mass, &gep[0], &cum[0])
}
