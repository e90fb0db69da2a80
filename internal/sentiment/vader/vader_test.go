package vader

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/sentiment/lexicon"
)

// Expected values below are the Python reference's (see golden_test.go).
func TestRules(t *testing.T) {
	tests := []struct {
		rule, text string
		want       Scores // Neg, Neu, Pos, Compound
	}{
		{"empty", "", Scores{}},
		{"empty", " \t\u3000", Scores{}},
		{"lexicon", "good", Scores{0, 0, 1, 0.4404}},
		{"negation", "not good", Scores{0.706, 0.294, 0, -0.3412}},
		{"negation", "isn't good", Scores{0.706, 0.294, 0, -0.3412}},
		{"negation", "xn't good", Scores{0.706, 0.294, 0, -0.3412}},
		{"negation", "can\u2019t wait", Scores{0, 1, 0, 0}}, // curly quote: no "n't"
		{"negation", "not very good", Scores{0.567, 0.433, 0, -0.3865}},
		{"negation", "not really very good", Scores{0.485, 0.515, 0, -0.427}},
		{"negation", "it is not at all good", Scores{0.325, 0.675, 0, -0.3412}},
		{"never so/this", "never so good", Scores{0, 0.348, 0.652, 0.5777}},
		{"never so/this", "never this good", Scores{0, 0.372, 0.628, 0.5228}},
		{"never so/this", "it was never so good", Scores{0, 0.475, 0.525, 0.6626}},
		{"without doubt", "without a doubt great", Scores{0, 0.244, 0.756, 0.7359}},
		{"no", "no good", Scores{0.706, 0.294, 0, -0.3412}},
		{"no", "no problem", Scores{0, 0.307, 0.693, 0.3089}},
		{"no", "no fun or good", Scores{0.719, 0.281, 0, -0.6259}},
		{"no", "no x nor good", Scores{0.353, 0.32, 0.327, -0.0412}},
		{"booster", "very good", Scores{0, 0.238, 0.762, 0.4927}},
		{"booster caps", "VERY good", Scores{0, 0.203, 0.797, 0.6028}},
		{"dampener", "kinda good", Scores{0, 0.277, 0.723, 0.3832}},
		{"kind of", "kind of good", Scores{0, 0.408, 0.592, 0.4404}},
		{"kind of", "sort of good", Scores{0, 0.408, 0.592, 0.4404}},
		{"kind of", "just enough good", Scores{0, 0.408, 0.592, 0.4404}},
		{"kind of", "\u212aind of good", Scores{0, 0.408, 0.592, 0.4404}}, // Kelvin sign lowers to k
		{"least", "least good", Scores{0.706, 0.294, 0, -0.3412}},
		{"least", "at least good", Scores{0, 0.408, 0.592, 0.4404}},
		{"least", "very least good", Scores{0, 0.386, 0.614, 0.4902}},
		{"but", "good but bad", Scores{0.617, 0.13, 0.253, -0.5859}},
		{"but", "nice nice but nice nice", Scores{0, 0.082, 0.918, 0.8807}},
		{"idiom", "the shit", Scores{0.783, 0.217, 0, -0.5574}},
		{"idiom", "that party was the bomb", Scores{0.36, 0.337, 0.303, -0.128}},
		{"idiom", "yeah right", Scores{0, 0.312, 0.688, 0.296}},
		{"idiom", "a cake to die for", Scores{0.494, 0.506, 0, -0.5994}},
		{"idiom", "kiss of death", Scores{0.506, 0.13, 0.364, -0.2732}},
		{"idiom", "beating heart", Scores{0.417, 0, 0.583, 0.296}},
		{"caps", "GOOD good", Scores{0, 0, 1, 0.7603}},
		{"caps", "I AM HAPPY", Scores{0, 0.351, 0.649, 0.5719}},
		{"caps", "I am HAPPY", Scores{0, 0.311, 0.689, 0.6633}},
		{"caps", "\u0130 LOVE it", Scores{0, 0.288, 0.712, 0.7125}},
		{"caps", "GOOD \u1e9e", Scores{0, 0.256, 0.744, 0.4404}},
		{"caps", "GOOD \u01c5", Scores{0, 0.216, 0.784, 0.5622}}, // titlecase is not upper
		{"exclamation", "good!", Scores{0, 0, 1, 0.4926}},
		{"exclamation", "good!!!!", Scores{0, 0, 1, 0.6209}},
		{"exclamation", "good!!!!!", Scores{0, 0, 1, 0.6209}},
		{"question", "good??", Scores{0, 0, 1, 0.504}},
		{"question", "good???", Scores{0, 0, 1, 0.533}},
		{"question", "good????", Scores{0, 0, 1, 0.594}},
		{"question", "good!?", Scores{0, 0, 1, 0.4926}},
		{"emoticon", ":)", Scores{0, 0, 1, 0.4588}},
		{"emoticon", ":(", Scores{1, 0, 0, -0.4404}},
		{"emoticon", "<3", Scores{0, 0, 1, 0.4404}},
		{"emoticon", ":D", Scores{0, 0, 1, 0.5106}},
		{"strip", "!ab!", Scores{0, 1, 0, 0}},
		{"strip", "!abc!", Scores{0, 1, 0, 0}},
		{"emoji", "\U0001f600", Scores{0, 0.286, 0.714, 0.3612}},
		{"emoji", "a\U0001f600b", Scores{0, 0.444, 0.556, 0.3612}},
		{"emoji", "\U0001f645 no", Scores{0.308, 0.356, 0.336, 0.04}},
		{"space", "good\x1cbad", Scores{0.547, 0, 0.453, -0.1531}},
		{"space", "good\u200bbad", Scores{0, 1, 0, 0}},
	}
	a := New()
	for _, tc := range tests {
		if got := a.PolarityScores(tc.text); got != tc.want {
			t.Errorf("%s: %q = %+v, want %+v", tc.rule, tc.text, got, tc.want)
		}
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"  a  b\tc\n", []string{"a", "b", "c"}},
		{"good!!! (bad) ...", []string{"good", "bad", "..."}},
		{":) :-) ab! !ab abc!", []string{":)", ":-)", "ab!", "!ab", "abc"}},
		{"x\u00a0y\u2003z\x1cw\u200bv", []string{"x", "y", "z", "w\u200bv"}},
		{"\u00e9\u00e9!", []string{"\u00e9\u00e9!"}}, // two characters, four bytes
		{"\u00e9\u00e9\u00e9!", []string{"\u00e9\u00e9\u00e9"}},
	}
	tb := loadTables()
	for _, tc := range tests {
		// Python's split() then _strip_punc_if_word, done plainly.
		var got []string
		for _, f := range strings.FieldsFunc(tc.text, isPySpace) {
			got = append(got, stripPunc(f, isASCII([]byte(f))))
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: tokens %q, want %q", tc.text, got, tc.want)
		}
		var sc counts
		if toks, stop := tb.tokenize(tc.text, nil, &sc); stop >= 0 || len(toks) != len(tc.want) {
			t.Errorf("%q: tokenize made %d tokens, want %d", tc.text, len(toks), len(tc.want))
		}
	}
	var sc counts
	if toks, stop := tb.tokenize("ok! x\U0001f600!", nil, &sc); stop != 4 || len(toks) != 1 || sc.bang != 1 {
		t.Errorf("tokenize stopped at %d after %d tokens, %d '!', want 4, 1, 1", stop, len(toks), sc.bang)
	}
	// Descriptions hold no emoji, so the second pass never stops.
	for r, d := range tb.emoji {
		for _, c := range d {
			if tb.isEmoji(c) {
				t.Errorf("description of %U holds emoji %U", r, c)
			}
		}
	}
}

