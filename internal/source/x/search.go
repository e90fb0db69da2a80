package x

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source/x/xapi"
)

const (
	recentPath  = "/2/tweets/search/recent"
	archivePath = "/2/tweets/search/all"
)

// Query is one search: recent (the last 7 days) or full-archive.
type Query struct {
	Query   string
	Archive bool // full-archive search (/2/tweets/search/all)
	// Start is inclusive and End exclusive; X reads them to the second.
	Start, End time.Time
	// SinceID and UntilID keep ids strictly greater / less. To poll, pass
	// the previous page's NewestID as SinceID.
	SinceID, UntilID string
	// MaxResults per page: 10–100 for recent, 10–500 for full-archive;
	// 0 asks for the most.
	MaxResults int
	// MaxPages stops after so many pages (0: all of them).
	MaxPages int
}

// Page is one page of search results, newest first.
type Page struct {
	Posts     []post.Post
	NewestID  string
	OldestID  string
	NextToken string // "" on the last page
}

// Search pages through a query's results. Rate limits are waited out:
// when the last response said the window is spent, or on a 429, it
// sleeps until x-rate-limit-reset (exponentially from one minute when the
// header is absent). Server errors are retried three times from 5 s. The
// first error ends the sequence.
//
//	for page, err := range c.Search(ctx, q) { … }
func (c *Client) Search(ctx context.Context, q Query) iter.Seq2[*Page, error] {
	return func(yield func(*Page, error) bool) {
		path, maxN := recentPath, 100
		if q.Archive {
			path, maxN = archivePath, 500
		}
		if q.MaxResults == 0 {
			q.MaxResults = maxN
		}
		if q.MaxResults < 10 || q.MaxResults > maxN {
			yield(nil, fmt.Errorf("x: search: max_results must be between 10 and %d, got %d", maxN, q.MaxResults))
			return
		}
		v := url.Values{"query": {q.Query}, "max_results": {strconv.Itoa(q.MaxResults)}}
		for k, f := range xapi.Fields {
			v.Set(k, f)
		}
		if !q.Start.IsZero() {
			v.Set("start_time", q.Start.UTC().Format(time.RFC3339))
		}
		if !q.End.IsZero() {
			v.Set("end_time", q.End.UTC().Format(time.RFC3339))
		}
		if q.SinceID != "" {
			v.Set("since_id", q.SinceID)
		}
		if q.UntilID != "" {
			v.Set("until_id", q.UntilID)
		}
		for n := 0; q.MaxPages == 0 || n < q.MaxPages; n++ {
			r, err := c.searchPage(ctx, path, v)
			if err != nil {
				yield(nil, err)
				return
			}
			p := &Page{Posts: r.AppendPosts(nil)}
			if r.Meta != nil {
				p.NewestID, p.OldestID, p.NextToken = r.Meta.NewestID, r.Meta.OldestID, r.Meta.NextToken
			}
			if !yield(p, nil) || p.NextToken == "" {
				return
			}
			v.Set("next_token", p.NextToken)
		}
	}
}

// searchPage gets one page, waiting out rate limits and retrying server
// and network errors a few times.
func (c *Client) searchPage(ctx context.Context, path string, v url.Values) (*xapi.Response, error) {
	rateWait := time.Minute
	failures := 0
	for {
		if err := c.waitForQuota(ctx, path); err != nil {
			return nil, err
		}
		var r xapi.Response
		err := c.do(ctx, "search", "GET", path, v, nil, &r)
		if err == nil {
			return &r, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		var wait time.Duration
		switch ErrorKind(err) {
		case KindRateLimit:
			e, _ := errors.AsType[*APIError](err)
			if d := e.Limit.Reset.Sub(c.clock.Now()); !e.Limit.Reset.IsZero() && d > -time.Minute {
				wait = max(d, 0) + time.Second
			} else {
				wait, rateWait = rateWait, min(2*rateWait, 15*time.Minute)
			}
			c.log.Info("x: search rate limited, waiting", "wait", wait.Round(time.Second))
		case KindHTTP, KindNetwork:
			failures++
			if failures > 3 {
				return nil, err
			}
			wait = 5 * time.Second << (failures - 1)
			c.log.Warn("x: search failed, retrying", "error", err, "retry_in", wait)
		default:
			return nil, err
		}
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}
