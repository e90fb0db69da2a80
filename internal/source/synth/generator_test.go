package synth

import (
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/post"
)

// keywordStep changes the keyword set before post at.
type keywordStep struct {
	at       uint64
	keywords []string
}

func generate(seed uint64, opt Options, n int, steps []keywordStep) []post.Post {
	g := NewGenerator(seed, opt)
	out := make([]post.Post, n)
	for i := range out {
		for _, s := range steps {
			if s.at == uint64(i) {
				g.SetKeywords(s.keywords)
			}
		}
		g.Next(&out[i])
	}
	return out
}

func TestDeterminism(t *testing.T) {
	steps := []keywordStep{{0, []string{"zorblax"}}, {700, []string{"#quuxcon", "solar eclipse"}}, {1500, nil}}
	tests := []struct {
		name       string
		seedA      uint64
		seedB      uint64
		stepsB     []keywordStep
		wantSame   bool
		maxSameTxt float64 // when different: the share of equal texts allowed
	}{
		{name: "same seed and keyword steps", seedA: 7, seedB: 7, stepsB: steps, wantSame: true},
		{name: "different seed", seedA: 7, seedB: 8, stepsB: steps, maxSameTxt: 0.05},
		{name: "keywords set at another post", seedA: 7, seedB: 7,
			stepsB: []keywordStep{{0, []string{"zorblax"}}, {701, []string{"#quuxcon", "solar eclipse"}}, {1500, nil}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := generate(tc.seedA, DefaultOptions(), 2000, steps)
			b := generate(tc.seedB, DefaultOptions(), 2000, tc.stepsB)
			if tc.wantSame {
				if !reflect.DeepEqual(a, b) {
					t.Fatal("same seed and keyword steps gave different posts")
				}
				return
			}
			same := 0
			for i := range a {
				if a[i].Text == b[i].Text {
					same++
				}
			}
			if tc.maxSameTxt > 0 && float64(same) > tc.maxSameTxt*float64(len(a)) {
				t.Fatalf("%d of %d texts equal across seeds", same, len(a))
			}
			if reflect.DeepEqual(a, b) {
				t.Fatal("posts did not change")
			}
		})
	}
}

// TestSeek checks that post n does not depend on the posts before it, so
// a resumed stream and a test can jump straight to it.
func TestSeek(t *testing.T) {
	want := generate(3, DefaultOptions(), 500, []keywordStep{{0, []string{"zorblax"}}})
	g := NewGenerator(3, DefaultOptions())
	g.SetKeywords([]string{"zorblax"})
	for _, n := range []uint64{499, 0, 250, 17} {
		g.Seek(n)
		var p post.Post
		g.Next(&p)
		if !reflect.DeepEqual(p, want[n]) {
			t.Fatalf("post %d after Seek differs:\n got %+v\nwant %+v", n, p, want[n])
		}
		if g.Count() != n+1 {
			t.Fatalf("Count after Next = %d, want %d", g.Count(), n+1)
		}
	}
}

var handleRE = regexp.MustCompile(`^[a-z0-9_]{1,15}$`)

