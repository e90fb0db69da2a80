// Package track is TSA's real-time core for one process: who tracks which
// keywords, one upstream stream per tenant for the union of them, matching
// posts to keywords, scoring the matched ones and summarizing them in
// windows aligned to the wall clock.
//
// # Keywords and streams
//
// Subscribers (websocket connections, recordings as "recording:ID") each
// set a keyword list for a tenant. The tenant's tracked set is the
// reference-counted union. The first subscriber starts the tenant's stream
// (Config.OpenStream); a change of the union swaps the matcher at once and
// reaches the stream through SetKeywords, never a restart; the stream stops
// Config.Grace after the last subscriber leaves, so a reloading page does
// not drop the upstream connection. A stream whose Run fails is reopened
// with capped exponential backoff; ErrEndOfInput ends it for good (until
// the tenant goes idle and is subscribed again). At most one stream per
// tenant runs at any time: a new one waits for the old one to return.
//
// # Posts
//
// Each batch a stream delivers is split in up to Config.Workers chunks
// (never one goroutine per post); each chunk is matched (track/match) and
// its matched posts scored with one sentiment.RunBatch call. Matched posts
// carry their keywords in Post.Keywords and go to Config.Posts, then into
// the window: one lock per batch, none per post. A post is counted in the
// window in which it arrives (processing time): live curves must move when
// posts arrive, not when late ones trickle in.
//
// # Windows
//
// Every Config.Window, at multiples of it on the wall clock (Run's timer,
// or Flush in tests), every tracked keyword of every tenant gets a Window,
// count 0 when quiet: stats.Stats over the posts' polarity and a few of the
// most positive and most negative posts. Windows go to Config.Publisher and
// into a per-keyword history that Recent serves to new subscribers.
package track

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/track/match"
)

// Publisher receives every window. PublishWindow is called from the window
// timer's goroutine, once per tenant and keyword per window, and should not
// block (hand off to a hub or a queue).
type Publisher interface {
	PublishWindow(ctx context.Context, w Window) error
}

// PostSink receives the matched, scored posts of each batch before they are
// counted in windows; an error makes the batch fail, so the stream does not
// acknowledge it (the source may redeliver). The slice is reused after
// Posts returns, but not what its posts point to (strings, Keywords):
// copying the structs is enough to keep them.
type PostSink interface {
	Posts(ctx context.Context, tenant string, posts []ScoredPost) error
}

// ScoredPost is a matched post (Post.Keywords set) with its analysis.
type ScoredPost struct {
	Post   post.Post
	Result sentiment.Result
}

// Config configures an Engine. Zero values mean the defaults.
type Config struct {
	// OpenStream opens a tenant's upstream stream (typically
	// source.Open of the tenant's source spec with its credentials).
	// Required. It is called again after a failed run.
	OpenStream func(tenant string) (source.Stream, error)
	// Analyzer scores matched posts. Required.
	Analyzer sentiment.Analyzer
	// Publisher and Posts may be nil.
	Publisher Publisher
	Posts     PostSink
	Logger    *slog.Logger

	// Window is the window size: default 3 s, at least 250 ms.
	Window time.Duration
	// History is how far back Recent reaches: default 60 min. It costs
	// about 160 bytes per window per tracked keyword (200 KB per keyword
	// for the defaults).
	History time.Duration
	// HistorySamples is how many of the newest windows in history keep
	// their samples: default 20 (a minute of 3 s windows).
	HistorySamples int
	// Samples is how many of the most positive and of the most negative
	// posts a window shows: default 3 of each.
	Samples int
	// Grace is how long a tenant's stream outlives its last subscriber:
	// default 30 s.
	Grace time.Duration
	// RetryMin and RetryMax bound the backoff between failed runs of a
	// stream: defaults 1 s and 1 min.
	RetryMin, RetryMax time.Duration
	// MaxKeywords caps the keywords a tenant tracks: default 10,000.
	MaxKeywords int
	// Workers is how many chunks of a batch are matched and scored in
	// parallel: default GOMAXPROCS.
	Workers int
	// Now gives the time for the first window's start and Close's last
	// partial window: default time.Now. Tests set it with Flush.
	Now func() time.Time
}

