package model

import (
	"encoding/binary"
	"math/bits"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Token kinds.
const (
	kWord     uint8 = iota // a word, lower-cased, apostrophes dropped
	kHashtag               // #word (norm holds "word")
	kUser                  // @mention
	kURL                   // http://…, https://…, www.…
	kNum                   // a number (every digit run becomes "0")
	kEmoticon              // :) :( :D <3 … in a canonical form
	kEmoji                 // one emoji or other symbol character
	kExcl                  // ! (a run of them sets tfRepeat)
	kQuest                 // ?
	kEllipsis              // ... or …
)

// Token flags.
const (
	tfCaps      = 1 << iota // all letters upper case, at least two of them
	tfElong                 // a letter repeated three or more times ("sooo")
	tfNegClitic             // ends in n't (don't, isn’t)
	tfRepeat                // a repeated mark: "!!!", ":)))", "😂😂😂"
)

// maxWord is how many normalised bytes of a word are kept; longer words are
// identified by their first maxWord bytes.
const maxWord = 48

// token is one unit the tokenizer hands to the featurizer.
type token struct {
	h     uint64 // FNV-1a of the normalised form (letters repeated at most twice)
	h1    uint64 // the same with repeats collapsed to one letter ("goood" -> "god"); h if not elongated
	kind  uint8
	flags uint8
	canon string            // kEmoticon: canonical form
	n     int               // normalised length in bytes (words, hashtags)
	norm  [maxWord + 8]byte // zero after n, up to the next multiple of 8
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// hashWord hashes the n normalised bytes of b eight at a time (b is zero
// after n). Each round is a bijection, so words of up to eight bytes never
// collide with each other.
func hashWord(b *[maxWord + 8]byte, n int) uint64 {
	h := uint64(n)*0x9e3779b97f4a7c15 ^ 0x6a09e667f3bcc909
	for i := 0; i < n; i += 8 {
		h = (h ^ binary.LittleEndian.Uint64(b[i:])) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	return h
}

func fnvString(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// Fixed hashes of the placeholder tokens.
var (
	hUser     = fnvString("\x00user")
	hURL      = fnvString("\x00url")
	hExcl     = fnvString("!")
	hExcl2    = fnvString("!!")
	hQuest    = fnvString("?")
	hQuest2   = fnvString("??")
	hEllipsis = fnvString("...")
)

// asciiClass classifies ASCII bytes for the tokenizer.
var asciiClass = func() (t [128]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = cLower
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = cUpper
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = cDigit
	}
	return t
}()

// byteMasks[l] keeps the low l bytes of a word.
var byteMasks = [9]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff, 0xffffffffffffffff}

// alnum marks the ASCII letters and digits.
var alnum = func() (t [256]bool) {
	for c := range 128 {
		t[c] = asciiClass[c] != cOther
	}
	return t
}()

// plainEnd marks the bytes that may follow a word plainRun takes: ASCII,
// neither a letter, a digit nor an apostrophe.
var plainEnd = func() (t [256]bool) {
	for c := range 128 {
		t[c] = !alnum[c] && c != '\'' && c != '`'
	}
	return t
}()

// plainFirst sorts the first byte of a word for plainRun: 0 for most
// letters; pfDigit for digits (numbers take the general path); the other
// bits for letters that may begin a link or a letter emoticon.
var plainFirst = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = pfDigit
	}
	t['h'], t['H'] = pfH, pfH
	t['w'], t['W'] = pfW, pfW
	t['x'], t['X'], t['o'], t['O'], t['T'] = pfEmot, pfEmot, pfEmot, pfEmot, pfEmot
	return t
}()

const (
	pfDigit = 1 << iota
	pfH     // http:// https://
	pfW     // www.
	pfEmot  // xD T_T o_O
)

const (
	cOther uint8 = iota
	cLower
	cUpper
	cDigit
)

func isAlnum(c byte) bool { return c < 0x80 && asciiClass[c] != cOther }

