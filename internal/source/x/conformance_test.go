package x_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/sourcetest"
	_ "github.com/tsaproject/tsa/internal/source/x"
	"github.com/tsaproject/tsa/internal/source/x/xapi"
	"github.com/tsaproject/tsa/internal/source/x/xfake"
)

func TestConformance(t *testing.T) {
	sourcetest.Run(t, sourcetest.Harness{
		New:        xUpstream,
		Filters:    true, // stream rules
		Resumes:    true, // gap filling from the cursor
		Redelivers: true,
	})
}

func xUpstream(t *testing.T) sourcetest.Upstream {
	const token = "conformance-token"
	fake := xfake.New(token)
	fake.KeepAlive = 200 * time.Millisecond
	t.Cleanup(fake.Close)
	spec := "x://?idle=5s&base_url=" + url.QueryEscape(fake.URL)
	n := 0
	return sourcetest.Upstream{
		Open: func(t *testing.T, state source.StateStore) source.Stream {
			// As X does, the fake refuses a second connection (with a 429
			// and a minute's backoff) until it sees the last one closed.
			deadline := time.Now().Add(10 * time.Second)
			for fake.Connected() && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			s, err := source.Open(spec, source.Options{State: state, Credentials: map[string]string{"bearer_token": token}})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Inject: func(_ *testing.T, keywords []string, count int) {
			for i := range count {
				n++
				fake.Post(xapi.Tweet{Text: fmt.Sprintf("tweet %d: %s today", n, keywords[i%len(keywords)]), Lang: "en"},
					xapi.User{ID: "42", Username: "gopher", Name: "Go Pher"})
			}
		},
		Drop:      func(*testing.T) { fake.Disconnect() },
		Connected: fake.Connected,
	}
}
