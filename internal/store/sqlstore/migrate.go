package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/tsaproject/tsa/internal/store"
)

// migration is one schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the dialect's files and checks they number 1..N.
func migrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %q: want NNNN_title.sql", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %q: version %d, want %d (no gaps or duplicates)", m.name, m.version, i+1)
		}
	}
	return ms, nil
}

// migrate brings the schema up to date in one transaction: either every
// pending step applies or none does. A database that a newer tsa migrated
// is refused, since this binary would misread tables it does not know.
func (s *DB) migrate(ctx context.Context) error {
	ms, err := migrations(s.d.Migrations)
	if err != nil {
		return fmt.Errorf("%s store: %w", s.d.Name, err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.LockMigrations != "" {
			if _, err := tx.ExecContext(ctx, s.d.LockMigrations); err != nil {
				return fmt.Errorf("wait for other migrations: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    BIGINT PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_ns BIGINT NOT NULL)`); err != nil {
			return err
		}
		var cur int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
			return err
		}
		if cur > len(ms) {
			return fmt.Errorf("%w: the database is at schema version %d, this tsa knows up to %d; run a newer tsa", store.ErrSchemaTooNew, cur, len(ms))
		}
		for _, m := range ms[cur:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name, applied_ns) VALUES (?, ?, ?)`),
				m.version, m.name, ns(s.now())); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s store: migrate: %w", s.d.Name, err)
	}
	return nil
}
