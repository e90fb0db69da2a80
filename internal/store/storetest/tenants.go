package storetest

import (
	"maps"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/secret"
	"github.com/tsaproject/tsa/internal/store"
)

func testTenants(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	d1, err := s.EnsureDefaultTenant(ctx)
	ok(t, err)
	d2, err := s.EnsureDefaultTenant(ctx)
	ok(t, err)
	if d1 != d2 || d1.Name != store.DefaultTenant || d1.ID != store.DefaultTenant || d1.SourceURL != "" {
		t.Fatalf("default tenant: %+v then %+v", d1, d2)
	}

	acme := e.tenant("Acme Corp")
	if acme.ID != "acme-corp" || acme.Name != "Acme Corp" || acme.SourceURL != "synth://?rate=50" || !acme.CreatedAt.Equal(e.clock.Now()) {
		t.Fatalf("created %+v", acme)
	}
	// A second name with the same slug gets another id.
	other := e.tenant("acme  corp!")
	if other.ID == acme.ID || !regexp.MustCompile(`^acme-corp-[a-z2-7]{5}$`).MatchString(other.ID) {
		t.Fatalf("slug collision gave id %q", other.ID)
	}
	// Names without letters or digits still get an id.
	if sym := e.tenant("★★★"); sym.ID == "" {
		t.Fatal("empty id")
	}

	for _, tc := range []struct {
		name string
		want error
	}{
		{"Acme Corp", store.ErrConflict},
		{"", store.ErrInvalid},
		{"   ", store.ErrInvalid},
	} {
		_, err := s.CreateTenant(ctx, tc.name, "")
		wantErr(t, err, tc.want, "create tenant "+tc.name)
	}

	got, err := s.GetTenant(ctx, acme.ID)
	ok(t, err)
	if got != acme {
		t.Fatalf("get: %+v, want %+v", got, acme)
	}
	got, err = s.TenantByName(ctx, "Acme Corp")
	ok(t, err)
	if got != acme {
		t.Fatalf("by name: %+v, want %+v", got, acme)
	}
	_, err = s.GetTenant(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "get unknown tenant")
	_, err = s.TenantByName(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "unknown tenant by name")

	ok(t, s.SetTenantSource(ctx, acme.ID, "file:///tmp/posts.jsonl"))
	got, err = s.GetTenant(ctx, acme.ID)
	ok(t, err)
	if got.SourceURL != "file:///tmp/posts.jsonl" {
		t.Fatalf("source not updated: %+v", got)
	}
	wantErr(t, s.SetTenantSource(ctx, "nope", "x://"), store.ErrNotFound, "set source of unknown tenant")

	list, err := s.ListTenants(ctx)
	ok(t, err)
	var names []string
	for _, x := range list {
		names = append(names, x.Name)
	}
	if !slices.Equal(names, []string{"Acme Corp", "acme  corp!", "default", "★★★"}) {
		t.Fatalf("list: %q", names)
	}

	// Deleting a tenant takes what it owns with it.
	_, tok, err := s.CreateToken(ctx, acme.ID, "t", false)
	ok(t, err)
	rec, err := s.CreateRecording(ctx, acme.ID, []string{"go"}, e.clock.Now(), e.clock.Now().Add(time.Hour))
	ok(t, err)
	ok(t, s.DeleteTenant(ctx, acme.ID))
	_, err = s.GetTenant(ctx, acme.ID)
	wantErr(t, err, store.ErrNotFound, "get deleted tenant")
	_, err = s.LookupToken(ctx, tok)
	wantErr(t, err, store.ErrNotFound, "token of deleted tenant")
	_, err = s.GetRecording(ctx, acme.ID, rec.ID)
	wantErr(t, err, store.ErrNotFound, "recording of deleted tenant")
	wantErr(t, s.DeleteTenant(ctx, acme.ID), store.ErrNotFound, "delete deleted tenant")
}

