//go:build amd64 && !purego

#include "textflag.h"

// TWO_IDS adds the weights of the ids at off(DI) and off+4(DI): the first
// to AX and BX, the second to R10 and R11.
#define TWO_IDS(off) \
	MOVL off(DI), DX; \
	MOVL off+4(DI), R12; \
	MOVWQSX (SI)(DX*4), R8; \
	MOVWQSX 2(SI)(DX*4), R9; \
	ADDQ R8, AX; \
	ADDQ R9, BX; \
	MOVWQSX (SI)(R12*4), R8; \
	MOVWQSX 2(SI)(R12*4), R9; \
	ADDQ R8, R10; \
	ADDQ R9, R11

// func sumWeights(w *wpair, ids *uint32, n int) (neg, pos int64)
// Four ids a step into two pairs of sums, then the rest one at a time.
TEXT ·sumWeights(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ ids+8(FP), DI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	XORQ BX, BX
	XORQ R10, R10
	XORQ R11, R11
	CMPQ CX, $4
	JLT one
four:
	TWO_IDS(0)
	TWO_IDS(8)
	ADDQ $16, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE four
one:
	TESTQ CX, CX
	JLE done
	MOVL (DI), DX
	MOVWQSX (SI)(DX*4), R8
	MOVWQSX 2(SI)(DX*4), R9
	ADDQ R8, AX
	ADDQ R9, BX
	ADDQ $4, DI
	DECQ CX
	JMP one
done:
	ADDQ R10, AX
	ADDQ R11, BX
	MOVQ AX, neg+24(FP)
	MOVQ BX, pos+32(FP)
	RET

// func denseDot(x *[nDense]float32, d *[nDense][2]float32) (neg, pos float32)
// Lanes of X0: neg over even features, pos over even, neg over odd, pos
// over odd. nDense is even (TestDenseDot).
TEXT ·denseDot(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ d+8(FP), DI
	XORPS X0, X0
	// Nineteen steps of two features: x[j], x[j], x[j+1], x[j+1] times
	// d[j][0], d[j][1], d[j+1][0], d[j+1][1].
	MOVSD 0(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 0(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 8(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 16(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 16(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 32(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 24(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 48(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 32(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 64(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 40(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 80(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 48(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 96(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 56(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 112(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 64(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 128(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 72(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 144(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 80(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 160(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 88(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 176(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 96(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 192(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 104(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 208(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 112(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 224(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 120(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 240(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 128(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 256(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 136(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 272(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVSD 144(SI), X1
	UNPCKLPS X1, X1
	MOVUPS 288(DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	MOVAPS X0, X1
	MOVHLPS X0, X1     // the odd lanes down
	ADDPS X1, X0       // even + odd
	MOVSS X0, neg+16(FP)
	SHUFPS $0x55, X0, X0
	MOVSS X0, pos+20(FP)
	RET
