//go:build amd64 && !purego

#include "textflag.h"

// The activation kernels take two units per iteration. Each pair's two mask bits
// (from MOVMSKPD of !(a <= 0)) enter the mask word at the top, which shifts right by
// two; at the end the word is shifted into place and an odd last unit is added.

// func act64SSE2(q, e, a *float64, n int) uint64
//
// a[i] = q[i] + e[i] for i < n (n <= 64); returns the mask with bit i set iff
// !(a[i] <= 0).
TEXT ·act64SSE2(SB), NOSPLIT, $0-40
	MOVQ  q+0(FP), SI
	MOVQ  e+8(FP), DX
	MOVQ  a+16(FP), DI
	MOVQ  n+24(FP), R8
	XORPS X7, X7
	XORQ  R10, R10        // mask, filled from the top
	XORQ  CX, CX          // byte offset
	MOVQ  R8, R11
	SHRQ  $1, R11         // pairs
	JZ    tail

pairs:
	MOVUPD   (SI)(CX*1), X0
	MOVUPD   (DX)(CX*1), X1
	ADDPD    X1, X0
	MOVUPD   X0, (DI)(CX*1)
	MOVAPD   X0, X2
	CMPPD    X7, X2, $6   // X2 = !(a <= 0), lane by lane
	MOVMSKPD X2, BX
	SHLQ     $62, BX
	SHRQ     $2, R10
	ORQ      BX, R10
	ADDQ     $16, CX
	DECQ     R11
	JNZ      pairs

	// Move the 2·pairs bits down to bit 0.
	MOVQ R8, BX
	ANDQ $~1, BX
	MOVQ $64, CX
	SUBQ BX, CX
	SHRQ CX, R10          // a shift by 64 (no pairs) is a shift by 0 of a zero word
	MOVQ BX, CX
	SHLQ $3, CX

tail:
	TESTQ    $1, R8
	JZ       done
	MOVSD    (SI)(CX*1), X0
	ADDSD    (DX)(CX*1), X0
	MOVSD    X0, (DI)(CX*1)
	MOVAPD   X0, X2
	CMPSD    X7, X2, $6
	MOVMSKPD X2, BX
	ANDQ     $1, BX
	LEAQ     -1(R8), CX
	SHLQ     CX, BX
	ORQ      BX, R10

done:
	MOVQ R10, ret+32(FP)
	RET

// func act64x3SSE2(p, e, f, a *float64, n int) uint64
//
// act64SSE2 for a[i] = (p[i] + e[i]) + f[i].
TEXT ·act64x3SSE2(SB), NOSPLIT, $0-48
	MOVQ  p+0(FP), SI
	MOVQ  e+8(FP), DX
	MOVQ  f+16(FP), R9
	MOVQ  a+24(FP), DI
	MOVQ  n+32(FP), R8
	XORPS X7, X7
	XORQ  R10, R10
	XORQ  CX, CX
	MOVQ  R8, R11
	SHRQ  $1, R11
	JZ    tail3

pairs3:
	MOVUPD   (SI)(CX*1), X0
	MOVUPD   (DX)(CX*1), X1
	ADDPD    X1, X0
	MOVUPD   (R9)(CX*1), X1
	ADDPD    X1, X0
	MOVUPD   X0, (DI)(CX*1)
	MOVAPD   X0, X2
	CMPPD    X7, X2, $6
	MOVMSKPD X2, BX
	SHLQ     $62, BX
	SHRQ     $2, R10
	ORQ      BX, R10
	ADDQ     $16, CX
	DECQ     R11
	JNZ      pairs3

	MOVQ R8, BX
	ANDQ $~1, BX
	MOVQ $64, CX
	SUBQ BX, CX
	SHRQ CX, R10
	MOVQ BX, CX
	SHLQ $3, CX

