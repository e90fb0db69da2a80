package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/bluesky/jetstreamfake"
)

// memState is a StateStore in memory.
type memState struct {
	mu sync.Mutex
	m  map[string]string
}

func (m *memState) Get(_ context.Context, k string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[k], nil
}

func (m *memState) Put(_ context.Context, k, v string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]string{}
	}
	m.m[k] = v
	return nil
}

// collector is a sink that keeps every post; fail makes it refuse.
type collector struct {
	mu    sync.Mutex
	posts []post.Post
	fail  error
}

func (c *collector) sink(_ context.Context, ps []post.Post) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	c.posts = append(c.posts, ps...)
	return nil
}

func (c *collector) ids() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, len(c.posts))
	for i, p := range c.posts {
		ids[i] = p.ID
	}
	return ids
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testStream(t *testing.T, state source.StateStore, urls ...string) *Stream {
	t.Helper()
	cfg := defaultConfig()
	cfg.urls = urls
	cfg.backoffMin, cfg.backoffMax = 5*time.Millisecond, 50*time.Millisecond
	cfg.idle = 500 * time.Millisecond
	cfg.saveEvery = 20 * time.Millisecond
	s, err := newStream(cfg, source.Options{State: state})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run starts s and returns a stop function that waits for Run's result.
func run(t *testing.T, s *Stream, sink source.Sink) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, sink) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return within 10 s of cancel")
			return nil
		}
	}
}

// publisher makes distinct posts and remembers their ids.
type publisher struct {
	g   *jetstreamfake.Generator
	ids []string
	evs []jetstreamfake.Event
}

func newPublisher() *publisher { return &publisher{g: jetstreamfake.NewGenerator(7)} }

// next makes n posts; publish sends them to fakes.
func (p *publisher) next(n int) []jetstreamfake.Event {
	evs := make([]jetstreamfake.Event, n)
	for i := range evs {
		did, rkey := p.g.DID(), p.g.Rkey()
		evs[i] = jetstreamfake.PostEvent(did, rkey, jetstreamfake.Record{Text: fmt.Sprintf("post %d: %s", len(p.ids), p.g.Text()), Langs: []string{"en"}})
		p.ids = append(p.ids, "at://"+did+"/app.bsky.feed.post/"+rkey)
	}
	p.evs = append(p.evs, evs...)
	return evs
}

func publish(f *jetstreamfake.Server, evs []jetstreamfake.Event) {
	for _, e := range evs {
		f.Publish(e)
	}
}

// checkExactlyOnce fails unless got holds each of want once.
func checkExactlyOnce(t *testing.T, got, want []string) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("post %s delivered %d times", id, seen[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d posts delivered, want %d", len(got), len(want))
	}
}

