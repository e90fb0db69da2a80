//go:build amd64 && !purego

#include "textflag.h"

// func needsClean(s string) bool
//
// Sixteen bytes a step: '&' or '\\' anywhere, or two '"' in a row (the
// last byte of a step carried into the next). The last bytes are read
// sixteen at a time as well when that stays within the page, else one at
// a time.
TEXT ·needsClean(SB), NOSPLIT, $0-17
	MOVQ s_base+0(FP), SI
	MOVQ s_len+8(FP), CX
	MOVOU ·cleanBytes+0(SB), X8
	MOVOU ·cleanBytes+16(SB), X9
	MOVOU ·cleanBytes+32(SB), X10
	XORL DX, DX // 1 if the byte before SI is a '"'

loop:
	CMPQ CX, $16
	JB tail
	MOVOU (SI), X0
	MOVL $0xffff, R9

check:
	// R9 keeps the bytes of X0 that belong to the text.
	MOVO X0, X1
	PCMPEQB X8, X1
	MOVO X0, X2
	PCMPEQB X9, X2
	POR X2, X1
	PMOVMSKB X1, AX
	PCMPEQB X10, X0
	PMOVMSKB X0, BX
	ANDL R9, AX
	ANDL R9, BX
	MOVL BX, R8
	SHLL $1, R8
	ORL DX, R8
	ANDL BX, R8 // a '"' after a '"'
	ORL R8, AX
	JNE yes
	SHRL $15, BX
	MOVL BX, DX
	ADDQ $16, SI
	SUBQ $16, CX
	JA loop
	JMP no

tail:
	// 0 to 15 bytes left.
	TESTQ CX, CX
	JEQ no
	MOVL SI, R9
	ANDL $4095, R9
	CMPL R9, $4080
	JA bytes
	MOVOU (SI), X0
	LEAQ ·lowBits(SB), R9
	MOVL (R9)(CX*4), R9
	MOVQ $16, CX // the step then ends the loop
	JMP check

bytes:
	MOVBLZX (SI), AX
	CMPL AX, $0x26 // '&'
	JEQ yes
	CMPL AX, $0x5c // '\\'
	JEQ yes
	CMPL AX, $0x22 // '"'
	JNE notquote
	TESTL DX, DX
	JNE yes
	MOVL $1, DX
	JMP nextbyte
notquote:
	XORL DX, DX
nextbyte:
	INCQ SI
	DECQ CX
	JNE bytes

no:
	MOVB $0, ret+16(FP)
	RET
yes:
	MOVB $1, ret+16(FP)
	RET
