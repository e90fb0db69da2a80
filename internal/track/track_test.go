package track

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/stats"
	"github.com/tsaproject/tsa/internal/track/match"
)

// t0 is the fake clock's time: windows start at t0 truncated to 3 s.
var t0 = time.Date(2026, 3, 1, 12, 0, 1, 234e6, time.UTC)

type harness struct {
	e   *Engine
	src *fakeSource
	out *collector
}

func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	h := &harness{src: newFakeSource(), out: &collector{}}
	cfg := Config{
		OpenStream: h.src.open,
		Analyzer:   fakeAnalyzer{},
		Publisher:  h.out,
		Posts:      h.out,
		Now:        func() time.Time { return t0 },
		RetryMin:   10 * time.Millisecond,
		RetryMax:   40 * time.Millisecond,
		Grace:      time.Hour,
	}
	if mod != nil {
		mod(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.e = e
	t.Cleanup(e.Close)
	return h
}

func (h *harness) subscribe(t *testing.T, tenant, sub string, kws ...string) {
	t.Helper()
	if _, err := h.e.Subscribe(tenant, sub, kws); err != nil {
		t.Fatal(err)
	}
}

// windowsByKey indexes windows by tenant/keyword.
func windowsByKey(ws []Window) map[string]Window {
	m := map[string]Window{}
	for _, w := range ws {
		m[w.Tenant+"/"+w.Keyword] = w
	}
	return m
}

func TestConfigErrors(t *testing.T) {
	open := func(string) (source.Stream, error) { return nil, nil }
	for _, cfg := range []Config{
		{Analyzer: fakeAnalyzer{}},
		{OpenStream: open},
		{OpenStream: open, Analyzer: fakeAnalyzer{}, Window: 100 * time.Millisecond},
		{OpenStream: open, Analyzer: fakeAnalyzer{}, Samples: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

func TestSubscribeUnionAndSetKeywords(t *testing.T) {
	h := newHarness(t, nil)
	got, err := h.e.Subscribe("acme", "ws:1", []string{"Go", "  rust ", "go", "#Zig"})
	if err != nil || !slices.Equal(got, []string{"go", "rust", "#zig"}) {
		t.Fatalf("Subscribe = %q, %v", got, err)
	}
	f := h.src.running(t, "acme")
	if sets := f.keywordSets(); len(sets) != 1 || !slices.Equal(sets[0], []string{"#zig", "go", "rust"}) {
		t.Fatalf("first SetKeywords calls: %q", sets)
	}

	steps := []struct {
		sub  string
		kws  []string // nil: unsubscribe
		want []string
	}{
		{"ws:2", []string{"rust", "python"}, []string{"#zig", "go", "python", "rust"}},
		{"ws:1", []string{"go"}, []string{"go", "python", "rust"}}, // #zig dropped, rust still ws:2's
		{"ws:2", nil, []string{"go"}},                              // unsubscribe
		{"recording:7", []string{"go"}, nil},                       // no change in the union: no call
		{"ws:1", nil, nil},                                         // recording:7 still tracks go
		{"recording:7", []string{"go", "climate change"}, []string{"climate change", "go"}},
	}
	calls := 1
	for i, s := range steps {
		if s.kws == nil {
			h.e.Unsubscribe("acme", s.sub)
		} else {
			h.subscribe(t, "acme", s.sub, s.kws...)
		}
		if s.want != nil {
			calls++
			eventually(t, fmt.Sprintf("step %d's SetKeywords", i), func() bool { return len(f.keywordSets()) >= calls })
			if got := f.keywordSets()[calls-1]; !slices.Equal(got, s.want) {
				t.Fatalf("step %d: SetKeywords(%q), want %q", i, got, s.want)
			}
		}
		time.Sleep(5 * time.Millisecond) // room for a wrong extra call
		if n := len(f.keywordSets()); n != calls {
			t.Fatalf("step %d: %d SetKeywords calls, want %d: %q", i, n, calls, f.keywordSets())
		}
		if got := h.e.Keywords("acme"); s.want != nil && !slices.Equal(got, s.want) {
			t.Fatalf("step %d: Keywords = %q", i, got)
		}
	}
	if n := h.src.count("acme"); n != 1 {
		t.Fatalf("%d streams opened, want 1 (keyword changes must not restart it)", n)
	}
}

func TestSubscribeErrors(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxKeywords = 3 })
	h.subscribe(t, "acme", "a", "one", "two")
	if _, err := h.e.Subscribe("acme", "b", []string{"ok", "bad\x00"}); !errors.Is(err, match.ErrInvalid) {
		t.Fatalf("invalid keyword: %v", err)
	}
	if _, err := h.e.Subscribe("acme", "b", []string{"three", "four"}); !errors.Is(err, ErrTooManyKeywords) {
		t.Fatalf("over the limit: %v", err)
	}
	if got := h.e.Keywords("acme"); !slices.Equal(got, []string{"one", "two"}) {
		t.Fatalf("failed subscribes changed the union: %q", got)
	}
	// Replacing within the limit works, even though the old and new sets
	// together exceed it.
	h.subscribe(t, "acme", "a", "three", "four", "five")
	if _, err := h.e.Subscribe("", "a", []string{"x"}); err == nil {
		t.Fatal("empty tenant accepted")
	}
	h.e.Close()
	if _, err := h.e.Subscribe("acme", "c", []string{"x"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestOneStreamPerTenant(t *testing.T) {
	h := newHarness(t, nil)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			for j := range 20 {
				tenant := []string{"a", "b"}[i%2]
				sub := fmt.Sprintf("ws:%d", i)
				if j%3 == 2 {
					h.e.Unsubscribe(tenant, sub)
				} else if _, err := h.e.Subscribe(tenant, sub, []string{fmt.Sprint("kw", j%5)}); err != nil {
					t.Error(err)
				}
			}
			h.subscribe(t, []string{"a", "b"}[i%2], fmt.Sprintf("ws:%d", i), "final")
		})
	}
	wg.Wait()
	for _, tenant := range []string{"a", "b"} {
		h.src.running(t, tenant)
		if n := h.src.count(tenant); n != 1 {
			t.Errorf("tenant %s: %d streams opened, want 1", tenant, n)
		}
	}
}

func TestGracePeriod(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Grace = 50 * time.Millisecond })
	h.subscribe(t, "acme", "ws:1", "go")
	first := h.src.running(t, "acme")

	// Leave and come back within the grace period: same stream.
	h.e.Unsubscribe("acme", "ws:1")
	h.subscribe(t, "acme", "ws:2", "go")
	time.Sleep(100 * time.Millisecond)
	if !first.running.Load() || h.src.count("acme") != 1 {
		t.Fatal("stream restarted within the grace period")
	}

	// Leave for good: the stream stops after the grace period.
	h.e.Unsubscribe("acme", "ws:2")
	if got := h.e.Status("acme").State; got != "connected" {
		t.Fatalf("status during grace: %q", got)
	}
	select {
	case <-first.stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("stream still running long after the grace period")
	}
	eventually(t, "stopped status", func() bool { return h.e.Status("acme").State == "stopped" })
	if st := h.e.Status("acme"); st.Reason != "no subscribers" {
		t.Fatalf("status %+v", st)
	}

	// A new subscriber starts a new stream.
	h.subscribe(t, "acme", "ws:3", "rust")
	second := h.src.running(t, "acme")
	if second == first || h.src.count("acme") != 2 {
		t.Fatal("no new stream after the tenant went idle")
	}
	if sets := second.keywordSets(); len(sets) == 0 || !slices.Equal(sets[0], []string{"rust"}) {
		t.Fatalf("new stream's keywords: %q", sets)
	}
}