func TestPostShape(t *testing.T) {
	opt := DefaultOptions()
	opt.Rate = 250
	posts := generate(11, opt, 5000, []keywordStep{{0, []string{"zorblax"}}})
	var prev uint64
	langs := map[string]int{}
	var replies, quotes, urls, tags, emojis int
	for i, p := range posts {
		id, err := strconv.ParseUint(p.ID, 10, 64)
		if err != nil || len(p.ID) != 19 {
			t.Fatalf("post %d: id %q is not 19 digits", i, p.ID)
		}
		if i > 0 && id <= prev {
			t.Fatalf("post %d: id %d not above %d", i, id, prev)
		}
		prev = id
		if p.Source != "synth" || p.URL != "https://synth.example/"+p.Author.Handle+"/"+p.ID {
			t.Fatalf("post %d: source %q url %q", i, p.Source, p.URL)
		}
		if want := opt.Start.Add(time.Duration(i) * 4 * time.Millisecond); !p.CreatedAt.Equal(want) {
			t.Fatalf("post %d: created %v, want %v", i, p.CreatedAt, want)
		}
		if p.Text == "" || !utf8.ValidString(p.Text) || utf8.RuneCountInString(p.Text) > 280 {
			t.Fatalf("post %d: bad text %q", i, p.Text)
		}
		if !handleRE.MatchString(p.Author.Handle) || p.Author.ID == "" || p.Author.Name == "" || p.Author.Followers < 25 {
			t.Fatalf("post %d: bad author %+v", i, p.Author)
		}
		if p.ReplyTo != "" {
			replies++
			if r, _ := strconv.ParseUint(p.ReplyTo, 10, 64); r >= id || !strings.HasPrefix(p.Text, "@") {
				t.Fatalf("post %d: reply to %s from %d, text %q", i, p.ReplyTo, id, p.Text)
			}
		}
		if p.QuoteOf != "" {
			quotes++
		}
		if strings.Contains(p.Text, "https://t.co/") {
			urls++
		}
		if strings.Contains(p.Text, " #") {
			tags++
		}
		if strings.ContainsFunc(p.Text, func(r rune) bool { return r >= 0x1f300 }) {
			emojis++
		}
		langs[p.Lang]++
	}
	n := float64(len(posts))
	for _, c := range []struct {
		what   string
		got    int
		lo, hi float64
	}{
		{"replies", replies, 0.08, 0.16},
		{"quotes", quotes, 0.01, 0.05},
		{"links", urls, 0.08, 0.16},
		{"hashtags", tags, 0.15, 0.35},
		{"emoji", emojis, 0.2, 0.5},
		{"english", langs["en"], 0.7, 0.9},
	} {
		if f := float64(c.got) / n; f < c.lo || f > c.hi {
			t.Errorf("%s: share %.3f, want in [%.2f, %.2f]", c.what, f, c.lo, c.hi)
		}
	}
	for _, l := range []string{"es", "fr", "de", "ja", "pt"} {
		if langs[l] == 0 {
			t.Errorf("no post in %s", l)
		}
	}
}

func TestAuthors(t *testing.T) {
	g := NewGenerator(5, DefaultOptions())
	seen := map[string]bool{}
	f := make([]int64, len(g.authors))
	for i, a := range g.authors {
		if seen[a.Handle] || !handleRE.MatchString(a.Handle) {
			t.Fatalf("handle %q repeated or malformed", a.Handle)
		}
		seen[a.Handle] = true
		f[i] = a.Followers
	}
	slices.Sort(f)
	// Heavy tail: a modest median, a few very large accounts.
	if med, top := f[len(f)/2], f[len(f)-1]; med > 200 || top < 50_000 {
		t.Fatalf("followers median %d, max %d: not heavy-tailed", med, top)
	}
	en := NewGenerator(5, Options{English: 1})
	for _, a := range en.authors {
		if a.lang != &english {
			t.Fatalf("English=1 gave an author writing %s", a.lang.code)
		}
	}
}

// containsWord reports whether kw occurs in text, ignoring case, with no
// letter, digit or underscore right before or after it.
func containsWord(text, kw string) bool {
	text, kw = strings.ToLower(text), strings.ToLower(kw)
	isWord := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	for i := 0; ; {
		j := strings.Index(text[i:], kw)
		if j < 0 {
			return false
		}
		j += i
		before, _ := utf8.DecodeLastRuneInString(text[:j])
		after, _ := utf8.DecodeRuneInString(text[j+len(kw):])
		if (j == 0 || !isWord(before)) && (j+len(kw) == len(text) || !isWord(after)) {
			return true
		}
		i = j + 1
	}
}

func TestKeywordShareAndForms(t *testing.T) {
	tests := []struct {
		name     string
		share    float64
		keywords []string
		// forms that must each appear at least once, per keyword
		forms map[string][]string
	}{
		{name: "plain word", share: 0.3, keywords: []string{"zorblax"},
			forms: map[string][]string{"zorblax": {"zorblax", "Zorblax", "ZORBLAX", "#zorblax", "#Zorblax"}}},
		{name: "hashtag mention phrase", share: 0.5, keywords: []string{"#QuuxCon", "@acmecorp", "Solar Eclipse"},
			forms: map[string][]string{
				"#QuuxCon":      {"#QuuxCon", "#quuxcon", "#Quuxcon", "#QUUXCON"},
				"@acmecorp":     {"@acmecorp", "@Acmecorp", "@ACMECORP"},
				"Solar Eclipse": {"Solar Eclipse", "solar eclipse", "SOLAR ECLIPSE"},
			}},
		{name: "none", share: 0, keywords: []string{"zorblax"}},
		{name: "all", share: 1, keywords: []string{"zorblax", "wibble"}},
	}
	const n = 20000
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := DefaultOptions()
			opt.Share = tc.share
			posts := generate(1, opt, n, []keywordStep{{0, tc.keywords}})
			about := 0
			seen := map[string]bool{}
			perKeyword := map[string]int{}
			for _, p := range posts {
				hit := 0
				for _, k := range tc.keywords {
					if containsWord(p.Text, k) {
						hit++
						perKeyword[k]++
					}
				}
				if hit > 1 {
					t.Fatalf("post mentions %d keywords: %q", hit, p.Text)
				}
				about += hit
				for _, fs := range tc.forms {
					for _, f := range fs {
						seen[f] = seen[f] || strings.Contains(p.Text, f)
					}
				}
			}
			if got := float64(about) / n; math.Abs(got-tc.share) > 0.02 {
				t.Fatalf("share of keyword posts %.3f, want %.2f", got, tc.share)
			}
			for _, k := range tc.keywords {
				if want := tc.share / float64(len(tc.keywords)); math.Abs(float64(perKeyword[k])/n-want) > 0.02 {
					t.Errorf("keyword %q in %.3f of posts, want %.3f", k, float64(perKeyword[k])/n, want)
				}
			}
			for _, fs := range tc.forms {
				for _, f := range fs {
					if !seen[f] {
						t.Errorf("form %q never written", f)
					}
				}
			}
		})
	}
}

