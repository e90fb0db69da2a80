//go:build amd64 && !purego

#include "textflag.h"

// Offsets in runState (TestRunStateLayout checks them).
#define ST_S 0
#define ST_LEN 8
#define ST_W 16
#define ST_SHIFT 24
#define ST_LEX 32
#define ST_I 40
#define ST_ROOM 48
#define ST_PREV 56
#define ST_SALT 64
#define ST_N 72
#define ST_ATWORD 80
#define ST_NEV 88
#define ST_EV 96
#define MAX_EVENTS 16
#define EV_NUM 5
#define EV_ELLIPSIS 6
#define EV_USER 7
#define ST_NIDS 160
#define ST_EVW 168
#define ST_HS 176
#define ST_CNT 304
#define ST_LASTTOK 336
#define ST_LASTKIND 344
#define ST_NCAPS 352
#define ST_ADV 360
#define EV_NEG $0x10000000
#define EV_PAIR $0x40000000
#define EV_NOENTRY $0x20000000
#define SALT_UNI_NEG $0xc2b2ae3d27d4eb4f

// sepClass's classes (TestRunStateLayout checks them).
#define SEP_STOP 0
#define SEP_SKIP 1
#define SEP_WORD 2
#define SEP_COMMA 3
#define SEP_DOT 4
#define SEP_MARK 5
#define SEP_DASH 6
#define SEP_AT 7
#define SEP_COLON 8

// Offset of lexTable.filter (TestRunStateLayout checks it).
#define LEX_FILTER 393216

#define K1 $0x9e3779b97f4a7c15
#define K2 $0xbf58476d1ce4e5b9
#define SALT_BI $0x165667b19e3779f9

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

// UNIGRAM writes the unigram id of the word with hash BX, salted with AX
// (bucket(h ^ salt)), and prefetches its weights; it leaves K1 in R9.
#define UNIGRAM \
	XORQ BX, AX; \
	MOVQ K1, R9; \
	IMULQ R9, AX; \
	SHRQ CX, AX; \
	MOVL AX, (R12); \
	PREFETCHT0 (R10)(AX*4)

// EVENT_ROOM leaves st in R13 and its count of events in R9, or goes to
// full when st.ev has no room left.
#define EVENT_ROOM(full) \
	MOVQ st+0(FP), R13; \
	MOVQ ST_NEV(R13), R9; \
	CMPQ R9, $MAX_EVENTS; \
	JAE full

// PUSH_EVENT appends the event in AX to st.ev, after EVENT_ROOM.
#define PUSH_EVENT \
	MOVL AX, ST_EV(R13)(R9*4); \
	INCQ R9; \
	MOVQ R9, ST_NEV(R13)

// ROOM goes to full when no token may start writing its two ids at R12.
#define ROOM(full) \
	MOVQ X13, R9; \
	CMPQ R12, R9; \
	JA full

// COUNT_TOKEN counts a token of kind BX that is not a word, with st in
// R13: one more of its kind, and one more token in the run, the last so
// far; it ends what the head of a two-word entry began.
#define COUNT_TOKEN \
	INCL ST_CNT(R13)(BX*4); \
	MOVQ BX, ST_LASTKIND(R13); \
	PCMPEQL X6, X6; \
	PSUBQ X6, X15; \
	MOVQ X15, R9; \
	MOVQ R9, ST_LASTTOK(R13); \
	MOVB $0, ST_EVW(R13)

// PAIR_FILTER goes to no unless the pair of the previous token (X14) and
// the word with hash BX, pairHash(prev, h), passes the lexicon's filter.
// It takes R9 and R13.
#define PAIR_FILTER(no) \
	MOVQ X14, R13; \
	MOVQ K1, R9; \
	IMULQ R9, R13; \
	XORQ BX, R13; \
	MOVQ K2, R9; \
	IMULQ R9, R13; \
	MOVQ R13, R9; \
	SHRQ $29, R9; \
	XORQ R9, R13; \
	SHRQ $46, R13; \
	MOVQ R13, R9; \
	SHRQ $6, R9; \
	MOVQ LEX_FILTER(R11)(R9*8), R9; \
	BTQ R13, R9; \
	JCC no

