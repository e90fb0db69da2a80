// Package sqlstore implements store.Store over database/sql, once for every
// SQL backend. The queries are portable SQL (ON CONFLICT, row values, times
// as integer nanoseconds, JSON kept as text, booleans bound and scanned as
// Go bools, which SQLite keeps as 0/1 and PostgreSQL as BOOLEAN); what
// differs between SQLite and PostgreSQL is gathered in Dialect, and each
// backend package supplies its dialect, its migrations, and its connection
// pools.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/tsaproject/tsa/internal/secret"
	"github.com/tsaproject/tsa/internal/store"
)

// Dialect is everything the shared SQL needs to know about one database.
type Dialect struct {
	// Name is the backend's name in errors ("sqlite").
	Name string
	// Rebind rewrites the ? placeholders the queries are written with into
	// the driver's own ($1, $2 … for PostgreSQL). nil keeps ?.
	Rebind func(query string) string
	// ILike is the case-insensitive LIKE operator: "LIKE" in SQLite (which
	// folds ASCII only), "ILIKE" in PostgreSQL.
	ILike string
	// Migrations holds the schema as files NNNN_title.sql, numbered from 1
	// without gaps, each applied once in order.
	Migrations fs.FS
	// MaxParams is the most bind parameters one statement may carry; batch
	// inserts put as many rows in one statement as fit.
	MaxParams int

	// What follows is for databases whose transactions run side by side
	// (PostgreSQL). SQLite, with its one writer, needs none of it.

	// LockMigrations, when set, runs first in the migration transaction
	// and must block until no other process is migrating the same
	// database, so two processes starting at once do not both create the
	// tables (PostgreSQL: pg_advisory_xact_lock).
	LockMigrations string
	// LockLogAppend, when set, runs first in AddLogs's transaction and
	// serializes log writers until commit, so log ids become visible in
	// increasing order and a follower's After cursor never skips a line
	// that a slower transaction committed behind it.
	LockLogAppend string
	// KeyShare is appended to the existence checks that batch writes make
	// inside their transaction (" FOR KEY SHARE"), so a concurrent delete
	// of the recording or tenant waits for the batch instead of turning
	// its inserts into foreign key errors.
	KeyShare string
	// ForUpdate is appended to the tenant check of writes that replace a
	// tenant's rows wholesale (" FOR NO KEY UPDATE"), so two of them take
	// turns: otherwise each deletes only the rows it sees and both insert.
	ForUpdate string
}

// DB is a store.Store over two pools: W writes (the SQLite backend gives it
// one connection, so writers queue in Go instead of failing as busy) and R
// reads. They may be the same pool.
type DB struct {
	w, r *sql.DB
	d    Dialect
	box  *secret.Box
	now  func() time.Time

	postInsert, windowInsert *batchInsert
}

var _ store.Store = (*DB)(nil)

// New runs the migrations on w and returns the store. It closes neither pool
// on error: the caller opened them.
func New(ctx context.Context, w, r *sql.DB, d Dialect, opts store.Options) (*DB, error) {
	if opts.Secrets == nil {
		return nil, fmt.Errorf("%s store: no secret box for credentials", d.Name)
	}
	if d.Rebind == nil {
		d.Rebind = func(q string) string { return q }
	}
	s := &DB{w: w, r: r, d: d, box: opts.Secrets, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	s.postInsert = newBatchInsert(d, "recorded_posts", postColumns, "recording_id, source, post_id")
	s.windowInsert = newBatchInsert(d, "recorded_windows", windowColumns, "recording_id, keyword, start_ns")
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	for _, b := range []*batchInsert{s.postInsert, s.windowInsert} {
		if err := b.prepare(ctx, s.w); err != nil {
			return nil, errors.Join(fmt.Errorf("%s store: prepare inserts: %w", d.Name, err), s.postInsert.close(), s.windowInsert.close())
		}
	}
	return s, nil
}

// Close closes both pools.
func (s *DB) Close() error {
	err := errors.Join(s.postInsert.close(), s.windowInsert.close(), s.w.Close())
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// q adapts a query to the driver's placeholders.
func (s *DB) q(query string) string { return s.d.Rebind(query) }

// tx runs f in a write transaction, committing when f returns nil.
func (s *DB) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// idEncoding is lower-case base32 without padding: ids and tokens that are
// safe in URLs, file names and shells, and easy to read aloud.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomString returns n random bytes encoded; 10 bytes make 16 characters,
// 20 bytes 32.
func randomString(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never fails on supported platforms (it panics instead).
	_, _ = rand.Read(b)
	return idEncoding.EncodeToString(b)
}

// newID returns a record id: a type prefix, then 80 random bits.
func newID(prefix string) string { return prefix + randomString(10) }

// ns converts a time to what the database stores: Unix nanoseconds, 0 for
// the zero time.
func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNS is the inverse of ns; times come back in UTC.
func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// jsonStrings encodes a string list as a JSON array, the form keyword lists
// take in the database (searchable with LIKE '%"kw"%').
func jsonStrings(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v) // a []string always marshals
	return string(b)
}

func parseStrings(s string) ([]string, error) {
	var v []string
	if s == "" {
		return v, nil
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("decode string list: %w", err)
	}
	return v, nil
}

// jsonElemPattern is a LIKE pattern matching a JSON array text that holds
// the string elem.
func jsonElemPattern(elem string) string {
	b, _ := json.Marshal(elem)
	return "%" + escapeLike(string(b)) + "%"
}

// containsPattern is a LIKE pattern for a substring.
func containsPattern(sub string) string { return "%" + escapeLike(sub) + "%" }

// escapeLike escapes LIKE's wildcards with \, matching the ESCAPE '\' clause
// every LIKE in this package carries.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// limit applies the page size defaults.
func limit(n int) int {
	switch {
	case n <= 0:
		return store.DefaultLimit
	case n > store.MaxLimit:
		return store.MaxLimit
	}
	return n
}

// notFound wraps store.ErrNotFound naming what was missing.
func notFound(what, id string) error {
	return fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound)
}

// cleanKeywords trims, drops empties and duplicates, and sorts.
func cleanKeywords(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, k := range in {
		k = strings.TrimSpace(k)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
