//go:build !amd64 || purego

package model

// act64 writes a = q + e (len(q) <= 64) and returns its active-unit mask.
func act64(q, e, a []float64) uint64 { return act64Go(q, e, a) }

// act64x3 writes a = (p + e) + f (len(p) <= 64) and returns its active-unit mask.
func act64x3(p, e, f, a []float64) uint64 { return act64x3Go(p, e, f, a) }

// gemv8 adds, for each set bit i of mask in increasing order, a[i]·w[i·stride+k]
// to l[k] for k < 8.
func gemv8(l *[8]float64, mask uint64, a, w []float64, stride int) {
	gemv8Go(l, mask, a, w, stride)
}

// backUnits8 is backUnits8Go (see there).
func backUnits8(mask uint64, a, wot, gwot []float64, q *[8]float64, sd []float64, stride int, first bool) {
	backUnits8Go(mask, a, wot, gwot, q, sd, stride, first)
}

// gemv8x2 is gemv8(l1, m1, a1, w, stride) and gemv8(l2, m2, a2, w, stride).
func gemv8x2(l1 *[8]float64, m1 uint64, a1 []float64, l2 *[8]float64, m2 uint64, a2 []float64, w []float64, stride int) {
	gemv8Go(l1, m1, a1, w, stride)
	gemv8Go(l2, m2, a2, w, stride)
}

// backUnits8Acc is backUnits8AccGo (see there); wo, the output weights
// output-major, serves the amd64 kernel only.
func backUnits8Acc(mask uint64, a, wot, wo []float64, ld int, gwot []float64, q *[8]float64, stride int, gep, pcum, get []float64) {
	backUnits8AccGo(mask, a, wot, gwot, q, stride, gep, pcum, get)
}

// gemv8x4 is gemv8 for four nodes: node n's outputs are l[8n:8n+8], its active
// units m[n] and its hidden state a[n·ld:].
func gemv8x4(l *[32]float64, m [4]uint64, a []float64, ld int, w []float64, stride int) {
	for n := range m {
		gemv8Go((*[8]float64)(l[8*n:8*n+8]), m[n], a[n*ld:], w, stride)
	}
}

// fisherUnits is fisherUnitsGo; wo, the output weights output-major, serves
// the amd64 kernel only.
func fisherUnits(mask uint64, a, wot, wo []float64, ld int, gwot []float64, p *[8]float64, mass float64, gep, cum []float64) {
	fisherUnitsGo(mask, a, wot, gwot, p, mass, gep, cum)
}
