// Package coord is how TSA processes coordinate: leases (one upstream stream
// per tenant), and publish/subscribe (window results to every web server).
// Backends are chosen by URL: mem:// (in process, the default) and, for
// scale-out, redis://.
package coord

import (
	"context"
	"errors"
	"time"
)

// Message is one published payload on a topic.
type Message struct {
	Topic   string
	Payload []byte
}

// Subscription receives the messages of the topics it holds. Topics can be
// added and removed while it is open.
type Subscription interface {
	// C delivers messages. It is closed after Close.
	C() <-chan Message
	Add(ctx context.Context, topics ...string) error
	Remove(ctx context.Context, topics ...string) error
	// Dropped counts messages lost because the subscriber fell behind.
	Dropped() int64
	Close() error
}

// PubSub fans messages out to subscribers, at most once: a subscriber that
// cannot keep up loses messages (and Dropped says how many) rather than
// slowing the publisher.
type PubSub interface {
	Publish(ctx context.Context, topic string, payload []byte) error
	Subscribe(ctx context.Context, topics ...string) (Subscription, error)
}

// Lease is held by one owner at a time until it expires. Fence grows with
// every new owner, so a stale owner's writes can be told apart.
type Lease struct {
	Name    string
	Owner   string
	Fence   int64
	Expires time.Time
}

// Leaser grants leases.
type Leaser interface {
	// Acquire takes the lease if it is free or expired; ok is false when
	// another owner holds it.
	Acquire(ctx context.Context, name, owner string, ttl time.Duration) (l Lease, ok bool, err error)
	// Renew extends a lease its owner still holds, or returns ErrLeaseLost.
	Renew(ctx context.Context, l Lease, ttl time.Duration) (Lease, error)
	// Release gives the lease up if the owner still holds it.
	Release(ctx context.Context, l Lease) error
}

// Coordinator is everything a backend provides.
type Coordinator interface {
	PubSub
	Leaser
	Close() error
}

// ErrLeaseLost is returned when renewing a lease someone else now holds.
var ErrLeaseLost = errors.New("lease lost")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("coordinator closed")

// Delivery is one queued payload handed to a consumer. It stays pending
// until acknowledged; if it is not acknowledged within the backend's claim
// timeout, a later Consume (by any consumer of the group) receives it again.
type Delivery struct {
	ID      string
	Payload []byte
	// Attempts is how many times the entry has been delivered, this time
	// included; above one means an earlier consumer died or gave up, which
	// lets a caller set poison entries aside.
	Attempts int64
}

// Queue carries work that must not be lost (posts to analyze or record):
// at least once, with acknowledgement. Each stream is a work queue for one
// consumer group: acknowledged entries are deleted, so a second group on the
// same stream would miss them. Consumers must be idempotent (writes keyed by
// post id), since a crash between doing the work and Ack means a redelivery.
type Queue interface {
	// Push appends payloads to stream, in order. Entries pushed before any
	// consumer exists are kept for the group's first Consume.
	Push(ctx context.Context, stream string, payloads ...[]byte) error
	// Consume returns up to max entries for consumer: first those other
	// consumers left unacknowledged past the claim timeout, then new ones.
	// With nothing to return it waits up to block (not at all when block
	// is zero or less) and then returns an empty slice.
	Consume(ctx context.Context, stream, group, consumer string, max int, block time.Duration) ([]Delivery, error)
	// Ack marks deliveries done. Unknown or already acknowledged ids are
	// ignored.
	Ack(ctx context.Context, stream, group string, ids ...string) error
}

// DefaultClaimAfter is how long a delivery may stay unacknowledged before
// another consumer may take it over, unless the backend is told otherwise.
// It must exceed the longest time a consumer spends on one batch.
const DefaultClaimAfter = 30 * time.Second
