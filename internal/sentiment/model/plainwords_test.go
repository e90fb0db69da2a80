package model

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

// TestRunStateLayout pins the offsets plainwords_amd64.s reads.
func TestRunStateLayout(t *testing.T) {
	var st runState
	for _, c := range []struct {
		name      string
		off, want uintptr
	}{
		{"s", unsafe.Offsetof(st.s), 0},
		{"len", unsafe.Offsetof(st.len), 8},
		{"w", unsafe.Offsetof(st.w), 16},
		{"shift", unsafe.Offsetof(st.shift), 24},
		{"lex", unsafe.Offsetof(st.lex), 32},
		{"i", unsafe.Offsetof(st.i), 40},
		{"room", unsafe.Offsetof(st.room), 48},
		{"prev", unsafe.Offsetof(st.prev), 56},
		{"salt", unsafe.Offsetof(st.salt), 64},
		{"n", unsafe.Offsetof(st.n), 72},
		{"atWord", unsafe.Offsetof(st.atWord), 80},
		{"nEv", unsafe.Offsetof(st.nEv), 88},
		{"ev", unsafe.Offsetof(st.ev), 96},
		{"nIDs", unsafe.Offsetof(st.nIDs), 160},
		{"evw", unsafe.Offsetof(st.evw), 168},
		{"hs", unsafe.Offsetof(st.hs), 176},
		{"cnt", unsafe.Offsetof(st.cnt), 304},
		{"lastTok", unsafe.Offsetof(st.lastTok), 336},
		{"lastKind", unsafe.Offsetof(st.lastKind), 344},
		{"nCaps", unsafe.Offsetof(st.nCaps), 352},
		{"adv", unsafe.Offsetof(st.adv), 360},
	} {
		if c.off != c.want {
			t.Errorf("runState.%s at %d, the assembly reads %d", c.name, c.off, c.want)
		}
	}
	if o := unsafe.Offsetof(lexEntry{}.flags); o != 8 {
		t.Errorf("lexEntry.flags at %d, the assembly reads 8", o)
	}
	for _, c := range []struct {
		name      string
		got, want uint8
	}{
		{"sepStop", sepStop, 0}, {"sepSkip", sepSkip, 1}, {"sepWord", sepWord, 2}, {"sepComma", sepComma, 3},
		{"sepDot", sepDot, 4}, {"sepMark", sepMark, 5}, {"sepDash", sepDash, 6}, {"sepAt", sepAt, 7},
		{"sepColon", sepColon, 8}, {"sepBracket", sepBracket, 9},
	} {
		if c.got != c.want {
			t.Errorf("%s is %d, the assembly has %d", c.name, c.got, c.want)
		}
	}
	if evNegClitic != 1<<31 || evwNegClitic != 4 || evwAdv != 8 || evNoEntry != 0x20000000 || evNeg != 0x10000000 || evPair != 0x40000000 || evCaps != 1<<15 || evwPair != 1 || evwCaps != 2 || lfPairHead != 0x10 || lfNegator != 1 || lfContrast != 8 {
		t.Errorf("event or lexicon flags differ from the assembly's")
	}
	if evEllipsis != 6 || evUser != 7 || evNum != 5 {
		t.Errorf("token event kinds differ from the assembly's")
	}
	if maxEvents != 16 || len(st.ev) != maxEvents {
		t.Errorf("maxEvents is %d, the assembly holds 16", maxEvents)
	}
	if s := unsafe.Sizeof(lexEntry{}); s != 12 {
		t.Errorf("lexEntry is %d bytes, the assembly steps 12", s)
	}
	if s := unsafe.Sizeof(wpair{}); s != 4 {
		t.Errorf("wpair is %d bytes, the assembly steps 4", s)
	}
	var lex lexTable
	if o := unsafe.Offsetof(lex.filter); o != 393216 {
		t.Errorf("lexTable.filter at %d, the assembly reads 393216", o)
	}
	if lexFilterBits != 18 {
		t.Errorf("lexFilterBits is %d, the assembly shifts by 64-18", lexFilterBits)
	}
	if len(lex.slots) != 0x8000 {
		t.Errorf("the lexicon has %d slots, the assembly masks with 0x7fff", len(lex.slots))
	}
}

