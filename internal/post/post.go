// Package post holds the Post model every part of TSA shares.
package post

import (
	"time"
)

// Post is one social-media post as TSA keeps it, whatever its source.
type Post struct {
	ID        string    `json:"id"`     // unique within Source
	Source    string    `json:"source"` // "synth", "file", "x", "bluesky"
	Text      string    `json:"text"`
	Lang      string    `json:"lang,omitempty"` // BCP-47 as the source gave it; "" when unknown
	CreatedAt time.Time `json:"created_at"`
	Author    Author    `json:"author"`
	Metrics   Metrics   `json:"metrics,omitzero"`
	URL       string    `json:"url,omitempty"` // link to the original
	// ReplyTo and QuoteOf are the ids of referenced posts, when any.
	ReplyTo string `json:"reply_to,omitempty"`
	QuoteOf string `json:"quote_of,omitempty"`
	// Keywords are the tracked keywords the post matched (filled by track,
	// or by sources that match upstream, such as X's stream rules).
	Keywords []string `json:"keywords,omitempty"`
}

// Author is who wrote a post.
type Author struct {
	ID        string `json:"id,omitempty"`
	Handle    string `json:"handle,omitempty"`
	Name      string `json:"name,omitempty"`
	Followers int64  `json:"followers,omitempty"`
	Location  string `json:"location,omitempty"`
	Verified  bool   `json:"verified,omitempty"`
}

// Metrics are a post's public engagement counts at the time it was read.
type Metrics struct {
	Likes   int64 `json:"likes,omitempty"`
	Reposts int64 `json:"reposts,omitempty"`
	Replies int64 `json:"replies,omitempty"`
	Quotes  int64 `json:"quotes,omitempty"`
}

// Key identifies a post across sources.
func (p *Post) Key() string { return p.Source + ":" + p.ID }