func testCredentials(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	b := e.tenant("b")

	creds, err := s.TenantCredentials(ctx, a.ID)
	ok(t, err)
	names, err := s.CredentialNames(ctx, a.ID)
	ok(t, err)
	if len(creds) != 0 || len(names) != 0 {
		t.Fatalf("new tenant has credentials %v / names %v", creds, names)
	}

	want := map[string]string{"bearer_token": "AAAA-bearer-secret", "api_key": "k-123"}
	ok(t, s.SetTenantCredentials(ctx, a.ID, want))
	creds, err = s.TenantCredentials(ctx, a.ID)
	ok(t, err)
	if !maps.Equal(creds, want) {
		t.Fatalf("credentials %v, want %v", creds, want)
	}
	names, err = s.CredentialNames(ctx, a.ID)
	ok(t, err)
	if !slices.Equal(names, []string{"api_key", "bearer_token"}) {
		t.Fatalf("names %v", names)
	}
	// The other tenant has none.
	creds, err = s.TenantCredentials(ctx, b.ID)
	ok(t, err)
	if len(creds) != 0 {
		t.Fatalf("tenant b sees credentials %v", creds)
	}

	// A sealed value copied onto another tenant does not open there.
	db := e.db()
	_, err = db.ExecContext(ctx, `UPDATE tenants SET credentials = (SELECT credentials FROM tenants WHERE id = `+lit(a.ID)+`) WHERE id = `+lit(b.ID))
	ok(t, err)
	_, err = s.TenantCredentials(ctx, b.ID)
	wantErr(t, err, secret.ErrOpen, "credentials moved to another tenant")

	// Another key cannot open them, but the names stay readable.
	wrongKey := e.open(newBox(t, 2))
	_, err = wrongKey.TenantCredentials(ctx, a.ID)
	wantErr(t, err, secret.ErrOpen, "credentials under another key")
	names, err = wrongKey.CredentialNames(ctx, a.ID)
	ok(t, err)
	if len(names) != 2 {
		t.Fatalf("names under another key: %v", names)
	}

	// Replacing, then clearing.
	ok(t, s.SetTenantCredentials(ctx, a.ID, map[string]string{"token": "t2"}))
	names, _ = s.CredentialNames(ctx, a.ID)
	if !slices.Equal(names, []string{"token"}) {
		t.Fatalf("names after replace: %v", names)
	}
	ok(t, s.SetTenantCredentials(ctx, a.ID, nil))
	creds, err = s.TenantCredentials(ctx, a.ID)
	ok(t, err)
	names, _ = s.CredentialNames(ctx, a.ID)
	if len(creds) != 0 || len(names) != 0 {
		t.Fatalf("after clearing: %v / %v", creds, names)
	}

	wantErr(t, s.SetTenantCredentials(ctx, "nope", want), store.ErrNotFound, "set credentials of unknown tenant")
	_, err = s.TenantCredentials(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "credentials of unknown tenant")
	_, err = s.CredentialNames(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "credential names of unknown tenant")
}

var tokenRE = regexp.MustCompile(`^tsa_[a-z2-7]{32}$`)

func testTokens(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	created := e.clock.Now()
	tok, plain, err := s.CreateToken(ctx, a.ID, "ci", true)
	ok(t, err)
	if !tokenRE.MatchString(plain) {
		t.Fatalf("token %q does not look like tsa_ + 32 base32 chars", plain)
	}
	if tok.ID == "" || tok.TenantID != a.ID || tok.Name != "ci" || !tok.Admin || !tok.CreatedAt.Equal(created) || !tok.LastUsedAt.IsZero() {
		t.Fatalf("created %+v", tok)
	}
	e.clock.Add(time.Second)
	_, plain2, err := s.CreateToken(ctx, a.ID, "browser", false)
	ok(t, err)
	if plain2 == plain {
		t.Fatal("two tokens are equal")
	}

	// Lookup marks the token used, at most once a minute.
	e.clock.Add(time.Second)
	got, err := s.LookupToken(ctx, plain)
	ok(t, err)
	if got.ID != tok.ID || !got.Admin || got.TenantID != a.ID || !got.LastUsedAt.Equal(e.clock.Now()) {
		t.Fatalf("lookup: %+v", got)
	}
	firstUse := e.clock.Now()
	e.clock.Add(30 * time.Second)
	got, err = s.LookupToken(ctx, plain)
	ok(t, err)
	if !got.LastUsedAt.Equal(firstUse) {
		t.Fatalf("last used moved within a minute: %v", got.LastUsedAt)
	}
	e.clock.Add(31 * time.Second)
	got, err = s.LookupToken(ctx, plain)
	ok(t, err)
	if !got.LastUsedAt.Equal(e.clock.Now()) {
		t.Fatalf("last used not updated after a minute: %v", got.LastUsedAt)
	}

	for _, bad := range []string{"", "tsa_", plain[:len(plain)-1], plain + "a", "tsa_" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "xyz_" + plain[4:]} {
		_, err := s.LookupToken(ctx, bad)
		wantErr(t, err, store.ErrNotFound, "lookup "+bad)
	}

	list, err := s.ListTokens(ctx, a.ID)
	ok(t, err)
	if len(list) != 2 || list[0].Name != "ci" || list[1].Name != "browser" || list[0].LastUsedAt.IsZero() {
		t.Fatalf("list: %+v", list)
	}

	ok(t, s.RevokeToken(ctx, a.ID, tok.ID))
	_, err = s.LookupToken(ctx, plain)
	wantErr(t, err, store.ErrNotFound, "lookup revoked token")
	wantErr(t, s.RevokeToken(ctx, a.ID, tok.ID), store.ErrNotFound, "revoke twice")
	list, _ = s.ListTokens(ctx, a.ID)
	if len(list) != 1 {
		t.Fatalf("after revoke: %+v", list)
	}

	_, _, err = s.CreateToken(ctx, "nope", "x", false)
	wantErr(t, err, store.ErrNotFound, "token for unknown tenant")
}