// TestLexFilter checks that every lexicon entry passes the filter and
// that it keeps out most words.
func TestLexFilter(t *testing.T) {
	lex := theLexicon()
	passed := func(h uint64) bool {
		b := h >> (64 - lexFilterBits)
		return lex.filter[b/64]&(1<<(b%64)) != 0
	}
	entries := 0
	for i := range uint64(1 << 22) {
		h := i * 0x9e3779b97f4a7c15
		if lex.get(h) != nil && !passed(h) {
			t.Fatalf("hash %#x is in the lexicon and fails the filter", h)
		}
	}
	for i := range lex.slots {
		if lex.slots[i].key != 0 {
			entries++
		}
	}
	pass := 0
	for _, w := range strings.Fields("the of and to in is it you that he was for on are with as his they be at one have this from or had by hot word but what some we can out other were all there when up use your how said an each she which do their time if will way about many then them write would like so these her long make thing see him two has look more day could go come did number sound no most people my over know water than call first who may down side been now find") {
		tok := tokenHashes(nil, w)
		if len(tok) == 1 && passed(tok[0].h) {
			pass++
		}
	}
	t.Logf("%d entries in %d slots; %d of the 100 most common English words pass the filter", entries, lexSize, pass)
	if entries > lexSize/2 {
		t.Errorf("%d entries: the table is over half full", entries)
	}
}

