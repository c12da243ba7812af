//go:build amd64 && !purego

#include "textflag.h"

// func addVecAVX2(dst, a, b *float64, n int)
TEXT ·addVecAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ AX, AX

add8:
	LEAQ    8(AX), BX
	CMPQ    BX, CX
	JGT     add1
	VMOVUPD (SI)(AX*8), Y0
	VMOVUPD 32(SI)(AX*8), Y1
	VADDPD  (DX)(AX*8), Y0, Y0
	VADDPD  32(DX)(AX*8), Y1, Y1
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	MOVQ    BX, AX
	JMP     add8

add1:
	CMPQ    AX, CX
	JGE     adddone
	VMOVSD  (SI)(AX*8), X0
	VADDSD  (DX)(AX*8), X0, X0
	VMOVSD  X0, (DI)(AX*8)
	INCQ    AX
	JMP     add1

adddone:
	VZEROUPPER
	RET

// func axpyVecAVX2(dst *float64, alpha float64, x *float64, n int)
TEXT ·axpyVecAVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	VBROADCASTSD alpha+8(FP), Y2
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	XORQ         AX, AX

axpy8:
	LEAQ    8(AX), BX
	CMPQ    BX, CX
	JGT     axpy1
	VMULPD  (SI)(AX*8), Y2, Y0
	VMULPD  32(SI)(AX*8), Y2, Y1
	VADDPD  (DI)(AX*8), Y0, Y0
	VADDPD  32(DI)(AX*8), Y1, Y1
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	MOVQ    BX, AX
	JMP     axpy8

axpy1:
	CMPQ    AX, CX
	JGE     axpydone
	VMULSD  (SI)(AX*8), X2, X0
	VADDSD  (DI)(AX*8), X0, X0
	VMOVSD  X0, (DI)(AX*8)
	INCQ    AX
	JMP     axpy1

axpydone:
	VZEROUPPER
	RET
