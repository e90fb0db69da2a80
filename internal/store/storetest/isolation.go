package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/store"
)

// testIsolation gives tenant A one of everything and checks that every
// method called with tenant B's id neither sees nor changes any of it.
func testIsolation(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a, b := e.tenant("a"), e.tenant("b")
	now := e.clock.Now()

	tok, plain, err := s.CreateToken(ctx, a.ID, "a-token", false)
	ok(t, err)
	rec, err := s.CreateRecording(ctx, a.ID, []string{"golang"}, now, now.Add(time.Hour))
	ok(t, err)
	ok(t, s.AddRecordingWindows(ctx, []store.RecordedWindow{window(a.ID, rec.ID, "golang", now, 3)}))
	ok(t, s.AddRecordingPosts(ctx, makePosts(a.ID, rec.ID, 10, now)))
	ok(t, s.SetTenantKeywords(ctx, a.ID, []string{"golang"}))
	ok(t, s.PutSourceState(ctx, a.ID, "cursor", "42"))
	ok(t, s.AddLogs(ctx, []store.LogEntry{{TenantID: a.ID, Service: "api", Instance: "i", Time: now, Message: "a's secret log line"}}))

	// B's view is empty or not found.
	bTokens, err := s.ListTokens(ctx, b.ID)
	ok(t, err)
	bRecs, err := s.ListRecordings(ctx, b.ID)
	ok(t, err)
	bKws, err := s.TenantKeywords(ctx, b.ID)
	ok(t, err)
	bLogs, err := s.QueryLogs(ctx, b.ID, store.LogQuery{})
	ok(t, err)
	if len(bTokens)+len(bRecs)+len(bKws)+len(bLogs) != 0 {
		t.Fatalf("tenant b sees tokens %v, recordings %v, keywords %v, logs %v", bTokens, bRecs, bKws, bLogs)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"get recording", second(s.GetRecording(ctx, b.ID, rec.ID))},
		{"recording windows", second(s.RecordingWindows(ctx, b.ID, rec.ID, ""))},
		{"recording posts", second(s.RecordingPosts(ctx, b.ID, rec.ID, store.PostQuery{}))},
		{"source state", second(s.GetSourceState(ctx, b.ID, "cursor"))},
		{"delete recording", s.DeleteRecording(ctx, b.ID, rec.ID)},
		{"set recording status", s.SetRecordingStatus(ctx, b.ID, rec.ID, store.StatusCancelled)},
		{"revoke token", s.RevokeToken(ctx, b.ID, tok.ID)},
	} {
		wantErr(t, tc.err, store.ErrNotFound, "tenant b: "+tc.name)
	}
	// Writes naming B with A's recording are dropped.
	ok(t, s.AddRecordingWindows(ctx, []store.RecordedWindow{window(b.ID, rec.ID, "golang", now.Add(time.Minute), 3)}))
	bPosts := makePosts(b.ID, rec.ID, 3, now)
	for i := range bPosts {
		bPosts[i].Post.ID = fmt.Sprintf("b%d", i)
	}
	ok(t, s.AddRecordingPosts(ctx, bPosts))
	// B's own state under the same key is separate.
	ok(t, s.PutSourceState(ctx, b.ID, "cursor", "7"))

	// A's things are intact.
	if got, err := s.LookupToken(ctx, plain); err != nil || got.TenantID != a.ID {
		t.Fatalf("a's token: %+v, %v", got, err)
	}
	if got, err := s.GetRecording(ctx, a.ID, rec.ID); err != nil || got.Status != store.StatusScheduled {
		t.Fatalf("a's recording: %+v, %v", got, err)
	}
	ws, err := s.RecordingWindows(ctx, a.ID, rec.ID, "")
	ok(t, err)
	page, err := s.RecordingPosts(ctx, a.ID, rec.ID, store.PostQuery{})
	ok(t, err)
	if len(ws) != 1 || len(page.Posts) != 10 {
		t.Fatalf("a's recording has %d windows and %d posts, want 1 and 10", len(ws), len(page.Posts))
	}
	if v, err := s.GetSourceState(ctx, a.ID, "cursor"); err != nil || v != "42" {
		t.Fatalf("a's state: %q, %v", v, err)
	}
	if logs, err := s.QueryLogs(ctx, a.ID, store.LogQuery{}); err != nil || len(logs) != 1 {
		t.Fatalf("a's logs: %v, %v", logs, err)
	}
}

func second[T any](_ T, err error) error { return err }

func testMigrations(t *testing.T, e *env) {
	ctx := e.ctx
	a := e.tenant("a")
	db := e.db()
	versions := func() (n, highest int) {
		t.Helper()
		ok(t, db.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &highest))
		return n, highest
	}
	n1, v1 := versions()
	if n1 == 0 || n1 != v1 {
		t.Fatalf("schema_migrations: %d rows, highest %d", n1, v1)
	}
	// Opening again (twice, as two processes would) changes nothing.
	s2 := e.open(e.box)
	e.open(e.box)
	if n2, v2 := versions(); n2 != n1 || v2 != v1 {
		t.Fatalf("reopening changed schema_migrations: %d/%d -> %d/%d", n1, v1, n2, v2)
	}
	if got, err := s2.GetTenant(ctx, a.ID); err != nil || got.Name != "a" {
		t.Fatalf("data after reopening: %+v, %v", got, err)
	}

	// A schema from a newer tsa is refused with a clear error.
	_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO schema_migrations (version, name, applied_ns) VALUES (%d, 'future.sql', 0)`, v1+1))
	ok(t, err)
	s3, err := e.b.Open(ctx, e.url, store.Options{Secrets: e.box})
	if err == nil {
		s3.Close()
		t.Fatal("opened a database with a newer schema")
	}
	wantErr(t, err, store.ErrSchemaTooNew, "newer schema")
	if want := fmt.Sprintf("schema version %d", v1+1); !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not say %q", err, want)
	}
}

// testSecretsNotStored checks that tokens, session ids and credentials
// appear nowhere in what the backend writes, while non-secret data does (so
// the dump is really the data).
func testSecretsNotStored(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	tok, plain, err := s.CreateToken(ctx, a.ID, "t", true)
	ok(t, err)
	sid, err := s.CreateSession(ctx, tok.ID, time.Hour)
	ok(t, err)
	const credential = "sk-CREDENTIAL-4f9a1c7e2b"
	ok(t, s.SetTenantCredentials(ctx, a.ID, map[string]string{"api_key": credential}))
	// Many writes, so some land in the main file and not only in a log.
	for i := range 50 {
		_, _, err := s.CreateToken(ctx, a.ID, fmt.Sprintf("filler-%d", i), false)
		ok(t, err)
	}

	dump := e.b.Dump(t, e.url)
	if !bytes.Contains(dump, []byte("filler-49")) || !bytes.Contains(dump, []byte("api_key")) {
		t.Fatal("the dump does not hold the stored data; the check below would prove nothing")
	}
	for name, secret := range map[string]string{
		"token":            plain,
		"token body":       strings.TrimPrefix(plain, store.TokenPrefix),
		"session id":       sid,
		"credential value": credential,
	} {
		if bytes.Contains(dump, []byte(secret)) {
			t.Errorf("the %s is stored in plaintext", name)
		}
	}
}

// testConcurrentReadWrite has readers query while a writer adds batches:
// under -race this checks the pools are safe, and readers must not fail as
// busy while the writer holds its lock.
func testConcurrentReadWrite(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	now := e.clock.Now()
	rec, err := s.CreateRecording(ctx, a.ID, []string{"golang"}, now, now.Add(time.Hour))
	ok(t, err)
	_, plain, err := s.CreateToken(ctx, a.ID, "t", false)
	ok(t, err)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for r := range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				var err error
				switch r % 4 {
				case 0:
					_, err = s.RecordingPosts(ctx, a.ID, rec.ID, store.PostQuery{Limit: 50})
				case 1:
					_, err = s.LookupToken(ctx, plain)
				case 2:
					_, err = s.QueryLogs(ctx, a.ID, store.LogQuery{})
				case 3:
					_, err = s.ListRecordings(ctx, a.ID)
				}
				if err != nil && !errors.Is(err, context.Canceled) {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
			}
		})
	}
	posts := makePosts(a.ID, rec.ID, 1200, now)
	for i := 0; i < len(posts); i += 100 {
		ok(t, s.AddRecordingPosts(ctx, posts[i:i+100]))
		ok(t, s.AddLogs(ctx, []store.LogEntry{{TenantID: a.ID, Service: "w", Time: now, Message: "batch"}}))
	}
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	page, err := s.RecordingPosts(e.ctx, a.ID, rec.ID, store.PostQuery{Limit: store.MaxLimit})
	ok(t, err)
	if len(page.Posts) != store.MaxLimit || page.Next == "" {
		t.Fatalf("after concurrent writes: %d posts", len(page.Posts))
	}
}