// TestPlainWordsAsm runs plainWords (the assembly where there is one) and
// plainWordsGo from every position of many texts and compares everything
// they report.
func TestPlainWordsAsm(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	texts := syntheticPosts(500, 7)
	texts = append(texts, strings.Repeat("a! ", 100), strings.Repeat("1 ", 100), strings.Repeat("a ", 100),
		strings.Repeat("good! bad? ", 40), strings.Repeat("no, ", 60), strings.Repeat("x 1! ", 60),
		strings.Repeat("a!", 100), strings.Repeat("@u ", 100), strings.Repeat("\"a\" ", 60), strings.Repeat("a... ", 60))
	alphabet := []rune("aAbBoOhHwWxXTD09'`.,:;_-!? #@&\"()[]=<>^*/\t\n\u00e9\u2019😂")
	words := []string{"the", "good", "bad", "not", "very", "hello", "World", "LOL", "OK", "sooo", "abcdefgh", "abcdefghi", "http", "www", "xD", "T_T", "o.O", "x", "I", "a1", "9am", "but", "never", "so", "really", "barely", "2016", "10!", "3.39", "1,000", "9:30", "2nd", "100", "wow!!!", "why??", "no?", "5!",
		"wonderful", "Unbelievable", "HORRIBLEDAY", "abcdefghijklmno", "abcdefghijklmnop", "a12345678b", "aabbccddeeffgg", "wwwxample", "disappointed", "aaabbbcccdddeee",
		"@user", "@", "@_x", "\"", "...", "..", "-", "-_-", "-.-", ":)", "(:", "(", ")", "[", "]", "):", ":", ";", ": ", "&amp", "*", "(-:", "x-D",
		"don't", "DON'T", "I'm", "can't", "it's", "y'all", "o'clock", "x'd", "won't've", "n't", "abcdefg'h", "abcdefgh'i", "a'bcdefgh", "a'bcdefghi", "rock'n'roll", "she'll", "Don't", "do'nt", "aa'a", "9's",
		"1st", "19th", "8PM", "50mm", "2015ers", "1a2", "12345678abcdefg", "1abcdefgh", "123abcdefg", "9aaa", "1sT", "7eleven", "3D", "1234567890123a", "123456789ab"}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(60) {
			if rng.IntN(3) == 0 {
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			} else {
				b.WriteString(words[rng.IntN(len(words))])
				b.WriteString([]string{" ", " ", ".", ",", "!", ", ", ". ", ",  ", "\" ", " \"", "...", ": ", " - ", " (", ") ", "", "@"}[rng.IntN(17)])
			}
		}
		texts = append(texts, b.String())
	}
	runs, ends, events := 0, 0, 0
	page := guardedPage(t)
	for _, text := range texts {
		// The text ends at or just before the end of a page that an
		// unreadable page follows: a read past the page fails the test.
		clear(page)
		start := len(page) - len(text)%len(page) - rng.IntN(40)
		if start < 0 {
			start = 0
		}
		copy(page[start:], text)
		s := unsafe.String(&page[start], len(text))
		for i := 0; i < len(s); i++ {
			if !alnum[s[i]] {
				continue
			}
			for _, salt := range []uint64{saltUni, saltUniNeg} {
				in := runState{
					s: unsafe.StringData(s), len: len(s),
					w: unsafe.SliceData(m.sparse), shift: uint64(64 - m.bits), lex: m.lex,
					i: i, room: 4 + rng.IntN(pendMax-3), prev: rng.Uint64(), salt: salt,
					evw: rng.IntN(2),
				}
				if rng.IntN(4) == 0 {
					in.room = 4 + rng.IntN(8)
				}
				var gotIDs, wantIDs [pendMax]uint32
				got, want := in, in
				plainWords(&got, &gotIDs[0])
				plainWordsGo(&want, &wantIDs[0])
				if got != want || gotIDs != wantIDs {
					t.Fatalf("%q from %d: plainWords %+v %v, plainWordsGo %+v %v", s, i, got, gotIDs[:got.nIDs], want, wantIDs[:want.nIDs])
				}
				if got.nEv > 0 {
					events++
				}
				if got.n > 0 {
					runs++
					if got.i == len(s) {
						ends++
					}
				}
			}
		}
	}
	if events < 100 {
		t.Fatalf("only %d runs took a lexicon word", events)
	}
	if ends < 100 {
		t.Fatalf("only %d runs took the last word", ends)
	}
	if runs < 1000 {
		t.Fatalf("only %d runs took a word", runs)
	}
}

// TestDenseDot compares denseDot and sumWeights (the assembly where there
// is one) with their Go versions, bit for bit.
func TestDenseDot(t *testing.T) {
	if nDense != 38 {
		t.Fatalf("nDense is %d; denseDot's assembly loops 19 times", nDense)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for range 20000 {
		var x [nDense]float32
		var d [nDense][2]float32
		for j := range x {
			if rng.IntN(3) > 0 {
				x[j] = float32(rng.NormFloat64())
			}
			d[j] = [2]float32{float32(rng.NormFloat64() * 3), float32(rng.NormFloat64() * 3)}
		}
		gn, gp := denseDot(&x, &d)
		wn, wp := denseDotGo(&x, &d)
		if math.Float32bits(gn) != math.Float32bits(wn) || math.Float32bits(gp) != math.Float32bits(wp) {
			t.Fatalf("denseDot %v %v, denseDotGo %v %v", gn, gp, wn, wp)
		}
	}
	w := make([]wpair, 1<<10)
	for i := range w {
		w[i] = wpair{int16(rng.IntN(65535) - 32767), int16(rng.IntN(65535) - 32767)}
	}
	for n := range 130 {
		ids := make([]uint32, n+1)
		for i := range ids {
			ids[i] = uint32(rng.IntN(len(w)))
		}
		gn, gp := sumWeights(&w[0], &ids[0], n)
		wn, wp := sumWeightsGo(&w[0], &ids[0], n)
		if gn != wn || gp != wp {
			t.Fatalf("%d ids: sumWeights %d %d, sumWeightsGo %d %d", n, gn, gp, wn, wp)
		}
	}
}