// BIGRAM writes the bigram id of the token with hash BX after the one in
// X14 (bucket(pairHash(prev, h) ^ saltBi)), prefetches its weights, steps
// R12 past both ids and makes BX the previous token. R9 must hold K1.
#define BIGRAM \
	MOVQ X14, AX; \
	IMULQ R9, AX; \
	XORQ BX, AX; \
	MOVQ K2, R13; \
	IMULQ R13, AX; \
	MOVQ AX, R13; \
	SHRQ $29, R13; \
	XORQ R13, AX; \
	MOVQ SALT_BI, R13; \
	XORQ R13, AX; \
	IMULQ R9, AX; \
	SHRQ CX, AX; \
	MOVL AX, 4(R12); \
	PREFETCHT0 (R10)(AX*4); \
	ADDQ $8, R12; \
	MOVQ BX, X14

// Registers:
//   SI text, DI i, R8 len-16, R14 len, R10 weights, CX shift,
//   R11 lexicon, R12 where the next id goes, X13 the last place a
//   token's two ids may start, X14 prev, X15 tokens taken;
//   X8..X12 the bytes 0x2f 0x3a 0x20 0x60 0x7b;
//   AX BX DX R9 R13 scratch; DX holds the word's length l, BX its address
//   and then its hash.
// (An ABI0 function may use R14 and X15: the wrapper restores them.)
//
// st.atWord on return: 0 after a token; at a word it did not take, 1 where
// only the room for ids or events ran out or the page ends, else 2.

// func plainWords(st *runState, ids *uint32)
TEXT ·plainWords(SB), NOSPLIT, $0-16
	MOVQ st+0(FP), AX
	MOVQ ST_S(AX), SI
	MOVQ ST_LEN(AX), R14
	MOVQ ST_W(AX), R10
	MOVQ ST_SHIFT(AX), CX
	MOVQ ST_LEX(AX), R11
	MOVQ ST_I(AX), DI
	LEAQ -16(R14), R8
	MOVQ ST_PREV(AX), BX
	MOVQ BX, X14
	MOVQ ids+8(FP), R12
	MOVQ ST_ROOM(AX), R9
	LEAQ -8(R12)(R9*4), R9
	MOVQ R9, X13
	PXOR X15, X15

	MOVOU ·classifyBytes+0(SB), X8
	MOVOU ·classifyBytes+16(SB), X9
	MOVOU ·classifyBytes+32(SB), X10
	MOVOU ·classifyBytes+48(SB), X11
	MOVOU ·classifyBytes+64(SB), X12

loop:
	CMPQ DI, R8
	JGT slow
	LEAQ (SI)(DI*1), BX
	MOVOU (BX), X0
	CLASSIFY
	PMOVMSKB X1, R9
	NOTL R9
	BSFL R9, DX // l: the first byte that is neither letter nor digit
	CMPL DX, $15
	JA notplain
	MOVBLZX (BX)(DX*1), AX // the byte after the word

havenext:
	// The byte after the word (AX) must not be a letter, a digit, an
	// apostrophe or a non-ASCII byte, and the first byte must not start a
	// number, a link or a letter emoticon: plainBytes has both.
	LEAQ ·plainBytes(SB), R13
	TESTB $0x80, (R13)(AX*1)
	JEQ notend
	MOVBLZX (BX), R9
	MOVBLZX (R13)(R9*1), R9
	ANDL $0x0f, R9
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
	SHLL $2, AX
	TESTL R13, AX
	JNE notplain

	// Not in capitals: a lower-case letter, or fewer than two letters.
	MOVO X0, X6
	PCMPEQB X3, X6 // bit 5 already set
	PAND X4, X6    // lower-case letters
	PMOVMSKB X6, AX
	TESTL R13, AX
	JNE hash
	PMOVMSKB X4, AX
	ANDL R13, AX
	LEAL -1(AX), R9
	TESTL AX, R9
	JEQ hash
	// In capitals: the word will be an event, with the caps bit.
	MOVQ st+0(FP), R9
	ORB $2, ST_EVW(R9)

hash:
	// h: hashWord of the word's bytes with bit 5 set, one round per
	// eight bytes; hashSeeds[l] is its starting value.
	MOVQ X0, AX
	MOVQ $0x2020202020202020, R13
	ORQ R13, AX
	CMPL DX, $8
	JA long
	LEAQ ·byteMasks(SB), R9
	ANDQ (R9)(DX*8), AX
