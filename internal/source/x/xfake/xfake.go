// Package xfake is a fake X API v2 for tests: stream rules (list, add,
// delete, dry_run, with their validation errors and limits), the filtered
// stream (keep-alives, matching_rules, author expansions, one connection
// at a time) and recent and full-archive search (paging, since_id, time
// bounds, rate-limit headers), with faults to inject: disconnects, stalls,
// 429, usage cap, 503, operational-disconnect, authentication failure and
// raw bytes on the stream. Tests drive it by injecting posts.
package xfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/source/x/xapi"
)

// Fault is a failure a request can be answered with.
type Fault int

// The faults.
const (
	RateLimited  Fault = iota + 1 // 429 Too Many Requests, with x-rate-limit-reset
	UsageCapped                   // 429 usage-capped (terminal)
	Unavailable                   // 503
	Unauthorized                  // 401
)

// Server is a fake X API. Create it with New; its fields may be set
// before the first request.
type Server struct {
	*httptest.Server
	Token string
	// MaxRules and RuleLen are the app's rule limits (1000, 1024).
	MaxRules, RuleLen int
	// KeepAlive is the stream's keep-alive period (20 s).
	KeepAlive time.Duration
	// SearchLimit requests per SearchWindow (450 per 15 min).
	SearchLimit  int
	SearchWindow time.Duration
	// FaultReset, when set, makes stream faults carry x-rate-limit-*
	// headers saying the window is spent until now + FaultReset.
	FaultReset time.Duration
	// Now is the fake's clock (time.Now); tests share theirs with the
	// client so that rate-limit resets agree.
	Now func() time.Time

	mu          sync.Mutex
	rules       []xapi.Rule
	nextRule    int64
	nextTweet   int64
	tweets      []stored // ascending id
	users       map[string]xapi.User
	conn        *conn
	stalled     bool
	connFaults  []Fault
	srchFaults  []Fault
	searchN     int
	searchUsed  int
	searchReset time.Time
	connects    int
	calls       []Call
}

type stored struct {
	t xapi.Tweet
	u xapi.User
}

// Call records a rules request, for tests that check what a client sent.
type Call struct {
	Method string
	Query  string
	Body   string
}

type conn struct {
	msgs chan []byte
	done chan struct{} // closed to drop the connection
	once sync.Once
}

func (c *conn) close() { c.once.Do(func() { close(c.done) }) }

