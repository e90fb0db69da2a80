// Package sourcetest is the conformance suite every source runs against
// its fake upstream, so that synth://, file://, x:// and bluesky:// behave
// alike where the engine relies on them: start, change keywords while
// running, stop by context, reconnect after a drop, deliver nothing twice
// (also across a restart on the same state), leave no goroutine behind,
// stop on a sink error (and deliver the refused batch again where the
// source promises it), and hand over well-formed posts.
//
// A source's tests call Run with a Harness:
//
//	func TestConformance(t *testing.T) {
//		sourcetest.Run(t, sourcetest.Harness{New: func(t *testing.T) sourcetest.Upstream { … }})
//	}
package sourcetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source"
)

// Timeouts are generous: the suite runs under -race on loaded two-core
// machines, and a happy path never waits for them.
const (
	waitFor   = 20 * time.Second // for posts, connections, reconnects
	stopLimit = 5 * time.Second  // for Run to return after its context ends
	settle    = 5 * time.Second  // for goroutines to end after Run returned
)

// Harness is what a source gives the suite.
type Harness struct {
	// New starts a fresh upstream for one check (a fake server, a pipe),
	// stopped by t.Cleanup.
	New func(t *testing.T) Upstream
	// Filters: the upstream sends only posts matching the keyword set
	// (X's stream rules), so a keyword dropped by SetKeywords stops
	// arriving. Otherwise keywords are matched downstream and SetKeywords
	// need only be accepted.
	Filters bool
	// Resumes: a new stream opened on the same State carries on where
	// the last one stopped, repeating nothing and, when the upstream keeps
	// them, delivering the posts made while it was stopped.
	Resumes bool
	// Redelivers: after the sink refused a batch, a new stream opened on
	// the same State (as the engine opens after a failure) delivers it.
	Redelivers bool
	// Posts is how many posts each injection makes (default 20).
	Posts int
}

// Upstream is one fresh upstream and how to reach it.
type Upstream struct {
	// Open returns a new stream of the source on this upstream, with
	// state as its Options.State.
	Open func(t *testing.T, state source.StateStore) source.Stream
	// Inject makes the upstream produce n posts, each mentioning one of
	// keywords. nil: the source makes posts of its own (synth), mentioning
	// its keywords often.
	Inject func(t *testing.T, keywords []string, n int)
	// Drop breaks the open upstream connection; nil when there is none.
	Drop func(t *testing.T)
	// Connected reports that the upstream has the stream's connection,
	// so that what is injected next is sent live; nil: the stream's
	// Status (when it reports one) saying "connected" is enough.
	Connected func() bool
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	if h.New == nil {
		t.Fatal("sourcetest: Harness.New is nil")
	}
	if h.Posts <= 0 {
		h.Posts = 20
	}
	c := &suite{h: h}
	t.Run("Deliver", c.deliver)
	t.Run("SetKeywordsWhileRunning", c.setKeywords)
	t.Run("StopByContext", c.stop)
	t.Run("StopWhileSinkBusy", c.stopBusy)
	t.Run("ReconnectAfterDrop", c.reconnect)
	t.Run("RestartOnSameState", c.restart)
	t.Run("SinkErrorStopsRun", c.sinkError)
	t.Run("NoGoroutineLeak", c.leaks)
}

type suite struct{ h Harness }

// Keywords of the checks: plain words that no generated text holds.
const (
	kwA = "quokkaconf"
	kwB = "axolotlconf"
)

// inject asks the upstream for posts; a source that makes its own needs
// nothing.
func (c *suite) inject(t *testing.T, up Upstream, kw string) {
	t.Helper()
	if up.Inject != nil {
		up.Inject(t, []string{kw}, c.h.Posts)
	}
}

// open makes a stream tracking keywords, with Open's checks.
func open(t *testing.T, up Upstream, state source.StateStore, keywords ...string) source.Stream {
	t.Helper()
	s := up.Open(t, state)
	if s == nil {
		t.Fatal("Open returned a nil stream")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := s.SetKeywords(ctx, keywords); err != nil {
		t.Fatalf("SetKeywords(%q) before Run: %v", keywords, err)
	}
	return s
}

// running is a stream's Run on its own goroutine.
type running struct {
	s      source.Stream
	cancel context.CancelFunc
	done   chan error
	err    error
	ended  bool
}

func start(t *testing.T, s source.Stream, sink source.Sink) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{s: s, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx, sink) }()
	t.Cleanup(func() {
		cancel()
		if !r.ended {
			select {
			case <-r.done:
			case <-time.After(stopLimit):
				t.Error("Run did not return after the test ended")
			}
		}
	})
	return r
}