// MinWindow is the smallest window size.
const MinWindow = 250 * time.Millisecond

// minChunk is the fewest posts worth a goroutine of their own: scheduling
// one costs about a microsecond, matching and scoring a post about two.
const minChunk = 256

func (c *Config) setDefaults() error {
	if c.OpenStream == nil {
		return errors.New("track: Config.OpenStream is required")
	}
	if c.Analyzer == nil {
		return errors.New("track: Config.Analyzer is required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Window == 0 {
		c.Window = 3 * time.Second
	}
	if c.Window < MinWindow {
		return fmt.Errorf("track: window %v is shorter than %v", c.Window, MinWindow)
	}
	if c.History == 0 {
		c.History = time.Hour
	}
	if c.HistorySamples == 0 {
		c.HistorySamples = 20
	}
	if c.Samples == 0 {
		c.Samples = 3
	}
	if c.Grace == 0 {
		c.Grace = 30 * time.Second
	}
	if c.RetryMin == 0 {
		c.RetryMin = time.Second
	}
	if c.RetryMax == 0 {
		c.RetryMax = time.Minute
	}
	c.RetryMax = max(c.RetryMax, c.RetryMin)
	if c.MaxKeywords == 0 {
		c.MaxKeywords = 10000
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.History < 0 || c.HistorySamples < 0 || c.Samples < 0 || c.Grace < 0 || c.RetryMin < 0 || c.MaxKeywords < 0 || c.Workers < 0 {
		return errors.New("track: negative setting in Config")
	}
	return nil
}

// Errors Subscribe returns, wrapped.
var (
	ErrClosed          = errors.New("track: engine closed")
	ErrTooManyKeywords = errors.New("too many keywords")
)

// Engine tracks keywords for all tenants of a process. Its methods are safe
// for concurrent use.
type Engine struct {
	cfg     Config
	log     *slog.Logger
	ctx     context.Context // parent of every stream; ends at Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup // stream supervisors
	metrics counters

	mu      sync.Mutex
	tenants map[string]*tenant
	closed  bool

	flushMu   sync.Mutex
	winStart  time.Time // start of the current window
	closeOnce sync.Once
}

// New returns an engine. It starts no goroutine until a first Subscribe;
// call Run to emit windows on the wall clock, or Flush to drive them.
func New(cfg Config) (*Engine, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{
		cfg:      cfg,
		log:      cfg.Logger,
		ctx:      ctx,
		cancel:   cancel,
		tenants:  map[string]*tenant{},
		winStart: cfg.Now().Truncate(cfg.Window).UTC(),
	}, nil
}

// Subscribe sets the keywords subscriber tracks in tenant, replacing what
// it tracked before, and returns them normalized (duplicates removed, order
// kept). An empty list is Unsubscribe. Invalid keywords (match.ErrInvalid)
// or a union over Config.MaxKeywords (ErrTooManyKeywords) fail the call and
// change nothing.
func (e *Engine) Subscribe(tenant, subscriber string, keywords []string) ([]string, error) {
	if tenant == "" || subscriber == "" {
		return nil, errors.New("track: subscribe: empty tenant or subscriber")
	}
	norm := make([]string, 0, len(keywords))
	for _, kw := range keywords {
		n, err := match.Normalize(kw)
		if err != nil {
			return nil, fmt.Errorf("track: subscribe: %w", err)
		}
		if !slices.Contains(norm, n) {
			norm = append(norm, n)
		}
	}
	if err := e.set(tenant, subscriber, norm); err != nil {
		return nil, err
	}
	return norm, nil
}

// Unsubscribe removes subscriber from tenant. Unknown ones are ignored.
func (e *Engine) Unsubscribe(tenant, subscriber string) {
	if err := e.set(tenant, subscriber, nil); err != nil && !errors.Is(err, ErrClosed) {
		// Removing keywords can neither be invalid nor exceed a limit.
		e.log.Error("track: unsubscribe", slog.String("tenant", tenant), slog.Any("error", err))
	}
}

func (e *Engine) set(name, subscriber string, keywords []string) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	t := e.tenants[name]
	if t == nil {
		if len(keywords) == 0 {
			e.mu.Unlock()
			return nil
		}
		t = newTenant(e, name)
		e.tenants[name] = t
	}
	// Close takes every tenant's lock after setting closed, so holding
	// t.mu from here keeps Close from waiting on streams while this call
	// may still start one.
	t.mu.Lock()
	e.mu.Unlock()
	defer t.mu.Unlock()
	return t.setLocked(subscriber, keywords)
}

// Keywords returns the keywords tenant tracks, sorted.
func (e *Engine) Keywords(tenant string) []string {
	if t := e.tenant(tenant); t != nil {
		return slices.Clone(t.ms.Load().keywords)
	}
	return nil
}

// Status reports the health of tenant's stream: the stream's own Status
// while it runs, when it reports one.
func (e *Engine) Status(tenant string) source.Status {
	t := e.tenant(tenant)
	if t == nil {
		return source.Status{State: "stopped"}
	}
	return t.status()
}

// Recent returns tenant's windows for keyword that start at or after since,
// oldest first, from the history (Config.History).
func (e *Engine) Recent(tenant, keyword string, since time.Time) []Window {
	t := e.tenant(tenant)
	kw, err := match.Normalize(keyword)
	if t == nil || err != nil {
		return nil
	}
	t.histMu.RLock()
	defer t.histMu.RUnlock()
	if h := t.hist[kw]; h != nil {
		return h.since(tenant, kw, since)
	}
	return nil
}

// Metrics returns the engine's counters.
func (e *Engine) Metrics() Metrics { return e.metrics.snapshot() }

func (e *Engine) tenant(name string) *tenant {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tenants[name]
}

// Run emits windows at every multiple of Config.Window on the wall clock
// until ctx ends, then closes the engine.
func (e *Engine) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	<-timer.C
	for {
		next := time.Now().Truncate(e.cfg.Window).Add(e.cfg.Window)
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			e.Close()
			return nil
		case <-e.ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
			e.flush(ctx, next)
		}
	}
}

