package match

import (
	"sync"
	"unicode"
)

// Rune kinds, as the matcher sees a post's characters.
const (
	kindOther     uint8 = iota // punctuation, symbols, emoji: a boundary
	kindWord                   // letters, marks, digits, underscore of scripts written with spaces
	kindSpaceless              // letters of scripts written without spaces (CJK, Thai, ...)
	kindAt                     // '@', which makes the following word a mention
	kindSpace                  // any Unicode white space
)

// spaceless lists scripts whose text does not separate words by spaces;
// keywords in them match as substrings. Hangul is here although Korean uses
// spaces, because particles attach to words ("서울에서" holds "서울").
var spaceless = []*unicode.RangeTable{
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Bopomofo, unicode.Hangul,
	unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan, unicode.Yi,
	unicode.Javanese, unicode.Balinese, unicode.Tai_Tham, unicode.Tai_Le, unicode.New_Tai_Lue,
}

// classify folds r and gives its kind. It is the slow, authoritative
// definition; foldKind answers from a table built from it.
func classify(r rune) (rune, uint8) {
	switch {
	case unicode.IsSpace(r):
		return ' ', kindSpace
	case r == '@':
		return r, kindAt
	case r == '_':
		return r, kindWord
	}
	// Upper then lower folds case variants that lowercasing alone keeps
	// apart: the Kelvin sign and K, long s and s, final and medial sigma.
	f := unicode.ToLower(unicode.ToUpper(r))
	if !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsDigit(r) {
		return f, kindOther
	}
	if unicode.In(r, spaceless...) {
		return f, kindSpaceless
	}
	return f, kindWord
}

// bmp holds fold<<3 | kind for every rune of the Basic Multilingual Plane,
// where nearly all text lies: the unicode package's lookups cost tens of
// nanoseconds a rune, a table lookup one. 256 KiB, built on first use so
// commands that never match don't pay for it.
var (
	bmpOnce sync.Once
	bmp     []uint32
)

func buildTables() {
	bmpOnce.Do(func() {
		t := make([]uint32, 0x10000)
		for r := range rune(len(t)) {
			f, k := classify(r)
			t[r] = uint32(f)<<3 | uint32(k)
		}
		bmp = t
	})
}

// foldKind is classify through the table. buildTables must have run.
func foldKind(r rune) (rune, uint8) {
	if r < 0x10000 {
		v := bmp[r]
		return rune(v >> 3), uint8(v & 7)
	}
	// Emoji and pictographs: no case, no letters; the commonest runes
	// outside the BMP in posts.
	if r >= 0x1F000 && r < 0x1FB00 {
		return r, kindOther
	}
	return classify(r)
}

// Edge rules say what a keyword's first or last character requires of its
// neighbour in the post.
const (
	edgeNone    uint8 = iota // anything may touch it (CJK, emoji)
	edgeNotWord              // the neighbour must not be a word character
	edgePlain                // start of a plain word: neither a word character nor '@'
)

// edgeRule gives the rule for a keyword's edge character r (already folded).
func edgeRule(r rune, start bool) uint8 {
	_, k := foldKind(r)
	switch {
	case k == kindWord && start:
		return edgePlain
	case k == kindWord:
		return edgeNotWord
	case k == kindSpaceless:
		return edgeNone
	case r < 0x80 || unicode.IsPunct(r):
		// '#', '@', '$', "c++": a hashtag in "x#go" or a mention in
		// "mail@user.com" is not one.
		return edgeNotWord
	default:
		return edgeNone
	}
}
