package afinn

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// TestScoreRules pins each rule of sentiment@5.0.2 with a case whose answer
// was checked against the package (testdata/golden.jsonl has many more).
func TestScoreRules(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		score  int
		tokens int
	}{
		{"empty text is one empty token", "", 0, 1},
		{"blank text is one empty token", "  \t ", 0, 1},
		{"a label", "good", 3, 1},
		{"upper case and punctuation", "GOOD!!!", 3, 1},
		{"negator before", "not good", -3, 2},
		{"punctuation splits", "not, good", -3, 2},
		{"run of spaces splits once", "not  good", -3, 2},
		{"negator after does nothing", "good not", 3, 2},
		{"no chaining of negation", "not not good", -3, 3},
		{"Object.prototype member negates", "constructor good", -3, 2},
		{"negator lookup is case-sensitive", "tostring good", 3, 2},
		{"underscore splits __proto__", "__proto__ good", 3, 2},
		{"lone tab joins", "good\tday", 0, 1},
		{"two tabs split", "good\t\tday", 3, 2},
		{"lone no-break space joins", "good\u00a0day", 0, 1},
		{"no-break space and space split", "good\u00a0 day", 3, 2},
		{"newline is replaced, so splits", "good\nday", 3, 2},
		{"lone carriage return joins", "good\rday", 0, 1},
		{"CRLF splits", "good\r\nday", 3, 2},
		{"U+2028 alone joins", "not\u2028good", 0, 1},
		{"U+0085 is not JS whitespace", "not\u0085good", 0, 1},
		{"dotted capital I lowers to i + U+0307", "LİKE", 0, 1},
		{"Kelvin sign lowers to k", "\u212aill", -3, 1},
		{"circled capital lowers to a key", "Ⓜ", 2, 1},
		{"emoji", "😂", 1, 1},
		{"emoji need a blank between", "😂😂", 0, 1},
		{"variation selector hides a key", "❤\ufe0f", 0, 1},
		{"apostrophe negator", "can't like", -2, 2},
		{"phrases never match", "no fun", 3, 2},
		{"invalid UTF-8 alone", "good \xff", 3, 2},
		{"invalid UTF-8 glued", "\xffgood", 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Score(tc.text)
			if c.Score != tc.score || c.Tokens != tc.tokens {
				t.Errorf("Score(%+q) = score %d tokens %d, want %d %d", tc.text, c.Score, c.Tokens, tc.score, tc.tokens)
			}
			if c.Positive-c.Negative != c.Score || c.Positive < 0 || c.Negative < 0 {
				t.Errorf("Score(%+q) sides %d, %d do not make score %d", tc.text, c.Positive, c.Negative, c.Score)
			}
			if want := float64(tc.score) / float64(tc.tokens); c.Comparative() != want {
				t.Errorf("comparative %v, want %v", c.Comparative(), want)
			}
		})
	}
}

func TestResultOf(t *testing.T) {
	tests := []struct {
		name         string
		pos, neg     int
		label        sentiment.Label
		p, n, u, mix float64
	}{
		{"nothing scored", 0, 0, sentiment.Neutral, 0, 0, 1, 0},
		{"weakest positive", 1, 0, sentiment.Positive, 1 / 1.5, 0, 0.5 / 1.5, 0},
		{"strong positive", 5, 0, sentiment.Positive, 5 / 5.5, 0, 0.5 / 5.5, 0},
		{"negative", 0, 3, sentiment.Negative, 0, 3 / 3.5, 0.5 / 3.5, 0},
		{"balanced is mixed", 3, 3, sentiment.Mixed, 0, 0, 0.5 / 3.5, 3 / 3.5},
		{"weaker side more than half: mixed", 3, 2, sentiment.Mixed, 1 / 3.5, 0, 0.5 / 3.5, 2 / 3.5},
		{"weaker side exactly half: not mixed", 2, 1, sentiment.Positive, 1 / 2.5, 0, 0.5 / 2.5, 1 / 2.5},
		{"weaker side small", 1, 4, sentiment.Negative, 0, 3 / 4.5, 0.5 / 4.5, 1 / 4.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Counts{Score: tc.pos - tc.neg, Tokens: 4, Positive: tc.pos, Negative: tc.neg}
			r := ResultOf(c)
			if r.Label != tc.label {
				t.Errorf("label %s, want %s", r.Label, tc.label)
			}
			for _, f := range []struct {
				name      string
				got, want float64
			}{{"positive", r.Positive, tc.p}, {"negative", r.Negative, tc.n}, {"neutral", r.Neutral, tc.u}, {"mixed", r.Mixed, tc.mix}} {
				if math.Abs(f.got-f.want) > 1e-12 {
					t.Errorf("%s %v, want %v", f.name, f.got, f.want)
				}
			}
			s := float64(c.Score)
			if want := s / math.Sqrt(s*s+15); r.Polarity != want {
				t.Errorf("polarity %v, want %v", r.Polarity, want)
			}
			if r.Score != s || r.Detail[0] != c.Comparative() {
				t.Errorf("score %v detail %v, want %v %v", r.Score, r.Detail, s, c.Comparative())
			}
		})
	}
}