tail3:
	TESTQ    $1, R8
	JZ       done3
	MOVSD    (SI)(CX*1), X0
	ADDSD    (DX)(CX*1), X0
	ADDSD    (R9)(CX*1), X0
	MOVSD    X0, (DI)(CX*1)
	MOVAPD   X0, X2
	CMPSD    X7, X2, $6
	MOVMSKPD X2, BX
	ANDQ     $1, BX
	LEAQ     -1(R8), CX
	SHLQ     CX, BX
	ORQ      BX, R10

done3:
	MOVQ R10, ret+40(FP)
	RET

// func gemv8SSE2(l *[8]float64, mask uint64, a, w *float64, stride int)
//
// For each set bit i of mask, lowest first: l[k] += a[i]·w[i·stride+k], k < 8.
TEXT ·gemv8SSE2(SB), NOSPLIT, $0-40
	MOVQ   l+0(FP), DI
	MOVQ   mask+8(FP), AX
	MOVQ   a+16(FP), SI
	MOVQ   w+24(FP), DX
	MOVQ   stride+32(FP), CX
	SHLQ   $3, CX         // row stride in bytes
	MOVUPD 0(DI), X0
	MOVUPD 16(DI), X1
	MOVUPD 32(DI), X2
	MOVUPD 48(DI), X3
	TESTQ  AX, AX
	JZ     done

loop:
	BSFQ     AX, BX
	MOVSD    (SI)(BX*8), X4
	UNPCKLPD X4, X4       // x in both lanes
	IMULQ    CX, BX
	MOVUPD   0(DX)(BX*1), X5
	MULPD    X4, X5
	ADDPD    X5, X0
	MOVUPD   16(DX)(BX*1), X6
	MULPD    X4, X6
	ADDPD    X6, X1
	MOVUPD   32(DX)(BX*1), X5
	MULPD    X4, X5
	ADDPD    X5, X2
	MOVUPD   48(DX)(BX*1), X6
	MULPD    X4, X6
	ADDPD    X6, X3
	LEAQ     -1(AX), BX
	ANDQ     BX, AX
	JNZ      loop

done:
	MOVUPD X0, 0(DI)
	MOVUPD X1, 16(DI)
	MOVUPD X2, 32(DI)
	MOVUPD X3, 48(DI)
	RET

// The AVX2 kernels below are the SSE2 ones four lanes wide, with the same IEEE
// operations in the same order (products and sums never fused).

// func act64AVX2(q, e, a *float64, n int) uint64
TEXT ·act64AVX2(SB), NOSPLIT, $0-40
	MOVQ   q+0(FP), SI
	MOVQ   e+8(FP), DX
	MOVQ   a+16(FP), DI
	MOVQ   n+24(FP), R8
	VXORPD Y7, Y7, Y7
	XORQ   R10, R10      // mask, filled from the top
	XORQ   CX, CX        // byte offset
	MOVQ   R8, R11
	SHRQ   $2, R11       // blocks of four
	JZ     atail

ablocks:
	VMOVUPD   (SI)(CX*1), Y0
	VADDPD    (DX)(CX*1), Y0, Y0
	VMOVUPD   Y0, (DI)(CX*1)
	VCMPPD    $6, Y7, Y0, Y2  // !(a <= 0)
	VMOVMSKPD Y2, BX
	SHLQ      $60, BX
	SHRQ      $4, R10
	ORQ       BX, R10
	ADDQ      $32, CX
	DECQ      R11
	JNZ       ablocks
	MOVQ      R8, BX
	ANDQ      $~3, BX
	MOVQ      $64, CX
	SUBQ      BX, CX
	SHRQ      CX, R10        // a shift by 64 (no blocks) is a shift by 0 of a zero word

atail:
	MOVQ R8, R12
	ANDQ $~3, R12         // element index

aloop:
	CMPQ      R12, R8
	JGE       adone
	VMOVSD    (SI)(R12*8), X0
	VADDSD    (DX)(R12*8), X0, X0
	VMOVSD    X0, (DI)(R12*8)
	VCMPSD    $6, X7, X0, X2
	VMOVMSKPD X2, BX
	ANDQ      $1, BX
	MOVQ      R12, CX
	SHLQ      CX, BX
	ORQ       BX, R10
	INCQ      R12
	JMP       aloop

