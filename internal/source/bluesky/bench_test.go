package bluesky

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/bluesky/event"
	"github.com/tsaproject/tsa/internal/source/bluesky/jetstreamfake"
	"github.com/tsaproject/tsa/internal/track/match"
)

// BenchmarkStreamPath is what a bluesky:// stream does per frame after the
// websocket read, plus track's matching, on one goroutine: decode, drop
// repeats by URI, batch, and match each post of a batch against 100
// keywords in the sink. Compare with event.BenchmarkDecodeMatch (decode and
// match alone).
func BenchmarkStreamPath(b *testing.B) {
	g := jetstreamfake.NewGenerator(1)
	frames := make([][]byte, 8192)
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range frames {
		at = at.Add(20 * time.Millisecond)
		f, err := json.Marshal(g.Next(at))
		if err != nil {
			b.Fatal(err)
		}
		frames[i] = f
	}
	m := match.New(g.Keywords(100))
	var dst []int
	matched := 0
	sink := func(_ context.Context, ps []post.Post) error {
		for i := range ps {
			dst = m.Match(ps[i].Text, dst[:0])
			matched += len(dst)
		}
		return nil
	}
	s, err := newStream(defaultConfig(), source.Options{})
	if err != nil {
		b.Fatal(err)
	}
	d := delivery{s: s, sink: sink}
	var dec event.Decoder
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	for i := 0; b.Loop(); i++ {
		if i%len(frames) == 0 {
			s.seen = newSeenSet(seenSize) // the frames repeat; they are not duplicates
		}
		it := item{size: len(frames[i%len(frames)])}
		it.bad = dec.Decode(frames[i%len(frames)], &it.ev)
		s.take(&d, &it)
		if len(d.batch) >= maxBatch {
			if err := d.flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	if c := cpuTime() - cpu; c > 0 {
		b.ReportMetric(float64(b.N)/c.Seconds(), "events/cpu-s")
	}
	b.ReportMetric(float64(matched)/float64(b.N), "matches/event")
}
