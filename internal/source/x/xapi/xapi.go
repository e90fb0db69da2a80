// Package xapi holds the X API v2 wire types TSA reads and writes (tweets,
// users, rules, problems, the search and stream envelopes) and turns them
// into posts. The client (internal/source/x), its fake (x/xfake) and the
// file:// replay format share it, so all three agree on the shapes.
//
// IDs stay strings: they are 64-bit and would lose digits as float64.
package xapi

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tsaproject/tsa/internal/post"
)

// SourceName is Post.Source for posts read from X.
const SourceName = "x"

// Fields are the query parameters that ask for every field TSA keeps.
// Without them a tweet has only id, text and edit_history_tweet_ids.
var Fields = map[string]string{
	"tweet.fields": "created_at,author_id,lang,public_metrics,referenced_tweets,note_tweet",
	"expansions":   "author_id",
	"user.fields":  "username,name,public_metrics,location,verified",
}

// Tweet is a post as X API v2 sends it.
type Tweet struct {
	ID                  string        `json:"id"`
	Text                string        `json:"text"`
	AuthorID            string        `json:"author_id,omitempty"`
	CreatedAt           string        `json:"created_at,omitempty"`
	Lang                string        `json:"lang,omitempty"`
	PublicMetrics       *TweetMetrics `json:"public_metrics,omitempty"`
	ReferencedTweets    []Reference   `json:"referenced_tweets,omitempty"`
	NoteTweet           *NoteTweet    `json:"note_tweet,omitempty"`
	EditHistoryTweetIDs []string      `json:"edit_history_tweet_ids,omitempty"`
}

// TweetMetrics are a tweet's public engagement counts.
type TweetMetrics struct {
	RetweetCount int64 `json:"retweet_count"`
	ReplyCount   int64 `json:"reply_count"`
	LikeCount    int64 `json:"like_count"`
	QuoteCount   int64 `json:"quote_count"`
}

// Reference links a tweet to one it replies to, quotes or retweets.
type Reference struct {
	Type string `json:"type"` // "replied_to", "quoted", "retweeted"
	ID   string `json:"id"`
}

// NoteTweet holds the full text of a post longer than 280 characters;
// Tweet.Text then has only its start.
type NoteTweet struct {
	Text string `json:"text"`
}

// User is an author, found in includes.users.
type User struct {
	ID            string       `json:"id"`
	Name          string       `json:"name"`
	Username      string       `json:"username"`
	Location      string       `json:"location,omitempty"`
	Verified      bool         `json:"verified,omitempty"`
	PublicMetrics *UserMetrics `json:"public_metrics,omitempty"`
}

// UserMetrics are a user's public counts.
type UserMetrics struct {
	FollowersCount int64 `json:"followers_count"`
}

// Includes are the objects expansions ask for.
type Includes struct {
	Users  []User  `json:"users,omitempty"`
	Tweets []Tweet `json:"tweets,omitempty"`
}

// Rule is a filtered-stream rule.
type Rule struct {
	ID    string `json:"id,omitempty"`
	Value string `json:"value"`
	Tag   string `json:"tag,omitempty"`
}

// MatchingRule names a rule a streamed tweet matched.
type MatchingRule struct {
	ID  string `json:"id"`
	Tag string `json:"tag,omitempty"`
}

// Problem is an RFC 7807 problem, as X sends in errors[] and as the body
// of failed requests. Fields beyond type/title/detail depend on the type.
type Problem struct {
	Type            string              `json:"type,omitempty"`
	Title           string              `json:"title,omitempty"`
	Detail          string              `json:"detail,omitempty"`
	Status          int                 `json:"status,omitempty"`
	DisconnectType  string              `json:"disconnect_type,omitempty"`
	ConnectionIssue string              `json:"connection_issue,omitempty"`
	Period          string              `json:"period,omitempty"`
	Scope           string              `json:"scope,omitempty"`
	ID              string              `json:"id,omitempty"`
	Value           string              `json:"value,omitempty"`
	Message         string              `json:"message,omitempty"`
	Code            int                 `json:"code,omitempty"` // legacy v1.1 shape
	Parameters      map[string][]string `json:"parameters,omitempty"`
}

// ProblemPrefix starts every X problem type.
const ProblemPrefix = "https://api.twitter.com/2/problems/"

// Kind is the problem's name, the last part of its type
// ("operational-disconnect", "usage-capped", "rule-cap", …).
func (p *Problem) Kind() string {
	if i := strings.LastIndexByte(p.Type, '/'); i >= 0 {
		return p.Type[i+1:]
	}
	return p.Type
}

