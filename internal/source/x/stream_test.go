package x

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source/x/xfake"
)

const msgGolang = `{"data":{"id":"1800000000000000001","text":"I love golang","author_id":"7","created_at":"2024-05-01T12:00:00.000Z","lang":"en","public_metrics":{"like_count":3,"retweet_count":1,"reply_count":2,"quote_count":0},"referenced_tweets":[{"type":"replied_to","id":"99"}]},"includes":{"users":[{"id":"8","name":"Other","username":"other"},{"id":"7","name":"Ann","username":"ann","location":"Oslo","verified":true,"public_metrics":{"followers_count":120}}]},"matching_rules":[{"id":"1","tag":"tsa:[\"golang\"]"}]}`

func TestReaderParsing(t *testing.T) {
	oversized := `{"data":{"id":"5","text":"` + strings.Repeat("a", MaxMessage) + `"}}`
	stream := "\r\n" + msgGolang + "\r\n\r\n" +
		`{"data":{"id":"2",` + "\r\n" + // malformed: cut
		oversized + "\r\n" +
		`{"errors":[{"title":"x","detail":"partial error","type":"about:blank"}]}` + "\r\n" +
		`{"data":{"id":"1800000000000000003","text":"#Rust and climate change","note_tweet":{"text":"#Rust and climate change, the long version"}},"matching_rules":[{"id":"2","tag":"tsa:[\"#rust\",\"climate change\",\"golang\"]"},{"id":"3","tag":"someone else's"}]}` + "\r\n" +
		`{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect","type":"https://api.twitter.com/2/problems/operational-disconnect"}]}` + "\r\n"
	// One byte at a time: every message is split across reads.
	r := &reader{br: bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(stream)), 16), tags: map[string][]string{}}
	var posts []posts_
	var keepAlives, bad int
	var disconnect bool
	total := 0
	for {
		line, n, err := r.next()
		total += n
		if err == io.EOF {
			break
		}
		if errors.Is(err, errTooLong) {
			bad++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(line) == 0 {
			keepAlives++
			continue
		}
		ps, err := r.parse(nil, line)
		for _, p := range ps {
			posts = append(posts, posts_{p.ID, p.Text, p.Keywords, p.Author.Handle, p.URL})
		}
		if _, ok := errors.AsType[*disconnectError](err); ok {
			disconnect = true
		} else if err != nil {
			bad++
		}
	}
	if total != len(stream) {
		t.Errorf("read %d bytes of %d", total, len(stream))
	}
	if keepAlives != 2 || bad != 3 || !disconnect {
		t.Errorf("keep-alives %d (want 2), bad %d (want 3: cut, oversized, error-only), disconnect %v", keepAlives, bad, disconnect)
	}
	want := []posts_{
		{"1800000000000000001", "I love golang", []string{"golang"}, "ann", "https://x.com/ann/status/1800000000000000001"},
		{"1800000000000000003", "#Rust and climate change, the long version", []string{"#rust", "climate change"}, "", "https://x.com/i/web/status/1800000000000000003"},
	}
	if len(posts) != len(want) {
		t.Fatalf("posts %+v", posts)
	}
	for i := range want {
		g, w := posts[i], want[i]
		if g.id != w.id || g.text != w.text || !slices.Equal(g.kws, w.kws) || g.handle != w.handle || g.url != w.url {
			t.Errorf("post %d: %+v, want %+v", i, g, w)
		}
	}
}

type posts_ struct {
	id, text string
	kws      []string
	handle   string
	url      string
}

func TestPostFields(t *testing.T) {
	r := &reader{tags: map[string][]string{}}
	ps, err := r.parse(nil, []byte(msgGolang))
	if err != nil || len(ps) != 1 {
		t.Fatal(err, ps)
	}
	p := ps[0]
	if p.Source != "x" || p.Lang != "en" || p.CreatedAt != time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) ||
		p.Author.ID != "7" || p.Author.Name != "Ann" || p.Author.Followers != 120 || p.Author.Location != "Oslo" || !p.Author.Verified ||
		p.Metrics.Likes != 3 || p.Metrics.Reposts != 1 || p.Metrics.Replies != 2 || p.ReplyTo != "99" {
		t.Errorf("post %+v", p)
	}
}

