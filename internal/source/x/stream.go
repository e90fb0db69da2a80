package x

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/x/xapi"
)

const (
	streamPath = "/2/tweets/search/stream"
	// MaxMessage is the longest stream message read; a longer one is
	// logged and skipped. A tweet with its includes is a few kB.
	MaxMessage = 1 << 20
	// maxBatch bounds the posts handed to the sink at once.
	maxBatch = 256
	// cursorKey names the stream's position in its StateStore, and
	// saveEvery is how often it is written while posts flow.
	cursorKey = "x.cursor"
	saveEvery = 5 * time.Second
	// gapMargin reaches back before the last sign of life when filling
	// a gap: the stream delivers posts some seconds after they are made.
	gapMargin = time.Minute
)

// Stats are a stream's counters, beyond what source.Status holds.
type Stats struct {
	Connected  bool
	Reconnects int64 // connection attempts after the first
	Posts      int64 // posts delivered (stream and gap filling)
	Bytes      int64 // stream bytes read, keep-alives included
	KeepAlives int64
	Gaps       int64 // gap fills done
	GapPosts   int64 // posts delivered by gap filling
	Duplicates int64 // posts dropped as already delivered
	Skipped    int64 // stream messages that were malformed or too long
	LastError  string
}

// Stream is an x:// stream: one filtered-stream connection, its rules, and
// gap filling. It implements source.Stream and source.StatusReporter.
type Stream struct {
	c     *Client
	cfg   Config
	log   *slog.Logger
	state source.StateStore
	clock Clock

	running atomic.Bool
	stop    context.CancelCauseFunc // ends the current Run; set before it starts goroutines
	setMu   sync.Mutex              // serializes rule changes

	posts, bytes, keepAlives, reconnects atomic.Int64
	gaps, gapPosts, duplicates, skipped  atomic.Int64
	connected                            atomic.Bool

	mu       sync.Mutex
	rules    []ourRule // TSA's rules as last read or set
	foreign  int       // rules not made by TSA
	synced   bool      // rules has been read from X
	status   string
	reason   string
	limitErr string // why some keywords are not tracked upstream
	lastErr  string
	cur      cursor  // the last sign of life
	outage   *cursor // where the current outage began, until filled
	filling  bool    // a gap fill goroutine runs
	pending  *cursor // a gap waiting for the fill goroutine

	sinkMu sync.Mutex // one delivery at a time: stream and gap filling
	seen   *idSet
	kept   []post.Post // scratch for deliver
}

// cursor is a point in the stream: the time of the last message or
// keep-alive, and the highest post id delivered.
type cursor struct {
	at time.Time
	id string
}

// NewStream builds a stream over c.
func NewStream(c *Client, cfg Config, opt source.Options) *Stream {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Dedupe <= 0 {
		cfg.Dedupe = DefaultConfig().Dedupe
	}
	return &Stream{c: c, cfg: cfg, log: log.With("source", Scheme), state: opt.State, clock: c.clock,
		status: "starting", seen: newIDSet(cfg.Dedupe)}
}

// Status implements source.StatusReporter.
func (s *Stream) Status() source.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := source.Status{State: s.status, Reason: s.reason, Posts: s.posts.Load(), Reconnect: s.reconnects.Load()}
	if s.limitErr != "" && st.State != "failed" {
		st.Reason = strings.TrimPrefix(st.Reason+"; ", "; ") + s.limitErr
	}
	return st
}

// Stats returns the stream's counters.
func (s *Stream) Stats() Stats {
	s.mu.Lock()
	last := s.lastErr
	s.mu.Unlock()
	return Stats{
		Connected: s.connected.Load(), Reconnects: s.reconnects.Load(), Posts: s.posts.Load(),
		Bytes: s.bytes.Load(), KeepAlives: s.keepAlives.Load(), Gaps: s.gaps.Load(),
		GapPosts: s.gapPosts.Load(), Duplicates: s.duplicates.Load(), Skipped: s.skipped.Load(),
		LastError: last,
	}
}

// Counters implements source.CounterReporter.
func (s *Stream) Counters() source.Counters {
	st := s.Stats()
	return source.Counters{Source: Scheme, Connected: st.Connected, Reconnects: st.Reconnects, Posts: st.Posts,
		Bytes: st.Bytes, GapsFilled: st.Gaps, Duplicates: st.Duplicates, LastError: st.LastError}
}

func (s *Stream) setStatus(state, reason string) {
	s.mu.Lock()
	s.status, s.reason = state, reason
	if reason != "" && state != "stopped" {
		s.lastErr = reason
	}
	s.mu.Unlock()
}

