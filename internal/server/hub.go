package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/tsaproject/tsa/internal/coord"
)

// Tracker is the live-tracking engine as the hub sees it.
type Tracker interface {
	// Subscribe sets a subscriber's keywords (replacing earlier ones) and
	// returns them normalized, or an error a user can read.
	Subscribe(tenant, subscriber string, keywords []string) ([]string, error)
	Unsubscribe(tenant, subscriber string)
	// History returns the encoded window messages still held for a
	// keyword, oldest first.
	History(tenant, keyword string, since time.Time) [][]byte
}

// HubConfig sets the websocket limits.
type HubConfig struct {
	MaxMessageBytes   int64         // largest client message (default 16 KiB)
	MaxKeywords       int           // keywords per connection (default 50)
	QueueLen          int           // messages queued per client before the oldest drop (default 256)
	TrackPerSecond    float64       // sustained track messages per second (default 1)
	TrackBurst        int           // burst of track messages (default 5)
	PingInterval      time.Duration // default 25 s
	WriteTimeout      time.Duration // one batch of queued messages to one client (default 10 s)
	History           time.Duration // recent windows sent on track (default 60 min)
	OriginPatterns    []string      // extra allowed Origin hosts; same host is always allowed
	InsecureAnyOrigin bool          // tests and development only
}

func (c *HubConfig) defaults() {
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 16 << 10
	}
	if c.MaxKeywords <= 0 {
		c.MaxKeywords = 50
	}
	if c.QueueLen <= 0 {
		c.QueueLen = 256
	}
	if c.TrackPerSecond <= 0 {
		c.TrackPerSecond = 1
	}
	if c.TrackBurst <= 0 {
		c.TrackBurst = 5
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 25 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.History <= 0 {
		c.History = 60 * time.Minute
	}
}

// Hub holds the websocket clients of one process and fans window messages
// out to them from a single coordinator subscription.
type Hub struct {
	cfg     HubConfig
	tracker Tracker
	ps      coord.PubSub
	log     *slog.Logger
	metrics *Metrics

	sub coord.Subscription

	mu      sync.RWMutex
	topics  map[string]map[*client]struct{}
	clients map[*client]struct{}
	nextID  atomic.Int64
}

// NewHub returns a hub; Run must be called to deliver messages.
func NewHub(cfg HubConfig, tracker Tracker, ps coord.PubSub, log *slog.Logger, m *Metrics) *Hub {
	cfg.defaults()
	return &Hub{
		cfg: cfg, tracker: tracker, ps: ps, log: log, metrics: m,
		topics: map[string]map[*client]struct{}{}, clients: map[*client]struct{}{},
	}
}

// WindowTopic is the pub/sub topic of one tenant's keyword.
func WindowTopic(tenant, keyword string) string { return "win:" + tenant + ":" + keyword }

// Run delivers published windows to clients until ctx ends.
func (h *Hub) Run(ctx context.Context) error {
	sub, err := h.ps.Subscribe(ctx)
	if err != nil {
		return fmt.Errorf("hub: subscribe: %w", err)
	}
	h.mu.Lock()
	h.sub = sub
	for t := range h.topics {
		if err := sub.Add(ctx, t); err != nil {
			h.mu.Unlock()
			return fmt.Errorf("hub: subscribe %s: %w", t, err)
		}
	}
	h.mu.Unlock()
	defer sub.Close()
	// A window's messages for every keyword are published together: take
	// all that are waiting before waking any writer, so a client tracking
	// several keywords writes them in one batch. Writers are woken only
	// after the burst (wake holds them, each at most once).
	var wake []*client
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-sub.C():
			if !ok {
				return nil
			}
			h.mu.RLock()
			wake = h.fanOut(m, wake)
		burst:
			for n := 1; n < 4096; n++ {
				select {
				case m, ok = <-sub.C():
					if !ok {
						break burst
					}
					wake = h.fanOut(m, wake)
				default:
					break burst
				}
			}
			h.mu.RUnlock()
			for i, c := range wake {
				c.woken = false
				c.wake()
				wake[i] = nil
			}
			wake = wake[:0]
		}
	}
}

// fanOut queues m for the clients of its topic and adds those not yet in
// wake to it; h.mu is read-locked and only Run calls it.
func (h *Hub) fanOut(m coord.Message, wake []*client) []*client {
	for c := range h.topics[m.Topic] {
		c.push(m.Payload)
		if !c.woken {
			c.woken = true
			wake = append(wake, c)
		}
	}
	return wake
}

// Clients returns how many websocket clients are connected.
func (h *Hub) Clients() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.clients)
}