// String describes the problem in one line.
func (p *Problem) String() string {
	parts := make([]string, 0, 4)
	for _, s := range []string{p.Title, p.Detail, p.Message} {
		if s != "" && !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	if p.Value != "" {
		parts = append(parts, "rule "+strconv.Quote(p.Value))
	}
	if len(parts) == 0 {
		return p.Kind()
	}
	return strings.Join(parts, ": ")
}

// Summary counts what a rules request did.
type Summary struct {
	Created    int `json:"created,omitempty"`
	NotCreated int `json:"not_created,omitempty"`
	Valid      int `json:"valid,omitempty"`
	Invalid    int `json:"invalid,omitempty"`
	Deleted    int `json:"deleted,omitempty"`
	NotDeleted int `json:"not_deleted,omitempty"`
}

// Meta is the meta object of search and rules responses.
type Meta struct {
	NewestID    string   `json:"newest_id,omitempty"`
	OldestID    string   `json:"oldest_id,omitempty"`
	ResultCount int      `json:"result_count"`
	NextToken   string   `json:"next_token,omitempty"`
	Sent        string   `json:"sent,omitempty"`
	Summary     *Summary `json:"summary,omitempty"`
}

// Tweets is "data" holding tweets: an array in search responses, a single
// object in stream messages. It decodes both.
type Tweets []Tweet

// UnmarshalJSON implements json.Unmarshaler.
func (t *Tweets) UnmarshalJSON(b []byte) error {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) > 0 && b[0] == '{' {
		*t = append((*t)[:0], Tweet{})
		return json.Unmarshal(b, &(*t)[0])
	}
	if string(b) == "null" {
		*t = (*t)[:0]
		return nil
	}
	// encoding/json decodes into the elements already in the capacity
	// without zeroing them: a reused slice would keep old fields.
	clear((*t)[:cap(*t)])
	*t = (*t)[:0]
	return json.Unmarshal(b, (*[]Tweet)(t))
}

// Response is any X API v2 response body or stream message TSA reads:
// data (tweets) with includes and meta, matching_rules on the stream,
// errors[], or a problem at the top level of a failed request.
type Response struct {
	Data          Tweets         `json:"data,omitempty"`
	Includes      *Includes      `json:"includes,omitempty"`
	MatchingRules []MatchingRule `json:"matching_rules,omitempty"`
	Meta          *Meta          `json:"meta,omitempty"`
	Errors        []Problem      `json:"errors,omitempty"`
	Problem
}

// RulesResponse is the body of the rules endpoints.
type RulesResponse struct {
	Data   []Rule    `json:"data,omitempty"`
	Meta   *Meta     `json:"meta,omitempty"`
	Errors []Problem `json:"errors,omitempty"`
	Problem
}

// TimeLayout is how X writes created_at; it parses with RFC 3339 too.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// AppendPosts appends r's tweets as posts to dst. Authors are joined by
// author_id against includes.users, never by position: X lists each user
// once however many tweets they wrote, in no promised order.
func (r *Response) AppendPosts(dst []post.Post) []post.Post {
	var users []User
	if r.Includes != nil {
		users = r.Includes.Users
	}
	for i := range r.Data {
		dst = append(dst, ToPost(&r.Data[i], users))
	}
	return dst
}

// ToPost converts one tweet, with its author looked up in users.
func ToPost(t *Tweet, users []User) post.Post {
	p := post.Post{
		ID:     t.ID,
		Source: SourceName,
		Text:   t.Text,
		Lang:   t.Lang,
	}
	if t.NoteTweet != nil && t.NoteTweet.Text != "" {
		p.Text = t.NoteTweet.Text
	}
	if p.Lang == "und" || p.Lang == "zxx" || p.Lang == "qme" {
		// X's "undetermined", "no linguistic content", "media only".
		p.Lang = ""
	}
	if t.CreatedAt != "" {
		if ts, err := time.Parse(time.RFC3339Nano, t.CreatedAt); err == nil {
			p.CreatedAt = ts.UTC()
		}
	}
	if m := t.PublicMetrics; m != nil {
		p.Metrics = post.Metrics{Likes: m.LikeCount, Reposts: m.RetweetCount, Replies: m.ReplyCount, Quotes: m.QuoteCount}
	}
	for _, ref := range t.ReferencedTweets {
		switch ref.Type {
		case "replied_to":
			p.ReplyTo = ref.ID
		case "quoted":
			p.QuoteOf = ref.ID
		}
	}
	p.Author.ID = t.AuthorID
	for i := range users {
		u := &users[i]
		if u.ID != t.AuthorID || t.AuthorID == "" {
			continue
		}
		p.Author = post.Author{ID: u.ID, Handle: u.Username, Name: u.Name, Location: u.Location, Verified: u.Verified}
		if u.PublicMetrics != nil {
			p.Author.Followers = u.PublicMetrics.FollowersCount
		}
		break
	}
	if p.Author.Handle != "" {
		p.URL = "https://x.com/" + p.Author.Handle + "/status/" + t.ID
	} else if t.ID != "" {
		p.URL = "https://x.com/i/web/status/" + t.ID
	}
	return p
}

// TagPrefix starts the tag of every rule TSA makes; the rest is the JSON
// array of the keywords the rule stands for, so a matching_rules entry
// maps back to keywords without any other state, across restarts.
const TagPrefix = "tsa:"

// Tag is the tag of a rule for keywords.
func Tag(keywords []string) string {
	b, _ := json.Marshal(keywords)
	return TagPrefix + string(b)
}

// TagKeywords reads the keywords of a tag Tag made; ok is false for a tag
// that is not TSA's.
func TagKeywords(tag string) (keywords []string, ok bool) {
	rest, found := strings.CutPrefix(tag, TagPrefix)
	if !found {
		return nil, false
	}
	if err := json.Unmarshal([]byte(rest), &keywords); err != nil || len(keywords) == 0 {
		return nil, false
	}
	return keywords, true
}
