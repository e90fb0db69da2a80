package model

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"AT&amp;T &lt;3 &gt;&gt; &quot;hi&quot; it&#039;s &#x2019; &nbsp;x", "AT&T <3 >> \"hi\" it's \u2019  x"},
		{"double &amp;lt;3 &amp;amp; &amp;", "double <3 & &"},
		{`Don\u2019t \u002c\u0021 \"quoted\" it\'s a\\b`, "Don\u2019t ,! \"quoted\" it's a\\b"},
		{`\ud83d\ude02 joy`, "😂 joy"},
		{`lone \ud83d surrogate \uZZZZ`, "lone \uFFFD surrogate \\uZZZZ"},
		{`he said ""hello"" """`, `he said "hello" ""`},
		{"& alone &unknown; &#; &#xZZ; &#99999999;", "& alone &unknown; &#; &#xZZ; &#99999999;"},
		{`trailing \`, `trailing \`},
		{"&#0; &#xD800;", "\uFFFD \uFFFD"},
	} {
		if got := string(clean(nil, c.in)); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// render describes the tokens of s, as the model sees them, one word each.
func render(s string) string {
	names := map[uint64]string{}
	for _, r := range s {
		names[fnvString(string(r))] = string(r)
	}
	text := s
	if needsClean(s) {
		text = string(clean(nil, s))
	}
	var out []string
	for _, tk := range tokenHashes(nil, text) {
		var w string
		switch tk.kind {
		case kWord:
			w = string(tk.norm[:tk.n])
		case kHashtag:
			w = "#" + string(tk.norm[:tk.n])
		case kUser:
			w = "<user>"
		case kURL:
			w = "<url>"
		case kNum:
			w = "<num>"
		case kEmoticon:
			w = tk.canon
		case kEmoji:
			w = names[tk.h]
		case kExcl, kQuest:
			w = map[uint64]string{hExcl: "!", hExcl2: "!!", hQuest: "?", hQuest2: "??"}[tk.h]
		case kEllipsis:
			w = "..."
		}
		if tk.flags&tfCaps != 0 {
			w += "/C"
		}
		if tk.flags&tfElong != 0 {
			w += "/E"
		}
		if tk.flags&tfNegClitic != 0 {
			w += "/N"
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

func TestTokenize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Hello World", "hello world"},
		{"I LOVE it", "i love/C it"},
		{"sooo goooood!!!", "soo/E good/E !!"},
		{"Happyyyy day?", "happyy/E day ?"},
		{"don't can’t won\u2019t isn't", "dont/N cant/N wont/N isnt/N"},
		{"it's students' rock'n'roll", "its students rocknroll"},
		{"#LoveIt #1 # alone", "#loveit <num> alone"},
		{"@user @some_one123 hi @ 5pm", "<user> <user> hi 0pm"},
		{"see http://t.co/AbC and https://x.com/a?b=1 www.example.com.", "see <url> and <url> <url>"},
		{"$3.39 1,000 14th 9:30 gr8", "<num> <num> 0th <num> <num> gr8"},
		{":) :-) =) :D :-D ;) ;-) :( :-( :'( :') :P :p :/ :| :o :* <3 <333 </3 >:(", ":) :) :) :D :D ;) ;) :( :( :'( :') :P :P :/ :| :o :* <3 <3 </3 >:("},
		{"(: ): ^_^ ^^ -_- xD XD T_T o_O :)))", ":) :( :) :) :/ :D :D :'( :o :)"},
		{"great:) ok:( Note:Prices 10:30pm http://a.b/c:D", "great :) ok :( note prices <num> 0pm <url>"},
		{"😂😂😂😂 ❤️ 👍🏽 🇺🇸", "😂 😂 ❤ 👍 🇺 🇸"},
		{"wait... what… ok.", "wait ... what ... ok"},
		{"Ünïcödé ÉCOLE naïve café", "ünïcödé école/C naïve café"},
		{"AT&amp;T &lt;3 Don\\u2019t", "at/C t <3 dont/N"},
		{"", ""},
		{"\xff\xfe bad \xc3", "bad"},
	} {
		if got := render(c.in); got != c.want {
			t.Errorf("tokens of %q:\n got  %q\n want %q", c.in, got, c.want)
		}
	}
}

// TestNegationScope checks which words a negation marks, through the
// features: a negated word's unigram id differs from the plain one.
func TestNegationScope(t *testing.T) {
	lex := theLexicon()
	negated := func(s, word string) bool {
		var f featurizer
		f.reset(lex, defaultFeatures, 20)
		featurize(&f, s)
		id := bucket(tokenHashes(nil, word)[0].h^saltUniNeg, 64-20)
		for _, x := range f.ids {
			if x == id {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		s, word string
		want    bool
	}{
		{"this is not good", "good", true},
		{"this is good", "good", false},
		{"i don't like it at all", "like", true},
		{"i don't care, i like it", "like", false},
		{"not bad but great", "great", false},
		{"never ever happy", "happy", true},
		{"no. happy", "happy", false},
	} {
		if got := negated(c.s, c.word); got != c.want {
			t.Errorf("%q: %q negated = %v, want %v", c.s, c.word, got, c.want)
		}
	}
}

func TestLexicon(t *testing.T) {
	lex := theLexicon()
	get := func(s string) *lexEntry {
		ts := tokenHashes(nil, s)
		switch len(ts) {
		case 1:
			return lex.get(ts[0].h)
		case 2:
			return lex.get(pairHash(ts[0].h, ts[1].h))
		}
		return nil
	}
	for _, c := range []struct {
		s            string
		afinn, vader int8
		flags        uint8
	}{
		{"good", 3, 19, 0},
		{"GOOD", 3, 19, 0},
		{"hate", -3, -27, 0},
		{":)", 0, 20, 0},
		{"</3", 0, -30, 0},
		{"can't stand", -3, -20, 0},
		{"not", 0, 0, lfNegator},
		{"very", 0, 0, lfBoostUp},
		{"but", 0, 0, lfContrast},
	} {
		e := get(c.s)
		if e == nil {
			t.Errorf("%q: not in the lexicon", c.s)
			continue
		}
		if e.afinn != c.afinn || e.vader != c.vader || e.flags&^lfPairHead != c.flags {
			t.Errorf("%q: afinn %d vader %d flags %b, want %d %d %b", c.s, e.afinn, e.vader, e.flags, c.afinn, c.vader, c.flags)
		}
	}
	if e := get("😂"); e == nil || e.emoji != 1 {
		t.Errorf("😂: %+v, want emoji ranking 1", e)
	}
	if e := get("😍"); e == nil || e.vemoji <= 0 {
		t.Errorf("😍: %+v, want a positive VADER emoji valence", e)
	}
}

// TestScanShortWord checks the fast path against the general one on words
// made of the characters that matter to it.
func TestScanShortWord(t *testing.T) {
	alphabet := "aAbBoOzZ09xXaaaaaaaaaaabcdefgh'`.,-_ \u00e9\u2019"
	rng := rand.New(rand.NewPCG(3, 4))
	var fast, slow token
	tried := 0
	for k := 0; k < 200000; k++ {
		var b strings.Builder
		for range 1 + rng.IntN(20) {
			r := []rune(alphabet)
			b.WriteRune(r[rng.IntN(len(r))])
		}
		s := b.String()
		j1, ok := scanShortWord(s, 0, &fast)
		if !ok {
			continue
		}
		tried++
		j2 := scanWordSlow(s, 0, &slow)
		if j1 != j2 || fast.h != slow.h || fast.h1 != slow.h1 || fast.kind != slow.kind || fast.flags != slow.flags ||
			fast.n != slow.n || string(fast.norm[:fast.n]) != string(slow.norm[:slow.n]) {
			t.Fatalf("%q: fast (%d %x %d %b %q) != slow (%d %x %d %b %q)", s,
				j1, fast.h, fast.kind, fast.flags, fast.norm[:fast.n], j2, slow.h, slow.kind, slow.flags, slow.norm[:slow.n])
		}
	}
	if tried < 1000 {
		t.Fatalf("the fast path took only %d words", tried)
	}
}

