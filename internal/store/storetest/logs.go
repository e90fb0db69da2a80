package storetest

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/store"
)

func messages(es []store.LogEntry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Message)
	}
	return out
}

func testLogs(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	t0 := e.clock.Now()
	levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}
	var batch []store.LogEntry
	for i := range 40 {
		svc, inst := "api", "i1"
		if i%2 == 1 {
			svc = "worker"
		}
		if i >= 20 {
			inst = "i2"
		}
		batch = append(batch, store.LogEntry{
			TenantID: a.ID, Service: svc, Instance: inst,
			Time:    t0.Add(time.Duration(i) * time.Second),
			Level:   levels[i%4],
			Message: fmt.Sprintf("line %02d %s", i, map[bool]string{true: "100% done", false: "Request_ok"}[i%5 == 0]),
			Attrs:   json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
		})
	}
	batch[1].Attrs = nil
	// One entry of an unknown tenant is skipped, not fatal to the batch.
	batch = append(batch, store.LogEntry{TenantID: "nope", Service: "api", Time: t0, Message: "lost"})
	ok(t, s.AddLogs(ctx, batch[:25]))
	ok(t, s.AddLogs(ctx, batch[25:]))
	ok(t, s.AddLogs(ctx, nil))

	all, err := s.QueryLogs(ctx, a.ID, store.LogQuery{Limit: store.MaxLimit})
	ok(t, err)
	if len(all) != 40 {
		t.Fatalf("%d entries, want 40", len(all))
	}
	// Newest first, ids growing with insertion.
	for i, got := range all {
		want := batch[39-i]
		if got.Message != want.Message || got.Service != want.Service || got.Instance != want.Instance ||
			!got.Time.Equal(want.Time) || got.Level != want.Level || got.TenantID != a.ID || string(got.Attrs) != string(want.Attrs) {
			t.Fatalf("entry %d:\n got %+v\nwant %+v", i, got, want)
		}
		if i > 0 && got.ID >= all[i-1].ID {
			t.Fatalf("ids not decreasing: %d then %d", all[i-1].ID, got.ID)
		}
	}

	count := func(q store.LogQuery) int {
		t.Helper()
		q.Limit = store.MaxLimit
		es, err := s.QueryLogs(ctx, a.ID, q)
		ok(t, err)
		return len(es)
	}
	level := func(l slog.Level) *slog.Level { return &l }
	for _, tc := range []struct {
		name string
		q    store.LogQuery
		want int
	}{
		{"service", store.LogQuery{Service: "worker"}, 20},
		{"instance", store.LogQuery{Instance: "i2"}, 20},
		{"service and instance", store.LogQuery{Service: "api", Instance: "i1"}, 10},
		{"min level debug", store.LogQuery{MinLevel: level(slog.LevelDebug)}, 40},
		{"min level info", store.LogQuery{MinLevel: level(slog.LevelInfo)}, 30},
		{"min level warn", store.LogQuery{MinLevel: level(slog.LevelWarn)}, 20},
		{"min level error", store.LogQuery{MinLevel: level(slog.LevelError)}, 10},
		{"since", store.LogQuery{Since: t0.Add(30 * time.Second)}, 10},
		{"until", store.LogQuery{Until: t0.Add(30 * time.Second)}, 30},
		{"since and until", store.LogQuery{Since: t0.Add(10 * time.Second), Until: t0.Add(12 * time.Second)}, 2},
		{"q", store.LogQuery{Q: "line 1"}, 10},
		{"q case-insensitive", store.LogQuery{Q: "REQUEST_OK"}, 32},
		{"q with %", store.LogQuery{Q: "100% done"}, 8},
		{"q % is literal", store.LogQuery{Q: "e%d"}, 0},
		{"q _ is literal", store.LogQuery{Q: "e_0"}, 0},
		{"all", store.LogQuery{Service: "api", MinLevel: level(slog.LevelWarn), Q: "done", Instance: "i1"}, 1},
	} {
		if got := count(tc.q); got != tc.want {
			t.Errorf("%s: %d entries, want %d", tc.name, got, tc.want)
		}
	}

	// Paging back with Before.
	var back []string
	q := store.LogQuery{Limit: 15}
	for {
		page, err := s.QueryLogs(ctx, a.ID, q)
		ok(t, err)
		if len(page) == 0 {
			break
		}
		back = append(back, messages(page)...)
		q.Before = page[len(page)-1].ID
	}
	if !slices.Equal(back, messages(all)) {
		t.Fatalf("paging back:\n got %v\nwant %v", back, messages(all))
	}

	// Following with After: oldest first from the cursor, then new lines.
	follow, err := s.QueryLogs(ctx, a.ID, store.LogQuery{After: all[3].ID, Limit: 2})
	ok(t, err)
	if !slices.Equal(messages(follow), []string{batch[37].Message, batch[38].Message}) {
		t.Fatalf("after: %v", messages(follow))
	}
	last := all[0].ID
	follow, err = s.QueryLogs(ctx, a.ID, store.LogQuery{After: last})
	ok(t, err)
	if len(follow) != 0 {
		t.Fatalf("nothing new yet, got %v", messages(follow))
	}
	ok(t, s.AddLogs(ctx, []store.LogEntry{
		{TenantID: a.ID, Service: "api", Time: t0, Message: "new 1"},
		{TenantID: a.ID, Service: "api", Time: t0, Message: "new 2", Level: slog.LevelDebug},
	}))
	follow, err = s.QueryLogs(ctx, a.ID, store.LogQuery{After: last, MinLevel: level(slog.LevelInfo)})
	ok(t, err)
	if !slices.Equal(messages(follow), []string{"new 1"}) {
		t.Fatalf("follow: %v", messages(follow))
	}

	// Pruning by time, across tenants.
	n, err := s.PruneLogs(ctx, t0.Add(10*time.Second))
	ok(t, err)
	if n != 12 { // 10 of the batch and the 2 new lines stamped t0
		t.Fatalf("pruned %d, want 12", n)
	}
	if got := count(store.LogQuery{}); got != 30 {
		t.Fatalf("%d entries after pruning, want 30", got)
	}
}
