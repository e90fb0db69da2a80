package afinn

import (
	"math/bits"
	"unicode/utf8"
)

// Byte flags for scoreFast.
const (
	fBlank = 1 << iota // ' ', '\n' or the replaced punctuation
	fCheck             // \t \v \f \r, or a lead byte of a possible non-ASCII JS space
)

var flags = func() (f [256]byte) {
	for b := range 256 {
		if class[b] == sep {
			f[b] |= fBlank
		}
		if class[b] == space {
			f[b] |= fCheck
		}
	}
	// Lead bytes of U+00A0, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F,
	// U+3000 and U+FEFF. Other non-ASCII bytes are word bytes.
	for _, b := range []byte{0xC2, 0xE1, 0xE2, 0xE3, 0xEF} {
		f[b] |= fCheck
	}
	return f
}()

// scoreFast handles texts whose only blanks are ' ', '\n' and the replaced
// punctuation (ok is false otherwise: a \t, \v, \f, \r or a non-ASCII
// JavaScript space). Then every run of blanks splits, so the tokens are just
// the maximal runs of other bytes, and the text can be cut with bit masks,
// 64 bytes at a time, instead of a branch per byte: this is what makes
// Score fast.
func scoreFast(text string) (Counts, bool) {
	t := tableOnce()
	var a acc
	start, open := 0, false // a token running on from an earlier block
	var prevWord uint64     // 1 when the previous block ended inside a word
	for base := 0; base < len(text); base += 64 {
		blk := text[base:min(base+64, len(text))]
		blank, check := blockMask(blk)
		if check && !plainBlanks(text, base, blk) {
			return Counts{}, false
		}
		if len(blk) < 64 {
			blank |= ^uint64(0) << len(blk) // past the end: a blank
		}
		// Bit k of starts: a token starts at blk[k]; of ends: a token ends
		// just before blk[k]. Taking them in order pairs them up, one
		// iteration per token.
		word := ^blank
		prev := word<<1 | prevWord
		starts := word &^ prev
		ends := blank & prev
		prevWord = word >> 63
		for {
			var s, e int
			if open {
				if ends == 0 {
					break
				}
				s, e = start, base+bits.TrailingZeros64(ends)
				ends &= ends - 1
				open = false
			} else {
				if starts == 0 {
					break
				}
				s = base + bits.TrailingZeros64(starts)
				starts &= starts - 1
				if ends == 0 {
					start, open = s, true
					break
				}
				e = base + bits.TrailingZeros64(ends)
				ends &= ends - 1
			}
			// The common case, inline: an ASCII token of at most maxToken
			// bytes, read with three loads, masked to its length and
			// lower-cased eight bytes at a time.
			n := e - s
			var p packed
			if n <= maxToken && s+24 <= len(text) {
				b, m := text[s:s+24], &byteMasks[n]
				w0 := le64(b[0:8]) & m[0]
				w1 := le64(b[8:16]) & m[1]
				w2 := le64(b[16:24]) & m[2]
				if (w0|w1|w2)&highBits == 0 {
					p = packed{lowerASCII(w0), lowerASCII(w1), lowerASCII(w2), n}
				} else {
					p = packRunes(text[s : s+n])
				}
			} else {
				p = packToken(text, s, s+n)
			}
			// t.lookup(p), inlined by hand: the call alone costs a tenth of
			// the time per token.
			h := p.hash(t.seed)
			sa, sb := &t.slots[home1(h)], &t.slots[home2(h)]
			var m uint64
			if sa.w0^p.w0|sa.w1^p.w1|sa.w2^p.w2|(sa.meta&metaLen^uint64(p.n)) == 0 {
				m = sa.meta
			}
			if sb.w0^p.w0|sb.w1^p.w1|sb.w2^p.w2|(sb.meta&metaLen^uint64(p.n)) == 0 {
				m = sb.meta
			}
			a.add(m)
		}
	}
	if open {
		a.add(t.lookup(packToken(text, start, len(text))))
	}
	return a.counts(), true
}

