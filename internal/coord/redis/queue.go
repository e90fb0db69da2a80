package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/tsaproject/tsa/internal/coord"
)

// The queue is a Redis Stream per queue with one consumer group: XADD to
// push, XAUTOCLAIM to take over deliveries left pending past ClaimAfter (a
// consumer that crashed), XREADGROUP for new entries, and XACK plus XDEL (in
// one script) to finish, so the stream holds only work not yet done.

const payloadField = "p"

func (c *Coordinator) streamKey(stream string) string { return c.opts.Prefix + "q:" + stream }

// Push appends payloads to stream in one round trip.
func (c *Coordinator) Push(ctx context.Context, stream string, payloads ...[]byte) error {
	if c.isClosed() {
		return coord.ErrClosed
	}
	if len(payloads) == 0 {
		return nil
	}
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	key := c.streamKey(stream)
	// MULTI/EXEC keeps a batch together and in order even if another
	// process pushes to the same stream at the same time.
	_, err := c.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		for _, pl := range payloads {
			p.XAdd(ctx, &goredis.XAddArgs{Stream: key, Values: []any{payloadField, pl}})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("coord/redis: push %d to %q: %w", len(payloads), stream, err)
	}
	return nil
}

// ensureGroup creates the consumer group at the start of the stream (so
// entries pushed before any consumer are delivered), once per process; force
// skips the cache after Redis said the group is gone (stream deleted).
func (c *Coordinator) ensureGroup(ctx context.Context, key, group string, force bool) error {
	id := key + "\x00" + group
	c.mu.Lock()
	known := c.groups[id]
	c.mu.Unlock()
	if known && !force {
		return nil
	}
	err := c.client.XGroupCreateMkStream(ctx, key, group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return err
	}
	c.mu.Lock()
	c.groups[id] = true
	c.mu.Unlock()
	return nil
}

func isNoGroup(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOGROUP") }

// Consume returns up to max deliveries: overdue pending ones first, then new.
func (c *Coordinator) Consume(ctx context.Context, stream, group, consumer string, max int, block time.Duration) ([]coord.Delivery, error) {
	if c.isClosed() {
		return nil, coord.ErrClosed
	}
	if max <= 0 {
		max = 1
	}
	key := c.streamKey(stream)
	for attempt := 0; ; attempt++ {
		out, err := c.consume(ctx, key, group, consumer, max, block, attempt > 0)
		if isNoGroup(err) && attempt == 0 {
			continue // the stream was deleted under us; recreate the group once
		}
		if err != nil {
			return nil, fmt.Errorf("coord/redis: consume %q as %s/%s: %w", stream, group, consumer, err)
		}
		return out, nil
	}
}

func (c *Coordinator) consume(ctx context.Context, key, group, consumer string, max int, block time.Duration, force bool) ([]coord.Delivery, error) {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	if err := c.ensureGroup(cctx, key, group, force); err != nil {
		return nil, err
	}
	claimed, _, err := c.client.XAutoClaim(cctx, &goredis.XAutoClaimArgs{
		Stream: key, Group: group, Consumer: consumer,
		MinIdle: c.opts.ClaimAfter, Start: "0-0", Count: int64(max),
	}).Result()
	if err != nil {
		return nil, err
	}
	out := make([]coord.Delivery, 0, max)
	if len(claimed) > 0 {
		// XAUTOCLAIM does not say how often an entry was delivered; the
		// pending list does (the claim already counted this delivery).
		counts := map[string]int64{}
		pend, err := c.client.XPendingExt(cctx, &goredis.XPendingExtArgs{
			Stream: key, Group: group, Consumer: consumer,
			Start: claimed[0].ID, End: claimed[len(claimed)-1].ID, Count: int64(len(claimed)),
		}).Result()
		if err != nil {
			return nil, err
		}
		for _, p := range pend {
			counts[p.ID] = p.RetryCount
		}
		for _, m := range claimed {
			out = append(out, toDelivery(m, max64(counts[m.ID], 2)))
		}
	}
	if len(out) == max {
		return out, nil
	}
	args := &goredis.XReadGroupArgs{
		Group: group, Consumer: consumer, Streams: []string{key, ">"},
		Count: int64(max - len(out)), Block: -1, // -1: no BLOCK argument, return at once
	}
	rctx := cctx
	if len(out) == 0 && block > 0 {
		// BLOCK 0 would wait forever, so only a positive block is sent, and
		// the call's deadline is stretched by it.
		args.Block = block
		var rcancel context.CancelFunc
		rctx, rcancel = context.WithTimeout(ctx, block+c.opts.Timeout)
		defer rcancel()
	}
	res, err := c.client.XReadGroup(rctx, args).Result()
	if errors.Is(err, goredis.Nil) {
		return out, nil // nothing new within block
	}
	if err != nil {
		return nil, err
	}
	for _, s := range res {
		for _, m := range s.Messages {
			out = append(out, toDelivery(m, 1))
		}
	}
	return out, nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func toDelivery(m goredis.XMessage, attempts int64) coord.Delivery {
	var p []byte
	if v, ok := m.Values[payloadField].(string); ok {
		p = []byte(v)
	}
	return coord.Delivery{ID: m.ID, Payload: p, Attempts: attempts}
}

// ackScript acknowledges each id and deletes from the stream only those the
// group really held as pending, so a wrong id cannot remove work nobody has
// done; one script, so a crash cannot leave an acknowledged entry behind.
// KEYS[1] stream, ARGV[1] group, ARGV[2:] ids.
var ackScript = goredis.NewScript(`
local n = 0
for i = 2, #ARGV do
  if redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then
    redis.call('XDEL', KEYS[1], ARGV[i])
    n = n + 1
  end
end
return n
`)

// Ack acknowledges ids and deletes them from the stream.
func (c *Coordinator) Ack(ctx context.Context, stream, group string, ids ...string) error {
	if c.isClosed() {
		return coord.ErrClosed
	}
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	args := make([]any, 0, 1+len(ids))
	args = append(args, group)
	for _, id := range ids {
		args = append(args, id)
	}
	if err := ackScript.Run(ctx, c.client, []string{c.streamKey(stream)}, args...).Err(); err != nil {
		return fmt.Errorf("coord/redis: ack %d on %q: %w", len(ids), stream, err)
	}
	return nil
}

var _ coord.Queue = (*Coordinator)(nil)