// FuzzParseMessage: no input panics the stream parser, and every post out
// of it has an id and text.
func FuzzParseMessage(f *testing.F) {
	f.Add([]byte(msgGolang))
	f.Add([]byte(`{"data":[{"id":"1","text":"a"}]}`))
	f.Add([]byte(`{"errors":[{"disconnect_type":"x"}]}`))
	f.Add([]byte(`{"data":{"id":"1","text":"a"},"matching_rules":[{"id":"1","tag":"tsa:[\"a\",\"b\"]"}]}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, line []byte) {
		r := &reader{tags: map[string][]string{}}
		ps, _ := r.parse(nil, line)
		for _, p := range ps {
			if p.ID == "" || p.Text == "" {
				t.Fatalf("post without id or text from %q", line)
			}
		}
		// The line reader, on the same bytes as a stream.
		rr := &reader{br: bufio.NewReaderSize(strings.NewReader(string(line)+"\r\n"), 16)}
		for {
			if _, _, err := rr.next(); err != nil {
				break
			}
		}
	})
}

func TestStreamDeliversWithKeywords(t *testing.T) {
	h := newHarness(t, Config{}, testToken)
	if err := h.s.SetKeywords(context.Background(), []string{"golang", "#rust", "climate change"}); err != nil {
		t.Fatal(err)
	}
	h.start()
	eventually(t, "connection", func() bool { return h.s.Status().State == "connected" && h.fake.Connected() })
	a := h.post("golang is fun")
	h.post("rust without the hash")
	b := h.post("#rust and climate  change")
	eventually(t, "posts", func() bool { return len(h.ids()) == 2 })
	if got := h.ids(); !slices.Equal(got, []string{a, b}) {
		t.Errorf("ids %q, want %q", got, []string{a, b})
	}
	h.mu.Lock()
	if !slices.Equal(h.posts[1].Keywords, []string{"#rust", "climate change"}) && !slices.Equal(h.posts[1].Keywords, []string{"climate change", "#rust"}) {
		t.Errorf("keywords %q", h.posts[1].Keywords)
	}
	if h.posts[0].Author.Handle != "gopher" || h.posts[0].Author.Followers != 7 {
		t.Errorf("author %+v", h.posts[0].Author)
	}
	h.mu.Unlock()
	eventually(t, "keep-alives", func() bool { return h.s.Stats().KeepAlives > 0 })
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if st := h.s.Status(); st.State != "stopped" || st.Posts != 2 {
		t.Errorf("status after stop: %+v", st)
	}
	noLeaks(t)
}

// TestReconnectAfterFaults: after each fault the stream comes back, with
// the wait X's backoff prescribes, and delivers posts again.
func TestReconnectAfterFaults(t *testing.T) {
	for _, c := range []struct {
		name   string
		inject func(h *harness)
		sleeps []time.Duration // the waits before the connection came back (nil: not checked)
	}{
		{name: "disconnect", inject: func(h *harness) { h.fake.Disconnect() }, sleeps: []time.Duration{}},
		{name: "operational-disconnect", inject: func(h *harness) { h.fake.OperationalDisconnect() }, sleeps: []time.Duration{}},
		{name: "stall", inject: func(h *harness) {
			h.fake.Stall(true)
			go func() {
				time.Sleep(1500 * time.Millisecond) // past idle
				h.fake.Stall(false)
			}()
		}},
		{name: "503 after a drop", inject: func(h *harness) {
			h.fake.FailConnects(xfake.Unavailable, xfake.Unavailable, xfake.Unavailable)
			h.fake.Disconnect()
		}, sleeps: []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second}},
		{name: "429 after a drop", inject: func(h *harness) {
			h.fake.FailConnects(xfake.RateLimited, xfake.RateLimited)
			h.fake.Disconnect()
		}, sleeps: []time.Duration{time.Minute, 2 * time.Minute}},
		{name: "429 with a reset", inject: func(h *harness) {
			h.fake.FaultReset = 5 * time.Minute
			h.fake.FailConnects(xfake.RateLimited)
			h.fake.Disconnect()
		}, sleeps: []time.Duration{5 * time.Minute}}, // to the second: the header has whole seconds
	} {
		t.Run(c.name, func(t *testing.T) {
			// Idle is generous against a loaded CI machine; keep-alives
			// come 25 times as often.
			h := newHarness(t, Config{Idle: time.Second}, testToken)
			h.fake.KeepAlive = 40 * time.Millisecond
			if err := h.s.SetKeywords(context.Background(), []string{"golang"}); err != nil {
				t.Fatal(err)
			}
			h.start()
			eventually(t, "connection", func() bool { return h.fake.Connects() == 1 && h.s.Stats().Connected })
			h.post("golang before")
			eventually(t, "first post", func() bool { return len(h.ids()) == 1 })
			c.inject(h)
			eventually(t, "reconnection", func() bool { return h.fake.Connects() >= 2 && h.s.Stats().Connected })
			id := h.post("golang after")
			eventually(t, "post after reconnecting", func() bool { return slices.Contains(h.ids(), id) })
			got := h.clk.Sleeps()
			if c.name == "429 with a reset" && len(got) == 1 {
				got[0] = got[0].Truncate(time.Minute)
			}
			if got == nil {
				got = []time.Duration{}
			}
			if c.sleeps != nil && !slices.Equal(got, c.sleeps) {
				t.Errorf("waits %v, want %v", got, c.sleeps)
			}
			if st := h.s.Status(); st.State != "connected" || st.Reconnect < 1 {
				t.Errorf("status %+v", st)
			}
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			noLeaks(t)
		})
	}
}

func TestNetworkErrorsBackOffLinearly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	clk := &fakeClock{}
	stop := make(chan struct{})
	clk.hook = func(time.Duration) {
		if len(clk.Sleeps()) >= 6 {
			<-stop
		}
	}
	c, _ := NewClient(ClientConfig{BaseURL: "http://" + addr, Token: testToken, Clock: clk})
	s := NewStream(c, DefaultConfig(), sourceOpts())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, func(context.Context, []post.Post) error { return nil }) }()
	eventually(t, "six attempts", func() bool { return len(clk.Sleeps()) >= 6 })
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond, time.Second, 1250 * time.Millisecond, 1500 * time.Millisecond}
	if got := clk.Sleeps()[:6]; !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	if st := s.Status(); st.State != "reconnecting" || !strings.Contains(st.Reason, "connection refused") {
		t.Errorf("status %+v", st)
	}
	cancel()
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	noLeaks(t)
}

func TestSecondConnectionRefused(t *testing.T) {
	h := newHarness(t, Config{}, testToken)
	h.start()
	eventually(t, "connection", func() bool { return h.fake.Connected() })
	c2, _ := NewClient(ClientConfig{BaseURL: h.fake.URL, Token: testToken, Clock: &fakeClock{}})
	s2 := NewStream(c2, DefaultConfig(), sourceOpts())
	_, err := s2.session(context.Background(), func(context.Context, []post.Post) error { return nil }, nil, &backoff{})
	e, ok := errors.AsType[*APIError](err)
	if !ok || e.Status != 429 || e.Problem.ConnectionIssue != "TooManyConnections" || e.Kind() != KindRateLimit {
		t.Errorf("second connection: %v", err)
	}
}

// TestTerminalFailures: a refused token or a usage cap fails the stream
// with the reason and no retry; the token appears in no log or error.
func TestTerminalFailures(t *testing.T) {
	for _, c := range []struct {
		name, token string
		fault       xfake.Fault
		reason      string
	}{
		{name: "bad token", token: "AAAAwrong-token-0987654321", reason: "HTTP 401"},
		{name: "revoked", token: testToken, fault: xfake.Unauthorized, reason: "HTTP 401"},
		{name: "usage cap", token: testToken, fault: xfake.UsageCapped, reason: "UsageCapExceeded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, Config{}, c.token)
			if c.fault != 0 {
				h.fake.FailConnects(c.fault, c.fault, c.fault)
			}
			err := h.s.SetKeywords(context.Background(), []string{"golang"})
			if c.token != testToken && (err == nil || !IsTerminal(errors.Unwrap(err)) && !strings.Contains(err.Error(), "401")) {
				t.Errorf("SetKeywords with a bad token: %v", err)
			}
			h.start()
			eventually(t, "failed status", func() bool { return h.s.Status().State == "failed" })
			time.Sleep(100 * time.Millisecond)
			st := h.s.Status()
			if !strings.Contains(st.Reason, c.reason) {
				t.Errorf("reason %q lacks %q", st.Reason, c.reason)
			}
			if n := len(h.clk.Sleeps()); n != 0 {
				t.Errorf("%d retries after a terminal failure", n)
			}
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{h.logs.String(), st.Reason, h.s.Stats().LastError, errString(err)} {
				if strings.Contains(s, c.token) || strings.Contains(s, testToken) {
					t.Errorf("the token leaked: %s", s)
				}
			}
			if !strings.Contains(h.logs.String(), c.reason) {
				t.Errorf("the failure was not logged:\n%s", h.logs.String())
			}
			noLeaks(t)
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestGapFilling: posts made while the stream is down come from search
// after it reconnects, exactly once each, with their keywords.
func TestGapFilling(t *testing.T) {
	h := newHarness(t, Config{}, testToken)
	release := make(chan struct{})
	h.clk.hook = func(time.Duration) { <-release }
	if err := h.s.SetKeywords(context.Background(), []string{"golang", "climate change"}); err != nil {
		t.Fatal(err)
	}
	h.start()
	eventually(t, "connection", func() bool { return h.fake.Connected() })
	before := h.post("golang before the outage")
	eventually(t, "first post", func() bool { return len(h.ids()) == 1 })
	h.fake.FailConnects(xfake.Unavailable)
	h.fake.Disconnect()
	// The stream reconnects at once, gets a 503 and waits: now it misses
	// posts.
	eventually(t, "the backoff wait", func() bool { return len(h.clk.Sleeps()) == 1 })
	var missed []string
	for i := range 25 { // more than a page of 10
		if i%2 == 0 {
			missed = append(missed, h.post("golang during the outage"))
		} else {
			missed = append(missed, h.post("climate change during the outage"))
		}
	}
	h.post("not about anything tracked")
	close(release)
	eventually(t, "gap filled", func() bool { return len(h.ids()) == 1+len(missed) })
	after := h.post("golang after")
	eventually(t, "live post", func() bool { return slices.Contains(h.ids(), after) })
	time.Sleep(100 * time.Millisecond)
	got := h.ids()
	want := append([]string{before, after}, missed...)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %d posts %q, want %d %q", len(got), got, len(want), want)
	}
	st := h.s.Stats()
	if st.Gaps != 1 || st.GapPosts != int64(len(missed)) {
		t.Errorf("stats %+v", st)
	}
	h.mu.Lock()
	for _, p := range h.posts {
		want := "golang"
		if strings.HasPrefix(p.Text, "climate") {
			want = "climate change"
		}
		if !slices.Equal(p.Keywords, []string{want}) {
			t.Errorf("post %q keywords %q", p.Text, p.Keywords)
		}
	}
	h.mu.Unlock()
}

// TestGapFillingAfterRestart: a new Run resumes from the saved cursor.
func TestGapFillingAfterRestart(t *testing.T) {
	h := newHarness(t, Config{}, testToken)
	state := &memState{m: map[string]string{}}
	h.s.state = state
	if err := h.s.SetKeywords(context.Background(), []string{"golang"}); err != nil {
		t.Fatal(err)
	}
	h.start()
	eventually(t, "connection", func() bool { return h.fake.Connected() })
	first := h.post("golang one")
	eventually(t, "first post", func() bool { return len(h.ids()) == 1 })
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if state.get(cursorKey) == "" {
		t.Fatal("no cursor saved")
	}
	missed := h.post("golang while down")
	// A new process: a new Stream with the same state.
	s2 := NewStream(h.s.c, h.s.cfg, sourceOpts())
	s2.state = state
	if err := s2.SetKeywords(context.Background(), []string{"golang"}); err != nil {
		t.Fatal(err)
	}
	h.s = s2
	h.start()
	eventually(t, "missed post", func() bool { return slices.Contains(h.ids(), missed) })
	time.Sleep(50 * time.Millisecond)
	// since_id keeps the first post, delivered before the restart, out.
	if got := h.ids(); !slices.Equal(got, []string{first, missed}) {
		t.Errorf("delivered %q, want %q", got, []string{first, missed})
	}
}

func TestSinkErrorEndsRun(t *testing.T) {
	h := newHarness(t, Config{}, testToken)
	_ = h.s.SetKeywords(context.Background(), []string{"golang"})
	boom := errors.New("boom")
	done := make(chan error, 1)
	go func() {
		done <- h.s.Run(context.Background(), func(context.Context, []post.Post) error { return boom })
	}()
	eventually(t, "connection", func() bool { return h.fake.Connected() })
	h.post("golang")
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return the sink's error")
	}
	noLeaks(t)
}