// Flush ends the current window at now truncated to the window size, if
// that is after its start, and emits it. Run calls it on time; tests call
// it to drive windows deterministically.
func (e *Engine) Flush(ctx context.Context, now time.Time) {
	e.flush(ctx, now.Truncate(e.cfg.Window))
}

// Close stops every stream, waits for them to return, and emits the last,
// partial window (ending now). Later Subscribes fail with ErrClosed.
func (e *Engine) Close() {
	e.closeOnce.Do(func() {
		e.mu.Lock()
		e.closed = true
		ts := make([]*tenant, 0, len(e.tenants))
		for _, t := range e.tenants {
			ts = append(ts, t)
		}
		e.mu.Unlock()
		for _, t := range ts {
			t.mu.Lock()
			if t.grace != nil {
				t.grace.Stop()
			}
			t.mu.Unlock()
		}
		e.cancel()
		e.wg.Wait()
		e.flush(context.Background(), e.cfg.Now())
	})
}

// flush emits the window [winStart, end) for every tenant and keyword.
func (e *Engine) flush(ctx context.Context, end time.Time) {
	e.flushMu.Lock()
	defer e.flushMu.Unlock()
	end = end.UTC()
	start := e.winStart
	if !end.After(start) {
		return
	}
	e.winStart = end
	e.mu.Lock()
	ts := make([]*tenant, 0, len(e.tenants))
	for _, t := range e.tenants {
		ts = append(ts, t)
	}
	e.mu.Unlock()
	for _, t := range ts {
		t.flush(ctx, start, end)
	}
	e.pruneIdle(ts)
}

// pruneIdle forgets tenants with nothing left: no subscriber, no stream
// (not even one still shutting down, which a new tenant value would not
// wait for), no history.
func (e *Engine) pruneIdle(ts []*tenant) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range ts {
		t.mu.Lock()
		t.histMu.RLock()
		idle := len(t.subs) == 0 && !t.active && len(t.hist) == 0
		t.histMu.RUnlock()
		if idle && t.done != nil {
			select {
			case <-t.done:
			default:
				idle = false
			}
		}
		t.mu.Unlock()
		if idle && e.tenants[t.name] == t {
			delete(e.tenants, t.name)
		}
	}
}

