package mem

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/coord"
	"github.com/tsaproject/tsa/internal/coord/coordtest"
)

func TestConformance(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	coordtest.Run(t,
		func(t *testing.T) coord.Coordinator { c := New(16); c.SetClock(clock); return c },
		func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() })
}

func TestSlowSubscriberDrops(t *testing.T) {
	c := New(2)
	defer c.Close()
	ctx := context.Background()
	s, _ := c.Subscribe(ctx, "x")
	for range 5 {
		if err := c.Publish(ctx, "x", []byte("m")); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Dropped(); got != 3 {
		t.Fatalf("dropped %d, want 3", got)
	}
}

func TestConcurrentPublishClose(t *testing.T) {
	c := New(8)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				s, err := c.Subscribe(ctx, "t")
				if err != nil {
					return
				}
				_ = c.Publish(ctx, "t", []byte("m"))
				_ = s.Close()
			}
		}()
	}
	time.Sleep(10 * time.Millisecond)
	_ = c.Close()
	wg.Wait()
	if err := c.Publish(ctx, "t", nil); err != coord.ErrClosed {
		t.Fatalf("publish after close: %v", err)
	}
}

func TestQueueConformance(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	coordtest.RunQueue(t,
		func(t *testing.T) coord.Queue {
			c := New(16)
			c.SetClock(clock)
			c.SetClaimAfter(time.Minute)
			t.Cleanup(func() { _ = c.Close() })
			return c
		},
		func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() },
		time.Minute)
}

func TestCloseWakesBlockedConsume(t *testing.T) {
	c := New(1)
	done := make(chan error, 1)
	go func() {
		_, err := c.Consume(context.Background(), "s", "g", "c", 1, time.Minute)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	_ = c.Close()
	select {
	case err := <-done:
		if err != coord.ErrClosed {
			t.Fatalf("got %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Consume still blocked after Close")
	}
}
