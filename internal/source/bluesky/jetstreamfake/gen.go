package jetstreamfake

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"time"
)

// Generator makes Jetstream-shaped events for tests and benchmarks, never
// real data: post creates of about 150 bytes of text from a Zipf-distributed
// vocabulary of pseudo-words, with langs, replies, quote and image embeds,
// facets (tags, mentions, links) and self-labels in the shares seen on the
// network, plus deletes, updates, identity and account events. Frames
// average about 500 bytes, as the Jetstream blog reports.
type Generator struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	vocab []string
	dids  []string
	tid   int64
}

// NewGenerator returns a generator; the same seed gives the same events.
func NewGenerator(seed uint64) *Generator {
	rng := rand.New(rand.NewPCG(seed, 11))
	cons := []string{"b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st", "th", "ch", "tr", "gr"}
	vow := []string{"a", "e", "i", "o", "u", "ea", "ou", "y"}
	seen := map[string]bool{}
	var vocab []string
	for len(vocab) < 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteString(cons[rng.IntN(len(cons))])
			b.WriteString(vow[rng.IntN(len(vow))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	g := &Generator{rng: rng, vocab: vocab, zipf: rand.NewZipf(rng, 1.1, 2, uint64(len(vocab)-1)), tid: 1 << 50}
	const b32 = "abcdefghijklmnopqrstuvwxyz234567"
	g.dids = make([]string, 5000)
	for i := range g.dids {
		var b [24]byte
		for j := range b {
			b[j] = b32[rng.IntN(32)]
		}
		g.dids[i] = "did:plc:" + string(b[:])
	}
	return g
}

// Keywords returns n keywords from the generator's vocabulary (words, some
// two-word phrases and hashtags), so that they match some posts.
func (g *Generator) Keywords(n int) []string {
	kws := make([]string, n)
	for i := range kws {
		w := g.vocab[g.rng.IntN(2000)]
		switch g.rng.IntN(10) {
		case 0:
			kws[i] = "#" + w
		case 1:
			kws[i] = w + " " + g.word()
		default:
			kws[i] = w
		}
	}
	return kws
}

func (g *Generator) word() string { return g.vocab[g.zipf.Uint64()] }

// DID returns one of the generator's authors.
func (g *Generator) DID() string { return g.dids[g.rng.IntN(len(g.dids))] }

// Rkey returns a new record key shaped like a TID (13 base32 characters).
func (g *Generator) Rkey() string {
	const s32 = "234567abcdefghijklmnopqrstuvwxyz"
	g.tid += 1 + g.rng.Int64N(1000)
	var b [13]byte
	v := g.tid
	for i := 12; i >= 0; i-- {
		b[i] = s32[v&31]
		v >>= 5
	}
	return string(b[:])
}

// Text returns a post text of about 150 bytes.
func (g *Generator) Text() string {
	var b strings.Builder
	n := 60 + g.rng.IntN(180)
	for b.Len() < n {
		switch g.rng.IntN(30) {
		case 0:
			b.WriteString("#" + g.word())
		case 1:
			b.WriteString("@" + g.word() + ".bsky.social")
		case 2:
			b.WriteString("🔥")
		default:
			w := g.word()
			if g.rng.IntN(8) == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
		}
		switch g.rng.IntN(10) {
		case 0:
			b.WriteString(", ")
		case 1:
			b.WriteString(". ")
		default:
			b.WriteString(" ")
		}
	}
	return strings.TrimSpace(b.String())
}

// Record is an app.bsky.feed.post record.
type Record struct {
	Type      string   `json:"$type"`
	CreatedAt string   `json:"createdAt"`
	Embed     any      `json:"embed,omitempty"`
	Facets    []Facet  `json:"facets,omitempty"`
	Langs     []string `json:"langs,omitempty"`
	Reply     *Reply   `json:"reply,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	Text      string   `json:"text"`
}

// Facet is a rich-text annotation of a byte range of the text.
type Facet struct {
	Index    FacetIndex       `json:"index"`
	Features []map[string]any `json:"features"`
}

// FacetIndex is a UTF-8 byte range.
type FacetIndex struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// Reply names a reply's thread root and parent.
type Reply struct {
	Root   Ref `json:"root"`
	Parent Ref `json:"parent"`
}

// Ref is a strong reference to a record.
type Ref struct {
	CID string `json:"cid"`
	URI string `json:"uri"`
}

// PostEvent is a post create event by did with rkey and record; TimeUS is
// left for Publish to fill.
func PostEvent(did, rkey string, rec Record) Event {
	if rec.Type == "" {
		rec.Type = "app.bsky.feed.post"
	}
	if rec.CreatedAt == "" {
		rec.CreatedAt = time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		panic(err) // Embed and features are the caller's plain values
	}
	return Event{DID: did, Kind: "commit", Commit: &Commit{
		Rev: rkey, Operation: "create", Collection: "app.bsky.feed.post", Rkey: rkey,
		Record: raw, CID: "bafyreib" + strings.Repeat("a", 51),
	}}
}

func (g *Generator) cid() string {
	const b32 = "abcdefghijklmnopqrstuvwxyz234567"
	var b [51]byte
	for i := range b {
		b[i] = b32[g.rng.IntN(32)]
	}
	return "bafyrei" + string(b[:])
}

func (g *Generator) postURI() string {
	return "at://" + g.DID() + "/app.bsky.feed.post/" + g.Rkey()
}

// Next returns the next event, at time t (its TimeUS; createdAt is a
// little earlier, as a client's clock is).
func (g *Generator) Next(t time.Time) Event {
	did := g.DID()
	ev := Event{DID: did, TimeUS: t.UnixMicro(), Kind: "commit"}
	switch r := g.rng.IntN(1000); {
	case r < 15:
		ev.Kind = "identity"
		ev.Identity = &Identity{DID: did, Handle: g.word() + ".bsky.social", Seq: g.rng.Int64N(1 << 40), Time: t.UTC().Format(time.RFC3339Nano)}
		return ev
	case r < 25:
		ev.Kind = "account"
		ev.Account = &Account{Active: true, DID: did, Seq: g.rng.Int64N(1 << 40), Time: t.UTC().Format(time.RFC3339Nano)}
		return ev
	case r < 90:
		ev.Commit = &Commit{Rev: g.Rkey(), Operation: "delete", Collection: "app.bsky.feed.post", Rkey: g.Rkey()}
		return ev
	}
	rec := Record{
		Type:      "app.bsky.feed.post",
		CreatedAt: t.Add(-time.Duration(g.rng.IntN(2000)) * time.Millisecond).UTC().Format("2006-01-02T15:04:05.000Z"),
		Text:      g.Text(),
	}
	switch r := g.rng.IntN(100); {
	case r < 70:
		rec.Langs = []string{"en"}
	case r < 80:
		rec.Langs = []string{"ja"}
	case r < 85:
		rec.Langs = []string{"pt"}
	case r < 95:
		rec.Langs = []string{"de", "en"}
	}
	if g.rng.IntN(10) < 3 {
		root := Ref{CID: g.cid(), URI: g.postURI()}
		rec.Reply = &Reply{Root: root, Parent: root}
	}
	switch r := g.rng.IntN(100); {
	case r < 20:
		rec.Embed = map[string]any{"$type": "app.bsky.embed.images", "images": []any{map[string]any{
			"alt": "", "aspectRatio": map[string]int{"height": 1200, "width": 900},
			"image": map[string]any{"$type": "blob", "ref": map[string]string{"$link": g.cid()}, "mimeType": "image/jpeg", "size": 300000 + g.rng.IntN(600000)},
		}}}
	case r < 25:
		rec.Embed = map[string]any{"$type": "app.bsky.embed.record", "record": Ref{CID: g.cid(), URI: g.postURI()}}
	case r < 32:
		rec.Embed = map[string]any{"$type": "app.bsky.embed.external", "external": map[string]string{
			"description": g.Text(), "title": g.word() + " " + g.word(), "uri": "https://example.com/" + g.word(),
		}}
	}
	if g.rng.IntN(10) < 2 {
		tag := g.word()
		start := len(rec.Text) + 1
		rec.Text += " #" + tag
		rec.Facets = append(rec.Facets, Facet{Index: FacetIndex{start, len(rec.Text)},
			Features: []map[string]any{{"$type": "app.bsky.richtext.facet#tag", "tag": tag}}})
	}
	if g.rng.IntN(10) == 0 {
		rec.Facets = append(rec.Facets, Facet{Index: FacetIndex{0, 5},
			Features: []map[string]any{{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/" + g.word()}}})
	}
	ev.Commit = &Commit{Rev: g.Rkey(), Operation: "create", Collection: "app.bsky.feed.post", Rkey: g.Rkey(), CID: g.cid()}
	var err error
	if ev.Commit.Record, err = json.Marshal(rec); err != nil {
		panic(err)
	}
	return ev
}
