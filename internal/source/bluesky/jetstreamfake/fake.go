// Package jetstreamfake is a Jetstream server for tests: the legacy
// /subscribe websocket protocol (wantedCollections, cursor replay, live
// events, compress=true with a zstd dictionary, options_update), with the
// faults a real one shows: abrupt closes, stalls, refused connections and
// malformed or oversized frames.
package jetstreamfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/klauspost/compress/zstd"
)

// Event is one Jetstream event. Publish fills TimeUS when it is zero.
type Event struct {
	DID      string    `json:"did"`
	TimeUS   int64     `json:"time_us"`
	Kind     string    `json:"kind"` // "commit", "identity", "account"
	Commit   *Commit   `json:"commit,omitempty"`
	Identity *Identity `json:"identity,omitempty"`
	Account  *Account  `json:"account,omitempty"`
}

// Commit is a commit event's payload.
type Commit struct {
	Rev        string          `json:"rev"`
	Operation  string          `json:"operation"` // "create", "update", "delete"
	Collection string          `json:"collection"`
	Rkey       string          `json:"rkey"`
	Record     json.RawMessage `json:"record,omitempty"`
	CID        string          `json:"cid,omitempty"`
}

// Identity is an identity event's payload.
type Identity struct {
	DID    string `json:"did"`
	Handle string `json:"handle,omitempty"`
	Seq    int64  `json:"seq"`
	Time   string `json:"time"`
}

// Account is an account event's payload.
type Account struct {
	Active bool   `json:"active"`
	DID    string `json:"did"`
	Seq    int64  `json:"seq"`
	Time   string `json:"time"`
	Status string `json:"status,omitempty"`
}

// Options configure a Server.
type Options struct {
	// Dict is the zstd dictionary for compress=true subscribers; without
	// one they are refused with HTTP 400.
	Dict []byte
}

// Subscription is what one connection asked for.
type Subscription struct {
	Cursor      int64 // 0: live tail
	Collections []string
	Compress    bool
}

// stored is one buffered event.
type stored struct {
	timeUS     int64
	collection string // "" for non-commit events and raw frames: sent to all
	frame      []byte
}

// Server is a fake Jetstream. Its methods are safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	dict []byte

	mu     sync.Mutex
	events []stored
	last   int64
	notify chan struct{} // closed and replaced on every publish
	conns  map[*conn]struct{}
	subs   []Subscription
	refuse bool
}

type conn struct {
	ws          *websocket.Conn
	collections []string // guarded by Server.mu
	stalled     bool     // guarded by Server.mu
	next        int      // index of the next event to consider; writer only
	cursor      int64
}

// New starts a fake Jetstream on a local port.
func New(opt Options) *Server {
	s := &Server{dict: opt.Dict, notify: make(chan struct{}), conns: map[*conn]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/subscribe", s.subscribe)
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the subscribe endpoint, ws://127.0.0.1:PORT/subscribe.
func (s *Server) URL() string { return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/subscribe" }

// Close drops every connection and stops the server.
func (s *Server) Close() {
	s.CloseConnections()
	s.srv.Close()
}

// Publish buffers an event for replay and sends it to live subscribers. A
// zero TimeUS becomes the current time, and times are kept strictly
// increasing as Jetstream's are. It returns the event's time_us.
func (s *Server) Publish(ev Event) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev.TimeUS == 0 {
		ev.TimeUS = time.Now().UnixMicro()
	}
	ev.TimeUS = max(ev.TimeUS, s.last+1)
	frame, err := json.Marshal(ev)
	if err != nil {
		panic(fmt.Sprintf("jetstreamfake: %v", err)) // only RawMessage can fail, and it is the test's
	}
	coll := ""
	if ev.Commit != nil {
		coll = ev.Commit.Collection
	}
	s.append(stored{timeUS: ev.TimeUS, collection: coll, frame: frame})
	return ev.TimeUS
}

// PublishRaw sends a frame as it is (malformed JSON, invalid UTF-8, an
// oversized event) to every subscriber, live and replaying.
func (s *Server) PublishRaw(frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.append(stored{timeUS: max(time.Now().UnixMicro(), s.last+1), frame: slices.Clone(frame)})
}

func (s *Server) append(e stored) {
	s.last = e.timeUS
	s.events = append(s.events, e)
	close(s.notify)
	s.notify = make(chan struct{})
}

// LastTimeUS is the time_us of the newest event.
func (s *Server) LastTimeUS() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// CloseConnections drops every open connection without a close frame, as
// Jetstream drops a subscriber whose outbox is full.
func (s *Server) CloseConnections() {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.CloseNow()
	}
}

// Stall makes every open connection stop sending, while staying open;
// new connections are served normally.
func (s *Server) Stall() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.stalled = true
	}
	close(s.notify)
	s.notify = make(chan struct{})
}