adone:
	VZEROUPPER
	MOVQ R10, ret+32(FP)
	RET

// func act64x3AVX2(p, e, f, a *float64, n int) uint64
TEXT ·act64x3AVX2(SB), NOSPLIT, $0-48
	MOVQ   p+0(FP), SI
	MOVQ   e+8(FP), DX
	MOVQ   f+16(FP), R9
	MOVQ   a+24(FP), DI
	MOVQ   n+32(FP), R8
	VXORPD Y7, Y7, Y7
	XORQ   R10, R10
	XORQ   CX, CX
	MOVQ   R8, R11
	SHRQ   $2, R11
	JZ     a3tail

a3blocks:
	VMOVUPD   (SI)(CX*1), Y0
	VADDPD    (DX)(CX*1), Y0, Y0
	VADDPD    (R9)(CX*1), Y0, Y0
	VMOVUPD   Y0, (DI)(CX*1)
	VCMPPD    $6, Y7, Y0, Y2
	VMOVMSKPD Y2, BX
	SHLQ      $60, BX
	SHRQ      $4, R10
	ORQ       BX, R10
	ADDQ      $32, CX
	DECQ      R11
	JNZ       a3blocks
	MOVQ      R8, BX
	ANDQ      $~3, BX
	MOVQ      $64, CX
	SUBQ      BX, CX
	SHRQ      CX, R10

a3tail:
	MOVQ R8, R12
	ANDQ $~3, R12

a3loop:
	CMPQ      R12, R8
	JGE       a3done
	VMOVSD    (SI)(R12*8), X0
	VADDSD    (DX)(R12*8), X0, X0
	VADDSD    (R9)(R12*8), X0, X0
	VMOVSD    X0, (DI)(R12*8)
	VCMPSD    $6, X7, X0, X2
	VMOVMSKPD X2, BX
	ANDQ      $1, BX
	MOVQ      R12, CX
	SHLQ      CX, BX
	ORQ       BX, R10
	INCQ      R12
	JMP       a3loop

a3done:
	VZEROUPPER
	MOVQ R10, ret+40(FP)
	RET

// func gemv8AVX2(l *[8]float64, mask uint64, a, w *float64, stride int)
TEXT ·gemv8AVX2(SB), NOSPLIT, $0-40
	MOVQ    l+0(FP), DI
	MOVQ    mask+8(FP), AX
	MOVQ    a+16(FP), SI
	MOVQ    w+24(FP), DX
	MOVQ    stride+32(FP), CX
	SHLQ    $3, CX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	TESTQ   AX, AX
	JZ      gdone

gloop:
	BSFQ         AX, BX
	VBROADCASTSD (SI)(BX*8), Y4
	IMULQ        CX, BX
	VMULPD       0(DX)(BX*1), Y4, Y5
	VADDPD       Y5, Y0, Y0
	VMULPD       32(DX)(BX*1), Y4, Y6
	VADDPD       Y6, Y1, Y1
	LEAQ         -1(AX), BX
	ANDQ         BX, AX
	JNZ          gloop

gdone:
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VZEROUPPER
	RET

// func backUnits8AVX2(mask uint64, a, wot, gwot *float64, q *[8]float64, sd *float64, stride int, first bool)
//
// For each set bit i of mask, lowest first, with o = i·stride:
// gwot[o+k] += a[i]·q[k] (four lanes at a time), and
// sd[i] = ((s + wot[o]·q[0]) + wot[o+1]·q[1]) + … + wot[o+7]·q[7] with s = 0
// (first) or sd[i]: the products four lanes at a time, the sum in order.
TEXT ·backUnits8AVX2(SB), NOSPLIT, $0-57
	MOVQ    mask+0(FP), AX
	MOVQ    a+8(FP), SI
	MOVQ    wot+16(FP), DX
	MOVQ    gwot+24(FP), R9
	MOVQ    q+32(FP), R10
	MOVQ    sd+40(FP), DI
	MOVQ    stride+48(FP), CX
	MOVBLZX first+56(FP), R11
	SHLQ    $3, CX
	VMOVUPD 0(R10), Y8
	VMOVUPD 32(R10), Y9