// matchSet is a tenant's tracked keywords with their matcher, replaced as
// a whole when the set changes.
type matchSet struct {
	keywords []string       // sorted
	index    map[string]int // keyword -> position in keywords
	m        *match.Matcher
}

func newMatchSet(keywords []string) *matchSet {
	ms := &matchSet{keywords: keywords, index: make(map[string]int, len(keywords)), m: match.New(keywords)}
	for i, kw := range keywords {
		ms.index[kw] = i
	}
	return ms
}

// tenant is one tenant's subscribers, stream, windows and history.
type tenant struct {
	e    *Engine
	name string

	mu       sync.Mutex
	subs     map[string][]string // subscriber -> its keywords
	refs     map[string]int      // keyword -> subscribers tracking it
	active   bool                // a supervisor owns the stream
	cancel   context.CancelFunc  // the supervisor's
	done     chan struct{}       // closed when the supervisor returns
	grace    *time.Timer
	graceGen int
	state    source.Status // State and Reason, as the supervisor sees it
	stream   source.Stream // while running
	restarts int64

	ms        atomic.Pointer[matchSet]
	kwChanged chan struct{} // capacity 1: tells the supervisor to SetKeywords
	reopen    chan struct{} // capacity 1: tells the supervisor to reopen the stream
	postsIn   atomic.Int64

	ingestMu sync.Mutex // one batch at a time; guards chunks
	chunks   []*chunk

	winMu sync.Mutex
	cur   *windowAcc // filled by ingest, swapped out by flush
	spare *windowAcc // owned by flush (flushMu)

	histMu sync.RWMutex
	hist   map[string]*history

	lastAnalysisLog atomic.Int64 // Unix nanoseconds; rate-limits error logs
}

func newTenant(e *Engine, name string) *tenant {
	t := &tenant{
		e:         e,
		name:      name,
		subs:      map[string][]string{},
		refs:      map[string]int{},
		kwChanged: make(chan struct{}, 1),
		reopen:    make(chan struct{}, 1),
		cur:       newWindowAcc(e.cfg.Samples),
		spare:     newWindowAcc(e.cfg.Samples),
		hist:      map[string]*history{},
		state:     source.Status{State: "stopped"},
	}
	t.ms.Store(newMatchSet(nil))
	return t
}

// setLocked replaces subscriber's keywords; t.mu is held.
func (t *tenant) setLocked(subscriber string, keywords []string) error {
	old := t.subs[subscriber]
	added, removed := 0, 0
	for _, kw := range keywords {
		if t.refs[kw] == 0 && !slices.Contains(old, kw) {
			added++
		}
	}
	for _, kw := range old {
		if t.refs[kw] == 1 && !slices.Contains(keywords, kw) {
			removed++
		}
	}
	if n := len(t.refs) + added - removed; added > 0 && n > t.e.cfg.MaxKeywords {
		return fmt.Errorf("track: subscribe: tenant %s would track %d keywords: %w (limit %d)", t.name, n, ErrTooManyKeywords, t.e.cfg.MaxKeywords)
	}
	for _, kw := range old {
		if t.refs[kw]--; t.refs[kw] == 0 {
			delete(t.refs, kw)
		}
	}
	for _, kw := range keywords {
		t.refs[kw]++
	}
	if len(keywords) == 0 {
		delete(t.subs, subscriber)
	} else {
		t.subs[subscriber] = keywords
	}
	if added > 0 || removed > 0 {
		union := make([]string, 0, len(t.refs))
		for kw := range t.refs {
			union = append(union, kw)
		}
		slices.Sort(union)
		t.ms.Store(newMatchSet(union))
		select {
		case t.kwChanged <- struct{}{}:
		default: // a change is already pending; the supervisor reads the newest set
		}
	}

	switch {
	case len(t.subs) > 0:
		if t.grace != nil {
			t.grace.Stop()
			t.grace = nil
			t.graceGen++
		}
		if !t.active {
			t.start()
		}
	case t.active && t.grace == nil:
		t.graceGen++
		gen := t.graceGen
		t.grace = time.AfterFunc(t.e.cfg.Grace, func() { t.graceOver(gen) })
	}
	return nil
}