// SetKeywords implements source.Stream: it changes the stream rules by
// difference (validated with dry_run first) while any connection stays
// open. Keywords beyond the rule limits are left out, reported in the
// status and by an error wrapping ErrLimit; the rest are tracked.
func (s *Stream) SetKeywords(ctx context.Context, keywords []string) error {
	s.setMu.Lock()
	defer s.setMu.Unlock()
	if err := s.syncRules(ctx); err != nil {
		return s.ruleFailure(err)
	}
	s.mu.Lock()
	cur, foreign := slices.Clone(s.rules), s.foreign
	s.mu.Unlock()
	p, limitErr := planRules(cur, foreign, keywords, s.cfg.MaxRules, s.cfg.RuleLen)
	if len(p.add) > 0 {
		// Validate first, so that a refused rule changes nothing.
		if _, err := s.c.AddRules(ctx, p.add, true); err != nil {
			return s.ruleFailure(err)
		}
	}
	if len(p.del) > 0 {
		// Deleting first frees room under the rule cap for the additions.
		if err := s.c.DeleteRules(ctx, p.del); err != nil {
			s.synced = false // X may have deleted some
			return s.ruleFailure(err)
		}
		s.mu.Lock()
		s.rules = slices.DeleteFunc(s.rules, func(r ourRule) bool { return slices.Contains(p.del, r.id) })
		s.mu.Unlock()
	}
	if len(p.add) > 0 {
		added, err := s.c.AddRules(ctx, p.add, false)
		s.mu.Lock()
		for _, r := range added {
			if kws, ok := xapi.TagKeywords(r.Tag); ok {
				s.rules = append(s.rules, ourRule{id: r.ID, value: r.Value, keywords: kws})
			}
		}
		s.mu.Unlock()
		if err != nil {
			s.synced = false
			return s.ruleFailure(err)
		}
	}
	s.mu.Lock()
	s.limitErr = ""
	if limitErr != nil {
		s.limitErr = limitErr.Error()
	}
	s.mu.Unlock()
	if limitErr != nil {
		s.log.Warn("x: keywords exceed the stream rule limits", "error", limitErr)
		return fmt.Errorf("x: set keywords: %w", limitErr)
	}
	s.log.Debug("x: rules updated", "added", len(p.add), "deleted", len(p.del), "keywords", len(keywords))
	return nil
}

// syncRules reads the app's rules once, so rules a previous process made
// are kept or deleted rather than added twice.
func (s *Stream) syncRules(ctx context.Context) error {
	if s.synced {
		return nil
	}
	all, err := s.c.Rules(ctx)
	if err != nil {
		return err
	}
	var ours []ourRule
	foreign := 0
	for _, r := range all {
		if kws, ok := xapi.TagKeywords(r.Tag); ok {
			ours = append(ours, ourRule{id: r.ID, value: r.Value, keywords: kws})
		} else {
			foreign++
		}
	}
	s.mu.Lock()
	s.rules, s.foreign = ours, foreign
	s.mu.Unlock()
	s.synced = true
	return nil
}

// ruleFailure wraps a rules error; a terminal one also fails the status,
// so the tenant sees why at once.
func (s *Stream) ruleFailure(err error) error {
	if IsTerminal(err) {
		s.setStatus("failed", err.Error())
	}
	return fmt.Errorf("x: set keywords: %w", err)
}

// keywordsFor maps matching_rules to keywords, narrowed for packed rules
// to those the text mentions (X says only that one term matched). A rule
// TSA did not make adds nothing: track matches the text itself.
func keywordsFor(mr []xapi.MatchingRule, text string, tags map[string][]string) []string {
	var out []string
	lower := ""
	for _, m := range mr {
		kws, ok := tags[m.Tag]
		if !ok {
			kws, ok = xapi.TagKeywords(m.Tag)
			if !ok {
				continue
			}
			if len(tags) > 10000 {
				clear(tags)
			}
			tags[m.Tag] = kws
		}
		if len(kws) == 1 {
			out = appendNew(out, kws[0])
			continue
		}
		if lower == "" {
			lower = strings.Join(strings.Fields(strings.ToLower(text)), " ")
		}
		n := len(out)
		for _, k := range kws {
			if strings.Contains(lower, k) {
				out = appendNew(out, k)
			}
		}
		if len(out) == n {
			// Matched on something the text does not show (a link's
			// expansion): credit the rule's keywords.
			for _, k := range kws {
				out = appendNew(out, k)
			}
		}
	}
	return out
}

func appendNew(ss []string, s string) []string {
	if slices.Contains(ss, s) {
		return ss
	}
	return append(ss, s)
}

