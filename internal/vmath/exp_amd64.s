//go:build amd64 && !purego

#include "textflag.h"
#include "lanes_amd64.h"

// Each constant four times, for 256-bit memory operands.
#define C4(off, bits) \
	DATA ·expc+(off)+0(SB)/8, $bits; \
	DATA ·expc+(off)+8(SB)/8, $bits; \
	DATA ·expc+(off)+16(SB)/8, $bits; \
	DATA ·expc+(off)+24(SB)/8, $bits

C4(0, 0x3ff71547652b82fe)   // log2e
C4(32, 0x3fe62e42fefa3000)  // ln2U
C4(64, 0x3d53de6af278ece6)  // ln2L
C4(96, 0x3fb0000000000000)  // 0.0625
C4(128, 0x3efa01a01a01a01a) // c8 = 2.4801587301587301587e-5
C4(160, 0x3f2a01a01a01a01a) // c7 = 1.9841269841269841270e-4
C4(192, 0x3f56c16c16c16c17) // c6 = 1.3888888888888888889e-3
C4(224, 0x3f81111111111111) // c5 = 8.3333333333333333333e-3
C4(256, 0x3fa5555555555555) // c4 = 4.1666666666666666667e-2
C4(288, 0x3fc5555555555555) // c3 = 1.6666666666666666667e-1
C4(320, 0x3fe0000000000000) // 0.5
C4(352, 0x3ff0000000000000) // 1
C4(384, 0x4000000000000000) // 2
DATA ·expc+416(SB)/8, $0x000003ff000003ff // 1023 as four int32
DATA ·expc+424(SB)/8, $0x000003ff000003ff
DATA ·expc+432(SB)/8, $0x000007ff000007ff // 2047 as four int32
DATA ·expc+440(SB)/8, $0x000007ff000007ff
GLOBL ·expc(SB), RODATA|NOPTR, $448

// func expAVX2(dst, src *float64, n int) int
//
// The lane-wise transcription of math.Exp's FMA path (exp_amd64.s): the same
// operations in the same order, so every lane on the plain path is bit-identical
// to it. A lane is on the plain path iff 1 <= k+1023 <= 2046, k the rounded
// x·log2e; NaN, ±Inf and arguments that overflow or underflow fail that test (k
// is then out of range or the integer indefinite −2³¹).
TEXT ·expAVX2(SB), NOSPLIT, $0-32
	MOVQ    dst+0(FP), DI
	MOVQ    src+8(FP), SI
	MOVQ    n+16(FP), CX
	XORQ    AX, AX                 // element index
	VMOVDQU ·expc+416(SB), X13    // 1023
	VMOVDQU ·expc+432(SB), X14    // 2047
	VPXOR   X15, X15, X15          // 0
	CMPQ    CX, $0
	JEQ     done

loop:
	VMOVUPD      (SI)(AX*8), Y0
	VMULPD       ·expc+0(SB), Y0, Y1
	VCVTPD2DQY   Y1, X2               // k, rounded to nearest
	VCVTDQ2PD    X2, Y3               // float64(k)
	VFNMADD231PD ·expc+32(SB), Y3, Y0 // x -= k·ln2U, fused
	VFNMADD231PD ·expc+64(SB), Y3, Y0 // x -= k·ln2L, fused
	VMULPD       ·expc+96(SB), Y0, Y0
	VMOVUPD      ·expc+128(SB), Y4
	VFMADD213PD  ·expc+160(SB), Y0, Y4 // p = x·p + c
	VFMADD213PD  ·expc+192(SB), Y0, Y4
	VFMADD213PD  ·expc+224(SB), Y0, Y4
	VFMADD213PD  ·expc+256(SB), Y0, Y4
	VFMADD213PD  ·expc+288(SB), Y0, Y4
	VFMADD213PD  ·expc+320(SB), Y0, Y4
	VFMADD213PD  ·expc+352(SB), Y0, Y4
	VMULPD       Y4, Y0, Y0
	VADDPD       ·expc+384(SB), Y0, Y4
	VMULPD       Y4, Y0, Y0
	VADDPD       ·expc+384(SB), Y0, Y4
	VMULPD       Y4, Y0, Y0
	VADDPD       ·expc+384(SB), Y0, Y4
	VMULPD       Y4, Y0, Y0
	VADDPD       ·expc+384(SB), Y0, Y4
	VFMADD213PD  ·expc+352(SB), Y4, Y0 // x = (x+2)·x + 1, fused

	// 2^k: every lane needs 0 < k+1023 < 2047.
	VPADDD    X13, X2, X2
	VPCMPGTD  X15, X2, X5             // k+1023 > 0
	VPCMPGTD  X2, X14, X6             // 2047 > k+1023
	VPAND     X5, X6, X5
	VMOVMSKPS X5, BX
	CMPQ      BX, $15
	JNE       slow
	VPMOVZXDQ X2, Y5
	VPSLLQ    $52, Y5, Y5
	VMULPD    Y5, Y0, Y0
	VMOVUPD   Y0, (DI)(AX*8)
	ADDQ      $4, AX
	CMPQ      AX, CX
	JLT       loop

done:
slow:
	VZEROUPPER
	MOVQ AX, ret+24(FP)
	RET

// func expAVX512(dst, src *float64, n int) int
//
// expAVX2 eight lanes at a time: the same operations in the same order on
// each lane (the EVEX forms of the same IEEE instructions, under the same
// MXCSR rounding), so every lane on the plain path is bit-identical to
// expAVX2's and to math.Exp. A last block of n%8 lanes is loaded and stored
// under the mask K1; its lanes beyond n read as 0 (e^0 is on the plain path)
// and are not stored. At the first block with a lane off the plain path the
// loop stops and returns that block's index, a multiple of 8; otherwise it
// returns n. Needs only AVX-512F (see EXP8).
TEXT ·expAVX512(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	XORQ         AX, AX              // element index
	EXPCONSTS
	MOVQ         CX, DX
	ANDQ         $-8, DX             // the full blocks end at DX
	CMPQ         DX, $0
	JEQ          tail512

loop512:
	VMOVUPD (SI)(AX*8), Z0
	EXP8(slow512)
	VMOVUPD Z0, (DI)(AX*8)
	ADDQ    $8, AX
	CMPQ    AX, DX
	JLT     loop512

tail512:
	CMPQ      AX, CX
	JEQ       done512
	MOVQ      CX, DX
	SUBQ      AX, CX                 // 1…7 lanes left
	MOVL      $1, R9
	SHLL      CX, R9
	DECL      R9
	KMOVW     R9, K1
	VMOVUPD.Z (SI)(AX*8), K1, Z0
	EXP8(slow512)
	VMOVUPD   Z0, K1, (DI)(AX*8)
	MOVQ      DX, AX

done512:
slow512:
	VZEROUPPER
	MOVQ AX, ret+24(FP)
	RET