bloop:
	BSFQ         AX, BX
	VBROADCASTSD (SI)(BX*8), Y6         // h
	MOVQ         BX, R12
	IMULQ        CX, R12                // o in bytes
	VMULPD       Y8, Y6, Y4
	VADDPD       0(R9)(R12*1), Y4, Y4
	VMOVUPD      Y4, 0(R9)(R12*1)
	VMULPD       Y9, Y6, Y5
	VADDPD       32(R9)(R12*1), Y5, Y5
	VMOVUPD      Y5, 32(R9)(R12*1)
	VMULPD       0(DX)(R12*1), Y8, Y2   // products 0-3
	VMULPD       32(DX)(R12*1), Y9, Y3  // products 4-7
	VXORPD       X0, X0, X0             // s = 0
	TESTQ        R11, R11
	JNZ          bsum
	VMOVSD       (DI)(BX*8), X0         // s = sd[i]

bsum:
	VADDSD        X2, X0, X0
	VPERMILPD     $1, X2, X1
	VADDSD        X1, X0, X0
	VEXTRACTF128  $1, Y2, X2
	VADDSD        X2, X0, X0
	VPERMILPD     $1, X2, X1
	VADDSD        X1, X0, X0
	VADDSD        X3, X0, X0
	VPERMILPD     $1, X3, X1
	VADDSD        X1, X0, X0
	VEXTRACTF128  $1, Y3, X3
	VADDSD        X3, X0, X0
	VPERMILPD     $1, X3, X1
	VADDSD        X1, X0, X0
	VMOVSD        X0, (DI)(BX*8)
	LEAQ          -1(AX), BX
	ANDQ          BX, AX
	JNZ           bloop
	VZEROUPPER
	RET

// func gemv8x2AVX2(l1 *[8]float64, m1 uint64, a1 *float64, l2 *[8]float64, m2 uint64, a2 *float64, w *float64, stride int)
//
// gemv8AVX2(l1, m1, a1, w, stride) and gemv8AVX2(l2, m2, a2, w, stride),
// interleaved unit by unit so that the two chains of additions overlap; each
// output sees its own units in increasing order, as gemv8 does.
TEXT ·gemv8x2AVX2(SB), NOSPLIT, $0-64
	MOVQ    l1+0(FP), DI
	MOVQ    m1+8(FP), AX
	MOVQ    a1+16(FP), SI
	MOVQ    l2+24(FP), R10
	MOVQ    m2+32(FP), R11
	MOVQ    a2+40(FP), R8
	MOVQ    w+48(FP), DX
	MOVQ    stride+56(FP), CX
	SHLQ    $3, CX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 0(R10), Y2
	VMOVUPD 32(R10), Y3

both:
	TESTQ        AX, AX
	JZ           drain2
	TESTQ        R11, R11
	JZ           drain1
	BSFQ         AX, BX
	VBROADCASTSD (SI)(BX*8), Y4
	IMULQ        CX, BX
	BSFQ         R11, R12
	VBROADCASTSD (R8)(R12*8), Y7
	IMULQ        CX, R12
	VMULPD       0(DX)(BX*1), Y4, Y5
	VADDPD       Y5, Y0, Y0
	VMULPD       0(DX)(R12*1), Y7, Y8
	VADDPD       Y8, Y2, Y2
	VMULPD       32(DX)(BX*1), Y4, Y6
	VADDPD       Y6, Y1, Y1
	VMULPD       32(DX)(R12*1), Y7, Y9
	VADDPD       Y9, Y3, Y3
	LEAQ         -1(AX), BX
	ANDQ         BX, AX
	LEAQ         -1(R11), R12
	ANDQ         R12, R11
	JMP          both

