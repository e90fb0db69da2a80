package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/source/synth"
	"github.com/tsaproject/tsa/internal/track/match"
)

// testServer is a `tsa serve` running in this process on a free port.
type testServer struct {
	base, addr, token, data string
	stop                    func()
	stderr                  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServer(t *testing.T, data string, args ...string) *testServer {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: stderr, getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, e, append([]string{"serve", "--addr", addr, "--data", data, "--analyzer", "vader"}, args...))
	}()
	ts := &testServer{base: "http://" + addr, addr: addr, data: data, stderr: stderr}
	var once sync.Once
	ts.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("serve exited %d:\n%s", code, stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Errorf("serve did not stop within 30s")
			}
		})
	}
	t.Cleanup(ts.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(ts.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	tok, err := os.ReadFile(filepath.Join(data, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	ts.token = strings.TrimSpace(string(tok))
	return ts
}

// call makes an API request and decodes a JSON answer into out (if not nil).
func (ts *testServer) call(t *testing.T, token, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, ts.base+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

func (ts *testServer) dial(t *testing.T, ctx context.Context, token string) *websocket.Conn {
	t.Helper()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	c, resp, err := websocket.Dial(ctx, "ws://"+ts.addr+"/ws", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("dial: %v (status %d)", err, code)
	}
	c.SetReadLimit(16 << 20)
	return c
}

type wsMsg struct {
	Type     string            `json:"type"`
	Keyword  string            `json:"keyword"`
	Keywords []string          `json:"keywords"`
	Code     string            `json:"code"`
	Message  string            `json:"message"`
	Start    time.Time         `json:"start"`
	End      time.Time         `json:"end"`
	Count    int64             `json:"count"`
	Mean     float64           `json:"mean"`
	Q25      float64           `json:"q25"`
	Median   float64           `json:"median"`
	Q75      float64           `json:"q75"`
	Min      float64           `json:"min"`
	Max      float64           `json:"max"`
	Labels   map[string]int64  `json:"labels"`
	Windows  []json.RawMessage `json:"windows"`
	Samples  []json.RawMessage `json:"samples"`
}

func send(t *testing.T, ctx context.Context, c *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatalf("ws write: %v", err)
	}
}

func recvMsg(t *testing.T, ctx context.Context, c *websocket.Conn) wsMsg {
	t.Helper()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("ws read: %v", err)
	}
	var m wsMsg
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("ws message %q: %v", data, err)
	}
	return m
}

// writePosts writes deterministic synthetic posts about the keywords as a
// JSONL file the file:// source replays, and returns them.
func writePosts(t *testing.T, path string, seed uint64, n int, keywords []string) []post.Post {
	t.Helper()
	opt := synth.DefaultOptions()
	opt.Share = 0.5
	g := synth.NewGenerator(seed, opt)
	g.SetKeywords(keywords)
	var buf bytes.Buffer
	posts := make([]post.Post, n)
	for i := range posts {
		g.Next(&posts[i])
		b, err := json.Marshal(posts[i])
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return posts
}

// expected computes, independently of the server, what windows of keyword
// must add up to: the matching posts, their labels and polarities.
func expected(t *testing.T, posts []post.Post, keyword string) (labels map[string]int64, pols []float64) {
	t.Helper()
	a, err := sentiment.Open("vader")
	if err != nil {
		t.Fatal(err)
	}
	m := match.New([]string{keyword})
	labels = map[string]int64{}
	for _, p := range posts {
		if len(m.Match(p.Text, nil)) == 0 {
			continue
		}
		r, err := sentiment.Run(context.Background(), a, sentiment.Doc{Text: p.Text, Lang: p.Lang})
		if err != nil {
			t.Fatal(err)
		}
		labels[string(r.Label)]++
		if r.Label != sentiment.Unscored {
			pols = append(pols, r.Polarity)
		}
	}
	return labels, pols
}

func TestLiveWindowsMatchIndependentComputation(t *testing.T) {
	dir := t.TempDir()
	keywords := []string{"golang", "#rust"}
	posts := writePosts(t, filepath.Join(dir, "posts.jsonl"), 7, 3000, keywords)
	ts := startServer(t, filepath.Join(dir, "data"), "--window", "250ms",
		"--source", "file://"+filepath.Join(dir, "posts.jsonl")+"?speed=max")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := ts.dial(t, ctx, ts.token)
	defer c.CloseNow()
	send(t, ctx, c, map[string]any{"type": "track", "keywords": []string{"Golang", "#rust"}})
	m := recvMsg(t, ctx, c)
	if m.Type != "tracking" || !slices.Equal(m.Keywords, []string{"golang", "#rust"}) {
		t.Fatalf("tracking reply: %+v", m)
	}
	for _, kw := range keywords {
		wantLabels, pols := expected(t, posts, kw)
		if len(pols) < 50 {
			t.Fatalf("%s: only %d matching posts; the test needs more", kw, len(pols))
		}
		_ = wantLabels
	}
	// Collect windows until every expected post is counted.
	got := map[string][]wsMsg{}
	want := map[string]int64{}
	for _, kw := range keywords {
		l, _ := expected(t, posts, kw)
		for _, n := range l {
			want[kw] += n
		}
	}
	sum := func(kw string) (n int64) {
		for _, w := range got[kw] {
			n += w.Count
		}
		return n
	}
	for sum(keywords[0]) < want[keywords[0]] || sum(keywords[1]) < want[keywords[1]] {
		m := recvMsg(t, ctx, c)
		switch m.Type {
		case "window":
			got[m.Keyword] = append(got[m.Keyword], m)
		case "history":
			for _, raw := range m.Windows {
				var w wsMsg
				_ = json.Unmarshal(raw, &w)
				got[w.Keyword] = append(got[w.Keyword], w)
			}
		}
	}
	for _, kw := range keywords {
		wantLabels, pols := expected(t, posts, kw)
		var n int64
		labels := map[string]int64{}
		var weighted float64
		var scored int64
		var nonEmpty []wsMsg
		for _, w := range got[kw] {
			n += w.Count
			for k, v := range w.Labels {
				labels[k] += v
			}
			s := w.Count - w.Labels["unscored"]
			weighted += w.Mean * float64(s)
			scored += s
			if w.Count > 0 {
				nonEmpty = append(nonEmpty, w)
			}
		}
		if n != want[kw] {
			t.Errorf("%s: windows counted %d posts, want %d", kw, n, want[kw])
		}
		for k, v := range wantLabels {
			if labels[k] != v {
				t.Errorf("%s: label %s counted %d, want %d", kw, k, labels[k], v)
			}
		}
		var sumPol float64
		for _, p := range pols {
			sumPol += p
		}
		if scored != int64(len(pols)) || math.Abs(weighted-sumPol) > 1e-6 {
			t.Errorf("%s: scored %d (want %d), polarity sum %v (want %v)", kw, scored, len(pols), weighted, sumPol)
		}
		if len(nonEmpty) == 1 {
			// The whole replay fell into one window: check its quartiles too.
			w := nonEmpty[0]
			slices.Sort(pols)
			q := func(p float64) float64 {
				r := make([]float64, len(pols))
				for i, x := range pols {
					r[i] = math.Round(x*1000) / 1000
				}
				h := p * float64(len(r)-1)
				lo := int(math.Floor(h))
				if lo+1 >= len(r) {
					return r[lo]
				}
				return r[lo] + (h-float64(lo))*(r[lo+1]-r[lo])
			}
			if math.Abs(w.Q25-q(0.25)) > 1e-9 || math.Abs(w.Median-q(0.5)) > 1e-9 || math.Abs(w.Q75-q(0.75)) > 1e-9 ||
				w.Min != pols[0] || w.Max != pols[len(pols)-1] {
				t.Errorf("%s: quartiles %v/%v/%v min %v max %v, want %v/%v/%v %v %v", kw, w.Q25, w.Median, w.Q75, w.Min, w.Max,
					q(0.25), q(0.5), q(0.75), pols[0], pols[len(pols)-1])
			}
		}
	}
	// Quiet keywords still get timer-driven windows with count 0.
	send(t, ctx, c, map[string]any{"type": "track", "keywords": []string{"nothing-matches-this"}})
	for {
		m := recvMsg(t, ctx, c)
		if m.Type == "window" && m.Keyword == "nothing-matches-this" {
			if m.Count != 0 {
				t.Errorf("quiet keyword window: %+v", m)
			}
			break
		}
	}
}

func TestTenantIsolation(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, filepath.Join(dir, "data"), "--window", "250ms", "--source", "synth://?rate=2000&seed=3&share=0.5")
	var tenB struct{ ID string }
	if code := ts.call(t, ts.token, "POST", "/api/admin/tenants", map[string]string{"name": "beta", "source_url": "synth://?rate=2000&seed=9"}, &tenB); code != 201 {
		t.Fatalf("create tenant: %d", code)
	}
	var tokB struct{ Token string }
	if code := ts.call(t, ts.token, "POST", "/api/admin/tenants/"+tenB.ID+"/tokens", map[string]string{"name": "b"}, &tokB); code != 201 {
		t.Fatalf("create token: %d", code)
	}
	// A's recording is invisible and untouchable for B.
	var rec struct{ ID string }
	start := time.Now().Add(time.Hour)
	if code := ts.call(t, ts.token, "POST", "/api/recordings", map[string]any{"keywords": []string{"golang"}, "start": start, "end": start.Add(time.Hour)}, &rec); code != 201 {
		t.Fatalf("create recording: %d", code)
	}
	for _, p := range []struct{ method, path string }{
		{"GET", "/api/recordings/" + rec.ID}, {"GET", "/api/recordings/" + rec.ID + "/posts"}, {"DELETE", "/api/recordings/" + rec.ID},
	} {
		if code := ts.call(t, tokB.Token, p.method, p.path, nil, nil); code != 404 {
			t.Errorf("B %s %s: %d, want 404", p.method, p.path, code)
		}
	}
	var list struct{ Recordings []any }
	ts.call(t, tokB.Token, "GET", "/api/recordings", nil, &list)
	if len(list.Recordings) != 0 {
		t.Errorf("B lists A's recordings: %v", list.Recordings)
	}
	// B is not an admin, and sees only its own logs (the server logs to A).
	if code := ts.call(t, tokB.Token, "GET", "/api/admin/tenants", nil, nil); code != 403 {
		t.Errorf("B on the admin API: %d", code)
	}
	var logsA, logsB struct{ Logs []any }
	for deadline := time.Now().Add(10 * time.Second); len(logsA.Logs) == 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond) // logs reach the store in batches
		ts.call(t, ts.token, "GET", "/api/logs", nil, &logsA)
	}
	ts.call(t, tokB.Token, "GET", "/api/logs", nil, &logsB)
	if len(logsA.Logs) == 0 || len(logsB.Logs) != 0 {
		t.Errorf("logs: A sees %d, B sees %d (want >0 and 0)", len(logsA.Logs), len(logsB.Logs))
	}
	// Both track the same keyword; each gets windows of its own stream only.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ca, cb := ts.dial(t, ctx, ts.token), ts.dial(t, ctx, tokB.Token)
	defer ca.CloseNow()
	defer cb.CloseNow()
	send(t, ctx, ca, map[string]any{"type": "track", "keywords": []string{"golang"}})
	// B tracks nothing A tracks except through its own stream, whose
	// generator writes about B's keywords only: "golang" for A.
	send(t, ctx, cb, map[string]any{"type": "track", "keywords": []string{"kotlin"}})
	seenA, seenB := 0, 0
	for seenA < 3 || seenB < 3 {
		select {
		case <-ctx.Done():
			t.Fatal("timed out waiting for windows")
		default:
		}
		if m := recvMsg(t, ctx, cb); m.Type == "window" {
			if m.Keyword != "kotlin" {
				t.Fatalf("B got a window for %q", m.Keyword)
			}
			seenB++
		}
		if m := recvMsg(t, ctx, ca); m.Type == "window" {
			if m.Keyword != "golang" {
				t.Fatalf("A got a window for %q", m.Keyword)
			}
			seenA++
		}
	}
}

func TestRecordingSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	args := []string{"--window", "250ms", "--source", "synth://?rate=1000&seed=5&share=0.5"}
	ts := startServer(t, data, args...)
	start := time.Now().Add(500 * time.Millisecond)
	end := start.Add(4 * time.Second)
	var rec struct {
		ID     string
		Status string
	}
	if code := ts.call(t, ts.token, "POST", "/api/recordings", map[string]any{"keywords": []string{"coffee"}, "start": start, "end": end}, &rec); code != 201 {
		t.Fatalf("create recording: %d", code)
	}
	time.Sleep(time.Until(start) + 1500*time.Millisecond)
	ts.stop()
	token := ts.token
	ts = startServer(t, data, args...)
	if ts.token != token {
		t.Fatal("admin token changed across restart")
	}
	deadline := time.Now().Add(30 * time.Second)
	var got struct {
		Recording struct{ Status string }
		Windows   []struct {
			Keyword string
			Start   time.Time
			Count   int64
		}
	}
	for {
		ts.call(t, token, "GET", "/api/recordings/"+rec.ID, nil, &got)
		if got.Recording.Status == "done" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("recording not done: %+v", got.Recording)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(got.Windows) < 6 {
		t.Errorf("only %d windows recorded across the restart", len(got.Windows))
	}
	var total int64
	for _, w := range got.Windows {
		total += w.Count
	}
	var page struct {
		Posts []struct{ ID, Label string }
		Next  string
	}
	ts.call(t, token, "GET", "/api/recordings/"+rec.ID+"/posts?limit=1000", nil, &page)
	ids := map[string]bool{}
	for _, p := range page.Posts {
		if ids[p.ID] {
			t.Errorf("post %s recorded twice", p.ID)
		}
		ids[p.ID] = true
	}
	if len(page.Posts) == 0 || total == 0 {
		t.Errorf("recorded %d posts and %d in windows", len(page.Posts), total)
	}
	req, _ := http.NewRequest("GET", ts.base+"/api/recordings/"+rec.ID+"/posts?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csvBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if lines := strings.Count(string(csvBody), "\n"); resp.StatusCode != 200 || lines < len(page.Posts)+1 {
		t.Errorf("csv: status %d, %d lines for %d posts", resp.StatusCode, lines, len(page.Posts))
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, filepath.Join(dir, "data"))
	huge := `{"keywords":["` + strings.Repeat("a", 2<<20) + `"]}`
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name, method, path string
		body               any
		token              string
		want               int
	}{
		{"no token", "GET", "/api/recordings", nil, "-", 401},
		{"bad token", "GET", "/api/recordings", nil, "tsa_nope", 401},
		{"malformed json", "POST", "/api/recordings", `{"keywords":`, "", 400},
		{"unknown field", "POST", "/api/recordings", `{"keywords":["a"],"start":"` + future + `","end":"` + future + `","x":1}`, "", 400},
		{"invalid utf8", "POST", "/api/recordings", []byte("{\"keywords\":[\"\xff\"]}"), "", 400},
		{"huge body", "POST", "/api/recordings", huge, "", 413},
		{"two values", "POST", "/api/tokens", `{"name":"a"}{"name":"b"}`, "", 400},
		{"no keywords", "POST", "/api/recordings", map[string]any{"keywords": []string{}, "start": future, "end": future}, "", 400},
		{"end before start", "POST", "/api/recordings", map[string]any{"keywords": []string{"a"}, "start": future, "end": time.Now().Add(30 * time.Minute)}, "", 400},
		{"start in past", "POST", "/api/recordings", map[string]any{"keywords": []string{"a"}, "start": time.Now().Add(-time.Hour), "end": time.Now().Add(time.Hour)}, "", 400},
		{"bad keyword", "POST", "/api/recordings", map[string]any{"keywords": []string{"\x01"}, "start": future, "end": time.Now().Add(2 * time.Hour)}, "", 400},
		{"bad label", "GET", "/api/recordings/x/posts?label=happy", nil, "", 400},
		{"bad level", "GET", "/api/logs?level=loud", nil, "", 400},
		{"bad since", "GET", "/api/logs?since=yesterday", nil, "", 400},
		{"unknown endpoint", "GET", "/api/nope", nil, "", 404},
		{"missing recording", "GET", "/api/recordings/nope", nil, "", 404},
		{"bad source", "PUT", "/api/tenant/source", map[string]string{"source_url": "gopher://x"}, "", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := ts.token
			switch tc.token {
			case "-":
				tok = ""
			case "":
			default:
				tok = tc.token
			}
			var e struct {
				Error struct{ Code, Message string }
			}
			code := ts.call(t, tok, tc.method, tc.path, tc.body, &e)
			if code != tc.want {
				t.Errorf("status %d, want %d", code, tc.want)
			}
			if e.Error.Message == "" {
				t.Errorf("no error message")
			}
		})
	}
	// The websocket rejects a foreign Origin, unknown types and huge messages.
	h := http.Header{}
	h.Set("Authorization", "Bearer "+ts.token)
	h.Set("Origin", "http://evil.example")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, "ws://"+ts.addr+"/ws", &websocket.DialOptions{HTTPHeader: h}); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("foreign origin accepted: %v", err)
	}
	c := ts.dial(t, ctx, ts.token)
	send(t, ctx, c, map[string]any{"type": "subscribe"})
	if m := recvMsg(t, ctx, c); m.Type != "error" || m.Code != "unknown_type" {
		t.Errorf("unknown type: %+v", m)
	}
	_ = c.Write(ctx, websocket.MessageText, []byte("not json"))
	if m := recvMsg(t, ctx, c); m.Type != "error" || m.Code != "bad_message" {
		t.Errorf("not json: %+v", m)
	}
	many := make([]string, 60)
	for i := range many {
		many[i] = fmt.Sprintf("k%d", i)
	}
	send(t, ctx, c, map[string]any{"type": "track", "keywords": many})
	if m := recvMsg(t, ctx, c); m.Type != "error" || m.Code != "too_many_keywords" {
		t.Errorf("too many keywords: %+v", m)
	}
	_ = c.Write(ctx, websocket.MessageText, []byte(huge))
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Errorf("huge message: %v", err)
	}
	// The server is still up.
	if code := ts.call(t, ts.token, "GET", "/api/recordings", nil, nil); code != 200 {
		t.Errorf("after bad input: %d", code)
	}
}
