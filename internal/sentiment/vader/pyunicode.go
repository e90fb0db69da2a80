package vader

import (
	"unicode"
	"unicode/utf8"
)

// This file reproduces the few Python str methods the reference relies on,
// with their Unicode semantics rather than Go's.

// asciiSpace marks the ASCII characters for which Python's str.isspace is
// true. Unlike Go's unicode.IsSpace it includes the separators 0x1C-0x1F.
var asciiSpace = [utf8.RuneSelf]bool{
	'\t': true, '\n': true, '\v': true, '\f': true, '\r': true,
	0x1c: true, 0x1d: true, 0x1e: true, 0x1f: true, ' ': true,
}

// isPySpace is Python's str.isspace for one character: category Zs or
// bidirectional class WS, B or S (what str.split() and str.strip() use).
func isPySpace(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiSpace[r]
	}
	switch {
	case r == 0x85, r == 0xa0, r == 0x1680, 0x2000 <= r && r <= 0x200a,
		r == 0x2028, r == 0x2029, r == 0x202f, r == 0x205f, r == 0x3000:
		return true
	}
	return false
}

// asciiPunct is string.punctuation, which _strip_punc_if_word strips.
var asciiPunct = func() (t [256]bool) {
	for _, c := range []byte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") {
		t[c] = true
	}
	return t
}()

// pyStrip is bytes/str.strip() without arguments: Python whitespace at both
// ends goes.
func pyStrip(b []byte) []byte {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if !isPySpace(r) {
			break
		}
		b = b[n:]
	}
	for len(b) > 0 {
		r, n := utf8.DecodeLastRune(b)
		if !isPySpace(r) {
			break
		}
		b = b[:len(b)-n]
	}
	return b
}

// Python's str.isupper is false when a character is Lowercase or titlecase
// (Lt) and needs at least one Uppercase character. Lowercase and Uppercase are
// the derived properties (Ll + Other_Lowercase, Lu + Other_Uppercase), not the
// general categories Go's IsLower and IsUpper test.

func pyLowerOrTitle(r rune) bool {
	return unicode.IsLower(r) || unicode.IsTitle(r) || unicode.Is(unicode.Other_Lowercase, r)
}

func pyUpper(r rune) bool {
	return unicode.IsUpper(r) || unicode.Is(unicode.Other_Uppercase, r)
}

// kelvin is the only non-ASCII character whose Python lower case is ASCII
// ('K' -> 'k'); U+0130 becomes "i\u0307", which is not.
const kelvin = 0x212a