// ServeWS upgrades an authenticated request to a websocket.
func (h *Hub) ServeWS(w http.ResponseWriter, r *http.Request, tenant string) {
	bw := &batchWriter{ResponseWriter: w}
	conn, err := websocket.Accept(bw, r, &websocket.AcceptOptions{
		OriginPatterns:     h.cfg.OriginPatterns,
		InsecureSkipVerify: h.cfg.InsecureAnyOrigin,
	})
	if err != nil {
		// Accept has written the response (403 for a bad Origin).
		h.log.Info("websocket rejected", slog.String("remote", r.RemoteAddr), slog.Any("err", err))
		return
	}
	conn.SetReadLimit(h.cfg.MaxMessageBytes)
	c := &client{
		hub: h, conn: conn, bconn: bw.conn, tenant: tenant,
		id:     "ws:" + strconv.FormatInt(h.nextID.Add(1), 10),
		notify: make(chan struct{}, 1),
		queue:  make([][]byte, 0, 16),
		tokens: float64(h.cfg.TrackBurst),
		last:   time.Now(),
	}
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	h.metrics.wsClients.Inc()
	defer h.metrics.wsClients.Dec()
	c.serve(r.Context())
}

func (h *Hub) setTopics(ctx context.Context, c *client, keywords []string) error {
	want := make(map[string]struct{}, len(keywords))
	for _, k := range keywords {
		want[WindowTopic(c.tenant, k)] = struct{}{}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var add, remove []string
	for t := range c.topics {
		if _, keep := want[t]; !keep {
			remove = append(remove, t)
			if set := h.topics[t]; set != nil {
				delete(set, c)
				if len(set) == 0 {
					delete(h.topics, t)
				}
			}
		}
	}
	for t := range want {
		set := h.topics[t]
		if set == nil {
			set = map[*client]struct{}{}
			h.topics[t] = set
			add = append(add, t)
		}
		set[c] = struct{}{}
	}
	c.topics = want
	if h.sub == nil {
		return nil // Run subscribes to everything in h.topics when it starts
	}
	if len(add) > 0 {
		if err := h.sub.Add(ctx, add...); err != nil {
			return err
		}
	}
	var gone []string
	for _, t := range remove {
		if _, used := h.topics[t]; !used {
			gone = append(gone, t)
		}
	}
	if len(gone) > 0 {
		return h.sub.Remove(ctx, gone...)
	}
	return nil
}

func (h *Hub) drop(c *client) {
	_ = h.setTopics(context.Background(), c, nil)
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	h.tracker.Unsubscribe(c.tenant, c.id)
}

type client struct {
	hub    *Hub
	conn   *websocket.Conn
	bconn  *batchConn // nil if the connection could not be wrapped
	tenant string
	id     string
	topics map[string]struct{} // guarded by hub.mu

	qmu     sync.Mutex
	queue   [][]byte
	dropped int64
	notify  chan struct{}
	spare   [][]byte // the writer's emptied queue, swapped in by take
	woken   bool     // in Run's wake list; used by Run only

	// track-message token bucket, used by the reader goroutine only
	tokens float64
	last   time.Time
}

// enqueue adds a message without blocking; when the queue is full the
// oldest message goes and the client is told how many it lost.
func (c *client) enqueue(msg []byte) {
	c.push(msg)
	c.wake()
}

// push queues msg without waking the writer.
func (c *client) push(msg []byte) {
	c.qmu.Lock()
	if len(c.queue) >= c.hub.cfg.QueueLen {
		copy(c.queue, c.queue[1:])
		c.queue = c.queue[:len(c.queue)-1]
		c.dropped++
		c.hub.metrics.dropped.Inc()
	}
	c.queue = append(c.queue, msg)
	c.qmu.Unlock()
}

// wake tells the writer there is something to write.
func (c *client) wake() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// take returns the queued messages and the count dropped since the last
// take. The returned slice is valid until the next take: the queue and the
// writer's spare swap, so taking allocates nothing.
func (c *client) take() ([][]byte, int64) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	q, d := c.queue, c.dropped
	clear(c.spare)
	c.queue, c.spare, c.dropped = c.spare[:0], q, 0
	return q, d
}

func (c *client) serve(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer c.hub.drop(c)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer cancel()
		c.writeLoop(ctx)
	}()
	err := c.readLoop(ctx)
	cancel()
	wg.Wait()
	var ce websocket.CloseError
	switch {
	case errors.As(err, &ce):
		c.conn.Close(websocket.StatusNormalClosure, "")
	case errors.Is(err, errTooBig):
		c.conn.Close(websocket.StatusMessageTooBig, "message too big")
	case ctx.Err() != nil:
		c.conn.Close(websocket.StatusGoingAway, "server going away")
	default:
		c.conn.CloseNow()
	}
}

var errTooBig = errors.New("message too big")

// clientMsg is what a client may send.
type clientMsg struct {
	Type     string   `json:"type"`
	Keywords []string `json:"keywords"`
}

