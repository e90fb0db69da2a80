package model

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/sentiment/lexicon"
)

// syntheticPosts builds n tweet-like texts of 100–200 bytes from a made-up
// vocabulary: plain words, sentiment words, negations, and (one word in
// twelve, more than in the SemEval tweets) hashtags, mentions, links,
// emoji, emoticons, elongations, capitals and HTML escapes; punctuation
// after one word in ten. (The development data may not be committed, so
// benchmarks make their own.)
func syntheticPosts(n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 1))
	plain := strings.Fields(`the a to and of in is it for on that this with you my at be
		have just so are was me but not what all get like can out up now day
		today tomorrow night game time new people about going watch see back
		one more from will year show week first still last think know really
		friday saturday sunday monday team season music video live school`)
	senti := strings.Fields(`love great good happy best awesome amazing excited fun
		beautiful thanks hate bad sad worst terrible awful angry sorry fail
		boring stupid sick tired miss wow lol haha ugh damn nice cool win lost`)
	negs := strings.Fields(`not never don't can't isn't won't no didn't`)
	extra := []string{"#happy", "#fail", "#NowPlaying", "@user", "@someone_123",
		"http://t.co/AbCdEf12", "https://example.com/x?y=1", "😂", "❤️", "😍", "😭",
		"🙏🏽", "🔥", ":)", ":-(", ":D", "<3", ";)", "sooo", "goooood", "AMAZING",
		"LOL", "!!!", "?", "...", "$3.39", "9:30", "&amp;", "2nd", "“quoted”"}
	out := make([]string, n)
	var b strings.Builder
	for i := range out {
		b.Reset()
		target := 100 + rng.IntN(101)
		for b.Len() < target {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			switch r := rng.IntN(100); {
			case r < 78:
				w := plain[rng.IntN(len(plain))]
				if rng.IntN(8) == 0 {
					w = strings.ToUpper(w[:1]) + w[1:]
				}
				b.WriteString(w)
			case r < 89:
				b.WriteString(senti[rng.IntN(len(senti))])
			case r < 92:
				b.WriteString(negs[rng.IntN(len(negs))])
			default:
				b.WriteString(extra[rng.IntN(len(extra))])
			}
			if rng.IntN(10) == 0 {
				b.WriteString([]string{".", ",", "!", "?"}[rng.IntN(4)])
			}
		}
		out[i] = b.String()
	}
	return out
}

// BenchmarkScore measures posts per second on one goroutine.
func BenchmarkScore(b *testing.B) {
	m, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	posts := syntheticPosts(4096, 1)
	total := 0
	for _, p := range posts {
		total += len(p)
	}
	b.SetBytes(int64(total / len(posts)))
	b.ReportAllocs()
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		_ = m.Score(posts[i&4095])
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "posts/s")
	// On a shared machine wall time includes waiting for the core; CPU
	// time does not.
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(i)/cpu.Seconds(), "posts/cpu-s")
	}
}

// BenchmarkAnalyze is the same through the sentiment.Analyzer interface.
func BenchmarkAnalyze(b *testing.B) {
	a, err := sentiment.Open(Name)
	if err != nil {
		b.Fatal(err)
	}
	posts := syntheticPosts(4096, 2)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := a.Analyze(ctx, sentiment.Doc{Text: posts[i&4095]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkScoreBits measures how the size of the hashed weight table
// (2^bits buckets of 4 bytes) affects speed, with made-up weights.
func BenchmarkScoreBits(b *testing.B) {
	posts := syntheticPosts(4096, 1)
	for _, bits := range []uint8{16, 18, 19, 20, 22} {
		m := &Model{bits: bits, flags: defaultFeatures, scale: 1e-4, lex: theLexicon(), sparse: make([]wpair, 1<<bits)}
		for i := range m.sparse {
			m.sparse[i] = wpair{int16(i), int16(-i)}
		}
		b.Run(strconv.Itoa(int(bits)), func(b *testing.B) {
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				_ = m.Score(posts[i&4095])
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "posts/s")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(i)/cpu.Seconds(), "posts/cpu-s")
			}
		})
	}
}

// BenchmarkScoreVal runs over the real tweets of tweeteval-val when the
// development data is present.
func BenchmarkScoreVal(b *testing.B) {
	val := readData(b, valFile)
	m, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, e := range val {
		total += len(e.Text)
	}
	b.SetBytes(int64(total / len(val)))
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		_ = m.Score(val[i%len(val)].Text)
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "posts/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(i)/cpu.Seconds(), "posts/cpu-s")
	}
}

// BenchmarkLoad measures loading the embedded weights (B/op is the memory
// the loaded model holds, the lexicon table aside, which is built once).
func BenchmarkLoad(b *testing.B) {
	theLexicon()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(bytes.NewReader(embedded)); err != nil {
			b.Fatal(err)
		}
	}
}

// plainLoopLexicon is the map BenchmarkPlainLoopVal looks words up in.
var plainLoopLexicon = map[string]int{"good": 3, "bad": -3, "love": 3, "hate": -3, "happy": 3, "sad": -2}

// BenchmarkPlainLoopVal is the yardstick the speed target is set against:
// a plain Go loop that only splits each tweet into words (strings.Fields)
// and does one map lookup per word, over the same tweets as
// BenchmarkScoreVal. bench/model/run.sh runs them interleaved.
func BenchmarkPlainLoopVal(b *testing.B) { plainLoop(b, plainLoopLexicon) }

// BenchmarkPlainLoopAFINNVal is the plain loop with a real lexicon: the
// same loop over the same tweets, looking each word up in AFINN-165's
// 3,382 words rather than six, which is what "one map lookup per word"
// costs once the map no longer sits in a few cache lines.
func BenchmarkPlainLoopAFINNVal(b *testing.B) { plainLoop(b, lexicon.AFINN()) }

func plainLoop(b *testing.B, lex map[string]int) {
	val := readData(b, valFile)
	i, sum := 0, 0
	for b.Loop() {
		for _, w := range strings.Fields(val[i%len(val)].Text) {
			sum += lex[w]
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "posts/s")
	if sum == 42 {
		b.Log(sum) // keeps the loop from being optimised away
	}
}