long:
	LEAQ ·hashSeeds(SB), R9
	MOVQ (R9)(DX*8), BX
	XORQ AX, BX
	MOVQ K2, AX
	IMULQ AX, BX
	MOVQ BX, AX
	SHRQ $31, AX
	XORQ AX, BX
	CMPL DX, $8
	JBE hashed
	MOVO X0, X6
	PSRLDQ $8, X6
	MOVQ X6, AX
	ORQ R13, AX
	LEAQ ·byteMasks(SB), R9
	ANDQ -64(R9)(DX*8), AX // byteMasks[l-8]
	XORQ AX, BX
	MOVQ K2, AX
	IMULQ AX, BX
	MOVQ BX, AX
	SHRQ $31, AX
	XORQ AX, BX
hashed:

	// A word the lexicon knows goes through hit; most words fail the
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
	// h) ^ saltBi): their ids go to ids, and their weights are fetched
	// into the cache now, to be added at the end of the post.
	MOVQ st+0(FP), R13
	CMPB ST_EVW(R13), $0
	JNE evmiss
uni:
	MOVQ ST_SALT(R13), AX
	UNIGRAM
bigram:
	BIGRAM
	PCMPEQL X6, X6
	PSUBQ X6, X15 // one more token
	ADDQ DX, DI

next:
	// After a token: the separators up to the next word, as tokenize
	// takes them (sepClass, sepGoes).
	CMPQ DI, R14
	JGE after
	MOVBLZX (SI)(DI*1), AX
	LEAQ ·sepClass(SB), R13
	MOVBLZX (R13)(AX*1), R9
	CMPL R9, $SEP_SKIP
	JNE sep
skip:
	INCQ DI
	CMPQ DI, R14
	JGE after
	MOVBLZX (SI)(DI*1), AX
	MOVBLZX (R13)(AX*1), R9
	CMPL R9, $SEP_SKIP
	JEQ skip
sep:
	// R9 is the class of the byte AX at DI; R13 holds sepClass.
	CMPL R9, $SEP_WORD
	JNE notword
	ROOM(maybe)
	JMP loop
notword:
	CMPL R9, $SEP_COMMA
	JEQ comma
	CMPL R9, $SEP_MARK
	JEQ samerun
	CMPL R9, $SEP_DOT
	JEQ samerun
	CMPL R9, $SEP_AT
	JEQ at
	CMPL R9, $SEP_STOP
	JEQ after
	// "-", ":", ";" and brackets: by the byte after them.
	LEAQ 1(DI), BX
	CMPQ BX, R14
	JGE lastsep
	MOVBLZX (SI)(BX*1), DX
	CMPL R9, $SEP_DASH
	JNE notdash
	CMPL DX, $0x5f // '_'
	JEQ after
	CMPL DX, $0x2e // '.'
	JEQ after
	JMP skip
notdash:
	CMPL R9, $SEP_COLON
	JNE bracket
	CMPL DX, $0x20
	JEQ comma
	CMPL DX, $0x22 // '"'
	JEQ comma
	JMP after
bracket:
	CMPL DX, $0x3a // ':'
	JEQ after
	CMPL DX, $0x3b // ';'
	JEQ after
	CMPL DX, $0x3d // '='
	JEQ after
	CMPL DX, $0x2d // '-'
	JEQ after
	JMP skip
lastsep:
	// The last byte of the text: a colon is a clause boundary, the
	// others are skipped.
	CMPL R9, $SEP_COLON
	JNE skip

comma:
	// A clause boundary (tokenize's for ',', ';', ':' and '.'): the end of
	// any negation scope.
	MOVQ st+0(FP), R13
	MOVQ K1, R9 // saltUni
	MOVQ R9, ST_SALT(R13)
	INCQ DI
	JMP next

samerun:
	// A run of the byte in AX, "." or a mark, DX bytes long.
	MOVL $1, DX
samenext:
	LEAQ (DI)(DX*1), R9
	CMPQ R9, R14
	JGE sameend
	CMPB (SI)(R9*1), AL
	JNE sameend
	INCL DX
	JMP samenext
sameend:
	CMPL AX, $0x2e
	JNE markend
	// One "." is a clause boundary; more are an ellipsis, a token.
	CMPL DX, $1
	JEQ comma
	MOVL $EV_ELLIPSIS, BX
	JMP tokenev

