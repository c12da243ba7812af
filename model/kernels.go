package model

import "math/bits"

// The mlp's inner loops work on a hidden state stored as its dense pre-activation
// a (len D) and a bitmask of its active units, bit i%64 of word i/64 set iff
// !(a_i <= 0): a_i > 0, or NaN, which relu = max(a, 0) propagates. Inactive units
// are exact zeros of relu(a) and are skipped by every sum over units; active units
// are always visited in increasing order, so that every implementation of a kernel
// (the portable Go below, or assembly) returns bit-identical results.

// maskWords is the number of mask words for d units.
func maskWords(d int) int { return (d + 63) / 64 }

// activate writes a = q + e and the active-unit mask of a. len(q) is the width;
// e and a are at least as long and mask has maskWords(len(q)) words.
func activate(q, e, a []float64, mask []uint64) {
	n := len(q)
	for w := range mask[:maskWords(n)] {
		lo, hi := w*64, min(w*64+64, n)
		mask[w] = act64(q[lo:hi], e[lo:hi], a[lo:hi])
	}
}

// activate3 is activate for a = (p + e) + f.
func activate3(p, e, f, a []float64, mask []uint64) {
	n := len(p)
	for w := range mask[:maskWords(n)] {
		lo, hi := w*64, min(w*64+64, n)
		mask[w] = act64x3(p[lo:hi], e[lo:hi], f[lo:hi], a[lo:hi])
	}
}

// act64Go is the portable act64: it writes a = q + e (len(q) <= 64) and returns
// its active-unit mask. It is branch-free, since the sign pattern of a is close to
// random.
func act64Go(q, e, a []float64) uint64 {
	e = e[:len(q)]
	a = a[:len(q)]
	var m uint64
	for i, x := range q {
		v := x + e[i]
		a[i] = v
		var b uint64
		if !(v <= 0) {
			b = 1
		}
		m |= b << uint(i&63)
	}
	return m
}

// act64x3Go is the portable act64x3: act64Go for a = (p + e) + f.
func act64x3Go(p, e, f, a []float64) uint64 {
	e = e[:len(p)]
	f = f[:len(p)]
	a = a[:len(p)]
	var m uint64
	for i, x := range p {
		v := (x + e[i]) + f[i]
		a[i] = v
		var b uint64
		if !(v <= 0) {
			b = 1
		}
		m |= b << uint(i&63)
	}
	return m
}

// gemv8Go is the portable gemv8: for each set bit i of mask, in increasing order,
// l[k] += a[i]·w[i·stride+k] for k < 8.
func gemv8Go(l *[8]float64, mask uint64, a, w []float64, stride int) {
	l0, l1, l2, l3, l4, l5, l6, l7 := l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7]
	for mask != 0 {
		i := bits.TrailingZeros64(mask)
		mask &= mask - 1
		o := i * stride
		r := w[o : o+8 : o+8]
		x := a[i]
		l0 += x * r[0]
		l1 += x * r[1]
		l2 += x * r[2]
		l3 += x * r[3]
		l4 += x * r[4]
		l5 += x * r[5]
		l6 += x * r[6]
		l7 += x * r[7]
	}
	l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7] = l0, l1, l2, l3, l4, l5, l6, l7
}

// gemv4 is gemv8 for four outputs (portable only: it serves V mod 8 >= 4).
func gemv4(l *[4]float64, mask uint64, a, w []float64, stride int) {
	l0, l1, l2, l3 := l[0], l[1], l[2], l[3]
	for mask != 0 {
		i := bits.TrailingZeros64(mask)
		mask &= mask - 1
		o := i * stride
		r := w[o : o+4 : o+4]
		x := a[i]
		l0 += x * r[0]
		l1 += x * r[1]
		l2 += x * r[2]
		l3 += x * r[3]
	}
	l[0], l[1], l[2], l[3] = l0, l1, l2, l3
}

