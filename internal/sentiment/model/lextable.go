package model

import (
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/tsaproject/tsa/internal/sentiment/lexicon"
)

// Flags of a lexicon entry.
const (
	lfNegator   = 1 << iota // not, never, cannot, ... (words ending in n't are caught by the tokenizer)
	lfBoostUp               // very, really, so, ... (VADER's boosters)
	lfBoostDown             // barely, kinda, somewhat, ...
	lfContrast              // but, however: ends a negation scope, shifts weight to what follows
	lfPairHead              // the first word of a two-word entry
)

// lexEntry is what the lexicons say about one normalised token (or, for
// multi-word entries, one token pair). Valences are stored in tenths.
type lexEntry struct {
	key    uint32 // high half of the token hash; 0 marks an empty slot
	afinn  int8   // AFINN-165, -5..5
	vader  int8   // VADER mean valence ×10, -40..40
	emoji  int8   // Emoji Sentiment Ranking, -5..5
	vemoji int8   // VADER's emoji: valence of its description ×10
	flags  uint8
}

// lexTable is an open-addressing hash table from token hash to lexEntry,
// small enough to stay in cache.
type lexTable struct {
	slots [lexSize]lexEntry
	// filter has the bit h>>(64-lexFilterBits) set for every entry's h: a
	// 32 KiB first check that the assembly makes before it probes the
	// 384 KiB of slots, which stay out of the core's nearest caches.
	filter [1 << lexFilterBits / 64]uint64
}

// lexFilterBits is the size of lexTable.filter: 2^18 bits for about 12,000
// entries, so that one word in twenty not in the lexicon passes it.
const lexFilterBits = 18

// lexSize is the number of slots: about three times the entries, so that
// a probe for an unknown word mostly stops at its first slot.
const lexSize = 1 << 15

func lexKey(h uint64) uint32 {
	k := uint32(h >> 32)
	if k == 0 {
		k = 1
	}
	return k
}

// get returns the entry of token hash h, or nil.
func (t *lexTable) get(h uint64) *lexEntry {
	if i, ok := t.slot(h); ok {
		return &t.slots[i]
	}
	return nil
}

// mayHave reports whether h passes the filter: only then may it have an
// entry.
func (t *lexTable) mayHave(h uint64) bool {
	b := h >> (64 - lexFilterBits)
	return t.filter[b/64]&(1<<(b%64)) != 0
}

// slot returns the index of the entry of token hash h.
func (t *lexTable) slot(h uint64) (uint32, bool) {
	if !t.mayHave(h) {
		return 0, false
	}
	k := lexKey(h)
	for i := uint32(h) % lexSize; ; i = (i + 1) % lexSize {
		e := &t.slots[i]
		if e.key == k {
			return i, true
		}
		if e.key == 0 {
			return 0, false
		}
	}
}

// put returns the entry of h, adding an empty one if needed.
func (t *lexTable) put(h uint64) *lexEntry {
	b := h >> (64 - lexFilterBits)
	t.filter[b/64] |= 1 << (b % 64)
	k := lexKey(h)
	for i := uint32(h) % lexSize; ; i = (i + 1) % lexSize {
		e := &t.slots[i]
		if e.key == k {
			return e
		}
		if e.key == 0 {
			e.key = k
			return e
		}
	}
}

// negators are VADER's negation words (apostrophes dropped, as the
// tokenizer drops them) plus a few it handles elsewhere.
var negators = []string{
	"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
	"dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
	"neednt", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
	"oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent", "without",
	"wont", "wouldnt", "rarely", "seldom", "despite", "no", "nobody", "noone",
	"nah", "aint", "isnt", "dnt", "didnt", "wasnt",
}

