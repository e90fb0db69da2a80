package model

import (
	"strings"
	"unicode/utf8"
)

// needsCleanGo reports whether s carries escaping left by an upstream
// export: HTML entities, backslash escapes (\uXXXX, \", \') or doubled
// quotes. Most live posts do not, and skip the cleaning copy entirely.
func needsCleanGo(s string) bool {
	if strings.IndexByte(s, '&') >= 0 || strings.IndexByte(s, '\\') >= 0 {
		return true
	}
	i := strings.IndexByte(s, '"')
	return i >= 0 && strings.Contains(s[i:], `""`)
}

// clean appends to dst the text of s with its escaping undone:
//
//   - \uXXXX (with surrogate pairs), \", \', \\, \n, \t, \r, \/
//   - HTML entities: &amp; &lt; &gt; &quot; &apos; &nbsp; and a few
//     typographic ones, and numeric &#NNN; &#xHH; an entity right after
//     "&amp;" is decoded too, so the double escape "&amp;lt;" becomes "<"
//   - "" (a CSV-doubled quote) becomes a single "
//
// Anything it does not recognise is copied unchanged, so clean never fails.
func clean(dst []byte, s string) []byte {
	start := 0 // s[start:i] is still to be copied
	for i := 0; i < len(s); {
		// Skip eight bytes at a time to the next '\\', '&' or '"'.
		for i+8 <= len(s) && !special8(load8(s[i:i+8])) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		switch c {
		case '\\':
			if r, n := unescapeBackslash(s[i:]); n > 0 {
				dst = utf8.AppendRune(append(dst, s[start:i]...), r)
				i += n
				start = i
				continue
			}
		case '&':
			if r, n := unescapeEntity(s[i+1:]); n > 0 {
				dst = append(dst, s[start:i]...)
				i += 1 + n
				if r == '&' && n == 4 { // "&amp;": maybe a doubly escaped entity
					if r2, n2 := unescapeEntity(s[i:]); n2 > 0 {
						r = r2
						i += n2
					}
				}
				dst = utf8.AppendRune(dst, r)
				start = i
				continue
			}
		case '"':
			if i+1 < len(s) && s[i+1] == '"' {
				dst = append(dst, s[start:i+1]...)
				i += 2
				start = i
				continue
			}
		}
		i++
	}
	return append(dst, s[start:]...)
}

// special8 reports whether one of the eight bytes in v is '\\', '&' or '"'.
func special8(v uint64) bool {
	return hasZero8(v^'\\'*ones8) || hasZero8(v^'&'*ones8) || hasZero8(v^'"'*ones8)
}

// hasZero8 reports whether one of the eight bytes in x is zero.
func hasZero8(x uint64) bool { return (x-ones8)&^x&hi8 != 0 }

// unescapeBackslash decodes one backslash escape at the start of s and
// returns the rune and the bytes consumed, or n == 0.
func unescapeBackslash(s string) (rune, int) {
	if len(s) < 2 {
		return 0, 0
	}
	switch s[1] {
	case '"', '\'', '\\', '/':
		return rune(s[1]), 2
	case 'n', 't', 'r':
		return ' ', 2
	case 'u':
		r, ok := hex4(s[2:])
		if !ok {
			return 0, 0
		}
		if r >= 0xD800 && r < 0xDC00 { // high surrogate: want a low one next
			if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
				if lo, ok := hex4(s[8:]); ok && lo >= 0xDC00 && lo < 0xE000 {
					return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), 12
				}
			}
			return utf8.RuneError, 6
		}
		if r >= 0xDC00 && r < 0xE000 {
			return utf8.RuneError, 6
		}
		return r, 6
	}
	return 0, 0
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for i := 0; i < 4; i++ {
		d := hexVal(s[i])
		if d < 0 {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// entities are the named HTML entities seen in posts.
var entities = map[string]rune{
	"amp": '&', "lt": '<', "gt": '>', "quot": '"', "apos": '\'', "nbsp": ' ',
	"lsquo": '\u2018', "rsquo": '\u2019', "ldquo": '\u201C', "rdquo": '\u201D',
	"hellip": '\u2026', "mdash": '\u2014', "ndash": '\u2013', "hearts": '\u2665',
	"eacute": 'é', "egrave": 'è', "aacute": 'á', "agrave": 'à', "iacute": 'í',
	"oacute": 'ó', "uacute": 'ú', "ntilde": 'ñ', "ccedil": 'ç', "uuml": 'ü',
	"ouml": 'ö', "auml": 'ä', "euro": '€', "pound": '£', "copy": '©', "reg": '®',
	"trade": '™', "deg": '°', "middot": '·', "bull": '•',
}

// unescapeEntity decodes the HTML entity whose '&' precedes s ("amp;",
// "#39;", "#x2019;") and returns the rune and the bytes of s consumed, or
// n == 0.
func unescapeEntity(s string) (rune, int) {
	end := strings.IndexByte(s[:min(len(s), 11)], ';')
	if end < 1 {
		return 0, 0
	}
	name := s[:end]
	if name[0] == '#' {
		var r rune
		digits := name[1:]
		base := rune(10)
		if len(digits) > 0 && (digits[0] == 'x' || digits[0] == 'X') {
			base, digits = 16, digits[1:]
		}
		if len(digits) == 0 {
			return 0, 0
		}
		for i := 0; i < len(digits); i++ {
			d := hexVal(digits[i])
			if d < 0 || rune(d) >= base {
				return 0, 0
			}
			r = r*base + rune(d)
			if r > utf8.MaxRune {
				return 0, 0
			}
		}
		if !utf8.ValidRune(r) || r == 0 {
			return utf8.RuneError, end + 1
		}
		return r, end + 1
	}
	if r, ok := entities[name]; ok {
		return r, end + 1
	}
	return 0, 0
}
