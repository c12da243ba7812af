// The eight-lane exp and log shared by the AVX-512 kernels (exp_amd64.s,
// log_amd64.s, lse_amd64.s): each the AVX2 kernel's instructions in their EVEX
// forms, in the same order, so that every lane gets the bits of the four-lane
// kernels, of math.Exp and math.Log, and of the twins.

// EXPCONSTS puts exp's constants in Z16…Z31: log2e, ln2U, ln2L, 0.0625,
// c8…c3, 0.5, 1 and 2 in Z16…Z28, then 1023 and 2047 as int32 and 0.
#define EXPCONSTS                       \
	VBROADCASTSD ·expc+0(SB), Z16   \
	VBROADCASTSD ·expc+32(SB), Z17  \
	VBROADCASTSD ·expc+64(SB), Z18  \
	VBROADCASTSD ·expc+96(SB), Z19  \
	VBROADCASTSD ·expc+128(SB), Z20 \
	VBROADCASTSD ·expc+160(SB), Z21 \
	VBROADCASTSD ·expc+192(SB), Z22 \
	VBROADCASTSD ·expc+224(SB), Z23 \
	VBROADCASTSD ·expc+256(SB), Z24 \
	VBROADCASTSD ·expc+288(SB), Z25 \
	VBROADCASTSD ·expc+320(SB), Z26 \
	VBROADCASTSD ·expc+352(SB), Z27 \
	VBROADCASTSD ·expc+384(SB), Z28 \
	VPBROADCASTD ·expc+416(SB), Z29 \
	VPBROADCASTD ·expc+432(SB), Z30 \
	VPXORQ       Z31, Z31, Z31

// LOGCONSTS puts log's constants in Z14…Z31: +Inf's bits and 0, then mant,
// half, magic, c1022, hsqrt2, 1, 2, L1…L7, ln2hi and ln2lo (see ·logc).
#define LOGCONSTS                       \
	VBROADCASTSD ·logc+512(SB), Z14 \
	VPXORQ       Z15, Z15, Z15      \
	VBROADCASTSD ·logc+0(SB), Z16   \
	VBROADCASTSD ·logc+32(SB), Z17  \
	VBROADCASTSD ·logc+64(SB), Z18  \
	VBROADCASTSD ·logc+96(SB), Z19  \
	VBROADCASTSD ·logc+128(SB), Z20 \
	VBROADCASTSD ·logc+160(SB), Z21 \
	VBROADCASTSD ·logc+192(SB), Z22 \
	VBROADCASTSD ·logc+224(SB), Z23 \
	VBROADCASTSD ·logc+256(SB), Z24 \
	VBROADCASTSD ·logc+288(SB), Z25 \
	VBROADCASTSD ·logc+320(SB), Z26 \
	VBROADCASTSD ·logc+352(SB), Z27 \
	VBROADCASTSD ·logc+384(SB), Z28 \
	VBROADCASTSD ·logc+416(SB), Z29 \
	VBROADCASTSD ·logc+448(SB), Z30 \
	VBROADCASTSD ·logc+480(SB), Z31