// genPosts makes n posts for tenant mentioning random subsets of kws among
// filler words that match none of them, and returns, per keyword, the
// posts that mention it.
func genPosts(rng *rand.Rand, tenant string, n int, kws []string) ([]post.Post, map[string][]post.Post) {
	filler := []string{"the", "weather", "today", "is", "something", "else", "entirely", "🙂", "and,", "more."}
	forms := map[string][]string{ // ways a post may mention a keyword
		"go":             {"go", "Go", "#go", "GO!"},
		"rust":           {"rust", "Rust's", "#RUST"},
		"climate change": {"climate change", "Climate\n  Change"},
		"#zig":           {"#zig", "#Zig"},
		"quiet":          {"quiet"},
	}
	var posts []post.Post
	want := map[string][]post.Post{}
	for i := range n {
		var words []string
		var hit []string
		for _, kw := range kws {
			if kw != "quiet" && rng.IntN(3) == 0 {
				f := forms[kw]
				words = append(words, f[rng.IntN(len(f))])
				hit = append(hit, kw)
			}
		}
		for range 3 + rng.IntN(6) {
			words = append(words, filler[rng.IntN(len(filler))])
		}
		rng.Shuffle(len(words), func(a, b int) { words[a], words[b] = words[b], words[a] })
		p := post.Post{
			ID:     fmt.Sprintf("%s-%d", tenant, i),
			Source: "fake",
			Text:   strings.Join(words, " ") + fmt.Sprintf(" n%d", i),
			Author: post.Author{Handle: fmt.Sprintf("user%d", i%17)},
			URL:    fmt.Sprintf("https://example.com/%s/%d", tenant, i),
		}
		if i%11 == 0 {
			p.Lang = "xx" // unscored
		}
		posts = append(posts, p)
		for _, kw := range hit {
			want[kw] = append(want[kw], p)
		}
	}
	return posts, want
}

