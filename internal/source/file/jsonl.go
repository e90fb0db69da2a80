package file

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tsaproject/tsa/internal/post"
)

// jsonDecoder reads one post per line: the Post model's own JSON, or the
// common shapes of exported posts (X API v1.1 and v2 tweets with an author
// object, Bluesky-like records). Field names are tolerant: each Post field
// accepts the names below, and encoding/json matches them in any case.
type jsonDecoder struct {
	j jsonPost // reused: most lines have the same shape
}

type jsonPost struct {
	ID        flexString  `json:"id"`
	IDStr     string      `json:"id_str"`
	Text      *string     `json:"text"`
	FullText  *string     `json:"full_text"`
	Lang      string      `json:"lang"`
	Langs     []string    `json:"langs"`
	CreatedAt flexTime    `json:"created_at"`
	CreatedA2 flexTime    `json:"createdAt"`
	Timestamp flexTime    `json:"timestamp"`
	Author    *jsonAuthor `json:"author"`
	User      *jsonAuthor `json:"user"`
	// Flat author fields, as CSV exports turned into JSON have them.
	AuthorID        flexString `json:"author_id"`
	AuthorHandle    string     `json:"author_handle"`
	AuthorUsername  string     `json:"author_username"`
	AuthorName      string     `json:"author_name"`
	AuthorFollowers flexInt    `json:"author_followers"`
	URL             string     `json:"url"`
	ReplyTo         flexString `json:"reply_to"`
	QuoteOf         flexString `json:"quote_of"`
	Metrics         *struct {
		Likes   flexInt `json:"likes"`
		Reposts flexInt `json:"reposts"`
		Replies flexInt `json:"replies"`
		Quotes  flexInt `json:"quotes"`
	} `json:"metrics"`
	PublicMetrics *struct { // X API v2
		Likes   flexInt `json:"like_count"`
		Reposts flexInt `json:"retweet_count"`
		Replies flexInt `json:"reply_count"`
		Quotes  flexInt `json:"quote_count"`
	} `json:"public_metrics"`
}

type jsonAuthor struct {
	ID             flexString `json:"id"`
	IDStr          string     `json:"id_str"`
	Handle         string     `json:"handle"`
	Username       string     `json:"username"`
	ScreenName     string     `json:"screen_name"`
	Name           string     `json:"name"`
	Followers      flexInt    `json:"followers"`
	FollowersCount flexInt    `json:"followers_count"`
	PublicMetrics  *struct {
		FollowersCount flexInt `json:"followers_count"`
	} `json:"public_metrics"`
	Location string `json:"location"`
	Verified bool   `json:"verified"`
}