// graceOver stops the stream if nobody subscribed since the grace period
// began.
func (t *tenant) graceOver(gen int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if gen != t.graceGen || len(t.subs) > 0 || !t.active {
		return
	}
	t.grace = nil
	t.active = false
	t.cancel()
	t.e.log.Info("track: stream stopped, no subscribers", slog.String("tenant", t.name))
}

// start launches the stream supervisor; t.mu is held and the engine is not
// closed (see Engine.set).
func (t *tenant) start() {
	ctx, cancel := context.WithCancel(t.e.ctx)
	prev, done := t.done, make(chan struct{})
	t.active, t.cancel, t.done = true, cancel, done
	t.e.wg.Add(1)
	go func() {
		defer t.e.wg.Done()
		defer close(done)
		defer cancel()
		if prev != nil {
			// One stream per tenant: the one stopped after the grace
			// period may still be shutting down.
			select {
			case <-prev:
			case <-ctx.Done():
				return
			}
		}
		t.supervise(ctx)
	}()
}

func (t *tenant) setState(state, reason string, stream source.Stream) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.state.State, t.state.Reason, t.stream = state, reason, stream
}

func (t *tenant) status() source.Status {
	t.mu.Lock()
	st, stream, restarts := t.state, t.stream, t.restarts
	t.mu.Unlock()
	if r, ok := stream.(source.StatusReporter); ok && st.State == "connected" {
		s := r.Status()
		s.Reconnect += restarts
		return s
	}
	st.Posts = t.postsIn.Load()
	st.Reconnect = restarts
	return st
}

// supervise runs the tenant's stream until ctx ends or the source ends,
// reopening it with backoff after failures.
func (t *tenant) supervise(ctx context.Context) {
	log := t.e.log.With(slog.String("tenant", t.name))
	backoff := t.e.cfg.RetryMin
	for {
		t.setState("starting", "", nil)
		began := time.Now()
		err := t.runOnce(ctx)
		switch {
		case ctx.Err() != nil:
			t.stopped()
			return
		case errors.Is(err, errReopen):
			log.Info("track: reopening the stream with the tenant's new settings")
			backoff = t.e.cfg.RetryMin
			continue
		case errors.Is(err, source.ErrEndOfInput):
			log.Info("track: stream reached the end of its input")
			t.setState("stopped", "end of input", nil)
			return
		case err == nil:
			err = errors.New("stream returned before it was stopped")
		}
		if time.Since(began) > t.e.cfg.RetryMax {
			backoff = t.e.cfg.RetryMin // it ran well for a while
		}
		// Jitter spreads the retries of many tenants after a shared
		// outage.
		wait := backoff/2 + rand.N(backoff/2+1)
		t.e.metrics.restarts.Add(1)
		t.mu.Lock()
		t.restarts++
		t.mu.Unlock()
		t.setState("failed", err.Error(), nil)
		log.Warn("track: stream failed, retrying", slog.Any("error", err), slog.Duration("retry_in", wait))
		select {
		case <-ctx.Done():
			t.stopped()
			return
		case <-time.After(wait):
		}
		backoff = min(2*backoff, t.e.cfg.RetryMax)
	}
}

// errReopen ends a run that Reopen asked to start again.
var errReopen = errors.New("reopen requested")

// Reopen restarts a tenant's running stream, so new source settings or
// credentials take effect; subscribers keep their keywords and windows go on.
// It does nothing when the tenant has no running stream.
func (e *Engine) Reopen(tenant string) {
	e.mu.Lock()
	t := e.tenants[tenant]
	e.mu.Unlock()
	if t == nil {
		return
	}
	select {
	case t.reopen <- struct{}{}:
	default:
	}
}

func (t *tenant) stopped() {
	reason := "no subscribers"
	if t.e.ctx.Err() != nil {
		reason = "shutting down"
	}
	t.setState("stopped", reason, nil)
}

