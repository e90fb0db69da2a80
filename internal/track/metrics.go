package track

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tsaproject/tsa/internal/post"
)

// Metrics is a snapshot of the engine's counters, all totals since New, for
// the server to export (Prometheus counters and a const histogram).
type Metrics struct {
	PostsIn        map[string]int64 // by post source ("synth", "x")
	PostsMatched   int64            // posts that matched at least one keyword
	AnalysisErrors int64            // matched posts left unscored by a failing analyzer
	// Analysis is the latency of analyzer calls, each scoring one batch
	// of matched posts (up to a few thousand).
	Analysis       Histogram
	WindowsEmitted int64
	PublishErrors  int64
	PostSinkErrors int64
	StreamRestarts int64 // stream runs that failed and were retried
}

// Histogram is a cumulative histogram in seconds, as Prometheus wants it.
type Histogram struct {
	Count   uint64
	Sum     float64            // seconds
	Buckets map[float64]uint64 // upper bound in seconds -> observations at or below it
}

// latencyBounds are the analysis histogram's upper bounds: a local
// analyzer takes microseconds per batch, a service tens to hundreds of
// milliseconds.
var latencyBounds = [...]time.Duration{
	50 * time.Microsecond, 100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond, 10 * time.Millisecond,
	25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
	500 * time.Millisecond, time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
}

// counters are the live, lock-free counters behind Metrics.
type counters struct {
	postsIn        sync.Map // source name -> *atomic.Int64
	matched        atomic.Int64
	analysisErrors atomic.Int64
	windows        atomic.Int64
	publishErrors  atomic.Int64
	sinkErrors     atomic.Int64
	restarts       atomic.Int64

	latency    [len(latencyBounds) + 1]atomic.Uint64 // last: above every bound
	latencySum atomic.Int64                          // nanoseconds
}

// countIn counts a batch by source with one map lookup per run of posts
// from the same source (a batch usually has one).
func (c *counters) countIn(posts []post.Post) {
	for i := 0; i < len(posts); {
		src := posts[i].Source
		j := i + 1
		for j < len(posts) && posts[j].Source == src {
			j++
		}
		v, ok := c.postsIn.Load(src)
		if !ok {
			v, _ = c.postsIn.LoadOrStore(src, new(atomic.Int64))
		}
		v.(*atomic.Int64).Add(int64(j - i))
		i = j
	}
}

func (c *counters) observeAnalysis(d time.Duration) {
	i := 0
	for i < len(latencyBounds) && d > latencyBounds[i] {
		i++
	}
	c.latency[i].Add(1)
	c.latencySum.Add(int64(d))
}

func (c *counters) snapshot() Metrics {
	m := Metrics{
		PostsIn:        map[string]int64{},
		PostsMatched:   c.matched.Load(),
		AnalysisErrors: c.analysisErrors.Load(),
		WindowsEmitted: c.windows.Load(),
		PublishErrors:  c.publishErrors.Load(),
		PostSinkErrors: c.sinkErrors.Load(),
		StreamRestarts: c.restarts.Load(),
		Analysis: Histogram{
			Sum:     time.Duration(c.latencySum.Load()).Seconds(),
			Buckets: make(map[float64]uint64, len(latencyBounds)),
		},
	}
	c.postsIn.Range(func(k, v any) bool {
		m.PostsIn[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	var cum uint64
	for i, b := range latencyBounds {
		cum += c.latency[i].Load()
		m.Analysis.Buckets[b.Seconds()] = cum
	}
	m.Analysis.Count = cum + c.latency[len(latencyBounds)].Load()
	return m
}
