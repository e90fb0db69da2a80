package vader

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/sentiment/lexicon"
)

// Constants of vaderSentiment 3.3.x, same names and values.
const (
	bIncr   = 0.293  // B_INCR: booster word
	bDecr   = -0.293 // B_DECR: dampener word
	cIncr   = 0.733  // C_INCR: word in ALL CAPS among mixed-case words
	nScalar = -0.74  // N_SCALAR: negation
)

// Flags of a word in the merged table.
const (
	fLex     uint8 = 1 << iota // in vader_lexicon.txt
	fBooster                   // single-word key of BOOSTER_DICT
	fDamp                      // ... with value B_DECR rather than B_INCR
	fNegate                    // in NEGATE
)

// Identifiers of the words the rules compare tokens with. Zero is "none of
// them", so a comparison of two ids never matches through zero.
const (
	idNone uint8 = iota
	idNo
	idOr
	idNor
	idBut
	idKind
	idOf
	idLeast
	idAt
	idVery
	idNever
	idSo
	idThis
	idWithout
	idDoubt
	// words of SPECIAL_CASES and of the two-word BOOSTER_DICT keys
	idThe
	idShit
	idBomb
	idBad
	idAss
	idBus
	idStop
	idYeah
	idRight
	idKiss
	idDeath
	idTo
	idDie
	idFor
	idBeating
	idHeart
	idBroken
	idJust
	idEnough
	idSort
)

var ruleWords = map[string]uint8{
	"no": idNo, "or": idOr, "nor": idNor, "but": idBut, "kind": idKind, "of": idOf,
	"least": idLeast, "at": idAt, "very": idVery, "never": idNever, "so": idSo,
	"this": idThis, "without": idWithout, "doubt": idDoubt,
	"the": idThe, "shit": idShit, "bomb": idBomb, "bad": idBad, "ass": idAss,
	"bus": idBus, "stop": idStop, "yeah": idYeah, "right": idRight, "kiss": idKiss,
	"death": idDeath, "to": idTo, "die": idDie, "for": idFor, "beating": idBeating,
	"heart": idHeart, "broken": idBroken, "just": idJust, "enough": idEnough,
	"sort": idSort,
}

// negate is NEGATE of the reference.
var negate = []string{
	"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
	"ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
	"dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
	"don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
	"neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
	"oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
	"oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
	"without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
}

// boosters are the single-word keys of BOOSTER_DICT; dampeners have B_DECR.
// The multi-word keys ("kind of", "sort of", "just enough") can never equal a
// token, which holds no space; they only act in specialIdioms.
var boosters = []string{
	"absolutely", "amazingly", "awfully", "completely", "considerable", "considerably",
	"decidedly", "deeply", "effing", "enormous", "enormously", "entirely", "especially",
	"exceptional", "exceptionally", "extreme", "extremely", "fabulously", "flipping",
	"flippin", "frackin", "fracking", "fricking", "frickin", "frigging", "friggin", "fully",
	"fuckin", "fucking", "fuggin", "fugging", "greatly", "hella", "highly", "hugely",
	"incredible", "incredibly", "intensely", "major", "majorly", "more", "most",
	"particularly", "purely", "quite", "really", "remarkably", "so", "substantially",
	"thoroughly", "total", "totally", "tremendous", "tremendously", "uber", "unbelievably",
	"unusually", "utter", "utterly", "very",
}

var dampeners = []string{
	"almost", "barely", "hardly", "kinda", "kindof", "kind-of", "less", "little",
	"marginal", "marginally", "occasional", "occasionally", "partly", "scarce",
	"scarcely", "slight", "slightly", "somewhat", "sorta", "sortof", "sort-of",
}

// word is what the analyzer knows of one lower-cased token.
type word struct {
	val   float64 // lexicon valence, when flags&fLex
	flags uint8
	id    uint8
}

// tables are built once from the embedded files and then only read, which
// makes the analyzer safe for concurrent use.
type tables struct {
	words     map[string]word      // the merged table, as built
	wt        *wordTable           // the same, for the hot path
	maxKey    int                  // longest key in bytes: longer tokens skip the lookup
	emoji     map[rune]string      // single-character keys of the emoji lexicon
	emojiBits [0x20000 / 64]uint64 // which runes below 0x20000 are keys of emoji
}

var loadTables = sync.OnceValue(func() *tables {
	t, err := buildTables(lexicon.VaderLexiconText(), lexicon.VaderEmojiText())
	if err != nil {
		panic("vader: " + err.Error())
	}
	return t
})

func buildTables(lex, emoji []byte) (*tables, error) {
	t := &tables{words: make(map[string]word, 8000), emoji: make(map[rune]string, 1300)}
	add := func(k string, f func(*word)) {
		w := t.words[k]
		f(&w)
		t.words[k] = w
		t.maxKey = max(t.maxKey, len(k))
	}
	// make_lex_dict: rstrip('\n'), split('\n'), skip empty lines, strip(),
	// split('\t'), the first two fields; a later duplicate wins.
	for _, line := range bytes.Split(bytes.TrimRight(lex, "\n"), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		f := bytes.Split(pyStrip(line), []byte("\t"))
		if len(f) < 2 {
			return nil, fmt.Errorf("vader_lexicon.txt: line %q has no measure", line)
		}
		v, err := strconv.ParseFloat(string(f[1]), 64)
		if err != nil {
			return nil, fmt.Errorf("vader_lexicon.txt: %w", err)
		}
		// A token is looked up lower-cased, and the lower case of a token is
		// ASCII only when the token is (or holds a Kelvin sign), so a key with
		// another character can never be found: the reference's ":Þ" keys
		// hold a capital letter. TestUnreachableKeys checks this.
		if !isASCII(f[0]) {
			continue
		}
		add(string(f[0]), func(w *word) { w.val, w.flags = v, w.flags|fLex })
	}
	for _, k := range boosters {
		add(k, func(w *word) { w.flags |= fBooster })
	}
	for _, k := range dampeners {
		add(k, func(w *word) { w.flags |= fBooster | fDamp })
	}
	for _, k := range negate {
		add(k, func(w *word) { w.flags |= fNegate })
	}
	for k, id := range ruleWords {
		add(k, func(w *word) { w.id = id })
	}
	// make_emoji_dict: same splitting, no empty-line skip. Only keys of one
	// character can match, since polarity_scores looks up each character.
	for _, line := range bytes.Split(bytes.TrimRight(emoji, "\n"), []byte("\n")) {
		f := bytes.Split(pyStrip(line), []byte("\t"))
		if len(f) < 2 {
			return nil, fmt.Errorf("emoji_utf8_lexicon.txt: line %q has no description", line)
		}
		r, n := utf8.DecodeRune(f[0])
		if n != len(f[0]) || r == utf8.RuneError {
			continue
		}
		if r < 0x80 || r >= 0x20000 {
			return nil, fmt.Errorf("emoji_utf8_lexicon.txt: key %U outside the table", r)
		}
		t.emoji[r] = string(f[1])
		t.emojiBits[r>>6] |= 1 << (r & 63)
	}
	if t.maxKey > maxKeyLen {
		return nil, fmt.Errorf("a key of %d bytes is longer than %d", t.maxKey, maxKeyLen)
	}
	wt, err := newWordTable(t.words)
	if err != nil {
		return nil, err
	}
	t.wt = wt
	return t, nil
}

func (t *tables) isEmoji(r rune) bool {
	return r < 0x20000 && t.emojiBits[r>>6]&(1<<(r&63)) != 0
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