// runOnce opens the stream, runs it, and keeps its keywords in step with
// the tenant's until Run returns.
func (t *tenant) runOnce(ctx context.Context) error {
	stream, err := t.e.cfg.OpenStream(t.name)
	if err != nil {
		return fmt.Errorf("open stream: %w", err)
	}
	// Drain a change signalled before this run: the set read below is
	// newer than it.
	select {
	case <-t.kwChanged:
	default:
	}
	sent := t.ms.Load()
	if err := stream.SetKeywords(ctx, sent.keywords); err != nil {
		if !errors.Is(err, source.ErrKeywordLimit) {
			return fmt.Errorf("set keywords: %w", err)
		}
		// Part of the set was applied: stream what fits.
		t.e.log.Warn("track: not every keyword fits the source", slog.String("tenant", t.name), slog.Any("error", err))
	}
	select {
	case <-t.reopen: // a reopen asked for before this run is done
	default:
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- stream.Run(runCtx, t.sink) }()
	t.setState("connected", "", stream)

	var retry <-chan time.Time
	backoff := t.e.cfg.RetryMin
	for {
		select {
		case err := <-errc:
			return err
		case <-t.reopen:
			cancel()
			<-errc
			return errReopen
		case <-t.kwChanged:
		case <-retry:
		}
		ms := t.ms.Load()
		if ms == sent || slices.Equal(ms.keywords, sent.keywords) {
			sent, retry = ms, nil
			continue
		}
		if err := stream.SetKeywords(runCtx, ms.keywords); err != nil {
			if runCtx.Err() != nil {
				continue // stopping; Run returns next
			}
			if errors.Is(err, source.ErrKeywordLimit) {
				t.e.log.Warn("track: not every keyword fits the source", slog.String("tenant", t.name), slog.Any("error", err))
				sent, retry = ms, nil
				continue
			}
			t.e.log.Warn("track: set keywords failed, retrying", slog.String("tenant", t.name), slog.Any("error", err))
			retry = time.After(backoff)
			backoff = min(2*backoff, t.e.cfg.RetryMax)
			continue
		}
		sent, retry, backoff = ms, nil, t.e.cfg.RetryMin
	}
}

// flush emits the tenant's windows for [start, end) and keeps them in the
// history; flushMu is held.
func (t *tenant) flush(ctx context.Context, start, end time.Time) {
	e := t.e
	ms := t.ms.Load()
	t.winMu.Lock()
	acc := t.cur
	t.cur = t.spare
	t.winMu.Unlock()

	windows := make([]Window, len(ms.keywords))
	for i, kw := range ms.keywords {
		w := &windows[i]
		w.Tenant, w.Keyword, w.Start, w.End = t.name, kw, start, end
		if a := acc.byKw[kw]; a != nil {
			w.Stats = a.sum.Stats()
			w.Samples = a.samples()
		}
	}
	acc.reset(ms)
	t.spare = acc

	size := max(1, int((e.cfg.History+e.cfg.Window-1)/e.cfg.Window))
	t.histMu.Lock()
	for i := range windows {
		h := t.hist[windows[i].Keyword]
		if h == nil {
			h = &history{}
			t.hist[windows[i].Keyword] = h
		}
		h.add(&windows[i], size, e.cfg.HistorySamples)
	}
	// Keep an untracked keyword's history while it is recent: a page
	// reload unsubscribes and subscribes again.
	horizon := end.Add(-e.cfg.History).UnixNano()
	for kw, h := range t.hist {
		if _, tracked := ms.index[kw]; !tracked && h.lastEnd() < horizon {
			delete(t.hist, kw)
		}
	}
	t.histMu.Unlock()

	e.metrics.windows.Add(int64(len(windows)))
	if e.cfg.Publisher == nil {
		return
	}
	failed := 0
	var firstErr error
	for i := range windows {
		if err := e.cfg.Publisher.PublishWindow(ctx, windows[i]); err != nil {
			if failed == 0 {
				firstErr = err
			}
			failed++
		}
	}
	if failed > 0 {
		e.metrics.publishErrors.Add(int64(failed))
		e.log.Warn("track: publishing windows failed", slog.String("tenant", t.name),
			slog.Int("failed", failed), slog.Int("windows", len(windows)), slog.Any("error", firstErr))
	}
}