// New starts a fake accepting token.
func New(token string) *Server {
	s := &Server{Token: token, MaxRules: 1000, RuleLen: 1024, KeepAlive: 20 * time.Second,
		SearchLimit: 450, SearchWindow: 15 * time.Minute, Now: time.Now,
		nextRule: 1165037377523306000, nextTweet: 1800000000000000000, users: map[string]xapi.User{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2/tweets/search/stream/rules", s.getRules)
	mux.HandleFunc("POST /2/tweets/search/stream/rules", s.postRules)
	mux.HandleFunc("GET /2/tweets/search/stream", s.stream)
	mux.HandleFunc("GET /2/tweets/search/recent", func(w http.ResponseWriter, r *http.Request) { s.search(w, r, 100) })
	mux.HandleFunc("GET /2/tweets/search/all", func(w http.ResponseWriter, r *http.Request) { s.search(w, r, 500) })
	s.Server = httptest.NewServer(mux)
	return s
}

// Close drops the stream and stops the server.
func (s *Server) Close() {
	s.Disconnect()
	s.Server.Close()
}

// Post publishes a tweet by u: it is kept for search and sent on the
// stream if it matches a rule. ID and CreatedAt are filled when empty.
// It returns the tweet as stored.
func (s *Server) Post(t xapi.Tweet, u xapi.User) xapi.Tweet {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.ID == "" {
		s.nextTweet += 1 + s.nextTweet%7 // ids grow, with gaps, as snowflakes do
		t.ID = strconv.FormatInt(s.nextTweet, 10)
	}
	if t.CreatedAt == "" {
		t.CreatedAt = s.Now().UTC().Format(xapi.TimeLayout)
	}
	if u.ID != "" {
		t.AuthorID = u.ID
		s.users[u.ID] = u
	}
	if t.EditHistoryTweetIDs == nil {
		t.EditHistoryTweetIDs = []string{t.ID}
	}
	i, _ := slices.BinarySearchFunc(s.tweets, t.ID, func(a stored, id string) int { return cmpID(a.t.ID, id) })
	s.tweets = slices.Insert(s.tweets, i, stored{t, u})
	if s.conn == nil {
		return t // nobody hears it live: a client must search for it
	}
	var mr []xapi.MatchingRule
	for _, r := range s.rules {
		if e, err := parseExpr(r.Value); err == nil && e.matches(text(&t)) {
			mr = append(mr, xapi.MatchingRule{ID: r.ID, Tag: r.Tag})
		}
	}
	if len(mr) == 0 {
		return t
	}
	msg := xapi.Response{Data: xapi.Tweets{t}, MatchingRules: mr}
	if u.ID != "" {
		msg.Includes = &xapi.Includes{Users: []xapi.User{u}}
	}
	b, _ := json.Marshal(msg)
	s.send(append(b, '\r', '\n'))
	return t
}

func text(t *xapi.Tweet) string {
	if t.NoteTweet != nil && t.NoteTweet.Text != "" {
		return t.NoteTweet.Text
	}
	return t.Text
}

// send queues a line for the open connection; mu is held. A full queue
// drops the connection, as X does a slow reader.
func (s *Server) send(b []byte) {
	if s.conn == nil {
		return
	}
	select {
	case s.conn.msgs <- b:
	default:
		s.conn.close()
		s.conn = nil
	}
}

// SendRaw writes bytes on the open stream as they are (no "\r\n" added):
// malformed or oversized messages, split lines.
func (s *Server) SendRaw(b []byte) {
	if len(b) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.send(slices.Clone(b))
}

// Disconnect drops the open stream connection, as a network failure would.
func (s *Server) Disconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		s.conn.close()
		s.conn = nil
	}
}

// OperationalDisconnect sends X's operational-disconnect message and
// closes the stream.
func (s *Server) OperationalDisconnect() {
	b, _ := json.Marshal(map[string]any{"errors": []xapi.Problem{{
		Title: "operational-disconnect", DisconnectType: "UpstreamOperationalDisconnect",
		Detail: "This stream has been disconnected upstream for operational reasons.",
		Type:   xapi.ProblemPrefix + "operational-disconnect",
	}}})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		s.send(append(b, '\r', '\n'))
		// The handler closes after writing it.
		s.send(nil)
		// The slot is free from now on, as at X: a client that reconnects
		// the moment it reads the message must not race the handler's
		// exit into a 429 TooManyConnections.
		s.conn = nil
	}
}

// Stall stops (true) or resumes (false) everything on the stream, keep-
// alives included. Messages wait meanwhile: they are sent when the stall
// ends, or lost if the connection drops first.
func (s *Server) Stall(on bool) {
	s.mu.Lock()
	s.stalled = on
	s.mu.Unlock()
}

// FailConnects answers the next stream connections with faults, in order.
func (s *Server) FailConnects(f ...Fault) {
	s.mu.Lock()
	s.connFaults = append(s.connFaults, f...)
	s.mu.Unlock()
}

// FailSearches answers the next searches with faults, in order.
func (s *Server) FailSearches(f ...Fault) {
	s.mu.Lock()
	s.srchFaults = append(s.srchFaults, f...)
	s.mu.Unlock()
}

// Connects counts stream connections accepted.
func (s *Server) Connects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

// Connected reports whether a stream connection is open.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// Rules returns the rules in force.
func (s *Server) Rules() []xapi.Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rules)
}