// expectWindow computes a window's statistics and samples directly from
// its posts: mean and population variance by definition, quartiles by
// Hyndman & Fan type 7 over polarities rounded to 1/1000, as stats
// documents.
func expectWindow(posts []post.Post, samples int) (stats.Stats, []Sample) {
	var st stats.Stats
	var xs []float64
	var pos, neg []Sample
	for _, p := range posts {
		r := fakeScore(p.Text)
		if p.Lang == "xx" {
			r = sentiment.UnscoredResult()
		}
		st.Count++
		switch r.Label {
		case sentiment.Positive:
			st.Labels.Positive++
		case sentiment.Negative:
			st.Labels.Negative++
		case sentiment.Neutral:
			st.Labels.Neutral++
		case sentiment.Mixed:
			st.Labels.Mixed++
		case sentiment.Unscored:
			st.Labels.Unscored++
			continue
		}
		xs = append(xs, r.Polarity)
		s := Sample{ID: p.ID, Text: p.Text, Author: p.Author.Handle, Label: r.Label, Score: r.Polarity, Link: p.URL}
		if r.Polarity > 0 {
			pos = append(pos, s)
		} else if r.Polarity < 0 {
			neg = append(neg, s)
		}
	}
	st.Scored = int64(len(xs))
	if len(xs) > 0 {
		var sum float64
		for _, x := range xs {
			sum += x
		}
		st.Mean = sum / float64(len(xs))
		var ss float64
		for _, x := range xs {
			ss += (x - st.Mean) * (x - st.Mean)
		}
		st.Variance = ss / float64(len(xs))
		st.StdDev = math.Sqrt(st.Variance)
		st.Min, st.Max = slices.Min(xs), slices.Max(xs)
		rounded := make([]float64, len(xs))
		for i, x := range xs {
			rounded[i] = math.Round(x * 1000)
		}
		slices.Sort(rounded)
		q := func(p float64) float64 {
			h := p * float64(len(rounded)-1)
			lo := int(math.Floor(h))
			v := rounded[lo]
			if lo+1 < len(rounded) {
				v += (h - float64(lo)) * (rounded[lo+1] - v)
			}
			return v / 1000
		}
		st.Q25, st.Median, st.Q75 = q(0.25), q(0.5), q(0.75)
	}
	// Strongest first; on a tie the earlier post.
	slices.SortStableFunc(pos, func(a, b Sample) int { return cmp.Compare(b.Score, a.Score) })
	slices.SortStableFunc(neg, func(a, b Sample) int { return cmp.Compare(a.Score, b.Score) })
	out := append(pos[:min(samples, len(pos))], neg[:min(samples, len(neg))]...)
	if len(out) == 0 {
		out = nil
	}
	return st, out
}

func sameStats(a, b stats.Stats) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9 }
	return a.Count == b.Count && a.Scored == b.Scored && a.Labels == b.Labels &&
		near(a.Mean, b.Mean) && near(a.Variance, b.Variance) && near(a.StdDev, b.StdDev) &&
		near(a.Q25, b.Q25) && near(a.Median, b.Median) && near(a.Q75, b.Q75) &&
		a.Min == b.Min && a.Max == b.Max
}

