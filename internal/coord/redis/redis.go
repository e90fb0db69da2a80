// Package redis is the scale-out coordinator: leases and publish/subscribe
// shared by every TSA process that points at the same Redis (redis://…).
//
// Leases are one key each, holding "<fence> <owner>" with a Redis expiry, so a
// crashed holder's lease disappears by itself after its TTL. The fence comes
// from INCR on a separate counter key that never expires, so it only grows,
// and both keys share a hash tag so the scripts stay valid on Redis Cluster.
// Every check-then-act (acquire, renew, release) runs as one Lua script, so
// no other client can slip in between the check and the write.
//
// Publish/subscribe uses Redis channels: at most once, like the interface
// promises. Each Subscription owns one PubSub connection and one reader
// goroutine that never blocks on a slow consumer: when the consumer's buffer
// is full the message is dropped and counted.
package redis

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/tsaproject/tsa/internal/coord"
)

// Options tune a Coordinator. Zero values mean the defaults; the URL's query
// (prefix=, buffer=, timeout=, claim_after=) overrides them, so a --coord flag alone can say
// everything.
type Options struct {
	// Prefix is put before every key and channel name, so several TSA
	// installations (or test runs) can share one Redis without meeting.
	Prefix string
	// Buffer is each subscription's channel length (default 1024).
	Buffer int
	// Timeout bounds every call this package makes to Redis when the caller's
	// context has no earlier deadline (default 5s).
	Timeout time.Duration
	// HealthInterval is how long a subscription waits in silence before it
	// pings Redis; a ping that is not answered within another interval means
	// the connection is dead and it is replaced (default 15s).
	HealthInterval time.Duration
	// ClaimAfter is how long a queue delivery may stay unacknowledged
	// before Consume hands it to another consumer (default
	// coord.DefaultClaimAfter).
	ClaimAfter time.Duration
}

const (
	defaultBuffer  = 1024
	defaultTimeout = 5 * time.Second
	defaultHealth  = 15 * time.Second
)

// Coordinator implements coord.Coordinator on Redis.
type Coordinator struct {
	client *goredis.Client
	opts   Options

	mu     sync.Mutex
	subs   map[*subscription]struct{}
	groups map[string]bool // stream+group pairs known to exist (queue.go)
	closed bool
}

// Open connects to the Redis at rawURL (redis://[user:pass@]host:port/db,
// rediss:// for TLS, or unix:///path?db=N) and checks it answers. Query
// parameters prefix, buffer, timeout and claim_after set the matching Options; the rest
// (dial_timeout, read_timeout, pool_size, …) go to go-redis.
func Open(ctx context.Context, rawURL string, opts Options) (*Coordinator, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("coord/redis: parse url: %w", err)
	}
	// Take our own parameters out: go-redis rejects options it does not know.
	q := u.Query()
	if v := q.Get("prefix"); v != "" {
		opts.Prefix = v
	}
	if v := q.Get("buffer"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("coord/redis: buffer=%q: want a positive integer", v)
		}
		opts.Buffer = n
	}
	if v := q.Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("coord/redis: timeout=%q: want a positive duration", v)
		}
		opts.Timeout = d
	}
	if v := q.Get("claim_after"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("coord/redis: claim_after=%q: want a positive duration", v)
		}
		opts.ClaimAfter = d
	}
	for _, k := range []string{"prefix", "buffer", "timeout", "claim_after"} {
		q.Del(k)
	}
	u.RawQuery = q.Encode()

	ro, err := goredis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("coord/redis: %w", err)
	}
	if opts.Buffer <= 0 {
		opts.Buffer = defaultBuffer
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.HealthInterval <= 0 {
		opts.HealthInterval = defaultHealth
	}
	if opts.ClaimAfter <= 0 {
		opts.ClaimAfter = coord.DefaultClaimAfter
	}
	// Socket-level limits as a second line behind the per-call contexts, so
	// a call made without a deadline still cannot hang on a dead server.
	if ro.DialTimeout == 0 {
		ro.DialTimeout = opts.Timeout
	}
	if ro.ReadTimeout == 0 {
		ro.ReadTimeout = opts.Timeout
	}
	if ro.WriteTimeout == 0 {
		ro.WriteTimeout = opts.Timeout
	}
	ro.ContextTimeoutEnabled = true

	c := &Coordinator{client: goredis.NewClient(ro), opts: opts, subs: map[*subscription]struct{}{}, groups: map[string]bool{}}
	pctx, cancel := c.callCtx(ctx)
	defer cancel()
	if err := c.client.Ping(pctx).Err(); err != nil {
		_ = c.client.Close()
		return nil, fmt.Errorf("coord/redis: ping %s: %w", redact(u), err)
	}
	return c, nil
}

