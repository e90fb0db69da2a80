// Package sqlite is the embedded store backend: one SQLite file through
// modernc.org/sqlite, a pure-Go driver, so tsa builds without cgo and runs
// with nothing else installed.
//
// The database runs in WAL mode with synchronous=NORMAL (a crash of the
// process loses nothing committed; a power cut may lose the last commits)
// and two pools: one connection that does every write, so writers queue in
// Go rather than fail as busy, and several read-only connections that WAL
// lets read while the writer commits.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/tsaproject/tsa/internal/store"
	"github.com/tsaproject/tsa/internal/store/sqlstore"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Scheme is the URL scheme of this backend: sqlite:///abs/path.db,
// sqlite://relative/path.db, or sqlite://:memory: for a private in-memory
// database.
const Scheme = "sqlite"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// busyTimeoutMS is how long a connection waits for another process's lock
// (tsa token create while tsa serve runs) before failing.
const busyTimeoutMS = 10000

// dialect is SQLite's side of the shared SQL.
func dialect() sqlstore.Dialect {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sqlstore.Dialect{
		Name:       Scheme,
		ILike:      "LIKE",
		Migrations: sub,
		// SQLITE_MAX_VARIABLE_NUMBER's default since SQLite 3.32.
		MaxParams: 32766,
	}
}

// filePath returns the file a sqlite:// URL names, or ":memory:".
func filePath(rawURL string) (string, error) {
	rest, ok := strings.CutPrefix(rawURL, Scheme+"://")
	switch {
	case !ok:
		return "", fmt.Errorf("sqlite store: URL %q does not start with %s://", rawURL, Scheme)
	case rest == "":
		return "", fmt.Errorf("sqlite store: URL %q names no file", rawURL)
	case strings.ContainsAny(rest, "?#"):
		// The driver reads parameters after '?'; ours are fixed.
		return "", fmt.Errorf("sqlite store: URL %q: parameters and '?' or '#' in paths are not supported", rawURL)
	}
	return rest, nil
}

// Open opens (creating when missing) the database a sqlite:// URL names and
// brings its schema up to date.
func Open(ctx context.Context, rawURL string, opts store.Options) (store.Store, error) {
	path, err := filePath(rawURL)
	if err != nil {
		return nil, err
	}
	const pragmas = "_busy_timeout=%d&_foreign_keys=1&_txlock=immediate"
	if path == ":memory:" {
		// Every connection to :memory: is a database of its own, so one
		// connection must serve reads and writes.
		db, err := sql.Open("sqlite", ":memory:?"+fmt.Sprintf(pragmas, busyTimeoutMS))
		if err != nil {
			return nil, fmt.Errorf("sqlite store: %w", err)
		}
		db.SetMaxOpenConns(1)
		db.SetConnMaxIdleTime(0)
		return newStore(ctx, db, db, opts)
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", path+"?"+fmt.Sprintf(pragmas, busyTimeoutMS)+"&_journal_mode=WAL&_synchronous=NORMAL")
	if err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", path+"?"+fmt.Sprintf(pragmas, busyTimeoutMS)+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	r.SetMaxOpenConns(max(4, 2*runtime.NumCPU()))
	r.SetMaxIdleConns(max(4, 2*runtime.NumCPU()))
	return newStore(ctx, w, r, opts)
}

func newStore(ctx context.Context, w, r *sql.DB, opts store.Options) (store.Store, error) {
	s, err := sqlstore.New(ctx, w, r, dialect(), opts)
	if err != nil {
		err = errors.Join(err, w.Close())
		if r != w {
			err = errors.Join(err, r.Close())
		}
		return nil, err
	}
	return s, nil
}

// createPrivate makes the database file (and its directory) readable by
// the owner only before SQLite opens it: it holds token hashes, sealed
// credentials and logs. SQLite gives the -wal and -shm files the database
// file's mode.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("sqlite store: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite store: %w", err)
	}
	return f.Close()
}