func TestWindowsMatchIndependentComputation(t *testing.T) {
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Workers = workers })
			kws := []string{"go", "rust", "climate change", "#zig", "quiet"}
			h.subscribe(t, "acme", "ws:1", kws[:3]...)
			h.subscribe(t, "acme", "recording:1", kws[2:]...)
			rng := rand.New(rand.NewPCG(1, 2))
			start := t0.Truncate(3 * time.Second)
			for win := range 3 {
				posts, want := genPosts(rng, "acme", 500+win*700, kws)
				// Batches of different sizes, so some are split in
				// chunks and some not.
				for len(posts) > 0 {
					n := min(len(posts), 1+rng.IntN(900))
					if err := h.src.push(t, "acme", posts[:n]...); err != nil {
						t.Fatal(err)
					}
					posts = posts[n:]
				}
				end := start.Add(3 * time.Second)
				h.e.Flush(context.Background(), end.Add(time.Second)) // truncated to end
				got := windowsByKey(h.out.take())
				if len(got) != len(kws) {
					t.Fatalf("window %d: %d windows, want %d", win, len(got), len(kws))
				}
				for _, kw := range kws {
					w := got["acme/"+kw]
					st, samples := expectWindow(want[kw], 3)
					if !w.Start.Equal(start) || !w.End.Equal(end) {
						t.Fatalf("%s: window [%v, %v), want [%v, %v)", kw, w.Start, w.End, start, end)
					}
					if !sameStats(w.Stats, st) {
						t.Fatalf("window %d, %q:\n got %+v\nwant %+v", win, kw, w.Stats, st)
					}
					if !slices.Equal(w.Samples, samples) {
						t.Fatalf("window %d, %q: samples\n got %+v\nwant %+v", win, kw, w.Samples, samples)
					}
				}
				if w := got["acme/quiet"]; w.Count != 0 || w.Samples != nil {
					t.Fatalf("quiet keyword: %+v", w)
				}
				start = end
			}
		})
	}
}

func TestPostSink(t *testing.T) {
	h := newHarness(t, nil)
	h.subscribe(t, "acme", "ws:1", "go", "rust", "gopher")
	posts := []post.Post{
		{ID: "1", Text: "Go and Rust"},
		{ID: "2", Text: "nothing here"},
		{ID: "3", Text: "just #go"},
		{ID: "4", Text: "no text match", Keywords: []string{"gopher", "untracked"}}, // matched upstream
	}
	if err := h.src.push(t, "acme", posts...); err != nil {
		t.Fatal(err)
	}
	got := h.out.posts["acme"]
	slices.SortFunc(got, func(a, b ScoredPost) int { return cmp.Compare(a.Post.ID, b.Post.ID) })
	wantKw := map[string][]string{"1": {"go", "rust"}, "3": {"go"}, "4": {"gopher"}}
	if len(got) != len(wantKw) {
		t.Fatalf("sink got %d posts: %+v", len(got), got)
	}
	for _, sp := range got {
		kws := slices.Sorted(slices.Values(sp.Post.Keywords))
		if !slices.Equal(kws, wantKw[sp.Post.ID]) {
			t.Errorf("post %s keywords %q, want %q", sp.Post.ID, kws, wantKw[sp.Post.ID])
		}
		if sp.Result != fakeScore(sp.Post.Text) {
			t.Errorf("post %s result %+v", sp.Post.ID, sp.Result)
		}
	}
	if posts[0].Keywords != nil {
		t.Error("the source's posts were modified")
	}

	// A failing sink fails the batch, and the posts are not counted.
	h.out.sinkErr = errors.New("disk full")
	if err := h.src.push(t, "acme", post.Post{ID: "5", Text: "go"}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("sink error not returned to the stream: %v", err)
	}
	h.e.Flush(context.Background(), t0.Add(3*time.Second))
	if w := windowsByKey(h.out.take())["acme/go"]; w.Count != 2 {
		t.Fatalf("go counted %d posts, want 2", w.Count)
	}
	m := h.e.Metrics()
	if m.PostsIn["fake"] != 0 || m.PostsIn[""] != 5 || m.PostsMatched != 4 || m.PostSinkErrors != 1 {
		t.Fatalf("metrics %+v", m)
	}
}