// Run implements source.Stream.
func (s *Stream) Run(ctx context.Context, sink source.Sink) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("x: Run called while already running")
	}
	defer s.running.Store(false)
	runCtx, cancel := context.WithCancelCause(ctx)
	s.stop = cancel
	var wg sync.WaitGroup
	defer func() {
		cancel(nil)
		wg.Wait()
		s.connected.Store(false)
		s.saveCursor(context.WithoutCancel(ctx))
		// The client's kept-alive connections would outlive the stream
		// (each stream has its own transport) until their idle timeout.
		s.c.hc.CloseIdleConnections()
	}()
	s.resume(runCtx)
	err := s.run(runCtx, sink, &wg)
	if cause := context.Cause(runCtx); ctx.Err() == nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause // the gap filler's sink failed
	}
	if ctx.Err() != nil {
		s.setStatus("stopped", "")
		return nil
	}
	if err != nil {
		s.setStatus("failed", err.Error())
	}
	return err
}

// sinkError is a failure of the sink: Run returns it.
type sinkError struct{ err error }

func (e sinkError) Error() string { return "x: sink: " + e.err.Error() }
func (e sinkError) Unwrap() error { return e.err }

func (s *Stream) run(ctx context.Context, sink source.Sink, wg *sync.WaitGroup) error {
	var b backoff
	var delay time.Duration
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			s.reconnects.Add(1)
		}
		if delay > 0 {
			if err := s.clock.Sleep(ctx, delay); err != nil {
				return nil
			}
		}
		alive, err := s.session(ctx, sink, wg, &b)
		s.connected.Store(false)
		if ctx.Err() != nil {
			return nil
		}
		if se, ok := errors.AsType[sinkError](err); ok {
			return se
		}
		s.mu.Lock()
		if s.outage == nil && !s.cur.at.IsZero() {
			c := s.cur
			s.outage = &c
		}
		s.mu.Unlock()
		if IsTerminal(err) {
			// Retrying cannot help and may get the app suspended: stay
			// failed until stopped, so the tenant sees why.
			s.log.Error("x: stream stopped, not retrying", "error", err)
			s.setStatus("failed", err.Error())
			<-ctx.Done()
			return nil
		}
		kind := ErrorKind(err)
		if alive {
			// X: reconnect at once after a drop; back off if that fails.
			b.net, delay = 0, 0
		} else {
			var rl RateLimit
			if e, ok := errors.AsType[*APIError](err); ok {
				rl = e.Limit
			}
			delay = b.next(kind, rl, s.clock.Now())
		}
		s.log.Warn("x: stream disconnected, reconnecting", "error", err, "kind", kind, "retry_in", delay)
		s.setStatus("reconnecting", err.Error())
	}
}

// backoff is X's published reconnect schedule; each kind of failure has
// its own count, cleared by a successful connection.
type backoff struct{ net, http, rate int }

// next returns the wait before the next attempt after a failure of kind.
func (b *backoff) next(kind string, rl RateLimit, now time.Time) time.Duration {
	switch kind {
	case KindNetwork:
		b.net++
		return min(time.Duration(b.net)*250*time.Millisecond, 16*time.Second)
	case KindRateLimit:
		// Doubling from a minute; capped at 16 min so a long run of
		// 429s cannot overflow or wait for hours.
		d := time.Minute << min(b.rate, 4)
		b.rate++
		if !rl.Reset.IsZero() && rl.Remaining == 0 {
			d = max(d, rl.Reset.Sub(now)+time.Second)
		}
		return d
	default:
		d := 5 * time.Second << min(b.http, 6)
		b.http++
		return min(d, 320*time.Second)
	}
}