// EXP8 replaces the eight lanes of Z0 by their e^x, the operations of
// expAVX2's loop one for one on the constants EXPCONSTS put in Z16…Z31, and
// jumps to slow when a lane is off the plain path. It writes Z0…Z5, K2 and
// BX. The test of expAVX2 runs on all sixteen int32 of Z2, whose upper eight
// are zero (VCVTPD2DQ to Y zeroes them) and pass as k = 0, so it needs only
// AVX-512F.
#define EXP8(slow)                   \
	VMULPD       Z16, Z0, Z1     \
	VCVTPD2DQ    Z1, Y2          \
	VCVTDQ2PD    Y2, Z3          \
	VFNMADD231PD Z17, Z3, Z0     \
	VFNMADD231PD Z18, Z3, Z0     \
	VMULPD       Z19, Z0, Z0     \
	VMOVAPD      Z20, Z4         \
	VFMADD213PD  Z21, Z0, Z4     \
	VFMADD213PD  Z22, Z0, Z4     \
	VFMADD213PD  Z23, Z0, Z4     \
	VFMADD213PD  Z24, Z0, Z4     \
	VFMADD213PD  Z25, Z0, Z4     \
	VFMADD213PD  Z26, Z0, Z4     \
	VFMADD213PD  Z27, Z0, Z4     \
	VMULPD       Z4, Z0, Z0      \
	VADDPD       Z28, Z0, Z4     \
	VMULPD       Z4, Z0, Z0      \
	VADDPD       Z28, Z0, Z4     \
	VMULPD       Z4, Z0, Z0      \
	VADDPD       Z28, Z0, Z4     \
	VMULPD       Z4, Z0, Z0      \
	VADDPD       Z28, Z0, Z4     \
	VFMADD213PD  Z27, Z4, Z0     \
	VPADDD       Z29, Z2, Z2     \
	VPCMPGTD     Z31, Z2, K2     \
	VPCMPGTD     Z2, Z30, K2, K2 \
	KMOVW        K2, BX          \
	CMPL         BX, $0xffff     \
	JNE          slow            \
	VPMOVZXDQ    Y2, Z5          \
	VPSLLQ       $52, Z5, Z5     \
	VMULPD       Z5, Z0, Z0

// LOG8 puts the logs of the eight lanes of Z0 in Z2, the operations of
// logAVX2's loop one for one on the constants LOGCONSTS put in Z14…Z31, and
// jumps to slow when a lane is not positive and finite. It writes Z1…Z8, K2,
// K3 and BX. The compare that picks k and f1 sets K3 instead of a vector
// mask, and the 1-or-0 that logAVX2 takes with VANDPD is a zeroing move of 1
// under K3: the same values.
#define LOG8(slow)                \
	VPCMPGTQ  Z15, Z0, K2     \
	VPCMPGTQ  Z0, Z14, K2, K2 \
	KMOVW     K2, BX          \
	CMPL      BX, $0xff       \
	JNE       slow            \
	VPANDQ    Z16, Z0, Z1     \
	VPORQ     Z17, Z1, Z1     \
	VPSRLQ    $52, Z0, Z2     \
	VPORQ     Z18, Z2, Z2     \
	VSUBPD    Z18, Z2, Z2     \
	VSUBPD    Z19, Z2, Z2     \
	VCMPPD    $5, Z1, Z20, K3 \
	VMOVAPD.Z Z21, K3, Z4     \
	VSUBPD    Z4, Z2, Z2      \
	VADDPD    Z21, Z4, Z4     \
	VMULPD    Z4, Z1, Z1      \
	VSUBPD    Z21, Z1, Z1     \
	VADDPD    Z22, Z1, Z3     \
	VDIVPD    Z3, Z1, Z3      \
	VMULPD    Z3, Z3, Z4      \
	VMULPD    Z4, Z4, Z5      \
	VMULPD    Z29, Z5, Z6     \
	VADDPD    Z27, Z6, Z6     \
	VMULPD    Z5, Z6, Z6      \
	VADDPD    Z25, Z6, Z6     \
	VMULPD    Z5, Z6, Z6      \
	VADDPD    Z23, Z6, Z6     \
	VMULPD    Z6, Z4, Z4      \
	VMULPD    Z28, Z5, Z6     \
	VADDPD    Z26, Z6, Z6     \
	VMULPD    Z5, Z6, Z6      \
	VADDPD    Z24, Z6, Z6     \
	VMULPD    Z6, Z5, Z5      \
	VADDPD    Z5, Z4, Z4      \
	VMULPD    Z17, Z1, Z7     \
	VMULPD    Z1, Z7, Z7      \
	VADDPD    Z7, Z4, Z4      \
	VMULPD    Z4, Z3, Z3      \
	VMULPD    Z31, Z2, Z8     \
	VADDPD    Z8, Z3, Z3      \
	VSUBPD    Z3, Z7, Z7      \
	VSUBPD    Z1, Z7, Z7      \
	VMULPD    Z30, Z2, Z2     \
	VSUBPD    Z7, Z2, Z2
