package model

import (
	"encoding/binary"
	"math"
	"strings"
	"unsafe"
)

// Feature switches, stored in the model file so that a model is always
// scored with the features it was trained on.
const (
	ffBigram  = 1 << iota // word bigrams
	ffNegBoth             // in a negation scope, the plain unigram as well as the negated one
	ffPrefix              // the first prefixLen bytes of longer words (a cheap stem)
	ffChar                // character n-grams inside words
	ffLexInd              // one sparse indicator per lexicon hit (lexicon, value, negated)
	ffDense               // the dense lexicon and surface features
	ffNoURL               // do not emit the URL placeholder
	ffTrigram             // word trigrams
)

const prefixLen = 5

// Salts keep the feature families apart in the shared hash space.
const (
	saltUni    = 0x9e3779b97f4a7c15
	saltUniNeg = 0xc2b2ae3d27d4eb4f
	saltBi     = 0x165667b19e3779f9
	saltTri    = 0x27d4eb2f165667c5
	saltTag    = 0x85ebca77c2b2ae63
	saltPre    = 0xff51afd7ed558ccd
	saltChar   = 0xc4ceb9fe1a85ec53
	saltLex    = 0x94d049bb133111eb
	saltBOS    = 0xbf58476d1ce4e5b9
	saltEOS    = 0x2545f4914f6cdd1d
)

// pairHash combines two token hashes (bigram features, two-word lexicon
// entries).
func pairHash(a, b uint64) uint64 {
	h := (a*0x9e3779b97f4a7c15 ^ b) * 0xbf58476d1ce4e5b9
	return h ^ h>>29
}

// The dense features. Sums of valences are log1p-compressed; maxima and
// minima are scaled to about [-1, 1].
const (
	dBias = iota
	// AFINN-165 (valence -5..5)
	dAfPos    // sum of positive valences outside negation
	dAfNeg    // sum of |negative| valences outside negation
	dAfPosN   // positive words inside a negation scope
	dAfNegN   // negative words inside a negation scope
	dAfMax    // largest effective valence (negated words flipped), /5
	dAfMin    // smallest, /5
	dAfLast   // effective valence of the last sentiment word, /5
	dAfSum    // s/sqrt(s²+15) of the effective sum
	dVaPos    // the same over VADER's lexicon (valence -4..4)
	dVaNeg    //
	dVaPosN   //
	dVaNegN   //
	dVaMax    //
	dVaMin    //
	dVaLast   //
	dVaSum    //
	dEmPos    // Emoji Sentiment Ranking, positive
	dEmNeg    // and negative
	dEmotPos  // positive emoticons
	dEmotNeg  // negative emoticons
	dVdComp   // a VADER-like compound: boosters, caps, "but", negation window, ! emphasis
	dVdPos    // its positive share
	dVdNeg    // its negative share
	dTokens   // squash(tokens)
	dExcl     // squash(!)
	dExclEnd  // the post ends with !
	dQuest    // squash(?)
	dQuestEnd // the post ends with ?
	dElong    // squash(elongated words)
	dCaps     // squash(all-caps words)
	dAllCaps  // every word with letters is in capitals
	dTags     // squash(hashtags)
	dUsers    // squash(mentions)
	dURLs     // squash(links)
	dNegs     // squash(negators)
	dContrast // a "but" was seen
	dEllipsis // squash(...)
	nDense
)

// lexAcc accumulates one lexicon over a post.
type lexAcc struct {
	pos, neg, posN, negN float32
	max, min, last, sum  float32
}

func (a *lexAcc) add(v float32, negated bool) {
	e := v
	if negated {
		if v > 0 {
			a.posN += v
		} else {
			a.negN -= v
		}
		e = -0.74 * v
	} else if v > 0 {
		a.pos += v
	} else {
		a.neg -= v
	}
	a.max = max(a.max, e)
	a.min = min(a.min, e)
	a.last = e
	a.sum += e
}

func (a *lexAcc) dense(d []float32, scale float32) {
	d[0] = squash(a.pos)
	d[1] = squash(a.neg)
	d[2] = squash(a.posN)
	d[3] = squash(a.negN)
	d[4] = a.max / scale
	d[5] = a.min / scale
	d[6] = a.last / scale
	d[7] = a.sum / float32(math.Sqrt(float64(a.sum*a.sum+15)))
}

