//go:build amd64 && !purego

#include "textflag.h"

// Offsets in runState (TestRunStateLayout checks them).
#define ST_S 0
#define ST_LEN 8
#define ST_W 16
#define ST_SHIFT 24
#define ST_LEX 32
#define ST_I 40
#define ST_RUNEND 48
#define ST_PREV 56
#define ST_SALT 64
#define ST_N 72
#define ST_ATWORD 80
#define ST_NEV 88
#define ST_EV 96
#define MAX_EVENTS 16
#define ST_NEGWORDS 160

// Offset of lexTable.filter (TestRunStateLayout checks it).
#define LEX_FILTER 393216

#define K1 $0x9e3779b97f4a7c15
#define K2 $0xbf58476d1ce4e5b9

// CLASSIFY marks in X1 the ASCII letters and digits among the sixteen
// bytes in X0 and in X4 the letters; X3 gets the bytes with bit 5 set
// (lower case for letters). Signed compares: bytes from 0x80 are neither.
#define CLASSIFY \
	MOVO X0, X1; \
	PCMPGTB X8, X1; \
	MOVO X9, X2; \
	PCMPGTB X0, X2; \
	PAND X2, X1; \
	MOVO X0, X3; \
	POR X10, X3; \
	MOVO X3, X4; \
	PCMPGTB X11, X4; \
	MOVO X12, X5; \
	PCMPGTB X3, X5; \
	PAND X5, X4; \
	POR X4, X1

// Registers:
//   SI text, DI i, R8 runEnd, R14 len, R10 weights, CX shift,
//   R11 lexicon slots, R12 where the next id goes, X14 prev, X15 words taken;
//   X8..X12 the bytes 0x2f 0x3a 0x20 0x60 0x7b, X13 zero;
//   AX BX DX R9 R13 scratch; DX holds the word's length l, BX its address.
// (An ABI0 function may use R14 and X15: the wrapper restores them.)

// func plainWords(st *runState, ids *uint32)
TEXT ·plainWords(SB), NOSPLIT, $0-16
	MOVQ st+0(FP), AX
	MOVQ ST_S(AX), SI
	MOVQ ST_LEN(AX), R14
	MOVQ ST_W(AX), R10
	MOVQ ST_SHIFT(AX), CX
	MOVQ ST_LEX(AX), R11
	MOVQ ST_I(AX), DI
	MOVQ ST_RUNEND(AX), R8
	MOVQ ST_PREV(AX), BX
	MOVQ BX, X14
	MOVQ ids+8(FP), R12
	PXOR X15, X15

	MOVOU ·classifyBytes+0(SB), X8
	MOVOU ·classifyBytes+16(SB), X9
	MOVOU ·classifyBytes+32(SB), X10
	MOVOU ·classifyBytes+48(SB), X11
	MOVOU ·classifyBytes+64(SB), X12
	PXOR X13, X13

loop:
	CMPQ DI, R8
	JGT atword
	LEAQ (SI)(DI*1), BX
	MOVQ R14, AX
	SUBQ DI, AX // rem: the bytes left, at least one
	CMPQ AX, $16
	JLT tail
	MOVOU (BX), X0
	CLASSIFY
	PMOVMSKB X1, R9
	NOTL R9
	BSFL R9, DX // l: the first byte that is neither letter nor digit
	CMPL DX, $15
	JA atword
	TESTL DX, DX
	JEQ atword
	MOVBLZX (BX)(DX*1), AX // the byte after the word
	JMP havenext

tail:
	// Fewer than sixteen bytes left: read sixteen only within the page
	// and ignore those past the end.
	MOVL BX, R9
	ANDL $4095, R9
	CMPL R9, $4080
	JA atword
	MOVOU (BX), X0
	CLASSIFY
	PMOVMSKB X1, R9
	LEAQ ·lowBits(SB), R13
	ANDL (R13)(AX*4), R9
	NOTL R9
	BSFL R9, DX
	CMPL DX, $15
	JA atword
	TESTL DX, DX
	JEQ atword
	CMPL DX, AX
	JEQ atend
	MOVBLZX (BX)(DX*1), AX
	JMP havenext
