// Package recorder captures scheduled recordings: it starts and stops them on
// time, keeps their keywords tracked while they run, and writes every window
// and matched post of their keywords to the store in batches. A clean stop
// writes everything it holds; a crash loses at most one flush interval.
package recorder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tsaproject/tsa/internal/coord"
	"github.com/tsaproject/tsa/internal/store"
	"github.com/tsaproject/tsa/internal/track"
)

// Tracker keeps keywords tracked for a subscriber.
type Tracker interface {
	Subscribe(tenant, subscriber string, keywords []string) ([]string, error)
	Unsubscribe(tenant, subscriber string)
}

// Store is what the recorder needs of storage.
type Store interface {
	DueRecordings(ctx context.Context, now time.Time) ([]store.Recording, error)
	ActiveRecordings(ctx context.Context) ([]store.Recording, error)
	GetRecording(ctx context.Context, tenantID, id string) (store.Recording, error)
	SetRecordingStatus(ctx context.Context, tenantID, id string, status store.RecordingStatus) error
	AddRecordingWindows(ctx context.Context, windows []store.RecordedWindow) error
	AddRecordingPosts(ctx context.Context, posts []store.RecordedPost) error
}

// Config wires a recorder.
type Config struct {
	Store   Store
	Tracker Tracker
	PubSub  coord.PubSub
	// Topic names the pub/sub topic of a tenant's keyword windows.
	Topic  func(tenant, keyword string) string
	Logger *slog.Logger
	// Tick is how often schedules are checked (default 1 s).
	Tick time.Duration
	// Flush is how often buffered rows are written (default 500 ms).
	Flush time.Duration
	// MaxBuffer bounds buffered posts; beyond it a flush is forced
	// (default 50,000).
	MaxBuffer int
	Now       func() time.Time
	// OnWrite observes each store write's duration (metrics); may be nil.
	OnWrite func(kind string, rows int, d time.Duration, err error)
}

// Recorder runs recordings.
type Recorder struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	active map[string]*active   // by recording id
	byTen  map[string][]*active // by tenant
	posts  []store.RecordedPost
	wins   []store.RecordedWindow
	kick   chan struct{}
	sub    coord.Subscription
	topics map[string]int // topic -> recordings using it
}

type active struct {
	rec      store.Recording
	keywords map[string]struct{}
}

// New returns a recorder; Run starts it.
func New(cfg Config) *Recorder {
	if cfg.Tick <= 0 {
		cfg.Tick = time.Second
	}
	if cfg.Flush <= 0 {
		cfg.Flush = 500 * time.Millisecond
	}
	if cfg.MaxBuffer <= 0 {
		cfg.MaxBuffer = 50000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Recorder{
		cfg: cfg, log: cfg.Logger,
		active: map[string]*active{}, byTen: map[string][]*active{},
		kick: make(chan struct{}, 1), topics: map[string]int{},
	}
}

// SetTracker sets the tracker after New (the tracker may need the recorder
// as its post sink); call it before Run.
func (r *Recorder) SetTracker(t Tracker) { r.cfg.Tracker = t }

// Subscriber is the tracking subscriber id of a recording.
func Subscriber(recordingID string) string { return "recording:" + recordingID }

// Run resumes the recordings that were running, then follows the schedule
// until ctx ends; it writes everything buffered before it returns.
func (r *Recorder) Run(ctx context.Context) error {
	sub, err := r.cfg.PubSub.Subscribe(ctx)
	if err != nil {
		return fmt.Errorf("recorder: subscribe: %w", err)
	}
	r.mu.Lock()
	r.sub = sub
	r.mu.Unlock()
	defer sub.Close()

	running, err := r.cfg.Store.ActiveRecordings(ctx)
	if err != nil {
		return fmt.Errorf("recorder: active recordings: %w", err)
	}
	for _, rec := range running {
		r.start(ctx, rec, true)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.readWindows(ctx, sub)
	}()

	tick := time.NewTicker(r.cfg.Tick)
	defer tick.Stop()
	flush := time.NewTicker(r.cfg.Flush)
	defer flush.Stop()
	r.schedule(ctx)
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			// Write what is left with a fresh context: shutdown must not lose it.
			fctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r.flush(fctx)
			r.mu.Lock()
			for _, a := range r.active {
				r.cfg.Tracker.Unsubscribe(a.rec.TenantID, Subscriber(a.rec.ID))
			}
			r.mu.Unlock()
			return nil
		case <-tick.C:
			r.schedule(ctx)
		case <-flush.C:
			r.flush(ctx)
		case <-r.kick:
			r.flush(ctx)
		}
	}
}

