package event

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source/bluesky/jetstreamfake"
)

const did = "did:plc:eygmaihciaxprqvxpfvl6flk"

func TestDecode(t *testing.T) {
	created := time.Date(2024, 9, 9, 19, 46, 2, 102e6, time.UTC)
	seen := time.UnixMicro(1725911162329308).UTC()
	full := `{"did":"` + did + `","time_us":1725911162329308,"kind":"commit","commit":{"rev":"3l3qo2vutsw2b","operation":"create","collection":"app.bsky.feed.post","rkey":"3l3qo2vuowo2b","record":{"$type":"app.bsky.feed.post","text":"I love #golang \u2764\ufe0f\n@bob.bsky.social see example.com","langs":["en","fr"],"createdAt":"2024-09-09T19:46:02.102Z","reply":{"root":{"uri":"at://did:plc:root/app.bsky.feed.post/1","cid":"x"},"parent":{"uri":"at://did:plc:par/app.bsky.feed.post/2","cid":"y"}},"embed":{"$type":"app.bsky.embed.recordWithMedia","media":{"$type":"app.bsky.embed.images","images":[]},"record":{"$type":"app.bsky.embed.record","record":{"cid":"z","uri":"at://did:plc:q/app.bsky.feed.post/3"}}},"facets":[{"index":{"byteStart":7,"byteEnd":14},"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"golang"}]},{"index":{"byteStart":0,"byteEnd":3},"features":[{"did":"did:plc:bob","$type":"app.bsky.richtext.facet#mention"}]},{"index":{"byteStart":0,"byteEnd":3},"features":[{"$type":"app.bsky.richtext.facet#link","uri":"https://example.com/a"}]}],"tags":["gophers"],"labels":{"$type":"com.atproto.label.defs#selfLabels","values":[]}},"cid":"bafyrei"}}`
	tests := []struct {
		name  string
		frame string
		kind  Kind
		post  post.Post
		tags  []string
		hand  string
		err   bool
	}{
		{name: "full post", frame: full, kind: Post, tags: []string{"golang", "gophers"}, post: post.Post{
			ID: "at://" + did + "/app.bsky.feed.post/3l3qo2vuowo2b", Source: "bluesky",
			Text: "I love #golang ❤️\n@bob.bsky.social see example.com", Lang: "en", CreatedAt: created,
			Author: post.Author{ID: did}, URL: "https://bsky.app/profile/" + did + "/post/3l3qo2vuowo2b",
			ReplyTo: "at://did:plc:par/app.bsky.feed.post/2", QuoteOf: "at://did:plc:q/app.bsky.feed.post/3",
		}},
		{name: "record first, bad createdAt falls back to time_us", kind: Post,
			frame: `{"kind":"commit","commit":{"record":{"createdAt":"yesterday","text":"hi","embed":{"$type":"app.bsky.embed.record","record":{"uri":"at://did:plc:l/app.bsky.graph.list/1"}}},"rkey":"k","collection":"app.bsky.feed.post","operation":"create"},"time_us":1725911162329308,"did":"` + did + `"}`,
			post: post.Post{ID: "at://" + did + "/app.bsky.feed.post/k", Source: "bluesky", Text: "hi", CreatedAt: seen,
				Author: post.Author{ID: did}, URL: "https://bsky.app/profile/" + did + "/post/k"}},
		{name: "quote", kind: Post,
			frame: `{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k","record":{"text":"q","createdAt":"2024-09-09T19:46:02Z","embed":{"$type":"app.bsky.embed.record","record":{"cid":"c","uri":"at://d2/app.bsky.feed.post/9"}}}}}`,
			post: post.Post{ID: "at://d/app.bsky.feed.post/k", Source: "bluesky", Text: "q", CreatedAt: time.Date(2024, 9, 9, 19, 46, 2, 0, time.UTC),
				Author: post.Author{ID: "d"}, URL: "https://bsky.app/profile/d/post/k", QuoteOf: "at://d2/app.bsky.feed.post/9"}},
		{name: "identity", kind: Identity, hand: "alice.bsky.social",
			frame: `{"did":"d","time_us":5,"kind":"identity","identity":{"did":"d","handle":"alice.bsky.social","seq":1,"time":"t"}}`},
		{name: "account", kind: Other, frame: `{"did":"d","time_us":5,"kind":"account","account":{"active":false,"did":"d","seq":1,"time":"t","status":"takendown"}}`},
		{name: "delete", kind: Delete, frame: `{"did":"d","time_us":5,"kind":"commit","commit":{"rev":"r","operation":"delete","collection":"app.bsky.feed.post","rkey":"k"}}`},
		{name: "update", kind: Update, frame: `{"did":"d","time_us":5,"kind":"commit","commit":{"rev":"r","operation":"update","collection":"app.bsky.feed.post","rkey":"k","record":{"text":"x"}}}`},
		{name: "like", kind: Other, frame: `{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.like","rkey":"k","record":{"text":7}}}`},
		{name: "empty text", kind: Other, frame: `{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k","record":{"text":" ","embed":{}}}}`},
		{name: "future kind", kind: Other, frame: `{"did":"d","time_us":5,"kind":"sync","sync":{}}`},
		{name: "broken JSON", err: true, frame: `{"did":"d","time_us":5,"kind":"commit","commit":{`},
		{name: "trailing data", err: true, frame: `{"did":"d","time_us":5,"kind":"account"} x`},
		{name: "bad number", err: true, frame: `{"did":"d","time_us":05,"kind":"account"}`},
		{name: "invalid UTF-8", err: true, frame: "{\"did\":\"d\",\"time_us\":5,\"kind\":\"account\",\"x\":\"\xff\"}"},
		{name: "no time_us", err: true, frame: `{"did":"d","kind":"account"}`},
		{name: "time_us a string", err: true, frame: `{"did":"d","time_us":"5","kind":"account"}`},
		{name: "no record", err: true, frame: `{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k"}}`},
		{name: "no text", err: true, frame: `{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k","record":{"langs":["en"]}}}`},
		{name: "text a number", err: true, frame: `{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k","record":{"text":1}}}`},
		{name: "no rkey", err: true, frame: `{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","record":{"text":"x"}}}`},
		{name: "rkey with a slash", err: true, frame: `{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"a/b","record":{"text":"x"}}}`},
		{name: "rkey ..", err: true, frame: `{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"..","record":{"text":"x"}}}`},
		{name: "identity without payload", err: true, frame: `{"did":"d","time_us":5,"kind":"identity"}`},
		{name: "too deep", err: true, frame: `{"did":"d","time_us":5,"kind":"account","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`},
	}
	var d Decoder
	var ev Event
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := d.Decode([]byte(tc.frame), &ev)
			if tc.err {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != tc.kind || ev.Handle != tc.hand {
				t.Fatalf("kind %d handle %q, want %d %q", ev.Kind, ev.Handle, tc.kind, tc.hand)
			}
			if tc.kind != Post {
				return
			}
			if !equalPost(ev.Post, tc.post) {
				t.Errorf("post\n got %+v\nwant %+v", ev.Post, tc.post)
			}
			if !slices.Equal(ev.Tags, tc.tags) {
				t.Errorf("tags %q, want %q", ev.Tags, tc.tags)
			}
		})
	}
}

