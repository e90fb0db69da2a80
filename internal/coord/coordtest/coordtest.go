// Package coordtest is the conformance suite every coord backend passes.
package coordtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/coord"
)

// Run runs the suite. open returns a fresh coordinator; advance moves the
// lease clock forward (a backend on real time may sleep).
func Run(t *testing.T, open func(t *testing.T) coord.Coordinator, advance func(d time.Duration)) {
	t.Run("PubSub", func(t *testing.T) { testPubSub(t, open(t)) })
	t.Run("Leases", func(t *testing.T) { testLeases(t, open(t), advance) })
	t.Run("LeaseRace", func(t *testing.T) { testLeaseRace(t, open(t)) })
}

func recv(t *testing.T, s coord.Subscription) coord.Message {
	t.Helper()
	select {
	case m, ok := <-s.C():
		if !ok {
			t.Fatal("subscription closed")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message within 5s")
	}
	return coord.Message{}
}

func none(t *testing.T, s coord.Subscription) {
	t.Helper()
	select {
	case m := <-s.C():
		t.Fatalf("unexpected message %q on %q", m.Payload, m.Topic)
	case <-time.After(100 * time.Millisecond):
	}
}

func testPubSub(t *testing.T, c coord.Coordinator) {
	ctx := context.Background()
	defer c.Close()
	a, err := c.Subscribe(ctx, "t1/golang")
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Subscribe(ctx, "t1/golang", "t2/golang")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(ctx, "t1/golang", []byte("w1")); err != nil {
		t.Fatal(err)
	}
	for _, s := range []coord.Subscription{a, b} {
		if m := recv(t, s); m.Topic != "t1/golang" || string(m.Payload) != "w1" {
			t.Fatalf("got %q on %q", m.Payload, m.Topic)
		}
	}
	// Tenant topics stay apart.
	if err := c.Publish(ctx, "t2/golang", []byte("w2")); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, b); string(m.Payload) != "w2" {
		t.Fatalf("b got %q", m.Payload)
	}
	none(t, a)
	// Topics change while open.
	if err := a.Add(ctx, "t1/rust"); err != nil {
		t.Fatal(err)
	}
	if err := a.Remove(ctx, "t1/golang"); err != nil {
		t.Fatal(err)
	}
	_ = c.Publish(ctx, "t1/golang", []byte("w3"))
	_ = c.Publish(ctx, "t1/rust", []byte("w4"))
	if m := recv(t, a); string(m.Payload) != "w4" {
		t.Fatalf("a got %q, want w4", m.Payload)
	}
	if m := recv(t, b); string(m.Payload) != "w3" {
		t.Fatalf("b got %q, want w3", m.Payload)
	}
	// Close ends the channel.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for range a.C() {
	}
	_ = c.Publish(ctx, "t1/rust", []byte("after close"))
	_ = b.Close()
}

func testLeases(t *testing.T, c coord.Coordinator, advance func(time.Duration)) {
	ctx := context.Background()
	defer c.Close()
	ttl := 2 * time.Second
	l1, ok, err := c.Acquire(ctx, "tenant/a", "w1", ttl)
	if err != nil || !ok {
		t.Fatalf("first acquire: ok=%v err=%v", ok, err)
	}
	if _, ok, _ := c.Acquire(ctx, "tenant/a", "w2", ttl); ok {
		t.Fatal("second owner acquired a held lease")
	}
	if _, ok, _ := c.Acquire(ctx, "tenant/b", "w2", ttl); !ok {
		t.Fatal("another lease name is independent")
	}
	l1, err = c.Renew(ctx, l1, ttl)
	if err != nil {
		t.Fatalf("renew by owner: %v", err)
	}
	advance(ttl + 500*time.Millisecond)
	l2, ok, err := c.Acquire(ctx, "tenant/a", "w2", ttl)
	if err != nil || !ok {
		t.Fatalf("acquire after expiry: ok=%v err=%v", ok, err)
	}
	if l2.Fence <= l1.Fence {
		t.Fatalf("fence did not grow: %d then %d", l1.Fence, l2.Fence)
	}
	if _, err := c.Renew(ctx, l1, ttl); !errors.Is(err, coord.ErrLeaseLost) {
		t.Fatalf("stale owner renewed: %v", err)
	}
	if err := c.Release(ctx, l1); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c.Acquire(ctx, "tenant/a", "w3", ttl); ok {
		t.Fatal("a stale owner's release freed the lease")
	}
	if err := c.Release(ctx, l2); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c.Acquire(ctx, "tenant/a", "w3", ttl); !ok {
		t.Fatal("released lease not free")
	}
}

// testLeaseRace: many owners race; never two at once.
func testLeaseRace(t *testing.T, c coord.Coordinator) {
	ctx := context.Background()
	defer c.Close()
	var mu sync.Mutex
	winners := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("w%d", i)
			if _, ok, err := c.Acquire(ctx, "race", owner, time.Minute); err == nil && ok {
				mu.Lock()
				winners[owner] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d owners hold the lease: %v", len(winners), winners)
	}
}