// blockMask returns bit k set when blk[k] is a blank, for a block of at most
// 64 bytes, and whether some byte is flagged fCheck. Eight bytes at a time,
// with constant shifts, keeps the loop short and in registers.
func blockMask(blk string) (blank uint64, check bool) {
	var chk uint16
	j := 0
	for ; j+8 <= len(blk); j += 8 {
		b := blk[j : j+8]
		f := flags16[b[0]] | flags16[b[1]]<<1 | flags16[b[2]]<<2 | flags16[b[3]]<<3 |
			flags16[b[4]]<<4 | flags16[b[5]]<<5 | flags16[b[6]]<<6 | flags16[b[7]]<<7
		blank |= uint64(f&0xFF) << j
		chk |= f
	}
	for ; j < len(blk); j++ {
		f := flags16[blk[j]]
		blank |= uint64(f&1) << j
		chk |= f
	}
	return blank, chk>>8 != 0
}

// flags16 holds fBlank in bit 0 and fCheck in bit 8, so that eight of them
// shifted by 0..7 and or-ed keep the blanks in the low byte.
var flags16 = func() (f [256]uint16) {
	for b := range f {
		if flags[b]&fBlank != 0 {
			f[b] |= 1
		}
		if flags[b]&fCheck != 0 {
			f[b] |= 1 << 8
		}
	}
	return f
}()

// plainBlanks reports whether a block flagged fCheck holds no blank but the
// plain ones: no \t \v \f \r and no non-ASCII JavaScript space.
func plainBlanks(text string, base int, blk string) bool {
	for k := 0; k < len(blk); k++ {
		if flags[blk[k]]&fCheck == 0 {
			continue
		}
		if blk[k] < utf8.RuneSelf {
			return false
		}
		// Lead bytes are never continuation bytes, so decoding here agrees
		// with decoding the text from its start.
		if r, _ := utf8.DecodeRuneInString(text[base+k:]); isJSSpace(r) {
			return false
		}
	}
	return true
}

const highBits = 0x8080808080808080

// le64 reads 8 bytes little-endian (one load: the compiler merges them).
func le64(b string) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// byteMasks[n] keeps the first n bytes of three little-endian words.
var byteMasks = func() (m [maxToken + 1][3]uint64) {
	for n := range m {
		for i := range n {
			m[n][i/8] |= 0xFF << (8 * (i % 8))
		}
	}
	return m
}()

// packToken packs and lower-cases text[s:e], a token without blanks.
func packToken(text string, s, e int) packed {
	n := e - s
	if n > maxToken {
		for i := s; i < e; i++ {
			if text[i] >= utf8.RuneSelf {
				return packRunes(text[s:e]) // lower-casing may shrink it (K -> k)
			}
		}
		return packed{n: n} // too long to match
	}
	var p packed
	p.n = n
	p.w0 = load(text, s, min(n, 8))
	if n > 8 {
		p.w1 = load(text, s+8, min(n-8, 8))
		if n > 16 {
			p.w2 = load(text, s+16, n-16)
		}
	}
	if (p.w0|p.w1|p.w2)&highBits != 0 {
		return packRunes(text[s:e])
	}
	p.w0, p.w1, p.w2 = lowerASCII(p.w0), lowerASCII(p.w1), lowerASCII(p.w2)
	return p
}

// packRunes packs a token holding non-ASCII bytes, rune by rune.
func packRunes(tok string) packed {
	var p packed
	for i := 0; i < len(tok) && p.n <= maxToken; {
		r, size := utf8.DecodeRuneInString(tok[i:])
		switch {
		case r < utf8.RuneSelf:
			p = p.push(class[r]) // a word byte: class holds its lower case
		case r >= noCaseFrom:
			// Emoji and the like: valid and caseless, so copied as they are.
			for j := i; j < i+size; j++ {
				p = p.push(tok[j])
			}
		default:
			p = p.pushRune(r, size)
		}
		i += size
	}
	return p
}

// load reads n (1..8) bytes of s from i, little-endian, zero-padded.
func load(s string, i, n int) uint64 {
	if i+8 <= len(s) {
		b := s[i : i+8]
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		return w & (^uint64(0) >> (64 - 8*uint(n)))
	}
	var w uint64
	for k := n - 1; k >= 0; k-- {
		w = w<<8 | uint64(s[i+k])
	}
	return w
}

// lowerASCII lower-cases the bytes of w, all below 0x80, at once: a byte
// gets 0x20 when it is in 'A'..'Z'. No sum carries into the next byte.
func lowerASCII(w uint64) uint64 {
	const ones = 0x0101010101010101
	ge := w + ones*(0x80-'A')   // high bit set where byte >= 'A'
	gt := w + ones*(0x80-'Z'-1) // high bit set where byte > 'Z'
	return w | (ge&^gt&highBits)>>2
}