markend:
	// BX = its kind: evExcl, evExcl2, evQuest or evQuest2.
	MOVL $1, BX
	CMPL AX, $0x3f
	JNE markone
	MOVL $3, BX
markone:
	CMPL DX, $1
	JEQ tokenev
	INCL BX

tokenev:
	// A token of kind BX and DX bytes, then a clause boundary.
	ROOM(after)
	MOVQ st+0(FP), R13
	COUNT_TOKEN
	MOVQ K1, R9 // saltUni: a clause boundary after the token
	MOVQ R9, ST_SALT(R13)
	LEAQ ·evHashes(SB), AX
	MOVQ -8(AX)(BX*8), BX
	CALL token<>(SB)
	ADDQ DX, DI
	JMP next

at:
	// "@" and a letter, digit or "_": a mention, up to the first byte
	// that is none of these. Else the "@" is skipped.
	LEAQ 1(DI), DX
	CMPQ DX, R14
	JGE skip
	MOVBLZX (SI)(DX*1), AX
	LEAQ ·userByte(SB), BX
	CMPB (BX)(AX*1), $0
	JEQ skip
userrun:
	INCQ DX
	CMPQ DX, R14
	JGE userend
	MOVBLZX (SI)(DX*1), AX
	CMPB (BX)(AX*1), $0
	JNE userrun
userend:
	ROOM(after)
	MOVQ st+0(FP), R13
	MOVL $EV_USER, BX
	COUNT_TOKEN
	MOVQ ·hUser(SB), BX
	CALL token<>(SB)
	MOVQ DX, DI
	JMP next

number:
	// A number: digits only (no letter among its l bytes), and not
	// followed by '.' or ',' and a digit ("3.39", "1,000").
	LEAQ ·lowBits(SB), R9
	MOVL (R9)(DX*4), R13
	PMOVMSKB X4, R9
	TESTL R13, R9
	JNE numletters
	CMPL AX, $0x2e
	JEQ numsep
	CMPL AX, $0x2c
	JNE numok
numsep:
	LEAQ 1(DI)(DX*1), R9
	CMPQ R9, R14
	JGE numok
	MOVBLZX (SI)(R9*1), R9
	SUBL $0x30, R9
	CMPL R9, $9
	JLS notplain
numok:
	MOVQ st+0(FP), R13
	MOVL $EV_NUM, BX
	COUNT_TOKEN
	MOVQ ·hNum(SB), BX
	CALL token<>(SB)
	ADDQ DX, DI
	JMP next

numletters:
	// Digits, then letters and nothing else ("1st", "19th", "8pm"): a word,
	// "0" and the letters as scanWordSlow spells it, eight digits and
	// seven letters at most; it goes through the checks from firstok, with evwAdv and
	// st.adv = digits-1 when the spelling is shorter. R13 holds lowBits[l],
	// R9 the letters.
	ANDL R13, R9
	BSFL R9, AX // the first letter
	CMPL AX, $8
	JA notplain // so that the eight bytes from it are among the sixteen
	LEAQ ·lowBits(SB), R13
	ORL (R13)(AX*4), R9 // and the digits before it
	CMPL R9, (R13)(DX*4)
	JNE notplain        // a digit after a letter
	MOVL DX, R9
	SUBL AX, R9         // the letters
	CMPL R9, $7
	JA notplain
	MOVQ (BX)(AX*1), R13
	MOVQ CX, X7
	LEAQ ·byteMasks(SB), CX
	ANDQ (CX)(R9*8), R13
	MOVQ X7, CX
	SHLQ $8, R13
	ORQ $0x30, R13
	DECL AX             // the digits but one
	JEQ numjoin
	MOVQ st+0(FP), DX
	MOVQ AX, ST_ADV(DX)
	ORB $8, ST_EVW(DX)
numjoin:
	LEAL 1(R9), DX
	MOVQ R13, X0
	CLASSIFY
	JMP firstok

slow:
	// Fewer than sixteen bytes left: then read sixteen only within the
	// page, and ignore those past the end.
	LEAQ (SI)(DI*1), BX
	MOVQ R14, AX
	SUBQ DI, AX // rem, 1 to 15
	MOVL BX, R9
	ANDL $4095, R9
	CMPL R9, $4080
	JA maybe
	MOVOU (BX), X0
	CLASSIFY
	PMOVMSKB X1, R9
	LEAQ ·lowBits(SB), R13
	ANDL (R13)(AX*4), R9
	NOTL R9
	BSFL R9, DX
	CMPL DX, AX
	JEQ atend
	MOVBLZX (BX)(DX*1), AX
	JMP havenext
