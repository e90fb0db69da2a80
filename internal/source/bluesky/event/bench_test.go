package event

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/source/bluesky/jetstreamfake"
	"github.com/tsaproject/tsa/internal/track/match"
)

// BenchmarkDecodeMatch is the per-event work of a bluesky:// stream and its
// consumer on one goroutine: decode a Jetstream frame (any kind) and match
// a created post's text against 100 tracked keywords. It reports events/s;
// the target is 50,000 on one core with room to spare.
func BenchmarkDecodeMatch(b *testing.B) {
	g := jetstreamfake.NewGenerator(1)
	frames := make([][]byte, 8192)
	size := 0
	t := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range frames {
		t = t.Add(20 * time.Millisecond)
		f, err := json.Marshal(g.Next(t))
		if err != nil {
			b.Fatal(err)
		}
		frames[i] = f
		size += len(f)
	}
	m := match.New(g.Keywords(100))
	var (
		d       Decoder
		ev      Event
		dst     []int
		matched int
	)
	b.SetBytes(int64(size / len(frames)))
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	for i := 0; b.Loop(); i++ {
		if err := d.Decode(frames[i%len(frames)], &ev); err != nil {
			b.Fatal(err)
		}
		if ev.Kind == Post {
			dst = m.Match(ev.Post.Text, dst[:0])
			matched += len(dst)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	if c := cpuTime() - cpu; c > 0 {
		// On a shared machine the wall clock counts waits for a core too.
		b.ReportMetric(float64(b.N)/c.Seconds(), "events/cpu-s")
	}
	b.ReportMetric(float64(matched)/float64(b.N), "matches/event")
}