// redact drops the password from u for error messages.
func redact(u *url.URL) string { return u.Redacted() }

// Client is the underlying go-redis client (for tests and health checks).
func (c *Coordinator) Client() *goredis.Client { return c.client }

// Prefix is the key and channel prefix in use.
func (c *Coordinator) Prefix() string { return c.opts.Prefix }

// callCtx bounds one Redis call by the configured timeout.
func (c *Coordinator) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opts.Timeout)
}

func (c *Coordinator) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Close ends every subscription (waiting for their goroutines) and closes
// the connection pool. Leases are left to expire: a process that shuts down
// cleanly releases its own first.
func (c *Coordinator) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	subs := make([]*subscription, 0, len(c.subs))
	for s := range c.subs {
		subs = append(subs, s)
	}
	c.subs = map[*subscription]struct{}{}
	c.mu.Unlock()
	for _, s := range subs {
		_ = s.Close()
	}
	if err := c.client.Close(); err != nil {
		return fmt.Errorf("coord/redis: close: %w", err)
	}
	return nil
}

// ---- Leases ----

func (c *Coordinator) leaseKey(name string) string {
	return c.opts.Prefix + "lease:{" + name + "}"
}

func (c *Coordinator) fenceKey(name string) string {
	return c.opts.Prefix + "fence:{" + name + "}"
}

