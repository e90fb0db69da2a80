package afinn

import "unicode/utf8"

// scoreExact is the general tokenizer, a direct transcription of
// tokenize() that handles every input; Score uses it when scoreFast cannot.
// It walks the text once and never builds the lower-cased string: a run of
// blanks (JavaScript whitespace, or a character the regexes turn into ' ')
// splits tokens when it has two or more characters or contains a ' '; a
// single other whitespace character (a tab, U+00A0, ...) between two words
// stays inside the token, as \s\s+ leaves it alone and split(' ') does not
// split on it; leading and trailing runs are trimmed.
func scoreExact(text string) Counts {
	t := tableOnce()
	var (
		a   acc
		tok packed // the current token, lower-cased
		i   int
	)
	for {
		// A word.
		for i < len(text) {
			v := class[text[i]]
			if v < 0x80 {
				tok = tok.push(v)
				i++
				continue
			}
			if v != high {
				break
			}
			r, size := utf8.DecodeRuneInString(text[i:])
			if isJSSpace(r) {
				break
			}
			tok = tok.pushRune(r, size)
			i += size
		}
		if i == len(text) {
			break
		}
		// A run of blanks.
		ws, blanks, split := i, 0, false
		for i < len(text) {
			switch class[text[i]] {
			case sep:
				split = true
				i++
			case space:
				i++
			case high:
				r, size := utf8.DecodeRuneInString(text[i:])
				if !isJSSpace(r) {
					goto end
				}
				i += size
			default:
				goto end
			}
			blanks++
		}
	end:
		switch {
		case i == len(text) || tok.n == 0:
			// Trailing and leading blanks are trimmed.
		case blanks >= 2 || split:
			a.take(t, tok)
			tok = packed{}
		default:
			// A lone whitespace character that is not ' ' survives \s\s+
			// and split(' '): it is part of the token (which then matches
			// nothing).
			for j := ws; j < i; j++ {
				tok = tok.push(text[j])
			}
		}
	}
	if tok.n > 0 {
		a.take(t, tok)
	}
	return a.counts()
}
