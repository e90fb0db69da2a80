package match

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
		err      string // substring of the error; "" for none
	}{
		{in: "Golang", want: "golang"},
		{in: "  Climate \t\n  CHANGE  ", want: "climate change"},
		{in: "#GoLang", want: "#golang"},
		{in: "@Gopher", want: "@gopher"},
		{in: "ΣΊΣΥΦΟΣ", want: "σίσυφοσ"}, // final sigma folds with sigma
		{in: "σίσυφος", want: "σίσυφοσ"},
		{in: "\u212Aelvin", want: "kelvin"}, // Kelvin sign
		{in: "ſtraße", want: "straße"},      // long s; ß has no simple fold
		{in: "東京", want: "東京"},
		{in: "c++", want: "c++"},
		{in: "🚀", want: "🚀"},
		{in: "a\u00a0b\u3000c", want: "a b c"}, // no-break and ideographic spaces
		{in: strings.Repeat("a", MaxKeywordBytes), want: strings.Repeat("a", MaxKeywordBytes)},
		{in: " " + strings.Repeat("a", MaxKeywordBytes) + " ", want: strings.Repeat("a", MaxKeywordBytes)},
		{in: "", err: "empty"},
		{in: " \t\n", err: "empty"},
		{in: strings.Repeat("a", MaxKeywordBytes+1), err: "61 bytes, at most 60"},
		{in: strings.Repeat("é", 31), err: "62 bytes"},
		{in: "go\x00lang", err: "control character U+0000"},
		{in: "go\x1blang", err: "control character U+001B"},
		{in: "go\xfflang", err: "not valid UTF-8"},
		{in: "#", err: "no letter, digit or symbol"},
		{in: "...", err: "no letter, digit or symbol"},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrInvalid) {
				t.Errorf("Normalize(%q) = %q, %v; want an ErrInvalid containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalizeLongInputErrorIsShort(t *testing.T) {
	_, err := Normalize(strings.Repeat("x", 100000))
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("error for a huge keyword: %v", err)
	}
}

// The fold must be idempotent, or a keyword folded twice (Normalize, then
// New) could differ from a post folded once.
func TestFoldIdempotent(t *testing.T) {
	buildTables()
	for r := rune(0); r <= utf8.MaxRune; r++ {
		f, k := classify(r)
		if g, _ := classify(f); g != f {
			t.Fatalf("fold(%U) = %U but fold(%U) = %U", r, f, f, g)
		}
		if r < 0x10000 {
			if tf, tk := foldKind(r); tf != f || tk != k {
				t.Fatalf("table for %U = %U,%d; want %U,%d", r, tf, tk, f, k)
			}
		}
		if r >= 0x1F000 && r < 0x1FB00 && (f != r || k != kindOther) {
			t.Fatalf("%U in the emoji fast path is %U,%d", r, f, k)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		kw   string
		text string
		want bool
	}{
		{"go", "Go is fun", true},
		{"go", "let's go!", true},
		{"go", "#go", true},
		{"go", "#Go rocks", true},
		{"go", "go", true},
		{"go", "going", false},
		{"go", "ago", false},
		{"go", "go_lang", false},
		{"go", "_go", false},
		{"go", "go2", false},
		{"go", "@go", false},
		{"go", "me@go", false},
		{"go", "go's", true},
		{"go", "(go)", true},
		{"go", "“go”", true},
		{"golang", "golangs", false},
		{"golang", "I love GOLANG.", true},
		{"#go", "#go", true},
		{"#go", "#GO!", true},
		{"#go", "go", false},
		{"#go", "#golang", false},
		{"#go", "x#go", false},
		{"#go", "##go", true},
		{"@user", "hi @User!", true},
		{"@user", "user", false},
		{"@user", "mail@user.com", false},
		{"@user", "@user_name", false},
		{"@user", "@user.", true},
		{"climate change", "Climate change is real", true},
		{"climate change", "climate\n\t  change", true},
		{"climate change", "climate\u00a0change", true},
		{"climate change", "#climate change", true},
		{"climate change", "climate #change", false},
		{"climate change", "climate-change", false},
		{"climate change", "climatechange", false},
		{"climate change", "climate changes", false},
		{"climate change", "bioclimate change", false},
		{"c++", "I like C++.", true},
		{"c++", "c++x", false},
		{"c++", "ac++", false},
		{"node.js", "Node.js, again", true},
		{"node.js", "node.jsx", false},
		{"東京", "東京都に行った", true},
		{"東京", "私は東京", true},
		{"iphone", "新しいiPhoneを買った", true},
		{"iphone", "iPhones", false},
		{"서울", "서울에서 만나요", true},
		{"ไทย", "ประเทศไทยสวย", true},
		{"🚀", "to the moon🚀🚀", true},
		{"café", "Un CAFÉ, s'il vous plaît", true},
		{"café", "cafés", false},
		{"σίσυφος", "ΣΊΣΥΦΟΣ", true},
		{"kelvin", "\u212Aelvin", true},
		{"straße", "STRAßE", true},
		{"привет", "Привет, мир", true},
		{"привет", "приветствую", false},
		{"naïve", "nai\u0308ve", false}, // no NFC: decomposed does not match
		{"e", "e\u0301", false},         // a combining mark is part of the word
		{"go", "", false},
		{"go", "g", false},
		{"go", "\xffgo\xfe", true}, // invalid bytes are boundaries
	}
	for _, tt := range tests {
		m := New([]string{tt.kw})
		got := m.Match(tt.text, nil)
		if (len(got) == 1) != tt.want || len(got) > 1 {
			t.Errorf("%q in %q: got %v, want match=%v", tt.kw, tt.text, got, tt.want)
		}
		if ref := refMatch([]string{tt.kw}, tt.text); !slices.Equal(ref, sorted(got)) {
			t.Errorf("%q in %q: reference says %v, matcher %v", tt.kw, tt.text, ref, got)
		}
	}
}

func TestMatchMany(t *testing.T) {
	kws := []string{"go", "Go", "#go", "golang", "go is", "is fun", "fun", "invalid\x00", "s"}
	m := New(kws)
	got := sorted(m.Match("Go is fun #go golang go", []int{42}))
	want := []int{0, 1, 2, 3, 4, 5, 6, 42}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := m.Match("gophers", nil); len(got) != 0 {
		t.Fatalf("gophers matched %v", got)
	}
	if got := New(nil).Match("anything", nil); len(got) != 0 {
		t.Fatalf("empty matcher matched %v", got)
	}
}

// A keyword set that overflows the dense table exercises the sparse states;
// the result must not change.
func TestMatchSparse(t *testing.T) {
	defer func(b int) { denseBudget = b }(denseBudget)
	denseBudget = 2000
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcdefghijklmnopqrstuvwxyzéßσ東京🚀 #@")
	var kws []string
	for len(kws) < 1000 {
		kw := randString(rng, alphabet, 1+rng.IntN(20))
		if _, err := Normalize(kw); err == nil {
			kws = append(kws, kw)
		}
	}
	m := New(kws)
	if m.nDense >= uint32(len(m.outStart)-1) {
		t.Fatalf("all %d states are dense; the test needs sparse ones", len(m.outStart)-1)
	}
	ref := newRef(kws)
	for range 300 {
		text := randString(rng, alphabet, rng.IntN(200))
		if rng.IntN(2) == 0 {
			text += " " + kws[rng.IntN(len(kws))] + " "
		}
		got := sorted(m.Match(text, nil))
		if want := ref.match(text); !slices.Equal(got, want) {
			t.Fatalf("%q: got %v, want %v", text, got, want)
		}
	}
}

func TestMatchRandomAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []rune("abcab AB_#@.-+é東京ไ🚀\u0301\t\n")
	for range 2000 {
		kws := make([]string, 1+rng.IntN(8))
		for i := range kws {
			kws[i] = randString(rng, alphabet, 1+rng.IntN(5))
		}
		m := New(kws)
		for range 5 {
			text := randString(rng, alphabet, rng.IntN(40))
			got := sorted(m.Match(text, nil))
			if want := refMatch(kws, text); !slices.Equal(got, want) {
				t.Fatalf("keywords %q in %q: got %v, want %v", kws, text, got, want)
			}
		}
	}
}

