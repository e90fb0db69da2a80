// Package match finds which of a set of tracked keywords a post mentions.
//
// # Keywords
//
// Normalize turns what a user typed into the canonical keyword: white space
// trimmed and every inner run collapsed to one space, case folded (Unicode
// simple folding: "Straße" and "STRASSE" stay different, "ΣΊΣΥΦΟΣ" and
// "σίσυφος" are one). A keyword is 1 to MaxKeywordBytes bytes once
// normalized, valid UTF-8, free of control characters, and holds at least
// one letter, digit or symbol. No Unicode normalization form is applied
// (the standard library has none): a decomposed "é" in a post does not match
// a precomposed one in a keyword.
//
// # What matches
//
// Matching is case-insensitive and on word boundaries, where word characters
// are letters, combining marks, decimal digits and the underscore:
//
//   - "golang" matches "Golang!", "#golang" and "golang's", not "golangs",
//     "_golang" or the mention "@golang".
//   - "#golang" matches only the hashtag: "#golang", "#GoLang.", not "golang"
//     nor "x#golang".
//   - "@gopher" matches only the mention, not "gopher" nor "me@gopher.dev".
//   - "climate change" matches the words with any white space between them
//     ("climate\n  change", "#climate change"), not "climate-change" nor
//     "climate #change".
//   - Keywords with punctuation match literally with the same boundaries:
//     "c++" matches "I like C++." but not "c++x"; "node.js" matches
//     "Node.js," but not "node.jsx".
//   - In scripts written without spaces (Chinese, Japanese, Thai, Khmer,
//     Lao, Myanmar, Tibetan, Yi and Korean, where particles attach to words)
//     a keyword's edge in that script needs no boundary: "東京" matches
//     "東京都に行った". A Latin keyword next to such text matches too:
//     "iphone" in "新しいiPhoneを買った". Emoji need no boundary either.
//
// # How
//
// New builds an Aho-Corasick automaton over the normalized keywords' bytes.
// Match folds the post rune by rune (from a table for the Basic Multilingual
// Plane), collapses white space the same way Normalize does, and runs the
// automaton once over the result, so the cost per post depends on the
// post's length, not on the number of keywords. Boundaries are checked only
// where a keyword ends: the kind of the character before each position is
// kept in a small ring, the character after is the next one read.
//
// The automaton is a full DFA over byte classes (bytes that occur in no
// keyword share one class) for its shallow states, so that nearly every
// byte costs one table lookup; states deeper than what fits a fixed budget
// keep sparse edges plus failure links, which bounds memory for any keyword
// set (10,000 keywords of 60 bytes in mixed scripts take about 15 MB).
//
// A token-hash design (split the post into words once, look up each word
// and n-gram in a map) was the alternative. It needs a second mechanism for
// substrings in scripts without spaces and for punctuation inside keywords,
// and even in its cheapest form (BenchmarkTokenHash: ASCII words and
// two-word phrases only) it does about 0.95 M posts per CPU-second against
// 1.6 M for the automaton with 10 to 1,000 keywords. With 10,000 keywords
// matching 6 times a post, the automaton's table no longer fits the cache
// and it falls to 0.65 M, below the token hash's 0.9 M; the automaton is
// kept for its exact semantics and the common case.
package match

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxKeywordBytes is the longest normalized keyword. X allows 512 characters
// for a whole filter rule; 60 bytes holds any real phrase, and the matcher's
// boundary ring relies on the bound.
const MaxKeywordBytes = 60

// ErrInvalid is wrapped by every error Normalize returns.
var ErrInvalid = errors.New("invalid keyword")