// gemv1 is gemv8 for one output.
func gemv1(l float64, mask uint64, a, w []float64, stride int) float64 {
	for mask != 0 {
		i := bits.TrailingZeros64(mask)
		mask &= mask - 1
		l += a[i] * w[i*stride]
	}
	return l
}

// backUnits8Go is the portable backUnits8: for each set bit i of mask, in
// increasing order, with o = i·stride, it adds a[i]·q[k] to gwot[o+k] and
// writes s + Σ_k wot[o+k]·q[k], summed in the order k = 0, 1, …, 7 from s = 0
// (first) or s = sd[i], into sd[i].
func backUnits8Go(mask uint64, a, wot, gwot []float64, q *[8]float64, sd []float64, stride int, first bool) {
	q0, q1, q2, q3, q4, q5, q6, q7 := q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]
	for mask != 0 {
		i := bits.TrailingZeros64(mask)
		mask &= mask - 1
		o := i * stride
		row := wot[o : o+8 : o+8]
		gr := gwot[o : o+8 : o+8]
		h := a[i]
		gr[0] += h * q0
		gr[1] += h * q1
		gr[2] += h * q2
		gr[3] += h * q3
		gr[4] += h * q4
		gr[5] += h * q5
		gr[6] += h * q6
		gr[7] += h * q7
		s := 0.0
		if !first {
			s = sd[i]
		}
		s += row[0] * q0
		s += row[1] * q1
		s += row[2] * q2
		s += row[3] * q3
		s += row[4] * q4
		s += row[5] * q5
		s += row[6] * q6
		s += row[7] * q7
		sd[i] = s
	}
}

// backUnits8AccGo is the portable backUnits8Acc: for each set bit i of mask, in
// increasing order, with o = i·stride, it adds a[i]·q[k] to gwot[o+k] and adds
// s = Σ_k wot[o+k]·q[k], summed in the order k = 0, 1, …, 7 from 0, to gep[i],
// pcum[i] and get[i]: backUnits8Go with first set followed by the scatter of sd
// over the active units, in one pass. Products are rounded before each sum.
func backUnits8AccGo(mask uint64, a, wot, gwot []float64, q *[8]float64, stride int, gep, pcum, get []float64) {
	q0, q1, q2, q3, q4, q5, q6, q7 := q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]
	for mask != 0 {
		i := bits.TrailingZeros64(mask)
		mask &= mask - 1
		o := i * stride
		row := wot[o : o+8 : o+8]
		gr := gwot[o : o+8 : o+8]
		h := a[i]
		gr[0] += float64(h * q0)
		gr[1] += float64(h * q1)
		gr[2] += float64(h * q2)
		gr[3] += float64(h * q3)
		gr[4] += float64(h * q4)
		gr[5] += float64(h * q5)
		gr[6] += float64(h * q6)
		gr[7] += float64(h * q7)
		s := 0.0
		s += float64(row[0] * q0)
		s += float64(row[1] * q1)
		s += float64(row[2] * q2)
		s += float64(row[3] * q3)
		s += float64(row[4] * q4)
		s += float64(row[5] * q5)
		s += float64(row[6] * q6)
		s += float64(row[7] * q7)
		gep[i] += s
		pcum[i] += s
		get[i] += s
	}
}

// positive writes the bitmask of a's entries that are > 0 (NaN is not) into
// mask (maskWords(len(a)) words), without a branch on each entry.
func positive(a []float64, mask []uint64) {
	for w := range mask {
		lo, hi := w*64, min(w*64+64, len(a))
		var m uint64
		for i, x := range a[lo:hi] {
			var b uint64
			if x > 0 {
				b = 1
			}
			m |= b << uint(i&63)
		}
		mask[w] = m
	}
}

// outputMajor writes the output weights wot (d units × v outputs, unit-major)
// output-major into wo: wo[k·d+i] = wot[i·v+k].
func outputMajor(wo, wot []float64, d, v int) {
	for i := range d {
		for k, x := range wot[i*v : i*v+v] {
			wo[k*d+i] = x
		}
	}
}
