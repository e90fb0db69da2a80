package logs

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/store"
)

func TestParseLine(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		line  string
		level slog.Level
		msg   string
		attrs string
		time  time.Time
	}{
		{"plain words", slog.LevelInfo, "plain words", "", now},
		{"ERROR: disk full", slog.LevelError, "ERROR: disk full", "", now},
		{"[warn] slow", slog.LevelWarn, "[warn] slow", "", now},
		{"panic: boom", slog.LevelError, "panic: boom", "", now},
		{`{"level":"WARN","msg":"slow","ms":12}`, slog.LevelWarn, "slow", `{"ms":12}`, now},
		{`{"time":"2026-11-20T10:00:00Z","level":"error","message":"x","a":{"b":1}}`, slog.LevelError, "x", `{"a":{"b":1}}`,
			time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)},
		{`{"broken json`, slog.LevelInfo, `{"broken json`, "", now},
		{"line\r\n", slog.LevelInfo, "line", "", now},
	}
	for _, tc := range tests {
		e := ParseLine(tc.line, now)
		if e.Level != tc.level || e.Message != tc.msg || string(e.Attrs) != tc.attrs || !e.Time.Equal(tc.time) {
			t.Errorf("ParseLine(%q) = level %v msg %q attrs %s time %v", tc.line, e.Level, e.Message, e.Attrs, e.Time)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{"x", `{"msg":"a","level":"warn"}`, "\xff{", `{"time":1.7e9}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e := ParseLine(line, time.Unix(0, 0))
		if !utf8.ValidString(e.Message) {
			t.Fatalf("invalid UTF-8 message %q", e.Message)
		}
		if e.Attrs != nil && !json.Valid(e.Attrs) {
			t.Fatalf("attrs not JSON: %q", e.Attrs)
		}
	})
}

type fakeAdder struct {
	mu   sync.Mutex
	got  []store.LogEntry
	fail bool
}

func (f *fakeAdder) AddLogs(_ context.Context, e []store.LogEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("down")
	}
	f.got = append(f.got, e...)
	return nil
}

func TestWriterAndHandler(t *testing.T) {
	fa := &fakeAdder{fail: true}
	w := NewWriter(fa, 10*time.Millisecond)
	h := NewHandler(slog.NewJSONHandler(io.Discard, nil), w, "t1", "tsa", "i1")
	log := slog.New(h).With("k", "v").WithGroup("g")
	log.Info("hello", "n", 1, "err", errors.New("bad"))
	time.Sleep(50 * time.Millisecond) // store down: entries stay queued
	fa.mu.Lock()
	fa.fail = false
	fa.mu.Unlock()
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(fa.got) != 1 {
		t.Fatalf("stored %d entries", len(fa.got))
	}
	e := fa.got[0]
	if e.TenantID != "t1" || e.Service != "tsa" || e.Instance != "i1" || e.Message != "hello" {
		t.Errorf("entry %+v", e)
	}
	var attrs map[string]any
	_ = json.Unmarshal(e.Attrs, &attrs)
	if attrs["k"] != "v" || attrs["g.n"] != float64(1) || attrs["g.err"] != "bad" {
		t.Errorf("attrs %s", e.Attrs)
	}
}
