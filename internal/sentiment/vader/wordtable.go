package vader

import "fmt"

// wordTable maps a lower-cased ASCII token to what VADER knows of it. It
// replaces a Go map on the hot path, where look-ups are most of the cost and
// most of that is cache misses: the caller lower-cases the token eight bytes
// at a time into zero-padded words (key); a 16 KiB Bloom filter, which stays
// in the L1 cache, turns away most tokens that are not in the table (most
// are not); the others go through an index at most half full whose slots
// keep 16 more bits of the hash, and entries of 24 bytes that are compared
// a word at a time.
type wordTable struct {
	bloom   [bloomWords]uint64
	index   []uint32 // slot -> hash tag << 16 | (1 + entry number); 0 is empty
	entries []tableEntry
	tails   [][2]uint64 // words 2 and 3 of the keys longer than 16 bytes
	shift   uint        // 64 - log2(len(index))
}

const bloomWords = 2048

type tableEntry struct {
	k0, k1 uint64 // the key's first 16 bytes, little-endian, zero-padded
	val    int16  // lexicon valence in hundredths: all have one decimal
	flags  uint8
	id     uint8
	n      uint8 // key length in bytes
	tail   uint8 // 1 + index into tails, for keys longer than 16 bytes
}

// key is a token of at most maxKeyLen bytes as four little-endian words,
// zero after its end.
type key [4]uint64

const maxKeyLen = len(key{}) * 8

func (k *key) hash(n int) uint64 {
	if n <= 16 {
		return hash16(k[0], k[1], n)
	}
	h := uint64(n)*0x9e3779b97f4a7c15 ^ k[0]*0xc2b2ae3d27d4eb4f ^ k[1]*0x165667b19e3779f9
	h ^= k[2]*0xd6e8feb86659fd93 ^ k[3]*0xff51afd7ed558ccd
	return fmix(h)
}

func hash16(k0, k1 uint64, n int) uint64 {
	return fmix(uint64(n)*0x9e3779b97f4a7c15 ^ k0*0xc2b2ae3d27d4eb4f ^ k1*0x165667b19e3779f9)
}

func fmix(h uint64) uint64 {
	h ^= h >> 31
	return h * 0x94d049bb133111eb
}

// The parts of a hash: the index slot is its top bits, the tag its low 16
// bits, the Bloom filter uses bits 16 to 38.
func tag(h uint64) uint32 { return uint32(h) << 16 }

func bloomBits(h uint64) (w uint64, bits uint64) {
	return (h >> 28) % bloomWords, 1<<(h>>16&63) | 1<<(h>>22&63)
}

func keyOf(s string) (k key) {
	for i := 0; i < len(s); i++ {
		k[i/8] |= uint64(s[i]) << (8 * (i % 8))
	}
	return k
}

func newWordTable(m map[string]word) (*wordTable, error) {
	bits := uint(1)
	for 1<<bits < 2*len(m) {
		bits++
	}
	if len(m) >= 1<<16-1 {
		return nil, fmt.Errorf("%d words: too many for the table", len(m))
	}
	t := &wordTable{index: make([]uint32, 1<<bits), shift: 64 - bits}
	mask := uint64(len(t.index) - 1)
	for s, w := range m {
		if len(s) > maxKeyLen {
			continue // no token this long is ever looked up
		}
		v := int16(w.val * 100)
		for _, d := range []int16{-1, 1} { // w.val*100 may fall just short
			if float64(v+d)/100 == w.val {
				v += d
			}
		}
		if float64(v)/100 != w.val {
			return nil, fmt.Errorf("valence %v of %q has more than two decimals", w.val, s)
		}
		k := keyOf(s)
		e := tableEntry{k0: k[0], k1: k[1], val: v, flags: w.flags, id: w.id, n: uint8(len(s))}
		if len(s) > 16 {
			t.tails = append(t.tails, [2]uint64{k[2], k[3]})
			if len(t.tails) > 255 {
				return nil, fmt.Errorf("too many keys longer than 16 bytes")
			}
			e.tail = uint8(len(t.tails))
		}
		t.entries = append(t.entries, e)
		h := k.hash(len(s))
		i := h >> t.shift
		for t.index[i] != 0 {
			i = (i + 1) & mask
		}
		t.index[i] = tag(h) | uint32(len(t.entries))
		bw, bb := bloomBits(h)
		t.bloom[bw] |= bb
	}
	return t, nil
}

// lookup16 finds the key k0, k1 of n <= 16 bytes.
func (t *wordTable) lookup16(k0, k1 uint64, n int) word {
	h := hash16(k0, k1, n)
	if bw, bb := bloomBits(h); t.bloom[bw]&bb != bb {
		return word{}
	}
	mask := uint64(len(t.index) - 1)
	tg := tag(h)
	for i := h >> t.shift; ; i = (i + 1) & mask {
		e := t.index[i]
		if e == 0 {
			return word{}
		}
		if e&0xffff0000 != tg {
			continue
		}
		en := &t.entries[e&0xffff-1]
		if en.k0 == k0 && en.k1 == k1 && int(en.n) == n {
			return word{val: float64(en.val) / 100, flags: en.flags, id: en.id}
		}
	}
}

// lookup finds the key of n bytes.
func (t *wordTable) lookup(k *key, n int) word {
	if n <= 16 {
		return t.lookup16(k[0], k[1], n)
	}
	h := k.hash(n)
	if bw, bb := bloomBits(h); t.bloom[bw]&bb != bb {
		return word{}
	}
	mask := uint64(len(t.index) - 1)
	tg := tag(h)
	for i := h >> t.shift; ; i = (i + 1) & mask {
		e := t.index[i]
		if e == 0 {
			return word{}
		}
		if e&0xffff0000 != tg {
			continue
		}
		en := &t.entries[e&0xffff-1]
		if en.k0 == k[0] && en.k1 == k[1] && int(en.n) == n &&
			(en.tail == 0 || t.tails[en.tail-1] == [2]uint64{k[2], k[3]}) {
			return word{val: float64(en.val) / 100, flags: en.flags, id: en.id}
		}
	}
}
