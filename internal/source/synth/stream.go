package synth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source"
)

// Scheme is the URL scheme synth registers.
const Scheme = "synth"

// MaxRate is the highest rate synth:// accepts, in posts per second.
const MaxRate = 1_000_000

// tick is how often a real-clock stream delivers a batch at high rates.
const tick = 10 * time.Millisecond

// cursorKey names the stream's position in its StateStore.
const cursorKey = "synth.cursor"

func init() {
	source.Register(Scheme, func(u *url.URL, opt source.Options) (source.Stream, error) {
		cfg, err := parseURL(u)
		if err != nil {
			return nil, err
		}
		return newStream(cfg, opt), nil
	})
}

// config is a parsed synth:// URL.
type config struct {
	seed    uint64
	gen     Options
	limit   uint64 // 0: no limit
	virtual bool   // CreatedAt from the generator's clock, no pacing
}

var params = []string{"authors", "clock", "drift", "en", "limit", "rate", "seed", "share", "start"}

// parseURL reads synth://?rate=5000&seed=1&share=0.3 and friends.
func parseURL(u *url.URL) (config, error) {
	if u.Host != "" || u.Opaque != "" || (u.Path != "" && u.Path != "/") {
		return config{}, fmt.Errorf("synth takes no host or path, only parameters (synth://?rate=5000&seed=1), got %q", u.String())
	}
	cfg := config{seed: 1, gen: DefaultOptions()}
	cfg.gen.Rate = 100
	q := u.Query()
	var start time.Time
	// Sorted, so that of several bad parameters the same one is reported.
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := q.Get(k)
		var err error
		switch k {
		case "rate":
			cfg.gen.Rate, err = intParam(k, v, 1, MaxRate)
		case "authors":
			cfg.gen.Authors, err = intParam(k, v, 1, 1_000_000)
		case "seed":
			if cfg.seed, err = strconv.ParseUint(v, 10, 64); err != nil {
				err = fmt.Errorf("seed must be an unsigned integer, got %q", v)
			}
		case "limit":
			if cfg.limit, err = strconv.ParseUint(v, 10, 64); err != nil {
				err = fmt.Errorf("limit must be a count of posts (0 for none), got %q", v)
			}
		case "share":
			cfg.gen.Share, err = fractionParam(k, v)
		case "en":
			cfg.gen.English, err = fractionParam(k, v)
		case "drift":
			if cfg.gen.Drift, err = time.ParseDuration(v); err != nil || cfg.gen.Drift < time.Second {
				err = fmt.Errorf("drift must be a duration of at least 1s (such as 10m), got %q", v)
			}
		case "clock":
			switch v {
			case "real":
			case "virtual":
				cfg.virtual = true
			default:
				err = fmt.Errorf("clock must be real or virtual, got %q", v)
			}
		case "start":
			if start, err = time.Parse(time.RFC3339Nano, v); err != nil {
				err = fmt.Errorf("start must be an RFC 3339 time (2025-01-01T00:00:00Z), got %q", v)
			}
		default:
			err = fmt.Errorf("unknown parameter %q (known: %s)", k, strings.Join(params, ", "))
		}
		if err != nil {
			return config{}, err
		}
	}
	if !start.IsZero() {
		if !cfg.virtual {
			return config{}, errors.New("start needs clock=virtual: a real clock starts now")
		}
		cfg.gen.Start = start
	}
	return cfg, nil
}

func intParam(name, v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be between %d and %d, got %q", name, lo, hi, v)
	}
	return n, nil
}

func fractionParam(name, v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0 && f <= 1) {
		return 0, fmt.Errorf("%s must be between 0 and 1, got %q", name, v)
	}
	return f, nil
}

// stream is a synth:// stream: a Generator paced in batches.
type stream struct {
	cfg     config
	log     *slog.Logger
	state   source.StateStore
	gen     *Generator // used by Run only
	resumed bool       // the cursor has been read from state
	running atomic.Bool
	posts   atomic.Int64

	mu       sync.Mutex
	keywords []string
	changed  bool // keywords differ from the generator's
	status   string
	reason   string
}

func newStream(cfg config, opt source.Options) *stream {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &stream{
		cfg:    cfg,
		log:    log.With("source", Scheme),
		state:  opt.State,
		gen:    NewGenerator(cfg.seed, cfg.gen),
		status: "starting",
	}
}

// SetKeywords implements source.Stream. The generator takes the new set
// before its next batch.
func (s *stream) SetKeywords(_ context.Context, keywords []string) error {
	s.mu.Lock()
	s.keywords = slices.Clone(keywords)
	s.changed = true
	s.mu.Unlock()
	return nil
}

// Status implements source.StatusReporter.
func (s *stream) Status() source.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return source.Status{State: s.status, Reason: s.reason, Posts: s.posts.Load()}
}

// Counters implements source.CounterReporter: a generator has no
// connection, so only its posts are counted.
func (s *stream) Counters() source.Counters {
	st := s.Status()
	c := source.Counters{Source: Scheme, Connected: st.State == "connected", Posts: st.Posts,
		Bytes: source.NotCounted, GapsFilled: source.NotCounted, Duplicates: source.NotCounted}
	if st.State == "failed" {
		c.LastError = st.Reason
	}
	return c
}

