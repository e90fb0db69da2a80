package x

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/source/x/xapi"
	"github.com/tsaproject/tsa/internal/source/x/xfake"
)

func TestSearch(t *testing.T) {
	h := newHarness(t, Config{}, testToken)
	h.fake.SearchLimit = 2 // pages 3 and 5 wait for the window to reset
	authors := []xapi.User{{ID: "1", Username: "ann", Name: "Ann"}, {ID: "2", Username: "bob", Name: "Bob"}}
	var ids []string
	for i := range 45 {
		tw := h.fake.Post(xapi.Tweet{Text: "golang number " + string(rune('a'+i%26))}, authors[i%2])
		ids = append(ids, tw.ID)
	}
	h.fake.Post(xapi.Tweet{Text: "off topic"}, authors[0])
	slices.Reverse(ids) // newest first
	c := h.s.c
	cases := []struct {
		name  string
		q     Query
		want  []string
		pages int
	}{
		{name: "all pages", q: Query{Query: "golang", MaxResults: 10}, want: ids, pages: 5},
		{name: "since_id", q: Query{Query: "golang", SinceID: ids[5]}, want: ids[:5], pages: 1},
		{name: "until_id", q: Query{Query: "golang", UntilID: ids[40], Archive: true}, want: ids[41:], pages: 1},
		{name: "max pages", q: Query{Query: "golang", MaxResults: 20, MaxPages: 2}, want: ids[:40], pages: 2},
		{name: "time bounds", q: Query{Query: "golang", End: h.clk.Now().Add(-time.Hour)}, pages: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			pages := 0
			for page, err := range c.Search(context.Background(), tc.q) {
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, p := range page.Posts {
					got = append(got, p.ID)
					// Joined by author_id: the fake lists users in
					// reverse, so a join by position would swap them.
					want := "ann"
					if p.Author.ID == "2" {
						want = "bob"
					}
					if p.Author.Handle != want {
						t.Fatalf("post %s by %s has handle %q", p.ID, p.Author.ID, p.Author.Handle)
					}
				}
			}
			if !slices.Equal(got, tc.want) || pages != tc.pages {
				t.Errorf("%d posts in %d pages, want %d in %d", len(got), pages, len(tc.want), tc.pages)
			}
		})
	}
	// Every wait was for the rate-limit window to reset, never a 429.
	for _, d := range h.clk.Sleeps() {
		if d < 14*time.Minute || d > 16*time.Minute {
			t.Errorf("wait %v, want about 15 min (the window)", d)
		}
	}
	if len(h.clk.Sleeps()) == 0 {
		t.Error("no wait for the rate-limit reset")
	}
}

func TestSearchRetries(t *testing.T) {
	h := newHarness(t, Config{}, testToken)
	h.post("golang")
	h.fake.FailSearches(xfake.RateLimited, xfake.Unavailable)
	var n int
	for page, err := range h.s.c.Search(context.Background(), Query{Query: "golang"}) {
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Posts)
	}
	if n != 1 {
		t.Errorf("%d posts", n)
	}
	s := h.clk.Sleeps()
	if len(s) != 2 || s[0] < 14*time.Minute || s[1] != 5*time.Second {
		t.Errorf("waits %v, want the 429's reset then 5s", s)
	}
	h.fake.FailSearches(xfake.UsageCapped)
	for _, err := range h.s.c.Search(context.Background(), Query{Query: "golang"}) {
		if !IsTerminal(err) {
			t.Errorf("usage cap: %v", err)
		}
	}
	for _, err := range h.s.c.Search(context.Background(), Query{Query: "golang", MaxResults: 5}) {
		if err == nil {
			t.Error("max_results 5 accepted")
		}
	}
}