// stop ends Run by its context and checks it returns nil promptly.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.returned() {
		t.Fatalf("Run had already returned (%v) before its context ended", r.err)
	}
	r.cancel()
	select {
	case r.err = <-r.done:
		r.ended = true
		if r.err != nil {
			t.Fatalf("Run returned %v after its context ended, want nil", r.err)
		}
	case <-time.After(stopLimit):
		t.Fatalf("Run still running %v after its context ended", stopLimit)
	}
	if sr, ok := r.s.(source.StatusReporter); ok {
		if st := sr.Status(); st.State != "stopped" {
			t.Errorf("status after stop %+v, want state stopped", st)
		}
	}
}

// returned reports whether Run has returned, keeping its error.
func (r *running) returned() bool {
	if !r.ended {
		select {
		case r.err = <-r.done:
			r.ended = true
		default:
		}
	}
	return r.ended
}

// wait waits for Run to return and gives its error.
func (r *running) wait(t *testing.T, what string) error {
	t.Helper()
	if r.ended {
		return r.err
	}
	select {
	case r.err = <-r.done:
		r.ended = true
		return r.err
	case <-time.After(waitFor):
		t.Fatalf("Run still running %v after %s", waitFor, what)
		return nil
	}
}

// alive fails the test if Run has returned.
func (r *running) alive(t *testing.T) {
	t.Helper()
	if r.returned() {
		t.Fatalf("Run returned (%v) while it should run", r.err)
	}
}

// connected waits until the upstream holds the stream's connection.
func connected(t *testing.T, up Upstream, r *running) {
	t.Helper()
	eventually(t, r, "the stream to connect", connectedCond(up, r))
}

func connectedCond(up Upstream, r *running) func() bool {
	cond := up.Connected
	if cond == nil {
		sr, ok := r.s.(source.StatusReporter)
		if !ok {
			return func() bool { return true }
		}
		cond = func() bool { return sr.Status().State == "connected" }
	}
	return cond
}

func eventually(t *testing.T, r *running, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if r != nil {
			r.alive(t)
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitFor, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// collector is a sink that checks and keeps every post.
type collector struct {
	mu     sync.Mutex
	keys   map[string]int
	posts  []post.Post
	faults []string
	dups   []string
}

func newCollector() *collector { return &collector{keys: map[string]int{}} }

func (c *collector) sink(_ context.Context, ps []post.Post) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range ps {
		if f := malformed(&p); f != "" && len(c.faults) < 10 {
			c.faults = append(c.faults, f)
		}
		k := p.Key()
		c.keys[k]++
		if c.keys[k] == 2 && len(c.dups) < 10 {
			c.dups = append(c.dups, k)
		}
		p.Keywords = slices.Clone(p.Keywords)
		c.posts = append(c.posts, p)
	}
	return nil
}

// malformed says what is wrong with a post, or "".
func malformed(p *post.Post) string {
	var bad []string
	if p.ID == "" {
		bad = append(bad, "no ID")
	}
	if p.Source == "" {
		bad = append(bad, "no Source")
	}
	if p.Text == "" || !utf8.ValidString(p.Text) {
		bad = append(bad, "empty or invalid UTF-8 Text")
	}
	if p.CreatedAt.IsZero() {
		bad = append(bad, "no CreatedAt")
	}
	if len(bad) == 0 {
		return ""
	}
	return fmt.Sprintf("post %q: %s", p.Key(), strings.Join(bad, ", "))
}

// mentions counts the posts that mention kw in their text or keywords.
func (c *collector) mentions(kw string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for i := range c.posts {
		if mentions(&c.posts[i], kw) {
			n++
		}
	}
	return n
}

func mentions(p *post.Post, kw string) bool {
	return slices.Contains(p.Keywords, kw) || strings.Contains(strings.ToLower(p.Text), kw)
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.posts)
}

func (c *collector) has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.keys[key] > 0
}

// check reports malformed and repeated posts.
func (c *collector) check(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.faults {
		t.Errorf("malformed %s", f)
	}
	for _, k := range c.dups {
		t.Errorf("post %q delivered %d times", k, c.keys[k])
	}
}

// waitMentions waits for at least n posts mentioning kw.
func waitMentions(t *testing.T, r *running, col *collector, kw string, n int) {
	t.Helper()
	eventually(t, r, fmt.Sprintf("%d posts mentioning %q", n, kw), func() bool { return col.mentions(kw) >= n })
}

