// Package storetest is the conformance suite every store backend runs, so
// SQLite and PostgreSQL behave alike: CRUD, tenant isolation, idempotent
// batch writes, paging, log filters, migrations, and secrets that never reach
// the database in plaintext.
package storetest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/secret"
	"github.com/tsaproject/tsa/internal/store"
)

// Backend is what the suite needs from one backend.
type Backend struct {
	// NewURL returns the URL of a new, empty database.
	NewURL func(t *testing.T) string
	// Open is the backend's Open.
	Open func(ctx context.Context, rawURL string, opts store.Options) (store.Store, error)
	// DB opens the database at rawURL directly, for the checks below the
	// Store API (migration rows, tampering). The suite closes it.
	DB func(t *testing.T, rawURL string) *sql.DB
	// Dump returns every byte the backend keeps for rawURL (for SQLite the
	// database file with its WAL), to search for leaked secrets.
	Dump func(t *testing.T, rawURL string) []byte
}

// Run runs the whole suite against b.
func Run(t *testing.T, b Backend) {
	for _, tc := range []struct {
		name string
		f    func(*testing.T, *env)
	}{
		{"Tenants", testTenants},
		{"Credentials", testCredentials},
		{"Tokens", testTokens},
		{"Sessions", testSessions},
		{"Keywords", testKeywords},
		{"SourceState", testSourceState},
		{"Recordings", testRecordings},
		{"RecordingWindows", testRecordingWindows},
		{"RecordingPosts", testRecordingPosts},
		{"PostPaging", testPostPaging},
		{"Logs", testLogs},
		{"Isolation", testIsolation},
		{"Migrations", testMigrations},
		{"SecretsNotStored", testSecretsNotStored},
		{"ConcurrentReadWrite", testConcurrentReadWrite},
		{"TwoStores", testTwoStores},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.f(t, newEnv(t, b))
		})
	}
}

// env is one test's database, store and clock.
type env struct {
	t     *testing.T
	b     Backend
	url   string
	box   *secret.Box
	clock *clock
	s     store.Store
	ctx   context.Context
}

func newEnv(t *testing.T, b Backend) *env {
	e := &env{t: t, b: b, url: b.NewURL(t), box: newBox(t, 1), clock: newClock(), ctx: t.Context()}
	e.s = e.open(e.box)
	return e
}

// open opens another store on the env's database, closed at the end.
func (e *env) open(box *secret.Box) store.Store {
	e.t.Helper()
	s, err := e.b.Open(e.ctx, e.url, store.Options{Secrets: box, Now: e.clock.Now})
	if err != nil {
		e.t.Fatalf("open %s: %v", e.url, err)
	}
	e.t.Cleanup(func() {
		if err := s.Close(); err != nil {
			e.t.Errorf("close: %v", err)
		}
	})
	return s
}

// db opens the database directly.
func (e *env) db() *sql.DB {
	db := e.b.DB(e.t, e.url)
	e.t.Cleanup(func() { db.Close() })
	return db
}

func (e *env) tenant(name string) store.Tenant {
	e.t.Helper()
	t, err := e.s.CreateTenant(e.ctx, name, "synth://?rate=50")
	if err != nil {
		e.t.Fatalf("create tenant %q: %v", name, err)
	}
	return t
}

func newBox(t *testing.T, b byte) *secret.Box {
	box, err := secret.New(bytes.Repeat([]byte{b}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// clock is a settable time source, so expiry and last-used logic can be
// tested without sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// lit quotes a string as an SQL literal, for the suite's direct queries,
// which use no placeholders since their syntax differs between databases.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