atend:
	XORL AX, AX // the end of the text: no byte after the word

havenext:
	// The byte after the word (AX) must not be a letter, a digit, an
	// apostrophe or a non-ASCII byte.
	LEAQ ·plainEnd(SB), R9
	CMPB (R9)(AX*1), $0
	JEQ atword

	// The first byte must not start a number, a link or a letter emoticon.
	MOVBLZX (BX), R9
	LEAQ ·plainFirst(SB), R13
	MOVBLZX (R13)(R9*1), R9
	TESTL R9, R9
	JNE first

firstok:
	// No letter three times in a row: lc[k] == lc[k+1] == lc[k+2] for some
	// k with k+2 < l.
	MOVO X3, X6
	PSRLDQ $1, X6
	PCMPEQB X3, X6
	MOVO X3, X7
	PSRLDQ $2, X7
	PCMPEQB X3, X7
	PAND X6, X7
	PMOVMSKB X7, AX
	LEAQ ·lowBits(SB), R9
	MOVL (R9)(DX*4), R13 // the word's bytes
	MOVL R13, R9
	SHRL $2, R9
	TESTL R9, AX
	JNE atword

	// Not in capitals: no lower-case letter and two or more upper-case ones.
	PMOVMSKB X4, AX
	ANDL R13, AX // letters
	MOVO X0, X6
	PAND X10, X6
	PCMPEQB X13, X6
	PAND X4, X6
	PMOVMSKB X6, R9
	ANDL R13, R9 // upper-case letters
	CMPL AX, R9
	JNE notcaps
	LEAL -1(R9), AX
	TESTL R9, AX
	JNE atword

notcaps:
	// lower: the word's bytes with bit 5 set; h: hashWord of it, one
	// round per eight bytes.
	MOVQ $0x2020202020202020, R13
	MOVQ X0, AX
	CMPL DX, $8
	JA long
	LEAQ ·byteMasks(SB), R9
	MOVQ (R9)(DX*8), R9
	ANDQ R9, AX
	ANDQ R9, R13
long:
	ORQ R13, AX
	MOVQ K1, BX
	IMULQ DX, BX
	XORQ AX, BX
	MOVQ $0x6a09e667f3bcc909, AX
	XORQ AX, BX
	MOVQ K2, AX
	IMULQ AX, BX
	MOVQ BX, AX
	SHRQ $31, AX
	XORQ AX, BX
	CMPL DX, $8
	JBE hashed
	// The second eight bytes: byteMasks[l-8] of them.
	MOVO X0, X6
	PSRLDQ $8, X6
	MOVQ X6, AX
	LEAQ ·byteMasks(SB), R9
	MOVQ -64(R9)(DX*8), R9
	ANDQ R9, AX
	MOVQ $0x2020202020202020, R13
	ANDQ R9, R13
	ORQ R13, AX
	XORQ AX, BX
	MOVQ K2, AX
	IMULQ AX, BX
	MOVQ BX, AX
	SHRQ $31, AX
	XORQ AX, BX
hashed:
	// BX = h.

	// A word the lexicon knows goes to plainWord. Most words fail the
	// filter and skip the probe.
	MOVQ BX, AX
	SHRQ $46, AX
	MOVQ AX, R9
	SHRQ $6, R9
	MOVQ LEX_FILTER(R11)(R9*8), R9
	BTQ AX, R9
	JCC miss
	MOVQ BX, AX
	SHRQ $32, AX
	TESTL AX, AX
	JNE keyok
	MOVL $1, AX
keyok:
	MOVL BX, R9
	ANDL $0x7fff, R9
probe:
	LEAQ (R9)(R9*2), R13
	MOVL (R11)(R13*4), R13
	CMPL R13, AX
	JEQ hit
	TESTL R13, R13
	JEQ miss
	INCL R9
	ANDL $0x7fff, R9
	JMP probe

