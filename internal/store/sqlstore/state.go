package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tsaproject/tsa/internal/store"
)

// tenantExists answers ErrNotFound for an unknown tenant inside a write, so
// callers get the same error from every backend instead of a foreign key
// failure. lock is the Dialect's row lock clause to take on the tenant.
func (s *DB) tenantExists(ctx context.Context, tx *sql.Tx, tenantID, lock string) error {
	var one int
	err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM tenants WHERE id = ?`+lock), tenantID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("tenant", tenantID)
	}
	return err
}

// SetTenantKeywords implements store.Keywords.
func (s *DB) SetTenantKeywords(ctx context.Context, tenantID string, keywords []string) error {
	kws := cleanKeywords(keywords)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.tenantExists(ctx, tx, tenantID, s.d.ForUpdate); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM tenant_keywords WHERE tenant_id = ?`), tenantID); err != nil {
			return err
		}
		if len(kws) == 0 {
			return nil
		}
		stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO tenant_keywords (tenant_id, keyword) VALUES (?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, k := range kws {
			if _, err := stmt.ExecContext(ctx, tenantID, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set keywords of tenant %q: %w", tenantID, err)
	}
	return nil
}

// TenantKeywords implements store.Keywords. An unknown tenant tracks
// nothing; it is not an error, as for any empty set.
func (s *DB) TenantKeywords(ctx context.Context, tenantID string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT keyword FROM tenant_keywords WHERE tenant_id = ? ORDER BY keyword`), tenantID)
	if err != nil {
		return nil, fmt.Errorf("keywords of tenant %q: %w", tenantID, err)
	}
	defer rows.Close()
	kws := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("keywords of tenant %q: %w", tenantID, err)
		}
		kws = append(kws, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keywords of tenant %q: %w", tenantID, err)
	}
	return kws, nil
}

// GetSourceState implements store.SourceStates.
func (s *DB) GetSourceState(ctx context.Context, tenantID, key string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT value FROM source_state WHERE tenant_id = ? AND key = ?`), tenantID, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("source state %q of tenant %q: %w", key, tenantID, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("source state %q of tenant %q: %w", key, tenantID, err)
	}
	return v, nil
}

// PutSourceState implements store.SourceStates.
func (s *DB) PutSourceState(ctx context.Context, tenantID, key, value string) error {
	err := s.execOne(ctx, "put source state of tenant", tenantID, `INSERT INTO source_state (tenant_id, key, value, updated_ns)
		SELECT id, ?, ?, ? FROM tenants WHERE id = ?
		ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value, updated_ns = excluded.updated_ns`,
		key, value, ns(s.now()), tenantID)
	if err != nil {
		return fmt.Errorf("key %q: %w", key, err)
	}
	return nil
}
