package recorder

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/coord/mem"
	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/stats"
	"github.com/tsaproject/tsa/internal/store"
	"github.com/tsaproject/tsa/internal/track"
)

// fakeStore keeps recordings and written rows in memory.
type fakeStore struct {
	mu    sync.Mutex
	recs  map[string]store.Recording
	posts map[string]store.RecordedPost // by recording/source/id: writes are idempotent
	wins  []store.RecordedWindow
}

func (f *fakeStore) DueRecordings(_ context.Context, now time.Time) ([]store.Recording, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Recording
	for _, r := range f.recs {
		if (r.Status == store.StatusScheduled && !r.Start.After(now)) || (r.Status == store.StatusRecording && !r.End.After(now)) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeStore) ActiveRecordings(context.Context) ([]store.Recording, error) { return nil, nil }

func (f *fakeStore) GetRecording(_ context.Context, tenant, id string) (store.Recording, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.recs[id]
	if !ok || r.TenantID != tenant {
		return store.Recording{}, store.ErrNotFound
	}
	return r, nil
}

func (f *fakeStore) SetRecordingStatus(_ context.Context, _, id string, s store.RecordingStatus) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.recs[id]
	r.Status = s
	f.recs[id] = r
	return nil
}

func (f *fakeStore) AddRecordingWindows(_ context.Context, w []store.RecordedWindow) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.wins = append(f.wins, w...)
	return nil
}

func (f *fakeStore) AddRecordingPosts(_ context.Context, ps []store.RecordedPost) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range ps {
		f.posts[p.RecordingID+"/"+p.Post.Key()] = p
	}
	return nil
}

func (f *fakeStore) status(id string) store.RecordingStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.recs[id].Status
}

type fakeTracker struct {
	mu   sync.Mutex
	subs map[string][]string
}

func (t *fakeTracker) Subscribe(tenant, sub string, kws []string) ([]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.subs[tenant+"/"+sub] = kws
	return kws, nil
}

func (t *fakeTracker) Unsubscribe(tenant, sub string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.subs, tenant+"/"+sub)
}

func (t *fakeTracker) has(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.subs[key]
	return ok
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRecordingLifecycle(t *testing.T) {
	now := time.Now().UTC()
	rec := store.Recording{ID: "r1", TenantID: "a", Keywords: []string{"go"}, Start: now.Add(-time.Second), End: now.Add(time.Hour), Status: store.StatusScheduled}
	st := &fakeStore{recs: map[string]store.Recording{"r1": rec}, posts: map[string]store.RecordedPost{}}
	tr := &fakeTracker{subs: map[string][]string{}}
	co := mem.New(0)
	defer co.Close()
	topic := func(tenant, kw string) string { return tenant + ":" + kw }
	var clock sync.Mutex
	cur := now
	r := New(Config{Store: st, Tracker: tr, PubSub: co, Topic: topic, Tick: 10 * time.Millisecond, Flush: 10 * time.Millisecond,
		Now: func() time.Time { clock.Lock(); defer clock.Unlock(); return cur }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()

	eventually(t, "recording started and tracked", func() bool { return st.status("r1") == store.StatusRecording && tr.has("a/recording:r1") })
	mk := func(id, tenant string, at time.Time, kws ...string) track.ScoredPost {
		return track.ScoredPost{Post: post.Post{ID: id, Source: "synth", Text: "go", CreatedAt: at, Keywords: kws},
			Result: sentiment.Result{Label: sentiment.Positive, Positive: 1, Polarity: 0.5}}
	}
	_ = r.Posts(ctx, "a", []track.ScoredPost{
		mk("1", "a", now, "go"),
		mk("2", "a", now, "rust"),                     // another keyword
		mk("3", "a", now.Add(-time.Minute), "go"),     // before the start
		mk("1", "a", now, "go"),                       // a redelivery
		mk("4", "a", now.Add(time.Second), "go", "x"), // keeps only the recording's keyword
	})
	_ = r.Posts(ctx, "b", []track.ScoredPost{mk("9", "b", now, "go")}) // another tenant
	w := track.Window{Tenant: "a", Keyword: "go", Start: now.Truncate(3 * time.Second), End: now.Truncate(3 * time.Second).Add(3 * time.Second),
		Stats: stats.Stats{Count: 2, Mean: 0.5, Labels: stats.Labels{Positive: 2}}}
	if err := co.Publish(ctx, topic("a", "go"), w.AppendJSON(nil)); err != nil {
		t.Fatal(err)
	}
	_ = co.Publish(ctx, topic("b", "go"), w.AppendJSON(nil)) // no recording there
	eventually(t, "posts and the window written", func() bool {
		st.mu.Lock()
		defer st.mu.Unlock()
		return len(st.posts) == 2 && len(st.wins) == 1
	})
	st.mu.Lock()
	if p := st.posts["r1/synth:4"]; !slices.Equal(p.Post.Keywords, []string{"go"}) {
		t.Errorf("post 4 keywords %v", p.Post.Keywords)
	}
	if w := st.wins[0]; w.Stats.Count != 2 || w.Stats.Scored != 2 || string(w.Samples) != "[]" {
		t.Errorf("window %+v", w)
	}
	st.mu.Unlock()

	clock.Lock()
	cur = now.Add(2 * time.Hour)
	clock.Unlock()
	eventually(t, "recording done and untracked", func() bool { return st.status("r1") == store.StatusDone && !tr.has("a/recording:r1") })
	cancel()
	<-done
}
