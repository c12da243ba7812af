//go:build amd64 && !purego

#include "textflag.h"
#include "lanes_amd64.h"

#define C4L(off, bits) \
	DATA ·logc+(off)+0(SB)/8, $bits; \
	DATA ·logc+(off)+8(SB)/8, $bits; \
	DATA ·logc+(off)+16(SB)/8, $bits; \
	DATA ·logc+(off)+24(SB)/8, $bits

C4L(0, 0x000fffffffffffff) // mant
C4L(32, 0x3fe0000000000000) // half
C4L(64, 0x4330000000000000) // magic
C4L(96, 0x408ff00000000000) // c1022
C4L(128, 0x3fe6a09e667f3bcd) // hsqrt2
C4L(160, 0x3ff0000000000000) // one
C4L(192, 0x4000000000000000) // two
C4L(224, 0x3fe5555555555593) // L1
C4L(256, 0x3fd999999997fa04) // L2
C4L(288, 0x3fd2492494229359) // L3
C4L(320, 0x3fcc71c51d8e78af) // L4
C4L(352, 0x3fc7466496cb03de) // L5
C4L(384, 0x3fc39a09d078c69f) // L6
C4L(416, 0x3fc2f112df3e5244) // L7
C4L(448, 0x3fe62e42fee00000) // ln2hi
C4L(480, 0x3dea39ef35793c76) // ln2lo
C4L(512, 0x7ff0000000000000) // inf
GLOBL ·logc(SB), RODATA|NOPTR, $544

// func logAVX2(dst, src *float64, n int) int
//
// The lane-wise transcription of math.Log's amd64 assembly (log_amd64.s): the
// same operations in the same order, so every lane is bit-identical to it. A
// block of four whose lanes are not all positive and finite (0 < bits < +Inf's)
// stops the loop; its index is returned for the caller to finish.
TEXT ·logAVX2(SB), NOSPLIT, $0-32
	MOVQ    dst+0(FP), DI
	MOVQ    src+8(FP), SI
	MOVQ    n+16(FP), CX
	XORQ    AX, AX
	VPXOR   Y15, Y15, Y15
	VMOVDQU ·logc+512(SB), Y14
	CMPQ    CX, $0
	JEQ     ldone

lloop:
	VMOVDQU   (SI)(AX*8), Y0
	VPCMPGTQ  Y15, Y0, Y5     // bits > 0
	VPCMPGTQ  Y0, Y14, Y6     // +Inf's bits > bits
	VPAND     Y5, Y6, Y5
	VMOVMSKPD Y5, BX
	CMPQ      BX, $15
	JNE       ldone
	VPAND     ·logc+0(SB), Y0, Y1
	VPOR      ·logc+32(SB), Y1, Y1       // f1
	VPSRLQ    $52, Y0, Y2
	VPOR      ·logc+64(SB), Y2, Y2
	VSUBPD    ·logc+64(SB), Y2, Y2       // the exponent field, exactly
	VSUBPD    ·logc+96(SB), Y2, Y2       // k
	VMOVUPD   ·logc+128(SB), Y3
	VCMPPD    $5, Y1, Y3, Y3   // !(Sqrt2/2 < f1)
	VANDPD    ·logc+160(SB), Y3, Y4       // 1 or 0
	VSUBPD    Y4, Y2, Y2
	VADDPD    ·logc+160(SB), Y4, Y4       // 2 or 1
	VMULPD    Y4, Y1, Y1
	VSUBPD    ·logc+160(SB), Y1, Y1       // f
	VADDPD    ·logc+192(SB), Y1, Y3
	VDIVPD    Y3, Y1, Y3       // s = f/(2+f)
	VMULPD    Y3, Y3, Y4       // s2
	VMULPD    Y4, Y4, Y5       // s4
	VMULPD    ·logc+416(SB), Y5, Y6
	VADDPD    ·logc+352(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    ·logc+288(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    ·logc+224(SB), Y6, Y6
	VMULPD    Y6, Y4, Y4       // t1
	VMULPD    ·logc+384(SB), Y5, Y6
	VADDPD    ·logc+320(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    ·logc+256(SB), Y6, Y6
	VMULPD    Y6, Y5, Y5       // t2
	VADDPD    Y5, Y4, Y4       // R
	VMULPD    ·logc+32(SB), Y1, Y7
	VMULPD    Y1, Y7, Y7       // hfsq
	VADDPD    Y7, Y4, Y4
	VMULPD    Y4, Y3, Y3       // s*(hfsq+R)
	VMULPD    ·logc+480(SB), Y2, Y8
	VADDPD    Y8, Y3, Y3
	VSUBPD    Y3, Y7, Y7
	VSUBPD    Y1, Y7, Y7
	VMULPD    ·logc+448(SB), Y2, Y2
	VSUBPD    Y7, Y2, Y2
	VMOVUPD   Y2, (DI)(AX*8)
	ADDQ      $4, AX
	CMPQ      AX, CX
	JLT       lloop

ldone:
	VZEROUPPER
	MOVQ AX, ret+24(FP)
	RET

// func logAVX512(dst, src *float64, n int) int
//
// logAVX2 eight lanes at a time: the same operations in the same order on
// each lane (the EVEX forms of the same IEEE instructions), so every lane is
// bit-identical to logAVX2's and to math.Log. A last block of n%8 lanes is
// loaded and stored under the mask K1, its lanes beyond n reading as 1 (on
// the plain path) and not stored. At the first block with a lane that is not
// positive and finite the loop stops and returns that block's index, a
// multiple of 8; otherwise it returns n. Needs only AVX-512F.
TEXT ·logAVX512(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	XORQ         AX, AX
	LOGCONSTS
	MOVQ         CX, DX
	ANDQ         $-8, DX             // the full blocks end at DX
	CMPQ         DX, $0
	JEQ          ltail512

lloop512:
	VMOVDQU64 (SI)(AX*8), Z0
	LOG8(lslow512)
	VMOVUPD   Z2, (DI)(AX*8)
	ADDQ      $8, AX
	CMPQ      AX, DX
	JLT       lloop512

ltail512:
	CMPQ    AX, CX
	JEQ     ldone512
	MOVQ    CX, DX
	SUBQ    AX, CX                   // 1…7 lanes left
	MOVL    $1, R9
	SHLL    CX, R9
	DECL    R9
	KMOVW   R9, K1
	VMOVAPD Z21, Z0                  // 1 in the lanes beyond n
	VMOVUPD (SI)(AX*8), K1, Z0
	LOG8(lslow512)
	VMOVUPD Z2, K1, (DI)(AX*8)
	MOVQ    DX, AX

ldone512:
lslow512:
	VZEROUPPER
	MOVQ AX, ret+24(FP)
	RET
