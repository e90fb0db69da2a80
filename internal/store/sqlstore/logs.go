package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/tsaproject/tsa/internal/store"
)

// AddLogs implements store.Logs.
func (s *DB) AddLogs(ctx context.Context, entries []store.LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	tenants := map[string]bool{}
	for i := range entries {
		tenants[entries[i].TenantID] = false
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.LockLogAppend != "" {
			if _, err := tx.ExecContext(ctx, s.d.LockLogAppend); err != nil {
				return err
			}
		}
		for id := range tenants {
			switch err := s.tenantExists(ctx, tx, id, s.d.KeyShare); {
			case err == nil:
				tenants[id] = true
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO logs (tenant_id, service, instance, time_ns, level, message, attrs)
			VALUES (?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range entries {
			e := &entries[i]
			if !tenants[e.TenantID] {
				continue
			}
			if _, err := stmt.ExecContext(ctx, e.TenantID, e.Service, e.Instance, ns(e.Time), int(e.Level), e.Message, string(e.Attrs)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add %d log entries: %w", len(entries), err)
	}
	return nil
}

// QueryLogs implements store.Logs.
func (s *DB) QueryLogs(ctx context.Context, tenantID string, lq store.LogQuery) ([]store.LogEntry, error) {
	query := `SELECT id, tenant_id, service, instance, time_ns, level, message, attrs FROM logs WHERE tenant_id = ?`
	args := []any{tenantID}
	add := func(cond string, v any) {
		query += ` AND ` + cond
		args = append(args, v)
	}
	if lq.Service != "" {
		add(`service = ?`, lq.Service)
	}
	if lq.Instance != "" {
		add(`instance = ?`, lq.Instance)
	}
	if lq.MinLevel != nil {
		add(`level >= ?`, int(*lq.MinLevel))
	}
	if !lq.Since.IsZero() {
		add(`time_ns >= ?`, ns(lq.Since))
	}
	if !lq.Until.IsZero() {
		add(`time_ns < ?`, ns(lq.Until))
	}
	if lq.Q != "" {
		add(`message `+s.d.ILike+` ? ESCAPE '\'`, containsPattern(lq.Q))
	}
	order := ` ORDER BY id DESC`
	switch {
	case lq.After > 0:
		add(`id > ?`, lq.After)
		order = ` ORDER BY id`
	case lq.Before > 0:
		add(`id < ?`, lq.Before)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query+order+` LIMIT `+strconv.Itoa(limit(lq.Limit))), args...)
	if err != nil {
		return nil, fmt.Errorf("query logs: %w", err)
	}
	defer rows.Close()
	out := []store.LogEntry{}
	for rows.Next() {
		var e store.LogEntry
		var t int64
		var level int
		var attrs string
		if err := rows.Scan(&e.ID, &e.TenantID, &e.Service, &e.Instance, &t, &level, &e.Message, &attrs); err != nil {
			return nil, fmt.Errorf("query logs: %w", err)
		}
		e.Time, e.Level = fromNS(t), slog.Level(level)
		if attrs != "" {
			e.Attrs = []byte(attrs)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query logs: %w", err)
	}
	return out, nil
}

// PruneLogs implements store.Logs.
func (s *DB) PruneLogs(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM logs WHERE time_ns < ?`), ns(before))
	if err != nil {
		return 0, fmt.Errorf("prune logs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune logs: %w", err)
	}
	return n, nil
}
