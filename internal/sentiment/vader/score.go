package vader

import (
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Scores is what vaderSentiment's polarity_scores returns, rounded as it
// rounds: Neg, Neu and Pos to 3 decimals, Compound to 4.
type Scores struct {
	Neg, Neu, Pos, Compound float64
}

// token is one item of SentiText.words_and_emoticons with what the rules ask
// of it, computed once: the reference lower-cases and looks words up again
// for every neighbour it inspects. flags holds the word's table flags plus
// fUpper and fNT.
type token struct {
	word
	sent float64 // its entry in the reference's sentiments list
}

const (
	fUpper = 1 << (iota + 4) // str.isupper()
	fNT                      // the lower case holds "n't"
)

func (t *token) inLex() bool   { return t.flags&fLex != 0 }
func (t *token) upper() bool   { return t.flags&fUpper != 0 }
func (t *token) negated() bool { return t.flags&(fNegate|fNT) != 0 }

// Sizes of the buffers kept on the stack; longer texts spill to the heap.
const (
	stackTokens = 64
	stackText   = 512
)

// counts is what tokenize learns of a text besides its tokens. (The tokens
// are passed apart so that their array can stay on the caller's stack.)
type counts struct {
	caps        int // tokens that are ALL CAPS
	bang, quest int // '!' and '?' in the text
}

// polarityScores is SentimentIntensityAnalyzer.polarity_scores.
func (t *tables) polarityScores(text string) Scores {
	var tarr [stackTokens]token
	var c counts
	toks, stop := t.tokenize(text, tarr[:0], &c)
	if stop >= 0 {
		// An emoji in the word starting at stop: the words before it are
		// done, the rest is scored after replacing emoji by descriptions.
		// Python's prev_space there is whether the whitespace before the
		// word was ' '.
		var ebuf [stackText]byte
		b := t.replaceEmoji(text[stop:], stop == 0 || text[stop-1] == ' ', ebuf[:0])
		// b lives until this call returns and is not changed again.
		toks, _ = t.tokenize(unsafe.String(unsafe.SliceData(b), len(b)), toks, &c)
	}
	return scoreValence(toks, &c)
}

// replaceEmoji does the first loop of polarity_scores: every character that
// is a key of the emoji lexicon becomes its description, preceded by a space
// unless the previous character was ' ' (and followed by none).
func (t *tables) replaceEmoji(text string, prevSpace bool, buf []byte) []byte {
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			buf = append(buf, c)
			prevSpace = c == ' '
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(text[i:])
		if t.isEmoji(r) {
			if !prevSpace {
				buf = append(buf, ' ')
			}
			buf = append(buf, t.emoji[r]...)
		} else {
			buf = append(buf, text[i:i+w]...) // invalid bytes pass unchanged
		}
		prevSpace = false
		i += w
	}
	return buf
}

// Classes of bytes for the scanner.
const (
	cSpace = 1 << iota // Python whitespace
	cHigh              // not ASCII
	cPunct             // string.punctuation
	cUpper
	cLower
	cQuote
	cCount // '!' or '?'
)

var byteClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = cHigh
		case asciiSpace[c]:
			t[c] = cSpace
		case asciiPunct[c]:
			t[c] = cPunct
		case 'A' <= c && c <= 'Z':
			t[c] = cUpper
		case 'a' <= c && c <= 'z':
			t[c] = cLower
		}
	}
	t['\''] |= cQuote
	t['!'] |= cCount
	t['?'] |= cCount
	return t
}()

// tokenize is SentiText._words_and_emoticons (str.split() on Python
// whitespace, then _strip_punc_if_word on each piece), fused with the table
// look-ups and the counts the rules need. At the first emoji, which must be
// replaced by its description first, it stops and returns the start of the
// word holding it, with the words before it done; otherwise stop is -1.
func (t *tables) tokenize(text string, toks []token, sc *counts) (_ []token, stop int) {
	for i := 0; i < len(text); {
		cl := byteClass[text[i]]
		if cl&cSpace != 0 {
			i++
			continue
		}
		if cl&cHigh != 0 {
			r, w := utf8.DecodeRuneInString(text[i:])
			if isPySpace(r) {
				i += w
				continue
			}
		}
		start, saved := i, *sc
		var acc uint8
		for i < len(text) {
			c := text[i]
			cl := byteClass[c]
			if cl&(cSpace|cHigh|cCount) != 0 {
				if cl&cSpace != 0 {
					break
				}
				if cl&cHigh != 0 {
					r, w := utf8.DecodeRuneInString(text[i:])
					if isPySpace(r) {
						break
					}
					if t.isEmoji(r) {
						*sc = saved
						return toks, start
					}
					acc |= cHigh
					i += w
					continue
				}
				if c == '!' {
					sc.bang++
				} else {
					sc.quest++
				}
			}
			acc |= cl
			i++
		}
		toks = append(toks, token{})
		k := &toks[len(toks)-1]
		if acc&cHigh == 0 {
			t.asciiToken(k, text, start, i, acc)
		} else {
			t.unicodeToken(k, stripPunc(text[start:i], false))
		}
		if k.upper() {
			sc.caps++
		}
	}
	return toks, -1
}