// Calls returns the rule changes requested so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// SearchCount is how many searches were answered (any status).
func (s *Server) SearchCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.searchN
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// authorized answers 401 unless the request carries the token.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") == "Bearer "+s.Token {
		return true
	}
	writeFault(w, Unauthorized, time.Time{})
	return false
}

func writeFault(w http.ResponseWriter, f Fault, reset time.Time) {
	if !reset.IsZero() {
		w.Header().Set("x-rate-limit-limit", "50")
		w.Header().Set("x-rate-limit-remaining", "0")
		w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
	}
	switch f {
	case RateLimited:
		writeJSON(w, 429, xapi.Problem{Title: "Too Many Requests", Detail: "Too Many Requests", Type: "about:blank", Status: 429})
	case UsageCapped:
		writeJSON(w, 429, xapi.Problem{Title: "UsageCapExceeded", Detail: "Usage cap exceeded: Monthly product cap",
			Type: xapi.ProblemPrefix + "usage-capped", Period: "Monthly", Scope: "Product"})
	case Unavailable:
		writeJSON(w, 503, xapi.Problem{Title: "Service Unavailable", Detail: "Service Unavailable", Type: "about:blank", Status: 503})
	case Unauthorized:
		writeJSON(w, 401, xapi.Problem{Title: "Unauthorized", Detail: "Unauthorized", Type: "about:blank", Status: 401})
	}
}

func (s *Server) getRules(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	resp := xapi.RulesResponse{Data: slices.Clone(s.rules), Meta: &xapi.Meta{Sent: s.Now().UTC().Format(xapi.TimeLayout), ResultCount: len(s.rules)}}
	s.mu.Unlock()
	writeJSON(w, 200, resp)
}