func (c *suite) deliver(t *testing.T) {
	up := c.h.New(t)
	col := newCollector()
	r := start(t, open(t, up, nil, kwA), col.sink)
	connected(t, up, r)
	c.inject(t, up, kwA)
	waitMentions(t, r, col, kwA, c.h.Posts)
	r.stop(t)
	col.check(t)
	if sr, ok := r.s.(source.StatusReporter); ok {
		if got := sr.Status().Posts; got < int64(c.h.Posts) {
			t.Errorf("status counts %d posts, %d were delivered", got, col.len())
		}
	}
	if cr, ok := r.s.(source.CounterReporter); ok {
		if m := cr.Counters(); m.Source == "" || m.Posts < int64(c.h.Posts) || m.Connected {
			t.Errorf("counters after stop %+v, want a source, %d posts or more, not connected", m, c.h.Posts)
		}
	}
}

func (c *suite) setKeywords(t *testing.T) {
	up := c.h.New(t)
	col := newCollector()
	r := start(t, open(t, up, nil, kwA), col.sink)
	connected(t, up, r)
	c.inject(t, up, kwA)
	waitMentions(t, r, col, kwA, c.h.Posts)

	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := r.s.SetKeywords(ctx, []string{kwB}); err != nil {
		t.Fatalf("SetKeywords while running: %v", err)
	}
	r.alive(t)
	var before int
	if c.h.Filters && up.Inject != nil {
		// The dropped keyword's posts must stop; the new one's arrive.
		before = col.mentions(kwA)
		up.Inject(t, []string{kwA}, c.h.Posts)
	}
	c.inject(t, up, kwB)
	waitMentions(t, r, col, kwB, c.h.Posts)
	if c.h.Filters && up.Inject != nil {
		if got := col.mentions(kwA); got != before {
			t.Errorf("%d posts of the dropped keyword %q arrived after SetKeywords", got-before, kwA)
		}
	}
	r.alive(t)
	r.stop(t)
	col.check(t)
}

func (c *suite) stop(t *testing.T) {
	up := c.h.New(t)
	// At once, before anything arrived.
	r := start(t, open(t, up, nil, kwA), newCollector().sink)
	r.stop(t)
	// While posts flow.
	col := newCollector()
	r = start(t, open(t, up, nil, kwA), col.sink)
	connected(t, up, r)
	c.inject(t, up, kwA)
	waitMentions(t, r, col, kwA, 1)
	r.stop(t)
	col.check(t)
}

func (c *suite) stopBusy(t *testing.T) {
	up := c.h.New(t)
	busy := make(chan struct{})
	var once sync.Once
	// The sink holds the first batch until the stream is stopped.
	r := start(t, open(t, up, nil, kwA), func(ctx context.Context, ps []post.Post) error {
		once.Do(func() { close(busy) })
		<-ctx.Done()
		return ctx.Err()
	})
	connected(t, up, r)
	c.inject(t, up, kwA)
	select {
	case <-busy:
	case <-time.After(waitFor):
		t.Fatal("no batch delivered")
	}
	r.stop(t)
}

func (c *suite) reconnect(t *testing.T) {
	up := c.h.New(t)
	if up.Drop == nil {
		t.Skip("the source has no connection to drop")
	}
	col := newCollector()
	r := start(t, open(t, up, nil, kwA), col.sink)
	connected(t, up, r)
	c.inject(t, up, kwA)
	waitMentions(t, r, col, kwA, c.h.Posts)
	up.Drop(t)
	c.inject(t, up, kwA)
	waitMentions(t, r, col, kwA, 2*c.h.Posts)
	if sr, ok := r.s.(source.StatusReporter); ok {
		eventually(t, r, "the status to count a reconnect", func() bool { return sr.Status().Reconnect > 0 })
	}
	if cr, ok := r.s.(source.CounterReporter); ok {
		eventually(t, r, "the counters to count a reconnect", func() bool { return cr.Counters().Reconnects > 0 })
	}
	// A second drop, once connected again.
	connected(t, up, r)
	up.Drop(t)
	c.inject(t, up, kwA)
	waitMentions(t, r, col, kwA, 3*c.h.Posts)
	r.alive(t)
	r.stop(t)
	col.check(t)
	if up.Inject != nil {
		if got := col.mentions(kwA); got != 3*c.h.Posts {
			t.Errorf("%d posts delivered, %d injected", got, 3*c.h.Posts)
		}
	}
}