func TestAnalyzerFailureCountsUnscored(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Analyzer = failingAnalyzer{} })
	h.subscribe(t, "acme", "ws:1", "go")
	if err := h.src.push(t, "acme", post.Post{ID: "1", Text: "go"}, post.Post{ID: "2", Text: "go go"}); err != nil {
		t.Fatal(err)
	}
	h.e.Flush(context.Background(), t0.Add(3*time.Second))
	w := windowsByKey(h.out.take())["acme/go"]
	if w.Count != 2 || w.Labels.Unscored != 2 || w.Samples != nil {
		t.Fatalf("window %+v", w)
	}
	if m := h.e.Metrics(); m.AnalysisErrors != 2 || m.Analysis.Count != 1 {
		t.Fatalf("metrics %+v", m)
	}
}

func TestTenantIsolation(t *testing.T) {
	h := newHarness(t, nil)
	h.subscribe(t, "a", "ws:1", "go", "rust")
	h.subscribe(t, "b", "ws:2", "go")
	for i := range 10 {
		if err := h.src.push(t, "a", post.Post{ID: fmt.Sprint("a", i), Text: "go rust go"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.src.push(t, "b", post.Post{ID: "b1", Text: "rust only"}); err != nil {
		t.Fatal(err)
	}
	h.e.Flush(context.Background(), t0.Add(3*time.Second))
	got := windowsByKey(h.out.take())
	if len(got) != 3 {
		t.Fatalf("windows: %v", slices.Collect(func(yield func(string) bool) {
			for k := range got {
				yield(k)
			}
		}))
	}
	if got["a/go"].Count != 10 || got["a/rust"].Count != 10 {
		t.Fatalf("tenant a: %+v", got)
	}
	if w := got["b/go"]; w.Count != 0 || w.Samples != nil {
		t.Fatalf("tenant b's go window has tenant a's posts: %+v", w)
	}
	if _, ok := got["b/rust"]; ok {
		t.Fatal("tenant b got a window for a keyword it does not track")
	}
	for _, w := range h.e.Recent("b", "go", time.Time{}) {
		if w.Count != 0 {
			t.Fatalf("tenant b's history: %+v", w)
		}
	}
	if len(h.out.posts["b"]) != 0 || len(h.out.posts["a"]) != 10 {
		t.Fatalf("posts: a %d, b %d", len(h.out.posts["a"]), len(h.out.posts["b"]))
	}
}

func TestRecent(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.History = 10 * time.Second; c.HistorySamples = 2 }) // 4 windows of 3 s
	h.subscribe(t, "acme", "ws:1", "go")
	start := t0.Truncate(3 * time.Second)
	for i := range 6 {
		if err := h.src.push(t, "acme", post.Post{ID: fmt.Sprint(i), Text: "go " + fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		h.e.Flush(context.Background(), start.Add(time.Duration(i+1)*3*time.Second))
	}
	all := h.e.Recent("acme", "GO", time.Time{})
	if len(all) != 4 {
		t.Fatalf("%d windows in history, want 4", len(all))
	}
	for i, w := range all {
		if want := start.Add(time.Duration(i+2) * 3 * time.Second); !w.Start.Equal(want) || w.Tenant != "acme" || w.Keyword != "go" || w.Count != 1 {
			t.Fatalf("history[%d] = %+v, want start %v", i, w, want)
		}
		if hasSamples := w.Samples != nil; hasSamples != (i >= 2) {
			t.Fatalf("history[%d] samples %v; only the newest 2 keep them", i, w.Samples)
		}
	}
	if got := h.e.Recent("acme", "go", all[2].Start); len(got) != 2 {
		t.Fatalf("since the third: %d windows", len(got))
	}
	if h.e.Recent("acme", "rust", time.Time{}) != nil || h.e.Recent("nobody", "go", time.Time{}) != nil {
		t.Fatal("history for what was never tracked")
	}

	// An untracked keyword's history lasts until it is older than
	// History, then the idle tenant is forgotten.
	h.e.Unsubscribe("acme", "ws:1")
	end := start.Add(6 * 3 * time.Second)
	h.e.Flush(context.Background(), end.Add(3*time.Second))
	if len(h.e.Recent("acme", "go", time.Time{})) != 4 {
		t.Fatal("history dropped right after unsubscribe")
	}
	h.e.Flush(context.Background(), end.Add(20*time.Second))
	if h.e.Recent("acme", "go", time.Time{}) != nil {
		t.Fatal("old history of an untracked keyword kept")
	}
}

func TestStreamRestartBackoff(t *testing.T) {
	h := newHarness(t, nil) // retry 10 ms .. 40 ms
	h.src.openErr["acme"] = 4
	h.subscribe(t, "acme", "ws:1", "go")
	f := h.src.running(t, "acme")
	h.src.mu.Lock()
	opens := slices.Clone(h.src.opens["acme"])
	h.src.mu.Unlock()
	if len(opens) != 5 {
		t.Fatalf("%d opens, want 5", len(opens))
	}
	// Waits are backoff/2 .. backoff with backoff 10, 20, 40, 40 ms.
	for i, lo := range []time.Duration{5, 10, 20, 20} {
		if d := opens[i+1].Sub(opens[i]); d < lo*time.Millisecond {
			t.Errorf("retry %d after %v, want at least %v", i, d, lo*time.Millisecond)
		}
	}
	if st := h.e.Status("acme"); st.State != "connected" || st.Reconnect != 4 {
		t.Fatalf("status %+v", st)
	}

	// A failed run is retried with a new stream that gets the keywords.
	f.fail <- errors.New("connection reset")
	eventually(t, "failed status", func() bool {
		st := h.e.Status("acme")
		return st.State == "failed" && strings.Contains(st.Reason, "connection reset") || h.src.count("acme") == 2
	})
	g := h.src.running(t, "acme")
	if g == f {
		t.Fatal("no new stream")
	}
	if sets := g.keywordSets(); len(sets) != 1 || !slices.Equal(sets[0], []string{"go"}) {
		t.Fatalf("new stream's keywords %q", sets)
	}

	// The end of the input ends the stream for good.
	g.fail <- source.ErrEndOfInput
	eventually(t, "end of input", func() bool { return h.e.Status("acme").Reason == "end of input" })
	time.Sleep(100 * time.Millisecond)
	if n := h.src.count("acme"); n != 2 {
		t.Fatalf("stream reopened after the end of its input (%d streams)", n)
	}
	if m := h.e.Metrics(); m.StreamRestarts != 5 {
		t.Fatalf("restarts %d, want 5", m.StreamRestarts)
	}
}

func TestSetKeywordsRetried(t *testing.T) {
	h := newHarness(t, nil)
	h.subscribe(t, "acme", "ws:1", "go")
	f := h.src.running(t, "acme")
	f.mu.Lock()
	f.setErr = errors.New("rules API busy")
	f.mu.Unlock()
	h.subscribe(t, "acme", "ws:2", "rust")
	eventually(t, "a retry", func() bool { return len(f.keywordSets()) >= 3 })
	f.mu.Lock()
	f.setErr = nil
	f.mu.Unlock()
	eventually(t, "success", func() bool {
		sets := f.keywordSets()
		time.Sleep(60 * time.Millisecond) // past the retry cap
		return len(f.keywordSets()) == len(sets)
	})
	if sets := f.keywordSets(); !slices.Equal(sets[len(sets)-1], []string{"go", "rust"}) {
		t.Fatalf("last SetKeywords %q", sets[len(sets)-1])
	}
	if h.src.count("acme") != 1 {
		t.Fatal("a SetKeywords failure restarted the stream")
	}
}

func TestCloseFlushesPartialWindowAndLeaksNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	now := t0
	h := newHarness(t, func(c *Config) { c.Now = func() time.Time { return now } })
	for i := range 5 {
		h.subscribe(t, fmt.Sprint("t", i), "ws:1", "go")
		if err := h.src.push(t, fmt.Sprint("t", i), post.Post{ID: "1", Text: "go"}); err != nil {
			t.Fatal(err)
		}
	}
	h.subscribe(t, "t0", "ws:2", "rust")
	h.e.Unsubscribe("t1", "ws:1") // in its grace period
	now = t0.Add(time.Second)
	h.e.Close()
	ws := h.out.take()
	if len(ws) != 5 {
		t.Fatalf("%d windows at Close, want 5", len(ws))
	}
	for _, w := range ws {
		if !w.End.Equal(now) || !w.Start.Equal(t0.Truncate(3*time.Second)) {
			t.Fatalf("partial window [%v, %v)", w.Start, w.End)
		}
	}
	eventually(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

func TestRunEmitsAlignedWindows(t *testing.T) {
	src, out := newFakeSource(), &collector{}
	e, err := New(Config{OpenStream: src.open, Analyzer: fakeAnalyzer{}, Publisher: out, Window: MinWindow})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Subscribe("acme", "ws:1", []string{"go"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- e.Run(ctx) }()
	eventually(t, "three windows", func() bool {
		out.mu.Lock()
		defer out.mu.Unlock()
		return len(out.windows) >= 3
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ws := out.take()
	for i, w := range ws {
		if i > 0 && !w.Start.Equal(ws[i-1].End) {
			t.Fatalf("window %d starts at %v, the previous ended at %v", i, w.Start, ws[i-1].End)
		}
		if i > 0 && i < len(ws)-1 && (w.Start.UnixNano()%int64(MinWindow) != 0 || w.End.Sub(w.Start) != MinWindow) {
			t.Fatalf("window %d [%v, %v) not aligned to %v", i, w.Start, w.End, MinWindow)
		}
	}
	if _, err := e.Subscribe("acme", "ws:2", []string{"go"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run did not close the engine: %v", err)
	}
}

func TestStatusFromReporter(t *testing.T) {
	rs := &reportingStream{fakeStream: newFakeStream()}
	e, err := New(Config{OpenStream: func(string) (source.Stream, error) { return rs, nil }, Analyzer: fakeAnalyzer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if st := e.Status("acme"); st.State != "stopped" {
		t.Fatalf("unknown tenant: %+v", st)
	}
	if _, err := e.Subscribe("acme", "ws:1", []string{"go"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the stream's own status", func() bool { return e.Status("acme").Posts == 42 })
}

type reportingStream struct{ *fakeStream }

func (reportingStream) Status() source.Status { return source.Status{State: "connected", Posts: 42} }

// The message must be what encoding/json would write for the documented
// shape, byte for byte.
func TestWindowJSON(t *testing.T) {
	w := Window{
		Tenant: "acme", Keyword: `climate "change"`,
		Start: time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600)),
		End:   time.Date(2026, 3, 1, 11, 0, 3, 5e8, time.UTC),
		Stats: stats.Stats{
			Count: 12, Scored: 11, Mean: 0.123456789, Variance: 1e-7, StdDev: 3.1622776601683794e-4,
			Q25: -0.25, Median: 0, Q75: 0.5, Min: -1, Max: 1,
			Labels: stats.Labels{Positive: 5, Negative: 3, Neutral: 2, Mixed: 1, Unscored: 1},
		},
		Samples: []Sample{
			{ID: "1", Text: "line\nbreak \"quoted\" <b>&</b> \u2028 tab\t \x01 bad\xff é 🚀", Author: "al", Label: sentiment.Positive, Score: 0.9, Link: "https://x.com/al/1"},
			{ID: "2", Text: `back\slash`, Author: "", Label: sentiment.Negative, Score: -0.75},
		},
	}
	type sampleJSON struct {
		ID     string  `json:"id"`
		Text   string  `json:"text"`
		Author string  `json:"author"`
		Label  string  `json:"label"`
		Score  float64 `json:"score"`
		Link   string  `json:"link"`
	}
	type msg struct {
		Type     string       `json:"type"`
		Keyword  string       `json:"keyword"`
		Start    string       `json:"start"`
		End      string       `json:"end"`
		Count    int64        `json:"count"`
		Mean     float64      `json:"mean"`
		Variance float64      `json:"variance"`
		StdDev   float64      `json:"stddev"`
		Q25      float64      `json:"q25"`
		Median   float64      `json:"median"`
		Q75      float64      `json:"q75"`
		Min      float64      `json:"min"`
		Max      float64      `json:"max"`
		Labels   stats.Labels `json:"labels"`
		Samples  []sampleJSON `json:"samples"`
	}
	m := msg{Type: "window", Keyword: w.Keyword, Start: "2026-03-01T11:00:00.000Z", End: "2026-03-01T11:00:03.500Z",
		Count: w.Count, Mean: w.Mean, Variance: w.Variance, StdDev: w.StdDev, Q25: w.Q25, Median: w.Median, Q75: w.Q75,
		Min: w.Min, Max: w.Max, Labels: w.Labels}
	for _, s := range w.Samples {
		m.Samples = append(m.Samples, sampleJSON{s.ID, s.Text, s.Author, string(s.Label), s.Score, s.Link})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if got := w.AppendJSON(nil); !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON\n got %s\nwant %s", got, want)
	}
	viaMarshal, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(viaMarshal) {
		t.Fatal("json.Marshal of a Window is not valid JSON")
	}

	var back Window
	if err := json.Unmarshal(want, &back); err != nil {
		t.Fatal(err)
	}
	w.Start, w.End, w.Tenant, w.Scored = w.Start.UTC(), w.End.UTC(), "", 0
	w.Samples[0].Text = strings.ToValidUTF8(w.Samples[0].Text, "\ufffd")
	if back.Keyword != w.Keyword || !back.Start.Equal(w.Start) || !back.End.Equal(w.End) || back.Stats != w.Stats || !slices.Equal(back.Samples, w.Samples) {
		t.Fatalf("round trip\n got %+v\nwant %+v", back, w)
	}
	if err := json.Unmarshal([]byte(`{"type":"tracking"}`), &back); err == nil {
		t.Fatal("a non-window message decoded as a window")
	}

	empty := Window{Keyword: "go", Start: t0, End: t0}
	if got := string(empty.AppendJSON(nil)); !strings.Contains(got, `"samples":[]`) || !json.Valid([]byte(got)) {
		t.Fatalf("quiet window: %s", got)
	}
}

func TestSampleHeap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		h := sampleHeap{max: rng.IntN(5)}
		var all []Sample
		for i := range rng.IntN(50) {
			sp := &ScoredPost{Post: post.Post{ID: fmt.Sprint(i)}, Result: sentiment.Result{Polarity: float64(rng.IntN(10)) / 10}}
			all = append(all, Sample{ID: sp.Post.ID, Score: sp.Result.Polarity})
			h.offer(sp, sp.Result.Polarity)
		}
		slices.SortStableFunc(all, func(a, b Sample) int { return cmp.Compare(b.Score, a.Score) })
		if got, want := h.appendSorted(nil), all[:min(h.max, len(all))]; !slices.Equal(got, want) {
			t.Fatalf("kept %v, want %v", got, want)
		}
	}
}

func TestReopenKeepsSubscribers(t *testing.T) {
	h := newHarness(t, nil)
	h.e.Reopen("a") // no stream yet: nothing happens
	h.subscribe(t, "a", "ws:1", "go", "rust")
	h.src.running(t, "a")
	h.e.Reopen("a")
	eventually(t, "a second stream for a", func() bool { return h.src.count("a") == 2 })
	s := h.src.running(t, "a")
	eventually(t, "the new stream has the keywords", func() bool {
		sets := s.keywordSets()
		return len(sets) > 0 && slices.Equal(sets[len(sets)-1], []string{"go", "rust"})
	})
	if m := h.e.Metrics(); m.StreamRestarts != 0 {
		t.Errorf("a reopen counted as %d failed runs", m.StreamRestarts)
	}
}

// limitStream applies only part of a keyword set, as X does past its rule
// limits.
type limitStream struct{ *fakeStream }

func (l limitStream) SetKeywords(ctx context.Context, kws []string) error {
	_ = l.fakeStream.SetKeywords(ctx, kws[:min(len(kws), 1)])
	if len(kws) > 1 {
		return fmt.Errorf("only 1 fits: %w", source.ErrKeywordLimit)
	}
	return nil
}

func TestKeywordLimitKeepsStreaming(t *testing.T) {
	var opened atomic.Int64
	h := newHarness(t, func(c *Config) {
		c.OpenStream = func(string) (source.Stream, error) {
			opened.Add(1)
			return limitStream{newFakeStream()}, nil
		}
	})
	h.subscribe(t, "a", "ws:1", "go", "rust")
	h.subscribe(t, "a", "ws:2", "zig")
	time.Sleep(100 * time.Millisecond)
	if n := opened.Load(); n != 1 {
		t.Fatalf("stream opened %d times; a partial keyword set must not restart it", n)
	}
	if m := h.e.Metrics(); m.StreamRestarts != 0 {
		t.Errorf("%d restarts", m.StreamRestarts)
	}
}
