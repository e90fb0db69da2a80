package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tsaproject/tsa/internal/store"
)

const tenantColumns = `id, name, source_url, created_ns`

func scanTenant(row interface{ Scan(...any) error }) (store.Tenant, error) {
	var t store.Tenant
	var created int64
	if err := row.Scan(&t.ID, &t.Name, &t.SourceURL, &created); err != nil {
		return t, err
	}
	t.CreatedAt = fromNS(created)
	return t, nil
}

// slug makes a readable tenant id from a name: lower-case letters, digits
// and single dashes, at most 32 characters. Ids show up in logs, URLs and
// coordinator keys, where "acme" reads better than a random string.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if b.Len() >= 32 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	out := b.String()
	return strings.TrimRight(out[:min(len(out), 32)], "-")
}

// CreateTenant implements store.Tenants.
func (s *DB) CreateTenant(ctx context.Context, name, sourceURL string) (store.Tenant, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return store.Tenant{}, fmt.Errorf("create tenant: empty name: %w", store.ErrInvalid)
	}
	t := store.Tenant{Name: name, SourceURL: sourceURL, CreatedAt: fromNS(ns(s.now()))}
	base := slug(name)
	// Try the slug, then the slug with a random suffix should another
	// name already have it ("Acme" and "acme!" both slug to "acme").
	for attempt := range 4 {
		t.ID = base
		if base == "" || attempt > 0 {
			t.ID = strings.TrimPrefix(base+"-"+randomString(3), "-")
		}
		res, err := s.w.ExecContext(ctx, s.q(`INSERT INTO tenants (id, name, source_url, created_ns) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			t.ID, t.Name, t.SourceURL, ns(t.CreatedAt))
		if err != nil {
			return store.Tenant{}, fmt.Errorf("create tenant %q: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return t, nil
		}
		// Nothing inserted: the name or the id is taken.
		if _, err := s.TenantByName(ctx, name); err == nil {
			return store.Tenant{}, fmt.Errorf("create tenant %q: %w", name, store.ErrConflict)
		}
	}
	return store.Tenant{}, fmt.Errorf("create tenant %q: no free id", name)
}

// EnsureDefaultTenant implements store.Tenants.
func (s *DB) EnsureDefaultTenant(ctx context.Context) (store.Tenant, error) {
	t, err := s.TenantByName(ctx, store.DefaultTenant)
	if !errors.Is(err, store.ErrNotFound) {
		return t, err
	}
	t, err = s.CreateTenant(ctx, store.DefaultTenant, "")
	if errors.Is(err, store.ErrConflict) { // another process made it meanwhile
		return s.TenantByName(ctx, store.DefaultTenant)
	}
	return t, err
}

// GetTenant implements store.Tenants.
func (s *DB) GetTenant(ctx context.Context, tenantID string) (store.Tenant, error) {
	t, err := scanTenant(s.r.QueryRowContext(ctx, s.q(`SELECT `+tenantColumns+` FROM tenants WHERE id = ?`), tenantID))
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("tenant", tenantID)
	}
	if err != nil {
		return t, fmt.Errorf("get tenant %q: %w", tenantID, err)
	}
	return t, nil
}

// TenantByName implements store.Tenants.
func (s *DB) TenantByName(ctx context.Context, name string) (store.Tenant, error) {
	t, err := scanTenant(s.r.QueryRowContext(ctx, s.q(`SELECT `+tenantColumns+` FROM tenants WHERE name = ?`), name))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("tenant named %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("tenant named %q: %w", name, err)
	}
	return t, nil
}

// ListTenants implements store.Tenants.
func (s *DB) ListTenants(ctx context.Context) ([]store.Tenant, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	var ts []store.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return ts, nil
}

// execOne runs a write that must touch exactly one row; none is ErrNotFound.
func (s *DB) execOne(ctx context.Context, what, id, query string, args ...any) error {
	res, err := s.w.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return fmt.Errorf("%s %q: %w", what, id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s %q: %w", what, id, err)
	} else if n == 0 {
		return fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound)
	}
	return nil
}

// SetTenantSource implements store.Tenants.
func (s *DB) SetTenantSource(ctx context.Context, tenantID, sourceURL string) error {
	return s.execOne(ctx, "set source of tenant", tenantID,
		`UPDATE tenants SET source_url = ? WHERE id = ?`, sourceURL, tenantID)
}

// DeleteTenant implements store.Tenants. Foreign keys cascade to all the
// tenant owns.
func (s *DB) DeleteTenant(ctx context.Context, tenantID string) error {
	return s.execOne(ctx, "delete tenant", tenantID, `DELETE FROM tenants WHERE id = ?`, tenantID)
}

// credentialsAD binds sealed credentials to their tenant, so a row copied
// onto another tenant does not open.
func credentialsAD(tenantID string) []byte { return []byte("tenant-credentials:" + tenantID) }

// SetTenantCredentials implements store.Tenants.
func (s *DB) SetTenantCredentials(ctx context.Context, tenantID string, creds map[string]string) error {
	sealed, names := "", []string{}
	if len(creds) > 0 {
		plain, err := json.Marshal(creds)
		if err != nil {
			return fmt.Errorf("set credentials of tenant %q: %w", tenantID, err)
		}
		box, err := s.box.Seal(plain, credentialsAD(tenantID))
		if err != nil {
			return fmt.Errorf("set credentials of tenant %q: %w", tenantID, err)
		}
		sealed = base64.StdEncoding.EncodeToString(box)
		names = slices.Sorted(maps.Keys(creds))
	}
	return s.execOne(ctx, "set credentials of tenant", tenantID,
		`UPDATE tenants SET credentials = ?, credential_names = ? WHERE id = ?`, sealed, jsonStrings(names), tenantID)
}

// TenantCredentials implements store.Tenants.
func (s *DB) TenantCredentials(ctx context.Context, tenantID string) (map[string]string, error) {
	var sealed string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT credentials FROM tenants WHERE id = ?`), tenantID).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("tenant", tenantID)
	}
	if err != nil {
		return nil, fmt.Errorf("credentials of tenant %q: %w", tenantID, err)
	}
	creds := map[string]string{}
	if sealed == "" {
		return creds, nil
	}
	box, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return nil, fmt.Errorf("credentials of tenant %q: %w", tenantID, err)
	}
	plain, err := s.box.Open(box, credentialsAD(tenantID))
	if err != nil {
		return nil, fmt.Errorf("credentials of tenant %q: %w", tenantID, err)
	}
	if err := json.Unmarshal(plain, &creds); err != nil {
		return nil, fmt.Errorf("credentials of tenant %q: %w", tenantID, err)
	}
	return creds, nil
}

// CredentialNames implements store.Tenants.
func (s *DB) CredentialNames(ctx context.Context, tenantID string) ([]string, error) {
	var text string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT credential_names FROM tenants WHERE id = ?`), tenantID).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("tenant", tenantID)
	}
	if err != nil {
		return nil, fmt.Errorf("credential names of tenant %q: %w", tenantID, err)
	}
	names, err := parseStrings(text)
	if err != nil {
		return nil, fmt.Errorf("credential names of tenant %q: %w", tenantID, err)
	}
	return names, nil
}