drain1:
	TESTQ        AX, AX
	JZ           g2done
	BSFQ         AX, BX
	VBROADCASTSD (SI)(BX*8), Y4
	IMULQ        CX, BX
	VMULPD       0(DX)(BX*1), Y4, Y5
	VADDPD       Y5, Y0, Y0
	VMULPD       32(DX)(BX*1), Y4, Y6
	VADDPD       Y6, Y1, Y1
	LEAQ         -1(AX), BX
	ANDQ         BX, AX
	JMP          drain1

drain2:
	TESTQ        R11, R11
	JZ           g2done
	BSFQ         R11, R12
	VBROADCASTSD (R8)(R12*8), Y7
	IMULQ        CX, R12
	VMULPD       0(DX)(R12*1), Y7, Y8
	VADDPD       Y8, Y2, Y2
	VMULPD       32(DX)(R12*1), Y7, Y9
	VADDPD       Y9, Y3, Y3
	LEAQ         -1(R11), R12
	ANDQ         R12, R11
	JMP          drain2

g2done:
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 0(R10)
	VMOVUPD Y3, 32(R10)
	VZEROUPPER
	RET

// func backUnits8AccAVX2(mask uint64, a, wot, gwot *float64, q *[8]float64, stride int, gep, pcum, get *float64)
//
// backUnits8AVX2 with first set, except that each unit's s is added to gep[i],
// pcum[i] and get[i] instead of being stored: for each set bit i of mask, lowest
// first, with o = i·stride, gwot[o+k] += a[i]·q[k] (four lanes at a time) and
// s = ((0 + wot[o]·q[0]) + wot[o+1]·q[1]) + … + wot[o+7]·q[7], summed in order.
TEXT ·backUnits8AccAVX2(SB), NOSPLIT, $0-72
	MOVQ    mask+0(FP), AX
	MOVQ    a+8(FP), SI
	MOVQ    wot+16(FP), DX
	MOVQ    gwot+24(FP), R9
	MOVQ    q+32(FP), R10
	MOVQ    stride+40(FP), CX
	MOVQ    gep+48(FP), DI
	MOVQ    pcum+56(FP), R8
	MOVQ    get+64(FP), R11
	SHLQ    $3, CX
	VMOVUPD 0(R10), Y8
	VMOVUPD 32(R10), Y9

aloop:
	BSFQ         AX, BX
	VBROADCASTSD (SI)(BX*8), Y6         // h
	MOVQ         BX, R12
	IMULQ        CX, R12                // o in bytes
	VMULPD       Y8, Y6, Y4
	VADDPD       0(R9)(R12*1), Y4, Y4
	VMOVUPD      Y4, 0(R9)(R12*1)
	VMULPD       Y9, Y6, Y5
	VADDPD       32(R9)(R12*1), Y5, Y5
	VMOVUPD      Y5, 32(R9)(R12*1)
	VMULPD       0(DX)(R12*1), Y8, Y2   // products 0-3
	VMULPD       32(DX)(R12*1), Y9, Y3  // products 4-7
	VXORPD       X0, X0, X0             // s = 0
	VADDSD       X2, X0, X0
	VPERMILPD    $1, X2, X1
	VADDSD       X1, X0, X0
	VEXTRACTF128 $1, Y2, X2
	VADDSD       X2, X0, X0
	VPERMILPD    $1, X2, X1
	VADDSD       X1, X0, X0
	VADDSD       X3, X0, X0
	VPERMILPD    $1, X3, X1
	VADDSD       X1, X0, X0
	VEXTRACTF128 $1, Y3, X3
	VADDSD       X3, X0, X0
	VPERMILPD    $1, X3, X1
	VADDSD       X1, X0, X0
	VADDSD       (DI)(BX*8), X0, X1     // gep[i] += s
	VMOVSD       X1, (DI)(BX*8)
	VADDSD       (R8)(BX*8), X0, X1     // pcum[i] += s
	VMOVSD       X1, (R8)(BX*8)
	VADDSD       (R11)(BX*8), X0, X1    // get[i] += s
	VMOVSD       X1, (R11)(BX*8)
	LEAQ         -1(AX), BX
	ANDQ         BX, AX
	JNZ          aloop
	VZEROUPPER
	RET