func testSessions(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	tok, _, err := s.CreateToken(ctx, a.ID, "t", false)
	ok(t, err)
	sid, err := s.CreateSession(ctx, tok.ID, time.Hour)
	ok(t, err)
	if len(sid) < 32 {
		t.Fatalf("session id %q is short", sid)
	}
	got, err := s.LookupSession(ctx, sid)
	ok(t, err)
	if got.ID != tok.ID || got.TenantID != a.ID {
		t.Fatalf("session stands for %+v, want token %s", got, tok.ID)
	}
	_, err = s.LookupSession(ctx, sid+"x")
	wantErr(t, err, store.ErrNotFound, "unknown session")

	// Expiry.
	e.clock.Add(time.Hour - time.Second)
	_, err = s.LookupSession(ctx, sid)
	ok(t, err)
	e.clock.Add(time.Second)
	_, err = s.LookupSession(ctx, sid)
	wantErr(t, err, store.ErrNotFound, "expired session")

	// Logout, twice.
	sid, err = s.CreateSession(ctx, tok.ID, time.Hour)
	ok(t, err)
	ok(t, s.DeleteSession(ctx, sid))
	ok(t, s.DeleteSession(ctx, sid))
	_, err = s.LookupSession(ctx, sid)
	wantErr(t, err, store.ErrNotFound, "deleted session")

	// Revoking the token ends its sessions.
	sid, err = s.CreateSession(ctx, tok.ID, time.Hour)
	ok(t, err)
	ok(t, s.RevokeToken(ctx, a.ID, tok.ID))
	_, err = s.LookupSession(ctx, sid)
	wantErr(t, err, store.ErrNotFound, "session of revoked token")

	_, err = s.CreateSession(ctx, tok.ID, time.Hour)
	wantErr(t, err, store.ErrNotFound, "session for revoked token")
	tok2, _, err := s.CreateToken(ctx, a.ID, "t2", false)
	ok(t, err)
	for _, ttl := range []time.Duration{0, -time.Second} {
		_, err = s.CreateSession(ctx, tok2.ID, ttl)
		wantErr(t, err, store.ErrInvalid, "session with ttl "+ttl.String())
	}
}

func testKeywords(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	kws, err := s.TenantKeywords(ctx, a.ID)
	ok(t, err)
	if len(kws) != 0 {
		t.Fatalf("new tenant tracks %q", kws)
	}
	for _, tc := range []struct {
		set, want []string
	}{
		{[]string{"golang", "#rust", "@bob", "new york"}, []string{"#rust", "@bob", "golang", "new york"}},
		{[]string{" golang ", "golang", "", "  ", "zig"}, []string{"golang", "zig"}},
		{nil, []string{}},
	} {
		ok(t, s.SetTenantKeywords(ctx, a.ID, tc.set))
		kws, err := s.TenantKeywords(ctx, a.ID)
		ok(t, err)
		if !slices.Equal(kws, tc.want) {
			t.Fatalf("set %q: got %q, want %q", tc.set, kws, tc.want)
		}
	}
	wantErr(t, s.SetTenantKeywords(ctx, "nope", []string{"x"}), store.ErrNotFound, "keywords of unknown tenant")
}

func testSourceState(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	_, err := s.GetSourceState(ctx, a.ID, "x.since_id")
	wantErr(t, err, store.ErrNotFound, "unset state")
	for _, v := range []string{"123", "456", ""} {
		ok(t, s.PutSourceState(ctx, a.ID, "x.since_id", v))
		got, err := s.GetSourceState(ctx, a.ID, "x.since_id")
		ok(t, err)
		if got != v {
			t.Fatalf("state %q, want %q", got, v)
		}
	}
	wantErr(t, s.PutSourceState(ctx, "nope", "k", "v"), store.ErrNotFound, "state of unknown tenant")
}
