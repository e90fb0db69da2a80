package xfake

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tsaproject/tsa/internal/source/x/xapi"
)

func invalid(w http.ResponseWriter, param, value, msg string) {
	writeJSON(w, 400, map[string]any{
		"errors": []xapi.Problem{{Parameters: map[string][]string{param: {value}}, Message: msg}},
		"title":  "Invalid Request", "detail": "One or more parameters to your request was invalid.",
		"type": xapi.ProblemPrefix + "invalid-request",
	})
}

// search answers recent (maxN 100) and full-archive (maxN 500) search.
// next_token is the index of the page's first tweet in the newest-first
// result list, which stays valid while newer tweets arrive only if the
// list is rebuilt with the same bounds: the token also pins the newest id.
func (s *Server) search(w http.ResponseWriter, r *http.Request, maxN int) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	s.searchN++
	now := s.Now()
	if s.searchReset.IsZero() || !now.Before(s.searchReset) {
		s.searchReset = now.Add(s.SearchWindow)
		s.searchUsed = 0
	}
	reset := s.searchReset
	if len(s.srchFaults) > 0 {
		f := s.srchFaults[0]
		s.srchFaults = s.srchFaults[1:]
		s.mu.Unlock()
		if f != RateLimited {
			reset = time.Time{} // only a 429 says the window is spent
		}
		writeFault(w, f, reset)
		return
	}
	if s.searchUsed >= s.SearchLimit {
		s.mu.Unlock()
		writeFault(w, RateLimited, reset)
		return
	}
	s.searchUsed++
	remaining := s.SearchLimit - s.searchUsed
	tweets := slices.Clone(s.tweets)
	s.mu.Unlock()
	w.Header().Set("x-rate-limit-limit", strconv.Itoa(s.SearchLimit))
	w.Header().Set("x-rate-limit-remaining", strconv.Itoa(remaining))
	w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))

	q := r.URL.Query()
	e, err := parseExpr(q.Get("query"))
	if err != nil {
		invalid(w, "query", q.Get("query"), "There were errors processing your request: "+err.Error())
		return
	}
	n := 10
	if v := q.Get("max_results"); v != "" {
		n, err = strconv.Atoi(v)
		if err != nil || n < 10 || n > maxN {
			invalid(w, "max_results", v, "The `max_results` query parameter value ["+v+"] is not between 10 and "+strconv.Itoa(maxN))
			return
		}
	}
	var start, end time.Time
	for name, t := range map[string]*time.Time{"start_time": &start, "end_time": &end} {
		if v := q.Get(name); v != "" {
			if *t, err = time.Parse(time.RFC3339, v); err != nil {
				invalid(w, name, v, "Invalid "+name)
				return
			}
		}
	}
	sinceID, untilID := q.Get("since_id"), q.Get("until_id")
	token := q.Get("next_token")
	if token == "" {
		token = q.Get("pagination_token")
	}
	var hits []stored
	for i := len(tweets) - 1; i >= 0; i-- { // newest first
		st := tweets[i]
		created, _ := time.Parse(time.RFC3339Nano, st.t.CreatedAt)
		switch {
		case sinceID != "" && cmpID(st.t.ID, sinceID) <= 0,
			untilID != "" && cmpID(st.t.ID, untilID) >= 0,
			!start.IsZero() && created.Before(start),
			!end.IsZero() && !created.Before(end),
			!e.matches(text(&st.t)):
			continue
		}
		hits = append(hits, st)
	}
	// The token is the id the page starts below: stable under new posts.
	if token != "" {
		i := slices.IndexFunc(hits, func(st stored) bool { return cmpID(st.t.ID, token) < 0 })
		if i < 0 {
			i = len(hits)
		}
		hits = hits[i:]
	}
	resp := xapi.Response{Meta: &xapi.Meta{}}
	page := hits[:min(n, len(hits))]
	for _, st := range page {
		resp.Data = append(resp.Data, st.t)
		if st.u.ID != "" {
			if resp.Includes == nil {
				resp.Includes = &xapi.Includes{}
			}
			// Each user once, whatever the number of their tweets.
			if !slices.ContainsFunc(resp.Includes.Users, func(u xapi.User) bool { return u.ID == st.u.ID }) {
				resp.Includes.Users = append(resp.Includes.Users, st.u)
			}
		}
	}
	if resp.Includes != nil {
		// X promises no order: reverse, so joining by position would fail.
		slices.Reverse(resp.Includes.Users)
	}
	resp.Meta.ResultCount = len(page)
	if len(page) > 0 {
		resp.Meta.NewestID, resp.Meta.OldestID = page[0].t.ID, page[len(page)-1].t.ID
	}
	if len(hits) > len(page) {
		resp.Meta.NextToken = resp.Meta.OldestID
	}
	writeJSON(w, 200, resp)
}

// cmpID compares numeric ids.
func cmpID(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
