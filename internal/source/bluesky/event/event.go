// Package event decodes Bluesky Jetstream events (the JSON of the legacy
// /subscribe endpoint) into posts. It is shared by the bluesky:// stream and
// file://'s replay of captured Jetstream traffic.
//
// Only what a post needs is decoded: the envelope (did, time_us, kind), the
// commit's operation, collection and rkey, identity handles, and from an
// app.bsky.feed.post record its text, langs, createdAt, reply, quote embed,
// facets and tags. Everything else in a frame is skipped unread.
package event

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/post"
)

// Source is the Post.Source of Jetstream posts.
const Source = "bluesky"

// PostCollection is the NSID of a post record.
const PostCollection = "app.bsky.feed.post"

// Kind says what an event was, as far as TSA cares.
type Kind uint8

const (
	// Other is an event TSA has no use for: an account event, a commit
	// to another collection, a post without text.
	Other Kind = iota
	// Post is a created post: Event.Post is set.
	Post
	// Identity carries an account's handle: Event.Handle.
	Identity
	// Update and Delete are changes to existing posts, counted only: a
	// post's sentiment was taken when it was created.
	Update
	Delete
)

// Event is one decoded Jetstream event.
type Event struct {
	Kind   Kind
	TimeUS int64  // Jetstream's time_us: the cursor position of the event
	DID    string // the repository (author) the event is about
	Handle string // Identity only; may be "" (a handle removed)
	Post   post.Post
	// Tags are the post's hashtags without '#', from its tag facets and
	// its record's tags (the latter are not in the text). Reused by the
	// next Decode.
	Tags []string
}

// ErrMalformed is wrapped by every error Decode returns: the frame is not
// an event this package can read, and should be skipped.
var ErrMalformed = errors.New("malformed jetstream event")

// Decoder decodes events. Its buffers are reused from one event to the
// next, so a Decoder is not safe for concurrent use.
type Decoder struct {
	rec record
}

// record is what Decode keeps of an app.bsky.feed.post record.
type record struct {
	text      string
	hasText   bool
	lang      string
	createdAt string
	parent    string // reply.parent.uri
	quote     string // embed.record.uri, or embed.record.record.uri
}

// commit is what Decode keeps of a commit.
type commit struct {
	operation, collection, rkey string
	recStart, recEnd            int // the record's bytes, when not read at once
	recRead                     bool
}