// schedule starts due recordings and finishes ended ones.
func (r *Recorder) schedule(ctx context.Context) {
	now := r.cfg.Now()
	due, err := r.cfg.Store.DueRecordings(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error("recorder: due recordings", slog.Any("err", err))
		}
		return
	}
	for _, rec := range due {
		switch {
		case rec.Status == store.StatusScheduled && rec.End.After(now):
			if err := r.cfg.Store.SetRecordingStatus(ctx, rec.TenantID, rec.ID, store.StatusRecording); err != nil {
				r.log.Error("recorder: start", slog.String("recording", rec.ID), slog.Any("err", err))
				continue
			}
			rec.Status = store.StatusRecording
			r.start(ctx, rec, false)
		default: // ended (or scheduled with its whole span already past)
			r.finish(ctx, rec)
		}
	}
	// A recording deleted or cancelled while running stops being captured.
	r.mu.Lock()
	ids := make([]*active, 0, len(r.active))
	for _, a := range r.active {
		ids = append(ids, a)
	}
	r.mu.Unlock()
	for _, a := range ids {
		cur, err := r.cfg.Store.GetRecording(ctx, a.rec.TenantID, a.rec.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && cur.Status != store.StatusRecording) {
			r.stop(ctx, a.rec.ID)
		}
	}
}

func (r *Recorder) start(ctx context.Context, rec store.Recording, resumed bool) {
	kws, err := r.cfg.Tracker.Subscribe(rec.TenantID, Subscriber(rec.ID), rec.Keywords)
	if err != nil {
		r.log.Error("recorder: track keywords", slog.String("recording", rec.ID), slog.Any("err", err))
		return
	}
	a := &active{rec: rec, keywords: map[string]struct{}{}}
	var topics []string
	r.mu.Lock()
	if _, dup := r.active[rec.ID]; dup {
		r.mu.Unlock()
		return
	}
	for _, k := range kws {
		a.keywords[k] = struct{}{}
		t := r.cfg.Topic(rec.TenantID, k)
		if r.topics[t] == 0 {
			topics = append(topics, t)
		}
		r.topics[t]++
	}
	r.active[rec.ID] = a
	r.byTen[rec.TenantID] = append(r.byTen[rec.TenantID], a)
	sub := r.sub
	r.mu.Unlock()
	if len(topics) > 0 {
		if err := sub.Add(ctx, topics...); err != nil {
			r.log.Error("recorder: subscribe windows", slog.String("recording", rec.ID), slog.Any("err", err))
		}
	}
	r.log.Info("recording started", slog.String("recording", rec.ID), slog.String("tenant", rec.TenantID),
		slog.Any("keywords", kws), slog.Bool("resumed", resumed))
}

// stop ends capturing a recording (its buffered rows are still written).
func (r *Recorder) stop(ctx context.Context, id string) {
	r.mu.Lock()
	a, ok := r.active[id]
	if !ok {
		r.mu.Unlock()
		return
	}
	delete(r.active, id)
	list := r.byTen[a.rec.TenantID]
	list = slices.DeleteFunc(list, func(x *active) bool { return x == a })
	if len(list) == 0 {
		delete(r.byTen, a.rec.TenantID)
	} else {
		r.byTen[a.rec.TenantID] = list
	}
	var gone []string
	for k := range a.keywords {
		t := r.cfg.Topic(a.rec.TenantID, k)
		if r.topics[t]--; r.topics[t] <= 0 {
			delete(r.topics, t)
			gone = append(gone, t)
		}
	}
	sub := r.sub
	r.mu.Unlock()
	if len(gone) > 0 {
		_ = sub.Remove(ctx, gone...)
	}
	r.cfg.Tracker.Unsubscribe(a.rec.TenantID, Subscriber(id))
}