// boosters are VADER's intensifiers (booster dictionary, single words).
var boostersUp = []string{
	"absolutely", "amazingly", "awfully", "completely", "considerable",
	"considerably", "decidedly", "deeply", "effing", "enormous", "enormously",
	"entirely", "especially", "exceptional", "exceptionally", "extreme",
	"extremely", "fabulously", "flipping", "flippin", "frackin", "fracking",
	"fricking", "frickin", "frigging", "friggin", "fully", "fuckin", "fucking",
	"fuggin", "fugging", "greatly", "hella", "highly", "hugely", "incredible",
	"incredibly", "intensely", "major", "majorly", "more", "most",
	"particularly", "purely", "quite", "really", "remarkably", "so",
	"substantially", "thoroughly", "total", "totally", "tremendous",
	"tremendously", "uber", "unbelievably", "unusually", "utter", "utterly",
	"very", "soo", "sooo", "realy", "rly", "super", "mad",
}

var boostersDown = []string{
	"almost", "barely", "hardly", "kinda", "kindof", "less", "little",
	"marginal", "marginally", "occasional", "occasionally", "partly", "scarce",
	"scarcely", "slight", "slightly", "somewhat", "sorta", "sortof",
}

var contrasts = []string{"but", "however", "although", "though", "yet"}

// theLexicon is built once from the embedded lexicons.
var theLexicon = sync.OnceValue(buildLexicon)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func clamp8(x float64) int8 {
	x = math.Round(x)
	if x > 127 {
		return 127
	}
	if x < -127 {
		return -127
	}
	return int8(x)
}

// buildLexicon runs every lexicon key through the same tokenizer the model
// uses, so that a key and a word in a post meet on the same hash. Keys are
// visited in sorted order: the table must not depend on map order.
func buildLexicon() *lexTable {
	t := new(lexTable)
	var keyToks []token
	tok := func(s string) []token {
		keyToks = tokenHashes(keyToks[:0], s)
		return keyToks
	}
	// entry finds the slot for a one- or two-token key.
	entry := func(key string, ts []token) *lexEntry {
		for _, t := range ts {
			if t.kind != kWord && (len(ts) > 1 || t.kind != kEmoticon) {
				return nil // numbers, emoji and the like are not words
			}
		}
		switch len(ts) {
		case 1:
			if ts[0].kind == kEmoticon && ts[0].canon != key {
				return nil // a variant (":-)") of a canonical emoticon (":)")
			}
			return t.put(ts[0].h)
		case 2:
			t.put(ts[0].h).flags |= lfPairHead
			return t.put(pairHash(ts[0].h, ts[1].h))
		}
		return nil
	}
	af := lexicon.AFINN()
	for _, k := range sortedKeys(af) {
		if e := entry(k, tok(k)); e != nil {
			e.afinn = int8(af[k])
		}
	}
	va := lexicon.Vader()
	for _, k := range sortedKeys(va) {
		if e := entry(k, tok(k)); e != nil {
			e.vader = clamp8(va[k] * 10)
		}
	}
	er := lexicon.EmojiRanking()
	for _, k := range sortedKeys(er) {
		if ts := tok(k); len(ts) == 1 && ts[0].kind == kEmoji {
			t.put(ts[0].h).emoji = int8(er[k])
		}
	}
	ve := lexicon.VaderEmoji()
	for _, k := range sortedKeys(ve) {
		ts := tok(k)
		if len(ts) != 1 || ts[0].kind != kEmoji {
			continue
		}
		h := ts[0].h
		sum := 0.0
		for _, w := range strings.Fields(ve[k]) {
			sum += va[strings.ToLower(w)]
		}
		if sum != 0 {
			t.put(h).vemoji = clamp8(sum * 10)
		}
	}
	flag := func(words []string, f uint8) {
		for _, w := range words {
			if ts := tok(w); len(ts) == 1 {
				t.put(ts[0].h).flags |= f
			}
		}
	}
	flag(negators, lfNegator)
	flag(boostersUp, lfBoostUp)
	flag(boostersDown, lfBoostDown)
	flag(contrasts, lfContrast)
	return t
}
