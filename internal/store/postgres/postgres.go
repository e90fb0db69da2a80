// Package postgres is the store backend for several tsa processes sharing
// one database: PostgreSQL through pgx's database/sql driver, so the shared
// SQL in sqlstore runs unchanged apart from the Dialect below.
//
// Unlike SQLite's single writer, PostgreSQL runs transactions side by side,
// so the dialect adds what that needs: an advisory lock around migrations
// (every process migrates at start), one around log appends (so log ids
// become visible in order for followers), and FOR KEY SHARE on the existence
// checks of batch writes (so a concurrent delete waits instead of failing the
// batch with a foreign key error), and FOR NO KEY UPDATE on the tenant when
// its keyword set is replaced (so two replacements take turns).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tsaproject/tsa/internal/store"
	"github.com/tsaproject/tsa/internal/store/sqlstore"
)

// Scheme is the URL scheme of this backend; "postgresql" is accepted too,
// as libpq does.
const Scheme = "postgres"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Advisory lock keys, scoped to the database by PostgreSQL: "tsa_migr" and
// "tsa_logs" in ASCII, unlikely to collide with another application's keys
// in a shared database.
const (
	migrateLockKey = 0x7473615f6d696772
	logsLockKey    = 0x7473615f6c6f6773
)

// maxConnsParam is the URL parameter that sets the pool size (the name
// pgxpool uses). It is taken out of the URL before pgx sees it, since pgx
// would send it to the server as a run-time setting.
const maxConnsParam = "pool_max_conns"

// Pool lifetimes: connections are recycled now and then so a failover or a
// server-side setting change reaches every process, and idle ones are closed
// so a quiet tsa does not hold server slots.
const (
	connMaxLifetime = 30 * time.Minute
	connMaxIdleTime = 5 * time.Minute
)

// dialect is PostgreSQL's side of the shared SQL.
func dialect() sqlstore.Dialect {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sqlstore.Dialect{
		Name:   Scheme,
		Rebind: rebind,
		// ILIKE folds case beyond ASCII, by the database's locale, where
		// SQLite's LIKE folds ASCII only; the suite tests ASCII.
		ILike:      "ILIKE",
		Migrations: sub,
		// The wire protocol counts bind parameters in 16 bits.
		MaxParams:      65535,
		LockMigrations: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(migrateLockKey)),
		LockLogAppend:  fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(logsLockKey)),
		KeyShare:       " FOR KEY SHARE",
		ForUpdate:      " FOR NO KEY UPDATE",
	}
}

// rebind turns the ? placeholders of sqlstore's queries into $1, $2 …,
// leaving ? inside quoted literals and identifiers alone.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + len(query)/4)
	n := 0
	var quote byte // the quote we are inside, or 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote closes and reopens: same result
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// connConfig parses a postgres:// URL into pgx's configuration and the pool
// size.
func connConfig(rawURL string) (*pgx.ConnConfig, int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url's error quotes the URL, which may hold a password.
		return nil, 0, errors.New("postgres store: the URL does not parse")
	}
	if u.Scheme != Scheme && u.Scheme != "postgresql" {
		return nil, 0, fmt.Errorf("postgres store: URL scheme %q, want %s://", u.Scheme, Scheme)
	}
	maxConns := max(8, 4*runtime.GOMAXPROCS(0))
	q := u.Query()
	if v := q.Get(maxConnsParam); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, 0, fmt.Errorf("postgres store: %s=%q: want a positive number", maxConnsParam, v)
		}
		maxConns = n
		q.Del(maxConnsParam)
		u.RawQuery = q.Encode()
	}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, 0, fmt.Errorf("postgres store: %w", err)
	}
	return cfg, maxConns, nil
}

// Open connects to the database a postgres:// URL names (which must exist)
// and brings its schema up to date. Several processes may open the same
// database at once. The URL takes libpq's parameters (sslmode,
// connect_timeout …) and pool_max_conns.
func Open(ctx context.Context, rawURL string, opts store.Options) (store.Store, error) {
	cfg, maxConns, err := connConfig(rawURL)
	if err != nil {
		return nil, err
	}
	// One pool serves reads and writes: PostgreSQL needs no single writer.
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxLifetime(connMaxLifetime)
	db.SetConnMaxIdleTime(connMaxIdleTime)
	// Fail here with the server's own reason (refused, no such database,
	// authentication) rather than inside the first migration step.
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("postgres store: connect to %s:%d/%s: %w", cfg.Host, cfg.Port, cfg.Database, err), db.Close())
	}
	s, err := sqlstore.New(ctx, db, db, dialect(), opts)
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return s, nil
}
