//go:build amd64 && !purego

#include "textflag.h"

// func sumWeights(w *wpair, ids *uint32, n int) (neg, pos int64)
TEXT ·sumWeights(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ ids+8(FP), DI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	XORQ BX, BX
	TESTQ CX, CX
	JLE done
loop:
	MOVL (DI), DX
	MOVWQSX (SI)(DX*4), R8
	MOVWQSX 2(SI)(DX*4), R9
	ADDQ R8, AX
	ADDQ R9, BX
	ADDQ $4, DI
	DECQ CX
	JNE loop
done:
	MOVQ AX, neg+24(FP)
	MOVQ BX, pos+32(FP)
	RET

// func denseDot(x *[nDense]float32, d *[nDense][2]float32) (neg, pos float32)
// Lanes of X0: neg over even features, pos over even, neg over odd, pos
// over odd. nDense is even (TestDenseDot).
TEXT ·denseDot(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ d+8(FP), DI
	MOVQ $19, CX // nDense / 2
	XORPS X0, X0
loop:
	MOVSD (SI), X1     // x[j], x[j+1]
	UNPCKLPS X1, X1    // x[j], x[j], x[j+1], x[j+1]
	MOVUPS (DI), X2    // d[j][0], d[j][1], d[j+1][0], d[j+1][1]
	MULPS X2, X1
	ADDPS X1, X0
	ADDQ $8, SI
	ADDQ $16, DI
	DECQ CX
	JNE loop
	MOVAPS X0, X1
	MOVHLPS X0, X1     // the odd lanes down
	ADDPS X1, X0       // even + odd
	MOVSS X0, neg+16(FP)
	SHUFPS $0x55, X0, X0
	MOVSS X0, pos+20(FP)
	RET