// checkNoLeaks fails if goroutines of this package or of the websocket
// library outlive the test.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		var leaked []string
		for g := range strings.SplitSeq(stacks, "\n\n") {
			if strings.Contains(g, "bluesky.(*Stream)") || strings.Contains(g, "coder/websocket") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines leaked:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReconnectResumesExactlyOnce(t *testing.T) {
	f := jetstreamfake.New(jetstreamfake.Options{})
	defer f.Close()
	var c collector
	s := testStream(t, nil, f.URL())
	stop := run(t, s, c.sink)
	waitFor(t, "connection", func() bool { return f.Connections() == 1 })
	p := newPublisher()
	publish(f, p.next(100))
	waitFor(t, "100 posts", func() bool { return len(c.ids()) == 100 })
	// Dropped without a close frame; what is published meanwhile comes in
	// the replay.
	f.CloseConnections()
	publish(f, p.next(100))
	waitFor(t, "200 posts", func() bool { return len(c.ids()) >= 200 })
	publish(f, p.next(10))
	waitFor(t, "210 posts", func() bool { return len(c.ids()) >= 210 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, c.ids(), p.ids)
	subs := f.Subscriptions()
	if len(subs) < 2 || subs[0].Cursor != 0 || subs[1].Cursor == 0 {
		t.Fatalf("subscriptions %+v: want live, then a cursor", subs)
	}
	if !slices.Equal(subs[1].Collections, []string{"app.bsky.feed.post"}) {
		t.Errorf("wantedCollections %v", subs[1].Collections)
	}
	st := s.Stats()
	if st.Duplicates == 0 || st.Reconnects == 0 || st.Posts != 210 {
		t.Errorf("stats %+v: want duplicates of the rewind dropped, a reconnect, 210 posts", st)
	}
	if got := s.Status(); got.State != "stopped" || got.Posts != 210 || got.Reconnect == 0 {
		t.Errorf("status %+v", got)
	}
	f.Close()
	checkNoLeaks(t)
}

func TestRestartResumesFromSavedCursor(t *testing.T) {
	f := jetstreamfake.New(jetstreamfake.Options{})
	defer f.Close()
	state := &memState{}
	var c collector
	p := newPublisher()
	s1 := testStream(t, state, f.URL())
	stop := run(t, s1, c.sink)
	waitFor(t, "connection", func() bool { return f.Connections() == 1 })
	publish(f, p.next(50))
	waitFor(t, "50 posts", func() bool { return len(c.ids()) == 50 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// While no process runs, the network goes on.
	publish(f, p.next(50))
	s2 := testStream(t, state, f.URL())
	stop = run(t, s2, c.sink)
	waitFor(t, "100 posts", func() bool { return len(c.ids()) >= 100 })
	publish(f, p.next(5))
	waitFor(t, "105 posts", func() bool { return len(c.ids()) >= 105 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, c.ids(), p.ids)
	if d := s2.Stats().Duplicates; d == 0 {
		t.Errorf("no duplicates dropped: the rewind overlap should hold some")
	}
	f.Close()
	checkNoLeaks(t)
}

func TestFailover(t *testing.T) {
	f1 := jetstreamfake.New(jetstreamfake.Options{})
	defer f1.Close()
	f2 := jetstreamfake.New(jetstreamfake.Options{})
	defer f2.Close()
	var c collector
	p := newPublisher()
	s := testStream(t, nil, f1.URL(), f2.URL())
	stop := run(t, s, c.sink)
	waitFor(t, "connection", func() bool { return f1.Connections() == 1 })
	// Both instances see the network, each with its own clock.
	evs := p.next(40)
	for _, e := range evs {
		t1 := f1.Publish(e)
		e.TimeUS = t1 + 300
		f2.Publish(e)
	}
	waitFor(t, "40 posts", func() bool { return len(c.ids()) == 40 })
	f1.Refuse(true)
	f1.CloseConnections()
	evs = p.next(40)
	for _, e := range evs {
		f2.Publish(e)
	}
	waitFor(t, "80 posts", func() bool { return len(c.ids()) >= 80 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, c.ids(), p.ids)
	if st := s.Stats(); st.Host != f2.URL() || st.Reconnects < 2 {
		t.Errorf("stats %+v: want a move to the second host after a refused reconnect", st)
	}
	f1.Close()
	f2.Close()
	checkNoLeaks(t)
}

func TestFirstHostDown(t *testing.T) {
	f1 := jetstreamfake.New(jetstreamfake.Options{})
	down := f1.URL()
	f1.Close()
	f2 := jetstreamfake.New(jetstreamfake.Options{})
	defer f2.Close()
	var c collector
	s := testStream(t, nil, down, f2.URL())
	stop := run(t, s, c.sink)
	waitFor(t, "connection to the second host", func() bool { return f2.Connections() == 1 })
	p := newPublisher()
	publish(f2, p.next(3))
	waitFor(t, "3 posts", func() bool { return len(c.ids()) == 3 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); !strings.Contains(st.LastError, "dial") {
		t.Errorf("last error %q: want the dial failure", st.LastError)
	}
	f2.Close()
	checkNoLeaks(t)
}

func TestMalformedFramesSkipped(t *testing.T) {
	f := jetstreamfake.New(jetstreamfake.Options{})
	defer f.Close()
	var c collector
	s := testStream(t, nil, f.URL())
	s.cfg.maxEvent = 4096
	stop := run(t, s, c.sink)
	waitFor(t, "connection", func() bool { return f.Connections() == 1 })
	p := newPublisher()
	publish(f, p.next(2))
	f.PublishRaw([]byte(`{"did":"d","time_us":5,"kind":"commit","commit":{`))
	f.PublishRaw([]byte("{\"did\":\"d\",\"time_us\":5,\"kind\":\"account\",\"x\":\"\xc3\x28\"}"))
	f.PublishRaw([]byte(`{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k"}}`))
	f.PublishRaw([]byte(`{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k","record":{"text":"` + strings.Repeat("x", 10000) + `"}}}`))
	publish(f, p.next(2))
	waitFor(t, "4 posts", func() bool { return len(c.ids()) == 4 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, c.ids(), p.ids)
	st := s.Stats()
	if st.Malformed != 3 || st.Oversized != 1 || st.Reconnects != 0 {
		t.Errorf("stats %+v: want 3 malformed, 1 oversized, no reconnect", st)
	}
	f.Close()
	checkNoLeaks(t)
}

func TestStallReconnects(t *testing.T) {
	f := jetstreamfake.New(jetstreamfake.Options{})
	defer f.Close()
	var c collector
	s := testStream(t, nil, f.URL())
	s.cfg.idle = 200 * time.Millisecond
	stop := run(t, s, c.sink)
	waitFor(t, "connection", func() bool { return f.Connections() == 1 })
	p := newPublisher()
	publish(f, p.next(5))
	waitFor(t, "5 posts", func() bool { return len(c.ids()) == 5 })
	f.Stall()
	publish(f, p.next(5))
	waitFor(t, "10 posts", func() bool { return len(c.ids()) >= 10 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, c.ids(), p.ids)
	if st := s.Stats(); !strings.Contains(st.LastError, "presumed dead") {
		t.Errorf("last error %q", st.LastError)
	}
	f.Close()
	checkNoLeaks(t)
}

func TestSinkErrorStopsAndRedelivers(t *testing.T) {
	f := jetstreamfake.New(jetstreamfake.Options{})
	defer f.Close()
	state := &memState{}
	c := &collector{fail: errors.New("disk full")}
	p := newPublisher()
	s1 := testStream(t, state, f.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s1.Run(ctx, c.sink) }()
	waitFor(t, "connection", func() bool { return f.Connections() == 1 })
	publish(f, p.next(3))
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Run = %v, want the sink's error", err)
	}
	c.fail = nil
	s2 := testStream(t, state, f.URL())
	stop := run(t, s2, c.sink)
	waitFor(t, "3 posts", func() bool { return len(c.ids()) == 3 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, c.ids(), p.ids)
	f.Close()
	checkNoLeaks(t)
}

func TestBackoff(t *testing.T) {
	s := testStream(t, nil, "ws://127.0.0.1:1/subscribe")
	s.cfg.backoffMin, s.cfg.backoffMax = 500*time.Millisecond, 30*time.Second
	for _, tc := range []struct {
		n        int
		lo, hi   time.Duration
		jitterLo bool
	}{
		{0, 250 * time.Millisecond, 500 * time.Millisecond, false},
		{1, 500 * time.Millisecond, time.Second, false},
		{3, 2 * time.Second, 4 * time.Second, false},
		{6, 15 * time.Second, 30 * time.Second, false}, // capped
		{40, 15 * time.Second, 30 * time.Second, false},
	} {
		s.jitter = func(int64) int64 { return 0 }
		if d := s.backoff(tc.n); d != tc.lo {
			t.Errorf("backoff(%d) without jitter = %v, want %v", tc.n, d, tc.lo)
		}
		s.jitter = func(n int64) int64 { return n - 1 }
		if d := s.backoff(tc.n); d != tc.hi {
			t.Errorf("backoff(%d) with most jitter = %v, want %v", tc.n, d, tc.hi)
		}
	}
}

// TestReconnectSchedule runs against hosts that refuse, with a fake clock:
// the waits double up to the cap, and the hosts are tried in turn.
func TestReconnectSchedule(t *testing.T) {
	f1 := jetstreamfake.New(jetstreamfake.Options{})
	defer f1.Close()
	f2 := jetstreamfake.New(jetstreamfake.Options{})
	defer f2.Close()
	f1.Refuse(true)
	f2.Refuse(true)
	s := testStream(t, nil, f1.URL(), f2.URL())
	s.cfg.backoffMin, s.cfg.backoffMax = time.Second, 8*time.Second
	s.jitter = func(int64) int64 { return 0 }
	var waits []time.Duration
	var hosts []string
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.sleep = func(_ context.Context, d time.Duration) bool {
		waits = append(waits, d)
		hosts = append(hosts, s.cfg.urls[s.host])
		if len(waits) == 6 {
			cancel()
			return false
		}
		return true
	}
	if err := s.Run(ctx, (&collector{}).sink); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	if !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	for i, h := range hosts {
		if want := []string{f2.URL(), f1.URL()}[i%2]; h != want {
			t.Errorf("attempt %d goes to %s, want %s", i, h, want)
		}
	}
	if st := s.Stats(); !strings.Contains(st.LastError, "HTTP 503") {
		t.Errorf("last error %q", st.LastError)
	}
}

func TestCompressed(t *testing.T) {
	g := jetstreamfake.NewGenerator(9)
	var samples [][]byte
	at := time.Now()
	for range 40 {
		b, err := jsonFrame(g.Next(at))
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, b)
	}
	dict, err := zstd.BuildDict(zstd.BuildDictOptions{ID: 1612007021, Contents: samples, History: []byte(strings.Repeat(`{"did":"did:plc:","time_us":,"kind":"commit","commit":{"rev":"","operation":"create","collection":"app.bsky.feed.post","rkey":"","record":{"$type":"app.bsky.feed.post","createdAt":"","langs":["en"],"text":""}}}`, 4))})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "zstd_dictionary")
	if err := os.WriteFile(path, dict, 0o600); err != nil {
		t.Fatal(err)
	}
	f := jetstreamfake.New(jetstreamfake.Options{Dict: dict})
	defer f.Close()
	st, err := source.Open("bluesky://?compress=true&zstd_dict="+url.QueryEscape(path)+"&url="+url.QueryEscape(f.URL()), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*Stream)
	var c collector
	stop := run(t, s, c.sink)
	waitFor(t, "connection", func() bool { return f.Connections() == 1 })
	p := newPublisher()
	publish(f, p.next(20))
	waitFor(t, "20 posts", func() bool { return len(c.ids()) == 20 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, c.ids(), p.ids)
	if subs := f.Subscriptions(); !subs[0].Compress {
		t.Errorf("subscription %+v did not ask for compression", subs[0])
	}
	f.Close()
	checkNoLeaks(t)
}

func TestTagsAndHandles(t *testing.T) {
	f := jetstreamfake.New(jetstreamfake.Options{})
	defer f.Close()
	var c collector
	s := testStream(t, nil, f.URL())
	_ = s.SetKeywords(context.Background(), []string{"#GoLang", "rust", "pizza"})
	stop := run(t, s, c.sink)
	waitFor(t, "connection", func() bool { return f.Connections() == 1 })
	f.Publish(jetstreamfake.Event{DID: "did:plc:a", Kind: "identity", Identity: &jetstreamfake.Identity{DID: "did:plc:a", Handle: "alice.test"}})
	f.Publish(jetstreamfake.PostEvent("did:plc:a", "3k1", jetstreamfake.Record{Text: "new release today", Tags: []string{"golang", "Rust"}}))
	waitFor(t, "1 post", func() bool { return len(c.ids()) == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	p := c.posts[0]
	if p.Author.Handle != "alice.test" || p.Author.ID != "did:plc:a" {
		t.Errorf("author %+v", p.Author)
	}
	if !slices.Equal(p.Keywords, []string{"#GoLang", "rust"}) {
		t.Errorf("keywords %q from record tags", p.Keywords)
	}
	if p.URL != "https://bsky.app/profile/did:plc:a/post/3k1" || p.Source != "bluesky" {
		t.Errorf("post %+v", p)
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		urls []string
		err  string
	}{
		{in: "bluesky://", urls: DefaultHosts},
		{in: "bluesky://?url=ws://127.0.0.1:1/subscribe&url=wss://b/subscribe", urls: []string{"ws://127.0.0.1:1/subscribe", "wss://b/subscribe"}},
		{in: "bluesky://?url=ws://a/s,ws://b/s", urls: []string{"ws://a/s", "ws://b/s"}},
		{in: "bluesky://?url=http://a/s", err: "url must be"},
		{in: "bluesky://host", err: "no host or path"},
		{in: "bluesky://?compress=true", err: "zstd_dict"},
		{in: "bluesky://?rewind=2h", err: "rewind must be"},
		{in: "bluesky://?max_event_bytes=10", err: "max_event_bytes"},
		{in: "bluesky://?bogus=1", err: "unknown parameter"},
		{in: "bluesky://?rewind=10s&max_replay=1h&idle=1m&max_event_bytes=65536"},
	} {
		u, _ := url.Parse(tc.in)
		cfg, err := parseURL(u)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if tc.urls != nil && !slices.Equal(cfg.urls, tc.urls) {
			t.Errorf("%s: urls %v", tc.in, cfg.urls)
		}
	}
}

func jsonFrame(e jetstreamfake.Event) ([]byte, error) { return json.Marshal(e) }