// decodeRune is utf8.DecodeRune for either kind of text.
func decodeRune(s string, i int) (rune, int) {
	c0 := s[i]
	n := len(s) - i
	switch {
	case c0 < 0x80:
		return rune(c0), 1
	case c0 < 0xC2:
		return utf8.RuneError, 1
	case c0 < 0xE0:
		if n < 2 || s[i+1]&0xC0 != 0x80 {
			return utf8.RuneError, 1
		}
		return rune(c0&0x1F)<<6 | rune(s[i+1]&0x3F), 2
	case c0 < 0xF0:
		if n < 3 || s[i+1]&0xC0 != 0x80 || s[i+2]&0xC0 != 0x80 {
			return utf8.RuneError, 1
		}
		r := rune(c0&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
		if r < 0x800 || (r >= 0xD800 && r < 0xE000) {
			return utf8.RuneError, 1
		}
		return r, 3
	case c0 < 0xF5:
		if n < 4 || s[i+1]&0xC0 != 0x80 || s[i+2]&0xC0 != 0x80 || s[i+3]&0xC0 != 0x80 {
			return utf8.RuneError, 1
		}
		r := rune(c0&0x07)<<18 | rune(s[i+1]&0x3F)<<12 | rune(s[i+2]&0x3F)<<6 | rune(s[i+3]&0x3F)
		if r < 0x10000 || r > utf8.MaxRune {
			return utf8.RuneError, 1
		}
		return r, 4
	}
	return utf8.RuneError, 1
}

// isApostrophe reports the runes used as an apostrophe inside words.
func isApostrophe(r rune) bool {
	return r == '\'' || r == '\u2019' || r == '\u2018' || r == '\u02BC' || r == '`' || r == '\u00B4'
}

// isWordRune reports a non-ASCII rune that belongs in a word.
func isWordRune(r rune) bool {
	return (unicode.IsLetter(r) && r != 0x02BC) || unicode.IsDigit(r) || unicode.IsMark(r) && !isEmojiModifier(r)
}

// isEmojiModifier reports the invisible parts of emoji sequences, skipped:
// variation selectors, zero-width joiner, skin tones, keycap, tags.
func isEmojiModifier(r rune) bool {
	return (r >= 0xFE00 && r <= 0xFE0F) || r == 0x200D || r == 0x20E3 ||
		(r >= 0x1F3FB && r <= 0x1F3FF) || (r >= 0xE0020 && r <= 0xE007F)
}

// isSymbolRune reports a non-ASCII rune that stands as a token of its own:
// emoji, dingbats, other symbols.
func isSymbolRune(r rune) bool {
	return (r >= 0x1F000 && r <= 0x1FAFF) || r != utf8.RuneError && unicode.IsSymbol(r)
}

// hasPrefixFold reports whether s[i:] starts with the lower-case ASCII p,
// ignoring case.
func hasPrefixFold(s string, i int, p string) bool {
	if len(s)-i < len(p) {
		return false
	}
	for j := 0; j < len(p); j++ {
		c := s[i+j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[j] {
			return false
		}
	}
	return true
}

// tokenize splits s into tokens and hands each to f, with f.boundary() at
// clause punctuation. It never allocates.
func tokenize(s string, f *featurizer) {
	t := &f.tok
	n := len(s)
	fast := f.w != nil && f.flags&plainRunMask == plainRunFlags
	var run runState
	if fast {
		run = runState{s: unsafe.StringData(s), len: n, w: unsafe.SliceData(f.w), shift: uint64(f.shift), lex: f.lex}
	}
	var lastEmoji rune
	emojiRun := 0
	for i := 0; i < n; {
		c := s[i]
		if alnum[c] {
			lastEmoji, emojiRun = 0, 0
			if fast {
				if j := f.plainRun(i, &run); j > i {
					i = j
					continue
				}
			}
			lc := c | 0x20
			if (lc == 'h' && (hasPrefixFold(s, i, "http://") || hasPrefixFold(s, i, "https://"))) ||
				(lc == 'w' && hasPrefixFold(s, i, "www.")) {
				for i < n && s[i] > ' ' && s[i] < 0x80 {
					i++
				}
				t.kind, t.flags, t.h, t.h1 = kURL, 0, hURL, hURL
				f.token(t)
				continue
			}
			if (lc == 'x' || lc == 'o' || c == 'T') && i+1 < n && (s[i+1] == 'D' || s[i+1] == '_' || s[i+1] == '.') {
				if canon, m := matchLetterEmoticon(s, i); m > 0 {
					t.kind, t.flags, t.canon = kEmoticon, 0, canon
					t.h = fnvString(canon)
					t.h1 = t.h
					f.token(t)
					i += m
					continue
				}
			}
			if j, ok := scanShortWord(s, i, t); ok {
				i = j
			} else {
				i = scanWordSlow(s, i, t)
			}
			if f.collect == nil && t.kind == kWord {
				// Straight to word: the common case, one call less.
				f.nTok++
				prev := f.lastKind
				f.lastKind = int(kWord)
				f.word(t, prev)
				continue
			}
			f.token(t)
			continue
		}
		if c == ' ' {
			i++
			continue
		}
		if c < 0x80 {
			if c > ' ' {
				lastEmoji, emojiRun = 0, 0
			}
			switch c {
			case '#':
				if i+1 < n && startsWord(s, i+1) {
					i = scanWord(s, i+1, t)
					if t.kind == kWord {
						t.kind = kHashtag
					}
					f.token(t)
					continue
				}
			case '@':
				if i+1 < n && (isAlnum(s[i+1]) || s[i+1] == '_') {
					i++
					for i < n && (isAlnum(s[i]) || s[i] == '_') {
						i++
					}
					t.kind, t.flags, t.h, t.h1 = kUser, 0, hUser, hUser
					f.token(t)
					continue
				}
			case '!', '?':
				j := i + 1
				for j < n && s[j] == c {
					j++
				}
				t.flags = 0
				if c == '!' {
					t.kind, t.h = kExcl, hExcl
					if j-i > 1 {
						t.h, t.flags = hExcl2, tfRepeat
					}
				} else {
					t.kind, t.h = kQuest, hQuest
					if j-i > 1 {
						t.h, t.flags = hQuest2, tfRepeat
					}
				}
				t.h1 = t.h
				f.token(t)
				f.boundary()
				i = j
				continue
			case '.':
				j := i + 1
				for j < n && s[j] == '.' {
					j++
				}
				if j-i > 1 {
					t.kind, t.flags, t.h, t.h1 = kEllipsis, 0, hEllipsis, hEllipsis
					f.token(t)
				}
				f.boundary()
				i = j
				continue
			}
			if canon, m := matchEmoticon(s, i); m > 0 {
				t.kind, t.flags, t.canon = kEmoticon, 0, canon
				if m > len(canon)+1 {
					t.flags = tfRepeat
				}
				t.h = fnvString(canon)
				t.h1 = t.h
				f.token(t)
				i += m
				continue
			}
			if c == ',' || c == ';' || c == ':' {
				f.boundary()
			}
			i++
			continue
		}
		r, size := decodeRune(s, i)
		// Classify r: emoji first, then the common punctuation block, and
		// only then the Unicode tables.
		symbol := false
		switch {
		case isEmojiModifier(r):
			i += size
			continue // inside an emoji sequence: keeps the run going
		case r >= 0x1F000 && r <= 0x1FAFF:
			symbol = true
		case r >= 0x2000 && r <= 0x206F && r != 0x203C && r != 0x2049: // General Punctuation but ‼ ⁉
			lastEmoji, emojiRun = 0, 0
			if r == '\u2026' {
				t.kind, t.flags, t.h, t.h1 = kEllipsis, 0, hEllipsis, hEllipsis
				f.token(t)
				f.boundary()
			}
			i += size
			continue
		case isWordRune(r):
			lastEmoji, emojiRun = 0, 0
			if j := scanWord(s, i, t); j > i {
				i = j
				f.token(t)
				continue
			}
		default:
			symbol = isSymbolRune(r)
			if !symbol && !unicode.IsSpace(r) {
				lastEmoji, emojiRun = 0, 0
			}
		}
		switch {
		case symbol:
			if r == lastEmoji {
				emojiRun++
			} else {
				lastEmoji, emojiRun = r, 1
			}
			if emojiRun <= 2 { // a run of the same emoji counts at most twice
				var b [4]byte
				w := utf8.EncodeRune(b[:], r)
				t.kind, t.flags = kEmoji, 0
				if emojiRun == 2 {
					t.flags = tfRepeat
				}
				t.h = fnv(b[:w])
				t.h1 = t.h
				f.token(t)
			}
		}
		i += size
	}
}

// startsWord reports whether a word starts at s[i].
func startsWord(s string, i int) bool {
	if c := s[i]; c < 0x80 {
		return isAlnum(c)
	}
	r, _ := decodeRune(s, i)
	return isWordRune(r)
}

// scanWord reads the word starting at s[i] into t and returns the index
// after it. Letters are lower-cased, a letter repeated three or more times
// is kept twice (tfElong), apostrophes are dropped ("don't" -> "dont",
// tfNegClitic), a word starting with a digit has each digit run replaced by
// "0" ("3.39" -> "0", "14th" -> "0th"; "gr8" stays), a word of digits only is
// kNum.
func scanWord(s string, i int, t *token) int {
	if j, ok := scanShortWord(s, i, t); ok {
		return j
	}
	return scanWordSlow(s, i, t)
}

// scanWordSlow is scanWord for any word.
func scanWordSlow(s string, i int, t *token) int {
	n := len(s)
	norm := &t.norm
	w, letters, upper := 0, 0, 0
	var flags uint8
	var last byte
	run := 0
	numeric := s[i]-'0' < 10
	onlyDigits, inDigits := true, false
	for i < n {
		c := s[i]
		switch {
		case c-'a' < 26:
		case c-'A' < 26:
			upper++
			c += 'a' - 'A'
		case c-'0' < 10:
			last, run = 0, 0
			if numeric {
				i++
				if inDigits {
					continue
				}
				c, inDigits = '0', true
			} else {
				i++
			}
			if w < maxWord {
				norm[w] = c
				w++
			}
			continue
		case c < 0x80:
			if (c == '.' || c == ',') && inDigits && i+1 < n && s[i+1]-'0' < 10 {
				i++ // 3.39, 1,000
				continue
			}
			if (c == '\'' || c == '`') && i+1 < n && startsWord(s, i+1) {
				if last == 'n' && s[i+1]|0x20 == 't' {
					flags |= tfNegClitic
				}
				i++
				continue
			}
			goto done
		default:
			r, size := decodeRune(s, i)
			if isApostrophe(r) {
				if i+size < n && startsWord(s, i+size) {
					if last == 'n' && s[i+size]|0x20 == 't' {
						flags |= tfNegClitic
					}
					i += size
					continue
				}
				goto done
			}
			if !isWordRune(r) {
				goto done
			}
			onlyDigits, inDigits = false, false
			last, run = 0, 0
			if unicode.IsUpper(r) {
				upper++
				r = unicode.ToLower(r)
			}
			letters++
			if w+utf8.RuneLen(r) <= maxWord {
				w += utf8.EncodeRune(norm[w:], r)
			}
			i += size
			continue
		}
		// An ASCII letter, lower-cased.
		letters++
		onlyDigits, inDigits = false, false
		i++
		if c == last {
			run++
			if run >= 2 {
				flags |= tfElong
				continue
			}
		} else {
			last, run = c, 0
		}
		if w < maxWord {
			norm[w] = c
			w++
		}
	}
done:
	t.kind = kWord
	if numeric && onlyDigits {
		t.kind = kNum
	}
	if upper >= 2 && upper == letters {
		flags |= tfCaps
	}
	if flags&tfNegClitic != 0 && !(w >= 2 && norm[w-2] == 'n' && norm[w-1] == 't') {
		flags &^= tfNegClitic // "n'thing": only a final n't negates
	}
	t.flags = flags
	t.n = w
	binary.LittleEndian.PutUint64(norm[w:], 0)
	t.h = hashWord(norm, w)
	t.h1 = t.h
	if flags&tfElong != 0 {
		t.h1 = hashCollapsed(norm, w)
	}
	return i
}

// scanShortWord is scanWord's fast path, for the common word: one to eight
// ASCII letters and digits, starting with a letter, no letter three times
// in a row, not followed by an apostrophe or a non-ASCII byte. It works on
// the eight bytes at once and reports false when the word is not such.
func scanShortWord(s string, i int, t *token) (int, bool) {
	n := len(s)
	if s[i]-'0' < 10 {
		return i, false
	}
	var v uint64
	if i+8 <= n {
		b := s[i : i+8]
		v = uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	} else {
		// The end of the text: zeros after it are not letters.
		var b [8]byte
		copy(b[:], s[i:])
		v = binary.LittleEndian.Uint64(b[:])
	}
	// Which of the eight bytes are ASCII letters or digits, all at once.
	const hi, ones = 0x8080808080808080, 0x0101010101010101
	x := v &^ hi
	lc := x | 0x20*ones
	letter := (lc + 0x1f*ones) &^ (lc + 0x05*ones) // lc >= 'a' and lc <= 'z'
	digit := (x + 0x50*ones) &^ (x + 0x46*ones)    // x >= '0' and x <= '9'
	isAl := (letter | digit) &^ v & hi
	l := bits.TrailingZeros64(^isAl&hi) >> 3
	j := i + l
	if l == 8 && j < n && alnum[s[j]] {
		return scanMediumWord(s, i, t)
	}
	if j < n && s[j] == '\'' && l > 0 {
		return scanApostropheWord(s, i, t, v, l)
	}
	if l == 0 || j < n && (s[j] >= 0x80 || s[j] == '\'' || s[j] == '`') {
		return i, false
	}
	mask := byteMasks[l]
	v &= mask
	lower := v | 0x2020202020202020&mask // letters and digits only: digits have the bit already
	// Three equal bytes in a row: leave elongations to the slow path.
	if l >= 3 {
		x := lower ^ lower>>8 // byte k is zero where byte k equals byte k+1
		valid := mask >> 8
		zero := ^((x&0x7f7f7f7f7f7f7f7f + 0x7f7f7f7f7f7f7f7f) | x) & 0x8080808080808080 & valid
		if zero&(zero>>8) != 0 {
			return i, false
		}
	}
	// Capitals: no lower-case letter and at least two upper-case ones.
	letterHi := letter & hi & mask
	lowerHi := letterHi & (v << 2) // bit 5 (lower case) moved to bit 7
	upperHi := letterHi &^ (v << 2)
	t.kind, t.flags, t.n = kWord, 0, l
	if lowerHi == 0 && upperHi&(upperHi-1) != 0 {
		t.flags = tfCaps
	}
	binary.LittleEndian.PutUint64(t.norm[0:], lower)
	binary.LittleEndian.PutUint64(t.norm[8:], 0)
	h := (uint64(l)*0x9e3779b97f4a7c15 ^ 0x6a09e667f3bcc909 ^ lower) * 0xbf58476d1ce4e5b9
	h ^= h >> 31
	t.h, t.h1 = h, h
	return j, true
}

// scanApostropheWord is scanShortWord for an ASCII word with one
// apostrophe inside ("don't", "it's", "I'm"), eight bytes at most without it.
// v holds the bytes from i, of which the first l are letters and digits.
func scanApostropheWord(s string, i int, t *token, v uint64, l int) (int, bool) {
	n := len(s)
	k := i + l + 1 // after the apostrophe
	if k >= n || !alnum[s[k]] {
		return i, false
	}
	var w uint64
	if k+8 <= n {
		w = load8(s[k : k+8])
	} else {
		var b [8]byte
		copy(b[:], s[k:])
		w = binary.LittleEndian.Uint64(b[:])
	}
	isAl2, letter2 := classify8(w)
	l2 := bits.TrailingZeros64(^isAl2&hi8) >> 3
	j := k + l2
	if l+l2 > 8 || j < n && (s[j] >= 0x80 || s[j] == '\'' || s[j] == '`') {
		return i, false
	}
	_, letter1 := classify8(v)
	m1, m2 := byteMasks[l], byteMasks[l2]
	v &= m1
	w &= m2
	// The word without its apostrophe, as the slow path spells it.
	v |= w << (8 * uint(l) & 63)
	letters := letter1&m1 | (letter2&m2)<<(8*uint(l)&63)
	mask := byteMasks[l+l2]
	lower := v | 0x2020202020202020&mask
	if triple(lower, mask) {
		return i, false
	}
	var flags uint8
	lowerHi := letters & (v << 2) & hi8
	upper := bits.OnesCount64(letters &^ (v << 2) & hi8)
	if lowerHi == 0 && upper >= 2 {
		flags = tfCaps
	}
	// n't: the apostrophe after an n and before a t ending the word.
	if l >= 1 && lower>>(8*uint(l-1)&63)&0xff == 'n' && l2 == 1 && s[k]|0x20 == 't' {
		flags |= tfNegClitic
	}
	wl := l + l2
	t.kind, t.flags, t.n = kWord, flags, wl
	binary.LittleEndian.PutUint64(t.norm[0:], lower)
	binary.LittleEndian.PutUint64(t.norm[8:], 0)
	h := (uint64(wl)*0x9e3779b97f4a7c15 ^ 0x6a09e667f3bcc909 ^ lower) * 0xbf58476d1ce4e5b9
	h ^= h >> 31
	t.h, t.h1 = h, h
	return j, true
}

// scanMediumWord is scanShortWord for words of nine to sixteen bytes (the
// first eight known to be letters and digits).
func scanMediumWord(s string, i int, t *token) (int, bool) {
	n := len(s)
	if i+16 > n {
		return i, false
	}
	v0 := load8(s[i : i+8])
	v1 := load8(s[i+8 : i+16])
	isAl1, letter1 := classify8(v1)
	l1 := bits.TrailingZeros64(^isAl1&hi8) >> 3
	j := i + 8 + l1
	if l1 == 8 || j < n && (s[j] >= 0x80 || s[j] == '\'' || s[j] == '`') {
		return i, false
	}
	_, letter0 := classify8(v0)
	mask1 := byteMasks[l1]
	v1 &= mask1
	lower0 := v0 | 0x2020202020202020
	lower1 := v1 | 0x2020202020202020&mask1
	if triple(lower0, ^uint64(0)) || triple(lower1, mask1) || triple(lower0>>48|lower1<<16, mask1<<16|0xffff) {
		return i, false
	}
	lowerHi := (letter0&(v0<<2) | letter1&mask1&(v1<<2)) & hi8
	upper := bits.OnesCount64(letter0&^(v0<<2)&hi8) + bits.OnesCount64(letter1&mask1&^(v1<<2)&hi8)
	w := 8 + l1
	t.kind, t.flags, t.n = kWord, 0, w
	if lowerHi == 0 && upper >= 2 {
		t.flags = tfCaps
	}
	binary.LittleEndian.PutUint64(t.norm[0:], lower0)
	binary.LittleEndian.PutUint64(t.norm[8:], lower1)
	binary.LittleEndian.PutUint64(t.norm[16:], 0)
	// hashWord, unrolled.
	h := (uint64(w)*0x9e3779b97f4a7c15 ^ 0x6a09e667f3bcc909 ^ lower0) * 0xbf58476d1ce4e5b9
	h ^= h >> 31
	h = (h ^ lower1) * 0xbf58476d1ce4e5b9
	h ^= h >> 31
	t.h, t.h1 = h, h
	return j, true
}

const hi8, ones8 = 0x8080808080808080, 0x0101010101010101

// load8 reads eight bytes, little-endian (one load once compiled).
func load8(b string) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// classify8 marks (in bit 7 of each byte) the ASCII letters and digits, and
// the letters, of eight bytes.
func classify8(v uint64) (isAl, letter uint64) {
	x := v &^ hi8
	lc := x | 0x20*ones8
	letter = (lc + 0x1f*ones8) &^ (lc + 0x05*ones8) &^ v & hi8 // lc >= 'a' and lc <= 'z'
	digit := (x + 0x50*ones8) &^ (x + 0x46*ones8) &^ v & hi8   // x >= '0' and x <= '9'
	return letter | digit, letter
}

// triple reports three equal bytes in a row among the bytes of x kept by
// mask.
func triple(x, mask uint64) bool {
	d := x ^ x>>8 // byte k is zero where byte k equals byte k+1
	zero := ^((d&0x7f7f7f7f7f7f7f7f + 0x7f7f7f7f7f7f7f7f) | d) & hi8 & (mask >> 8)
	return zero&(zero>>8) != 0
}

// hashCollapsed hashes the word in b with every run of a repeated letter
// cut to one ("good" -> "god").
func hashCollapsed(b *[maxWord + 8]byte, n int) uint64 {
	var c [maxWord + 8]byte
	m := 0
	var last byte
	for _, x := range b[:n] {
		if x == last && x >= 'a' && x <= 'z' {
			continue
		}
		last = x
		c[m] = x
		m++
	}
	return hashWord(&c, m)
}

// Emoticons are reduced to the canonical forms below, each of which has a
// VADER valence.
const (
	emSmile  = ":)"
	emWink   = ";)"
	emLaugh  = ":D"
	emTongue = ":P"
	emSad    = ":("
	emCry    = ":'("
	emJoy    = ":')"
	emSkew   = ":/"
	emFlat   = ":|"
	emSurpr  = ":o"
	emKiss   = ":*"
	emHeart  = "<3"
	emBroken = "</3"
	emAngry  = ">:("
)

func notAlnumAt(s string, i int) bool { return i < 0 || i >= len(s) || !isAlnum(s[i]) }

// matchEmoticon matches an emoticon starting with punctuation at s[i] and
// returns its canonical form and length, or m == 0.
func matchEmoticon(s string, i int) (string, int) {
	n := len(s)
	at := func(j int) byte {
		if j < n {
			return s[j]
		}
		return 0
	}
	c := s[i]
	switch c {
	case '<':
		if at(i+1) == '3' {
			j := i + 2
			for j < n && s[j] == '3' {
				j++
			}
			return emHeart, j - i
		}
		if at(i+1) == '/' && at(i+2) == '3' {
			return emBroken, 3
		}
		return "", 0
	case '^':
		if at(i+1) == '^' || (at(i+2) == '^' && (at(i+1) == '_' || at(i+1) == '.' || at(i+1) == '-')) {
			if at(i+1) == '^' {
				return emSmile, 2
			}
			return emSmile, 3
		}
		return "", 0
	case '-':
		if (at(i+1) == '_' || at(i+1) == '.') && at(i+2) == '-' {
			return emSkew, 3
		}
		return "", 0
	case '(', ')', '[', ']':
		// Reversed: (: ): (-: — only standing alone.
		if !notAlnumAt(s, i-1) {
			return "", 0
		}
		j := i + 1
		if at(j) == '-' {
			j++
		}
		e := at(j)
		if (e == ':' || e == ';' || e == '=') && notAlnumAt(s, j+1) && at(j+1) != '(' && at(j+1) != ')' {
			switch {
			case c == '(' || c == '[':
				if e == ';' {
					return emWink, j + 1 - i
				}
				return emSmile, j + 1 - i
			default:
				return emSad, j + 1 - i
			}
		}
		return "", 0
	case '>':
		if at(i+1) == ':' && (at(i+2) == '(' || at(i+2) == '[') {
			return emAngry, 3
		}
		if at(i+1) == '_' && at(i+2) == '<' {
			return emSad, 3
		}
		return "", 0
	case ':', ';', '=':
	default:
		return "", 0
	}
	// Eyes first: [:;=] ['] [-^o]? mouth+
	if c == ':' && i > 0 && s[i-1] < 0x80 && asciiClass[s[i-1]] == cDigit {
		return "", 0 // 9:30
	}
	j := i + 1
	tear := false
	if at(j) == '\'' {
		tear = true
		j++
	}
	if at(j) == '-' || at(j) == '^' {
		j++
	}
	m := at(j)
	var canon string
	alnumMouth := false
	switch m {
	case ')', ']', '}', '3':
		alnumMouth = m == '3'
		switch {
		case tear:
			canon = emJoy
		case c == ';':
			canon = emWink
		default:
			canon = emSmile
		}
	case 'D':
		alnumMouth = true
		canon = emLaugh
	case '(', '[', '{':
		if tear {
			canon = emCry
		} else {
			canon = emSad
		}
	case 'P', 'p', 'b':
		alnumMouth = true
		canon = emTongue
	case '/', '\\', 'S', 's':
		if m == '/' && at(j+1) == '/' {
			return "", 0 // scheme://
		}
		alnumMouth = m == 'S' || m == 's'
		canon = emSkew
	case '|':
		canon = emFlat
	case 'o', 'O', '0':
		alnumMouth = true
		canon = emSurpr
	case '*':
		canon = emKiss
	default:
		return "", 0
	}
	if c == '=' && (alnumMouth || m == '/' || m == '|') {
		return "", 0 // a=b, x=/path, =|
	}
	k := j + 1
	for k < n && s[k] == m {
		k++
	}
	if alnumMouth && !notAlnumAt(s, k) {
		return "", 0 // Note:Prices
	}
	return canon, k - i
}

// matchLetterEmoticon matches the emoticons that start with a letter: xD XD
// T_T o_O, standing alone.
func matchLetterEmoticon(s string, i int) (string, int) {
	if !notAlnumAt(s, i-1) || i+1 >= len(s) {
		return "", 0
	}
	c, d := s[i], s[i+1]
	switch {
	case (c == 'x' || c == 'X') && d == 'D':
		j := i + 2
		for j < len(s) && s[j] == 'D' {
			j++
		}
		if notAlnumAt(s, j) {
			return emLaugh, j - i
		}
	case (c == 'T' || c == 'o' || c == 'O') && (d == '_' || d == '.') && i+2 < len(s):
		e := s[i+2]
		if notAlnumAt(s, i+3) {
			if c == 'T' && e == 'T' {
				return emCry, 3
			}
			if (c == 'o' && e == 'O') || (c == 'O' && e == 'o') || (c == 'o' && e == 'o') || (c == 'O' && e == 'O') {
				return emSurpr, 3
			}
		}
	}
	return "", 0
}
