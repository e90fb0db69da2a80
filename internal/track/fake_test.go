package track

import (
	"context"
	"errors"
	"hash/fnv"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/source"
)

// fakeStream is a source.Stream the test feeds batch by batch.
type fakeStream struct {
	batches chan fakeBatch
	fail    chan error

	mu      sync.Mutex
	sets    [][]string
	setErr  error
	running atomic.Bool
	stopped chan struct{} // closed when Run returns
}

type fakeBatch struct {
	posts []post.Post
	done  chan error
}

func newFakeStream() *fakeStream {
	return &fakeStream{batches: make(chan fakeBatch), fail: make(chan error, 1), stopped: make(chan struct{})}
}

func (f *fakeStream) Run(ctx context.Context, sink source.Sink) error {
	f.running.Store(true)
	defer close(f.stopped)
	defer f.running.Store(false)
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-f.fail:
			return err
		case b := <-f.batches:
			b.done <- sink(ctx, b.posts)
		}
	}
}

func (f *fakeStream) SetKeywords(_ context.Context, kws []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets = append(f.sets, slices.Clone(kws))
	return f.setErr
}

func (f *fakeStream) keywordSets() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sets)
}

// fakeSource opens fakeStreams and remembers them per tenant.
type fakeSource struct {
	mu      sync.Mutex
	streams map[string][]*fakeStream
	opens   map[string][]time.Time
	openErr map[string]int // fail this many more opens
}

func newFakeSource() *fakeSource {
	return &fakeSource{streams: map[string][]*fakeStream{}, opens: map[string][]time.Time{}, openErr: map[string]int{}}
}

func (s *fakeSource) open(tenant string) (source.Stream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opens[tenant] = append(s.opens[tenant], time.Now())
	if s.openErr[tenant] > 0 {
		s.openErr[tenant]--
		return nil, errors.New("no route to upstream")
	}
	f := newFakeStream()
	s.streams[tenant] = append(s.streams[tenant], f)
	return f, nil
}

func (s *fakeSource) count(tenant string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams[tenant])
}

// running waits for tenant's newest stream to run and returns it.
func (s *fakeSource) running(t *testing.T, tenant string) *fakeStream {
	t.Helper()
	var f *fakeStream
	eventually(t, "a running stream for "+tenant, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if ss := s.streams[tenant]; len(ss) > 0 {
			f = ss[len(ss)-1]
		}
		return f != nil && f.running.Load()
	})
	return f
}

// push delivers posts through tenant's running stream and returns what the
// sink returned.
func (s *fakeSource) push(t *testing.T, tenant string, posts ...post.Post) error {
	t.Helper()
	f := s.running(t, tenant)
	b := fakeBatch{posts: posts, done: make(chan error, 1)}
	select {
	case f.batches <- b:
	case <-time.After(5 * time.Second):
		t.Fatalf("stream of %s does not take posts", tenant)
	}
	return <-b.done
}

// fakeAnalyzer scores a text with a polarity derived from its hash, so
// tests can compute the expected result themselves. Language "xx" is
// unsupported and so unscored.
type fakeAnalyzer struct{}

func (fakeAnalyzer) Name() string              { return "fake" }
func (fakeAnalyzer) Supports(lang string) bool { return lang != "xx" }
func (fakeAnalyzer) DetailNames() []string     { return nil }
func (fakeAnalyzer) Analyze(_ context.Context, d sentiment.Doc) (sentiment.Result, error) {
	return fakeScore(d.Text), nil
}

func fakeScore(text string) sentiment.Result {
	h := fnv.New32a()
	h.Write([]byte(text))
	p := math.Round((float64(h.Sum32()%20001)/10000-1)*1e4) / 1e4 // [-1, 1]
	r := sentiment.Result{Polarity: p, Score: p}
	switch {
	case p > 0.2:
		r.Label, r.Positive = sentiment.Positive, 1
	case p < -0.2:
		r.Label, r.Negative = sentiment.Negative, 1
	case math.Abs(p) < 0.05:
		r.Label, r.Mixed = sentiment.Mixed, 1
	default:
		r.Label, r.Neutral = sentiment.Neutral, 1
	}
	return r
}

// failingAnalyzer fails every call.
type failingAnalyzer struct{ fakeAnalyzer }

func (failingAnalyzer) Analyze(context.Context, sentiment.Doc) (sentiment.Result, error) {
	return sentiment.Result{}, errors.New("model server down")
}

// collector is a Publisher and a PostSink that keeps what it gets.
type collector struct {
	mu      sync.Mutex
	windows []Window
	posts   map[string][]ScoredPost
	sinkErr error
}

func (c *collector) PublishWindow(_ context.Context, w Window) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.windows = append(c.windows, w)
	return nil
}

func (c *collector) Posts(_ context.Context, tenant string, posts []ScoredPost) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sinkErr != nil {
		return c.sinkErr
	}
	if c.posts == nil {
		c.posts = map[string][]ScoredPost{}
	}
	c.posts[tenant] = append(c.posts[tenant], posts...)
	return nil
}

// take returns and forgets the windows published so far.
func (c *collector) take() []Window {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.windows
	c.windows = nil
	return w
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
