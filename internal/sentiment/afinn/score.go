package afinn

import (
	"unicode"
	"unicode/utf8"
)

// Counts is what sentiment@5.0.2 computes for one text, plus the two sides
// of its score.
type Counts struct {
	// Score is result.score: the sum of the token valences, each negated
	// when the token before it is a negator.
	Score int
	// Tokens is result.tokens.length. It is at least 1: an empty or blank
	// text splits into one empty token.
	Tokens int
	// Positive is the sum of the token scores above zero and Negative the
	// sum of the magnitudes of those below (the words of result.positive and
	// result.negative, weighted), after negation: Score = Positive - Negative.
	Positive int
	Negative int
}

// Comparative is result.comparative: Score divided by Tokens.
func (c Counts) Comparative() float64 {
	if c.Tokens == 0 { // only a zero Counts; Score never returns one
		return 0
	}
	return float64(c.Score) / float64(c.Tokens)
}

// Byte classes. Values below 0x80 are ASCII word bytes, already lower-cased.
// The rest follow sentiment's tokenize():
//
//	input.toLowerCase().replace(/\n/g, ' ')
//	     .replace(/[.,\/#!?$%\^&\*;:{}=_`\"~()]/g, ' ')
//	     .replace(/\s\s+/g, ' ').trim().split(' ')
const (
	sep   = 0x80 + iota // ' ', '\n', the punctuation: become ' ', so always split
	space               // other whitespace: splits only in a run of two or more
	high                // first byte of a multi-byte (or invalid) sequence
)

var class = func() (c [256]byte) {
	for b := range 256 {
		switch {
		case b >= utf8.RuneSelf:
			c[b] = high
		case 'A' <= b && b <= 'Z':
			c[b] = byte(b) + 'a' - 'A'
		default:
			c[b] = byte(b)
		}
	}
	for _, b := range []byte(" \n.,/#!?$%^&*;:{}=_`\"~()") {
		c[b] = sep
	}
	for _, b := range []byte("\t\v\f\r") {
		c[b] = space
	}
	return c
}()

// isJSSpace reports whether r is in JavaScript's \s class, which is also
// the set String.prototype.trim removes (WhiteSpace and LineTerminator). It
// is not unicode.IsSpace: it has U+FEFF and lacks U+0085.
func isJSSpace(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return r == ' ' || '\t' <= r && r <= '\r'
	case r == 0x00A0, r == 0x1680, 0x2000 <= r && r <= 0x200A, r == 0x2028,
		r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000, r == 0xFEFF:
		return true
	}
	return false
}

// Score scores text exactly as `new Sentiment().analyze(text)` of the npm
// package sentiment@5.0.2 does (score, comparative via Counts.Comparative,
// and the token count). It does not allocate and is safe for concurrent use.
//
// sentiment's tokenize() is
//
//	input.toLowerCase().replace(/\n/g, ' ')
//	     .replace(/[.,\/#!?$%\^&\*;:{}=_`\"~()]/g, ' ')
//	     .replace(/\s\s+/g, ' ').trim().split(' ')
//
// and each token found in the labels (AFINN-165 with the emoji ranking) adds
// its valence, negated when the previous token is a negator. Score never
// builds the lower-cased text. Nearly every post goes through scoreFast;
// texts with rarer whitespace go through scoreExact. Points where JavaScript
// and Go differ:
//
//   - JavaScript's \s and trim() whitespace is its own set (isJSSpace).
//   - Letters are lower-cased token by token, as lowerRune says; no case
//     mapping creates or removes a blank, so splitting first and
//     lower-casing after gives the same tokens.
//   - Invalid UTF-8 is taken as Node takes the same bytes decoded with
//     U+FFFD replacements. Both decoders yield the same valid characters and
//     differ at most in how many U+FFFD stand for a bad sequence; U+FFFD is
//     not a blank and no key contains it, so its token just cannot match.
//     Scores and token counts are therefore identical.
//   - negators[prev] is a property read, so "constructor" (inherited from
//     Object.prototype) negates; labels.hasOwnProperty(token) is not fooled.
func Score(text string) Counts {
	if c, ok := scoreFast(text); ok {
		return c
	}
	return scoreExact(text)
}

// acc adds up tokens as the loop of lib/index.js and
// languages/en/scoring-strategy.js do. Order does not matter to the sums,
// so it goes forwards where sentiment goes backwards.
type acc struct {
	pos, neg int    // Counts.Positive and Negative; Score is their difference
	tokens   int    // Counts.Tokens
	prevNeg  uint64 // 1 when the previous token is a negator
}

func (a *acc) take(t *table, tok packed) {
	a.add(t.lookup(tok))
}

// add counts one token given its table meta (0 for no key), without a
// branch: whether a token is a key, or negated, is unpredictable.
func (a *acc) add(m uint64) {
	v := int(int8(m >> 8))
	neg := -int(a.prevNeg) // 0, or -1 after a negator
	v = v ^ neg - neg      // -v after a negator
	a.pos += max(v, 0)
	a.neg += max(-v, 0)
	a.prevNeg = m >> 16
	a.tokens++
}

// counts is the result; "".split(' ') is [""], so there is always a token.
func (a *acc) counts() Counts {
	return Counts{Score: a.pos - a.neg, Tokens: max(a.tokens, 1), Positive: a.pos, Negative: a.neg}
}

// noCaseFrom is where case ends: no character from it up has a lower case
// (the last capitals are Adlam's, U+1E900-1E921), in Unicode 15 and 17
// alike (TestLowerCaseCannotMatter).
const noCaseFrom = 0x1F000

// pushRune appends the lower case of a decoded non-ASCII rune.
func (p packed) pushRune(r rune, size int) packed {
	if p.n > maxToken {
		return p // already too long: skip the case mapping
	}
	if r == utf8.RuneError && size == 1 {
		// Invalid UTF-8: U+FFFD in Node, which no key contains.
		p.n = maxToken + 1
		return p
	}
	var b [utf8.UTFMax + 2]byte
	for _, c := range lowerRune(r, b[:0]) {
		p = p.push(c)
	}
	return p
}

// lowerRune appends to b what toLowerCase makes of r, or something that can
// equally never match. toLowerCase is the simple mapping of UnicodeData.txt,
// as unicode.ToLower is, plus these cases:
//
//   - 'İ' (U+0130) becomes "i̇" (i, U+0307), the one unconditional
//     multi-character mapping of SpecialCasing.txt; unicode.ToLower gives
//     "i", which would make "LİKE" score as "like". Handled exactly.
//   - Final sigma: 'Σ' becomes 'ς' rather than 'σ' at the end of a word.
//     No key contains either letter, so either choice never matches.
//   - Unicode versions: Go 1.26 has Unicode 15.0, Node 20 has 17.0, whose
//     ~60 new capitals (U+1C89, U+A7CB.., U+10D50.., U+16EA0..) are left as
//     they are here; their small letters are in no key either.
//
// TestLowerCaseCannotMatter pins the "no key contains" claims.
func lowerRune(r rune, b []byte) []byte {
	switch {
	case r == 'İ':
		return append(b, 'i', 0xCC, 0x87)
	case r >= noCaseFrom:
		// Emoji and the rest of the planes above have no case: skip the
		// table search of unicode.ToLower.
		return utf8.AppendRune(b, r)
	}
	return utf8.AppendRune(b, unicode.ToLower(r))
}