// Refuse makes new subscriptions fail with HTTP 503 (or serve again).
func (s *Server) Refuse(on bool) {
	s.mu.Lock()
	s.refuse = on
	s.mu.Unlock()
}

// Subscriptions lists what each connection so far asked for, oldest first.
func (s *Server) Subscriptions() []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.subs)
}

// Connections is the number of open connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func badRequest(w http.ResponseWriter, msg string) {
	http.Error(w, msg, http.StatusBadRequest)
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sub := Subscription{Collections: q["wantedCollections"]}
	if len(sub.Collections) > 100 {
		badRequest(w, "too many wanted collections")
		return
	}
	for _, c := range sub.Collections {
		if !validCollection(c) {
			badRequest(w, "invalid collection: "+c)
			return
		}
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			badRequest(w, "invalid cursor")
			return
		}
		sub.Cursor = n
	}
	sub.Compress = q.Get("compress") == "true" || r.Header.Get("Socket-Encoding") == "zstd"
	var enc *zstd.Encoder
	if sub.Compress {
		if s.dict == nil {
			badRequest(w, "compression needs a dictionary, and this fake has none")
			return
		}
		var err error
		enc, err = zstd.NewWriter(nil, zstd.WithEncoderDict(s.dict), zstd.WithWindowSize(1<<17), zstd.WithEncoderConcurrency(1))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer enc.Close()
	}
	s.mu.Lock()
	if s.refuse {
		s.mu.Unlock()
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	s.subs = append(s.subs, sub)
	s.mu.Unlock()

	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(10 << 20)
	c := &conn{ws: ws, collections: sub.Collections, cursor: sub.Cursor}
	s.mu.Lock()
	s.conns[c] = struct{}{}
	now := time.Now().UnixMicro()
	if sub.Cursor == 0 || sub.Cursor > now {
		c.next = len(s.events)
	} else {
		c.next, _ = slices.BinarySearchFunc(s.events, sub.Cursor, func(e stored, t int64) int {
			return compareInt(e.timeUS, t)
		})
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		_ = ws.CloseNow()
	}()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		defer cancel()
		s.readOptions(ctx, c)
	}()
	s.write(ctx, c, enc)
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// write sends buffered events from c.next on, then live ones, until the
// connection ends.
func (s *Server) write(ctx context.Context, c *conn, enc *zstd.Encoder) {
	var batch []stored
	for {
		s.mu.Lock()
		batch = batch[:0]
		if !c.stalled {
			for c.next < len(s.events) && len(batch) < 256 {
				e := s.events[c.next]
				c.next++
				if e.timeUS >= c.cursor && wanted(c.collections, e.collection) {
					batch = append(batch, e)
				}
			}
		}
		notify := s.notify
		s.mu.Unlock()
		for _, e := range batch {
			typ, frame := websocket.MessageText, e.frame
			if enc != nil {
				typ, frame = websocket.MessageBinary, enc.EncodeAll(e.frame, nil)
			}
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := c.ws.Write(wctx, typ, frame)
			cancel()
			if err != nil {
				return
			}
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-notify:
		}
	}
}

// readOptions applies options_update messages; an invalid one closes the
// connection, as Jetstream does.
func (s *Server) readOptions(ctx context.Context, c *conn) {
	for {
		_, msg, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		var m struct {
			Type    string `json:"type"`
			Payload struct {
				WantedCollections []string `json:"wantedCollections"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(msg, &m); err != nil || m.Type != "options_update" || !validCollections(m.Payload.WantedCollections) {
			_ = c.ws.Close(websocket.StatusPolicyViolation, "invalid options update")
			return
		}
		s.mu.Lock()
		c.collections = m.Payload.WantedCollections
		close(s.notify)
		s.notify = make(chan struct{})
		s.mu.Unlock()
	}
}

func validCollections(cs []string) bool {
	if len(cs) > 100 {
		return false
	}
	for _, c := range cs {
		if !validCollection(c) {
			return false
		}
	}
	return true
}

// validCollection accepts a full NSID or a prefix ending in ".*".
func validCollection(c string) bool {
	c = strings.TrimSuffix(c, ".*")
	parts := strings.Split(c, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, "* /") {
			return false
		}
	}
	return true
}

// wanted reports whether an event of collection goes to a subscriber that
// wants cs; events outside commits go to everyone.
func wanted(cs []string, collection string) bool {
	if len(cs) == 0 || collection == "" {
		return true
	}
	for _, c := range cs {
		if c == collection || strings.HasSuffix(c, ".*") && strings.HasPrefix(collection, c[:len(c)-1]) {
			return true
		}
	}
	return false
}
