// Package mem is the in-process coordinator: the embedded default when one
// process does everything.
package mem

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tsaproject/tsa/internal/coord"
)

// Coordinator implements coord.Coordinator inside one process.
type Coordinator struct {
	now    func() time.Time
	buffer int

	mu     sync.RWMutex
	topics map[string]map[*subscription]struct{}
	closed bool

	leaseMu sync.Mutex
	leases  map[string]coord.Lease
	fences  map[string]int64

	queue queues // queue.go
}

// New returns an empty coordinator. buffer is each subscription's queue
// length (default 1024).
func New(buffer int) *Coordinator {
	if buffer <= 0 {
		buffer = 1024
	}
	return &Coordinator{
		now:    time.Now,
		buffer: buffer,
		topics: map[string]map[*subscription]struct{}{},
		leases: map[string]coord.Lease{},
		fences: map[string]int64{},
	}
}

// SetClock replaces the clock leases use (tests).
func (c *Coordinator) SetClock(now func() time.Time) { c.now = now }

// Publish delivers payload to every subscriber of topic without blocking.
func (c *Coordinator) Publish(_ context.Context, topic string, payload []byte) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return coord.ErrClosed
	}
	for s := range c.topics[topic] {
		s.deliver(coord.Message{Topic: topic, Payload: payload})
	}
	return nil
}

// Subscribe opens a subscription to topics.
func (c *Coordinator) Subscribe(ctx context.Context, topics ...string) (coord.Subscription, error) {
	s := &subscription{c: c, ch: make(chan coord.Message, c.buffer), topics: map[string]struct{}{}}
	if err := s.Add(ctx, topics...); err != nil {
		return nil, err
	}
	return s, nil
}

// Close ends every subscription.
func (c *Coordinator) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	var subs []*subscription
	seen := map[*subscription]bool{}
	for _, set := range c.topics {
		for s := range set {
			if !seen[s] {
				seen[s] = true
				subs = append(subs, s)
			}
		}
	}
	c.topics = map[string]map[*subscription]struct{}{}
	c.mu.Unlock()
	for _, s := range subs {
		s.closeCh()
	}
	c.queue.wakeAll() // blocked Consume calls see closed and return
	return nil
}

type subscription struct {
	c       *Coordinator
	ch      chan coord.Message
	dropped atomic.Int64

	mu     sync.Mutex // guards topics and closed
	topics map[string]struct{}
	closed bool
	sendMu sync.RWMutex // deliveries hold it shared; close holds it exclusive
}

func (s *subscription) C() <-chan coord.Message { return s.ch }
func (s *subscription) Dropped() int64          { return s.dropped.Load() }

func (s *subscription) deliver(m coord.Message) {
	s.sendMu.RLock()
	defer s.sendMu.RUnlock()
	if s.closed {
		return
	}
	select {
	case s.ch <- m:
	default:
		s.dropped.Add(1)
	}
}

func (s *subscription) Add(_ context.Context, topics ...string) error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.c.closed {
		return coord.ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return coord.ErrClosed
	}
	for _, t := range topics {
		set := s.c.topics[t]
		if set == nil {
			set = map[*subscription]struct{}{}
			s.c.topics[t] = set
		}
		set[s] = struct{}{}
		s.topics[t] = struct{}{}
	}
	return nil
}

func (s *subscription) Remove(_ context.Context, topics ...string) error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range topics {
		s.c.unlink(t, s)
		delete(s.topics, t)
	}
	return nil
}

// unlink removes s from topic t; c.mu must be held.
func (c *Coordinator) unlink(t string, s *subscription) {
	if set := c.topics[t]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(c.topics, t)
		}
	}
}

func (s *subscription) Close() error {
	s.c.mu.Lock()
	s.mu.Lock()
	for t := range s.topics {
		s.c.unlink(t, s)
	}
	s.topics = nil
	s.mu.Unlock()
	s.c.mu.Unlock()
	s.closeCh()
	return nil
}

func (s *subscription) closeCh() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
}

// Acquire takes the named lease if free or expired.
func (c *Coordinator) Acquire(_ context.Context, name, owner string, ttl time.Duration) (coord.Lease, bool, error) {
	c.leaseMu.Lock()
	defer c.leaseMu.Unlock()
	now := c.now()
	if l, held := c.leases[name]; held && now.Before(l.Expires) {
		if l.Owner == owner {
			l.Expires = now.Add(ttl)
			c.leases[name] = l
			return l, true, nil
		}
		return l, false, nil
	}
	c.fences[name]++
	l := coord.Lease{Name: name, Owner: owner, Fence: c.fences[name], Expires: now.Add(ttl)}
	c.leases[name] = l
	return l, true, nil
}

// Renew extends a lease its owner still holds.
func (c *Coordinator) Renew(_ context.Context, l coord.Lease, ttl time.Duration) (coord.Lease, error) {
	c.leaseMu.Lock()
	defer c.leaseMu.Unlock()
	now := c.now()
	cur, held := c.leases[l.Name]
	if !held || cur.Owner != l.Owner || cur.Fence != l.Fence || !now.Before(cur.Expires) {
		return l, coord.ErrLeaseLost
	}
	cur.Expires = now.Add(ttl)
	c.leases[l.Name] = cur
	return cur, nil
}

// Release frees a lease its owner still holds.
func (c *Coordinator) Release(_ context.Context, l coord.Lease) error {
	c.leaseMu.Lock()
	defer c.leaseMu.Unlock()
	if cur, held := c.leases[l.Name]; held && cur.Owner == l.Owner && cur.Fence == l.Fence {
		delete(c.leases, l.Name)
	}
	return nil
}

var _ coord.Coordinator = (*Coordinator)(nil)
