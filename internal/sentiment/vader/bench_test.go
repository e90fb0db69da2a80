package vader

import (
	"os"
	"strings"
	"testing"
)

// benchCorpora: "tweets" are like typical posts (typicalTweets); "rules" are
// the rule- and Unicode-heavy texts of the differential test (far more
// lexicon words, emoji and odd characters than real posts).
//
// bench/vader/run.sh adds "file": the texts of TSA_VADER_BENCH_TEXTS, one
// per line, "label<TAB>text" or just text, so that Go and the Python
// reference time the same posts.
func benchCorpora(b *testing.B) map[string][]string {
	c := map[string][]string{
		"tweets": typicalTweets(4096),
		"rules":  newSynth(2).tweets(4096),
	}
	if path := os.Getenv("TSA_VADER_BENCH_TEXTS"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if _, t, ok := strings.Cut(l, "\t"); ok {
				l = t
			}
			if l != "" {
				c["file"] = append(c["file"], l)
			}
		}
	}
	return c
}

// TestWriteBenchTexts writes the "tweets" corpus to TSA_VADER_WRITE_TEXTS,
// for bench/vader/run.sh on a machine without the labelled tweets.
func TestWriteBenchTexts(t *testing.T) {
	path := os.Getenv("TSA_VADER_WRITE_TEXTS")
	if path == "" {
		t.Skip("skipped: TSA_VADER_WRITE_TEXTS not set (bench/vader/run.sh sets it)")
	}
	var b strings.Builder
	for _, s := range typicalTweets(4096) {
		b.WriteString(strings.NewReplacer("\n", " ", "\t", " ").Replace(s))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// typicalTweets draws tweet-like posts of 100 to 200 bytes shaped like the
// labelled tweets of the project's development data (about 20 words a post,
// 7% of them in the lexicon), plus emoji in about a quarter of the posts as
// today's posts have: everyday words, made-up words (names, hashtags: most
// words of real posts are in no table), some boosters and negations.
func typicalTweets(n int) []string {
	s := newSynth(5)
	rules := strings.Fields("not very so really but no never don't can't just kinda")
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for b.Len() < 100+s.r.IntN(90) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			switch p := s.r.IntN(1000); {
			case p < 450:
				b.WriteString(s.pick(synthPlain))
			case p < 750:
				b.WriteString(s.madeUp())
			case p < 840:
				b.WriteString(s.pick(s.lex))
			case p < 900:
				b.WriteString(s.pick(rules))
			case p < 915:
				b.WriteString(s.pick(s.emoji))
			case p < 925:
				b.WriteString(s.pick(synthEmoticon))
			case p < 935:
				b.WriteString(strings.ToUpper(s.pick(s.lex)))
			default:
				b.WriteString(s.pick(synthPlain) + s.pick([]string{"!", "!!!", "?", "...", ","}))
			}
		}
		out[i] = b.String()
	}
	return out
}

// madeUp returns a word of 3 to 9 letters, sometimes capitalized or
// prefixed with # or @.
func (s *synth) madeUp() string {
	const letters = "etaoinshrdlcumwfgypbvkjxqz"
	var b strings.Builder
	switch s.r.IntN(10) {
	case 0:
		b.WriteByte('#')
	case 1:
		b.WriteByte('@')
	}
	for k := range 3 + s.r.IntN(7) {
		c := letters[min(s.r.IntN(len(letters)), s.r.IntN(len(letters)))] // favour common letters
		if k == 0 && s.r.IntN(3) == 0 {
			c -= 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

func BenchmarkPolarityScores(b *testing.B) {
	a := New()
	for name, texts := range benchCorpora(b) {
		b.Run(name, func(b *testing.B) {
			size := 0
			for _, s := range texts {
				size += len(s)
			}
			b.SetBytes(int64(size / len(texts)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for i := 0; b.Loop(); i++ {
				a.PolarityScores(texts[i%len(texts)])
			}
			cpu := cpuTime() - cpu0
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
			if cpu > 0 {
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "posts/cpu-s")
			}
		})
	}
}