// TestLabelRule checks that the argmax label is the simple rule the package
// doc states, for every pair of sides up to 40.
func TestLabelRule(t *testing.T) {
	for p := 0; p <= 40; p++ {
		for n := 0; n <= 40; n++ {
			r := ResultOf(Counts{Score: p - n, Tokens: 1, Positive: p, Negative: n})
			want := sentiment.Neutral
			lo, hi := min(p, n), max(p, n)
			switch {
			case hi == 0:
			case lo > hi-lo:
				want = sentiment.Mixed
			case p > n:
				want = sentiment.Positive
			default:
				want = sentiment.Negative
			}
			if r.Label != want {
				t.Errorf("P=%d N=%d: label %s, want %s", p, n, r.Label, want)
			}
			checkResult(t, r)
		}
	}
}

func checkResult(t *testing.T, r sentiment.Result) {
	t.Helper()
	sum := r.Positive + r.Negative + r.Neutral + r.Mixed
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("scores sum to %v: %+v", sum, r)
	}
	for _, x := range []float64{r.Positive, r.Negative, r.Neutral, r.Mixed} {
		if !(x >= 0 && x <= 1) {
			t.Errorf("score %v out of [0, 1]: %+v", x, r)
		}
	}
	if !(r.Polarity >= -1 && r.Polarity <= 1) {
		t.Errorf("polarity %v out of [-1, 1]", r.Polarity)
	}
	if r.Label != r.ArgMax() {
		t.Errorf("label %s is not the argmax %s: %+v", r.Label, r.ArgMax(), r)
	}
}

