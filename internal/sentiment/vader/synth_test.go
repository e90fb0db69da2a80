package vader

import (
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// synth builds tweet-like texts that exercise every rule: lexicon words in
// any case, boosters, negations, "but", idioms, "kind of", "least", emoticons,
// emoji, punctuation runs and Unicode that Python and Go treat differently.
type synth struct {
	r     *rand.Rand
	lex   []string
	emoji []string
}

func newSynth(seed uint64) *synth {
	t := loadTables()
	s := &synth{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for k, w := range t.words {
		if w.flags&fLex != 0 {
			s.lex = append(s.lex, k)
		}
	}
	for r := range t.emoji {
		s.emoji = append(s.emoji, string(r))
	}
	sort.Strings(s.lex) // map order is random; the texts must not be
	sort.Strings(s.emoji)
	return s
}

var (
	synthPlain = strings.Fields(`I you we they it the a an this that is was are be been
		today tomorrow game phone movie team show new just got going my your our on in at
		with about for to of and or when what why how day night time people one out up down
		rt @user #news http://t.co/abc123 2 3rd 10pm`)
	synthRule = strings.Fields(`no not never without doubt but BUT But least at very so this
		kind of sort just enough or nor n't don't can't isn't wasn't aint cannot nothing
		really extremely quite barely slightly kinda sorta totally utterly the shit bomb bad
		ass bus stop yeah right kiss death to die for beating heart broken despite uh-uh`)
	synthEmoticon = strings.Fields(`:) :( :-) :-( :D :P ;) <3 </3 :/ :'( xD XD ^_^ -_- :-|
		(: ): =) :o O_o 8) ;-) :* :') D:`)
	synthPunct = []string{"!", "!!", "!!!!!", "?", "??", "???", "?!?!", "...", ",", ".",
		"'", "\"", "(", ")", "-", "--", "#", "@", "*", ":", "~"}
	// Characters where Python's str methods differ from Go's or from ASCII:
	// Kelvin sign, dotted capital I, final sigma, other cased letters, Python
	// whitespace that Go's IsSpace does not know, curly quotes, joiners.
	synthOdd = []string{"\u212a", "\u0130", "\u03a3", "\u03c3", "\u00df", "\u01c5",
		"\u00e9", "\u00c9", "\u0416", "\uff21", "\u2160", "\u24b6", "\u00aa", "\u02b0",
		"\u00a0", "\u2003", "\u3000", "\u0085", "\x1c", "\x1f", "\t", "\n", "\u200b",
		"\u2019", "\u201c", "\u200d", "\ufe0f", "\u0301", "\U0001f3fb", "\u00bf", "\u00a1"}
)

func (s *synth) pick(l []string) string { return l[s.r.IntN(len(l))] }

func (s *synth) word() string {
	var w string
	switch p := s.r.IntN(100); {
	case p < 30:
		w = s.pick(synthPlain)
	case p < 55:
		w = s.pick(s.lex)
	case p < 75:
		w = s.pick(synthRule)
	case p < 82:
		w = s.pick(synthEmoticon)
	case p < 90:
		w = s.pick(s.emoji)
	case p < 95:
		w = s.pick(synthOdd) + s.pick(s.lex)
	default:
		w = s.pick(synthOdd)
	}
	switch p := s.r.IntN(100); {
	case p < 12:
		w = strings.ToUpper(w)
	case p < 18:
		if r, n := utf8.DecodeRuneInString(w); n > 0 {
			w = string(unicode.ToUpper(r)) + w[n:]
		}
	}
	switch p := s.r.IntN(100); {
	case p < 15:
		w += s.pick(synthPunct)
	case p < 20:
		w = s.pick(synthPunct) + w
	case p < 23:
		w += s.pick(s.emoji) // glued emoji
	}
	return w
}

// text returns one synthetic post of about the given number of words.
func (s *synth) text(words int) string {
	var b strings.Builder
	for i := range words {
		if i > 0 {
			switch p := s.r.IntN(100); {
			case p < 2:
				b.WriteString(s.pick(synthOdd))
			case p < 4:
				b.WriteString("  ")
			case p < 5: // no separator: words glue
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString(s.word())
	}
	return b.String()
}

// tweets returns n texts of 5 to 30 words (about 100-200 bytes on average).
func (s *synth) tweets(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s.text(5 + s.r.IntN(26))
	}
	return out
}

// noiseAlphabet is the characters the tokenizer and the rules branch on.
var noiseAlphabet = []string{" ", " ", " ", "  ", "\t", "\u00a0", "\x1c", "!", "?", "'", ".", ",",
	":", ")", "(", "-", "_", "#", "@", "*", "D", "d", "P", "3", "<", "/", "\"", "n't", "N'T",
	"no", "NO", "but", "BUT", "not", "very", "VERY", "kind", "of", "least", "at", "so", "this",
	"never", "without", "doubt", "the", "shit", "good", "GOOD", "bad", "BAD", "love", "x", "X",
	"\u212a", "\u0130", "\u01c5", "\u00e9", "\u2019", "\U0001f600", "\U0001f645", "\U0001f51b",
	"\u2764", "\ufe0f", "\u200d"}

// noise returns a short random string over noiseAlphabet.
func (s *synth) noise() string {
	var b strings.Builder
	for range 1 + s.r.IntN(14) {
		b.WriteString(s.pick(noiseAlphabet))
	}
	return b.String()
}