func (c *suite) restart(t *testing.T) {
	if !c.h.Resumes {
		t.Skip("the source does not resume from its state")
	}
	up := c.h.New(t)
	state := NewMemState()
	col := newCollector()
	r := start(t, open(t, up, state, kwA), col.sink)
	connected(t, up, r)
	c.inject(t, up, kwA)
	waitMentions(t, r, col, kwA, c.h.Posts)
	r.stop(t)
	first := col.len()
	want := 2 * c.h.Posts
	if up.Inject != nil {
		c.inject(t, up, kwA) // while stopped
		want = 3 * c.h.Posts
	}
	r = start(t, open(t, up, state, kwA), col.sink)
	connected(t, up, r)
	c.inject(t, up, kwA)
	if up.Inject == nil {
		want = col.mentions(kwA) + c.h.Posts
	}
	waitMentions(t, r, col, kwA, want)
	r.stop(t)
	col.check(t)
	if col.len() <= first {
		t.Error("the restarted stream delivered nothing")
	}
	if up.Inject != nil {
		if got := col.mentions(kwA); got != want {
			t.Errorf("%d posts delivered over the restart, %d injected", got, want)
		}
	}
}

var errRefused = errors.New("sourcetest: sink refuses")

func (c *suite) sinkError(t *testing.T) {
	up := c.h.New(t)
	state := NewMemState()
	var mu sync.Mutex
	var refused []string
	r := start(t, open(t, up, state, kwA), func(_ context.Context, ps []post.Post) error {
		mu.Lock()
		defer mu.Unlock()
		if refused == nil {
			for i := range ps {
				refused = append(refused, ps[i].Key())
			}
		}
		return errRefused
	})
	// A source that makes its own posts may fail before this sees it
	// connected.
	cond := connectedCond(up, r)
	eventually(t, nil, "the stream to connect", func() bool { return r.returned() || cond() })
	c.inject(t, up, kwA)
	if err := r.wait(t, "the sink refused a batch"); !errors.Is(err, errRefused) {
		t.Fatalf("Run returned %v after the sink refused, want the sink's error", err)
	}
	if sr, ok := r.s.(source.StatusReporter); ok {
		if st := sr.Status(); st.State != "failed" || st.Posts != 0 {
			t.Errorf("status after a refused batch %+v, want failed with no posts", st)
		}
	}
	if !c.h.Redelivers {
		return
	}
	mu.Lock()
	want := slices.Clone(refused)
	mu.Unlock()
	if len(want) == 0 {
		t.Fatal("the sink was given an empty batch")
	}
	col := newCollector()
	r = start(t, open(t, up, state, kwA), col.sink)
	eventually(t, r, fmt.Sprintf("the %d refused posts again", len(want)), func() bool {
		for _, k := range want {
			if !col.has(k) {
				return false
			}
		}
		return true
	})
	r.stop(t)
	col.check(t)
}

func (c *suite) leaks(t *testing.T) {
	up := c.h.New(t)
	before := settled(0)
	col := newCollector()
	r := start(t, open(t, up, NewMemState(), kwA), col.sink)
	connected(t, up, r)
	c.inject(t, up, kwA)
	waitMentions(t, r, col, kwA, c.h.Posts)
	if up.Drop != nil {
		up.Drop(t)
		c.inject(t, up, kwA)
		waitMentions(t, r, col, kwA, 2*c.h.Posts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := r.s.SetKeywords(ctx, []string{kwA, kwB}); err != nil {
		t.Fatalf("SetKeywords while running: %v", err)
	}
	r.stop(t)
	if n := settled(before); n > before {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%d goroutines %v after Run returned, %d before it started:\n%s", n, settle, before, buf)
	}
}

// settled waits until no more than target goroutines run (at most
// settle), or, with target 0, until their number stops falling; it
// returns the number.
func settled(target int) int {
	deadline := time.Now().Add(settle)
	n := runtime.NumGoroutine()
	for time.Now().Before(deadline) {
		if target > 0 && n <= target {
			return n
		}
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if target == 0 && m >= n {
			return m
		}
		n = m
	}
	return n
}

// MemState is a source.StateStore in memory.
type MemState struct {
	mu sync.Mutex
	m  map[string]string
}

// NewMemState returns an empty MemState.
func NewMemState() *MemState { return &MemState{m: map[string]string{}} }

// Get implements source.StateStore.
func (s *MemState) Get(_ context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

// Put implements source.StateStore.
func (s *MemState) Put(_ context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
	return nil
}