// func backUnits8AccAVX512(mask uint64, a, gwot, wo *float64, q *[8]float64, stride, ld int, gep, pcum, get *float64)
//
// backUnits8AccAVX2 eight units at a time, from wo, the output weights
// output-major (wo[k·ld+i] = wot[i·stride+k]): first, for each set bit i of
// mask, lowest first, gwot[o+k] += a[i]·q[k] for the eight k at once; then, for
// each block of eight units with an active one (its mask byte in K1),
// s = ((0 + wo[i]·q[0]) + wo[ld+i]·q[1]) + … + wo[7·ld+i]·q[7] in each lane,
// summed in order as there, and gep, pcum and get take + s in the active lanes.
// Inactive units are neither read nor written (masked loads and stores).
// ADDMASKED adds s to the block at p (offset BX) in the lanes of K1 only.
#define ADDMASKED(p, s) \
	VMOVUPD.Z (p)(BX*1), K1, Z3 \
	VADDPD    s, Z3, Z3         \
	VMOVUPD   Z3, K1, (p)(BX*1)

// BROADCAST8 broadcasts the eight values at p into Z8 … Z15.
#define BROADCAST8(p) \
	VBROADCASTSD 0(p), Z8   \
	VBROADCASTSD 8(p), Z9   \
	VBROADCASTSD 16(p), Z10 \
	VBROADCASTSD 24(p), Z11 \
	VBROADCASTSD 32(p), Z12 \
	VBROADCASTSD 40(p), Z13 \
	VBROADCASTSD 48(p), Z14 \
	VBROADCASTSD 56(p), Z15

// BACKROW adds the next output row's products to s (Z0): R14 steps to the row,
// its active lanes are loaded (Z1), multiplied by q[k] (zq) and added.
#define BACKROW(zq) \
	ADDQ      R15, R14        \
	VMOVUPD.Z (R14), K1, Z1   \
	VMULPD    zq, Z1, Z1      \
	VADDPD    Z1, Z0, Z0

TEXT ·backUnits8AccAVX512(SB), NOSPLIT, $0-80
	MOVQ      mask+0(FP), AX
	MOVQ      a+8(FP), SI
	MOVQ      gwot+16(FP), R9
	MOVQ      wo+24(FP), R13
	MOVQ      q+32(FP), R10
	MOVQ      stride+40(FP), CX
	MOVQ      ld+48(FP), R15
	MOVQ      gep+56(FP), DI
	MOVQ      pcum+64(FP), R8
	MOVQ      get+72(FP), R11
	SHLQ      $3, CX
	SHLQ      $3, R15               // bytes per output row of wo
	MOVQ      AX, DX
	VMOVUPD   (R10), Z8

zgloop:
	BSFQ         AX, BX
	VBROADCASTSD (SI)(BX*8), Z6     // h
	MOVQ         BX, R12
	IMULQ        CX, R12            // o in bytes
	VMULPD       Z8, Z6, Z4
	VADDPD       (R9)(R12*1), Z4, Z4
	VMOVUPD      Z4, (R9)(R12*1)
	LEAQ         -1(AX), BX
	ANDQ         BX, AX
	JNZ          zgloop

	BROADCAST8(R10)
	XORQ         BX, BX             // the block's offset in bytes

