//go:build amd64 && !purego

#include "textflag.h"
#include "lanes_amd64.h"

// func lse8x8AVX512(lse *[8]float64, x *[64]float64) bool
//
// The log-sum-exps of the eight rows of x (rows of eight) with a row in each
// lane: the rows are transposed into the columns c_j (lane k holding x[8k+j])
// in Z6…Z13, m is the lane-wise largest of c_0…c_7 (VMAXPD, exact: a maximum
// depends on no order), and then, lane by lane, s = 0 + e^(c_0−m) + … +
// e^(c_7−m) in that order, each e^ by EXP8, and lse = m + log s by LOG8. Every
// lane therefore runs logSumExpRows8Go's operations on its row in its order.
// Where VMAXPD's m differs from the builtin max's (a largest entry that is a
// zero of both signs, VMAXPD taking the second operand) every value is the
// same: x−(+0) and x−(−0) differ only for x = ±0, whose e^ is 1 either way,
// and ±0 + log s is the same for s ≥ 1. A row with a NaN, or an infinity,
// gives some c_j−m a NaN (NaN−m, +Inf−(+Inf), −Inf−(−Inf)), which, like an
// e^ off Exp's plain path (see expPlain), fails EXP8's test: the kernel then returns false
// having written nothing.
TEXT ·lse8x8AVX512(SB), NOSPLIT, $0-17
	MOVQ lse+0(FP), DI
	MOVQ x+8(FP), SI

	// Transpose: rows r_k in Z0…Z7, pairs t in Z16…Z23, quads u in
	// Z24…Z31, columns c_j in Z6+j. "ab" below is row a, column b.
	VMOVUPD    0(SI), Z0
	VMOVUPD    64(SI), Z1
	VMOVUPD    128(SI), Z2
	VMOVUPD    192(SI), Z3
	VMOVUPD    256(SI), Z4
	VMOVUPD    320(SI), Z5
	VMOVUPD    384(SI), Z6
	VMOVUPD    448(SI), Z7
	VUNPCKLPD  Z1, Z0, Z16            // 00 10 02 12 04 14 06 16
	VUNPCKHPD  Z1, Z0, Z17            // 01 11 03 13 05 15 07 17
	VUNPCKLPD  Z3, Z2, Z18            // 20 30 22 32 …
	VUNPCKHPD  Z3, Z2, Z19            // 21 31 23 33 …
	VUNPCKLPD  Z5, Z4, Z20            // 40 50 42 52 …
	VUNPCKHPD  Z5, Z4, Z21            // 41 51 43 53 …
	VUNPCKLPD  Z7, Z6, Z22            // 60 70 62 72 …
	VUNPCKHPD  Z7, Z6, Z23            // 61 71 63 73 …
	VSHUFF64X2 $0x88, Z18, Z16, Z24   // 00 10 04 14 20 30 24 34
	VSHUFF64X2 $0xdd, Z18, Z16, Z25   // 02 12 06 16 22 32 26 36
	VSHUFF64X2 $0x88, Z19, Z17, Z26   // 01 11 05 15 21 31 25 35
	VSHUFF64X2 $0xdd, Z19, Z17, Z27   // 03 13 07 17 23 33 27 37
	VSHUFF64X2 $0x88, Z22, Z20, Z28   // 40 50 44 54 60 70 64 74
	VSHUFF64X2 $0xdd, Z22, Z20, Z29   // 42 52 46 56 62 72 66 76
	VSHUFF64X2 $0x88, Z23, Z21, Z30   // 41 51 45 55 61 71 65 75
	VSHUFF64X2 $0xdd, Z23, Z21, Z31   // 43 53 47 57 63 73 67 77
	VSHUFF64X2 $0x88, Z28, Z24, Z6    // c_0: 00 10 20 30 40 50 60 70
	VSHUFF64X2 $0x88, Z30, Z26, Z7    // c_1
	VSHUFF64X2 $0x88, Z29, Z25, Z8    // c_2
	VSHUFF64X2 $0x88, Z31, Z27, Z9    // c_3
	VSHUFF64X2 $0xdd, Z28, Z24, Z10   // c_4
	VSHUFF64X2 $0xdd, Z30, Z26, Z11   // c_5
	VSHUFF64X2 $0xdd, Z29, Z25, Z12   // c_6
	VSHUFF64X2 $0xdd, Z31, Z27, Z13   // c_7

	// m in Z15.
	VMAXPD Z7, Z6, Z0
	VMAXPD Z9, Z8, Z1
	VMAXPD Z11, Z10, Z2
	VMAXPD Z13, Z12, Z3
	VMAXPD Z1, Z0, Z0
	VMAXPD Z3, Z2, Z2
	VMAXPD Z2, Z0, Z15

	// s in Z14.
	EXPCONSTS
	VPXORQ Z14, Z14, Z14
	VSUBPD Z15, Z6, Z0
	EXP8(fail8x8)
	VADDPD Z0, Z14, Z14
	VSUBPD Z15, Z7, Z0
	EXP8(fail8x8)
	VADDPD Z0, Z14, Z14
	VSUBPD Z15, Z8, Z0
	EXP8(fail8x8)
	VADDPD Z0, Z14, Z14
	VSUBPD Z15, Z9, Z0
	EXP8(fail8x8)
	VADDPD Z0, Z14, Z14
	VSUBPD Z15, Z10, Z0
	EXP8(fail8x8)
	VADDPD Z0, Z14, Z14
	VSUBPD Z15, Z11, Z0
	EXP8(fail8x8)
	VADDPD Z0, Z14, Z14
	VSUBPD Z15, Z12, Z0
	EXP8(fail8x8)
	VADDPD Z0, Z14, Z14
	VSUBPD Z15, Z13, Z0
	EXP8(fail8x8)
	VADDPD Z0, Z14, Z14

	// lse = m + log s.
	VMOVAPD Z14, Z0
	VMOVAPD Z15, Z9
	LOGCONSTS
	LOG8(fail8x8)
	VADDPD  Z2, Z9, Z2
	VMOVUPD Z2, (DI)
	VZEROUPPER
	MOVB    $1, ret+16(FP)
	RET