func TestTokenFlags(t *testing.T) {
	tb := loadTables()
	tests := []struct {
		tok          string
		upper, inLex bool
		negated      bool
	}{
		{"good", false, true, false},
		{"GOOD", true, true, false},
		{"Good", false, true, false},
		{"(GOOD)!", true, true, false},
		{"G00D", true, false, false},
		{"123", false, false, false},
		{"DON'T", true, false, true},
		{"wouldn't", false, false, true},
		{"XN'TX", true, false, true},
		{"xN'Tx", false, false, true},
		{"never", false, false, true},
		{"NEVER", true, false, true},
		{":)", false, true, false},
		{":D", true, true, false},
		{"sweetheart", false, true, false},
		{"loooooooooooooooooooooooooooooooooove", false, false, false},
		{"\u212aISS", true, true, false}, // Kelvin sign: upper, lowers to "kiss"
		{"\u0130T", true, false, false},  // "i\u0307t" is not a key
		{"\u00c9T\u00c9", true, false, false},
		{"\u01c5", false, false, false},
		{"D\u00d3N'T", true, false, true},
		{"\u212acan't", false, false, true},
		{"\u212aAN'T", true, false, true},
	}
	for _, tc := range tests {
		var sc counts
		toks, _ := tb.tokenize(tc.tok, nil, &sc)
		if len(toks) != 1 {
			t.Fatalf("%q: %d tokens", tc.tok, len(toks))
		}
		k := toks[0]
		if k.upper() != tc.upper || k.inLex() != tc.inLex || k.negated() != tc.negated {
			t.Errorf("%q: upper %v inLex %v negated %v, want %v %v %v",
				tc.tok, k.upper(), k.inLex(), k.negated(), tc.upper, tc.inLex, tc.negated)
		}
	}
}

