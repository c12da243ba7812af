//go:build amd64 && !purego

#include "textflag.h"

// func adamStepAVX2(params, grad, m, v *float64, n int, c *adamConsts)
//
// For i < n (a multiple of 4), four lanes at a time:
// m = b1·m + (1−b1)·g; v = b2·v + ((1−b2)·g)·g; p −= (lr·m)/(sqrt(v) + eps).
TEXT ·adamStepAVX2(SB), NOSPLIT, $0-48
	MOVQ         params+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), DX
	MOVQ         v+24(FP), R8
	MOVQ         n+32(FP), CX
	MOVQ         c+40(FP), R9
	VBROADCASTSD 0(R9), Y10   // b1
	VBROADCASTSD 8(R9), Y11   // 1−b1
	VBROADCASTSD 16(R9), Y12  // b2
	VBROADCASTSD 24(R9), Y13  // 1−b2
	VBROADCASTSD 32(R9), Y14  // lr
	VBROADCASTSD 40(R9), Y15  // eps
	XORQ         AX, AX

loop:
	VMOVUPD (SI)(AX*8), Y0     // g
	VMULPD  (DX)(AX*8), Y10, Y1
	VMULPD  Y0, Y11, Y2
	VADDPD  Y2, Y1, Y1         // m
	VMOVUPD Y1, (DX)(AX*8)
	VMULPD  (R8)(AX*8), Y12, Y3
	VMULPD  Y0, Y13, Y4
	VMULPD  Y0, Y4, Y4
	VADDPD  Y4, Y3, Y3         // v
	VMOVUPD Y3, (R8)(AX*8)
	VSQRTPD Y3, Y3
	VADDPD  Y15, Y3, Y3        // sqrt(v) + eps
	VMULPD  Y1, Y14, Y1        // lr·m
	VDIVPD  Y3, Y1, Y1
	VMOVUPD (DI)(AX*8), Y5
	VSUBPD  Y1, Y5, Y5
	VMOVUPD Y5, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, CX
	JLT     loop
	VZEROUPPER
	RET
