package bluesky

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/klauspost/compress/zstd"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/bluesky/event"
	"github.com/tsaproject/tsa/internal/track/match"
)

const (
	// cursorKey names the stream's position in its StateStore.
	cursorKey = "bluesky.cursor"
	// maxBatch and maxWait bound a batch handed to the sink: the sink
	// sees posts at least every maxWait while they come.
	maxBatch = 256
	maxWait  = 50 * time.Millisecond
	// seenSize is how many post URIs are remembered against repeats: a
	// resume's overlap is a few seconds, at most a few thousand posts
	// even while replaying at Jetstream's 5,000 events/s.
	seenSize = 1 << 16
	// maxSavedSeen caps the hashes saved with the cursor (8 bytes each).
	maxSavedSeen = 4096
	// maxHandles bounds the DID → handle cache fed by identity events.
	maxHandles  = 100_000
	dialTimeout = 10 * time.Second
	saveTimeout = 2 * time.Second
)

// Stats are a stream's counters beyond source.Status.
type Stats struct {
	Connected   bool      `json:"connected"`
	Host        string    `json:"host,omitempty"`   // the URL in use or last used
	Cursor      int64     `json:"cursor,omitempty"` // time_us of the last acknowledged event
	Events      int64     `json:"events"`           // frames read, of any kind
	Posts       int64     `json:"posts"`            // posts acknowledged by the sink
	Bytes       int64     `json:"bytes"`            // frame bytes read (compressed when compress=true)
	Duplicates  int64     `json:"duplicates"`       // posts dropped as already delivered
	Malformed   int64     `json:"malformed"`        // frames skipped: bad JSON, invalid UTF-8, missing fields, bad zstd
	Oversized   int64     `json:"oversized"`        // frames skipped: over max_event_bytes
	Updates     int64     `json:"updates"`          // post edits, ignored
	Deletes     int64     `json:"deletes"`          // post deletions, ignored
	Reconnects  int64     `json:"reconnects"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// Stream is a bluesky:// stream.
type Stream struct {
	cfg   config
	log   *slog.Logger
	state source.StateStore
	dict  []byte
	// sleep waits between reconnects and jitter spreads the waits; tests
	// replace them to check the backoff without waiting.
	sleep  func(ctx context.Context, d time.Duration) bool
	jitter func(n int64) int64

	running  atomic.Bool
	keywords atomic.Pointer[map[string]string] // normalized "#tag" and "tag" keywords → as given

	// Owned by Run.
	seen    *seenSet
	handles map[string]string
	host    int   // index in cfg.urls
	acked   int64 // time_us up to which everything is acknowledged
	saved   int64 // acked at the last save
	resumed bool

	events, posts, bytes, dups, malformed, oversized, updates, deletes, reconnects atomic.Int64

	mu      sync.Mutex
	status  string
	reason  string
	st      Stats // Connected, Host, Cursor, LastError, LastErrorAt
	lastLog time.Time
}

func newStream(cfg config, opt source.Options) (*Stream, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Stream{
		cfg:     cfg,
		log:     log.With("source", Scheme),
		state:   opt.State,
		sleep:   sleep,
		jitter:  func(n int64) int64 { return rand.Int64N(n) },
		seen:    newSeenSet(seenSize),
		handles: map[string]string{},
		status:  "starting",
	}
	if cfg.compress {
		dict, err := readDict(cfg.dictPath)
		if err != nil {
			return nil, err
		}
		// Check the dictionary now rather than at the first frame.
		d, err := zstd.NewReader(nil, zstd.WithDecoderDicts(dict))
		if err != nil {
			return nil, fmt.Errorf("zstd dictionary %s: %w", cfg.dictPath, err)
		}
		d.Close()
		s.dict = dict
	}
	return s, nil
}

// SetKeywords implements source.Stream. Jetstream cannot filter by text,
// so nothing changes upstream; the set is kept to name the keywords that a
// post's hidden record tags match.
func (s *Stream) SetKeywords(_ context.Context, keywords []string) error {
	m := make(map[string]string, len(keywords))
	for _, kw := range keywords {
		if n, err := match.Normalize(kw); err == nil {
			m[n] = kw
		}
	}
	s.keywords.Store(&m)
	return nil
}

// Status implements source.StatusReporter.
func (s *Stream) Status() source.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return source.Status{State: s.status, Reason: s.reason, Posts: s.posts.Load(), Reconnect: s.reconnects.Load()}
}

// Stats returns the stream's counters.
func (s *Stream) Stats() Stats {
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	st.Events, st.Posts, st.Bytes = s.events.Load(), s.posts.Load(), s.bytes.Load()
	st.Duplicates, st.Malformed, st.Oversized = s.dups.Load(), s.malformed.Load(), s.oversized.Load()
	st.Updates, st.Deletes, st.Reconnects = s.updates.Load(), s.deletes.Load(), s.reconnects.Load()
	return st
}

// Counters implements source.CounterReporter.
func (s *Stream) Counters() source.Counters {
	st := s.Stats()
	return source.Counters{Source: Scheme, Connected: st.Connected, Reconnects: st.Reconnects, Posts: st.Posts,
		Bytes: st.Bytes, GapsFilled: source.NotCounted, Duplicates: st.Duplicates, LastError: st.LastError}
}

func (s *Stream) setStatus(state, reason string) {
	s.mu.Lock()
	s.status, s.reason = state, reason
	s.st.Connected = state == "connected"
	s.mu.Unlock()
}

// sinkError is a refusal by the sink, which ends Run.
type sinkError struct{ err error }

func (e *sinkError) Error() string { return "sink: " + e.err.Error() }
func (e *sinkError) Unwrap() error { return e.err }

// errIdle reports a connection silent for longer than cfg.idle.
var errIdle = errors.New("no event or ping: connection presumed dead")

// Run implements source.Stream: it follows Jetstream until ctx ends,
// reconnecting (and failing over between hosts) as needed. It returns an
// error only when the sink refuses a batch.
func (s *Stream) Run(ctx context.Context, sink source.Sink) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("bluesky: Run called while already running")
	}
	defer s.running.Store(false)
	s.resume(ctx)
	attempt := 0
	for {
		good, err := s.session(ctx, sink)
		if ctx.Err() != nil {
			s.save(context.WithoutCancel(ctx))
			s.setStatus("stopped", "")
			return nil
		}
		if se, ok := errors.AsType[*sinkError](err); ok {
			s.save(context.WithoutCancel(ctx))
			s.setStatus("failed", se.Error())
			return fmt.Errorf("bluesky: %w", se)
		}
		s.reconnects.Add(1)
		if good {
			attempt = 0 // it worked: try the same host again first
		} else {
			attempt++
			s.host = (s.host + 1) % len(s.cfg.urls)
		}
		wait := s.backoff(attempt)
		s.mu.Lock()
		s.st.LastError, s.st.LastErrorAt = err.Error(), time.Now()
		s.mu.Unlock()
		s.setStatus("reconnecting", err.Error())
		s.log.Warn("jetstream connection lost; reconnecting", "error", err, "retry_in", wait, "next", s.cfg.urls[s.host])
		s.save(ctx)
		if !s.sleep(ctx, wait) {
			s.save(context.WithoutCancel(ctx))
			s.setStatus("stopped", "")
			return nil
		}
	}
}

// backoff is the wait before reconnect attempt n (0 after a connection that
// worked): doubling from backoffMin up to backoffMax, the upper half
// jittered so that many tenants do not reconnect in step.
func (s *Stream) backoff(n int) time.Duration {
	d := s.cfg.backoffMax
	if n < 30 {
		d = min(s.cfg.backoffMin<<n, s.cfg.backoffMax)
	}
	return d/2 + time.Duration(s.jitter(int64(d/2)+1))
}

// resumeFrom is the cursor of the next connection: rewind before the last
// acknowledged event, 0 (live) when there is none yet.
func (s *Stream) resumeFrom() int64 {
	if s.acked == 0 {
		return 0
	}
	c := s.acked - s.cfg.rewind.Microseconds()
	if s.cfg.maxReplay > 0 {
		if floor := time.Now().Add(-s.cfg.maxReplay).UnixMicro(); c < floor {
			s.log.Info("cursor older than max_replay; skipping ahead", "cursor", c, "from", floor)
			c = floor
		}
	}
	return c
}

// subscribeURL adds the subscription's parameters to a host's URL.
func (s *Stream) subscribeURL(host string, cursor int64) (string, error) {
	u, err := url.Parse(host)
	if err != nil {
		return "", fmt.Errorf("url %q: %w", host, err)
	}
	q := u.Query()
	q.Set("wantedCollections", event.PostCollection)
	if cursor > 0 {
		q.Set("cursor", strconv.FormatInt(cursor, 10))
	}
	if s.cfg.compress {
		q.Set("compress", "true")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// item is one frame as the reader hands it over.
type item struct {
	ev        event.Event
	size      int
	bad       error // malformed or oversized: skipped
	oversized bool
}

// session runs one connection. good reports that it delivered at least
// one event, so the host works.
func (s *Stream) session(ctx context.Context, sink source.Sink) (good bool, err error) {
	host := s.cfg.urls[s.host]
	cursor := s.resumeFrom()
	addr, err := s.subscribeURL(host, cursor)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	s.st.Host = host
	s.mu.Unlock()
	var lastActive atomic.Int64 // unix nanoseconds of the last frame or ping
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	conn, resp, err := websocket.Dial(dctx, addr, &websocket.DialOptions{
		HTTPHeader: http.Header{"User-Agent": {"tsa (bluesky source)"}},
		OnPingReceived: func(context.Context, []byte) bool {
			lastActive.Store(time.Now().UnixNano())
			return true
		},
	})
	cancel()
	if err != nil {
		if resp != nil {
			return false, fmt.Errorf("dial %s: HTTP %d: %w", host, resp.StatusCode, err)
		}
		return false, fmt.Errorf("dial %s: %w", host, err)
	}
	// Frames are bounded by the reader, which skips a big one instead of
	// failing the connection as the library's limit would.
	conn.SetReadLimit(-1)
	lastActive.Store(time.Now().UnixNano())
	if s.acked == 0 {
		// Live from here: a reconnect resumes from this moment.
		s.acked = time.Now().UnixMicro()
	}
	s.setStatus("connected", "")
	s.log.Info("jetstream connected", "host", host, "cursor", cursor)

	rctx, stop := context.WithCancel(ctx)
	items := make(chan item, 1024)
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(items)
		readErr = s.read(rctx, conn, items, &lastActive)
	})
	defer func() {
		stop()
		_ = conn.CloseNow()
		for range items { // unblock the reader
		}
		wg.Wait()
	}()

	d := delivery{s: s, sink: sink}
	flush := time.NewTimer(time.Hour)
	flush.Stop()
	defer flush.Stop()
	check := time.NewTicker(max(s.cfg.idle/4, 10*time.Millisecond))
	defer check.Stop()
	lastSave := time.Now()
	for {
		select {
		case it, ok := <-items:
			if !ok {
				if err := d.flush(ctx); err != nil {
					return good, err
				}
				if readErr == nil {
					readErr = errors.New("connection closed")
				}
				return good, readErr
			}
			if s.take(&d, &it) {
				good = true
			}
			if len(d.batch) == 1 {
				flush.Reset(maxWait)
			}
			if len(d.batch) >= maxBatch {
				if err := d.flush(ctx); err != nil {
					return good, err
				}
			}
		case <-flush.C:
			if err := d.flush(ctx); err != nil {
				return good, err
			}
		case <-check.C:
			if time.Since(time.Unix(0, lastActive.Load())) > s.cfg.idle {
				if err := d.flush(ctx); err != nil {
					return good, err
				}
				return good, fmt.Errorf("%s: %w", host, errIdle)
			}
		case <-ctx.Done():
			return good, ctx.Err()
		}
		if time.Since(lastSave) >= s.cfg.saveEvery {
			s.save(ctx)
			lastSave = time.Now()
		}
	}
}

// delivery is the batch being filled for the sink.
type delivery struct {
	s       *Stream
	sink    source.Sink
	batch   []post.Post
	pending int64 // highest time_us taken into the batch
}

// flush hands the batch to the sink; on success everything taken so far
// is acknowledged.
func (d *delivery) flush(ctx context.Context) error {
	s := d.s
	if len(d.batch) == 0 {
		return nil
	}
	if err := d.sink(ctx, d.batch); err != nil {
		s.seen.rollback()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &sinkError{err}
	}
	s.posts.Add(int64(len(d.batch)))
	s.seen.ack()
	s.acked = max(s.acked, d.pending)
	clear(d.batch) // let the strings of delivered posts go
	d.batch = d.batch[:0]
	return nil
}

// take handles one frame; it reports whether the frame was a valid event.
func (s *Stream) take(d *delivery, it *item) bool {
	s.events.Add(1)
	s.bytes.Add(int64(it.size))
	if it.bad != nil {
		s.skip(it)
		return false
	}
	ev := &it.ev
	switch ev.Kind {
	case event.Post:
		if !s.seen.add(hashURI(ev.Post.ID), ev.TimeUS) {
			s.dups.Add(1)
			break
		}
		p := ev.Post
		p.Author.Handle = s.handles[ev.DID]
		p.Keywords = s.tagKeywords(ev.Tags)
		d.batch = append(d.batch, p)
	case event.Identity:
		if len(s.handles) >= maxHandles {
			clear(s.handles) // crude, but bounded; handles are a nicety
		}
		if ev.Handle == "" {
			delete(s.handles, ev.DID)
		} else {
			s.handles[ev.DID] = ev.Handle
		}
	case event.Update:
		s.updates.Add(1)
	case event.Delete:
		s.deletes.Add(1)
	}
	if len(d.batch) == 0 {
		// Nothing unacknowledged before it: the cursor may pass it.
		s.acked = max(s.acked, ev.TimeUS)
	} else {
		d.pending = max(d.pending, ev.TimeUS)
	}
	return true
}

// tagKeywords names the tracked keywords a post's tags match: a tag facet
// is also in the text, where track finds it, but a record tag is not.
func (s *Stream) tagKeywords(tags []string) []string {
	if len(tags) == 0 {
		return nil
	}
	kws := s.keywords.Load()
	if kws == nil || len(*kws) == 0 {
		return nil
	}
	var out []string
	for _, t := range tags {
		for _, form := range [2]string{"#" + t, t} {
			n, err := match.Normalize(form)
			if err != nil {
				continue
			}
			if kw, ok := (*kws)[n]; ok && !slices.Contains(out, kw) {
				out = append(out, kw)
			}
		}
	}
	return out
}

// skip counts a bad frame and logs it, at most once a second after the
// first ten, so a stream of garbage cannot flood the log.
func (s *Stream) skip(it *item) {
	var n int64
	if it.oversized {
		n = s.oversized.Add(1)
	} else {
		n = s.malformed.Add(1)
	}
	s.mu.Lock()
	s.st.LastError, s.st.LastErrorAt = it.bad.Error(), time.Now()
	logIt := n <= 10 || time.Since(s.lastLog) >= time.Second
	if logIt {
		s.lastLog = time.Now()
	}
	s.mu.Unlock()
	if logIt {
		s.log.Warn("skipping bad jetstream frame", "error", it.bad, "bytes", it.size,
			"malformed", s.malformed.Load(), "oversized", s.oversized.Load())
	}
}

// read reads frames until the connection fails or ctx ends, decoding them
// on this goroutine so decoding overlaps the sink's work.
func (s *Stream) read(ctx context.Context, conn *websocket.Conn, items chan<- item, lastActive *atomic.Int64) error {
	var zd *zstd.Decoder
	if s.dict != nil {
		var err error
		// The decoded size cap guards against decompression bombs.
		zd, err = zstd.NewReader(nil, zstd.WithDecoderDicts(s.dict), zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxMemory(uint64(s.cfg.maxEvent)))
		if err != nil {
			return fmt.Errorf("zstd: %w", err)
		}
		defer zd.Close()
	}
	var (
		dec       event.Decoder
		buf, zbuf []byte
	)
	for {
		typ, r, err := conn.Reader(ctx)
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		var it item
		var over bool
		buf, it.size, over, err = readFrame(r, buf[:0], s.cfg.maxEvent)
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		lastActive.Store(time.Now().UnixNano())
		frame := buf
		switch {
		case over:
			it.bad, it.oversized = fmt.Errorf("frame of %d bytes over max_event_bytes=%d", it.size, s.cfg.maxEvent), true
		case typ == websocket.MessageBinary && zd != nil:
			if zbuf, err = zd.DecodeAll(buf, zbuf[:0]); err != nil {
				it.bad = fmt.Errorf("zstd: %w", err)
			}
			frame = zbuf
		}
		if it.bad == nil {
			it.bad = dec.Decode(frame, &it.ev)
		}
		select {
		case items <- it:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// readFrame reads one message into buf, keeping at most limit bytes; a
// longer one is read to its end and dropped (over is true, n its size).
func readFrame(r io.Reader, buf []byte, limit int) (b []byte, n int, over bool, err error) {
	lr := io.LimitReader(r, int64(limit)+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		k, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf, len(buf), false, err
		}
	}
	if len(buf) <= limit {
		return buf, len(buf), false, nil
	}
	rest, err := io.Copy(io.Discard, r)
	return buf[:0], len(buf) + int(rest), true, err
}

// savedState is what the StateStore keeps under cursorKey: the cursor and
// the URI hashes of the posts acknowledged in the rewind before it, so a
// restarted process drops the overlap of its resume as a reconnect does.
type savedState struct {
	TimeUS int64  `json:"time_us"`
	Seen   []byte `json:"seen,omitempty"` // 8-byte little-endian hashes
}

func (s *Stream) resume(ctx context.Context) {
	if s.state == nil || s.resumed {
		return
	}
	s.resumed = true
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	v, err := s.state.Get(ctx, cursorKey)
	if err != nil {
		s.log.Warn("jetstream cursor not read; starting live", "error", err)
		return
	}
	if v == "" {
		return
	}
	var st savedState
	if err := json.Unmarshal([]byte(v), &st); err != nil || st.TimeUS <= 0 {
		s.log.Warn("jetstream cursor unreadable; starting live", "cursor", v, "error", err)
		return
	}
	s.acked, s.saved = st.TimeUS, st.TimeUS
	for i := 0; i+8 <= len(st.Seen); i += 8 {
		s.seen.add(binary.LittleEndian.Uint64(st.Seen[i:]), st.TimeUS)
	}
	s.seen.ack()
	s.mu.Lock()
	s.st.Cursor = s.acked
	s.mu.Unlock()
}

func (s *Stream) save(ctx context.Context) {
	s.mu.Lock()
	s.st.Cursor = s.acked
	s.mu.Unlock()
	if s.state == nil || s.acked == s.saved {
		return
	}
	st := savedState{TimeUS: s.acked}
	for _, h := range s.seen.recent(s.acked-2*s.cfg.rewind.Microseconds(), maxSavedSeen) {
		st.Seen = binary.LittleEndian.AppendUint64(st.Seen, h)
	}
	v, err := json.Marshal(st)
	if err != nil {
		s.log.Warn("jetstream cursor not saved", "error", err)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	if err := s.state.Put(ctx, cursorKey, string(v)); err != nil {
		s.log.Warn("jetstream cursor not saved", "error", err)
		return
	}
	s.saved = s.acked
}

// sleep waits for d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