// TestWordTable checks that the hot-path table holds exactly the merged map.
func TestWordTable(t *testing.T) {
	tb := loadTables()
	for s, w := range tb.words {
		k := keyOf(s)
		if got := tb.wt.lookup(&k, len(s)); got != w {
			t.Errorf("%q: %+v, want %+v", s, got, w)
		}
		for _, x := range []string{s + "x", "x" + s, s[:len(s)-1]} {
			if _, in := tb.words[x]; in || len(x) == 0 || len(x) > maxKeyLen {
				continue
			}
			k := keyOf(x)
			if got := tb.wt.lookup(&k, len(x)); got != (word{}) {
				t.Errorf("%q is not a key but gives %+v", x, got)
			}
		}
	}
}

func TestLowerWord(t *testing.T) {
	for c := 0; c < 128; c++ {
		w := uint64(c) | uint64(c)<<24 | 'Q'<<56
		want := byte(c)
		if 'A' <= c && c <= 'Z' {
			want += 'a' - 'A'
		}
		got := lowerWord(w)
		if byte(got) != want || byte(got>>24) != want || byte(got>>56) != 'q' || byte(got>>8) != 0 {
			t.Errorf("lowerWord(%#x) = %#x", w, got)
		}
	}
}

func TestPyRound(t *testing.T) {
	tests := []struct {
		x      float64
		digits int
		want   float64
	}{
		{0.4404, 4, 0.4404},
		{0.12345, 4, 0.1235}, // 0.12345 is stored a little above the half
		{0.00015, 4, 0.0001}, // ... and this one a little below
		{0.125, 2, 0.12},     // exact tie: to even
		{0.375, 2, 0.38},
		{-0.125, 2, -0.12},
		{0.0005, 3, 0.001},
		{-0.00004, 4, math.Copysign(0, -1)},
		{2.0 / 3, 3, 0.667},
		{1, 3, 1},
		{-1, 4, -1},
	}
	for _, tc := range tests {
		got := pyRound(tc.x, tc.digits)
		if got != tc.want || math.Signbit(got) != math.Signbit(tc.want) {
			t.Errorf("pyRound(%v, %d) = %v, want %v", tc.x, tc.digits, got, tc.want)
		}
	}
}

// TestButQuirk pins the reference's list.index behaviour: equal sentiments
// are scaled at the first one's position.
func TestButQuirk(t *testing.T) {
	toks := []token{{sent: 1}, {sent: 1}, {word: word{id: idBut}}, {sent: 1}, {sent: 2}}
	butCheck(toks)
	got := []float64{toks[0].sent, toks[1].sent, toks[2].sent, toks[3].sent, toks[4].sent}
	// i=0: 1 at 0 -> 0.5; i=1: 1 at 1 -> 0.5; i=2: 0 is first at 2 (but);
	// i=3: 1 first at 3 -> 1.5; i=4: 2 at 4 -> 3.
	want := []float64{0.5, 0.5, 0, 1.5, 3}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("butCheck = %v, want %v", got, want)
		}
	}
}

// TestButLong checks that the heap-based walk of long texts matches the
// plain one, and that a long document stays fast.
func TestButLong(t *testing.T) {
	s := newSynth(11)
	for n := range 300 {
		toks := make([]token, 70+n)
		for i := range toks {
			if s.r.IntN(3) > 0 {
				toks[i].sent = float64(s.r.IntN(7)-3) * 0.95 // many equal values
			}
		}
		bi := s.r.IntN(len(toks))
		toks[bi] = token{word: word{id: idBut}}
		a := append([]token(nil), toks...)
		var nz []int32
		for i := range a {
			if a[i].sent != 0 {
				nz = append(nz, int32(i))
			}
		}
		butCheckLong(a, nz, bi)
		// The reference's walk, literally.
		for i := range toks {
			v := toks[i].sent
			j := 0
			for toks[j].sent != v {
				j++
			}
			if j < bi {
				toks[j].sent = v * 0.5
			} else if j > bi {
				toks[j].sent = v * 1.5
			}
		}
		for i := range toks {
			if a[i].sent != toks[i].sent {
				t.Fatalf("case %d: position %d: %v, want %v", n, i, a[i].sent, toks[i].sent)
			}
		}
	}
	long := strings.Repeat("good great fine ", 30000) + "but " + strings.Repeat("bad awful ", 30000)
	if r := New().PolarityScores(long); !(r.Compound < 0) {
		t.Errorf("long text: %+v", r)
	}
}

