// Package logs stores service logs: a batching writer to the store, a
// slog.Handler that tees a process's own logs into it, and the line parser
// of `tsa logpipe`.
package logs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/store"
)

// Adder is where entries go.
type Adder interface {
	AddLogs(ctx context.Context, entries []store.LogEntry) error
}

// NewInstanceID returns a random id for one run of a service.
func NewInstanceID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Writer batches entries to the store. Add never blocks; when the store
// falls behind by more than MaxPending entries the oldest are dropped and
// counted.
type Writer struct {
	store      Adder
	interval   time.Duration
	maxPending int

	mu      sync.Mutex
	pending []store.LogEntry
	dropped atomic.Int64
	kick    chan struct{}
	done    chan struct{}
	stop    context.CancelFunc
}

// NewWriter starts a writer that flushes every interval (default 500 ms).
func NewWriter(s Adder, interval time.Duration) *Writer {
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Writer{store: s, interval: interval, maxPending: 100000, kick: make(chan struct{}, 1), done: make(chan struct{}), stop: cancel}
	go w.loop(ctx)
	return w
}

// Add queues entries.
func (w *Writer) Add(entries ...store.LogEntry) {
	w.mu.Lock()
	w.pending = append(w.pending, entries...)
	if over := len(w.pending) - w.maxPending; over > 0 {
		w.pending = append(w.pending[:0], w.pending[over:]...)
		w.dropped.Add(int64(over))
	}
	n := len(w.pending)
	w.mu.Unlock()
	if n >= 5000 {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
}

// Dropped counts entries lost because the store fell behind.
func (w *Writer) Dropped() int64 { return w.dropped.Load() }

func (w *Writer) loop(ctx context.Context) {
	defer close(w.done)
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.kick:
		}
		w.Flush(ctx)
	}
}

// Flush writes what is queued; entries that fail to write are kept.
func (w *Writer) Flush(ctx context.Context) error {
	w.mu.Lock()
	batch := w.pending
	w.pending = nil
	w.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	if err := w.store.AddLogs(ctx, batch); err != nil {
		w.mu.Lock()
		w.pending = append(batch, w.pending...)
		w.mu.Unlock()
		return err
	}
	return nil
}

// Close stops the writer and writes what is left.
func (w *Writer) Close(ctx context.Context) error {
	w.stop()
	<-w.done
	return w.Flush(ctx)
}

// ParseLine turns one line of a service's output into an entry. A JSON
// object keeps its structure: level, msg/message and time/ts become the
// entry's own fields and the rest its attributes. Any other line is wrapped
// as a message, with a level guessed from a leading word like "ERROR".
func ParseLine(line string, now time.Time) store.LogEntry {
	if !utf8.ValidString(line) {
		line = strings.ToValidUTF8(line, "\uFFFD")
	}
	line = strings.TrimRight(line, "\r\n")
	e := store.LogEntry{Time: now, Level: slog.LevelInfo, Message: line}
	trimmed := strings.TrimSpace(line)
	if strings.HasPrefix(trimmed, "{") {
		var m map[string]any
		if err := json.Unmarshal([]byte(trimmed), &m); err == nil {
			fromJSON(&e, m)
			return e
		}
	}
	e.Level = guessLevel(trimmed)
	return e
}

func fromJSON(e *store.LogEntry, m map[string]any) {
	for _, k := range []string{"msg", "message"} {
		if v, ok := m[k].(string); ok {
			e.Message = v
			delete(m, k)
			break
		}
	}
	for _, k := range []string{"level", "lvl", "severity"} {
		if v, ok := m[k].(string); ok {
			e.Level = parseLevel(v)
			delete(m, k)
			break
		}
	}
	for _, k := range []string{"time", "ts", "timestamp"} {
		switch v := m[k].(type) {
		case string:
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				e.Time = t
				delete(m, k)
			}
		case float64:
			if v > 1e9 && v < 1e11 { // unix seconds
				e.Time = time.Unix(0, int64(v*1e9))
				delete(m, k)
			}
		}
	}
	if len(m) > 0 {
		e.Attrs, _ = json.Marshal(m)
	}
}

func parseLevel(s string) slog.Level {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug", "trace", "dbg":
		return slog.LevelDebug
	case "warn", "warning", "wrn":
		return slog.LevelWarn
	case "error", "err", "fatal", "panic", "critical", "crit":
		return slog.LevelError
	}
	return slog.LevelInfo
}

func guessLevel(line string) slog.Level {
	word := line
	if i := strings.IndexAny(line, " :]"); i > 0 {
		word = line[:i]
	}
	word = strings.Trim(word, "[")
	switch strings.ToUpper(word) {
	case "ERROR", "ERR", "FATAL", "PANIC", "E":
		return slog.LevelError
	case "WARN", "WARNING", "W":
		return slog.LevelWarn
	case "DEBUG", "TRACE", "D":
		return slog.LevelDebug
	}
	if strings.HasPrefix(line, "panic:") || strings.HasPrefix(line, "Traceback") {
		return slog.LevelError
	}
	return slog.LevelInfo
}