func (s *stream) setStatus(state, reason string) {
	s.mu.Lock()
	s.status, s.reason = state, reason
	s.mu.Unlock()
}

// Run implements source.Stream. A later Run carries on where the last one
// stopped.
func (s *stream) Run(ctx context.Context, sink source.Sink) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("synth: Run called while already running")
	}
	defer s.running.Store(false)
	s.resume(ctx)
	s.setStatus("connected", "")
	s.log.Debug("synth stream running", "rate", s.cfg.gen.Rate, "seed", s.cfg.seed,
		"share", s.cfg.gen.Share, "virtual_clock", s.cfg.virtual, "next_post", s.gen.Count())
	err := s.run(ctx, sink)
	s.saveCursor(context.WithoutCancel(ctx))
	switch {
	case err == nil:
		s.setStatus("stopped", "")
	case errors.Is(err, source.ErrEndOfInput):
		s.setStatus("stopped", "limit reached")
	default:
		s.setStatus("failed", err.Error())
	}
	return err
}

func (s *stream) run(ctx context.Context, sink source.Sink) error {
	rate := uint64(s.cfg.gen.Rate)
	// A batch is 10 ms of posts, so a real clock delivers one per tick.
	batch := make([]post.Post, max((rate+99)/100, 1))
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	anchor := time.Now() // post i of this schedule is due at anchor + i/rate
	var (
		done     uint64 // posts of the schedule delivered
		sent     uint64 // posts delivered by this Run, for the limit
		lastSave = anchor
		warned   bool
	)
	for ctx.Err() == nil {
		k := uint64(len(batch))
		if !s.cfg.virtual {
			now := time.Now()
			due := dueCount(now.Sub(anchor), rate)
			if due > done+rate {
				// The sink has held us up for more than a second: skip ahead
				// rather than burst, as a live upstream would drop posts.
				if !warned {
					s.log.Warn("synth stream falling behind its rate; skipping posts", "rate", rate, "behind", due-done)
					warned = true
				}
				done = due - k
			}
			if due <= done {
				next := anchor.Add(offset(done, rate))
				timer.Reset(max(next.Sub(now), tick))
				select {
				case <-ctx.Done():
					return nil
				case <-timer.C:
				}
				continue
			}
			k = min(k, due-done)
		}
		if s.cfg.limit > 0 {
			k = min(k, s.cfg.limit-sent)
		}
		s.applyKeywords()
		first := s.gen.Count()
		for i := range batch[:k] {
			s.gen.Next(&batch[i])
			if !s.cfg.virtual {
				batch[i].CreatedAt = anchor.Add(offset(done+uint64(i), rate))
			}
		}
		if err := sink(ctx, batch[:k]); err != nil {
			// Not acknowledged: the next Run starts with these posts again.
			s.gen.Seek(first)
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("synth: sink: %w", err)
		}
		done += k
		sent += k
		s.posts.Add(int64(k))
		if s.cfg.limit > 0 && sent >= s.cfg.limit {
			return source.ErrEndOfInput
		}
		if s.state != nil && time.Since(lastSave) > 5*time.Second {
			s.saveCursor(ctx)
			lastSave = time.Now()
		}
	}
	return nil
}

// dueCount is how many posts of a schedule at rate are due after elapsed:
// post i is due at i/rate, so post 0 at once. The split keeps
// elapsed*rate from overflowing.
func dueCount(elapsed time.Duration, rate uint64) uint64 {
	if elapsed < 0 {
		return 0
	}
	ns := uint64(elapsed)
	return ns/1e9*rate + ns%1e9*rate/1e9 + 1
}

// offset is when post i of a schedule at rate is due.
func offset(i, rate uint64) time.Duration {
	return time.Duration(i/rate*1e9 + i%rate*1e9/rate)
}

func (s *stream) applyKeywords() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed {
		s.gen.SetKeywords(s.keywords)
		s.changed = false
	}
}

// resume moves the generator to the cursor a previous process saved, so a
// restarted stream does not repeat post ids that a store already holds.
// The cursor carries the seed: another seed's position means nothing.
func (s *stream) resume(ctx context.Context) {
	if s.state == nil || s.resumed {
		return
	}
	s.resumed = true
	v, err := s.state.Get(ctx, cursorKey)
	if err != nil {
		s.log.Warn("synth cursor not read; starting at post 0", "error", err)
		return
	}
	seed, n, ok := strings.Cut(v, ":")
	if !ok || seed != strconv.FormatUint(s.cfg.seed, 10) {
		return
	}
	next, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		s.log.Warn("synth cursor unreadable; starting at post 0", "cursor", v, "error", err)
		return
	}
	s.gen.Seek(next)
}

func (s *stream) saveCursor(ctx context.Context) {
	if s.state == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v := strconv.FormatUint(s.cfg.seed, 10) + ":" + strconv.FormatUint(s.gen.Count(), 10)
	if err := s.state.Put(ctx, cursorKey, v); err != nil {
		s.log.Warn("synth cursor not saved", "error", err)
	}
}