// Decode reads one event from a frame into ev. An error wraps ErrMalformed:
// invalid UTF-8, broken JSON, or a field an event of its kind must have
// missing or of the wrong type.
func (d *Decoder) Decode(frame []byte, ev *Event) error {
	tags := ev.Tags[:0]
	*ev = Event{Tags: tags}
	if !utf8.Valid(frame) {
		return fmt.Errorf("%w: invalid UTF-8", ErrMalformed)
	}
	s := scanner{b: frame}
	var (
		kind        string
		c           commit
		hasCommit   bool
		hasIdentity bool
	)
	d.rec = record{}
	s.open('{')
	for first := true; s.field(&first); {
		switch string(s.key) {
		case "did":
			ev.DID = s.typedStr()
		case "time_us":
			ev.TimeUS = s.int()
		case "kind":
			kind = s.typedStr()
		case "commit":
			hasCommit = true
			ev.Tags = d.commit(&s, &c, ev.Tags)
		case "identity":
			hasIdentity = true
			ev.Handle = identity(&s)
		default:
			s.skip()
		}
	}
	s.end()
	if s.err != nil {
		return fmt.Errorf("%w: %w at byte %d", ErrMalformed, s.err, s.i)
	}
	if ev.DID == "" || ev.TimeUS <= 0 || kind == "" {
		return fmt.Errorf("%w: no did, time_us or kind", ErrMalformed)
	}
	switch kind {
	case "identity":
		if !hasIdentity {
			return fmt.Errorf("%w: identity event without identity", ErrMalformed)
		}
		ev.Kind = Identity
		return nil
	case "commit":
	default:
		ev.Handle = ""
		return nil // account events and kinds to come
	}
	ev.Handle = ""
	if !hasCommit {
		return fmt.Errorf("%w: commit event without commit", ErrMalformed)
	}
	if c.collection != PostCollection {
		return nil
	}
	switch c.operation {
	case "create":
	case "update":
		ev.Kind = Update
		return nil
	case "delete":
		ev.Kind = Delete
		return nil
	default:
		return fmt.Errorf("%w: commit operation %q", ErrMalformed, c.operation)
	}
	if c.rkey == "" || (!c.recRead && c.recEnd == 0) {
		return fmt.Errorf("%w: post create without rkey or record", ErrMalformed)
	}
	if !validRecordKey(c.rkey) {
		// It goes into the post's at-URI and link: "/" or ".." would
		// point them somewhere else.
		return fmt.Errorf("%w: record key %q", ErrMalformed, c.rkey)
	}
	if !c.recRead {
		// The record came before the fields that say it is a post.
		rs := scanner{b: frame[c.recStart:c.recEnd]}
		ev.Tags = d.record(&rs, ev.Tags)
		if rs.err != nil {
			return fmt.Errorf("%w: post record: %w", ErrMalformed, rs.err)
		}
	}
	rec := &d.rec
	if !rec.hasText {
		return fmt.Errorf("%w: post record without text", ErrMalformed)
	}
	if strings.TrimSpace(rec.text) == "" {
		ev.Tags = ev.Tags[:0]
		return nil // an image or a quote alone: nothing to score
	}
	ev.Kind = Post
	p := &ev.Post
	p.Source = Source
	p.ID = URI(ev.DID, c.rkey)
	p.Text = rec.text
	p.Lang = rec.lang
	// createdAt is set by the client and may be missing or absurd; the
	// time Jetstream saw the post is the fallback.
	p.CreatedAt = time.UnixMicro(ev.TimeUS).UTC()
	if t, err := time.Parse(time.RFC3339Nano, rec.createdAt); err == nil {
		p.CreatedAt = t.UTC()
	}
	p.Author.ID = ev.DID
	p.URL = "https://bsky.app/profile/" + ev.DID + "/post/" + c.rkey
	p.ReplyTo = rec.parent
	// An embedded record may also be a list or a feed; only posts are
	// quotes.
	if strings.Contains(rec.quote, "/"+PostCollection+"/") {
		p.QuoteOf = rec.quote
	}
	return nil
}

// commit reads a commit object. The record is read at once when the
// operation and collection before it say it is a post create (Jetstream's
// field order), and otherwise only located.
func (d *Decoder) commit(s *scanner, c *commit, tags []string) []string {
	if !s.open('{') {
		return tags
	}
	for first := true; s.field(&first); {
		switch string(s.key) {
		case "operation":
			c.operation = s.typedStr()
		case "collection":
			c.collection = s.typedStr()
		case "rkey":
			c.rkey = s.typedStr()
		case "record":
			if c.operation == "create" && c.collection == PostCollection {
				c.recRead = true
				tags = d.record(s, tags)
				continue
			}
			s.ws()
			c.recStart = s.i
			s.skip()
			c.recEnd = s.i
		default:
			s.skip()
		}
	}
	return tags
}