zsloop:
	MOVQ         DX, R12
	ANDQ         $255, R12
	JZ           zsnext
	KMOVB        R12, K1
	LEAQ         (R13)(BX*1), R14
	VMOVUPD.Z    (R14), K1, Z1
	VMULPD       Z8, Z1, Z1
	VXORPD       Z0, Z0, Z0
	VADDPD       Z1, Z0, Z0         // s = 0 + p0
	BACKROW(Z9)
	BACKROW(Z10)
	BACKROW(Z11)
	BACKROW(Z12)
	BACKROW(Z13)
	BACKROW(Z14)
	BACKROW(Z15)
	ADDMASKED(DI, Z0)           // gep += s
	ADDMASKED(R8, Z0)           // pcum += s
	ADDMASKED(R11, Z0)           // get += s

zsnext:
	ADDQ         $64, BX
	SHRQ         $8, DX
	JNZ          zsloop
	VZEROUPPER
	RET

// func gemv8x4AVX512(l *[32]float64, m *[4]uint64, a *float64, ld int, w *float64, stride int)
//
// gemv8 for four nodes at once, one accumulator of eight outputs each: node n's
// outputs are l[8n:8n+8], its active units m[n] and its hidden state a[n·ld:];
// for each node, its set bits lowest first, l[8n+k] += a[n·ld+i]·w[i·stride+k].
// It runs while every node has units left, and leaves in m what it has not
// consumed (gemv8x2 finishes them, in the same order).
// GEMVNODE takes the lowest unit of one node's mask: acc += a[i]·w[i·stride:].
#define GEMVNODE(mask, a, zt, acc) \
	BSFQ         mask, BX          \
	VBROADCASTSD (a)(BX*8), zt     \
	IMULQ        CX, BX            \
	VMULPD       (DX)(BX*1), zt, zt \
	VADDPD       zt, acc, acc      \
	LEAQ         -1(mask), R14     \
	ANDQ         R14, mask

TEXT ·gemv8x4AVX512(SB), NOSPLIT, $0-48
	MOVQ    l+0(FP), DI
	MOVQ    m+8(FP), R14
	MOVQ    a+16(FP), SI
	MOVQ    ld+24(FP), R15
	MOVQ    w+32(FP), DX
	MOVQ    stride+40(FP), CX
	SHLQ    $3, R15
	SHLQ    $3, CX
	MOVQ    0(R14), AX
	MOVQ    8(R14), R8
	MOVQ    16(R14), R9
	MOVQ    24(R14), R10
	LEAQ    (SI)(R15*1), R11
	LEAQ    (R11)(R15*1), R12
	LEAQ    (R12)(R15*1), R13
	VMOVUPD 0(DI), Z0
	VMOVUPD 64(DI), Z1
	VMOVUPD 128(DI), Z2
	VMOVUPD 192(DI), Z3

x4loop:
	TESTQ        AX, AX
	JZ           x4done
	TESTQ        R8, R8
	JZ           x4done
	TESTQ        R9, R9
	JZ           x4done
	TESTQ        R10, R10
	JZ           x4done
	GEMVNODE(AX, SI, Z4, Z0)
	GEMVNODE(R8, R11, Z5, Z1)
	GEMVNODE(R9, R12, Z6, Z2)
	GEMVNODE(R10, R13, Z7, Z3)
	JMP          x4loop