atend:
	XORL AX, AX // the end of the text: no byte after the word
	JMP havenext

hit:
	// R9 is the word's slot: the word is an event for replay, k<<16 |
	// slot, and its hash goes to st.hs.
	LEAQ (R9)(R9*2), R13
	MOVBLZX 8(R11)(R13*4), R13 // the entry's flags
	MOVQ X15, AX
	SHLQ $16, AX
	ORQ R9, AX
	MOVQ R13, X6 // the flags, while EVENT_ROOM takes R13

wordev:
	// The event in AX, with evPair if the word follows the head of a
	// two-word entry and the pair may be one, evCaps if it is in capitals
	// and evNeg in a negation scope; X6 holds the entry's flags. The head
	// of a two-word entry sets the pair bit of st.evw for the next word; a
	// negator or "but" changes the salt of the words after it.
	MOVQ st+0(FP), R9
	MOVBLZX ST_EVW(R9), R13
	TESTL $1, R13
	JEQ wordevcaps
	PAIR_FILTER(wordevnopair)
	ORL EV_PAIR, AX
wordevnopair:
	MOVQ st+0(FP), R9
	MOVBLZX ST_EVW(R9), R13
wordevcaps:
	TESTL $0x0c, R13
	JEQ wordevcaps2
	// evwAdv: st.adv more bytes; "n't": evNegClitic, and the salt of a
	// negator after it.
	TESTL $8, R13
	JEQ wordevnt
	ADDQ ST_ADV(R9), DX
wordevnt:
	TESTL $4, R13
	JEQ wordevcaps2
	ORL $0x80000000, AX
	MOVQ X6, R9
	ORL $1, R9 // as lfNegator
	MOVQ R9, X6
	MOVQ st+0(FP), R9
wordevcaps2:
	ANDL $2, R13
	SHLL $14, R13
	ORL R13, AX
	MOVQ SALT_UNI_NEG, R13
	CMPQ R13, ST_SALT(R9)
	JNE wordevroom
	ORL EV_NEG, AX
wordevroom:
	EVENT_ROOM(maybe)
	MOVQ BX, ST_HS(R13)(R9*8)
	PUSH_EVENT
	MOVQ X6, AX
	SHRL $4, AX // lfPairHead
	ANDL $1, AX
	MOVB AX, ST_EVW(R13)
	MOVQ X6, AX
	TESTL $0x09, AX // lfNegator | lfContrast
	JEQ uni
	// The unigram with the salt this word saw, then the salt after it.
	MOVQ ST_SALT(R13), X7
	MOVQ SALT_UNI_NEG, R9
	TESTL $0x01, AX // lfNegator
	JNE salted
	MOVQ K1, R9 // saltUni
salted:
	MOVQ R9, ST_SALT(R13)
	MOVQ X7, AX
	UNIGRAM
	JMP bigram

evmiss:
	// A word the lexicon does not know, in capitals or after the head of
	// a two-word entry. After the head, when the pair may be an entry, the
	// word is an event with no entry of its own; else it is a plain word,
	// and one in capitals is counted.
	MOVBLZX ST_EVW(R13), R9
	TESTL $4, R9
	JNE evnoentry // "n't": an event
	TESTL $1, R9
	JEQ evcaps
	PAIR_FILTER(evnopair)
	MOVQ X15, AX
	SHLQ $16, AX
	ORQ EV_NOENTRY, AX
	ORL EV_PAIR, AX
	PXOR X6, X6
	JMP wordevnopair // the pair is checked
evnoentry:
	MOVQ X15, AX
	SHLQ $16, AX
	ORQ EV_NOENTRY, AX
	PXOR X6, X6
	JMP wordev
evnopair:
	MOVQ st+0(FP), R13
	MOVBLZX ST_EVW(R13), R9
evcaps:
	MOVB $0, ST_EVW(R13)
	TESTL $8, R9
	JEQ evcaps2
	ADDQ ST_ADV(R13), DX // an apostrophe, more digits
evcaps2:
	TESTL $2, R9
	JEQ uni
	INCQ ST_NCAPS(R13)
	JMP uni