// TestScoringMatchesTraining checks that scoring, which takes the common words and
// tokens through plainRun, sums the weights of exactly the features
// training sees.
func TestScoringMatchesTraining(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	texts := syntheticPosts(2000, 5)
	alphabet := []rune("aAbBoOhHwWxXTD09'`.,:;_-!? #@&\"()[]=<>*/\t\u00e9\u2019😂")
	rng := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		var b strings.Builder
		for range 1 + rng.IntN(40) {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	texts = append(texts, "http://x www.y xD XD o.O T_T https: what: xDay", "aaaaaaaa aaaaaaaaa AbCdEfGh ABCDEFGH9 hello, world.",
		"wonderful Unbelievable HORRIBLEDAY abcdefghijklmno abcdefghijklmnop a12345678b wwwxample.com disappointed",
		"not wonderful at all, very disappointed but unbelievable", "HORRIBLE DAY", "abcdefghijklmno",
		"i do not like it, good movie. not bad, very good. never happy, happy sad", "no good. good, not great, great",
		"wow!!! 2016 was 10 times better? no!! 3.39 or 1,000 at 9:30 on the 2nd", "not 5 good! not good?? not 100",
		strings.Repeat("a! ", 300), strings.Repeat("1 ", 300), strings.Repeat("a ", 300), strings.Repeat("good! bad? ", 100),
		strings.Repeat("no, ", 200), strings.Repeat("x 1! ", 200),
		"n't,\x80t", "not, #tag", "#not, good", "@user: not \"good\" - (really) ... \"fed up\" & NOT good @ all",
		"FED UP", "not GOOD", "no fun", "no, fun", "no \"fun\"", "no fun!", "no 1 fun", "(: good :) bad -_- sad",
		"I xan't believe it's good", "he bon't, ok? fun", "BON'T good", "zon't zon't good bad")
	longWords := []string{"wonderful", "disappointed", "Unbelievable", "HORRIBLEDAY", "abcdefghijklmno", "abcdefghijklmnop", "good", "not", "very", "but", "a1b2c3d4e5", "sooooooooo", "can't", "happy", "sad", "never", "great",
		"2016", "10", "3.39", "1,000", "2nd", "wow!!", "why?", "ok!?", "9", "xan't", "it's", "I'm", "DON'T"}
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(20) {
			b.WriteString(longWords[rng.IntN(len(longWords))])
			b.WriteString([]string{" ", " ", ", ", ". ", ",", "!", "! ", "?? ", "!!! "}[rng.IntN(9)])
		}
		texts = append(texts, b.String())
	}
	var scored, trained featurizer
	for _, s := range texts {
		checkScoringMatchesTraining(t, m, s, &scored, &trained)
	}
}

// checkScoringMatchesTraining featurizes s as scoring does (the fast
// paths) and as training does, and fails unless scoring's sums are
// exactly the weights of training's features and the dense features are
// the same bits. scored and trained are scratch.
func checkScoringMatchesTraining(t *testing.T, m *Model, s string, scored, trained *featurizer) {
	t.Helper()
	scored.reset(m.lex, m.flags, m.bits)
	scored.w = m.sparse
	featurize(scored, s)
	trained.reset(m.lex, m.flags, m.bits)
	trained.w = nil
	featurize(trained, s)
	var acc [2]int64
	for _, id := range trained.ids {
		acc[0] += int64(m.sparse[id].neg)
		acc[1] += int64(m.sparse[id].pos)
	}
	if acc != scored.acc || trained.dense != scored.dense {
		t.Fatalf("%q: scoring %v %v, training %v %v", s, scored.acc, scored.dense, acc, trained.dense)
	}
}