// record reads an app.bsky.feed.post record into d.rec and appends its
// tags. Only text's type is enforced; an optional field of the wrong type
// is ignored, as the lexicon's readers do.
func (d *Decoder) record(s *scanner, tags []string) []string {
	r := &d.rec
	if !s.open('{') {
		return tags
	}
	for first := true; s.field(&first); {
		switch string(s.key) {
		case "text":
			r.text = s.typedStr()
			r.hasText = s.err == nil
		case "langs":
			if s.peek() != '[' {
				s.skip()
				continue
			}
			s.i++
			r.lang = "" // of repeated keys, the last counts
			for f := true; s.elem(&f); {
				if v, _ := strOrSkip(s); r.lang == "" {
					r.lang = v
				}
			}
		case "createdAt":
			r.createdAt, _ = strOrSkip(s)
		case "reply":
			objField(s, "parent", func() { r.parent = uriOf(s) })
		case "embed":
			objField(s, "record", func() {
				// app.bsky.embed.record has the uri here;
				// recordWithMedia one level down.
				objFields(s, func(k []byte) {
					switch string(k) {
					case "uri":
						if v, _ := strOrSkip(s); r.quote == "" {
							r.quote = v
						}
					case "record":
						if v := uriOf(s); v != "" {
							r.quote = v
						}
					default:
						s.skip()
					}
				})
			})
		case "facets":
			tags = facets(s, tags)
		case "tags":
			if s.peek() != '[' {
				s.skip()
				continue
			}
			s.i++
			for f := true; s.elem(&f); {
				if v, _ := strOrSkip(s); v != "" {
					tags = append(tags, v)
				}
			}
		default:
			s.skip()
		}
	}
	return tags
}

// facets appends the tags of tag facets; mentions and links are in the
// text already (the Post model has no place for their targets).
func facets(s *scanner, tags []string) []string {
	if s.peek() != '[' {
		s.skip()
		return tags
	}
	s.i++
	for f := true; s.elem(&f); {
		objField(s, "features", func() {
			if s.peek() != '[' {
				s.skip()
				return
			}
			s.i++
			for f := true; s.elem(&f); {
				var typ, tag string
				objFields(s, func(k []byte) {
					switch string(k) {
					case "$type":
						typ, _ = strOrSkip(s)
					case "tag":
						tag, _ = strOrSkip(s)
					default:
						s.skip()
					}
				})
				if typ == "app.bsky.richtext.facet#tag" && tag != "" {
					tags = append(tags, tag)
				}
			}
		})
	}
	return tags
}

// identity reads an identity object's handle.
func identity(s *scanner) string {
	var h string
	objFields(s, func(k []byte) {
		if string(k) == "handle" {
			h, _ = strOrSkip(s)
			return
		}
		s.skip()
	})
	return h
}

// uriOf reads the uri of a strong reference ({"uri":…,"cid":…}).
func uriOf(s *scanner) string {
	var u string
	objFields(s, func(k []byte) {
		if string(k) == "uri" {
			u, _ = strOrSkip(s)
			return
		}
		s.skip()
	})
	return u
}

// objFields calls fn for each field of an object, which must read or skip
// the value; a value of another type is skipped.
func objFields(s *scanner, fn func(key []byte)) {
	if s.peek() != '{' {
		s.skip()
		return
	}
	s.i++
	for first := true; s.field(&first); {
		fn(s.key)
	}
}

// objField calls fn to read one field of an object and skips the others.
func objField(s *scanner, name string, fn func()) {
	objFields(s, func(k []byte) {
		if string(k) == name {
			fn()
			return
		}
		s.skip()
	})
}

// strOrSkip reads a string, or skips a value of another type.
func strOrSkip(s *scanner) (string, bool) {
	if s.peek() != '"' {
		s.skip()
		return "", false
	}
	return s.str()
}

// validRecordKey reports whether k has AT Protocol's record-key syntax:
// 1 to 512 of A–Z a–z 0–9 . - _ : ~, and neither "." nor "..".
func validRecordKey(k string) bool {
	if len(k) == 0 || len(k) > 512 || k == "." || k == ".." {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '-' || c == '_' || c == ':' || c == '~') {
			return false
		}
	}
	return true
}

// URI is the at-URI of a post: at://did/app.bsky.feed.post/rkey. It is the
// post's ID, and what replies and quotes name.
func URI(did, rkey string) string {
	return "at://" + did + "/" + PostCollection + "/" + rkey
}