x4done:
	VMOVUPD Z0, 0(DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	MOVQ    m+8(FP), R14
	MOVQ    AX, 0(R14)
	MOVQ    R8, 8(R14)
	MOVQ    R9, 16(R14)
	MOVQ    R10, 24(R14)
	VZEROUPPER
	RET

// func fisherUnitsAVX512(mask uint64, a, gwot, wo *float64, ld int, p *[8]float64, mass float64, gep, cum *float64)
//
// The Fisher diagonal's terms of one node's active units (see fisherUnitsGo),
// with the same operations in the same order: first, for each set bit i of
// mask, lowest first, gwot[8i+k] += ((mass·(a[i]·a[i]))·p[k])·(1 − p[k]) for
// the eight k at once; then, for each block of eight units with an active one
// (its mask byte in K1), in each lane e1 = Σ_k p[k]·wo[k·ld+i] and
// e2 = Σ_k (p[k]·wo[k·ld+i])·wo[k·ld+i], summed in order from 0, and
// s = mass·max(0, e2 − e1·e1) added to gep[i] and cum[i] in the active lanes.
// FISHERROW adds the next output row's terms to e1 (Z0) and e2 (Z1): R14
// steps to the row, its active lanes are loaded (Z2), t = p[k]·w (pk the
// broadcast p[k]), e1 += t, e2 += t·w.
#define FISHERROW(pk) \
	ADDQ      R15, R14        \
	VMOVUPD.Z (R14), K1, Z2   \
	VMULPD    pk, Z2, Z3      \
	VADDPD    Z3, Z0, Z0      \
	VMULPD    Z2, Z3, Z3      \
	VADDPD    Z3, Z1, Z1

TEXT ·fisherUnitsAVX512(SB), NOSPLIT, $0-72
	MOVQ         mask+0(FP), AX
	MOVQ         a+8(FP), SI
	MOVQ         gwot+16(FP), R9
	MOVQ         wo+24(FP), R13
	MOVQ         ld+32(FP), R15
	MOVQ         p+40(FP), R10
	VMOVSD       mass+48(FP), X7
	MOVQ         gep+56(FP), DI
	MOVQ         cum+64(FP), R8
	SHLQ         $3, R15              // bytes per output row of wo
	MOVQ         AX, DX
	VMOVUPD      (R10), Z8            // p
	MOVQ         $0x3ff0000000000000, BX // 1.0
	VMOVQ        BX, X0
	VBROADCASTSD X0, Z1
	VSUBPD       Z8, Z1, Z9           // 1 − p

fgloop:
	BSFQ         AX, BX
	VMOVSD       (SI)(BX*8), X0
	VMULSD       X0, X0, X0           // h2 = a·a
	VMULSD       X0, X7, X1           // mass·h2
	VBROADCASTSD X1, Z2
	VMULPD       Z8, Z2, Z2           // ·p
	VMULPD       Z9, Z2, Z2           // ·(1 − p)
	SHLQ         $6, BX               // row of 8 outputs in bytes
	VADDPD       (R9)(BX*1), Z2, Z2
	VMOVUPD      Z2, (R9)(BX*1)
	LEAQ         -1(AX), BX
	ANDQ         BX, AX
	JNZ          fgloop

	BROADCAST8(R10)
	VBROADCASTSD X7, Z7               // mass
	VXORPD       Z6, Z6, Z6           // 0
	XORQ         BX, BX

fsloop:
	MOVQ         DX, R12
	ANDQ         $255, R12
	JZ           fsnext
	KMOVB        R12, K1
	LEAQ         (R13)(BX*1), R14
	VMOVAPD      Z6, Z0               // e1
	VMOVAPD      Z6, Z1               // e2
	VMOVUPD.Z    (R14), K1, Z2
	VMULPD       Z8, Z2, Z3           // t = p·w
	VADDPD       Z3, Z0, Z0
	VMULPD       Z2, Z3, Z3           // t·w
	VADDPD       Z3, Z1, Z1
	FISHERROW(Z9)
	FISHERROW(Z10)
	FISHERROW(Z11)
	FISHERROW(Z12)
	FISHERROW(Z13)
	FISHERROW(Z14)
	FISHERROW(Z15)
	VMULPD       Z0, Z0, Z0           // e1·e1
	VSUBPD       Z0, Z1, Z1           // e2 − e1·e1
	VMAXPD       Z1, Z6, Z1           // 0 > x ? 0 : x (NaN stays)
	VMULPD       Z1, Z7, Z1           // s = mass·max
	ADDMASKED(DI, Z1)           // gep += s
	ADDMASKED(R8, Z1)           // cum += s

fsnext:
	ADDQ         $64, BX
	SHRQ         $8, DX
	JNZ          fsloop
	VZEROUPPER
	RET
