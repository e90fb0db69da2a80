package mem

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/tsaproject/tsa/internal/coord"
)

// queues is the in-process coord.Queue, shaped like Redis Streams consumer
// groups so the two behave alike: entries get increasing ids, a group starts
// from the beginning of its stream, deliveries stay pending until acked, and
// a delivery pending longer than claimAfter can be taken over.
type queues struct {
	mu         sync.Mutex // held only briefly: Consume waits with it released
	streams    map[string]*stream
	claimAfter time.Duration
}

type stream struct {
	seq     int64
	entries []entry // ascending seq; acked entries are removed
	groups  map[string]*group
	wake    chan struct{} // closed (and replaced) on every Push
}

type entry struct {
	seq     int64
	payload []byte
}

type group struct {
	last    int64 // highest seq delivered as new
	pending map[int64]*pend
}

type pend struct {
	consumer  string
	delivered time.Time
	attempts  int64
}

func (c *Coordinator) isClosed() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.closed
}

// SetClaimAfter sets how long a delivery stays with its consumer before
// another may take it over (default coord.DefaultClaimAfter).
func (c *Coordinator) SetClaimAfter(d time.Duration) {
	c.queue.mu.Lock()
	defer c.queue.mu.Unlock()
	c.queue.claimAfter = d
}

// stream returns the named stream, creating it; q must be locked.
func (q *queues) stream(name string) *stream {
	if q.streams == nil {
		q.streams = map[string]*stream{}
	}
	s := q.streams[name]
	if s == nil {
		s = &stream{groups: map[string]*group{}, wake: make(chan struct{})}
		q.streams[name] = s
	}
	return s
}

// wakeAll wakes every blocked Consume (on Close).
func (q *queues) wakeAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, s := range q.streams {
		close(s.wake)
		s.wake = make(chan struct{})
	}
}

// Push appends payloads to stream.
func (c *Coordinator) Push(_ context.Context, name string, payloads ...[]byte) error {
	if c.isClosed() {
		return coord.ErrClosed
	}
	c.queue.mu.Lock()
	defer c.queue.mu.Unlock()
	s := c.queue.stream(name)
	for _, p := range payloads {
		s.seq++
		// Copy: the caller may reuse its buffer once Push returns, as it
		// could with a network backend.
		s.entries = append(s.entries, entry{seq: s.seq, payload: append([]byte(nil), p...)})
	}
	if len(payloads) > 0 {
		close(s.wake)
		s.wake = make(chan struct{})
	}
	return nil
}

// Consume returns up to max deliveries: overdue pending ones first, then new.
func (c *Coordinator) Consume(ctx context.Context, name, groupName, consumer string, max int, block time.Duration) ([]coord.Delivery, error) {
	if max <= 0 {
		max = 1
	}
	var deadline <-chan time.Time
	if block > 0 {
		t := time.NewTimer(block)
		defer t.Stop()
		deadline = t.C
	}
	for {
		if c.isClosed() {
			return nil, coord.ErrClosed
		}
		c.queue.mu.Lock()
		out, wake := c.queue.take(c.now(), name, groupName, consumer, max)
		c.queue.mu.Unlock()
		if len(out) > 0 || deadline == nil {
			return out, nil
		}
		select {
		case <-wake:
		case <-deadline:
			return out, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// take does one Consume attempt; q must be locked. wake is closed by the next
// Push to the stream.
func (q *queues) take(now time.Time, name, groupName, consumer string, max int) ([]coord.Delivery, <-chan struct{}) {
	s := q.stream(name)
	g := s.groups[groupName]
	if g == nil {
		g = &group{pending: map[int64]*pend{}}
		s.groups[groupName] = g
	}
	claimAfter := q.claimAfter
	if claimAfter <= 0 {
		claimAfter = coord.DefaultClaimAfter
	}
	var out []coord.Delivery
	// Overdue pending entries, oldest first, like XAUTOCLAIM from 0-0.
	for _, e := range s.entries {
		if len(out) == max || e.seq > g.last {
			break
		}
		p := g.pending[e.seq]
		if p == nil || now.Sub(p.delivered) < claimAfter {
			continue
		}
		p.consumer, p.delivered = consumer, now
		p.attempts++
		out = append(out, delivery(e, p.attempts))
	}
	// New entries, like XREADGROUP >.
	for _, e := range s.entries {
		if len(out) == max {
			break
		}
		if e.seq <= g.last {
			continue
		}
		g.last = e.seq
		g.pending[e.seq] = &pend{consumer: consumer, delivered: now, attempts: 1}
		out = append(out, delivery(e, 1))
	}
	return out, s.wake
}

func delivery(e entry, attempts int64) coord.Delivery {
	return coord.Delivery{ID: strconv.FormatInt(e.seq, 10), Payload: append([]byte(nil), e.payload...), Attempts: attempts}
}

// Ack drops acknowledged entries from the group's pending set and from the
// stream.
func (c *Coordinator) Ack(_ context.Context, name, groupName string, ids ...string) error {
	if c.isClosed() {
		return coord.ErrClosed
	}
	c.queue.mu.Lock()
	defer c.queue.mu.Unlock()
	s := c.queue.streams[name]
	if s == nil || s.groups[groupName] == nil {
		return nil
	}
	g := s.groups[groupName]
	done := map[int64]bool{}
	for _, id := range ids {
		seq, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			continue // not an id this queue made; nothing to ack
		}
		if _, ok := g.pending[seq]; ok {
			delete(g.pending, seq)
			done[seq] = true
		}
	}
	if len(done) > 0 {
		kept := s.entries[:0]
		for _, e := range s.entries {
			if !done[e.seq] {
				kept = append(kept, e)
			}
		}
		s.entries = kept
	}
	return nil
}

var _ coord.Queue = (*Coordinator)(nil)