func equalPost(a, b post.Post) bool {
	return a.ID == b.ID && a.Source == b.Source && a.Text == b.Text && a.Lang == b.Lang &&
		a.CreatedAt.Equal(b.CreatedAt) && a.Author == b.Author && a.URL == b.URL &&
		a.ReplyTo == b.ReplyTo && a.QuoteOf == b.QuoteOf
}

// TestDecodeMatchesEncodingJSON decodes generated events with the scanner
// and with encoding/json, which must agree.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	g := jetstreamfake.NewGenerator(3)
	var d Decoder
	var ev Event
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	posts := 0
	for i := range 5000 {
		at = at.Add(time.Millisecond)
		e := g.Next(at)
		if i%7 == 0 && e.Commit != nil && e.Commit.Record != nil {
			// Escapes and non-ASCII text, as Jetstream's encoder writes them.
			var r jetstreamfake.Record
			if err := json.Unmarshal(e.Commit.Record, &r); err != nil {
				t.Fatal(err)
			}
			r.Text = "<b>\"quoted\" & é 😀\n" + r.Text
			e.Commit.Record, _ = json.Marshal(r)
		}
		frame, _ := json.Marshal(e)
		if err := d.Decode(frame, &ev); err != nil {
			t.Fatalf("%s: %v", frame, err)
		}
		want := reference(t, frame)
		if ev.Kind != Post {
			if want != nil {
				t.Fatalf("not a post: %s", frame)
			}
			continue
		}
		posts++
		if want == nil || !equalPost(ev.Post, *want) {
			t.Fatalf("%s\n got %+v\nwant %+v", frame, ev.Post, want)
		}
	}
	if posts < 4000 {
		t.Errorf("only %d posts in 5000 events", posts)
	}
}