// stripPunc is _strip_punc_if_word: strip string.punctuation from both ends,
// unless that leaves two characters or fewer (an emoticon such as ":)").
func stripPunc(tok string, ascii bool) string {
	s, e := 0, len(tok)
	for s < e && asciiPunct[tok[s]] {
		s++
	}
	for e > s && asciiPunct[tok[e-1]] {
		e--
	}
	if e-s <= 2 || (!ascii && utf8.RuneCountInString(tok[s:e]) <= 2) {
		return tok
	}
	return tok[s:e]
}

// asciiToken makes the token of the ASCII piece text[s:e]; acc is the union
// of its bytes' classes.
func (t *tables) asciiToken(k *token, text string, s, e int, acc uint8) {
	if acc&cPunct != 0 {
		ps, pe := s, e
		for ps < pe && byteClass[text[ps]]&cPunct != 0 {
			ps++
		}
		for pe > ps && byteClass[text[pe-1]]&cPunct != 0 {
			pe--
		}
		if pe-ps > 2 {
			s, e = ps, pe
		}
	}
	switch n := e - s; {
	case n <= 16: // nearly every word: the key stays in registers
		k0, k1 := load16(text, s, n)
		k.word = t.wt.lookup16(lowerWord(k0), lowerWord(k1), n)
	case n <= t.maxKey:
		kw := loadKey(text, s, n)
		for j := range (n + 7) / 8 {
			kw[j] = lowerWord(kw[j])
		}
		k.word = t.wt.lookup(&kw, n)
	}
	// Letters are never stripped, so acc tells the case of the piece kept.
	if acc&(cUpper|cLower) == cUpper {
		k.flags |= fUpper
	}
	if acc&cQuote != 0 && hasNT(text[s:e]) {
		k.flags |= fNT
	}
}

// load8 reads the little-endian word at text[p:p+8], or what there is of it
// before the end of text, zero-padded.
func load8(text string, p int) uint64 {
	if p+8 <= len(text) {
		b := text[p : p+8]
		return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	}
	var w uint64
	for q := 0; p+q < len(text); q++ {
		w |= uint64(text[p+q]) << (8 * q)
	}
	return w
}

// lowBytes keeps the low n (0..8) bytes of w.
func lowBytes(w uint64, n int) uint64 {
	if n >= 8 {
		return w
	}
	return w & (1<<(8*n) - 1)
}

// load16 reads text[s:s+n] (n <= 16) as two zero-padded words.
func load16(text string, s, n int) (k0, k1 uint64) {
	k0 = lowBytes(load8(text, s), n)
	if n > 8 {
		k1 = lowBytes(load8(text, s+8), n-8)
	}
	return k0, k1
}

// loadKey reads text[s:s+n] (n <= maxKeyLen) into zero-padded words.
func loadKey(text string, s, n int) (k key) {
	for j := 0; j < n; j += 8 {
		k[j/8] = lowBytes(load8(text, s+j), n-j)
	}
	return k
}

// lowerWord lower-cases the ASCII letters of eight ASCII bytes at once: a
// byte b gets 0x20 when b+0x3f reaches 0x80 (b >= 'A') and b+0x25 does not
// (b <= 'Z'). Bytes below 0x80 cannot carry into their neighbours.
func lowerWord(w uint64) uint64 {
	const ones = 0x0101010101010101
	up := (w + 0x3f*ones) &^ (w + 0x25*ones) & (0x80 * ones)
	return w | up>>2
}

// unicodeToken makes the token of a piece holding non-ASCII characters.
func (t *tables) unicodeToken(k *token, tok string) {
	// The lower case of a character other than ASCII and the Kelvin sign is
	// not ASCII, and no reachable key holds anything but ASCII.
	var kw key
	lowTitle, up, ok, n := false, false, true, 0
	for _, r := range tok {
		if pyLowerOrTitle(r) {
			lowTitle = true
		} else if pyUpper(r) {
			up = true
		}
		if !ok {
			continue
		}
		var c byte
		switch {
		case 'A' <= r && r <= 'Z':
			c = byte(r) + 'a' - 'A'
		case r < utf8.RuneSelf:
			c = byte(r)
		case r == kelvin:
			c = 'k'
		default:
			ok = false
			continue
		}
		if n >= t.maxKey {
			ok = false
			continue
		}
		kw[n/8] |= uint64(c) << (8 * (n % 8))
		n++
	}
	if ok {
		k.word = t.wt.lookup(&kw, n)
	}
	if up && !lowTitle {
		k.flags |= fUpper
	}
	if hasNT(tok) {
		k.flags |= fNT
	}
}

// hasNT reports whether the lower case of tok holds "n't". Only ASCII
// letters lower-case to 'n' and 't'.
func hasNT(tok string) bool {
	for i := strings.IndexByte(tok, '\''); i >= 0; {
		if i > 0 && i+1 < len(tok) && tok[i-1]|0x20 == 'n' && tok[i+1]|0x20 == 't' {
			return true
		}
		j := strings.IndexByte(tok[i+1:], '\'')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}