// Normalize returns the canonical form of a keyword, or an error wrapping
// ErrInvalid that says what is wrong with it.
func Normalize(kw string) (string, error) {
	buildTables()
	if !utf8.ValidString(kw) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrInvalid)
	}
	var b strings.Builder
	b.Grow(len(kw))
	space, content := false, false
	for _, r := range kw {
		f, k := foldKind(r)
		if k == kindSpace {
			space = b.Len() > 0
			continue
		}
		if unicode.IsControl(r) {
			return "", fmt.Errorf("%w: %s holds control character %U", ErrInvalid, quote(kw), r)
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(f)
		if k == kindWord || k == kindSpaceless || unicode.IsSymbol(r) || (r >= 0x1F000 && r < 0x1FB00) {
			content = true
		}
	}
	switch {
	case b.Len() == 0:
		return "", fmt.Errorf("%w: empty", ErrInvalid)
	case b.Len() > MaxKeywordBytes:
		return "", fmt.Errorf("%w: %s is %d bytes, at most %d are allowed", ErrInvalid, quote(kw), b.Len(), MaxKeywordBytes)
	case !content:
		return "", fmt.Errorf("%w: %s has no letter, digit or symbol", ErrInvalid, quote(kw))
	}
	return b.String(), nil
}

// quote shows a keyword in an error, cut short so a huge input does not make
// a huge message.
func quote(s string) string {
	const max = 80
	if len(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q...", s[:cut])
}

// denseBudget caps the dense transition table (entries of 4 bytes). A
// variable so tests can force sparse states with few keywords.
var denseBudget = 1 << 21

// ringSize must exceed MaxKeywordBytes and be a power of two.
const ringSize = 64

// Matcher finds keywords in texts. It is immutable and safe for concurrent
// use.
type Matcher struct {
	class  [256]uint8  // byte -> class; 0 for bytes in no keyword
	ascii  [128]uint16 // ASCII byte -> class of its fold | kind<<8
	stride uint32      // number of classes

	// States are numbered breadth first, so the shallow ones, which
	// nearly all bytes visit, come first. At run time a state is its
	// address: s*stride, the start of its row in dense, for the first
	// nDense states, and len(dense) + (s-nDense) for the sparse rest.
	// Transition targets are stored tagged: address<<2 | tagOut when the
	// target ends a keyword, | tagAnyNext when one of those needs no
	// boundary after it. So one test per character finds the outputs,
	// and inside a word, where most near-misses end ("go" in "goal"),
	// there is nothing to check.
	nDense     uint32
	dense      []uint32 // nDense*stride full transitions
	edgeStart  []uint32 // sparse state i: edges[edgeStart[i]:edgeStart[i+1]]
	edges      []edge
	sparseFail []uint32 // sparse state i: address of its failure state

	outStart []uint32 // outputs of state s: out[outStart[s]:outStart[s+1]]
	out      []uint32 // keyword indexes, own and inherited by suffix
	kws      []kwInfo // by keyword index; zero for an invalid keyword
}

type edge struct {
	class uint8
	to    uint32 // tagged address
}

type kwInfo struct {
	len   uint8 // normalized length in bytes
	start uint8 // edge rule for the first character
	end   uint8 // edge rule for the last character
}

// New builds a matcher for keywords. Match reports indexes into keywords.
// Each keyword is normalized first; one that Normalize rejects never
// matches. Equal keywords are all reported.
func New(keywords []string) *Matcher {
	buildTables()
	m := &Matcher{kws: make([]kwInfo, len(keywords))}

	// The trie, in flat arrays: node 0 is the root; a node's children
	// form a list through kid and sibling (0 ends a list, as the root is
	// nobody's child); the keywords ending at a node form a list through
	// end and nextEnd (values are keyword index + 1).
	kid, sibling, end := []uint32{0}, []uint32{0}, []uint32{0}
	label := []uint8{0}
	nextEnd := make([]uint32, len(keywords))
	var rootKid [256]uint32 // the root has the most children: index them
	child := func(s uint32, c uint8) uint32 {
		if s == 0 {
			return rootKid[c]
		}
		for t := kid[s]; t != 0; t = sibling[t] {
			if label[t] == c {
				return t
			}
		}
		return 0
	}
	for i, kw := range keywords {
		n, err := Normalize(kw)
		if err != nil {
			continue
		}
		first, _ := utf8.DecodeRuneInString(n)
		last, _ := utf8.DecodeLastRuneInString(n)
		m.kws[i] = kwInfo{len: uint8(len(n)), start: edgeRule(first, true), end: edgeRule(last, false)}
		s := uint32(0)
		for j := 0; j < len(n); j++ {
			c := n[j]
			if m.class[c] == 0 {
				m.stride++
				m.class[c] = uint8(m.stride)
			}
			t := child(s, c)
			if t == 0 {
				t = uint32(len(kid))
				kid, sibling, end, label = append(kid, 0), append(sibling, kid[s]), append(end, 0), append(label, c)
				kid[s] = t
				if s == 0 {
					rootKid[c] = t
				}
			}
			s = t
		}
		nextEnd[i] = end[s]
		end[s] = uint32(i) + 1
	}
	m.stride++ // class 0

	// Breadth-first order: new id -> old id, and back.
	order := make([]uint32, 1, len(kid))
	id := make([]uint32, len(kid))
	for q := 0; q < len(order); q++ {
		id[order[q]] = uint32(q)
		for t := kid[order[q]]; t != 0; t = sibling[t] {
			order = append(order, t)
		}
	}
	n := uint32(len(order))

	// fail(t) for t = goto(s, c) is goto(f, c) for the first f on s's
	// failure chain that has such an edge. BFS order computes fail(s)
	// before s's children need it. Depth-1 states fail to the root.
	fail := make([]uint32, n)
	for s := uint32(1); s < n; s++ {
		for t := kid[order[s]]; t != 0; t = sibling[t] {
			for f := fail[s]; ; f = fail[f] {
				if g := child(order[f], label[t]); g != 0 {
					fail[id[t]] = id[g]
					break
				}
				if f == 0 {
					break
				}
			}
		}
	}

	// Outputs: own keywords, then the failure state's (already complete,
	// since it is shallower and so earlier in BFS order).
	m.outStart = make([]uint32, n+1)
	for s := uint32(0); s < n; s++ {
		m.outStart[s] = uint32(len(m.out))
		for e := end[order[s]]; e != 0; e = nextEnd[e-1] {
			m.out = append(m.out, e-1)
		}
		if s != 0 {
			f := fail[s]
			m.out = append(m.out, m.out[m.outStart[f]:m.outStart[f+1]]...)
		}
		m.outStart[s+1] = uint32(len(m.out))
	}

	// Dense rows for as many states as the budget allows.
	m.nDense = min(n, max(1, uint32(denseBudget)/m.stride))
	m.dense = make([]uint32, m.nDense*m.stride)
	addr := func(s uint32) uint32 {
		if s < m.nDense {
			return s * m.stride
		}
		return uint32(len(m.dense)) + s - m.nDense
	}
	tag := func(s uint32) uint32 {
		t := addr(s) << tagBits
		for _, kw := range m.out[m.outStart[s]:m.outStart[s+1]] {
			t |= tagOut
			if m.kws[kw].end == edgeNone {
				t |= tagAnyNext
			}
		}
		return t
	}
	for s := uint32(0); s < m.nDense; s++ {
		row := m.dense[s*m.stride : (s+1)*m.stride]
		if s != 0 {
			// Where s has no edge it goes where its failure state
			// goes; fail(s) < s, so that row is done. Class 0 (bytes
			// in no keyword) stays 0: back to the root.
			copy(row, m.dense[fail[s]*m.stride:])
		}
		for t := kid[order[s]]; t != 0; t = sibling[t] {
			row[m.class[label[t]]] = tag(id[t])
		}
	}
	m.edgeStart = make([]uint32, 0, n-m.nDense+1)
	m.sparseFail = make([]uint32, 0, n-m.nDense)
	for s := m.nDense; s < n; s++ {
		m.edgeStart = append(m.edgeStart, uint32(len(m.edges)))
		m.sparseFail = append(m.sparseFail, addr(fail[s]))
		for t := kid[order[s]]; t != 0; t = sibling[t] {
			m.edges = append(m.edges, edge{class: m.class[label[t]], to: tag(id[t])})
		}
	}
	m.edgeStart = append(m.edgeStart, uint32(len(m.edges)))
	for c := range m.ascii {
		f, k := foldKind(rune(c))
		m.ascii[c] = uint16(m.class[f]) | uint16(k)<<8
	}
	return m
}

// Tag bits of a state in Matcher.dense and edge.to.
const (
	tagOut     = 1 // the state ends keywords
	tagAnyNext = 2 // ... and some may be followed by a word character
	tagBits    = 2
)

// stepSparse follows the automaton from the sparse state at address a on
// class c and returns the tagged target.
func (m *Matcher) stepSparse(a, c uint32) uint32 {
	dl := uint32(len(m.dense))
	for a >= dl {
		i := a - dl
		for _, e := range m.edges[m.edgeStart[i]:m.edgeStart[i+1]] {
			if uint32(e.class) == c {
				return e.to
			}
		}
		a = m.sparseFail[i]
	}
	return m.dense[a+c]
}

// Match appends to dst the index of every keyword text mentions, each once,
// in no particular order, and returns the extended slice. It allocates
// nothing when dst has room.
func (m *Matcher) Match(text string, dst []int) []int {
	base := len(dst)
	var ring [ringSize]uint8 // kind of the character before each position
	var pos uint32           // position in the folded text
	var st uint32            // tagged address of the current state
	prev := kindOther        // the start of the text is a boundary
	var buf [utf8.UTFMax]byte
	// Locals, so the loop keeps them in registers.
	dense, ascii, class := m.dense, &m.ascii, &m.class
	dl := uint32(len(dense))
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf {
			i++
			v := ascii[c]
			k := uint8(v >> 8)
			if k == kindSpace && prev == kindSpace {
				continue
			}
			if st&tagOut != 0 && (k != kindWord || st&tagAnyNext != 0) {
				dst = m.report(st>>tagBits, pos, k, &ring, dst, base)
			}
			ring[pos%ringSize] = prev
			prev = k
			pos++
			if a, cl := st>>tagBits, uint32(v&0xff); a < dl {
				st = dense[a+cl]
			} else {
				st = m.stepSparse(a, cl)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		r, k := foldKind(r)
		if k == kindSpace && prev == kindSpace {
			continue
		}
		if st&tagOut != 0 && (k != kindWord || st&tagAnyNext != 0) {
			dst = m.report(st>>tagBits, pos, k, &ring, dst, base)
		}
		ring[pos%ringSize] = prev
		prev = k
		n := utf8.EncodeRune(buf[:], r)
		for _, b := range buf[:n] {
			if a, cl := st>>tagBits, uint32(class[b]); a < dl {
				st = dense[a+cl]
			} else {
				st = m.stepSparse(a, cl)
			}
		}
		pos += uint32(n)
	}
	if st&tagOut != 0 {
		dst = m.report(st>>tagBits, pos, kindOther, &ring, dst, base)
	}
	return dst
}

// report checks the keywords ending at pos in the state at address a
// against their boundaries, next being the kind of the character after
// them.
func (m *Matcher) report(a, pos uint32, next uint8, ring *[ringSize]uint8, dst []int, base int) []int {
	var s uint32
	if dl := uint32(len(m.dense)); a < dl {
		s = a / m.stride // a rare path: most reports are cut short by the tags
	} else {
		s = m.nDense + a - dl
	}
outputs:
	for _, kw := range m.out[m.outStart[s]:m.outStart[s+1]] {
		info := m.kws[kw]
		if info.end != edgeNone && next == kindWord {
			continue
		}
		before := ring[(pos-uint32(info.len))%ringSize]
		switch info.start {
		case edgePlain:
			if before == kindWord || before == kindAt {
				continue
			}
		case edgeNotWord:
			if before == kindWord {
				continue
			}
		}
		for _, d := range dst[base:] {
			if d == int(kw) {
				continue outputs
			}
		}
		dst = append(dst, int(kw))
	}
	return dst
}