func TestKeywordForms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"tesla", []string{"tesla", "Tesla", "TESLA", "#tesla", "#Tesla"}},
		{"Tesla", []string{"Tesla", "tesla", "TESLA", "#tesla", "#Tesla"}},
		{"#golang", []string{"#golang", "#Golang", "#GOLANG"}},
		{"@NASA", []string{"@NASA", "@nasa", "@Nasa"}},
		{"climate change", []string{"climate change", "Climate change", "Climate Change", "CLIMATE CHANGE"}},
		{"2024", []string{"2024", "#2024"}},
		{"straße", []string{"straße", "Straße", "STRAßE", "#straße", "#Straße"}},
		{"東京", []string{"東京", "#東京"}},
	}
	for _, tc := range tests {
		if got := keywordForms(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("keywordForms(%q) = %q, want %q", tc.in, got, tc.want)
		}
		for _, f := range keywordForms(tc.in) {
			if !containsWord(f, tc.in) {
				t.Errorf("form %q of %q does not contain it as a word", f, tc.in)
			}
		}
	}
}

// lexScore is a crude lexicon score for the drift test: +1 per positive
// and -1 per negative adjective of the generator's own lists. The package
// stays free of the analyzers (they change on their own schedule); the
// spread real analyzers see is reported in docs/SOURCES.md.
func lexScore(text string) float64 {
	var s float64
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if slices.Contains(english.words[slotPos], w) {
			s++
		}
		if slices.Contains(english.words[slotNeg], w) {
			s--
		}
	}
	return s
}

// TestDriftMovesText checks that the mean score of posts about a keyword
// follows the keyword's drifting mood, window after window.
func TestDriftMovesText(t *testing.T) {
	opt := DefaultOptions()
	opt.English = 1
	opt.Share = 0.5
	opt.Rate = 100
	g := NewGenerator(2, opt)
	g.SetKeywords([]string{"zorblax"})
	const window = 60 * 100 // one virtual minute
	var means, moods []float64
	var p post.Post
	for w := range 60 {
		var sum float64
		var cnt int
		for range window {
			g.Next(&p)
			if containsWord(p.Text, "zorblax") {
				sum += lexScore(p.Text)
				cnt++
			}
		}
		means = append(means, sum/float64(cnt))
		moods = append(moods, g.keywords[0].mood.at(float64(w*60+30)))
	}
	if lo, hi := slices.Min(means), slices.Max(means); hi-lo < 0.15 {
		t.Errorf("keyword mean score spans only [%.2f, %.2f] over an hour", lo, hi)
	}
	if c := correlation(means, moods); c < 0.8 {
		t.Errorf("mean score follows the mood with correlation %.2f, want >= 0.8", c)
	}
}

func correlation(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func TestDriftRange(t *testing.T) {
	for seed := range uint64(50) {
		d := newDrift(mix(seed), 10*time.Minute)
		lo, hi := 1.0, -1.0
		for s := 0; s < 3600; s += 5 {
			m := d.at(float64(s))
			lo, hi = min(lo, m), max(hi, m)
		}
		if lo < -0.95 || hi > 0.95 || hi-lo < 0.5 {
			t.Fatalf("seed %d: mood over an hour in [%.2f, %.2f]", seed, lo, hi)
		}
	}
}

func BenchmarkGenerator(b *testing.B) {
	g := NewGenerator(1, DefaultOptions())
	g.SetKeywords([]string{"tesla", "#golang", "climate change"})
	var p post.Post
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		g.Next(&p)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}