// reference decodes a post create with encoding/json, nil for other events.
func reference(t *testing.T, frame []byte) *post.Post {
	var e struct {
		DID    string `json:"did"`
		TimeUS int64  `json:"time_us"`
		Commit *struct {
			Operation, Collection, Rkey string
			Record                      *struct {
				Text      string
				Langs     []string
				CreatedAt time.Time
				Reply     *struct{ Parent struct{ URI string } }
				Embed     *struct {
					Type   string `json:"$type"`
					Record *struct {
						URI string
					}
				}
			}
		}
	}
	if err := json.Unmarshal(frame, &e); err != nil {
		t.Fatal(err)
	}
	c := e.Commit
	if c == nil || c.Operation != "create" || c.Record == nil {
		return nil
	}
	r := c.Record
	p := &post.Post{ID: URI(e.DID, c.Rkey), Source: Source, Text: r.Text, CreatedAt: r.CreatedAt,
		Author: post.Author{ID: e.DID}, URL: "https://bsky.app/profile/" + e.DID + "/post/" + c.Rkey}
	if len(r.Langs) > 0 {
		p.Lang = r.Langs[0]
	}
	if r.Reply != nil {
		p.ReplyTo = r.Reply.Parent.URI
	}
	if r.Embed != nil && r.Embed.Type == "app.bsky.embed.record" {
		p.QuoteOf = r.Embed.Record.URI
	}
	return p
}

// FuzzDecode: no panic; what Decode accepts is valid JSON; a post has
// text, and its ID and URL agree.
func FuzzDecode(f *testing.F) {
	g := jetstreamfake.NewGenerator(5)
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 20 {
		at = at.Add(time.Second)
		b, _ := json.Marshal(g.Next(at))
		f.Add(b)
	}
	f.Add([]byte(`{"did":"d","time_us":5,"kind":"commit","commit":{"record":{"text":"a\ud83d\ude00\ud800"},"rkey":"k","collection":"app.bsky.feed.post","operation":"create"}}`))
	f.Add([]byte(`{"did":"d","time_us":-1e5,"kind":"identity","identity":{"handle":null}}`))
	var d Decoder
	var ev Event
	f.Fuzz(func(t *testing.T, frame []byte) {
		err := d.Decode(frame, &ev)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !json.Valid(frame) {
			t.Fatalf("accepted invalid JSON %q", frame)
		}
		if ev.Kind != Post {
			return
		}
		p := &ev.Post
		if strings.TrimSpace(p.Text) == "" || p.CreatedAt.IsZero() || p.Author.ID != ev.DID {
			t.Fatalf("post %+v", p)
		}
		rkey := p.URL[strings.LastIndexByte(p.URL, '/')+1:]
		if p.ID != URI(ev.DID, rkey) {
			t.Fatalf("id %q, url %q", p.ID, p.URL)
		}
	})
}
