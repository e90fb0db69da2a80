// Package source defines how posts enter TSA: a live stream whose keyword set
// can change while it runs, with acknowledgement, and sources registered by
// URL scheme (synth://, file://, x://, bluesky://).
package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/tsaproject/tsa/internal/post"
)

// Sink receives posts from a stream. A nil return acknowledges the batch:
// the source may then advance its cursor past these posts. An error stops
// the stream (Run returns it). A Sink must not keep the slice after it returns.
type Sink func(ctx context.Context, posts []post.Post) error

// Stream is one live upstream connection.
type Stream interface {
	// Run delivers posts to sink until ctx ends (it then returns nil), the
	// source ends (ErrEndOfInput) or a failure it cannot recover from.
	// Reconnects after transient failures happen inside Run.
	Run(ctx context.Context, sink Sink) error
	// SetKeywords replaces the tracked keyword set while the stream runs,
	// without dropping the connection where the upstream allows. It may be
	// called before Run and from any goroutine.
	SetKeywords(ctx context.Context, keywords []string) error
}

// Status is a stream's health, for the API and the dashboard.
type Status struct {
	State     string `json:"state"` // "starting", "connected", "reconnecting", "failed", "stopped"
	Reason    string `json:"reason,omitempty"`
	Posts     int64  `json:"posts"`
	Reconnect int64  `json:"reconnects"`
}

// StatusReporter is implemented by streams that can report their health.
type StatusReporter interface {
	Status() Status
}

// Counters are a stream's numbers for monitoring (Prometheus). Counts are
// since the stream was opened; a count the source does not keep is
// NotCounted.
type Counters struct {
	Source     string // the scheme: "synth", "file", "x", "bluesky"
	Connected  bool
	Reconnects int64
	Posts      int64 // delivered and acknowledged
	Bytes      int64 // read from the upstream
	GapsFilled int64 // outages filled by other means (X's search)
	Duplicates int64 // posts dropped as already delivered
	LastError  string
}

// NotCounted marks a count a source does not keep.
const NotCounted = -1

// CounterReporter is implemented by streams that keep Counters.
type CounterReporter interface {
	Counters() Counters
}

// ErrEndOfInput is returned by Run when a finite source (a file) is done.
var ErrEndOfInput = errors.New("end of input")

// ErrKeywordLimit is wrapped by SetKeywords when the upstream cannot take
// every keyword (X's rule limits): what fits was applied and the stream
// goes on with it, so callers should report it, not restart the stream.
var ErrKeywordLimit = errors.New("keywords exceed the source's limits")

// Options carries what a source may need from its tenant and the process.
type Options struct {
	Logger *slog.Logger
	// Credentials holds the tenant's decrypted source credentials, by name
	// ("bearer_token"). Sources must never log them.
	Credentials map[string]string
	// State persists small values (a cursor) across restarts; may be nil.
	State StateStore
}

// StateStore keeps a source's small durable state, such as a cursor.
type StateStore interface {
	Get(ctx context.Context, key string) (string, error) // "" when absent
	Put(ctx context.Context, key, value string) error
}

// Factory builds a stream from its URL.
type Factory func(u *url.URL, opt Options) (Stream, error)

var (
	mu       sync.RWMutex
	registry = map[string]Factory{}
)

// Register makes a source available by URL scheme; a duplicate panics.
func Register(scheme string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[scheme]; dup {
		panic("source: scheme registered twice: " + scheme)
	}
	registry[scheme] = f
}

// Schemes lists the registered schemes, sorted.
func Schemes() []string {
	mu.RLock()
	defer mu.RUnlock()
	s := make([]string, 0, len(registry))
	for k := range registry {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// Open builds a stream from a URL such as "synth://?rate=5000&seed=1" or
// "file:///var/lib/posts.jsonl?speed=max".
func Open(spec string, opt Options) (Stream, error) {
	u, err := url.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", spec, err)
	}
	mu.RLock()
	f, ok := registry[u.Scheme]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("source %q: unknown scheme %q (have %s)", spec, u.Scheme, strings.Join(Schemes(), ", "))
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := f(u, opt)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", u.Scheme, err)
	}
	return s, nil
}