func TestRegistry(t *testing.T) {
	a, err := sentiment.Open("afinn")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name() != "afinn" {
		t.Errorf("name %q", a.Name())
	}
	if got := a.DetailNames(); len(got) != 1 || got[0] != "comparative" {
		t.Errorf("detail names %q", got)
	}
	if _, err := sentiment.Open("afinn?alpha=3"); err == nil || !strings.Contains(err.Error(), "alpha") {
		t.Errorf("unknown parameter: err %v, want one naming it", err)
	}
	r, err := a.Analyze(context.Background(), sentiment.Doc{Text: "I love it 😍", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Label != sentiment.Positive || r.Score != 6 || r.Detail[0] != 1.5 {
		t.Errorf("result %+v", r)
	}
}

func TestSupports(t *testing.T) {
	a := New()
	for lang, want := range map[string]bool{"en": true, "": true, "en-US": true, "EN": true, "de": false, "ja": false, "und": false} {
		if got := a.Supports(lang); got != want {
			t.Errorf("Supports(%q) = %v, want %v", lang, got, want)
		}
	}
	r, err := sentiment.Run(context.Background(), a, sentiment.Doc{Text: "good", Lang: "fr"})
	if err != nil || r.Label != sentiment.Unscored {
		t.Errorf("French: %+v, %v; want unscored", r, err)
	}
}

// TestLowerCaseCannotMatter pins the claims of lowerRune: where Go's
// lower-casing and Node's differ, neither result can be part of a key.
func TestLowerCaseCannotMatter(t *testing.T) {
	keyRunes := map[rune]bool{}
	for k := range mergedKeys() {
		for _, r := range k {
			keyRunes[r] = true
		}
	}
	// Final sigma, İ's combining dot, and the small letters of the capitals
	// Unicode 16 and 17 added (which Go 1.26 does not lower).
	never := []rune{'σ', 'ς', 0x0307, 0x1C8A, 0x0264, 0xA7CD, 0xA7CF, 0xA7D3, 0xA7D5, 0xA7DB, 0x019B}
	for r := rune(0x10D70); r <= 0x10D85; r++ {
		never = append(never, r)
	}
	for r := rune(0x16EBB); r <= 0x16ED3; r++ {
		never = append(never, r)
	}
	for _, r := range never {
		if keyRunes[r] {
			t.Errorf("a key contains %U; lowerRune must then handle it exactly", r)
		}
	}
	for r := rune(noCaseFrom); r <= unicode.MaxRune; r++ {
		if unicode.ToLower(r) != r || unicode.IsUpper(r) {
			t.Fatalf("%U has a lower case; raise noCaseFrom", r)
		}
	}
}

// TestFastMatchesExact runs both tokenizers on random texts of every length
// around the 64-byte blocks and 24-byte token limit.
func TestFastMatchesExact(t *testing.T) {
	g := newRandomTexts(rand.New(rand.NewPCG(3, 4)))
	fast := 0
	for i := range 20000 {
		var b strings.Builder
		for b.Len() < i%300 {
			b.WriteString(g.text())
			b.WriteByte(" .,"[i%3])
		}
		s := b.String()
		// Drop the blanks that send a text to scoreExact in half the cases.
		if i%2 == 0 {
			s = strings.Map(func(r rune) rune {
				if r != ' ' && isJSSpace(r) && r != '\n' {
					return 'x'
				}
				return r
			}, s)
		}
		c, ok := scoreFast(s)
		if !ok {
			continue
		}
		fast++
		if want := scoreExact(s); c != want {
			t.Fatalf("%+q: fast %+v, exact %+v", s, c, want)
		}
	}
	if fast < 5000 {
		t.Errorf("only %d texts took the fast path", fast)
	}
}

func TestNoAllocations(t *testing.T) {
	a := New()
	ctx := context.Background()
	for _, s := range []string{"I love it 😍 but NOT the price!!!", "good\tday", strings.Repeat("great ", 50), "\xff bad"} {
		n := testing.AllocsPerRun(100, func() {
			if _, err := a.Analyze(ctx, sentiment.Doc{Text: s}); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%+q: %v allocations", s, n)
		}
	}
}

// TestConcurrent shares one analyzer between goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	a := New()
	posts := tweets(200, 9)
	want := make([]Counts, len(posts))
	for i, p := range posts {
		want[i] = Score(p)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i, p := range posts {
				r, err := a.Analyze(context.Background(), sentiment.Doc{Text: p})
				if err != nil || r.Score != float64(want[i].Score) {
					t.Errorf("post %d: %+v, %v", i, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestTable checks that every key is found with its meaning, and that
// near misses (a byte more or less, another case, zero padding) are not.
func TestTable(t *testing.T) {
	tb, keys := tableOnce(), mergedKeys()
	for k, e := range keys {
		p := pack(k)
		if got, want := tb.lookup(p), e.meta(p.n); got != want {
			t.Errorf("%q: meta %#x, want %#x", k, got, want)
		}
		for _, miss := range []string{k + "s", k[:len(k)-1], strings.ToUpper(k), k + "\x00", "\x00" + k} {
			if _, ok := keys[miss]; ok {
				continue
			}
			if got := tb.lookup(pack(miss)); got != 0 {
				t.Errorf("%q is no key but has meta %#x", miss, got)
			}
		}
	}
}
