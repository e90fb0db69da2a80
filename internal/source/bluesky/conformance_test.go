package bluesky_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/tsaproject/tsa/internal/source"
	_ "github.com/tsaproject/tsa/internal/source/bluesky"
	"github.com/tsaproject/tsa/internal/source/bluesky/jetstreamfake"
	"github.com/tsaproject/tsa/internal/source/sourcetest"
)

func TestConformance(t *testing.T) {
	sourcetest.Run(t, sourcetest.Harness{
		New:        jetstreamUpstream,
		Resumes:    true, // the cursor and the URIs before it
		Redelivers: true,
	})
}

func jetstreamUpstream(t *testing.T) sourcetest.Upstream {
	fake := jetstreamfake.New(jetstreamfake.Options{})
	t.Cleanup(fake.Close)
	g := jetstreamfake.NewGenerator(11)
	spec := "bluesky://?url=" + url.QueryEscape(fake.URL())
	n := 0
	return sourcetest.Upstream{
		Open: func(t *testing.T, state source.StateStore) source.Stream {
			s, err := source.Open(spec, source.Options{State: state})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Inject: func(_ *testing.T, keywords []string, count int) {
			for i := range count {
				n++
				fake.Publish(jetstreamfake.PostEvent(g.DID(), g.Rkey(), jetstreamfake.Record{
					Text: fmt.Sprintf("skeet %d: %s today", n, keywords[i%len(keywords)]), Langs: []string{"en"}}))
			}
		},
		Drop:      func(*testing.T) { fake.CloseConnections() },
		Connected: func() bool { return fake.Connections() > 0 },
	}
}