func (r *Recorder) finish(ctx context.Context, rec store.Recording) {
	r.stop(ctx, rec.ID)
	// Write its last rows before it is marked done, so a finished
	// recording is complete when a user opens it.
	r.flush(ctx)
	if err := r.cfg.Store.SetRecordingStatus(ctx, rec.TenantID, rec.ID, store.StatusDone); err != nil {
		r.log.Error("recorder: finish", slog.String("recording", rec.ID), slog.Any("err", err))
		return
	}
	r.log.Info("recording done", slog.String("recording", rec.ID), slog.String("tenant", rec.TenantID))
}

// Posts takes a tenant's matched posts and keeps those that belong to a
// running recording. It never blocks on the store.
func (r *Recorder) Posts(_ context.Context, tenant string, posts []track.ScoredPost) error {
	r.mu.Lock()
	recs := r.byTen[tenant]
	if len(recs) == 0 {
		r.mu.Unlock()
		return nil
	}
	for i := range posts {
		p := &posts[i]
		for _, a := range recs {
			if p.Post.CreatedAt.Before(a.rec.Start) || !p.Post.CreatedAt.Before(a.rec.End) {
				continue
			}
			var kws []string
			for _, k := range p.Post.Keywords {
				if _, ok := a.keywords[k]; ok {
					kws = append(kws, k)
				}
			}
			if len(kws) == 0 {
				continue
			}
			cp := p.Post
			cp.Keywords = kws
			r.posts = append(r.posts, store.RecordedPost{TenantID: tenant, RecordingID: a.rec.ID, Post: cp, Result: p.Result})
		}
	}
	full := len(r.posts) >= r.cfg.MaxBuffer
	r.mu.Unlock()
	if full {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

func (r *Recorder) readWindows(ctx context.Context, sub coord.Subscription) {
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-sub.C():
			if !ok {
				return
			}
			var w track.Window
			if err := json.Unmarshal(m.Payload, &w); err != nil {
				r.log.Warn("recorder: unreadable window message", slog.String("topic", m.Topic), slog.Any("err", err))
				continue
			}
			r.addWindow(m.Topic, &w)
		}
	}
}

func (r *Recorder) addWindow(topic string, w *track.Window) {
	st := w.Stats
	st.Scored = st.Count - st.Labels.Unscored // the message does not carry it
	samples, err := json.Marshal(w.Samples)
	if err != nil || w.Samples == nil {
		samples = []byte("[]")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.active {
		if _, ok := a.keywords[w.Keyword]; !ok || r.cfg.Topic(a.rec.TenantID, w.Keyword) != topic {
			continue
		}
		// A window belongs to a recording when it overlaps its span.
		if !w.End.After(a.rec.Start) || !w.Start.Before(a.rec.End) {
			continue
		}
		r.wins = append(r.wins, store.RecordedWindow{TenantID: a.rec.TenantID, RecordingID: a.rec.ID,
			Keyword: w.Keyword, Start: w.Start, End: w.End, Stats: st, Samples: samples})
	}
}

// flush writes the buffered rows. On a store error the rows are kept and
// retried at the next flush (the writes are idempotent).
func (r *Recorder) flush(ctx context.Context) {
	r.mu.Lock()
	posts, wins := r.posts, r.wins
	r.posts, r.wins = nil, nil
	r.mu.Unlock()
	if len(wins) > 0 {
		t := time.Now()
		err := r.cfg.Store.AddRecordingWindows(ctx, wins)
		r.observe("windows", len(wins), time.Since(t), err)
		if err != nil {
			r.requeue(nil, wins)
			wins = nil
		}
	}
	if len(posts) > 0 {
		t := time.Now()
		err := r.cfg.Store.AddRecordingPosts(ctx, posts)
		r.observe("posts", len(posts), time.Since(t), err)
		if err != nil {
			r.requeue(posts, nil)
		}
	}
}

func (r *Recorder) requeue(posts []store.RecordedPost, wins []store.RecordedWindow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.posts = append(posts, r.posts...)
	r.wins = append(wins, r.wins...)
}

func (r *Recorder) observe(kind string, n int, d time.Duration, err error) {
	if err != nil {
		r.log.Error("recorder: write", slog.String("kind", kind), slog.Int("rows", n), slog.Any("err", err))
	}
	if r.cfg.OnWrite != nil {
		r.cfg.OnWrite(kind, n, d, err)
	}
}