// acquireScript takes the lease when the key is absent (SET NX PX, fence from
// INCR), extends it when the caller already holds it (so Acquire is
// idempotent for the owner, as in mem), and otherwise reports the holder.
// Returns {taken, fence, owner, pttl}.
var acquireScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
  local sp = string.find(cur, ' ', 1, true)
  local fence = tonumber(string.sub(cur, 1, sp - 1))
  local owner = string.sub(cur, sp + 1)
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, fence, owner, tonumber(ARGV[2])}
  end
  return {0, fence, owner, redis.call('PTTL', KEYS[1])}
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], fence .. ' ' .. ARGV[1], 'NX', 'PX', ARGV[2])
return {1, fence, ARGV[1], tonumber(ARGV[2])}
`)

// renewScript extends the lease only if it still holds exactly this owner and
// fence: an owner whose lease expired and was re-taken, even by itself, has
// lost it.
var renewScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// releaseScript deletes the lease only if it still holds this owner and fence,
// so a stale owner cannot free a lease someone else now holds.
var releaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

func leaseValue(l coord.Lease) string { return strconv.FormatInt(l.Fence, 10) + " " + l.Owner }

func ttlMillis(ttl time.Duration) (int64, error) {
	ms := ttl.Milliseconds()
	if ms <= 0 {
		return 0, fmt.Errorf("coord/redis: lease ttl %v: want at least 1ms", ttl)
	}
	return ms, nil
}

// Acquire takes the named lease if it is free or expired.
func (c *Coordinator) Acquire(ctx context.Context, name, owner string, ttl time.Duration) (coord.Lease, bool, error) {
	if c.isClosed() {
		return coord.Lease{}, false, coord.ErrClosed
	}
	ms, err := ttlMillis(ttl)
	if err != nil {
		return coord.Lease{}, false, err
	}
	// Expires counts from before the request is sent, so the local idea of
	// the deadline is never later than Redis's.
	start := time.Now()
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	res, err := acquireScript.Run(ctx, c.client, []string{c.leaseKey(name), c.fenceKey(name)}, owner, ms).Slice()
	if err != nil {
		return coord.Lease{}, false, fmt.Errorf("coord/redis: acquire %q: %w", name, err)
	}
	if len(res) != 4 {
		return coord.Lease{}, false, fmt.Errorf("coord/redis: acquire %q: unexpected reply %v", name, res)
	}
	taken, _ := res[0].(int64)
	fence, _ := res[1].(int64)
	holder, _ := res[2].(string)
	pttl, _ := res[3].(int64)
	l := coord.Lease{Name: name, Owner: holder, Fence: fence, Expires: start.Add(time.Duration(pttl) * time.Millisecond)}
	return l, taken == 1, nil
}

// Renew extends a lease its owner still holds, or returns coord.ErrLeaseLost.
func (c *Coordinator) Renew(ctx context.Context, l coord.Lease, ttl time.Duration) (coord.Lease, error) {
	if c.isClosed() {
		return l, coord.ErrClosed
	}
	ms, err := ttlMillis(ttl)
	if err != nil {
		return l, err
	}
	start := time.Now()
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	n, err := renewScript.Run(ctx, c.client, []string{c.leaseKey(l.Name)}, leaseValue(l), ms).Int64()
	if err != nil {
		return l, fmt.Errorf("coord/redis: renew %q: %w", l.Name, err)
	}
	if n != 1 {
		return l, fmt.Errorf("coord/redis: renew %q (owner %q, fence %d): %w", l.Name, l.Owner, l.Fence, coord.ErrLeaseLost)
	}
	l.Expires = start.Add(ttl)
	return l, nil
}

// Release frees a lease its owner still holds; releasing a lease one no
// longer holds is not an error (there is nothing left to give up).
func (c *Coordinator) Release(ctx context.Context, l coord.Lease) error {
	if c.isClosed() {
		return coord.ErrClosed
	}
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	if err := releaseScript.Run(ctx, c.client, []string{c.leaseKey(l.Name)}, leaseValue(l)).Err(); err != nil {
		return fmt.Errorf("coord/redis: release %q: %w", l.Name, err)
	}
	return nil
}

// ---- Publish/subscribe ----

func (c *Coordinator) channel(topic string) string { return c.opts.Prefix + "ps:" + topic }

func (c *Coordinator) topic(channel string) (string, bool) {
	return strings.CutPrefix(channel, c.opts.Prefix+"ps:")
}

// Publish sends payload to every current subscriber of topic.
func (c *Coordinator) Publish(ctx context.Context, topic string, payload []byte) error {
	if c.isClosed() {
		return coord.ErrClosed
	}
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	if err := c.client.Publish(ctx, c.channel(topic), payload).Err(); err != nil {
		return fmt.Errorf("coord/redis: publish %q: %w", topic, err)
	}
	return nil
}

// Subscribe opens a subscription to topics. It returns once Redis has
// confirmed them, so a message published afterwards is delivered.
func (c *Coordinator) Subscribe(ctx context.Context, topics ...string) (coord.Subscription, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, coord.ErrClosed
	}
	rctx, cancel := context.WithCancel(context.Background())
	s := &subscription{
		c:       c,
		ch:      make(chan coord.Message, c.opts.Buffer),
		ps:      c.client.Subscribe(rctx),
		cancel:  cancel,
		done:    make(chan struct{}),
		chans:   map[string]struct{}{},
		waiters: map[string][]chan struct{}{},
	}
	c.subs[s] = struct{}{}
	c.mu.Unlock()
	go s.read(rctx)
	if len(topics) > 0 {
		if err := s.Add(ctx, topics...); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

type subscription struct {
	c       *Coordinator
	ch      chan coord.Message
	cancel  context.CancelFunc
	done    chan struct{} // closed when read returns
	dropped atomic.Int64

	mu      sync.Mutex
	ps      *goredis.PubSub
	chans   map[string]struct{}        // what we asked for, to resubscribe a replaced connection
	waiters map[string][]chan struct{} // "subscribe:chan" → Add/Remove calls waiting for Redis's confirmation
	closed  bool
}

func (s *subscription) C() <-chan coord.Message { return s.ch }
func (s *subscription) Dropped() int64          { return s.dropped.Load() }

// Add subscribes to more topics and waits until Redis confirms each one.
func (s *subscription) Add(ctx context.Context, topics ...string) error {
	return s.change(ctx, "subscribe", topics)
}

// Remove unsubscribes and waits for the confirmations, after which no more
// messages of those topics arrive (already buffered ones still may).
func (s *subscription) Remove(ctx context.Context, topics ...string) error {
	return s.change(ctx, "unsubscribe", topics)
}

func (s *subscription) change(ctx context.Context, kind string, topics []string) error {
	if len(topics) == 0 {
		// go-redis treats an empty UNSUBSCRIBE as "all"; nothing asked, nothing done.
		return nil
	}
	chans := make([]string, len(topics))
	for i, t := range topics {
		chans[i] = s.c.channel(t)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return coord.ErrClosed
	}
	// Register before sending, so the reader cannot see the confirmation
	// before there is anyone to hand it to.
	waits := make([]chan struct{}, len(chans))
	for i, ch := range chans {
		w := make(chan struct{})
		waits[i] = w
		k := kind + ":" + ch
		s.waiters[k] = append(s.waiters[k], w)
		if kind == "subscribe" {
			s.chans[ch] = struct{}{}
		} else {
			delete(s.chans, ch)
		}
	}
	ctx, cancel := s.c.callCtx(ctx)
	defer cancel()
	// Send while holding mu so that replace cannot swap the connection
	// between our bookkeeping and the command. The reader does not read
	// under mu, so this only delays its hand-offs by one write.
	var err error
	if kind == "subscribe" {
		err = s.ps.Subscribe(ctx, chans...)
	} else {
		err = s.ps.Unsubscribe(ctx, chans...)
	}
	s.mu.Unlock()
	if err != nil {
		s.forget(kind, chans, waits)
		return fmt.Errorf("coord/redis: %s %v: %w", kind, topics, err)
	}
	for _, w := range waits {
		select {
		case <-w:
		case <-s.done:
			s.forget(kind, chans, waits)
			return coord.ErrClosed
		case <-ctx.Done():
			s.forget(kind, chans, waits)
			return fmt.Errorf("coord/redis: %s %v: waiting for confirmation: %w", kind, topics, ctx.Err())
		}
	}
	return nil
}

// forget drops waiters that gave up, so later confirmations go to later calls.
func (s *subscription) forget(kind string, chans []string, waits []chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, ch := range chans {
		k := kind + ":" + ch
		list := s.waiters[k]
		for j, w := range list {
			if w == waits[i] {
				list = append(list[:j], list[j+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(s.waiters, k)
		} else {
			s.waiters[k] = list
		}
	}
}

func (s *subscription) confirmed(kind, channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := kind + ":" + channel
	list := s.waiters[k]
	if len(list) == 0 {
		return // a resubscription after reconnect: nobody waits for it
	}
	close(list[0])
	if len(list) == 1 {
		delete(s.waiters, k)
	} else {
		s.waiters[k] = list[1:]
	}
}

// read is the subscription's only goroutine and the only sender on s.ch. It
// never blocks on the consumer. go-redis reconnects and resubscribes by
// itself after a read error; read adds a ping when the line is quiet so a
// half-open connection is noticed and replaced.
func (s *subscription) read(ctx context.Context) {
	defer close(s.done)
	pinged := false
	backoff := 50 * time.Millisecond
	for {
		s.mu.Lock()
		ps := s.ps
		s.mu.Unlock()
		v, err := ps.ReceiveTimeout(ctx, s.c.opts.HealthInterval)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if isTimeout(err) {
				if pinged {
					// The ping went unanswered: the connection is dead
					// without the kernel having noticed.
					s.replace(ctx)
					pinged = false
					continue
				}
				pctx, cancel := s.c.callCtx(ctx)
				perr := ps.Ping(pctx)
				cancel()
				pinged = perr == nil
				continue
			}
			// Connection error: go-redis reconnects on the next receive.
			// Back off so a Redis that is down is not hammered.
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		pinged = false
		backoff = 50 * time.Millisecond
		switch m := v.(type) {
		case *goredis.Message:
			t, ok := s.c.topic(m.Channel)
			if !ok {
				continue
			}
			s.deliver(coord.Message{Topic: t, Payload: []byte(m.Payload)})
		case *goredis.Subscription:
			s.confirmed(m.Kind, m.Channel)
		case *goredis.Pong:
		}
	}
}

// replace swaps a dead PubSub connection for a new one on the same channels.
// Called only from read.
func (s *subscription) replace(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	_ = s.ps.Close()
	s.ps = s.c.client.Subscribe(ctx)
	if len(s.chans) == 0 {
		return
	}
	chans := make([]string, 0, len(s.chans))
	for ch := range s.chans {
		chans = append(chans, ch)
	}
	// If this fails the new PubSub still remembers the channels and
	// go-redis resubscribes them when read next connects.
	pctx, cancel := s.c.callCtx(ctx)
	_ = s.ps.Subscribe(pctx, chans...)
	cancel()
}

func (s *subscription) deliver(m coord.Message) {
	select {
	case s.ch <- m:
	default:
		s.dropped.Add(1)
	}
}

// Close unsubscribes, stops the reader and closes C.
func (s *subscription) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	ps := s.ps
	s.mu.Unlock()
	s.cancel()
	// Closing the connection wakes the reader from its blocking read.
	err := ps.Close()
	<-s.done
	close(s.ch)
	s.c.mu.Lock()
	delete(s.c.subs, s)
	s.c.mu.Unlock()
	if err != nil && !errors.Is(err, goredis.ErrClosed) {
		return fmt.Errorf("coord/redis: close subscription: %w", err)
	}
	return nil
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

var _ coord.Coordinator = (*Coordinator)(nil)