// squash is the compression applied to sums and counts: sqrt is one
// instruction where math.Log1p costs tens of nanoseconds, and serves as well.
func squash(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// featurizer turns one post into feature ids (hashed into 2^bits buckets)
// and dense values. In scoring mode (w != nil) the ids are summed into acc
// as they come; in training mode they are appended to ids.
type featurizer struct {
	lex   *lexTable
	flags uint32
	shift uint // 64 - bits

	w     []wpair
	acc   [2]int64
	ids   []uint32
	pend  [pendMax]uint32 // scoring: feature ids whose weights are not yet in acc
	nPend int

	dense [nDense]float32

	tok token

	prev, prev2 uint64 // hashes of the last two tokens (bigrams, trigrams)
	negScope    bool
	sinceNeg    int     // tokens since the last negator (VADER's window of 3)
	boost1      float32 // booster value of the previous token
	boost2      float32 // and the one before

	nTok, nExcl, nQuest, nElong, nCaps, nWordsLetters, nTags, nUsers, nURLs, nNegs, nEllipsis int
	lastKind                                                                                  int
	contrast                                                                                  bool
	pairHead                                                                                  bool // the last word starts a two-word lexicon entry

	af, va, em lexAcc
	emotPos    int
	emotNeg    int

	// VADER-like running sums: vdBefore holds what came before the last "but".
	vdCur, vdBefore float32
	vdPos, vdNeg    float32
	vdNeu           int

	// collect, when set, receives the tokens instead (lexicon building).
	collect *[]token
}

func (f *featurizer) reset(lex *lexTable, flags uint32, bits uint8) {
	*f = featurizer{ids: f.ids[:0], w: f.w}
	f.init(lex, flags, bits)
}

// init readies a zero featurizer (reset does it for a used one).
func (f *featurizer) init(lex *lexTable, flags uint32, bits uint8) {
	f.lex, f.flags, f.shift = lex, flags, 64-uint(bits)
	f.prev = saltBOS
	f.prev2 = saltBOS
	f.sinceNeg = 100
	f.lastKind = -1
}

// emit adds the feature with hash h (already well mixed: the bucket is the
// top bits of one multiplication).
func (f *featurizer) emit(h uint64) {
	id := bucket(h, f.shift)
	if f.w != nil && f.nPend < pendMax {
		f.pend[f.nPend] = id
		f.nPend++
		return
	}
	f.emitSlow(id)
}

// emitSlow is emit when f.pend is full or in training mode.
func (f *featurizer) emitSlow(id uint32) {
	if f.w != nil {
		f.sumPending()
		f.pend[0] = id
		f.nPend = 1
		return
	}
	f.ids = append(f.ids, id)
}

// pendMax is how many feature ids scoring holds before it adds their
// weights.
const pendMax = 128

// sumPending adds the weights of the held feature ids to acc. Scoring
// holds the ids and adds their weights at the end of the post, in this
// loop of independent loads, rather than as each feature comes: the
// weights (4 MiB for 2^20 buckets) are mostly not in the core's cache,
// and here the misses overlap instead of stalling the tokenizer one by
// one.
//
// The ids come from bucket, below 2^bits = len(f.w), so the weights are
// read without bounds checks, which cost more than the loads.
func (f *featurizer) sumPending() {
	if f.nPend > 0 {
		n, p := sumWeights(unsafe.SliceData(f.w), &f.pend[0], f.nPend)
		f.acc[0] += n
		f.acc[1] += p
	}
	f.nPend = 0
}

// sumWeightsGo is sumWeights in Go.
func sumWeightsGo(w *wpair, ids *uint32, n int) (neg, pos int64) {
	base := unsafe.Pointer(w)
	for _, id := range unsafe.Slice(ids, n) {
		x := (*wpair)(unsafe.Add(base, uintptr(id)*4))
		neg += int64(x.neg)
		pos += int64(x.pos)
	}
	return neg, pos
}

func bucket(h uint64, shift uint) uint32 { return uint32((h * 0x9e3779b97f4a7c15) >> (shift & 63)) }

// boundary is clause punctuation: it ends a negation scope.
func (f *featurizer) boundary() {
	if f.collect != nil {
		return
	}
	f.negScope = false
}

// token handles one token from the tokenizer.
func (f *featurizer) token(t *token) {
	if f.collect != nil {
		*f.collect = append(*f.collect, *t)
		return
	}
	f.nTok++
	prevKind := f.lastKind
	f.lastKind = int(t.kind)
	h := t.h
	switch t.kind {
	case kWord, kHashtag:
		f.word(t, prevKind)
		return
	case kEmoticon:
		if e := f.lex.get(h); e != nil && e.vader != 0 {
			v := float32(e.vader) / 10
			f.va.add(v, false)
			f.vader(v, 0)
			if v > 0 {
				f.emotPos++
			} else {
				f.emotNeg++
			}
			f.lexInd(1, int(e.vader)/5, false)
		}
	case kEmoji:
		if e := f.lex.get(h); e != nil {
			if e.emoji != 0 {
				f.em.add(float32(e.emoji), false)
				f.lexInd(2, int(e.emoji), false)
			}
			if e.vemoji != 0 {
				v := float32(e.vemoji) / 10
				f.vader(v, 0)
				f.lexInd(3, int(e.vemoji)/5, false)
			}
		}
	case kExcl:
		f.nExcl++
		if t.flags&tfRepeat != 0 {
			f.nExcl += 2
		}
	case kQuest:
		f.nQuest++
		if t.flags&tfRepeat != 0 {
			f.nQuest += 2
		}
	case kUser:
		f.nUsers++
	case kURL:
		f.nURLs++
		if f.flags&ffNoURL != 0 {
			return
		}
	case kEllipsis:
		f.nEllipsis++
	}
	f.sinceNeg++
	f.pairHead = false
	f.emit(h ^ saltUni)
	f.ngrams(h)
	f.boost2, f.boost1 = f.boost1, 0
}

// ngrams emits the bigram (and trigram) ending in h and shifts the window.
func (f *featurizer) ngrams(h uint64) {
	if f.flags&ffBigram != 0 {
		f.emit(pairHash(f.prev, h) ^ saltBi)
	}
	if f.flags&ffTrigram != 0 {
		f.emit(pairHash(pairHash(f.prev2, f.prev), h) ^ saltTri)
	}
	f.prev2, f.prev = f.prev, h
}

// lexInd emits the sparse indicator of a lexicon hit.
func (f *featurizer) lexInd(lex, v int, negated bool) {
	if f.flags&ffLexInd == 0 {
		return
	}
	k := uint64(lex)<<16 | uint64(uint8(int8(v)))<<1
	if negated {
		k |= 1
	}
	f.emit(k*0x9e3779b97f4a7c15 ^ saltLex)
}

// vader adds a valence to the VADER-like compound, with the booster and
// negation rules of VADER (simplified).
func (f *featurizer) vader(v, capsBoost float32) {
	if v != 0 {
		sign := float32(1)
		if v < 0 {
			sign = -1
		}
		v += sign * (f.boost1 + 0.95*f.boost2 + capsBoost)
		if f.sinceNeg < 3 {
			v *= -0.74
		}
	}
	f.vdCur += v
	switch {
	case v > 0:
		f.vdPos += v + 1
	case v < 0:
		f.vdNeg += -v + 1
	default:
		f.vdNeu++
	}
}

func (f *featurizer) word(t *token, prevKind int) {
	h := t.h
	e := f.lex.get(h)
	if e == nil && t.flags&tfElong != 0 {
		e = f.lex.get(t.h1)
	}
	neg := f.negScope
	if neg {
		f.emit(h ^ saltUniNeg)
		if f.flags&ffNegBoth != 0 {
			f.emit(h ^ saltUni)
		}
	} else {
		f.emit(h ^ saltUni)
	}
	// Two-word lexicon entries ("can't stand", "fed up").
	var be *lexEntry
	pair := pairHash(f.prev, h)
	if f.pairHead && (prevKind == int(kWord) || prevKind == int(kHashtag)) {
		be = f.lex.get(pair)
	}
	// f.ngrams(h), by hand: this is the hot path.
	if f.flags&ffBigram != 0 {
		f.emit(pair ^ saltBi)
	}
	if f.flags&ffTrigram != 0 {
		f.emit(pairHash(pairHash(f.prev2, f.prev), h) ^ saltTri)
	}
	f.prev2, f.prev = f.prev, h
	f.nWordsLetters++
	if e == nil && be == nil && t.flags == 0 && t.kind == kWord && f.flags&(ffPrefix|ffChar) == 0 {
		// The common case: a plain word that no lexicon knows.
		f.pairHead = false
		f.vdNeu++
		f.sinceNeg++
		f.boost2, f.boost1 = f.boost1, 0
		return
	}
	f.wordRest(t, e, be, neg)
}

// plainRunFlags are the feature switches plainRun implements: bigrams on;
// negated unigrams only, prefixes, character n-grams and trigrams off.
const (
	plainRunMask  = ffBigram | ffNegBoth | ffPrefix | ffChar | ffTrigram
	plainRunFlags = ffBigram
)

// plainRun is tokenize and word fused for runs of the most common tokens,
// in scoring mode (f.w set) with plainRunFlags: words of one to fifteen
// ASCII letters and digits (the words scanShortWord and scanMediumWord
// take), each followed by the end of the text or by neither a letter, a
// digit, an apostrophe nor a non-ASCII byte, with no letter three times in
// a row, that cannot start a link or a letter emoticon; numbers; and
// between them the separators of sepClass. It returns the index where it
// stopped, i when the token at i is not such.
//
// plainWords takes them, with the running state in a runState: it counts
// the tokens, and records as events the words replay must see (lexicon
// words, words ending in "n't", words after the head of a two-word entry).
// TestScoringMatchesTraining checks that scoring sums exactly the weights
// of the features training sees.
func (f *featurizer) plainRun(i int, st *runState) int {
	if f.nPend > pendMax-4 {
		f.sumPending()
	}
	st.i, st.room, st.prev, st.nEv, st.evw = i, pendMax-f.nPend, f.prev, 0, 0
	st.cnt, st.lastTok, st.nCaps = [8]uint32{}, 0, 0
	st.salt = saltUni
	if f.negScope {
		st.salt = saltUniNeg
	}
	if f.pairHead && (f.lastKind == int(kWord) || f.lastKind == int(kHashtag)) {
		st.evw = evwPair
	}
	plainWords(st, &f.pend[f.nPend])
	if st.nIDs > 0 {
		f.nPend += st.nIDs
		f.replay(st)
		f.prev = st.prev
	}
	return st.i
}

// runState is plainWords' input and output; tokenize fills in the text
// and the model once per text. plainwords_amd64.s reads it at the offsets
// TestRunStateLayout checks.
type runState struct {
	s        *byte  // the text
	len      int    // its length
	w        *wpair // the 2^bits sparse weights
	shift    uint64 // 64 - bits
	lex      *lexTable
	i        int    // in: the start of a word; out: where it stopped
	room     int    // how many ids fit in the buffer; at least 2
	prev     uint64 // the previous token's hash, in and out
	salt     uint64 // saltUni, or saltUniNeg in a negation scope
	n        int    // out: the tokens taken, words and others
	atWord   int    // out, for the tests: 0 after a token; at a word it did not take, 1 if only room or the page end stopped it, else 2
	nEv      int    // out: the events in ev
	ev       [maxEvents]uint32
	nIDs     int               // out: the feature ids written
	evw      int               // in: evwPair after the head of a two-word entry; the assembly's own use inside
	hs       [maxEvents]uint64 // out: the hash of the word of each event
	cnt      [8]uint32         // out: the tokens of each kind but words (evExcl...evUser)
	lastTok  int               // out: 1 + the index of the last of them in the run, 0 if none
	lastKind int               // out: its kind
	nCaps    int               // out: the words in capitals that are not events
	adv      int               // the assembly's own: the bytes a word takes beyond its spelling
}

// Bits of runState.evw: the next word follows the head of a two-word entry
// (evwPair); the word is in capitals (evwCaps), ends in "n't"
// (evwNegClitic), is spelled shorter than it is (evwAdv: an apostrophe
// inside, digits before letters).
const (
	evwPair      = 1
	evwCaps      = 2
	evwNegClitic = 4
	evwAdv       = 8 // the word takes st.adv bytes more than its spelling
)

// maxEvents bounds the events of one run.
const maxEvents = 16

// pageTail reports whether the sixteen bytes from p cross into the next
// 4 KiB page: where a text ends less than sixteen bytes after p, the
// assembly reads sixteen bytes (and ignores those past the end) only when
// they stay within p's page, which is then mapped.
func pageTail(p *byte) bool { return uintptr(unsafe.Pointer(p))&4095 > 4096-16 }

// What plainWords does with the byte after a token (sepClass): what
// tokenize would do there, for the bytes it can take without a look at
// more than the byte after.
const (
	sepStop    = iota // leave it to tokenize
	sepSkip           // a byte tokenize skips: space, quotes, most symbols
	sepWord           // a letter or digit: the next word
	sepComma          // a clause boundary
	sepDot            // "." a clause boundary, or ".." and more an ellipsis
	sepMark           // "!" or "?"
	sepDash           // "-": skipped, unless it starts "-_-" or "-.-"
	sepAt             // "@": a mention if a letter, digit or "_" follows, else skipped
	sepColon          // ":" or ";": a clause boundary when a space, a quote or the end follows
	sepBracket        // ( ) [ ]: skipped unless an emoticon may start there
)

// sepClass sorts the bytes for plainWords' separators.
var sepClass = func() (t [256]uint8) {
	for c := range 0x80 {
		switch {
		case alnum[c]:
			t[c] = sepWord
		case c <= ' ' || c == 0x7f || strings.IndexByte("\"$%&'*+/\\_`{}|~", byte(c)) >= 0:
			t[c] = sepSkip
		}
	}
	t[','] = sepComma
	t['.'] = sepDot
	t['!'], t['?'] = sepMark, sepMark
	t['-'] = sepDash
	t['@'] = sepAt
	t[':'], t[';'] = sepColon, sepColon
	t['('], t[')'], t['['], t[']'] = sepBracket, sepBracket, sepBracket, sepBracket
	return t
}()

// userByte marks the bytes of a mention after the "@".
var userByte = func() (t [256]bool) {
	for c := range 0x80 {
		t[c] = alnum[c] || c == '_'
	}
	return t
}()

// sepGoes reports whether plainWords goes on past the separator of class
// cl at s[i] (not the last byte when next is false): "-", ":", ";" and
// brackets by the byte after them, next (0 at the end of the text).
func sepGoes(cl uint8, next byte, atEnd bool) bool {
	switch cl {
	case sepDash:
		return atEnd || next != '_' && next != '.'
	case sepColon:
		return atEnd || next == ' ' || next == '"'
	case sepBracket:
		return atEnd || next != ':' && next != ';' && next != '=' && next != '-'
	}
	return true
}

// plainWordsGo is plainWords in Go: from st.i, it takes words plainRun
// describes that are not in capitals and that the lexicon knows without
// flags or not at all, numbers, and between them the separators of
// sepClass, writing two ids for each token and an event for each lexicon
// word and each word after the head of a two-word entry that the pair may
// be, and counting the other tokens and the words in capitals.
func plainWordsGo(st *runState, idp *uint32) {
	s := unsafe.String(st.s, st.len)
	i := st.i
	shift, lex := uint(st.shift), st.lex
	prev, salt, evw := st.prev, st.salt, st.evw
	ids := unsafe.Slice(idp, st.room)
	nIDs, n := 0, 0
	// token writes the ids of a token that is not a word (unigram always
	// with saltUni) and counts it; the caller checks the room.
	token := func(h uint64, kind int) {
		ids[nIDs] = bucket(h^saltUni, shift)
		ids[nIDs+1] = bucket(pairHash(prev, h)^saltBi, shift)
		nIDs += 2
		prev = h
		st.cnt[kind]++
		n++
		st.lastTok, st.lastKind = n, kind
		evw = 0
	}
	room := func() bool { return nIDs+2 <= len(ids) }
	atWord := 1 // as the assembly reports: see plainwords_amd64.s
words:
	for nIDs+2 <= len(ids) {
		rem := len(s) - i
		if rem < 16 && pageTail(unsafe.StringData(s[i:])) {
			break // as the assembly does
		}
		atWord = 2
		var b [16]byte // the bytes from i, zero past the end
		copy(b[:], s[i:])
		l := 0
		for l < min(rem, 16) && alnum[b[l]] {
			l++
		}
		if l == 0 || l > 15 {
			break
		}
		next := b[l] // 0 at the end of the text
		if l == rem {
			next = 0
		}
		adv, respelled := l, false // the bytes the word takes; whether they are not its spelling
		if !plainEnd[next] {
			// A word with one apostrophe inside ("don't", "I'm") as
			// scanApostropheWord takes it, where sixteen bytes are read:
			// the word is its bytes without the apostrophe.
			if next != '\'' || rem < 16 || l > 7 || plainFirst[b[0]]&(pfDigit|pfEmot) != 0 {
				break
			}
			l2 := 0
			for l+1+l2 < 16 && alnum[b[l+1+l2]] {
				l2++
			}
			if l2 == 0 || l+l2 > 8 || !plainEnd[b[l+1+l2]] {
				break
			}
			evw |= evwAdv
			st.adv = 1
			if l2 == 1 && b[l-1]|0x20 == 'n' && b[l+1]|0x20 == 't' {
				evw |= evwNegClitic
			}
			copy(b[l:], b[l+1:])
			b[15] = 0
			adv, respelled = l+1+l2, true
			l += l2
		} else if b[0]-'0' < 10 {
			// Digits, then letters and nothing else ("1st", "19th"): a
			// word, "0" and the letters as scanWordSlow spells it.
			d := 0
			for d < l && b[d]-'0' < 10 {
				d++
			}
			if d < l {
				for k := d; k < l; k++ {
					if asciiClass[b[k]] == cDigit {
						break words
					}
				}
				if d > 8 || l-d > 7 {
					break
				}
				var nb [16]byte
				nb[0] = '0'
				copy(nb[1:], b[d:l])
				b = nb
				if d > 1 {
					evw |= evwAdv
					st.adv = d - 1
				}
				adv, respelled = l, true
				l = l - d + 1
			}
		}
		var lower [16]byte
		letters, upper, triple := 0, 0, false
		for k := range l {
			c := b[k]
			lower[k] = c | 0x20
			if asciiClass[c] == cLower || asciiClass[c] == cUpper {
				letters++
				if c&0x20 == 0 {
					upper++
				}
			}
			if k >= 2 && lower[k] == lower[k-1] && lower[k] == lower[k-2] {
				triple = true
			}
		}
		if pf := plainFirst[b[0]]; pf == pfDigit && !respelled {
			// A number: digits only, not followed by a decimal point or a
			// thousands separator and a digit ("3.39", "1,000").
			if letters > 0 || (next == '.' || next == ',') && i+l+1 < len(s) && s[i+l+1]-'0' < 10 {
				break
			}
			token(hNum, evNum)
			i += l
		} else {
			if pf != 0 && !respelled {
				b1 := next
				if l >= 2 {
					b1 = b[1]
				}
				if pf == pfH && next == ':' || pf == pfW && next == '.' ||
					pf == pfEmot && (b1 == 'D' || b1 == '_' || b1 == '.') {
					break
				}
			}
			if triple {
				break // elongated
			}
			atWord = 1
			if letters == upper && upper >= 2 {
				evw |= evwCaps // in capitals
			}
			h := uint64(l)*0x9e3779b97f4a7c15 ^ 0x6a09e667f3bcc909
			for k := 0; k < l; k += 8 {
				h = (h ^ binary.LittleEndian.Uint64(lower[k:])) * 0xbf58476d1ce4e5b9
				h ^= h >> 31
			}
			saltAfter := salt // the salt of the words after this one
			slot, ok := lex.slot(h)
			pair := evw&evwPair != 0 && lex.mayHave(pairHash(prev, h))
			negClitic := evw&evwNegClitic != 0
			if !ok && !pair && !negClitic {
				// A plain word; one in capitals is counted.
				if evw&evwCaps != 0 {
					st.nCaps++
				}
				evw = 0
			} else {
				// An event: a lexicon word, a word ending in "n't", or a
				// word after the head of a two-word entry that the pair
				// may be.
				if st.nEv == maxEvents {
					break
				}
				ev := uint32(n)<<16 | evNoEntry
				var fl uint8
				if ok {
					ev = uint32(n)<<16 | slot
					fl = lex.slots[slot].flags
				}
				if evw&evwCaps != 0 {
					ev |= evCaps
				}
				if salt == saltUniNeg {
					ev |= evNeg
				}
				if pair {
					ev |= evPair
				}
				if negClitic {
					ev |= evNegClitic
				}
				st.hs[st.nEv] = h
				st.ev[st.nEv] = ev
				st.nEv++
				evw = 0
				if fl&lfPairHead != 0 {
					evw = evwPair
				}
				switch {
				case fl&lfNegator != 0 || negClitic:
					saltAfter = saltUniNeg
				case fl&lfContrast != 0:
					saltAfter = saltUni
				}
			}
			ids[nIDs] = bucket(h^salt, shift)
			ids[nIDs+1] = bucket(pairHash(prev, h)^saltBi, shift)
			nIDs += 2
			salt = saltAfter
			prev = h
			n++
			i += adv
		}
		// The separators up to the next word, as tokenize takes them.
		atWord = 0
		for i < len(s) {
			c := s[i]
			cl := sepClass[c]
			var next byte
			if i+1 < len(s) {
				next = s[i+1]
			}
			if !sepGoes(cl, next, i+1 == len(s)) {
				break words
			}
			switch cl {
			case sepWord:
				atWord = 1
				continue words
			case sepSkip, sepDash, sepBracket:
				i++
			case sepComma, sepColon:
				salt = saltUni // a clause boundary
				i++
			case sepDot:
				j := i + 1
				for j < len(s) && s[j] == '.' {
					j++
				}
				if j-i > 1 {
					if !room() {
						break words
					}
					token(hEllipsis, evEllipsis)
				}
				salt = saltUni
				i = j
			case sepMark:
				// A run of "!" or "?": a token, then a clause boundary.
				if !room() {
					break words
				}
				j := i + 1
				for j < len(s) && s[j] == c {
					j++
				}
				kind := evExcl
				if c == '?' {
					kind = evQuest
				}
				if j-i > 1 {
					kind++
				}
				token(evHashes[kind-1], kind)
				salt = saltUni
				i = j
			case sepAt:
				if !userByte[next] || i+1 == len(s) {
					i++
					continue
				}
				if !room() {
					break words
				}
				j := i + 1
				for j < len(s) && userByte[s[j]] {
					j++
				}
				token(hUser, evUser)
				i = j
			default:
				break words
			}
		}
		break
	}
	st.i, st.prev, st.salt, st.n, st.nIDs, st.atWord, st.evw = i, prev, salt, n, nIDs, atWord, evw
}

// replay brings f up to date with a run of plainWords. Its tokens count as
// word and token would have counted them; its events, in order, do what
// word would have done for those words (wordRest: their unigram and bigram
// ids are already held), with the two-word entry a word ends if it follows
// the head of one. Between them, advance does what the other tokens did to
// the state the next word sees; clause boundaries and the negation scope
// come with each event (evNeg) and at the end with st.salt. f.prev is still
// the hash of the token before the run.
func (f *featurizer) replay(st *runState) {
	n, words := st.n, st.n
	if st.lastTok > 0 {
		c := &st.cnt
		f.nExcl += int(c[evExcl]) + 3*int(c[evExcl2])
		f.nQuest += int(c[evQuest]) + 3*int(c[evQuest2])
		f.nEllipsis += int(c[evEllipsis])
		f.nUsers += int(c[evUser])
		words -= int(c[evExcl] + c[evExcl2] + c[evQuest] + c[evQuest2] + c[evNum] + c[evEllipsis] + c[evUser])
	}
	f.nTok += n
	f.nWordsLetters += words
	f.nCaps += st.nCaps
	f.vdNeu += words - st.nEv // each event's word counts in wordRest
	done := 0                 // the tokens of the run accounted for
	prev := f.prev
	for j, ev := range st.ev[:st.nEv] {
		k := int(ev >> 16 & evTokMask)
		f.advance(k - done)
		h := st.hs[j]
		if ev&(evNoEntry|evPair|evCaps|evNegClitic) == 0 {
			if e := &f.lex.slots[ev&(lexSize-1)]; e.flags == 0 {
				f.negScope = ev&evNeg != 0
				f.lexWord(e)
				prev = h
				f.lastKind = int(kWord)
				done = k + 1
				continue
			}
		}
		var e, be *lexEntry
		if ev&evNoEntry == 0 {
			e = &f.lex.slots[ev&(lexSize-1)]
		}
		if ev&evPair != 0 {
			be = f.lex.get(pairHash(prev, h))
		}
		prev = h
		f.lastKind = int(kWord)
		t := &f.tok
		t.kind, t.flags = kWord, 0
		if ev&evCaps != 0 {
			t.flags = tfCaps
		}
		if ev&evNegClitic != 0 {
			t.flags |= tfNegClitic
		}
		f.negScope = ev&evNeg != 0
		f.wordRest(t, e, be, f.negScope)
		done = k + 1
	}
	f.advance(n - done)
	f.negScope = st.salt == saltUniNeg
	f.lastKind = int(kWord)
	if st.lastTok == n {
		f.lastKind = int(evTokenKinds[st.lastKind])
	}
}

// advance takes f past d tokens that no lexicon knows (plain words,
// numbers, marks, mentions, ellipses): what word and token do to the
// negation window, the boosters and the pair head, without a branch.
func (f *featurizer) advance(d int) {
	f.sinceNeg += d
	b := [4]float32{f.boost2, f.boost1, 0, 0}
	s := min(d, 2)
	f.boost2, f.boost1 = b[s], b[s+1]
	f.pairHead = f.pairHead && d == 0
}

// evTokenKinds is the token kind of each kind of token plainWords counts.
var evTokenKinds = [8]uint8{evExcl: kExcl, evExcl2: kExcl, evQuest: kQuest, evQuest2: kQuest, evNum: kNum, evEllipsis: kEllipsis, evUser: kUser}

// An event of plainWords is k<<16 | slot for the word that is the k-th
// token of the run and that the lexicon knows (slot is its entry), or
// k<<16 | evNoEntry for one it does not know; with evCaps if the word is
// in capitals, evNeg if it is in a negation scope, evPair if it follows
// the head of a two-word entry and their pair passes the lexicon's filter,
// and evNegClitic if it ends in "n't".
const (
	evNegClitic = 1 << 31
	evPair      = 1 << 30
	evNeg       = 1 << 28
	evNoEntry   = 1 << 29
	evCaps      = 1 << 15
	evTokMask   = 1<<12 - 1
)

// Kinds of the other tokens plainWords takes, which index evHashes from 1.
const (
	evExcl     = 1 // "!"
	evExcl2    = 2 // "!!", "!!!", …
	evQuest    = 3
	evQuest2   = 4
	evNum      = 5 // a number: digits only, as token sees "0"
	evEllipsis = 6 // "..", "...", …
	evUser     = 7 // a mention
)

// hNum is the hash of a number's token; evHashes holds the hashes of the
// other tokens plainWords takes, indexed by kind-1.
var (
	hNum = func() uint64 {
		var b [maxWord + 8]byte
		b[0] = '0'
		return hashWord(&b, 1)
	}()
	evHashes = [7]uint64{hExcl, hExcl2, hQuest, hQuest2, hNum, hEllipsis, hUser}
)

// wordRest is the less common part of word: hashtags, lexicon hits,
// emphasis, negators and boosters.
func (f *featurizer) wordRest(t *token, e, be *lexEntry, neg bool) {
	if t.kind == kHashtag {
		f.nTags++
		f.emit(t.h ^ saltTag)
	}
	if f.flags&ffPrefix != 0 && t.n > prefixLen+1 {
		var b [maxWord + 8]byte
		copy(b[:prefixLen], t.norm[:prefixLen])
		f.emit(hashWord(&b, prefixLen) ^ saltPre)
	}
	if f.flags&ffChar != 0 {
		f.charGrams(t)
	}
	if t.flags&tfElong != 0 {
		f.nElong++
	}
	var capsBoost float32
	if t.flags&tfCaps != 0 {
		f.nCaps++
		capsBoost = 0.733
	}
	f.pairHead = e != nil && e.flags&lfPairHead != 0
	var flags uint8
	if be != nil {
		flags |= be.flags
		f.lexHit(be, neg)
	}
	if e != nil {
		flags |= e.flags
		f.lexHit(e, neg)
	}
	switch {
	case e != nil && e.vader != 0:
		f.vader(float32(e.vader)/10, capsBoost)
	case be != nil && be.vader != 0:
		f.vader(float32(be.vader)/10, capsBoost)
	default:
		f.vdNeu++
	}
	f.sinceNeg++
	f.boost2, f.boost1 = f.boost1, 0
	switch {
	case flags&lfNegator != 0 || t.flags&tfNegClitic != 0:
		f.negScope = true
		f.sinceNeg = 0
		f.nNegs++
	case flags&lfContrast != 0:
		f.negScope = false
		f.contrast = true
		f.vdBefore += f.vdCur
		f.vdCur = 0
	case flags&lfBoostUp != 0:
		f.boost1 = 0.293
	case flags&lfBoostDown != 0:
		f.boost1 = -0.293
	}
}

// lexWord is wordRest for the most common event: a word the lexicon
// knows, with no flags (no negator, booster, "but" or head of a two-word
// entry), not in capitals, not after the head of a two-word entry.
func (f *featurizer) lexWord(e *lexEntry) {
	neg := f.negScope
	if e.afinn != 0 {
		f.af.add(float32(e.afinn), neg)
		f.lexInd(4, int(e.afinn), neg)
	}
	if e.vader != 0 {
		v := float32(e.vader) / 10
		f.va.add(v, neg)
		f.lexInd(5, int(e.vader)/5, neg)
		f.vader(v, 0)
	} else {
		f.vdNeu++
	}
	f.sinceNeg++
	f.boost2, f.boost1 = f.boost1, 0
	f.pairHead = false
}

// lexHit adds the AFINN and VADER valences of a lexicon entry.
func (f *featurizer) lexHit(x *lexEntry, neg bool) {
	if x.afinn != 0 {
		f.af.add(float32(x.afinn), neg)
		f.lexInd(4, int(x.afinn), neg)
	}
	if x.vader != 0 {
		f.va.add(float32(x.vader)/10, neg)
		f.lexInd(5, int(x.vader)/5, neg)
	}
}

// charGrams emits the character 3- and 4-grams of "^word$" for words of
// at least four bytes.
func (f *featurizer) charGrams(t *token) {
	if t.n < 4 {
		return
	}
	var b [maxWord + 2]byte
	b[0] = '^'
	copy(b[1:], t.norm[:t.n])
	b[t.n+1] = '$'
	m := t.n + 2
	for i := 0; i+3 <= m; i++ {
		h := uint64(fnvOffset)
		for j := i; j < i+4 && j < m; j++ {
			h ^= uint64(b[j])
			h *= fnvPrime
			if j >= i+2 {
				f.emit(h ^ saltChar)
			}
		}
	}
}

// finish ends the post: the end-of-post n-gram and the dense features.
func (f *featurizer) finish() {
	f.ngrams(saltEOS)
	if f.w != nil {
		f.sumPending()
	}
	if f.flags&ffDense == 0 {
		f.dense[dBias] = 1
		return
	}
	d := &f.dense
	d[dBias] = 1
	f.af.dense(d[dAfPos:dAfPos+8], 5)
	f.va.dense(d[dVaPos:dVaPos+8], 4)
	d[dEmPos] = squash(f.em.pos)
	d[dEmNeg] = squash(f.em.neg)
	d[dEmotPos] = squash(float32(f.emotPos))
	d[dEmotNeg] = squash(float32(f.emotNeg))

	s := f.vdCur
	if f.contrast {
		s = 0.5*f.vdBefore + 1.5*f.vdCur
	}
	if s != 0 {
		ep := 0.292 * float32(min(f.nExcl, 4))
		if f.nQuest > 1 {
			ep += min(0.18*float32(f.nQuest), 0.96)
		}
		if s > 0 {
			s += ep
		} else {
			s -= ep
		}
	}
	d[dVdComp] = s / float32(math.Sqrt(float64(s*s+15)))
	if tot := f.vdPos + f.vdNeg + float32(f.vdNeu); tot > 0 {
		d[dVdPos] = f.vdPos / tot
		d[dVdNeg] = f.vdNeg / tot
	}
	d[dTokens] = squash(float32(f.nTok)) / 4
	d[dExcl] = squash(float32(f.nExcl))
	d[dQuest] = squash(float32(f.nQuest))
	if f.lastKind == int(kExcl) {
		d[dExclEnd] = 1
	}
	if f.lastKind == int(kQuest) {
		d[dQuestEnd] = 1
	}
	d[dElong] = squash(float32(f.nElong))
	d[dCaps] = squash(float32(f.nCaps))
	if f.nCaps > 0 && f.nCaps == f.nWordsLetters {
		d[dAllCaps] = 1
	}
	d[dTags] = squash(float32(f.nTags))
	d[dUsers] = squash(float32(f.nUsers))
	if f.flags&ffNoURL == 0 {
		d[dURLs] = squash(float32(f.nURLs))
	}
	d[dNegs] = squash(float32(f.nNegs))
	if f.contrast {
		d[dContrast] = 1
	}
	d[dEllipsis] = squash(float32(f.nEllipsis))
}

// tokenHashes returns the tokens of s (for building the lexicon table).
func tokenHashes(dst []token, s string) []token {
	var f featurizer
	f.collect = &dst
	tokenize(s, &f)
	return dst
}