func (s *Server) postRules(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var req struct {
		Add    []xapi.Rule `json:"add"`
		Delete *struct {
			IDs    []string `json:"ids"`
			Values []string `json:"values"`
		} `json:"delete"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil || (req.Add == nil) == (req.Delete == nil) {
		writeJSON(w, 400, map[string]any{"title": "Invalid Request", "type": xapi.ProblemPrefix + "invalid-request",
			"detail": "One or more parameters to your request was invalid.",
			"errors": []xapi.Problem{{Message: "Request body must hold exactly one of add or delete"}}})
		return
	}
	dry := r.URL.Query().Get("dry_run") == "true"
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Method: "POST", Query: r.URL.RawQuery, Body: string(body)})
	meta := &xapi.Meta{Sent: s.Now().UTC().Format(xapi.TimeLayout), Summary: &xapi.Summary{}}
	if req.Delete != nil {
		var errs []xapi.Problem
		for _, id := range req.Delete.IDs {
			i := slices.IndexFunc(s.rules, func(r xapi.Rule) bool { return r.ID == id })
			if i < 0 {
				meta.Summary.NotDeleted++
				errs = append(errs, xapi.Problem{Title: "Not Found Error", Type: xapi.ProblemPrefix + "resource-not-found", ID: id, Detail: "rule " + id + " not found"})
				continue
			}
			meta.Summary.Deleted++
			if !dry {
				s.rules = slices.Delete(s.rules, i, i+1)
			}
		}
		for _, v := range req.Delete.Values {
			if i := slices.IndexFunc(s.rules, func(r xapi.Rule) bool { return r.Value == v }); i >= 0 {
				meta.Summary.Deleted++
				if !dry {
					s.rules = slices.Delete(s.rules, i, i+1)
				}
			} else {
				meta.Summary.NotDeleted++
			}
		}
		writeJSON(w, 200, xapi.RulesResponse{Meta: meta, Errors: errs})
		return
	}
	var errs []xapi.Problem
	var ok []xapi.Rule
	seen := map[string]bool{}
	for _, r := range s.rules {
		seen[r.Value] = true
	}
	for _, rule := range req.Add {
		switch _, perr := parseExpr(rule.Value); {
		case perr != nil || strings.TrimSpace(rule.Value) == "":
			errs = append(errs, xapi.Problem{Title: "Invalid Rule", Type: xapi.ProblemPrefix + "invalid-rules", Value: rule.Value, Detail: fmt.Sprint(perr)})
		case utf8.RuneCountInString(rule.Value) > s.RuleLen:
			errs = append(errs, xapi.Problem{Title: "Invalid Rule", Type: xapi.ProblemPrefix + "invalid-rules", Value: rule.Value,
				Detail: fmt.Sprintf("Rules must be %d characters or less", s.RuleLen)})
		case seen[rule.Value]:
			errs = append(errs, xapi.Problem{Title: "DuplicateRule", Type: xapi.ProblemPrefix + "duplicate-rules", Value: rule.Value})
		default:
			seen[rule.Value] = true
			ok = append(ok, rule)
		}
	}
	if len(s.rules)+len(ok) > s.MaxRules {
		// Over the cap nothing is added.
		errs = append(errs, xapi.Problem{Title: "RulesCapExceeded", Type: xapi.ProblemPrefix + "rule-cap",
			Detail: fmt.Sprintf("Rule cap of %d exceeded", s.MaxRules)})
		ok = nil
	}
	if slices.ContainsFunc(errs, func(p xapi.Problem) bool { return p.Kind() == "invalid-rules" }) {
		ok = nil // an invalid rule fails the request
	}
	meta.Summary.Valid = len(ok)
	meta.Summary.Invalid = len(req.Add) - len(ok)
	var out []xapi.Rule
	for _, rule := range ok {
		s.nextRule += 17
		rule.ID = strconv.FormatInt(s.nextRule, 10)
		out = append(out, rule)
	}
	if !dry {
		s.rules = append(s.rules, out...)
		meta.Summary.Created = len(out)
		meta.Summary.NotCreated = len(req.Add) - len(out)
	}
	writeJSON(w, 201, xapi.RulesResponse{Data: out, Meta: meta, Errors: errs})
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	reset := s.Now().Add(15 * time.Minute)
	if len(s.connFaults) > 0 {
		f := s.connFaults[0]
		s.connFaults = s.connFaults[1:]
		var at time.Time
		if s.FaultReset > 0 {
			at = s.Now().Add(s.FaultReset)
		}
		s.mu.Unlock()
		writeFault(w, f, at)
		return
	}
	if s.conn != nil {
		s.mu.Unlock()
		writeJSON(w, 429, xapi.Problem{Title: "ConnectionException", Detail: "This stream is currently at the maximum allowed connection limit.",
			ConnectionIssue: "TooManyConnections", Type: xapi.ProblemPrefix + "streaming-connection"})
		return
	}
	c := &conn{msgs: make(chan []byte, 4096), done: make(chan struct{})}
	s.conn = c
	s.connects++
	n := s.connects
	keepAlive := s.KeepAlive
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.conn == c {
			s.conn = nil
		}
		s.mu.Unlock()
	}()

	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-rate-limit-limit", "50")
	w.Header().Set("x-rate-limit-remaining", strconv.Itoa(max(50-n, 0)))
	w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
	w.WriteHeader(200)
	fl := w.(http.Flusher)
	fl.Flush()
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		// A stalled connection holds its messages, as a stuck TCP
		// connection would; they are lost if it is dropped meanwhile.
		s.mu.Lock()
		msgs := c.msgs
		if s.stalled {
			msgs = nil
		}
		s.mu.Unlock()
		select {
		case <-r.Context().Done():
			return
		case <-c.done:
			return
		case <-tick.C:
			s.mu.Lock()
			stalled := s.stalled
			s.mu.Unlock()
			if !stalled {
				if _, err := w.Write([]byte("\r\n")); err != nil {
					return
				}
				fl.Flush()
			}
		case b := <-msgs:
			if b == nil {
				return // OperationalDisconnect's end
			}
			if _, err := w.Write(b); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
