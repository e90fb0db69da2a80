package afinn

import (
	"maps"
	"slices"
	"sync"

	"github.com/tsaproject/tsa/internal/sentiment/lexicon"
)

// entry is what one token means to sentiment@5.0.2: its valence when it is
// a label (labels.hasOwnProperty(token)), and whether it negates the next
// token (negators[token] is truthy). A key that is not a label has valence
// 0, which adds nothing, exactly as skipping it does.
type entry struct {
	valence int8
	negator bool
}

// protoNames are the own properties of Object.prototype in Node. The scoring
// strategy tests a negator with negators[prevtoken], a plain property read
// that also finds these inherited members (functions, or Object.prototype for
// __proto__), all truthy. Tokens are lower-cased and '_' splits them, so of
// these only "constructor" can ever occur; the others are kept so the table
// mirrors the JavaScript objects rather than our reasoning about them.
var protoNames = []string{
	"constructor", "__defineGetter__", "__defineSetter__", "hasOwnProperty",
	"__lookupGetter__", "__lookupSetter__", "isPrototypeOf",
	"propertyIsEnumerable", "toString", "valueOf", "__proto__", "toLocaleString",
}

// mergedKeys is the lexicon as the JavaScript objects hold it: labels with
// the emoji ranking merged in (Object.assign(labels, emoji): emoji win on a
// shared key; 5.0.2 has none, the order is kept anyway), and the negators
// (a value of 0 would be falsy and not negate; none is).
func mergedKeys() map[string]entry {
	m := make(map[string]entry, len(lexicon.AFINN())+len(lexicon.EmojiRanking())+32)
	for _, src := range []map[string]int{lexicon.AFINN(), lexicon.EmojiRanking()} {
		for k, v := range src {
			if v < -128 || v > 127 {
				panic("afinn: valence out of int8 range: " + k)
			}
			e := m[k]
			e.valence = int8(v)
			m[k] = e
		}
	}
	for k, v := range lexicon.AFINNNegators() {
		if v != 0 {
			e := m[k]
			e.negator = true
			m[k] = e
		}
	}
	for _, k := range protoNames {
		e := m[k]
		e.negator = true
		m[k] = e
	}
	return m
}

// A token is packed little-endian into three words, zero-padded, with its
// length: two tokens are equal exactly when the four values are. Keys are
// at most maxKey bytes (buildTable checks), so a token longer than maxToken
// cannot match and is never looked up.
const (
	maxKey   = 20
	maxToken = 24
)

type packed struct {
	w0, w1, w2 uint64
	n          int
}

func pack(s string) packed {
	var p packed
	for i := 0; i < len(s); i++ {
		p = p.push(s[i])
	}
	return p
}

// push appends one byte. Past maxToken it only counts, which marks the token
// too long to match.
func (p packed) push(b byte) packed {
	sh := uint(p.n&7) * 8
	switch {
	case p.n < 8:
		p.w0 |= uint64(b) << sh
	case p.n < 16:
		p.w1 |= uint64(b) << sh
	case p.n < maxToken:
		p.w2 |= uint64(b) << sh
	}
	p.n++
	return p
}

// hash mixes a token with a seed-chosen multiplier. Only its top bits are
// used (home1, home2), which a multiplication mixes well.
func (p packed) hash(seed uint64) uint64 {
	return (p.w0+uint64(p.n))*(0x9E3779B97F4A7C15+seed<<1) ^ p.w1*0xC2B2AE3D27D4EB4F ^ p.w2*0x165667B19E3779F9
}

// slot is one key of the table: its packed bytes and, in meta, its length
// (bits 0-7), valence (8-15, two's complement) and negator flag (bit 16).
// An empty slot has length 0, which no token looked up has.
type slot struct {
	w0, w1, w2, meta uint64
}

const (
	metaLen     = 0xFF
	metaNegator = 1 << 16
)

func (e entry) meta(n int) uint64 {
	m := uint64(n) | uint64(uint8(e.valence))<<8
	if e.negator {
		m |= metaNegator
	}
	return m
}

// table is a cuckoo hash table: every key sits in one of two slots chosen
// by its hash, so a lookup reads exactly two slots and picks the answer
// without a branch. That matters because most of Score's time is lookups
// and whether a token is a key is unpredictable (about one in five is).
// The size is fixed so that indexing needs no bounds check. It is built
// once and only read afterwards, so it is safe to share.
type table struct {
	slots *[tableSize]slot
	seed  uint64
}

const (
	tableBits = 14
	tableSize = 1 << tableBits // 512 KiB; the 4,173 keys fill a quarter
)

var tableOnce = sync.OnceValue(buildTable)

func buildTable() *table {
	m := mergedKeys()
	if 2*len(m) > tableSize {
		// Cuckoo hashing with two choices fails above half full.
		panic("afinn: lexicon too large for the table")
	}
	// In sorted order, so that every process builds the same table.
	keys := slices.Sorted(maps.Keys(m))
	for seed := uint64(0); seed < 64; seed++ {
		if t, ok := tryBuild(m, keys, seed); ok {
			return t
		}
	}
	panic("afinn: cannot build the lexicon table")
}

func tryBuild(m map[string]entry, keys []string, seed uint64) (*table, bool) {
	t := &table{slots: new([tableSize]slot), seed: seed}
	for _, k := range keys {
		e := m[k]
		if len(k) == 0 || len(k) > maxKey {
			panic("afinn: lexicon key of unexpected length: " + k)
		}
		p := pack(k)
		s := slot{p.w0, p.w1, p.w2, e.meta(p.n)}
		i := home1(p.hash(seed))
		for range 500 {
			s, t.slots[i] = t.slots[i], s
			if s.meta == 0 {
				break
			}
			// Move the evicted key to its other slot.
			q := packed{s.w0, s.w1, s.w2, int(s.meta & metaLen)}
			h := q.hash(seed)
			if i1 := home1(h); i1 != i {
				i = i1
			} else {
				i = home2(h)
			}
		}
		if s.meta != 0 {
			return nil, false
		}
	}
	return t, true
}

// The two homes come from the top bits of the hash, which a multiplication
// mixes best.
func home1(h uint64) uint64 { return h >> (64 - tableBits) }
func home2(h uint64) uint64 { return h >> (64 - 2*tableBits) & (tableSize - 1) }

// lookup returns the meta of a token, or 0 when it is no key, without a
// branch on the outcome. A token longer than maxToken has n > maxKey, which
// no slot has, so it never matches whatever its words hold.
func (t *table) lookup(p packed) uint64 {
	h := p.hash(t.seed)
	a, b := &t.slots[home1(h)], &t.slots[home2(h)]
	n := uint64(p.n)
	var m uint64
	if a.w0^p.w0|a.w1^p.w1|a.w2^p.w2|(a.meta&metaLen^n) == 0 {
		m = a.meta
	}
	if b.w0^p.w0|b.w1^p.w1|b.w2^p.w2|(b.meta&metaLen^n) == 0 {
		m = b.meta
	}
	return m
}
