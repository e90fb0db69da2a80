package x

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/x/xapi"
)

// scheduleGapLocked asks for the posts since from to be searched and
// delivered. One goroutine fills gaps; a gap that arrives while it works
// waits, merged with any other waiting one (the earlier start wins).
// s.mu is held.
func (s *Stream) scheduleGapLocked(ctx context.Context, from cursor, sink source.Sink, wg *sync.WaitGroup) {
	if s.pending == nil || from.at.Before(s.pending.at) {
		f := from
		s.pending = &f
	}
	if s.filling {
		return
	}
	s.filling = true
	wg.Go(func() { s.fillLoop(ctx, sink) })
}

func (s *Stream) fillLoop(ctx context.Context, sink source.Sink) {
	for {
		s.mu.Lock()
		g := s.pending
		s.pending = nil
		if g == nil || ctx.Err() != nil {
			s.filling = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		if err := s.fill(ctx, *g, sink); err != nil {
			if ctx.Err() != nil {
				continue // ends the loop
			}
			if se, ok := errors.AsType[sinkError](err); ok {
				s.stop(se) // Run returns it
				continue
			}
			s.log.Warn("x: gap not filled", "error", err, "since", g.at)
			s.mu.Lock()
			s.lastErr = "gap filling: " + err.Error()
			s.mu.Unlock()
		}
	}
}

// fill searches recent posts for every rule since from and delivers what
// the stream did not.
func (s *Stream) fill(ctx context.Context, from cursor, sink source.Sink) error {
	now := s.clock.Now()
	start := from.at.Add(-gapMargin)
	sinceID := from.id
	if oldest := now.Add(-s.cfg.GapMax); start.Before(oldest) {
		s.log.Warn("x: outage longer than gap_max; older posts are not fetched", "outage_began", from.at, "gap_max", s.cfg.GapMax)
		start, sinceID = oldest, ""
	}
	if !start.Before(now) {
		return nil
	}
	s.mu.Lock()
	var groups [][]string
	for _, r := range s.rules {
		groups = append(groups, r.keywords)
	}
	s.mu.Unlock()
	s.gaps.Add(1)
	tags := map[string][]string{}
	for _, kws := range groups {
		for _, q := range searchQueries(kws, s.cfg.QueryLen) {
			query := Query{Query: q.query, Start: start.Truncate(time.Second), SinceID: sinceID}
			for page, err := range s.c.Search(ctx, query) {
				if err != nil {
					return err
				}
				posts := make([]post.Post, 0, len(page.Posts))
				for _, p := range page.Posts {
					p.Keywords = keywordsFor(q.rules, p.Text, tags)
					posts = append(posts, p)
				}
				if err := s.deliver(ctx, sink, posts, true); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// searchQuery is one gap search: its query and, as matching rules, the
// keywords it stands for.
type searchQuery struct {
	query string
	rules []xapi.MatchingRule
}

// searchQueries packs keywords into queries of at most maxLen characters:
// recent search accepts shorter queries than stream rules.
func searchQueries(keywords []string, maxLen int) []searchQuery {
	var out []searchQuery
	var terms, group []string
	n := 0
	flush := func() {
		if len(group) > 0 {
			out = append(out, searchQuery{query: strings.Join(terms, joinOR), rules: []xapi.MatchingRule{{Tag: xapi.Tag(group)}}})
		}
		terms, group, n = nil, nil, 0
	}
	for _, k := range keywords {
		t := Term(k)
		if len(group) > 0 && n+len(joinOR)+ruleLen(t) > maxLen {
			flush()
		}
		if len(group) > 0 {
			n += len(joinOR)
		}
		terms, group = append(terms, t), append(group, k)
		n += ruleLen(t)
	}
	flush()
	return out
}

// idSet remembers the most recent ids added, up to a bound, forgetting
// the oldest first: enough to catch the overlap of a gap fill and the
// stream, at a fixed memory cost.
type idSet struct {
	ids  map[string]struct{}
	ring []string
	next int
}

func newIDSet(n int) *idSet {
	return &idSet{ids: make(map[string]struct{}, min(n, 1<<16)), ring: make([]string, n)}
}

// add records id and reports whether it was new.
func (s *idSet) add(id string) bool {
	if _, dup := s.ids[id]; dup {
		return false
	}
	if old := s.ring[s.next]; old != "" {
		delete(s.ids, old)
	}
	s.ring[s.next] = id
	s.ids[id] = struct{}{}
	s.next = (s.next + 1) % len(s.ring)
	return true
}