// TestUnreachableKeys checks the premise of dropping non-ASCII lexicon keys:
// each holds a capital letter, so it cannot equal a lower-cased token.
func TestUnreachableKeys(t *testing.T) {
	n := 0
	for _, line := range strings.Split(string(lexicon.VaderLexiconText()), "\n") {
		k, _, _ := strings.Cut(line, "\t")
		if isASCII([]byte(k)) {
			continue
		}
		n++
		if strings.ToLower(k) == k {
			t.Errorf("lexicon key %q is lower case and not ASCII: it must be looked up", k)
		}
	}
	if n == 0 {
		t.Log("no non-ASCII keys")
	}
}

func TestResult(t *testing.T) {
	tests := []struct {
		s    Scores
		want sentiment.Label
	}{
		{Scores{}, sentiment.Neutral},
		{Scores{0, 1, 0, 0}, sentiment.Neutral},
		{Scores{0, 0.5, 0.5, 0.05}, sentiment.Positive},
		{Scores{0.5, 0.5, 0, -0.05}, sentiment.Negative},
		{Scores{0.3, 0.4, 0.3, 0.01}, sentiment.Mixed},
		{Scores{0.05, 0.9, 0.05, 0.01}, sentiment.Neutral},
		{Scores{0.3, 0.3, 0.4, 0.2}, sentiment.Positive},
	}
	for _, tc := range tests {
		r := ToResult(tc.s)
		if r.Label != tc.want {
			t.Errorf("%+v: label %s, want %s", tc.s, r.Label, tc.want)
		}
		sum := r.Positive + r.Negative + r.Neutral + r.Mixed
		if math.Abs(sum-1) > 1e-9 || r.Score != tc.s.Compound || r.Polarity != tc.s.Compound {
			t.Errorf("%+v: result %+v", tc.s, r)
		}
		if r.Detail[0] != tc.s.Pos || r.Detail[1] != tc.s.Neu || r.Detail[2] != tc.s.Neg {
			t.Errorf("%+v: detail %v", tc.s, r.Detail)
		}
	}
	r := ToResult(Scores{0.2, 0.5, 0.3, 0.3})
	if math.Abs(r.Mixed-0.4) > 1e-9 || math.Abs(r.Positive-0.1) > 1e-9 || r.Negative != 0 {
		t.Errorf("mixed split: %+v", r)
	}
}

func TestAnalyzer(t *testing.T) {
	a, err := sentiment.Open("vader")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sentiment.Open("vader?x=1"); err == nil {
		t.Error("vader accepted an unknown parameter")
	}
	if a.Name() != "vader" || strings.Join(a.DetailNames(), ",") != "pos,neu,neg" {
		t.Errorf("name %q detail %v", a.Name(), a.DetailNames())
	}
	for lang, want := range map[string]bool{"": true, "en": true, "fr": false, "ja": false} {
		if a.Supports(lang) != want {
			t.Errorf("Supports(%q) = %v", lang, !want)
		}
	}
	r, err := sentiment.Run(context.Background(), a, sentiment.Doc{Text: "I love it", Lang: "en-GB"})
	if err != nil || r.Label != sentiment.Positive || r.Polarity <= 0 {
		t.Errorf("Run: %+v, %v", r, err)
	}
	r, _ = sentiment.Run(context.Background(), a, sentiment.Doc{Text: "I love it", Lang: "de"})
	if r.Label != sentiment.Unscored {
		t.Errorf("German: %+v", r)
	}
}

// TestConcurrent runs one analyzer from many goroutines (go test -race).
func TestConcurrent(t *testing.T) {
	a := New()
	texts := newSynth(7).tweets(500)
	want := make([]Scores, len(texts))
	for i, s := range texts {
		want[i] = a.PolarityScores(s)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i, s := range texts {
				if got := a.PolarityScores(s); got != want[i] {
					t.Errorf("%q: %+v then %+v", s, want[i], got)
					return
				}
			}
		})
	}
	wg.Wait()
}
