package afinn

import (
	"context"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/sentiment/lexicon"
)

// tweets returns n synthetic tweet-like posts of roughly 60-280 bytes (most
// 100-200): common words, some lexicon words and negators, mentions,
// hashtags, links, numbers, punctuation, capitals, and emoji in about a
// third of them. Deterministic for a given seed.
func tweets(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 7))
	common := strings.Fields(`the a to and of in is it you that for on my this with be
		at just so have are was me not but we your all what out up like get
		can do if about now one no time day new people go today when they will
		how know see going back from more really an there been got think still
		game show last night week tomorrow weekend work home watch music love
		happy great good bad sad hate best thanks lol omg wow fun sorry
		Monday Friday iPhone Apple Obama Google NFL season team vote`)
	var lex []string
	for k := range lexicon.AFINN() {
		if !strings.Contains(k, " ") {
			lex = append(lex, k)
		}
	}
	sort.Strings(lex)
	emoji := []string{"😂", "❤️", "😍", "😭", "🙏", "👍", "🔥", "😊", "💯", "🎉"}
	out := make([]string, n)
	var b strings.Builder
	for i := range out {
		b.Reset()
		target := 100 + r.IntN(100)
		if r.IntN(10) == 0 {
			target = 60 + r.IntN(220)
		}
		withEmoji := r.IntN(3) == 0
		for b.Len() < target {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			switch k := r.IntN(40); {
			case k < 26:
				w := common[r.IntN(len(common))]
				if r.IntN(12) == 0 {
					w = strings.ToUpper(w[:1]) + w[1:]
				}
				b.WriteString(w)
			case k < 31:
				b.WriteString(lex[r.IntN(len(lex))])
			case k < 32:
				b.WriteString("not")
			case k < 33:
				b.WriteString("@user" + string(rune('a'+r.IntN(26))))
			case k < 34:
				b.WriteString("#topic" + string(rune('a'+r.IntN(26))))
			case k < 35:
				b.WriteString("https://t.co/AbC123xYz")
			case k < 36:
				b.WriteString("2016")
			case k < 38:
				b.WriteString([]string{"!", "...", "?", ",", ":)", "!!", "&amp;", "-"}[r.IntN(8)])
			default:
				if withEmoji {
					b.WriteString(emoji[r.IntN(len(emoji))])
				} else {
					b.WriteString("it's")
				}
			}
		}
		out[i] = b.String()
	}
	return out
}

func benchPosts(b *testing.B, posts []string) {
	if len(posts) == 0 {
		b.Skip("no posts")
	}
	total := 0
	for _, p := range posts {
		total += len(p)
	}
	b.SetBytes(int64(total / len(posts)))
	a := New()
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		if _, err := a.Analyze(ctx, sentiment.Doc{Text: posts[i]}); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(posts) {
			i = 0
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "posts/cpu-s")
	}
}

// BenchmarkAnalyze is the in-process figure quoted in docs/BENCHMARKS.md:
// Analyze on one goroutine over synthetic tweets ("tweets": a third with
// emoji; "ascii": none), and, when TSA_AFINN_BENCH_TEXTS names a file (one
// post a line, "label<TAB>text" when it ends in .tsv), over those posts
// ("file"), which is how bench/afinn/run.sh times Go and Node on the same
// posts.
func BenchmarkAnalyze(b *testing.B) {
	b.Run("tweets", func(b *testing.B) { benchPosts(b, tweets(4096, 1)) })
	b.Run("ascii", func(b *testing.B) {
		var ascii []string
		for _, p := range tweets(8192, 2) {
			if isASCII(p) {
				ascii = append(ascii, p)
			}
		}
		benchPosts(b, ascii)
	})
	if f := os.Getenv("TSA_AFINN_BENCH_TEXTS"); f != "" {
		b.Run("file", func(b *testing.B) {
			posts, err := readPosts(f)
			if err != nil {
				b.Fatal(err)
			}
			benchPosts(b, posts)
		})
	}
}

// TestWriteBenchTexts writes synthetic tweets, one a line, to the file named
// by TSA_AFINN_WRITE_TEXTS: bench/afinn/run.sh's posts when the labelled
// data is not at hand.
func TestWriteBenchTexts(t *testing.T) {
	path := os.Getenv("TSA_AFINN_WRITE_TEXTS")
	if path == "" {
		t.Skip("TSA_AFINN_WRITE_TEXTS not set")
	}
	var b strings.Builder
	for _, p := range tweets(50000, 5) {
		b.WriteString(p)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