miss:
	// The unigram, bucket(h ^ salt), and the bigram, bucket(pairHash(prev,
	// h) ^ saltBi): their ids go to st.ids, and their weights are fetched
	// into the cache now, to be added at the end of the post.
	MOVQ st+0(FP), R13
	MOVQ ST_SALT(R13), AX
	XORQ BX, AX
	MOVQ K1, R9
	IMULQ R9, AX
	SHRQ CX, AX
	MOVL AX, (R12)
	PREFETCHT0 (R10)(AX*4)

	MOVQ X14, AX
	IMULQ R9, AX
	XORQ BX, AX
	MOVQ K2, R9
	IMULQ R9, AX
	MOVQ AX, R9
	SHRQ $29, R9
	XORQ R9, AX
	MOVQ $0x165667b19e3779f9, R9
	XORQ R9, AX
	MOVQ K1, R9
	IMULQ R9, AX
	SHRQ CX, AX
	MOVL AX, 4(R12)
	PREFETCHT0 (R10)(AX*4)
	ADDQ $8, R12

	MOVQ BX, X14
	PCMPEQL X6, X6
	PSUBQ X6, X15 // one more word
	ADDQ DX, DI

	// The next word, one space on, or after ", " or ". ": a clause
	// boundary, which ends a negation scope.
	LEAQ 1(DI), AX
	CMPQ AX, R14
	JGE after
	MOVBLZX (SI)(DI*1), AX
	CMPL AX, $0x20
	JNE punct
	MOVBLZX 1(SI)(DI*1), AX
	LEAQ ·alnum(SB), R9
	CMPB (R9)(AX*1), $0
	JEQ after
	INCQ DI
	JMP loop
punct:
	CMPL AX, $0x2c // ','
	JEQ boundary
	CMPL AX, $0x2e // '.'
	JNE after
boundary:
	LEAQ 2(DI), AX
	CMPQ AX, R14
	JGE after
	CMPB 1(SI)(DI*1), $0x20
	JNE after
	MOVBLZX 2(SI)(DI*1), AX
	LEAQ ·alnum(SB), R9
	CMPB (R9)(AX*1), $0
	JEQ after
	MOVQ st+0(FP), R13
	MOVQ K1, R9 // saltUni
	MOVQ R9, ST_SALT(R13)
	CMPQ ST_NEGWORDS(R13), $0
	JGE bounded
	MOVQ X15, AX
	MOVQ AX, ST_NEGWORDS(R13)
bounded:
	ADDQ $2, DI
	JMP loop

hit:
	// R9 is the word's slot. A word with flags goes to plainWord; one
	// without is taken, with an event for replayLex: k<<16 | slot.
	LEAQ (R9)(R9*2), R13
	CMPB 8(R11)(R13*4), $0
	JNE atword
	MOVQ st+0(FP), AX
	MOVQ ST_NEV(AX), R13
	CMPQ R13, $MAX_EVENTS
	JAE atword
	MOVQ DX, X7 // l, while DX holds the event
	MOVQ X15, DX
	SHLQ $16, DX
	ORQ R9, DX
	MOVL DX, ST_EV(AX)(R13*4)
	INCQ R13
	MOVQ R13, ST_NEV(AX)
	MOVQ X7, DX
	JMP miss

first:
	// R9 holds plainFirst of the first byte, AX the byte after the word.
	CMPL R9, $1 // pfDigit
	JEQ atword
	CMPL R9, $2 // pfH: "http:"
	JNE notH
	CMPL AX, $0x3a
	JEQ atword
	JMP firstok
notH:
	CMPL R9, $4 // pfW: "www."
	JNE notW
	CMPL AX, $0x2e
	JEQ atword
	JMP firstok
notW:
	// pfEmot: the second byte, which is the byte after a one-byte word.
	CMPL DX, $1
	JEQ emot
	MOVBLZX 1(BX), AX
emot:
	CMPL AX, $0x44 // 'D'
	JEQ atword
	CMPL AX, $0x5f // '_'
	JEQ atword
	CMPL AX, $0x2e // '.'
	JEQ atword
	JMP firstok

atword:
	MOVQ $1, AX
	JMP out
after:
	XORQ AX, AX
out:
	MOVQ st+0(FP), R13
	MOVQ DI, ST_I(R13)
	MOVQ X14, BX
	MOVQ BX, ST_PREV(R13)
	MOVQ X15, BX
	MOVQ BX, ST_N(R13)
	MOVQ AX, ST_ATWORD(R13)
	RET