func (d *jsonDecoder) decode(dst []post.Post, rec []byte) ([]post.Post, error) {
	rec = bytes.TrimSpace(rec)
	if len(rec) == 0 || rec[0] != '{' {
		return dst, errors.New("not a JSON object")
	}
	j := &d.j
	*j = jsonPost{}
	if err := json.Unmarshal(rec, j); err != nil {
		// A field of an unexpected type (a number where a name belongs) is
		// skipped and the rest decoded. Broken JSON, or a time or count
		// that cannot be read, loses the line.
		if _, ok := errors.AsType[*json.SyntaxError](err); ok {
			return dst, fmt.Errorf("malformed JSON: %w", err)
		}
		if _, ok := errors.AsType[*json.UnmarshalTypeError](err); !ok {
			return dst, err
		}
	}
	var p post.Post
	// full_text first: where X API v1.1 gives both, text is cut at 140.
	switch {
	case j.FullText != nil && strings.TrimSpace(*j.FullText) != "":
		p.Text = *j.FullText
	case j.Text != nil && strings.TrimSpace(*j.Text) != "":
		p.Text = *j.Text
	default:
		return dst, errNoText
	}
	p.ID = first(string(j.ID), j.IDStr)
	p.Lang = j.Lang
	if p.Lang == "" && len(j.Langs) > 0 {
		p.Lang = j.Langs[0]
	}
	p.CreatedAt = firstTime(j.CreatedAt, j.CreatedA2, j.Timestamp)
	p.URL = j.URL
	p.ReplyTo = string(j.ReplyTo)
	p.QuoteOf = string(j.QuoteOf)
	a := j.Author
	if a == nil {
		a = j.User
	}
	if a != nil {
		p.Author = post.Author{
			ID:        first(string(a.ID), a.IDStr),
			Handle:    first(a.Handle, a.Username, a.ScreenName),
			Name:      a.Name,
			Followers: int64(max(a.Followers, a.FollowersCount)),
			Location:  a.Location,
			Verified:  a.Verified,
		}
		if a.PublicMetrics != nil {
			p.Author.Followers = max(p.Author.Followers, int64(a.PublicMetrics.FollowersCount))
		}
	}
	p.Author.ID = first(p.Author.ID, string(j.AuthorID))
	p.Author.Handle = strings.TrimPrefix(first(p.Author.Handle, j.AuthorHandle, j.AuthorUsername), "@")
	p.Author.Name = first(p.Author.Name, j.AuthorName)
	p.Author.Followers = max(p.Author.Followers, int64(j.AuthorFollowers))
	if m := j.Metrics; m != nil {
		p.Metrics = post.Metrics{Likes: int64(m.Likes), Reposts: int64(m.Reposts), Replies: int64(m.Replies), Quotes: int64(m.Quotes)}
	} else if m := j.PublicMetrics; m != nil {
		p.Metrics = post.Metrics{Likes: int64(m.Likes), Reposts: int64(m.Reposts), Replies: int64(m.Replies), Quotes: int64(m.Quotes)}
	}
	return append(dst, p), nil
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func firstTime(ts ...flexTime) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t.Time
		}
	}
	return time.Time{}
}

// flexString takes a JSON string or number (ids come as both).
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		v, err := jsonString(b)
		if err != nil {
			return err
		}
		*s = flexString(v)
	case string(b) == "null":
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = flexString(n)
	}
	return nil
}

// jsonString decodes a JSON string that encoding/json has already checked.
// Ids and times rarely hold escapes, and decoding them again through
// json.Unmarshal costs as much as the rest of the line.
func jsonString(b []byte) (string, error) {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var v string
	err := json.Unmarshal(b, &v)
	return v, err
}

// flexInt takes a JSON number or a string holding one (counts come as both).
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	v, err := parseCount(s)
	if err != nil {
		return err
	}
	*n = flexInt(v)
	return nil
}

// parseCount reads a non-negative count, written as an integer or a float.
func parseCount(s string) (int64, error) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return max(v, 0), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f {
		return 0, fmt.Errorf("count %q is not a number", s)
	}
	return int64(min(max(f, 0), 1<<62)), nil
}

// flexTime takes the time formats exports use: RFC 3339 with or without a
// zone, "2006-01-02 15:04:05", X API v1.1's "Mon Jan 02 15:04:05 -0700
// 2006", or a Unix time in seconds or milliseconds.
type flexTime struct{ time.Time }

func (t *flexTime) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) > 0 && s[0] == '"' {
		var err error
		if s, err = jsonString(b); err != nil {
			return err
		}
	}
	v, err := parseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999", // no zone: UTC
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999",
	time.RubyDate, // X API v1.1
	time.RFC1123Z,
	time.RFC1123,
}

// parseTime reads a timestamp in any of timeLayouts, or a Unix time: a
// number below 10^11 is seconds (until the year 5138), above it
// milliseconds. The time is in UTC; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f != f || f < 0 || f > 1e16 {
			return time.Time{}, fmt.Errorf("unix time %q out of range", s)
		}
		if f >= 1e11 {
			f /= 1000
		}
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil // one location, so equal times compare equal
		}
	}
	return time.Time{}, fmt.Errorf("time %q in no known format", s)
}