func TestMatchAllocs(t *testing.T) {
	m := New([]string{"go", "climate change", "#rust", "東京"})
	dst := make([]int, 0, 8)
	text := "Go and #Rust on climate change in 東京 🚀 ÉTÉ"
	if n := testing.AllocsPerRun(100, func() { dst = m.Match(text, dst[:0]) }); n != 0 {
		t.Fatalf("%v allocations per Match", n)
	}
	if len(dst) != 4 {
		t.Fatalf("matched %v", dst)
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("hello world", "world", "")
	f.Add("#go is", "go", "fun")
	f.Add("東京", "東京", "都")
	f.Add("\xff", "c++", "\x00")
	f.Fuzz(func(t *testing.T, before, kw, after string) {
		n, err := Normalize(kw)
		if err != nil {
			New([]string{kw, before, after}).Match(before+kw+after, nil)
			return
		}
		if again, err := Normalize(n); err != nil || again != n {
			t.Fatalf("Normalize(%q) = %q, but Normalize of that = %q, %v", kw, n, again, err)
		}
		m := New([]string{before, kw, n, after})
		got := m.Match(before+" "+kw+" "+after, nil)
		if !slices.Contains(got, 1) || !slices.Contains(got, 2) {
			t.Fatalf("%q (%q) not found in %q: %v", kw, n, before+" "+kw+" "+after, got)
		}
		if want := refMatch([]string{before, kw, n, after}, before+kw+after); !slices.Equal(sorted(m.Match(before+kw+after, nil)), want) {
			t.Fatalf("disagrees with the reference on %q", before+kw+after)
		}
	})
}

// refMatch is the semantics written plainly over runes, quadratic and
// obviously right, to check the automaton against.
func refMatch(kws []string, text string) []int {
	return newRef(kws).match(text)
}

type ref []string // normalized keywords; "" for invalid ones

func newRef(kws []string) ref {
	r := make(ref, len(kws))
	for i, kw := range kws {
		r[i], _ = Normalize(kw)
	}
	return r
}

func (kws ref) match(text string) []int {
	type ch struct {
		r rune
		k uint8
	}
	var t []ch
	for _, r := range text {
		f, k := classify(r)
		if k == kindSpace && len(t) > 0 && t[len(t)-1].k == kindSpace {
			continue
		}
		t = append(t, ch{f, k})
	}
	var out []int
	for i, n := range kws {
		if n == "" {
			continue
		}
		k := []rune(n)
		first, last := edgeRule(k[0], true), edgeRule(k[len(k)-1], false)
	starts:
		for s := 0; s+len(k) <= len(t); s++ {
			for j, r := range k {
				if t[s+j].r != r {
					continue starts
				}
			}
			before, after := kindOther, kindOther
			if s > 0 {
				before = t[s-1].k
			}
			if e := s + len(k); e < len(t) {
				after = t[e].k
			}
			if first == edgePlain && (before == kindWord || before == kindAt) ||
				first == edgeNotWord && before == kindWord ||
				last != edgeNone && after == kindWord {
				continue
			}
			out = append(out, i)
			break
		}
	}
	return out
}

func sorted(s []int) []int {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func randString(rng *rand.Rand, alphabet []rune, n int) string {
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}
