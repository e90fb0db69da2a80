package xfake

import (
	"errors"
	"strings"
	"unicode"
)

// expr is a parsed rule or query: alternatives (OR) of conjunctions of
// terms. It covers what TSA writes, bare words, #hashtags, @mentions,
// "quoted phrases" and -negation, which is all a fake needs.
type expr [][]term

type term struct {
	text   string // lower case; with its # or @ for those
	phrase bool
	neg    bool
}

var errSyntax = errors.New("unbalanced quotes")

// parseExpr parses a rule value.
func parseExpr(s string) (expr, error) {
	var e expr
	var cur []term
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case strings.HasPrefix(s[i:], "OR ") || s[i:] == "OR":
			if len(cur) == 0 {
				return nil, errors.New("OR without a term before it")
			}
			e = append(e, cur)
			cur = nil
			i += 2
			continue
		}
		neg := false
		if c == '-' && i+1 < len(s) {
			neg = true
			i++
		}
		if s[i] == '"' {
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(s) {
				if s[j] == '\\' && j+1 < len(s) {
					b.WriteByte(s[j+1])
					j += 2
					continue
				}
				if s[j] == '"' {
					closed = true
					break
				}
				b.WriteByte(s[j])
				j++
			}
			if !closed {
				return nil, errSyntax
			}
			cur = append(cur, term{text: strings.ToLower(b.String()), phrase: true, neg: neg})
			i = j + 1
			continue
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			if s[j] == '"' {
				return nil, errSyntax
			}
			j++
		}
		cur = append(cur, term{text: strings.ToLower(s[i:j]), neg: neg})
		i = j
	}
	if len(cur) == 0 {
		return nil, errors.New("empty rule, or OR at its end")
	}
	return append(e, cur), nil
}

// matches reports whether text satisfies the expression.
func (e expr) matches(text string) bool {
	lower := strings.Join(strings.Fields(strings.ToLower(text)), " ")
	for _, conj := range e {
		ok := true
		for _, t := range conj {
			if hasTerm(lower, t) == t.neg {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// hasTerm finds t in lower on word boundaries. A bare word does not match
// inside a hashtag or mention, as X's tokenized matching does not.
func hasTerm(lower string, t term) bool {
	for i := 0; ; {
		j := strings.Index(lower[i:], t.text)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(t.text)
		before, after := rune(' '), rune(' ')
		if at > 0 {
			before = lastRune(lower[:at])
		}
		if end < len(lower) {
			after = []rune(lower[end:])[0]
		}
		if !isWord(before) && before != '#' && before != '@' && !isWord(after) {
			return true
		}
		i = at + 1
		if i >= len(lower) {
			return false
		}
	}
}

func lastRune(s string) rune {
	r := []rune(s)
	return r[len(r)-1]
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }
