package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/store"
)

// testTwoStores has two stores write to one database at once, as tsa serve
// and tsa token create (or two tsa serve processes) do: neither may fail as
// busy or on a duplicate key, and nothing may be lost.
func testTwoStores(t *testing.T, e *env) {
	a, b := e.s, e.open(e.box)
	tn, err := a.EnsureDefaultTenant(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, s := range []store.Store{a, b} {
		wg.Go(func() {
			for range 50 {
				if _, _, err := s.CreateToken(e.ctx, tn.ID, "t", false); err != nil {
					errs <- err
					return
				}
				if err := s.SetTenantKeywords(e.ctx, tn.ID, []string{"a", "b", "c"}); err != nil {
					errs <- err
					return
				}
				if err := s.AddLogs(e.ctx, []store.LogEntry{{TenantID: tn.ID, Service: "tsa", Time: time.Now(), Message: "m"}}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	toks, err := b.ListTokens(e.ctx, tn.ID)
	if err != nil || len(toks) != 100 {
		t.Fatalf("%d tokens, %v; want 100", len(toks), err)
	}
	logs, err := a.QueryLogs(e.ctx, tn.ID, store.LogQuery{Limit: store.MaxLimit})
	if err != nil || len(logs) != 100 {
		t.Fatalf("%d log entries, %v; want 100", len(logs), err)
	}
}
