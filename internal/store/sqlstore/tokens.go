package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tsaproject/tsa/internal/store"
)

// touchEvery limits last-used updates, so a busy token does not turn every
// API call into a write.
const touchEvery = time.Minute

// hashSecret is how tokens and session ids are stored. Both carry 160
// random bits, so a plain SHA-256 (no salt, no stretching) cannot be
// reversed, and it can be looked up through a unique index.
func hashSecret(plaintext string) string {
	h := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(h[:])
}

const tokenColumns = `t.id, t.tenant_id, t.name, t.admin, t.created_ns, t.last_used_ns`

func scanToken(row interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	var created, used int64
	if err := row.Scan(&t.ID, &t.TenantID, &t.Name, &t.Admin, &created, &used); err != nil {
		return t, err
	}
	t.CreatedAt, t.LastUsedAt = fromNS(created), fromNS(used)
	return t, nil
}

// CreateToken implements store.Tokens.
func (s *DB) CreateToken(ctx context.Context, tenantID, name string, admin bool) (store.Token, string, error) {
	plaintext := store.TokenPrefix + randomString(20)
	t := store.Token{ID: newID("tok_"), TenantID: tenantID, Name: name, Admin: admin, CreatedAt: fromNS(ns(s.now()))}
	// Insert only if the tenant exists, so a missing tenant is ErrNotFound
	// rather than a driver-specific foreign key error.
	err := s.execOne(ctx, "create token for tenant", tenantID, `INSERT INTO tokens (id, tenant_id, name, admin, hash, created_ns)
		SELECT ?, id, ?, ?, ?, ? FROM tenants WHERE id = ?`,
		t.ID, t.Name, admin, hashSecret(plaintext), ns(t.CreatedAt), tenantID)
	if err != nil {
		return store.Token{}, "", err
	}
	return t, plaintext, nil
}

// LookupToken implements store.Tokens.
func (s *DB) LookupToken(ctx context.Context, plaintext string) (store.Token, error) {
	// Anything not shaped like a token is unknown without a query.
	if !strings.HasPrefix(plaintext, store.TokenPrefix) || len(plaintext) != len(store.TokenPrefix)+32 {
		return store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	t, err := scanToken(s.r.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+` FROM tokens t WHERE t.hash = ?`), hashSecret(plaintext)))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("lookup token: %w", err)
	}
	if now := s.now(); now.Sub(t.LastUsedAt) >= touchEvery {
		if _, err := s.w.ExecContext(ctx, s.q(`UPDATE tokens SET last_used_ns = ? WHERE id = ?`), ns(now), t.ID); err != nil {
			return t, fmt.Errorf("lookup token: mark used: %w", err)
		}
		t.LastUsedAt = fromNS(ns(now))
	}
	return t, nil
}

// ListTokens implements store.Tokens.
func (s *DB) ListTokens(ctx context.Context, tenantID string) ([]store.Token, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+tokenColumns+` FROM tokens t WHERE t.tenant_id = ? ORDER BY t.created_ns, t.id`), tenantID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var ts []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken implements store.Tokens; its sessions go by cascade.
func (s *DB) RevokeToken(ctx context.Context, tenantID, tokenID string) error {
	return s.execOne(ctx, "revoke token", tokenID, `DELETE FROM tokens WHERE tenant_id = ? AND id = ?`, tenantID, tokenID)
}

// CreateSession implements store.Tokens.
func (s *DB) CreateSession(ctx context.Context, tokenID string, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", fmt.Errorf("create session: ttl %v: %w", ttl, store.ErrInvalid)
	}
	id := randomString(20)
	now := s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// Expired sessions are swept here rather than by a timer: session
		// creation is rare and the expiry index makes the sweep cheap.
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE expires_ns <= ?`), ns(now)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO sessions (hash, token_id, created_ns, expires_ns)
			SELECT ?, id, ?, ? FROM tokens WHERE id = ?`), hashSecret(id), ns(now), ns(now.Add(ttl)), tokenID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("token", tokenID)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return id, nil
}

// LookupSession implements store.Tokens.
func (s *DB) LookupSession(ctx context.Context, sessionID string) (store.Token, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+`
		FROM sessions s JOIN tokens t ON t.id = s.token_id
		WHERE s.hash = ? AND s.expires_ns > ?`), hashSecret(sessionID), ns(s.now())))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("lookup session: %w", err)
	}
	return t, nil
}

// DeleteSession implements store.Tokens. Deleting an unknown session is not
// an error: logging out twice is fine.
func (s *DB) DeleteSession(ctx context.Context, sessionID string) error {
	if _, err := s.w.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE hash = ?`), hashSecret(sessionID)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
