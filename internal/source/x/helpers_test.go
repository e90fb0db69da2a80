package x

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/x/xapi"
	"github.com/tsaproject/tsa/internal/source/x/xfake"
)

const testToken = "AAAAtest-secret-token-1234567890"

// fakeClock's Now is real time plus every Sleep so far; Sleep returns at
// once after recording its duration (and calling hook, which may block).
type fakeClock struct {
	mu     sync.Mutex
	off    time.Duration
	sleeps []time.Duration
	hook   func(d time.Duration)
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.off += d
	hook := c.hook
	c.mu.Unlock()
	if hook != nil {
		hook(d)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// Yield a little so a failing loop cannot starve the test.
	time.Sleep(time.Millisecond)
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

// syncBuf is a log destination read while written.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness runs a Stream against a fake.
type harness struct {
	t    *testing.T
	fake *xfake.Server
	clk  *fakeClock
	s    *Stream
	logs *syncBuf

	mu    sync.Mutex
	posts []post.Post

	cancel context.CancelFunc
	done   chan error
}

func newHarness(t *testing.T, cfg Config, token string) *harness {
	t.Helper()
	clk := &fakeClock{}
	fake := xfake.New(testToken)
	fake.Now = clk.Now
	fake.KeepAlive = 50 * time.Millisecond
	t.Cleanup(fake.Close)
	logs := &syncBuf{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := NewClient(ClientConfig{BaseURL: fake.URL, Token: token, Clock: clk, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Idle == 0 {
		cfg.Idle = time.Second
	}
	def := DefaultConfig()
	if cfg.MaxRules == 0 {
		cfg.MaxRules = def.MaxRules
	}
	if cfg.RuleLen == 0 {
		cfg.RuleLen = def.RuleLen
	}
	if cfg.QueryLen == 0 {
		cfg.QueryLen = def.QueryLen
	}
	if cfg.GapMax == 0 {
		cfg.GapMax = def.GapMax
	}
	s := NewStream(c, cfg, source.Options{Logger: log})
	return &harness{t: t, fake: fake, clk: clk, s: s, logs: logs}
}

func (h *harness) sink(_ context.Context, ps []post.Post) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range ps {
		p.Keywords = slices.Clone(p.Keywords)
		h.posts = append(h.posts, p)
	}
	return nil
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.s.Run(ctx, h.sink) }()
	h.t.Cleanup(func() { h.stop() })
}

func (h *harness) stop() error {
	if h.cancel == nil {
		return nil
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		return err
	case <-time.After(10 * time.Second):
		h.t.Fatal("Run did not return within 10s of its context ending")
		return nil
	}
}

func (h *harness) ids() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, p := range h.posts {
		out = append(out, p.ID)
	}
	return out
}

func (h *harness) post(text string) string {
	return h.fake.Post(xapi.Tweet{Text: text, Lang: "en"}, xapi.User{ID: "42", Username: "gopher", Name: "Go Pher",
		PublicMetrics: &xapi.UserMetrics{FollowersCount: 7}}).ID
}

func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// leaked lists goroutines still running this package's code.
func leaked() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "source/x.(*Stream)") || strings.Contains(g, "source/x.(*reader)") {
			out = append(out, g)
		}
	}
	return out
}

func noLeaks(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l := leaked()
		if len(l) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left after Run returned:\n%s", len(l), strings.Join(l, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func sourceOpts() source.Options { return source.Options{} }

// memState is a source.StateStore in memory.
type memState struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memState) Get(_ context.Context, k string) (string, error) { return s.get(k), nil }

func (s *memState) Put(_ context.Context, k, v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
	return nil
}

func (s *memState) get(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}