func (c *client) readLoop(ctx context.Context) error {
	for {
		typ, data, err := c.conn.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
				return errTooBig
			}
			return err
		}
		if typ != websocket.MessageText {
			c.sendError("bad_message", "messages must be JSON text")
			continue
		}
		if !utf8.Valid(data) {
			c.sendError("bad_message", "message is not valid UTF-8")
			continue
		}
		var m clientMsg
		if err := json.Unmarshal(data, &m); err != nil {
			c.sendError("bad_message", "message is not a JSON object: "+err.Error())
			continue
		}
		switch m.Type {
		case "track":
			c.track(ctx, m.Keywords)
		case "ping":
			c.sendJSON(map[string]string{"type": "pong"})
		default:
			c.sendError("unknown_type", fmt.Sprintf("unknown message type %q (want track or ping)", m.Type))
		}
	}
}

func (c *client) allowTrack() bool {
	now := time.Now()
	cfg := &c.hub.cfg
	c.tokens = min(float64(cfg.TrackBurst), c.tokens+now.Sub(c.last).Seconds()*cfg.TrackPerSecond)
	c.last = now
	if c.tokens < 1 {
		return false
	}
	c.tokens--
	return true
}

func (c *client) track(ctx context.Context, keywords []string) {
	if !c.allowTrack() {
		c.sendError("rate_limited", "too many track messages; wait a moment")
		return
	}
	if len(keywords) > c.hub.cfg.MaxKeywords {
		c.sendError("too_many_keywords", fmt.Sprintf("at most %d keywords per connection, got %d", c.hub.cfg.MaxKeywords, len(keywords)))
		return
	}
	norm, err := c.hub.tracker.Subscribe(c.tenant, c.id, keywords)
	if err != nil {
		c.sendError("bad_keywords", err.Error())
		return
	}
	old := map[string]bool{}
	c.hub.mu.RLock()
	for t := range c.topics {
		old[t] = true
	}
	c.hub.mu.RUnlock()
	if err := c.hub.setTopics(ctx, c, norm); err != nil {
		c.sendError("internal", "could not subscribe; try again")
		c.hub.log.Error("hub subscribe", slog.Any("err", err))
		return
	}
	if norm == nil {
		norm = []string{}
	}
	c.sendJSON(map[string]any{"type": "tracking", "keywords": norm})
	since := time.Now().Add(-c.hub.cfg.History)
	for _, k := range norm {
		if old[WindowTopic(c.tenant, k)] {
			continue
		}
		if hist := c.hub.tracker.History(c.tenant, k, since); len(hist) > 0 {
			c.enqueue(historyMessage(k, hist))
		}
	}
}

// historyMessage bundles a keyword's recent windows into one message so a
// reconnecting page fills its charts without flooding its queue.
func historyMessage(keyword string, windows [][]byte) []byte {
	k, _ := json.Marshal(keyword)
	b := make([]byte, 0, 64+len(windows)*400)
	b = append(b, `{"type":"history","keyword":`...)
	b = append(b, k...)
	b = append(b, `,"windows":[`...)
	for i, w := range windows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, w...)
	}
	return append(b, "]}"...)
}

func (c *client) sendJSON(v any) {
	b, err := json.Marshal(v)
	if err == nil {
		c.enqueue(b)
	}
}

func (c *client) sendError(code, msg string) {
	c.sendJSON(map[string]string{"type": "error", "code": code, "message": msg})
}

func (c *client) writeLoop(ctx context.Context) {
	ping := time.NewTicker(c.hub.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, c.hub.cfg.WriteTimeout)
			err := c.conn.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		case <-c.notify:
			if !c.writeBatch(ctx) {
				return
			}
		}
	}
}

// writeBatch writes everything queued, each message its own websocket
// frame, all in one system call when the connection allows it, within
// WriteTimeout.
func (c *client) writeBatch(ctx context.Context) bool {
	msgs, dropped := c.take()
	if len(msgs) == 0 && dropped == 0 {
		return true
	}
	wctx, cancel := context.WithTimeout(ctx, c.hub.cfg.WriteTimeout)
	defer cancel()
	if c.bconn != nil {
		c.bconn.hold()
	}
	ok := true
	if dropped > 0 {
		note := fmt.Appendf(nil, `{"type":"dropped","count":%d}`, dropped)
		ok = c.conn.Write(wctx, websocket.MessageText, note) == nil
	}
	n := 0
	for _, m := range msgs {
		if !ok {
			break
		}
		ok = c.conn.Write(wctx, websocket.MessageText, m) == nil
		n++
	}
	if c.bconn != nil {
		if err := c.bconn.release(c.hub.cfg.WriteTimeout); err != nil {
			ok = false
		}
	}
	if ok {
		c.hub.metrics.wsMessages.Add(float64(n))
	}
	return ok
}
