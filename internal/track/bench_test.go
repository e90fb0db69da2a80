package track

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/source"
)

// firehose is a stream that delivers a fixed set of batches over and over
// as fast as the sink takes them, total posts in all, then ends.
type firehose struct {
	batches [][]post.Post
	total   int
	done    chan struct{}
}

func (f *firehose) SetKeywords(context.Context, []string) error { return nil }

func (f *firehose) Run(ctx context.Context, sink source.Sink) error {
	defer close(f.done)
	for sent, i := 0, 0; sent < f.total; i++ {
		b := f.batches[i%len(f.batches)]
		b = b[:min(len(b), f.total-sent)]
		if err := sink(ctx, b); err != nil {
			return err
		}
		sent += len(b)
	}
	return source.ErrEndOfInput
}

// quickAnalyzer stands for a fast local model: a few nanoseconds a post.
type quickAnalyzer struct{ fakeAnalyzer }

func (quickAnalyzer) Analyze(_ context.Context, d sentiment.Doc) (sentiment.Result, error) {
	p := float64(len(d.Text)%21-10) / 10
	l := sentiment.Neutral
	if p > 0.3 {
		l = sentiment.Positive
	} else if p < -0.3 {
		l = sentiment.Negative
	}
	return sentiment.Result{Label: l, Polarity: p, Neutral: 1}, nil
}

// benchPosts makes posts of about 150 bytes from a vocabulary that
// includes the keywords, so that about matchShare of the posts mention
// one (synth:// writes posts about the tracked keywords).
func benchPosts(rng *rand.Rand, n int, kws []string, matchShare float64) []post.Post {
	filler := strings.Fields("the a this that is was not very really so just new old today people think " +
		"love hate good bad great awful launch update price market team game city weather news phone")
	posts := make([]post.Post, n)
	for i := range posts {
		var b strings.Builder
		if rng.Float64() < matchShare {
			kw := kws[rng.IntN(len(kws))]
			if rng.IntN(4) == 0 {
				kw = strings.ToUpper(kw[:1]) + kw[1:]
			}
			b.WriteString(kw + " ")
		}
		for b.Len() < 140 {
			switch rng.IntN(25) {
			case 0:
				b.WriteString("#trending ")
			case 1:
				b.WriteString("@someone ")
			case 2:
				b.WriteString("https://t.co/abc123 ")
			case 3:
				b.WriteString("🔥 ")
			default:
				b.WriteString(filler[rng.IntN(len(filler))] + " ")
			}
		}
		posts[i] = post.Post{ID: fmt.Sprint(i), Source: "synth", Text: b.String(), Lang: "en", Author: post.Author{Handle: "someone"}}
	}
	return posts
}

// BenchmarkEngineIngest measures posts/s end to end through one tenant:
// stream -> match (1,000 keywords) -> analyzer -> windows, in batches of
// 1,000 as synth:// delivers them, with the default Workers.
func BenchmarkEngineIngest(b *testing.B) {
	for _, bc := range []struct {
		name     string
		analyzer func() (sentiment.Analyzer, error)
	}{
		{"analyzer=quick", func() (sentiment.Analyzer, error) { return quickAnalyzer{}, nil }},
		// Registered only with -tags bench_model (bench_model_test.go),
		// so this package's tests do not depend on the model's.
		{"analyzer=default", func() (sentiment.Analyzer, error) { return sentiment.Open(sentiment.Default) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a, err := bc.analyzer()
			if err != nil {
				b.Skip(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			kws := make([]string, 1000)
			for i := range kws {
				kws[i] = fmt.Sprintf("topic%d", i)
			}
			all := benchPosts(rng, 20000, kws, 0.5)
			var batches [][]post.Post
			for i := 0; i < len(all); i += 1000 {
				batches = append(batches, all[i:i+1000])
			}
			f := &firehose{batches: batches, total: b.N, done: make(chan struct{})}
			e, err := New(Config{
				OpenStream: func(string) (source.Stream, error) { return f, nil },
				Analyzer:   a,
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime()
			if _, err := e.Subscribe("acme", "bench", kws); err != nil {
				b.Fatal(err)
			}
			<-f.done
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "posts/s")
			if d := cpuTime() - cpu; d > 0 {
				b.ReportMetric(float64(b.N)/d.Seconds(), "posts/cpu-s")
			}
			m := e.Metrics()
			b.ReportMetric(float64(m.PostsMatched)/float64(b.N), "matched/post")
			e.Close()
		})
	}
}
