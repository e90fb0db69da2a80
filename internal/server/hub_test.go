package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tsaproject/tsa/internal/coord/mem"
)

// fakeTracker records subscriptions and normalizes by lower-casing.
type fakeTracker struct {
	mu   sync.Mutex
	subs map[string][]string
}

func (f *fakeTracker) Subscribe(tenant, sub string, kws []string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(kws))
	for _, k := range kws {
		if k == "" {
			return nil, fmt.Errorf("empty keyword")
		}
		out = append(out, strings.ToLower(k))
	}
	f.subs[tenant+"/"+sub] = out
	return out, nil
}

func (f *fakeTracker) Unsubscribe(tenant, sub string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.subs, tenant+"/"+sub)
}

func (f *fakeTracker) History(tenant, keyword string, since time.Time) [][]byte {
	return [][]byte{[]byte(`{"type":"window","keyword":"` + keyword + `","count":0}`)}
}

func (f *fakeTracker) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

type hubEnv struct {
	url     string
	hub     *Hub
	tracker *fakeTracker
	co      *mem.Coordinator
}

func newHubEnv(t *testing.T, cfg HubConfig) *hubEnv {
	t.Helper()
	co := mem.New(0)
	tr := &fakeTracker{subs: map[string][]string{}}
	cfg.InsecureAnyOrigin = true
	h := NewHub(cfg, tr, co, slog.New(slog.DiscardHandler), NewMetrics())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeWS(w, r, r.URL.Query().Get("tenant"))
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		cancel()
		<-done
		co.Close()
	})
	return &hubEnv{url: "ws" + strings.TrimPrefix(srv.URL, "http"), hub: h, tracker: tr, co: co}
}

func (e *hubEnv) dial(t *testing.T, ctx context.Context, tenant string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(ctx, e.url+"?tenant="+tenant, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	return c
}

type msg struct {
	Type     string   `json:"type"`
	Keyword  string   `json:"keyword"`
	Keywords []string `json:"keywords"`
	Count    int64    `json:"count"`
	Code     string   `json:"code"`
}

func read(t *testing.T, ctx context.Context, c *websocket.Conn) msg {
	t.Helper()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m msg
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return m
}

func track(t *testing.T, ctx context.Context, c *websocket.Conn, kws ...string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"type": "track", "keywords": kws})
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	if m := read(t, ctx, c); m.Type != "tracking" {
		t.Fatalf("want tracking, got %+v", m)
	}
	for range kws {
		if m := read(t, ctx, c); m.Type != "history" {
			t.Fatalf("want history, got %+v", m)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSlowClientDoesNotSlowOthers(t *testing.T) {
	e := newHubEnv(t, HubConfig{QueueLen: 8})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	fast := e.dial(t, ctx, "t1")
	slow := e.dial(t, ctx, "t1")
	track(t, ctx, fast, "go")
	track(t, ctx, slow, "go")
	// The slow client stops reading; big messages fill its socket buffers
	// and then its queue.
	payload := fmt.Sprintf(`{"type":"window","keyword":"go","count":1,"pad":%q}`, strings.Repeat("x", 64<<10))
	const n = 200
	got := make(chan int, 1)
	go func() {
		seen := 0
		for seen < n {
			if _, _, err := fast.Read(ctx); err != nil {
				break
			}
			seen++
		}
		got <- seen
	}()
	for range n {
		if err := e.co.Publish(ctx, WindowTopic("t1", "go"), []byte(payload)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case seen := <-got:
		if seen != n {
			t.Fatalf("fast client got %d of %d", seen, n)
		}
	case <-ctx.Done():
		t.Fatal("fast client starved by the slow one")
	}
	// Now the slow client reads: it is told what it lost, then gets the rest.
	var dropped int64
	for {
		m := read(t, ctx, slow)
		if m.Type == "dropped" {
			dropped = m.Count
			break
		}
	}
	if dropped == 0 {
		t.Fatal("no dropped notice")
	}
}

func TestTenantTopicsAndCleanup(t *testing.T) {
	e := newHubEnv(t, HubConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a := e.dial(t, ctx, "a")
	b := e.dial(t, ctx, "b")
	track(t, ctx, a, "Go")
	track(t, ctx, b, "go")
	_ = e.co.Publish(ctx, WindowTopic("a", "go"), []byte(`{"type":"window","keyword":"go","count":7}`))
	_ = e.co.Publish(ctx, WindowTopic("b", "go"), []byte(`{"type":"window","keyword":"go","count":9}`))
	if m := read(t, ctx, a); m.Count != 7 {
		t.Errorf("tenant a got %+v", m)
	}
	if m := read(t, ctx, b); m.Count != 9 {
		t.Errorf("tenant b got %+v", m)
	}
	// Errors keep the connection open.
	_ = a.Write(ctx, websocket.MessageText, []byte(`{"type":"track","keywords":[""]}`))
	if m := read(t, ctx, a); m.Type != "error" || m.Code != "bad_keywords" {
		t.Errorf("bad keyword: %+v", m)
	}
	if e.tracker.count() != 2 {
		t.Fatalf("%d subscriptions, want 2", e.tracker.count())
	}
	a.Close(websocket.StatusNormalClosure, "")
	b.CloseNow()
	waitFor(t, func() bool { return e.tracker.count() == 0 && e.hub.Clients() == 0 })
}

func TestTrackRateLimit(t *testing.T) {
	e := newHubEnv(t, HubConfig{TrackBurst: 2, TrackPerSecond: 0.001})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := e.dial(t, ctx, "a")
	track(t, ctx, c, "x")
	track(t, ctx, c, "y")
	_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"track","keywords":["z"]}`))
	if m := read(t, ctx, c); m.Type != "error" || m.Code != "rate_limited" {
		t.Errorf("third track: %+v", m)
	}
}
