package postgres

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tsaproject/tsa/internal/secret"
	"github.com/tsaproject/tsa/internal/store"
	"github.com/tsaproject/tsa/internal/store/storetest"
)

// urlEnv names the server the tests use; each test makes its own database
// on it. The default is the machine's own PostgreSQL with trust auth.
const (
	urlEnv     = "TSA_TEST_POSTGRES_URL"
	defaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
)

var server struct {
	once sync.Once
	url  string // the maintenance database's URL
	err  error
}

// serverURL returns the URL of a reachable server's maintenance database,
// starting the machine's cluster when it is down. Without one the test fails
// (it is skipped only under -short): the ordinary test run must exercise the
// real backend, never pass by skipping it.
func serverURL(t testing.TB) string {
	t.Helper()
	server.once.Do(func() {
		server.url = os.Getenv(urlEnv)
		if server.url == "" {
			server.url = defaultURL
		}
		err := ping(server.url)
		if err != nil && os.Getenv(urlEnv) == "" {
			if startErr := startLocalCluster(); startErr != nil {
				err = errors.Join(err, startErr)
			} else {
				err = waitReachable(server.url, 30*time.Second)
			}
		}
		if err != nil {
			server.err = fmt.Errorf("no PostgreSQL at %s (set %s to another server's maintenance database, "+
				"or install PostgreSQL from Debian's postgresql package and start it with "+
				"'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'): %w",
				redact(server.url), urlEnv, err)
		}
	})
	if server.err != nil {
		if testing.Short() {
			t.Skip(server.err)
		}
		t.Fatal(server.err)
	}
	return server.url
}

func ping(rawURL string) error {
	db, err := openDB(rawURL)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func waitReachable(rawURL string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		err := ping(rawURL)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// startLocalCluster starts the Debian cluster this machine was set up with.
func startLocalCluster() error {
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		return fmt.Errorf("cannot start one: %w", err)
	}
	versions, err := os.ReadDir("/etc/postgresql")
	if err != nil || len(versions) == 0 {
		return fmt.Errorf("cannot start one: no cluster under /etc/postgresql: %v", err)
	}
	out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", versions[len(versions)-1].Name(), "main", "start").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctlcluster: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// openDB opens a plain pool on rawURL, for the checks below the Store API.
func openDB(rawURL string) (*sql.DB, error) {
	cfg, _, err := connConfig(rawURL)
	if err != nil {
		return nil, err
	}
	return stdlib.OpenDB(*cfg), nil
}

// newDatabase creates an empty database with a random name on the test
// server, dropped when the test ends, and returns its URL. Its own database
// per test lets tests and concurrent runs never see each other's rows.
func newDatabase(t testing.TB) string {
	t.Helper()
	base := serverURL(t)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "tsa_test_" + hex.EncodeToString(b)
	admin, err := openDB(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create database %s: %v", name, err)
	}
	// Registered first, so it runs after the cleanups that close the
	// stores; FORCE ends any connection a failed test left behind.
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func mustDB(t *testing.T, rawURL string) *sql.DB {
	db, err := openDB(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// dump returns every row of every table of the database as text: what the
// database keeps, short of its files, which belong to the server's user.
func dump(t *testing.T, rawURL string) []byte {
	db := mustDB(t, rawURL)
	defer db.Close()
	ctx := t.Context()
	rows, err := db.QueryContext(ctx, `SELECT quote_ident(table_name) FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	var all []byte
	for _, table := range tables {
		var text sql.NullString
		if err := db.QueryRowContext(ctx, `SELECT string_agg(r::text, E'\n') FROM `+table+` r`).Scan(&text); err != nil {
			t.Fatal(err)
		}
		all = append(all, text.String...)
		all = append(all, '\n')
	}
	return all
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		NewURL: func(t *testing.T) string { return newDatabase(t) },
		Open:   Open,
		DB:     mustDB,
		Dump:   dump,
	})
}

func testOptions(tb testing.TB) store.Options {
	box, err := secret.New(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	return store.Options{Secrets: box}
}

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                                 `SELECT 1`,
		`a = ? AND b = ?`:                          `a = $1 AND b = $2`,
		`x LIKE ? ESCAPE '\' AND y = ?`:            `x LIKE $1 ESCAPE '\' AND y = $2`,
		`x = '?' AND y = ? AND "c?" = ?`:           `x = '?' AND y = $1 AND "c?" = $2`,
		`x = 'it''s ?' AND y = ?`:                  `x = 'it''s ?' AND y = $1`,
		`VALUES (?, ?), (?, ?), (?, ?), (?, ?), ?`: `VALUES ($1, $2), ($3, $4), ($5, $6), ($7, $8), $9`,
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConnConfig(t *testing.T) {
	for _, tc := range []struct {
		url      string
		ok       bool
		maxConns int
	}{
		{"postgres://u@127.0.0.1:5432/db?sslmode=disable", true, 0},
		{"postgresql://u@127.0.0.1/db?sslmode=disable", true, 0},
		{"postgres://u@127.0.0.1/db?sslmode=disable&pool_max_conns=3", true, 3},
		{"postgres://u@127.0.0.1/db?pool_max_conns=0", false, 0},
		{"postgres://u@127.0.0.1/db?pool_max_conns=x", false, 0},
		{"sqlite:///x.db", false, 0},
		{"mysql://u@host/db", false, 0},
	} {
		cfg, n, err := connConfig(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("connConfig(%q): error %v, want ok %v", tc.url, err, tc.ok)
			continue
		}
		if err != nil {
			continue
		}
		if _, sent := cfg.RuntimeParams[maxConnsParam]; sent {
			t.Errorf("connConfig(%q) sends %s to the server", tc.url, maxConnsParam)
		}
		if tc.maxConns != 0 && n != tc.maxConns {
			t.Errorf("connConfig(%q): pool of %d, want %d", tc.url, n, tc.maxConns)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	u := newDatabase(t)
	if _, err := Open(ctx, u, store.Options{}); err == nil {
		t.Error("opened without a secret box")
	}
	if _, err := Open(ctx, "sqlite:///x.db", testOptions(t)); err == nil {
		t.Error("opened another scheme")
	}
	// A database that does not exist is an error naming it, not a hang.
	missing := strings.Replace(u, "tsa_test_", "tsa_missing_", 1)
	_, err := Open(ctx, missing, testOptions(t))
	if err == nil || !strings.Contains(err.Error(), "tsa_missing_") {
		t.Errorf("open of a missing database: %v", err)
	}
	// A cancelled context stops Open.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if s, err := Open(cctx, u, testOptions(t)); err == nil {
		s.Close()
		t.Error("opened with a cancelled context")
	}
}

// TestConcurrentOpen starts several stores on one new database at once, as
// several tsa processes starting together do: the migration lock lets one
// create the schema and the others find it done.
func TestConcurrentOpen(t *testing.T) {
	ctx := t.Context()
	u := newDatabase(t)
	const n = 6
	stores := make([]store.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, u, testOptions(t)) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Errorf("open %d: %v", i, errs[i])
			continue
		}
		defer s.Close()
	}
	if t.Failed() {
		return
	}
	db := mustDB(t, u)
	defer db.Close()
	var rows, highest int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&rows, &highest); err != nil {
		t.Fatal(err)
	}
	if rows != highest {
		t.Fatalf("schema_migrations: %d rows, highest %d", rows, highest)
	}
	if _, err := stores[n-1].EnsureDefaultTenant(ctx); err != nil {
		t.Fatal(err)
	}
}