fail8x8:
	VZEROUPPER
	MOVB $0, ret+16(FP)
	RET

// func lse8AVX512(lse *float64, x *[8]float64) bool
//
// The log-sum-exp of the one row x with an entry in each lane: m, the largest
// entry, in every lane (VMAXPD across the lanes, exact whatever the order; a
// zero of either sign as for lse8x8AVX512), the e^(x_j−m) by EXP8, s = 0 +
// e_0 + … + e_7 in that order by scalar adds, and lse = m + log s by LOG8 on s
// in every lane. A NaN or an infinity in x, or an e^ off Exp's plain path,
// fails EXP8's test as in lse8x8AVX512: the kernel then returns false having
// written nothing.
TEXT ·lse8AVX512(SB), NOSPLIT, $0-17
	MOVQ       lse+0(FP), DI
	MOVQ       x+8(FP), SI
	VMOVUPD    (SI), Z6
	VSHUFF64X2 $0x4e, Z6, Z6, Z1      // the halves swapped
	VMAXPD     Z1, Z6, Z1
	VSHUFF64X2 $0xb1, Z1, Z1, Z2      // the pairs within each half swapped
	VMAXPD     Z2, Z1, Z1
	VPERMILPD  $0x55, Z1, Z2          // the lanes within each pair swapped
	VMAXPD     Z2, Z1, Z15            // m in every lane
	EXPCONSTS
	VSUBPD     Z15, Z6, Z0
	EXP8(fail8)

	// s = 0 + e_0 + … + e_7, lane by lane from lane 0.
	VXORPD        X14, X14, X14
	VADDSD        X0, X14, X14
	VPERMILPD     $1, X0, X1
	VADDSD        X1, X14, X14
	VEXTRACTF32X4 $1, Z0, X1
	VADDSD        X1, X14, X14
	VPERMILPD     $1, X1, X1
	VADDSD        X1, X14, X14
	VEXTRACTF32X4 $2, Z0, X1
	VADDSD        X1, X14, X14
	VPERMILPD     $1, X1, X1
	VADDSD        X1, X14, X14
	VEXTRACTF32X4 $3, Z0, X1
	VADDSD        X1, X14, X14
	VPERMILPD     $1, X1, X1
	VADDSD        X1, X14, X14

	// lse = m + log s.
	VBROADCASTSD X14, Z0
	VMOVAPD      Z15, Z9
	LOGCONSTS
	LOG8(fail8)
	VADDSD       X2, X9, X2
	VMOVSD       X2, (DI)
	VZEROUPPER
	MOVB         $1, ret+16(FP)
	RET

fail8:
	VZEROUPPER
	MOVB $0, ret+16(FP)
	RET
