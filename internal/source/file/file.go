// Package file is the file:// source: it replays posts recorded in a JSONL
// or CSV file (optionally gzipped), at their recorded pace or as fast as the
// consumer takes them, once or in a loop.
//
// Records that cannot become a post (malformed JSON, invalid UTF-8, longer
// than MaxRecord, no text) are logged with file and line and skipped; they
// never stop the stream. Keyword changes do not matter here: matching
// happens downstream.
package file

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source"
)

// Scheme is the URL scheme file registers.
const Scheme = "file"

// SourceName is the Post.Source of every replayed post: ids are unique
// within a file, not across the networks the posts came from.
const SourceName = "file"

const (
	// maxBatch and maxWait bound a batch: a consumer sees posts at least
	// every maxWait while the file has them.
	maxBatch = 256
	maxWait  = 50 * time.Millisecond
	// logFirst bad records are logged one by one, then one in logEvery,
	// so a file of garbage cannot flood the log.
	logFirst = 100
	logEvery = 1000
)

func init() {
	source.Register(Scheme, func(u *url.URL, opt source.Options) (source.Stream, error) {
		cfg, err := parseURL(u)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(cfg.path); err != nil {
			return nil, fmt.Errorf("file: %w", err)
		}
		return newStream(cfg, opt), nil
	})
}

// config is a parsed file:// URL.
type config struct {
	path   string
	format format
	gzip   bool
	speed  float64 // replay speed; 0 means as fast as possible
	loop   bool
	keep   bool // keep recorded times instead of shifting them to now
}

var params = []string{"format", "loop", "speed", "times"}

// parseURL reads file:///abs/path.jsonl, file://rel/path.csv or
// file:rel/path, with speed=1|2|0.5|max, loop=true, format=jsonl|csv and
// times=shift|keep.
func parseURL(u *url.URL) (config, error) {
	var cfg config
	switch {
	case u.Opaque != "":
		p, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return cfg, fmt.Errorf("path %q: %w", u.Opaque, err)
		}
		cfg.path = p
	case u.Host != "" && u.Host != "localhost":
		cfg.path = u.Host + u.Path // file://data/posts.jsonl is relative
	default:
		cfg.path = u.Path
	}
	if cfg.path == "" {
		return cfg, errors.New("file needs a path, as in file:///var/lib/tsa/posts.jsonl")
	}
	cfg.gzip = strings.HasSuffix(strings.ToLower(cfg.path), ".gz")
	cfg.format = formatOf(cfg.path)
	cfg.speed = 1
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys) // of several bad parameters, report the same one
	for _, k := range keys {
		v := q.Get(k)
		switch k {
		case "speed":
			if v == "max" {
				cfg.speed = 0
				break
			}
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || !(f > 0 && f <= 1e6) {
				return cfg, fmt.Errorf("speed must be max or a factor between 0 and 1000000 (1 is recorded speed), got %q", v)
			}
			cfg.speed = f
		case "loop":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return cfg, fmt.Errorf("loop must be true or false, got %q", v)
			}
			cfg.loop = b
		case "format":
			f, ok := formatByName(v)
			if !ok {
				return cfg, fmt.Errorf("format must be one of %s, got %q", formatNames(), v)
			}
			cfg.format = f
		case "times":
			switch v {
			case "shift":
			case "keep":
				cfg.keep = true
			default:
				return cfg, fmt.Errorf("times must be shift or keep, got %q", v)
			}
		default:
			return cfg, fmt.Errorf("unknown parameter %q (known: %s)", k, strings.Join(params, ", "))
		}
	}
	return cfg, nil
}

// stream is a file:// stream.
type stream struct {
	cfg     config
	log     *slog.Logger
	running atomic.Bool
	posts   atomic.Int64
	bad     atomic.Int64

	mu     sync.Mutex
	status string
	reason string
}

func newStream(cfg config, opt source.Options) *stream {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &stream{cfg: cfg, log: log.With("source", Scheme, "file", cfg.path), status: "starting"}
}

// SetKeywords implements source.Stream; a file holds what it holds, and
// matching happens downstream.
func (*stream) SetKeywords(context.Context, []string) error { return nil }

// Status implements source.StatusReporter. Skipped bad records are counted
// in Reason.
func (s *stream) Status() source.Status {
	s.mu.Lock()
	st := source.Status{State: s.status, Reason: s.reason, Posts: s.posts.Load()}
	s.mu.Unlock()
	if n := s.bad.Load(); n > 0 {
		st.Reason = strings.TrimPrefix(st.Reason+"; ", "; ") + strconv.FormatInt(n, 10) + " bad records skipped"
	}
	return st
}

// Counters implements source.CounterReporter: posts, and the last error
// (a failure or, while running, the bad records skipped).
func (s *stream) Counters() source.Counters {
	st := s.Status()
	c := source.Counters{Source: Scheme, Connected: st.State == "connected", Posts: st.Posts,
		Bytes: source.NotCounted, GapsFilled: source.NotCounted, Duplicates: source.NotCounted}
	if st.State == "failed" || s.bad.Load() > 0 {
		c.LastError = st.Reason
	}
	return c
}

func (s *stream) setStatus(state, reason string) {
	s.mu.Lock()
	s.status, s.reason = state, reason
	s.mu.Unlock()
}

// Run implements source.Stream: it replays the file from its start.
func (s *stream) Run(ctx context.Context, sink source.Sink) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("file: Run called while already running")
	}
	defer s.running.Store(false)
	s.setStatus("connected", "")
	err := s.run(ctx, sink)
	switch {
	case err == nil:
		s.setStatus("stopped", "")
	case errors.Is(err, source.ErrEndOfInput):
		s.setStatus("stopped", "end of input")
	default:
		s.setStatus("failed", err.Error())
	}
	return err
}