// session opens one connection and reads it until it ends. alive reports
// whether anything came over it, which makes the next attempt immediate.
func (s *Stream) session(ctx context.Context, sink source.Sink, wg *sync.WaitGroup, b *backoff) (alive bool, err error) {
	connCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	q := url.Values{}
	for k, v := range xapi.Fields {
		q.Set(k, v)
	}
	req, err := s.c.newRequest(connCtx, "GET", streamPath, q, nil)
	if err != nil {
		return false, err
	}
	resp, err := s.c.hc.Do(req)
	if err != nil {
		return false, fmt.Errorf("x: connect stream: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return false, newAPIError("connect stream", resp.StatusCode, body, parseRateLimit(resp.Header))
	}
	b.http, b.rate = 0, 0
	s.connected.Store(true)
	s.setStatus("connected", "")
	s.mu.Lock()
	if s.outage != nil {
		s.scheduleGapLocked(ctx, *s.outage, sink, wg)
		s.outage = nil
	}
	s.mu.Unlock()
	s.log.Info("x: stream connected")

	// A dead connection may never end by itself: silence beyond Idle
	// closes it.
	var stalled atomic.Bool
	idle := time.AfterFunc(s.cfg.Idle, func() {
		stalled.Store(true)
		cancel()
	})
	defer idle.Stop()
	r := &reader{br: bufio.NewReaderSize(resp.Body, 64<<10), tags: map[string][]string{}}
	var batch []post.Post
	lastSave := time.Now()
	for {
		line, n, err := r.next()
		if n > 0 {
			idle.Reset(s.cfg.Idle)
			s.bytes.Add(int64(n))
			if !alive {
				alive = true
				b.net = 0
			}
			s.mu.Lock()
			s.cur.at = s.clock.Now()
			s.mu.Unlock()
		}
		if err != nil {
			if errors.Is(err, errTooLong) {
				s.skip(err)
				continue
			}
			if stalled.Load() {
				err = fmt.Errorf("x: stream silent for more than %v", s.cfg.Idle)
			} else if err == io.EOF {
				err = errors.New("x: stream closed by the server")
			} else {
				err = fmt.Errorf("x: read stream: %w", err)
			}
			if ferr := s.deliver(ctx, sink, batch, false); ferr != nil {
				return alive, ferr
			}
			return alive, err
		}
		if len(line) == 0 {
			s.keepAlives.Add(1)
			continue
		}
		var perr error
		batch, perr = r.parse(batch, line)
		if perr != nil {
			if d, ok := errors.AsType[*disconnectError](perr); ok {
				if ferr := s.deliver(ctx, sink, batch, false); ferr != nil {
					return alive, ferr
				}
				return alive, d
			}
			s.skip(perr)
		}
		if len(batch) > 0 && (len(batch) >= maxBatch || r.br.Buffered() == 0) {
			if err := s.deliver(ctx, sink, batch, false); err != nil {
				return alive, err
			}
			batch = batch[:0]
			if time.Since(lastSave) > saveEvery {
				s.saveCursor(ctx)
				lastSave = time.Now()
			}
		}
	}
}

func (s *Stream) skip(err error) {
	n := s.skipped.Add(1)
	if n <= 100 || n%1000 == 0 {
		s.log.Warn("x: skipping bad stream message", "error", err, "skipped", n)
	}
}

// deliver hands posts not delivered before to the sink, and advances the
// cursor past them once the sink acknowledges.
func (s *Stream) deliver(ctx context.Context, sink source.Sink, posts []post.Post, gap bool) error {
	if len(posts) == 0 {
		return nil
	}
	s.sinkMu.Lock()
	defer s.sinkMu.Unlock()
	kept := s.kept[:0]
	maxID := ""
	for i := range posts {
		if !s.seen.add(posts[i].ID) {
			s.duplicates.Add(1)
			continue
		}
		kept = append(kept, posts[i])
		if idLess(maxID, posts[i].ID) {
			maxID = posts[i].ID
		}
	}
	s.kept = kept
	if len(kept) == 0 {
		return nil
	}
	err := sink(ctx, kept)
	clear(kept) // let delivered strings go
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return sinkError{err}
	}
	s.posts.Add(int64(len(kept)))
	if gap {
		s.gapPosts.Add(int64(len(kept)))
	}
	s.mu.Lock()
	if idLess(s.cur.id, maxID) {
		s.cur.id = maxID
	}
	s.mu.Unlock()
	return nil
}

// idLess compares post ids as the numbers they are ("" is the least).
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// resume reads the cursor a previous Run saved, so the first connection
// fills the gap since then.
func (s *Stream) resume(ctx context.Context) {
	if s.state == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := s.state.Get(ctx, cursorKey)
	if err != nil || v == "" {
		if err != nil {
			s.log.Warn("x: cursor not read; no gap filling since the last run", "error", err)
		}
		return
	}
	ns, id, _ := strings.Cut(v, ":")
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		s.log.Warn("x: cursor unreadable", "cursor", v)
		return
	}
	c := cursor{at: time.Unix(0, n), id: id}
	s.mu.Lock()
	if s.cur.at.IsZero() {
		s.cur = c
	}
	if s.outage == nil {
		s.outage = &c
	}
	s.mu.Unlock()
}

func (s *Stream) saveCursor(ctx context.Context) {
	if s.state == nil {
		return
	}
	s.mu.Lock()
	c := s.cur
	s.mu.Unlock()
	if c.at.IsZero() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.state.Put(ctx, cursorKey, strconv.FormatInt(c.at.UnixNano(), 10)+":"+c.id); err != nil {
		s.log.Warn("x: cursor not saved", "error", err)
	}
}
