package coordtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/coord"
)

// RunQueue runs the queue suite. open returns a fresh queue whose claim
// timeout is claimAfter; advance moves the backend's clock past it (a
// backend on real time sleeps, so keep claimAfter short there).
func RunQueue(t *testing.T, open func(t *testing.T) coord.Queue, advance func(d time.Duration), claimAfter time.Duration) {
	t.Run("Order", func(t *testing.T) { testQueueOrder(t, open(t)) })
	t.Run("Block", func(t *testing.T) { testQueueBlock(t, open(t)) })
	t.Run("Redeliver", func(t *testing.T) { testQueueRedeliver(t, open(t), advance, claimAfter) })
	t.Run("Competing", func(t *testing.T) { testQueueCompeting(t, open(t)) })
}

func payloads(ds []coord.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d.Payload)
	}
	return out
}

func ids(ds []coord.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func consume(t *testing.T, q coord.Queue, stream, consumer string, max int, block time.Duration) []coord.Delivery {
	t.Helper()
	ds, err := q.Consume(context.Background(), stream, "g", consumer, max, block)
	if err != nil {
		t.Fatalf("consume %s by %s: %v", stream, consumer, err)
	}
	return ds
}

// testQueueOrder: entries pushed before any consumer are kept, come out in
// order, at most max at a time, and streams stay apart.
func testQueueOrder(t *testing.T, q coord.Queue) {
	ctx := context.Background()
	if err := q.Push(ctx, "work", []byte("a"), []byte("b"), []byte("c")); err != nil {
		t.Fatal(err)
	}
	if err := q.Push(ctx, "other", []byte("x")); err != nil {
		t.Fatal(err)
	}
	got := consume(t, q, "work", "c1", 2, 0)
	if fmt.Sprint(payloads(got)) != "[a b]" {
		t.Fatalf("first batch %q, want [a b]", payloads(got))
	}
	for _, d := range got {
		if d.Attempts != 1 || d.ID == "" {
			t.Fatalf("fresh delivery %+v", d)
		}
	}
	rest := consume(t, q, "work", "c1", 10, 0)
	if fmt.Sprint(payloads(rest)) != "[c]" {
		t.Fatalf("second batch %q, want [c]", payloads(rest))
	}
	start := time.Now()
	if none := consume(t, q, "work", "c1", 10, 0); len(none) != 0 {
		t.Fatalf("delivered twice: %q", payloads(none))
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("non-blocking consume took %v", d)
	}
	if x := consume(t, q, "other", "c1", 10, 0); fmt.Sprint(payloads(x)) != "[x]" {
		t.Fatalf("other stream %q", payloads(x))
	}
	if err := q.Ack(ctx, "work", "g", append(ids(got), ids(rest)...)...); err != nil {
		t.Fatal(err)
	}
	// Acking again, or ids that never were, is harmless.
	if err := q.Ack(ctx, "work", "g", append(ids(got), "1-1")...); err != nil {
		t.Fatal(err)
	}
}

// testQueueBlock: a blocked Consume returns when work arrives, and returns
// empty after its block time otherwise.
func testQueueBlock(t *testing.T, q coord.Queue) {
	ctx := context.Background()
	start := time.Now()
	if ds := consume(t, q, "b", "c1", 1, 200*time.Millisecond); len(ds) != 0 {
		t.Fatalf("got %q from an empty stream", payloads(ds))
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Fatalf("empty consume blocked %v, want about 200ms", d)
	}
	done := make(chan []coord.Delivery, 1)
	go func() {
		ds, err := q.Consume(ctx, "b", "g", "c1", 1, 5*time.Second)
		if err != nil {
			t.Error(err)
		}
		done <- ds
	}()
	time.Sleep(100 * time.Millisecond)
	if err := q.Push(ctx, "b", []byte("late")); err != nil {
		t.Fatal(err)
	}
	select {
	case ds := <-done:
		if fmt.Sprint(payloads(ds)) != "[late]" {
			t.Fatalf("got %q", payloads(ds))
		}
	case <-time.After(4 * time.Second):
		t.Fatal("blocked consume did not see the push")
	}
}

// testQueueRedeliver: an entry its consumer never acks goes to another
// consumer after the claim timeout, with Attempts counting; acked ones never
// come back.
func testQueueRedeliver(t *testing.T, q coord.Queue, advance func(time.Duration), claimAfter time.Duration) {
	ctx := context.Background()
	if err := q.Push(ctx, "r", []byte("done"), []byte("crashed")); err != nil {
		t.Fatal(err)
	}
	first := consume(t, q, "r", "dies", 2, 0)
	if len(first) != 2 {
		t.Fatalf("got %q", payloads(first))
	}
	if err := q.Ack(ctx, "r", "g", first[0].ID); err != nil {
		t.Fatal(err)
	}
	if ds := consume(t, q, "r", "heir", 10, 0); len(ds) != 0 {
		t.Fatalf("taken over before the claim timeout: %q", payloads(ds))
	}
	advance(claimAfter + claimAfter/5)
	again := consume(t, q, "r", "heir", 10, 0)
	if len(again) != 1 || string(again[0].Payload) != "crashed" || again[0].ID != first[1].ID {
		t.Fatalf("redelivered %+v, want the unacked entry %s", again, first[1].ID)
	}
	if again[0].Attempts != 2 {
		t.Fatalf("attempts %d, want 2", again[0].Attempts)
	}
	if err := q.Ack(ctx, "r", "g", again[0].ID); err != nil {
		t.Fatal(err)
	}
	advance(claimAfter + claimAfter/5)
	if ds := consume(t, q, "r", "third", 10, 0); len(ds) != 0 {
		t.Fatalf("acked entries came back: %q", payloads(ds))
	}
}

// testQueueCompeting: consumers of one group share the work; each entry goes
// to exactly one of them while all ack in time.
func testQueueCompeting(t *testing.T, q coord.Queue) {
	ctx := context.Background()
	const n = 200
	for i := range n {
		if err := q.Push(ctx, "c", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ds, err := q.Consume(ctx, "c", "g", fmt.Sprint("w", w), 7, 0)
				if err != nil {
					errc <- err
					return
				}
				if len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					seen[string(d.Payload)]++
				}
				mu.Unlock()
				if err := q.Ack(ctx, "c", "g", ids(ds)...); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("%d of %d entries delivered", len(seen), n)
	}
	for p, k := range seen {
		if k != 1 {
			t.Fatalf("entry %s delivered %d times", p, k)
		}
	}
}