func (s *stream) run(ctx context.Context, sink source.Sink) error {
	r := replay{s: s, sink: sink, batch: make([]post.Post, 0, maxBatch)}
	for r.pass = 0; ; r.pass++ {
		delivered := s.posts.Load()
		err := r.file(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != io.EOF {
			return err
		}
		if !s.cfg.loop {
			return source.ErrEndOfInput
		}
		if s.posts.Load() == delivered {
			// Nothing to replay: wait rather than spin over the file.
			s.log.Warn("no posts in file; looping again in a second")
			if !sleep(ctx, time.Second) {
				return nil
			}
		}
	}
}

// replay is the state of one Run.
type replay struct {
	s     *stream
	sink  source.Sink
	pass  int // 0 the first time through the file, 1 the second (loop)
	batch []post.Post
	// The recorded-pace clock: the post recorded at t0 is due at anchor,
	// later ones at anchor + (t - t0)/speed. Reset on every pass.
	anchor, t0 time.Time
	since      time.Time // when the batch's first post was added
}

// file replays the file once. It returns io.EOF at its end, nil when ctx
// ends, or what stops the stream.
func (r *replay) file(ctx context.Context) error {
	cfg := &r.s.cfg
	f, err := os.Open(cfg.path)
	if err != nil {
		return fmt.Errorf("file: %w", err)
	}
	defer f.Close()
	// Closing the file unblocks a read that waits on a pipe or FIFO.
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()
	var in io.Reader = f
	if cfg.gzip {
		zr, err := gzip.NewReader(f)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("file %s: gzip: %w", cfg.path, err)
		}
		defer zr.Close()
		in = zr
	}
	rr := newRecordReader(in, cfg.format.multiline)
	dec := cfg.format.decoder()
	r.t0 = time.Time{}
	var posts []post.Post
	for {
		if ctx.Err() != nil {
			return nil
		}
		// Deliver before a read that may block, and at least every maxWait.
		if len(r.batch) > 0 && (!rr.buffered() || time.Since(r.since) >= maxWait) {
			if err := r.flush(ctx); err != nil {
				return err
			}
		}
		rec, line, err := rr.next()
		switch {
		case err == io.EOF:
			if err := r.flush(ctx); err != nil {
				return err
			}
			return io.EOF
		case errors.Is(err, errTooLong):
			r.s.skip(line, err)
			continue
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("file %s: line %d: %w", cfg.path, line, err)
		}
		if len(rec) == 0 || isBlank(rec) {
			continue
		}
		if !utf8.Valid(rec) {
			r.s.skip(line, errors.New("invalid UTF-8"))
			continue
		}
		posts, err = dec.decode(posts[:0], rec)
		if err != nil {
			if isFatal(err) {
				return fmt.Errorf("file %s: line %d: %w", cfg.path, line, err)
			}
			r.s.skip(line, err)
			continue
		}
		for i := range posts {
			if err := r.add(ctx, &posts[i], line); err != nil {
				return err
			}
		}
	}
}

// add completes a decoded post, waits until it is due and puts it in the
// batch, delivering the batch when it is full.
func (r *replay) add(ctx context.Context, p *post.Post, line int) error {
	cfg := &r.s.cfg
	p.Source = SourceName
	if p.ID == "" {
		p.ID = strconv.Itoa(line) // unique within the file
	}
	if r.pass > 0 {
		// A store keeps one copy per id, so each pass of a loop gets its own.
		p.ID += "~" + strconv.Itoa(r.pass)
	}
	at := time.Now()
	if cfg.speed > 0 && !p.CreatedAt.IsZero() {
		if r.t0.IsZero() {
			r.t0, r.anchor = p.CreatedAt, at
		}
		due := r.anchor.Add(scale(p.CreatedAt.Sub(r.t0), cfg.speed))
		if wait := due.Sub(at); wait > 0 {
			// Hand over what is due before sleeping.
			if err := r.flush(ctx); err != nil {
				return err
			}
			if !sleep(ctx, wait) {
				return nil
			}
		}
		at = due
	}
	if !cfg.keep || p.CreatedAt.IsZero() {
		p.CreatedAt = at
	}
	if len(r.batch) == 0 {
		r.since = time.Now()
	}
	r.batch = append(r.batch, *p)
	if len(r.batch) >= maxBatch {
		return r.flush(ctx)
	}
	return nil
}

// flush hands the batch to the sink and waits for its answer: a slow
// consumer holds the reading back.
func (r *replay) flush(ctx context.Context) error {
	if len(r.batch) == 0 || ctx.Err() != nil {
		return nil
	}
	if err := r.sink(ctx, r.batch); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("file: sink: %w", err)
	}
	r.s.posts.Add(int64(len(r.batch)))
	// Drop the references so the strings of delivered posts can be freed.
	clear(r.batch)
	r.batch = r.batch[:0]
	return nil
}

// scale divides a recorded gap by the replay speed, saturating rather than
// overflowing on absurd gaps.
func scale(d time.Duration, speed float64) time.Duration {
	f := float64(d) / speed
	if f > math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(f)
}

// skip logs and counts a bad record.
func (s *stream) skip(line int, err error) {
	n := s.bad.Add(1)
	if n <= logFirst || n%logEvery == 0 {
		s.log.Warn("skipping bad record", "line", line, "error", err, "bad_records", n)
	}
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

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