first:
	// R9 holds plainFirst of the first byte, AX the byte after the word.
	CMPL R9, $1 // pfDigit
	JEQ number
	CMPL R9, $2 // pfH: "http:"
	JNE notH
	CMPL AX, $0x3a
	JEQ notplain
	JMP firstok
notH:
	CMPL R9, $4 // pfW: "www."
	JNE notW
	CMPL AX, $0x2e
	JEQ notplain
	JMP firstok
notW:
	// pfEmot: the second byte, which is the byte after a one-byte word.
	CMPL DX, $1
	JEQ emot
	MOVBLZX 1(BX), AX
emot:
	CMPL AX, $0x44 // 'D'
	JEQ notplain
	CMPL AX, $0x5f // '_'
	JEQ notplain
	CMPL AX, $0x2e // '.'
	JEQ notplain
	JMP firstok

notend:
	// Not a byte that may end a word; an apostrophe may go on with it.
	CMPL AX, $0x27
	JNE notplain

	// A word with one apostrophe inside ("don't", "I'm") as
	// scanApostropheWord takes it, where sixteen bytes are read: both parts
	// letters and digits, eight bytes at most together, the first not
	// starting a number or a letter emoticon, then a byte that may end a
	// word. The word is its bytes without the apostrophe; it goes through
	// the checks from firstok with st.evw's evwApos (one more byte to
	// step) and, for "n't" at its end, evwNegClitic. R13 holds plainBytes.
	CMPQ DI, R8
	JGT notplain
	CMPL DX, $7
	JA notplain
	MOVBLZX (BX), R9
	TESTB $0x09, (R13)(R9*1) // pfDigit | pfEmot
	JNE notplain
	PMOVMSKB X1, R9
	NOTL R9
	LEAQ ·lowBits(SB), AX
	MOVL 4(AX)(DX*4), AX
	NOTL AX
	ANDL AX, R9
	BSFL R9, AX      // the byte after the second part
	LEAL -1(AX), R9  // the word's length without the apostrophe
	CMPL R9, DX
	JLE notplain     // no second part
	CMPL R9, $8
	JA notplain
	MOVBLZX (BX)(AX*1), AX
	TESTB $0x80, (R13)(AX*1)
	JEQ notplain
	MOVQ st+0(FP), R13
	ORB $8, ST_EVW(R13) // evwAdv: one more byte
	MOVQ $1, ST_ADV(R13)
	LEAL 1(DX), AX
	CMPL AX, R9
	JNE aposjoin     // a second part of more than one byte
	MOVBLZX -1(BX)(DX*1), AX
	ORL $0x20, AX
	CMPL AX, $0x6e   // 'n'
	JNE aposjoin
	MOVBLZX 1(BX)(DX*1), AX
	ORL $0x20, AX
	CMPL AX, $0x74   // 't'
	JNE aposjoin
	ORB $4, ST_EVW(R13) // evwNegClitic
aposjoin:
	MOVO X0, X2
	PSRLDQ $1, X2
	LEAQ ·headMasks(SB), AX
	SHLL $4, DX
	MOVOU (AX)(DX*1), X5
	MOVO X5, X6
	PANDN X2, X6
	PAND X5, X0
	POR X6, X0
	MOVL R9, DX
	CLASSIFY
	JMP firstok

notplain:
	MOVQ $2, AX
	JMP out
maybe:
	MOVQ $1, AX
	JMP out
after:
	XORQ AX, AX
out:
	MOVQ st+0(FP), R13
	MOVQ DI, ST_I(R13)
	MOVQ R12, BX
	SUBQ ids+8(FP), BX
	SHRQ $2, BX
	MOVQ BX, ST_NIDS(R13)
	MOVQ X14, BX
	MOVQ BX, ST_PREV(R13)
	MOVQ X15, BX
	MOVQ BX, ST_N(R13)
	MOVQ AX, ST_ATWORD(R13)
	RET

// token writes the ids of a token that is not a word, with hash BX: its
// unigram, always with saltUni, and its bigram (BIGRAM). It is called
// with the registers of plainWords and keeps them but AX, R9 and R13.
TEXT token<>(SB), NOSPLIT, $0-0
	MOVQ K1, AX // saltUni
	UNIGRAM
	BIGRAM
	RET
